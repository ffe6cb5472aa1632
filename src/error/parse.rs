//! Request parse failures (JSON body, query string, path) turned into field errors in both
//! languages, named with the API's field names (`days[2].date`), never Rust type names.
//!
//! actix hands the error handlers only serde's message, not the target type, so:
//! - JSON bodies: the [`super::localize`] middleware keeps a copy of the body it let through
//!   ([`BodyCopy`]); the error's line and column locate the value in it, and a small scan of the
//!   JSON up to there gives the path. serde's message gives the kind (missing, unknown field,
//!   unknown variant with the allowed values, wrong type).
//! - Query strings and paths: serde_urlencoded does not say which parameter failed, so each
//!   parameter is checked against what the OpenAPI document declares for it (enum, date,
//!   date-time, uuid, integer, boolean) and the first that does not fit is reported.

use super::fields::{
    Expected, invalid_choice, invalid_date, invalid_datetime, invalid_time, invalid_type, required,
};
use super::{ApiError, Code, FieldCode, FieldError};
use actix_web::{HttpMessage, HttpRequest};
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;

/// The request body as the handler received it (up to [`BODY_COPY_CAP`] bytes).
#[derive(Clone, Default)]
pub struct BodyCopy(pub Rc<RefCell<Vec<u8>>>);

/// Bodies longer than this are not kept (the largest accepted body is the staff import's).
pub const BODY_COPY_CAP: usize = 4 * 1024 * 1024;

/// The OpenAPI document as JSON, built once.
pub fn spec_json() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| serde_json::to_value(crate::openapi::spec()).unwrap_or(Value::Null))
}

pub(crate) fn resolve(mut v: &Value) -> &Value {
    for _ in 0..8 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let name = r.rsplit('/').next().unwrap_or("");
        match spec_json()
            .pointer("/components/schemas")
            .and_then(|s| s.get(name))
        {
            Some(t) => v = t,
            None => break,
        }
    }
    v
}

/// Methods the documented route matching `path` accepts (upper case), if any route matches.
pub fn allowed_methods(path: &str) -> Option<Vec<String>> {
    let paths = spec_json().get("paths")?.as_object()?;
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    for (template, item) in paths {
        let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
        let matches = t.len() == segs.len()
            && t.iter()
                .zip(&segs)
                .all(|(a, b)| (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b);
        if matches {
            let methods = ["get", "put", "post", "delete", "patch"]
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| m.to_ascii_uppercase())
                .collect();
            return Some(methods);
        }
    }
    None
}

pub(crate) fn param_schema<'a>(req: &HttpRequest, name: &str, location: &str) -> Option<&'a Value> {
    let pattern = crate::web::route_pattern(req)?;
    let method = req.method().as_str().to_ascii_lowercase();
    let op = spec_json().get("paths")?.get(&*pattern)?.get(method)?;
    let p = op
        .get("parameters")?
        .as_array()?
        .iter()
        .find(|p| p["name"] == name && p["in"] == location)?;
    Some(resolve(p.get("schema")?))
}

fn has_type(schema: &Value, t: &str) -> bool {
    match schema.get("type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(a)) => a.iter().any(|x| x == t),
        _ => false,
    }
}

fn enum_values(schema: &Value) -> Option<Vec<String>> {
    let s = resolve(schema);
    if let Some(vals) = s.get("enum").and_then(Value::as_array) {
        return Some(
            vals.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        );
    }
    // Option<Enum>: oneOf [null, $ref]
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = s.get(key).and_then(Value::as_array) {
            for item in list {
                if let Some(v) = enum_values(item) {
                    return Some(v);
                }
            }
        }
    }
    None
}

pub(crate) fn format_of(schema: &Value) -> Option<&str> {
    schema.get("format").and_then(Value::as_str)
}

/// Checks one query or path value against its declared schema.
fn check_param(field: &str, value: &str, schema: &Value) -> Option<FieldError> {
    if let Some(allowed) = enum_values(schema) {
        return (!allowed.iter().any(|a| a == value)).then(|| invalid_choice(field, &allowed));
    }
    match format_of(schema) {
        Some("date") => {
            return chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .is_err()
                .then(|| invalid_date(field));
        }
        Some("date-time") => {
            return chrono::DateTime::parse_from_rfc3339(value)
                .is_err()
                .then(|| invalid_datetime(field));
        }
        Some("uuid") => {
            return uuid::Uuid::parse_str(value)
                .is_err()
                .then(|| invalid_type(field, Expected::Uuid));
        }
        _ => {}
    }
    if has_type(schema, "integer") && value.parse::<i64>().is_err() {
        return Some(invalid_type(field, Expected::Integer));
    }
    if has_type(schema, "boolean") && value != "true" && value != "false" {
        return Some(invalid_type(field, Expected::Boolean));
    }
    None
}

fn malformed_with(errors: Vec<FieldError>, code: Code) -> ApiError {
    ApiError::of(code).with_errors(errors)
}

/// A query string serde_urlencoded could not read.
pub fn query_error(msg: &str, req: &HttpRequest) -> ApiError {
    let msg = msg.strip_prefix("Query deserialize error: ").unwrap_or(msg);
    let c = Code::MalformedQuery;
    if let Some(field) = first_quoted(msg).filter(|_| msg.starts_with("missing field")) {
        return malformed_with(vec![required(&field)], c);
    }
    if msg.starts_with("unknown field") {
        return unknown_field_problem(first_quoted(msg).unwrap_or_default(), msg);
    }
    let pairs = actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default();
    for (name, value) in &pairs {
        if let Some(schema) = param_schema(req, name, "query")
            && let Some(fe) = check_param(name, value, schema)
        {
            return malformed_with(vec![fe], c);
        }
    }
    malformed_with(Vec::new(), c)
}

/// A path segment that does not fit its parameter (e.g. not a UUID).
pub fn path_error(req: &HttpRequest) -> ApiError {
    let c = Code::MalformedPath;
    for (name, value) in req.match_info().iter() {
        if let Some(schema) = param_schema(req, name, "path")
            && let Some(fe) = check_param(name, value, schema)
        {
            return malformed_with(vec![fe], c);
        }
    }
    malformed_with(Vec::new(), c)
}

/// A JSON body serde_json could not read into the handler's type.
pub fn body_error(e: &serde_json::Error, req: &HttpRequest) -> ApiError {
    use serde_json::error::Category;
    if matches!(
        e.classify(),
        Category::Syntax | Category::Eof | Category::Io
    ) {
        return ApiError::of(Code::MalformedJson)
            .param("line", e.line())
            .param("column", e.column());
    }
    let body = req
        .extensions()
        .get::<BodyCopy>()
        .map(|c| c.0.borrow().clone())
        .unwrap_or_default();
    let at = locate(&body, e.line(), e.column());
    let full = e.to_string();
    let msg = match full.rsplit_once(" at line ") {
        Some((m, _)) => m,
        None => full.as_str(),
    };
    data_error(msg, &at)
}

/// Where in the JSON the error is: the path frames and the last string value read.
#[derive(Debug, Default)]
pub struct Location {
    frames: Vec<Frame>,
    last_string: Option<String>,
}

#[derive(Debug)]
enum Frame {
    Object { key: Option<String>, want_key: bool },
    Array { index: usize },
}

impl Location {
    /// The path to the value at the position, e.g. `days[2].date`; `skip_last_key` leaves out
    /// the innermost object's current key (for "missing field", which is reported at the end
    /// of the object).
    fn path(&self, skip_last_key: bool) -> String {
        let mut out = String::new();
        let n = self.frames.len();
        for (i, f) in self.frames.iter().enumerate() {
            match f {
                Frame::Object { key: Some(k), .. } if !(skip_last_key && i + 1 == n) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Frame::Array { index } => out.push_str(&format!("[{index}]")),
                _ => {}
            }
        }
        out
    }

    fn join(&self, field: &str) -> String {
        let base = self.path(true);
        if base.is_empty() {
            field.to_owned()
        } else {
            format!("{base}.{field}")
        }
    }
}

/// Scans `body` up to (1-based) `line` and `column`, as serde_json reports them.
pub fn locate(body: &[u8], line: usize, column: usize) -> Location {
    let mut start = 0;
    for _ in 1..line {
        match body[start..].iter().position(|&b| b == b'\n') {
            Some(p) => start += p + 1,
            None => break,
        }
    }
    let end = (start + column).min(body.len());
    let mut loc = Location::default();
    let mut i = 0;
    while i < end {
        match body[i] {
            b'{' => loc.frames.push(Frame::Object {
                key: None,
                want_key: true,
            }),
            b'[' => loc.frames.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                loc.frames.pop();
            }
            b',' => match loc.frames.last_mut() {
                Some(Frame::Object { key, want_key }) => {
                    *key = None;
                    *want_key = true;
                }
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { want_key, .. }) = loc.frames.last_mut() {
                    *want_key = false;
                }
            }
            b'"' => {
                let mut j = i + 1;
                while j < body.len() && body[j] != b'"' {
                    j += if body[j] == b'\\' { 2 } else { 1 };
                }
                let raw = &body[i..(j + 1).min(body.len())];
                let s: String = serde_json::from_slice(raw).unwrap_or_default();
                match loc.frames.last_mut() {
                    Some(Frame::Object {
                        key,
                        want_key: true,
                    }) => *key = Some(s),
                    _ => loc.last_string = Some(s),
                }
                i = j + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    loc
}

/// Backtick-quoted names in a serde message, in order.
fn quoted(msg: &str) -> Vec<String> {
    msg.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn first_quoted(msg: &str) -> Option<String> {
    quoted(msg).into_iter().next()
}

fn unknown_field_problem(field: String, msg: &str) -> ApiError {
    let accepted = quoted(msg)
        .into_iter()
        .skip(1)
        .collect::<Vec<_>>()
        .join(", ");
    let name = field.rsplit('.').next().unwrap_or(&field).to_owned();
    let fe = if accepted.is_empty() {
        FieldError::of(&field, FieldCode::UnknownField)
    } else {
        FieldError::of(&field, FieldCode::UnknownFieldAccepted).param("accepted", accepted)
    };
    ApiError::of(Code::UnknownField)
        .param("field", name)
        .with_errors(vec![fe])
}

/// A data error (message without position) at `at`.
pub fn data_error(msg: &str, at: &Location) -> ApiError {
    let c = Code::MalformedFields;
    let here = || {
        let p = at.path(false);
        if p.is_empty() { "body".to_owned() } else { p }
    };
    if msg.starts_with("missing field") {
        let name = first_quoted(msg).unwrap_or_default();
        return malformed_with(vec![required(&at.join(&name))], c);
    }
    if msg.starts_with("unknown field") {
        let name = first_quoted(msg).unwrap_or_default();
        // The scan stops right after the key, so the path already ends with it.
        let path = at.path(false);
        let field = if path.ends_with(&name) {
            path
        } else {
            at.join(&name)
        };
        return unknown_field_problem(field, msg);
    }
    if msg.starts_with("unknown variant") {
        let allowed: Vec<String> = quoted(msg).into_iter().skip(1).collect();
        return malformed_with(vec![invalid_choice(&here(), &allowed)], c);
    }
    if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        let expected = msg.rsplit_once(", expected ").map(|(_, x)| x).unwrap_or("");
        let fe = match Expected::from_serde(expected) {
            Expected::Date => invalid_date(&here()),
            Expected::DateTime => invalid_datetime(&here()),
            Expected::Time => invalid_time(&here()),
            x => invalid_type(&here(), x),
        };
        return malformed_with(vec![fe], c);
    }
    if msg.starts_with("invalid length") {
        let fe = FieldError::of(&here(), FieldCode::InvalidLength);
        return malformed_with(vec![fe], c);
    }
    if msg.starts_with("UUID parsing failed") || msg.starts_with("invalid character") {
        return malformed_with(vec![invalid_type(&here(), Expected::Uuid)], c);
    }
    if CHRONO_MESSAGES.iter().any(|m| msg.starts_with(m)) {
        let field = here();
        let value = at.last_string.as_deref().unwrap_or("");
        let fe = if field.ends_with("_time") {
            invalid_time(&field)
        } else if field.ends_with("_at") || value.contains('T') {
            invalid_datetime(&field)
        } else {
            invalid_date(&field)
        };
        return malformed_with(vec![fe], c);
    }
    let fe = FieldError::of(&here(), FieldCode::Invalid);
    malformed_with(vec![fe], c)
}

/// chrono's parse error messages (its date, time and date-time parsers all use them).
const CHRONO_MESSAGES: [&str; 7] = [
    "input is out of range",
    "no possible date and time matching input",
    "input is not enough for unique date and time",
    "input contains invalid characters",
    "premature end of input",
    "trailing input",
    "bad or unsupported format string",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn err_for<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: &str) -> ApiError {
        let e = serde_json::from_str::<T>(body).unwrap_err();
        let full = e.to_string();
        let msg = full
            .rsplit_once(" at line ")
            .map(|(m, _)| m)
            .unwrap_or(&full);
        data_error(msg, &locate(body.as_bytes(), e.line(), e.column()))
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Day {
        date: chrono::NaiveDate,
        kind: Kind,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Open,
        Closed,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Days {
        note: String,
        days: Vec<Day>,
        count: Option<u32>,
    }

    #[test]
    fn names_nested_paths() {
        let ok = r#"{"date":"2026-01-05","kind":"open"}"#;
        let body =
            format!(r#"{{"note":"x","days":[{ok},{ok},{{"kind":"open","date":"2026-02-30"}}]}}"#);
        let e = err_for::<Days>(&body);
        assert_eq!(e.errors[0].field, "days[2].date");
        assert_eq!(e.errors[0].code, "invalid_date");

        let body = format!(r#"{{"note":"x","days":[{ok},{{"date":"2026-01-05","kind":"ajar"}}]}}"#);
        let e = err_for::<Days>(&body);
        assert_eq!(e.errors[0].field, "days[1].kind");
        assert_eq!(e.errors[0].code, "invalid_choice");
        assert!(e.errors[0].message.contains("open, closed"));

        let body = format!(
            r#"{{"note":"x",
  "days":[{ok}, {{"date":"2026-01-05"}}]}}"#
        );
        let e = err_for::<Days>(&body);
        assert_eq!(e.errors[0].field, "days[1].kind");
        assert_eq!(e.errors[0].code, "required");

        let e = err_for::<Days>(r#"{"note":"x","days":[],"colour":1}"#);
        assert_eq!(e.code, "unknown_field");
        assert_eq!(e.errors[0].field, "colour");

        let e = err_for::<Days>(r#"{"note":"x","days":[],"count":"three"}"#);
        assert_eq!(e.errors[0].field, "count");
        assert_eq!(e.errors[0].code, "invalid_type");
        assert_eq!(e.errors[0].message, "Expected an integer.");

        let e = err_for::<Days>(r#"{"note":"x","days":{}}"#);
        assert_eq!(e.errors[0].field, "days");
        assert_eq!(e.errors[0].message, "Expected an array.");

        let e = err_for::<Days>(r#"{"days":[]}"#);
        assert_eq!(e.errors[0].field, "note");
        assert_eq!(e.errors[0].code, "required");

        let e = err_for::<Days>(r#""text""#);
        assert_eq!(e.errors[0].field, "body");
        assert_eq!(e.errors[0].message, "Expected an object.");
    }
}
