//! `Idempotency-Key` on writes, exactly once: the key is recorded in the write's own
//! transaction.
//!
//! - [`middleware`] only reads the header, checks it, and computes the request's fingerprint
//!   (caller, method, path, query and body, as a keyed hash); it stores nothing.
//! - Handlers take the [`Idem`] extractor and make their change through [`transaction`], which in
//!   ONE PostgreSQL transaction inserts the key row first, runs the handler's work, stores its
//!   answer (status, kept headers, sealed body) in that row and commits. A concurrent retry with
//!   the same key waits on the key's unique index until the first commits (then it replays) or
//!   rolls back (then it runs). A failed attempt (any error) rolls back and frees its key at once.
//!   Without a key, [`transaction`] is just a transaction.
//! - Stored bodies are sealed with XChaCha20-Poly1305 under a key derived from the server's JWT
//!   secret, bound to their caller, key and fingerprint: the table never holds personal data or
//!   secrets in clear (request fingerprints are HMACs, so not even a password's hash is kept).
//!
//! Converting a handler:
//!
//! ```ignore
//! pub async fn create(user: CurrentUser, state: web::Data<AppState>, idem: Idem, body: web::Json<X>) -> ApiResult<HttpResponse> {
//!     let mut conn = state.pool.get().await?;
//!     idempotency::transaction(&mut conn, &idem, async |conn| {
//!         let row = store::insert(conn, ...).await?;
//!         audit::record(conn, AuditEntry::new(&user, "created", "x", row.id).after(&row)).await?;
//!         Ok(Reply::created(&row, row.version, format!("/api/v1/x/{}", row.id)))
//!     }).await
//! }
//! ```

use crate::AppState;
use crate::auth::authenticate_caller;
use crate::db::schema::idempotency_keys as ik;
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError};
use crate::principal::Caller;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use chacha20poly1305::aead::{Aead, KeyInit, Payload as AeadPayload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use diesel::prelude::*;
use diesel_async::{AnsiTransactionManager, AsyncPgConnection, RunQueryDsl, TransactionManager};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::future::{Ready, ready};

pub const HEADER: &str = "Idempotency-Key";
/// How long a key is kept and honoured.
pub const RETENTION_HOURS: i64 = 24;
/// Response headers kept with the stored response.
const KEPT: [header::HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// Never honoured: their answers are fresh credentials, and a retry must get new ones.
/// The staff import is all or nothing and answers with initial passwords: a retry is refused by
/// the employee numbers it already created, never replayed. A rating through a one-time link
/// has no caller to key on: the link itself is used once.
const NOT_HONOURED: [&str; 4] = [
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/staff/import",
    "/api/v1/ratings/by-link",
];

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Whether `Idempotency-Key` is honoured by `method` on the route `path` (also used by the
/// OpenAPI document): every write of the API but login, refresh and the staff import.
pub fn applies(method: &Method, path: &str) -> bool {
    is_write(method) && path.starts_with("/api/v1/") && !NOT_HONOURED.contains(&path)
}

fn valid_key(k: &str) -> bool {
    (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
}

/// Seals and opens stored response bodies; also keys the request fingerprints.
#[derive(Clone)]
struct Sealer {
    key: [u8; 32],
}

impl Sealer {
    fn new(secret: &str) -> Sealer {
        let mut h = Sha256::new();
        h.update(b"dutydesk idempotency-key responses v1\0");
        h.update(secret.as_bytes());
        Sealer {
            key: h.finalize().into(),
        }
    }

    fn fingerprint(&self, parts: &[&[u8]]) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length");
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        hex::encode(m.finalize().into_bytes())
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.key).into())
    }

    /// `nonce || ciphertext`, bound to `aad`.
    fn seal(&self, aad: &[u8], body: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher()
            .encrypt(<&XNonce>::from(&nonce), AeadPayload { msg: body, aad })
            .expect("encryption does not fail");
        [nonce.as_slice(), &ct].concat()
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 24 {
            return None;
        }
        let (nonce, ct) = sealed.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().ok()?;
        self.cipher()
            .decrypt(<&XNonce>::from(&nonce), AeadPayload { msg: ct, aad })
            .ok()
    }
}

/// What identifies one attempt: caller, key, and a keyed hash of the request.
#[derive(Clone)]
struct Fingerprint {
    principal: String,
    key: String,
    method: String,
    path: String,
    request_hash: String,
    sealer: Sealer,
}

impl Fingerprint {
    fn aad(&self) -> Vec<u8> {
        [
            self.principal.as_bytes(),
            b"\0",
            self.key.as_bytes(),
            b"\0",
            self.request_hash.as_bytes(),
        ]
        .concat()
    }
}

/// The request's `Idempotency-Key` and fingerprint, if it sent one; pass it to [`transaction`].
pub struct Idem(Option<Fingerprint>);

impl Idem {
    /// No key: [`transaction`] is then a plain transaction.
    pub fn none() -> Idem {
        Idem(None)
    }
}

impl FromRequest for Idem {
    type Error = actix_web::Error;
    type Future = Ready<Result<Idem, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Idem(req.extensions_mut().remove::<Fingerprint>())))
    }
}

/// A handler's successful answer, built inside [`transaction`] so that it can be stored with the
/// change. (`HttpResponse` itself cannot cross the transaction: it is not `Send`.)
pub struct Reply {
    status: StatusCode,
    headers: Vec<(header::HeaderName, String)>,
    body: Vec<u8>,
}

impl Reply {
    /// `status` with `body` as JSON.
    pub fn json(status: StatusCode, body: &impl Serialize) -> Reply {
        Reply {
            status,
            headers: vec![(header::CONTENT_TYPE, "application/json".into())],
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }

    /// 200 with the body.
    pub fn ok(body: &impl Serialize) -> Reply {
        Reply::json(StatusCode::OK, body)
    }

    /// 200 with the body and its `ETag`.
    pub fn with_etag(body: &impl Serialize, version: i32) -> Reply {
        Reply::ok(body).header(header::ETAG, crate::web::etag(version))
    }

    /// 201 with the body, `ETag` and `Location`.
    pub fn created(body: &impl Serialize, version: i32, location: String) -> Reply {
        Reply::json(StatusCode::CREATED, body)
            .header(header::ETAG, crate::web::etag(version))
            .header(header::LOCATION, location)
    }

    /// 204.
    pub fn no_content() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header (kept on replay if it is one of `Content-Type`, `Location`, `ETag`).
    pub fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    fn into_response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        for (k, v) in self.headers {
            res.insert_header((k, v));
        }
        if self.status == StatusCode::NO_CONTENT {
            res.finish()
        } else {
            res.body(self.body)
        }
    }
}

/// A stored key: request hash, response status/headers/body (once finished), start time.
type StoredKey = (
    String,
    Option<i32>,
    Option<serde_json::Value>,
    Option<Vec<u8>>,
    chrono::DateTime<chrono::Utc>,
);

fn key_reused() -> ApiError {
    ApiError::of(Code::IdempotencyKeyReused)
}

fn in_progress() -> ApiError {
    ApiError::of(Code::IdempotencyInProgress)
}

fn kept_headers(headers: impl Iterator<Item = (String, String)>) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (k, v) in headers {
        if KEPT.iter().any(|h| h.as_str().eq_ignore_ascii_case(&k)) {
            map.insert(k.to_ascii_lowercase(), v.into());
        }
    }
    serde_json::Value::Object(map)
}

/// Rebuilds a stored answer, marked `Idempotent-Replayed: true`.
fn replay(fp: &Fingerprint, stored: StoredKey) -> ApiResult<HttpResponse> {
    let (hash, status, headers, body, _) = stored;
    if hash != fp.request_hash {
        return Err(key_reused());
    }
    let Some(status) = status else {
        return Err(in_progress());
    };
    let body = match body {
        Some(b) => fp.sealer.open(&fp.aad(), &b).ok_or_else(|| {
            // The server's secret changed since the answer was stored.
            tracing::error!("a stored Idempotency-Key response cannot be opened");
            ApiError::internal()
        })?,
        None => Vec::new(),
    };
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    if let Some(serde_json::Value::Object(map)) = headers {
        for (k, v) in map {
            if let Some(v) = v.as_str() {
                res.insert_header((k.as_str(), v));
            }
        }
    }
    res.insert_header(("Idempotent-Replayed", "true"));
    Ok(if status == StatusCode::NO_CONTENT {
        res.finish()
    } else {
        res.body(body)
    })
}

fn expiry() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::hours(RETENTION_HOURS)
}

/// Inserts the key row unless the key is already there; true when inserted. Under READ
/// COMMITTED the insert waits while another transaction holds the same key.
async fn insert_key(conn: &mut AsyncPgConnection, fp: &Fingerprint) -> ApiResult<bool> {
    let inserted = diesel::insert_into(ik::table)
        .values((
            ik::principal.eq(&fp.principal),
            ik::idem_key.eq(&fp.key),
            ik::method.eq(&fp.method),
            ik::path.eq(&fp.path),
            ik::request_hash.eq(&fp.request_hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Claims the key: inserts it; when it is already there but older than the retention, forgets
/// it and inserts it again (a new key, the usual case, costs one statement). `None` when the key
/// is new (now held by this transaction), else the stored row.
async fn claim(conn: &mut AsyncPgConnection, fp: &Fingerprint) -> ApiResult<Option<StoredKey>> {
    if insert_key(conn, fp).await? {
        return Ok(None);
    }
    let expired = diesel::delete(
        ik::table
            .find((&fp.principal, &fp.key))
            .filter(ik::created_at.lt(expiry())),
    )
    .execute(conn)
    .await?;
    if expired == 1 && insert_key(conn, fp).await? {
        return Ok(None);
    }
    let row: StoredKey = ik::table
        .find((&fp.principal, &fp.key))
        .select((
            ik::request_hash,
            ik::status,
            ik::response_headers,
            ik::response_body,
            ik::created_at,
        ))
        .first(conn)
        .await?;
    Ok(Some(row))
}

async fn store(
    conn: &mut AsyncPgConnection,
    fp: &Fingerprint,
    status: StatusCode,
    headers: serde_json::Value,
    body: &[u8],
) -> ApiResult<()> {
    diesel::update(ik::table.find((&fp.principal, &fp.key)))
        .set((
            ik::status.eq(status.as_u16() as i32),
            ik::response_headers.eq(headers),
            ik::response_body.eq(fp.sealer.seal(&fp.aad(), body)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

enum Outcome {
    Fresh(Reply),
    Replay(StoredKey),
}

async fn run<W>(conn: &mut AsyncPgConnection, idem: &Idem, work: W) -> ApiResult<Outcome>
where
    W: AsyncFnOnce(&mut AsyncPgConnection) -> ApiResult<Reply>,
{
    let Some(fp) = &idem.0 else {
        return Ok(Outcome::Fresh(work(conn).await?));
    };
    if let Some(stored) = claim(conn, fp).await? {
        return Ok(Outcome::Replay(stored));
    }
    let reply = work(conn).await?;
    let headers = kept_headers(
        reply
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.clone())),
    );
    store(conn, fp, reply.status, headers, &reply.body).await?;
    Ok(Outcome::Fresh(reply))
}

/// Runs `work` in one transaction together with the `Idempotency-Key` bookkeeping: key claimed
/// first, answer stored last, all committed at once; or, for a key already answered, replays the
/// answer without running `work`. Any error rolls everything back (the key included).
pub async fn transaction<W>(
    conn: &mut AsyncPgConnection,
    idem: &Idem,
    work: W,
) -> ApiResult<HttpResponse>
where
    W: AsyncFnOnce(&mut AsyncPgConnection) -> ApiResult<Reply>,
{
    AnsiTransactionManager::begin_transaction(conn).await?;
    match run(conn, idem, work).await {
        Ok(outcome) => {
            AnsiTransactionManager::commit_transaction(conn).await?;
            match outcome {
                Outcome::Fresh(reply) => Ok(reply.into_response()),
                Outcome::Replay(stored) => replay(idem.0.as_ref().expect("a key"), stored),
            }
        }
        Err(e) => {
            if let Err(r) = AnsiTransactionManager::rollback_transaction(conn).await {
                tracing::warn!(error = %r, "rollback failed");
            }
            Err(e)
        }
    }
}

fn payload_from(bytes: web::Bytes) -> Payload {
    Payload::Stream {
        payload: Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
    }
}

/// Reads and checks `Idempotency-Key` and fingerprints the request for [`Idem`]. Stores nothing.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Reads and requests without a key pass at once.
    let key = match req.headers().get(HEADER) {
        Some(v) if is_write(req.method()) => v.to_str().unwrap_or("").to_owned(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    // Decided on the route pattern, not the raw path, so an encoded path cannot dodge it.
    let route = crate::web::route_pattern(req.request())
        .map(|r| r.to_string())
        .unwrap_or_else(|| req.path().to_owned());
    if !applies(req.method(), &route) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // Problems are answered as responses (not errors) so that `error::localize` renders them in
    // the caller's language.
    if !valid_key(&key) {
        return Ok(req.error_response(ApiError::invalid(FieldError::of(
            HEADER,
            FieldCode::InvalidIdempotencyKey,
        ))));
    }
    // Unauthenticated requests are left to the handler (401); keys are per caller.
    let Ok(caller) = authenticate_caller(req.request()).await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(ApiError::internal)?;
    let body = if route == crate::attachments::api::UPLOAD_ROUTE {
        // Uploads have their own limit, apart from the JSON one.
        let limit = state.config.attachment_limit_bytes;
        match crate::web::read_limited(req.take_payload(), limit).await {
            Ok(Some(b)) => web::Bytes::from(b),
            Ok(None) => {
                return Ok(req
                    .error_response(ApiError::of(Code::AttachmentTooLarge).param("limit", limit)));
            }
            Err(_) => return Ok(req.error_response(ApiError::of(Code::MalformedRequest))),
        }
    } else {
        let Ok(body) = req.extract::<web::Bytes>().await else {
            return Ok(req.error_response(
                ApiError::of(Code::PayloadTooLarge).param("limit", state.config.body_limit_bytes),
            ));
        };
        body
    };
    let sealer = Sealer::new(&state.config.jwt_secret);
    let principal = match &caller {
        Caller::Staff(user) => format!("{}:{}", user.center_id, user.actor_label()),
        Caller::Portal(portal) => portal.actor_label(),
    };
    let request_hash = sealer.fingerprint(&[
        principal.as_bytes(),
        req.method().as_str().as_bytes(),
        req.path().as_bytes(),
        req.query_string().as_bytes(),
        &body,
    ]);
    req.set_payload(payload_from(body));
    let fp = Fingerprint {
        principal,
        key,
        method: req.method().as_str().to_owned(),
        path: req.path().to_owned(),
        request_hash,
        sealer,
    };
    req.extensions_mut().insert(fp);
    let res = next.call(req).await?;
    if res.status().is_success() && res.request().extensions().get::<Fingerprint>().is_some() {
        // A write route whose handler does not take `Idem`: the key was not honoured.
        tracing::error!(
            route,
            "Idempotency-Key sent but the handler does not use Idem"
        );
    }
    Ok(res.map_into_boxed_body())
}

/// Deletes keys older than the retention; run by `dutydesk tick`.
pub async fn sweep_old_keys(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(ik::table.filter(ik::created_at.lt(expiry())))
        .execute(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bodies_open_only_with_their_secret_and_binding() {
        let s = Sealer::new("a-secret-of-at-least-thirty-two-bytes!!");
        let sealed = s.seal(b"alice:k1:h", b"{\"phone\":\"13800000000\"}");
        assert!(!sealed.windows(11).any(|w| w == b"13800000000"));
        assert_eq!(
            s.open(b"alice:k1:h", &sealed).unwrap(),
            b"{\"phone\":\"13800000000\"}"
        );
        assert!(s.open(b"bob:k1:h", &sealed).is_none());
        let other = Sealer::new("another-secret-of-at-least-thirty-two-bytes");
        assert!(other.open(b"alice:k1:h", &sealed).is_none());
    }

    #[test]
    fn every_write_honours_a_key_but_login_refresh_and_import() {
        assert!(!applies(&Method::POST, "/api/v1/auth/login"));
        assert!(!applies(&Method::POST, "/api/v1/auth/refresh"));
        assert!(applies(&Method::PUT, "/api/v1/me/password"));
        assert!(applies(&Method::POST, "/api/v1/substitutions"));
        assert!(!applies(&Method::GET, "/api/v1/departments"));
        assert!(applies(&Method::PATCH, "/api/v1/departments/{id}"));
        assert!(!applies(&Method::POST, "/api/v1/staff/import"));
    }
}
