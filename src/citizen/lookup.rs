//! `POST /citizen-requests/lookup`: a citizen follows their request without an account, with the
//! tracking number and the verification code given at intake.
//!
//! No authentication (the portal may call it too, on the citizen's behalf). Failed attempts count
//! per tracking number, not per address: behind the portal every lookup comes from one address.
//! [`MAX_FAILURES`] wrong codes within [`LOCK_SECS`] of the first lock the tracking number for
//! [`LOCK_SECS`] (`429`, even with the right code); a right code resets the count. An unknown
//! tracking number answers exactly like a wrong code (the code is hashed all the same) so that
//! numbers cannot be found by trying. The count is exact under parallel attempts: each attempt
//! holds the lookup row's lock until it has counted.
//!
//! Not audited (it changes no record; only the failure count) and without `Idempotency-Key`
//! (a lookup is a read: answering it again is harmless).
//!
//! Why not the login throttle ([`crate::auth::throttle`]): it counts per account *and address*
//! and per address, and deliberately never per account alone, so that nobody can lock a staff
//! member out from elsewhere. Here that would be the wrong way round. The secret is a 6-digit
//! code, so the limit must hold per tracking number over all addresses (an attacker with many
//! addresses would otherwise get 5 free guesses at each); and behind the portal every lookup
//! comes from one address, so a per-address limit would throttle every citizen's lookups (and
//! share the address's row with logins). What a lock costs here is small (a citizen waits 15
//! minutes, or asks the hall), what it protects is the code. Both keep counting exact the same
//! way: the counted row is locked until the attempt has counted.

use super::intake::code_hash;
use super::model::{Kind, State};
use crate::AppState;
use crate::db::schema::{citizen_request_lookups, citizen_requests};
use crate::error::{ApiError, ApiResult, Code, Problem};
use actix_web::{post, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Wrong codes allowed within the window before the tracking number is locked.
pub const MAX_FAILURES: i32 = 5;
/// The failure window and the lock's length, in seconds (15 minutes).
pub const LOCK_SECS: i64 = 900;
/// Longest tracking number or code considered (longer ones cannot match).
const MAX_LEN: usize = 64;

/// What the citizen gives to follow a request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// The tracking number given at intake, e.g. `TS20261128-40317`.
    pub tracking_no: String,
    /// The verification code given with it (6 digits).
    pub code: String,
}

/// What a citizen sees of their request: its state and the public answer, nothing else (no
/// names, phones, owner or internal notes). Every key is always present (`null` when empty).
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupAnswer {
    pub tracking_no: String,
    pub kind: Kind,
    pub state: State,
    /// The center's date of receipt.
    pub received_on: NaiveDate,
    /// The last working day to answer; `null` while it cannot be counted yet.
    pub due_on: Option<NaiveDate>,
    /// The public answer, once the request is answered or closed.
    pub answer: Option<String>,
    /// Why it was refused, when refused.
    pub refusal_reason: Option<String>,
    /// What the citizen can do instead, when refused.
    pub refusal_guidance: Option<String>,
    /// When the request last changed.
    pub updated_at: DateTime<Utc>,
}

/// The lookup row with its request, as one attempt reads it (locked).
#[derive(Debug, Queryable)]
struct Found {
    request_id: Uuid,
    code_hash: Vec<u8>,
    failures: i32,
    locked_until: Option<DateTime<Utc>>,
    window_start: Option<DateTime<Utc>>,
    tracking_no: String,
    kind: Kind,
    state: State,
    received_on: NaiveDate,
    due_on: Option<NaiveDate>,
    answer: Option<String>,
    refusal_reason: Option<String>,
    refusal_guidance: Option<String>,
    updated_at: DateTime<Utc>,
}

enum Outcome {
    Found(Box<LookupAnswer>),
    NoMatch,
    Locked(i64),
}

/// Follow a request with its tracking number and verification code (no account needed).
///
/// Answers the request's state, due date and, once answered or closed, the public answer (and
/// the reason and guidance when refused); nothing else. An unknown tracking number and a wrong
/// code get the same `404 lookup_failed`. After 5 wrong codes within 15 minutes the tracking
/// number is locked for 15 minutes: `429 too_many_attempts` with `Retry-After`, even with the
/// right code. The lock is per tracking number, so it works behind the portal. A POST, so that
/// the code never appears in a URL or an access log.
#[utoipa::path(
    operation_id = "lookupCitizenRequest",
    tag = "citizen-requests",
    request_body = LookupRequest,
    responses(
        (status = 200, description = "The request's state and public answer", body = LookupAnswer),
        (status = 400, description = "Malformed body; `unknown_field`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`lookup_failed`: unknown tracking number or wrong code (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`: the tracking number is locked after repeated wrong codes; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/citizen-requests/lookup")]
pub async fn lookup(
    state: web::Data<AppState>,
    body: web::Json<LookupRequest>,
) -> ApiResult<web::Json<LookupAnswer>> {
    let b = body.into_inner();
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(async |conn| attempt(conn, &state, &b, now).await)
        .await?;
    match outcome {
        Outcome::Found(answer) => Ok(web::Json(*answer)),
        Outcome::NoMatch => Err(ApiError::of(Code::LookupFailed)),
        Outcome::Locked(secs) => Err(ApiError::too_many_requests(secs as u64)),
    }
}

/// One attempt, inside a transaction: the lookup row stays locked until the failure is counted.
async fn attempt(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    b: &LookupRequest,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    let found = if b.tracking_no.len() <= MAX_LEN && b.code.len() <= MAX_LEN {
        find_locked(conn, b.tracking_no.trim()).await?
    } else {
        None
    };
    let Some(f) = found else {
        // Hash anyway, so that an unknown number takes as long as a wrong code.
        let hash = code_hash(&state.vault, Uuid::nil(), &b.code);
        let _ = same(&hash, &[0u8; 32]);
        return Ok(Outcome::NoMatch);
    };
    if let Some(until) = f.locked_until.filter(|u| *u > now) {
        return Ok(Outcome::Locked((until - now).num_seconds().max(1)));
    }
    let hash = code_hash(&state.vault, f.request_id, b.code.trim());
    if same(&hash, &f.code_hash) {
        if f.failures != 0 || f.locked_until.is_some() || f.window_start.is_some() {
            set_failures(conn, f.request_id, 0, None, None).await?;
        }
        return Ok(Outcome::Found(Box::new(answer(f))));
    }
    // A new window when there is none, it has passed, or a lock has run out.
    let window = Duration::seconds(LOCK_SECS);
    let fresh = f.locked_until.is_some() || f.window_start.is_none_or(|w| w + window <= now);
    let (failures, start) = if fresh {
        (1, now)
    } else {
        (f.failures + 1, f.window_start.unwrap_or(now))
    };
    let locked = (failures >= MAX_FAILURES).then(|| now + window);
    set_failures(conn, f.request_id, failures, locked, Some(start)).await?;
    Ok(Outcome::NoMatch)
}

fn answer(f: Found) -> LookupAnswer {
    let answered = matches!(f.state, State::Answered | State::Closed);
    let refused = f.state == State::Refused;
    LookupAnswer {
        tracking_no: f.tracking_no,
        kind: f.kind,
        state: f.state,
        received_on: f.received_on,
        due_on: f.due_on,
        answer: f.answer.filter(|_| answered),
        refusal_reason: f.refusal_reason.filter(|_| refused),
        refusal_guidance: f.refusal_guidance.filter(|_| refused),
        updated_at: f.updated_at,
    }
}

/// Compares in time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

async fn find_locked(
    conn: &mut AsyncPgConnection,
    tracking_no: &str,
) -> QueryResult<Option<Found>> {
    citizen_request_lookups::table
        .inner_join(citizen_requests::table)
        .filter(citizen_requests::tracking_no.eq(tracking_no))
        .select((
            citizen_request_lookups::request_id,
            citizen_request_lookups::code_hash,
            citizen_request_lookups::failures,
            citizen_request_lookups::locked_until,
            citizen_request_lookups::window_start,
            citizen_requests::tracking_no,
            citizen_requests::kind,
            citizen_requests::state,
            citizen_requests::received_on,
            citizen_requests::due_on,
            citizen_requests::answer,
            citizen_requests::refusal_reason,
            citizen_requests::refusal_guidance,
            citizen_requests::updated_at,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()
}

async fn set_failures(
    conn: &mut AsyncPgConnection,
    request_id: Uuid,
    failures: i32,
    locked_until: Option<DateTime<Utc>>,
    window_start: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(citizen_request_lookups::table.find(request_id))
        .set((
            citizen_request_lookups::failures.eq(failures),
            citizen_request_lookups::locked_until.eq(locked_until),
            citizen_request_lookups::window_start.eq(window_start),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn same_compares_whole_slices() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
