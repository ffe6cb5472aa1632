//! `Idempotency-Key` for POST: the first response to a key is stored in PostgreSQL (so any
//! instance can replay it); a retry with the same key and body gets that response again, the
//! same key with another body is a 422, and a retry while the first is running is a 409.

use crate::AppState;
use crate::auth::authenticate;
use crate::db::schema::idempotency_keys as ik;
use crate::error::{ApiError, Lang, preferred_lang};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

pub const HEADER: &str = "Idempotency-Key";
/// A stored key: request hash, response status/headers/body (once finished), start time.
type StoredKey = (
    String,
    Option<i32>,
    Option<serde_json::Value>,
    Option<Vec<u8>>,
    chrono::DateTime<chrono::Utc>,
);

/// Not a header: where a stored problem keeps its Chinese rendering (`@` cannot start a
/// header name, so it never collides with one).
const PROBLEM_ZH: &str = "@problem_zh";

fn lang(req: &ServiceRequest) -> Lang {
    preferred_lang(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Seconds an unfinished first attempt holds its key before a retry may take it over.
const LEASE_SECS: i64 = 60;
/// Response headers kept with the stored response.
const KEPT: [header::HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

fn payload_from(bytes: web::Bytes) -> actix_web::dev::Payload {
    actix_web::dev::Payload::Stream {
        payload: Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
    }
}

/// POSTs under these paths are not replayed: their responses carry secrets (tokens) that must
/// not be stored.
const NOT_STORED: [&str; 3] = [
    "/api/v1/auth/",
    "/api/v1/me/feed-tokens",
    "/api/v1/staff/import",
];

/// Whether `Idempotency-Key` applies to a POST to `path` (also used by the OpenAPI document).
pub fn applies(path: &str) -> bool {
    path.starts_with("/api/v1/") && !NOT_STORED.iter().any(|p| path.starts_with(p))
}

fn valid_key(k: &str) -> bool {
    (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    // Decided on the route pattern, not the raw path, so an encoded path cannot dodge it.
    let route = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
    let wanted = req.method() == Method::POST && applies(&route);
    let (Some(key), true) = (key, wanted) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !valid_key(&key) {
        return Ok(req.error_response(ApiError::field(
            HEADER,
            "invalid",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            "Idempotency-Key 须为 1 至 255 个可见 ASCII 字符。",
        )));
    }
    // Unauthenticated requests are left to the handler (401); keys are per caller.
    let Ok(user) = authenticate(req.request()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let principal = format!("{}:{}", user.center_id, user.actor_label());
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(ApiError::internal)?;
    let Ok(body) = req.extract::<web::Bytes>().await else {
        return Ok(req.error_response(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The request body is too large.",
            "请求体过大。",
        )));
    };
    let mut h = Sha256::new();
    h.update(req.method().as_str());
    h.update([0]);
    h.update(req.path());
    h.update([0]);
    h.update(req.query_string());
    h.update([0]);
    h.update(&body);
    let request_hash = hex::encode(h.finalize());
    req.set_payload(payload_from(body));

    let mut conn = state.pool.get().await.map_err(ApiError::from)?;
    let inserted = diesel::insert_into(ik::table)
        .values((
            ik::principal.eq(&principal),
            ik::idem_key.eq(&key),
            ik::method.eq(req.method().as_str()),
            ik::path.eq(req.path()),
            ik::request_hash.eq(&request_hash),
        ))
        .on_conflict_do_nothing()
        .execute(&mut conn)
        .await
        .map_err(ApiError::from)?;
    if inserted == 0 {
        let (hash, status, headers, stored, started): StoredKey = ik::table
            .find((&principal, &key))
            .select((
                ik::request_hash,
                ik::status,
                ik::response_headers,
                ik::response_body,
                ik::created_at,
            ))
            .first(&mut conn)
            .await
            .map_err(ApiError::from)?;
        if hash != request_hash {
            return Ok(req.error_response(ApiError::unprocessable(
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
                "该 Idempotency-Key 已用于另一个请求。",
            )));
        }
        // A first attempt that never finished (client gone, process stopped) holds the key
        // only for a lease; after it a retry takes the key over and runs.
        let abandoned = status.is_none()
            && started < chrono::Utc::now() - chrono::Duration::seconds(LEASE_SECS)
            && diesel::update(
                ik::table
                    .find((&principal, &key))
                    .filter(ik::status.is_null())
                    .filter(ik::created_at.eq(started)),
            )
            .set(ik::created_at.eq(chrono::Utc::now()))
            .execute(&mut conn)
            .await
            .map_err(ApiError::from)?
                == 1;
        drop(conn);
        if abandoned {
            return run_and_store(req, next, state, principal, key).await;
        }
        let Some(status) = status else {
            return Ok(req.error_response(ApiError::conflict(
                "idempotency_in_progress",
                "A request with this Idempotency-Key is still being processed. Retry shortly.",
                "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试。",
            )));
        };
        let mut res =
            HttpResponse::build(StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK));
        let mut body = stored.unwrap_or_default();
        if let Some(serde_json::Value::Object(map)) = headers {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    (PROBLEM_ZH, Some(zh)) if lang(&req) == Lang::Zh => body = zh.into(),
                    (PROBLEM_ZH, _) => {}
                    (k, Some(v)) => {
                        res.insert_header((k, v));
                    }
                    _ => {}
                }
            }
        }
        res.insert_header(("Idempotent-Replayed", "true"));
        let res = res.body(body);
        return Ok(req.into_response(res));
    }
    drop(conn);
    run_and_store(req, next, state, principal, key).await
}

/// Deletes keys older than a day (the time the API promises to keep them); run by
/// `dutydesk tick`.
pub async fn sweep_old_keys(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        ik::table.filter(ik::created_at.lt(chrono::Utc::now() - chrono::Duration::hours(24))),
    )
    .execute(conn)
    .await
}

/// Outcomes a retry should run again rather than replay.
fn retryable(res: &ServiceResponse<impl MessageBody>) -> bool {
    let status = res.status();
    let code = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|e| e.code);
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || matches!(code, Some("concurrent_update" | "idempotency_in_progress"))
}

/// Runs the request and stores its response under the key (or forgets the key when the
/// outcome should be retried).
async fn run_and_store(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: web::Data<AppState>,
    principal: String,
    key: String,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await;
    let mut conn = state.pool.get().await.map_err(ApiError::from)?;
    let res = match res {
        Ok(r) if !retryable(&r) => r,
        other => {
            // Nothing is kept for this attempt: a retry runs again.
            diesel::delete(ik::table.find((&principal, &key)))
                .execute(&mut conn)
                .await
                .map_err(ApiError::from)?;
            return other.map(ServiceResponse::map_into_boxed_body);
        }
    };
    let (http_req, http_res) = res.into_parts();
    let status = http_res.status();
    let mut headers = serde_json::Map::new();
    // A problem is stored in English (the body) and Chinese, so that a replay speaks the
    // language of the retry.
    if let Some(api) = http_res.error().and_then(|e| e.as_error::<ApiError>())
        && let Ok(zh) = serde_json::to_string(&api.problem(Lang::Zh))
    {
        headers.insert(PROBLEM_ZH.to_owned(), zh.into());
    }
    for name in KEPT {
        if let Some(v) = http_res.headers().get(&name).and_then(|v| v.to_str().ok()) {
            headers.insert(name.as_str().to_owned(), v.into());
        }
    }
    let (http_res, body) = http_res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| ApiError::internal())?;
    diesel::update(ik::table.find((&principal, &key)))
        .set((
            ik::status.eq(status.as_u16() as i32),
            ik::response_headers.eq(serde_json::Value::Object(headers)),
            ik::response_body.eq(bytes.to_vec()),
        ))
        .execute(&mut conn)
        .await
        .map_err(ApiError::from)?;
    let http_res = http_res.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_req, http_res))
}
