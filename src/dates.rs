//! The dates the service accepts: years [`MIN_YEAR`]–[`MAX_YEAR`], in every input.
//!
//! chrono reads dates far outside any working calendar (year 200000, year -200000); PostgreSQL
//! stores some and refuses others, and date arithmetic on them overflows. One rule, applied
//! before any handler runs by the [`check`] middleware and driven by the OpenAPI document (the
//! same one the parse errors use): every query parameter, path parameter and JSON body field
//! declared `format: date` or `date-time` must lie in the supported years, else 400
//! `validation_failed` with a field error `out_of_range` naming the field (`days[2].date`).
//! Handlers that take dates from elsewhere (files) use [`year_in_range`].

use crate::error::parse::{format_of, param_schema, resolve, spec_json};
use crate::error::{ApiError, Code, FieldCode, FieldError};
use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The first supported year.
pub const MIN_YEAR: i32 = 1900;
/// The last supported year (the statutory calendar's last loadable year).
pub const MAX_YEAR: i32 = 2200;

/// True when `year` is supported.
pub fn year_in_range(year: i32) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&year)
}

/// The field error for a date outside the supported years.
pub fn out_of_range(field: &str) -> FieldError {
    FieldError::of(field, FieldCode::YearOutOfRange)
        .param("min", MIN_YEAR)
        .param("max", MAX_YEAR)
}

/// The year a date or date-time is written with: an optional sign, at least four digits, then
/// `-` (`2026-11-30`, `2026-11-30T08:00:00Z`, `+200000-01-01T00:00:00Z`, `-200000-01-01`),
/// read from the text itself so that years no parser accepts are caught too (a year too long
/// for `i32` counts as out of range); `None` when the text does not start like a date (the
/// parse error then says what is wrong).
pub fn year_of(text: &str) -> Option<i32> {
    let t = text.trim();
    let (negative, rest) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits < 4 || rest.as_bytes().get(digits) != Some(&b'-') {
        return None;
    }
    let year = rest[..digits].parse::<i32>().unwrap_or(i32::MAX);
    Some(if negative { -year } else { year })
}

/// The path parameters of a request, by its route pattern (`/calendar/days/{date}`) and its
/// path, segment by segment: middleware runs before routing fills `match_info`.
fn path_params(pattern: &str, path: &str) -> Vec<(String, String)> {
    let pat: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let got: Vec<&str> = path.trim_matches('/').split('/').collect();
    if pat.len() != got.len() {
        return Vec::new();
    }
    pat.iter()
        .zip(got)
        .filter_map(|(p, v)| {
            let name = p.strip_prefix('{')?.strip_suffix('}')?;
            let name = name.split(':').next().unwrap_or(name);
            let value =
                url::form_urlencoded::parse(format!("v={}", v.replace('+', "%2B")).as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
            Some((name.to_owned(), value))
        })
        .collect()
}

fn is_date_format(schema: &Value) -> bool {
    matches!(format_of(schema), Some("date" | "date-time"))
}

/// The schemas a value may match: the schema itself and its `allOf`/`oneOf`/`anyOf` branches.
fn branches(schema: &Value) -> Vec<&Value> {
    let schema = resolve(schema);
    let mut out = vec![schema];
    for k in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = schema.get(k).and_then(Value::as_array) {
            for s in list {
                out.extend(branches(s));
            }
        }
    }
    out
}

/// Collects the out-of-range dates in `value` (a JSON body) at positions its `schema` declares
/// as dates.
fn walk(value: &Value, schema: &Value, path: &str, depth: usize, out: &mut Vec<FieldError>) {
    if depth > 16 {
        return;
    }
    let here = |p: &str| {
        if p.is_empty() {
            "body".to_owned()
        } else {
            p.to_owned()
        }
    };
    for s in branches(schema) {
        match value {
            Value::String(text)
                if is_date_format(s) && year_of(text).is_some_and(|y| !year_in_range(y)) =>
            {
                out.push(out_of_range(&here(path)));
                return;
            }
            Value::Object(map) => {
                for (k, v) in map {
                    let child = s
                        .get("properties")
                        .and_then(|p| p.get(k))
                        .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()));
                    if let Some(child) = child {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        walk(v, child, &p, depth + 1, out);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = s.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        walk(v, item, &format!("{path}[{i}]"), depth + 1, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// True when a schema holds a date somewhere (to read only the bodies that can carry one).
fn mentions_date(schema: &Value, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let s = resolve(schema);
    if is_date_format(s) {
        return true;
    }
    match s {
        Value::Object(map) => map.values().any(|v| mentions_date(v, depth + 1)),
        Value::Array(list) => list.iter().any(|v| mentions_date(v, depth + 1)),
        _ => false,
    }
}

/// The JSON request-body schema of an operation.
fn body_schema(pattern: &str, method: &str) -> Option<&'static Value> {
    spec_json()
        .get("paths")?
        .get(pattern)?
        .get(method)?
        .pointer("/requestBody/content/application~1json/schema")
}

/// The methods (lower case) of one route whose path or query parameters can carry a date, and
/// those whose JSON body can.
#[derive(Default)]
struct Dated {
    params: Vec<&'static str>,
    bodies: Vec<&'static str>,
}

/// What [`check`] has to look at on the route `pattern`, worked out once from the OpenAPI
/// document for every route; `None` (most routes) when no operation of it takes a date.
fn dated(pattern: &str) -> Option<&'static Dated> {
    static MAP: OnceLock<HashMap<&'static str, Dated>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        let Some(paths) = spec_json().get("paths").and_then(Value::as_object) else {
            return map;
        };
        for (pattern, item) in paths {
            let mut d = Dated::default();
            for (method, op) in item.as_object().into_iter().flatten() {
                let params = op.get("parameters").and_then(Value::as_array);
                if params.into_iter().flatten().any(|p| {
                    matches!(p["in"].as_str(), Some("path" | "query"))
                        && p.get("schema").is_some_and(|s| is_date_format(resolve(s)))
                }) {
                    d.params.push(method.as_str());
                }
                if matches!(method.as_str(), "post" | "put" | "patch" | "delete")
                    && body_schema(pattern, method).is_some_and(|s| mentions_date(s, 0))
                {
                    d.bodies.push(method.as_str());
                }
            }
            if !d.params.is_empty() || !d.bodies.is_empty() {
                map.insert(pattern.as_str(), d);
            }
        }
        map
    })
    .get(pattern)
}

/// The out-of-range dates among a request's path and query parameters.
fn check_params(req: &actix_web::HttpRequest) -> Vec<FieldError> {
    let mut out = Vec::new();
    let pattern = crate::web::route_pattern(req).unwrap_or_else(|| "".into());
    for (name, value) in path_params(&pattern, req.path()) {
        if param_schema(req, &name, "path").is_some_and(is_date_format)
            && year_of(&value).is_some_and(|y| !year_in_range(y))
        {
            out.push(out_of_range(&name));
        }
    }
    let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    for (name, value) in &pairs {
        if param_schema(req, name, "query").is_some_and(is_date_format)
            && year_of(value).is_some_and(|y| !year_in_range(y))
        {
            out.push(out_of_range(name));
        }
    }
    out
}

/// Middleware: refuses (400 `validation_failed`, a field error `out_of_range` per date) a request
/// whose path, query or JSON body carries a date outside the supported years.
pub async fn check(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // Most routes take no date at all: they pass without a look.
    let pattern = crate::web::route_pattern(req.request());
    let Some((pattern, dated)) = pattern.as_deref().and_then(|p| Some((p, dated(p)?))) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let method = req.method().as_str();
    if dated.params.iter().any(|m| m.eq_ignore_ascii_case(method)) {
        let errors = check_params(req.request());
        if !errors.is_empty() {
            return Ok(req
                .error_response(ApiError::validation(errors))
                .map_into_right_body());
        }
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    let schema = dated
        .bodies
        .iter()
        .find(|m| json && m.eq_ignore_ascii_case(method))
        .and_then(|m| body_schema(pattern, m));
    let Some(schema) = schema else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let cap = crate::error::parse::BODY_COPY_CAP;
    let body = match crate::web::read_limited(req.take_payload(), cap).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            let e = ApiError::of(Code::PayloadTooLarge).param("limit", cap);
            return Ok(req.error_response(e).map_into_right_body());
        }
        Err(_) => {
            let e = ApiError::of(Code::MalformedRequest);
            return Ok(req.error_response(e).map_into_right_body());
        }
    };
    // A body that is not JSON is left to the extractor, which says where it is wrong.
    if let Ok(value) = serde_json::from_slice::<Value>(&body) {
        let mut errors = Vec::new();
        walk(&value, schema, "", 0, &mut errors);
        if !errors.is_empty() {
            return Ok(req
                .error_response(ApiError::validation(errors))
                .map_into_right_body());
        }
    }
    let bytes = actix_web::web::Bytes::from(body);
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
    });
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_read_from_long_and_signed_dates() {
        assert_eq!(year_of("2026-11-30"), Some(2026));
        assert_eq!(year_of("2026-11-30T08:00:00+08:00"), Some(2026));
        assert!(year_of("+200000-01-01").is_some_and(|y| !year_in_range(y)));
        assert!(year_of("-200000-01-01").is_some_and(|y| !year_in_range(y)));
        assert!(!year_in_range(1899) && year_in_range(1900) && year_in_range(2200));
        assert_eq!(year_of("tomorrow"), None);
        assert_eq!(year_of("+200000-01-01T00:00:00Z"), Some(200000));
        assert_eq!(year_of("-200000-01-01T08:00:00Z"), Some(-200000));
        assert_eq!(year_of("99999999999-01-01"), Some(i32::MAX));
        assert_eq!(
            path_params(
                "/api/v1/calendar/days/{date}",
                "/api/v1/calendar/days/%2B20000-01-01"
            ),
            vec![("date".to_owned(), "+20000-01-01".to_owned())]
        );
    }
}
