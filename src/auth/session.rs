//! Sessions: checking credentials (with throttling), issuing an access token and a rotating
//! refresh token, and exchanging a refresh token. No HTTP here: the login and refresh endpoints
//! (which also answer the caller's staff record) are in `org::me`.

use super::client::throttle_scope;
use super::events;
use super::store::{self, Account};
use super::throttle::{self, Reservation};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use base64::Engine;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The center's code.
    pub center_code: String,
    pub employee_no: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// The tokens of a session and whose they are.
#[derive(Debug)]
pub struct Session {
    pub staff_id: Uuid,
    pub center_id: Uuid,
    /// Short-lived JWT.
    pub access_token: String,
    /// Seconds until `access_token` expires.
    pub expires_in: i64,
    /// Single-use; a reused one revokes the whole session.
    pub refresh_token: String,
}

/// How refresh tokens are stored and looked up: never the token itself.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Issues an access token and a refresh token of `family`.
async fn issue(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    account: Account,
    family: Uuid,
) -> ApiResult<Session> {
    let token = new_refresh_token();
    store::insert_refresh(
        conn,
        family,
        account.id,
        &hash_token(&token),
        state.config.refresh_ttl_secs,
    )
    .await?;
    Ok(Session {
        access_token: state.jwt.issue(
            account.id,
            account.center_id,
            &account.roles(),
            account.token_generation,
        ),
        expires_in: state.jwt.access_ttl_secs,
        refresh_token: token,
        staff_id: account.id,
        center_id: account.center_id,
    })
}

fn bad_credentials() -> ApiError {
    ApiError::of(Code::InvalidCredentials)
}

/// `429 login_throttled` with `Retry-After`.
pub fn throttled(retry_after_secs: i64) -> ApiError {
    let mut e = ApiError::of(Code::LoginThrottled);
    e.retry_after_secs = Some(u64::try_from(retry_after_secs).unwrap_or(1).max(1));
    e
}

/// Checks center code, employee number and password and opens a session.
///
/// Unknown accounts and wrong passwords get the same answer in the same time (the password is
/// verified against a dummy hash when there is no account). Guesses are throttled per account
/// and client address and per address ([`throttle`]): a delayed attempt is refused with
/// `login_throttled` unchecked. The password is checked through the bounded [`Hasher`]
/// (`busy` when it is full) with no database connection held.
///
/// [`Hasher`]: super::password::Hasher
pub async fn login(state: &AppState, body: LoginRequest, addr: IpAddr) -> ApiResult<Session> {
    if body.center_code.len() > 64 || body.employee_no.len() > 64 || body.password.len() > 1024 {
        return Err(bad_credentials());
    }
    let keys = throttle::Keys::new(
        throttle::login_account(&body.center_code, &body.employee_no),
        &throttle_scope(addr),
    );
    let tried = json!({"center_code": body.center_code, "employee_no": body.employee_no});
    // Read what the check needs, count the attempt, and give the connection back.
    let (found, center_id, reservation) = {
        let mut conn = state.pool.get().await?;
        let found = store::find_login(&mut conn, &body.center_code, &body.employee_no).await?;
        let center_id = match &found {
            Some((account, _)) => Some(account.center_id),
            None => store::center_id_by_code(&mut conn, &body.center_code).await?,
        };
        let limits = throttle::Limits::of(&state.config);
        let reservation = throttle::reserve(&mut conn, &keys, limits, state.clock.now()).await?;
        (found, center_id, reservation)
    };
    let delayed = match reservation {
        Reservation::Refused { retry_after_secs } => {
            events::log_only(
                "login_refused_throttled",
                addr,
                &json!({"tried": tried, "retry_after_secs": retry_after_secs}),
            );
            return Err(throttled(retry_after_secs));
        }
        Reservation::Granted { delayed } => delayed,
    };
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    let ok = match state.hasher.verify(body.password, hash).await {
        Ok(ok) => ok,
        Err(e) => {
            let mut conn = state.pool.get().await?;
            throttle::not_checked(&mut conn, &keys).await?;
            events::log_only("login_refused_busy", addr, &json!({"tried": tried}));
            return Err(e);
        }
    };
    let mut conn = state.pool.get().await?;
    let conn = &mut *conn;
    let staff_id = account.as_ref().map(|a| a.id);
    let Some(account) = account.filter(|_| ok) else {
        let Some(center_id) = center_id else {
            events::log_only(
                "login_failed",
                addr,
                &json!({"tried": tried, "reason": "unknown_center"}),
            );
            return Err(bad_credentials());
        };
        let reason = if staff_id.is_some() {
            "wrong_password"
        } else {
            "unknown_account"
        };
        let event = |action, details| events::Event {
            action,
            center_id,
            staff_id,
            by_self: false,
            address: addr,
            details,
        };
        events::record(
            conn,
            event("login_failed", json!({"tried": tried, "reason": reason})),
        )
        .await?;
        if let Some(d) = delayed {
            events::record(conn, event("login_throttled", delay_details(&tried, d))).await?;
        }
        return Err(bad_credentials());
    };
    conn.transaction::<_, ApiError, _>(async |conn| {
        throttle::succeeded(conn, &keys).await?;
        events::record_in(
            conn,
            events::Event {
                action: "login_succeeded",
                center_id: account.center_id,
                staff_id: Some(account.id),
                by_self: true,
                address: addr,
                details: json!({}),
            },
        )
        .await?;
        issue(conn, state, account, Uuid::now_v7()).await
    })
    .await
}

/// What a `login_throttled` (or `password_check_throttled`) event keeps.
pub fn delay_details(tried: &serde_json::Value, d: throttle::Delayed) -> serde_json::Value {
    json!({
        "tried": tried,
        "scope": if d.whole_address { "address" } else { "account_at_address" },
        "failures": d.failures,
        "delay_secs": d.secs,
    })
}

/// Exchanges a refresh token for a new session of the same family.
///
/// Each refresh token works once. Presenting one that was already used (a stolen copy, or a
/// replay) revokes every token of that family: `refresh_token_reused`. Unknown, expired and
/// revoked tokens, and tokens of deactivated accounts: `invalid_refresh_token`.
pub async fn refresh(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    refresh_token: &str,
    addr: IpAddr,
) -> ApiResult<Session> {
    let invalid = || ApiError::of(Code::InvalidRefreshToken);
    let reused = || ApiError::of(Code::RefreshTokenReused);
    let token = store::find_refresh(conn, &hash_token(refresh_token))
        .await?
        .ok_or_else(invalid)?;
    if token.revoked_at.is_some() && token.used_at.is_none() {
        return Err(invalid());
    }
    if token.used_at.is_some() {
        store::revoke_family(conn, token.family_id).await?;
        reuse_detected(conn, &token, addr).await?;
        return Err(reused());
    }
    if token.expires_at <= chrono::Utc::now() {
        return Err(invalid());
    }
    let res = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if !store::consume_refresh(conn, token.id).await? {
                return Ok(None);
            }
            let account = store::account_by_id(conn, token.staff_id).await?;
            if !account.active {
                return Err(invalid());
            }
            Ok(Some(issue(conn, state, account, token.family_id).await?))
        })
        .await?;
    match res {
        Some(session) => Ok(session),
        None => {
            // Lost a race with another use of the same token: treat as reuse.
            store::revoke_family(conn, token.family_id).await?;
            reuse_detected(conn, &token, addr).await?;
            Err(reused())
        }
    }
}

/// The security event of a reused refresh token (its session is already revoked).
async fn reuse_detected(
    conn: &mut AsyncPgConnection,
    token: &store::RefreshToken,
    addr: IpAddr,
) -> ApiResult<()> {
    let account = store::account_by_id(conn, token.staff_id).await?;
    events::record(
        conn,
        events::Event {
            action: "refresh_token_reused",
            center_id: account.center_id,
            staff_id: Some(account.id),
            by_self: false,
            address: addr,
            details: json!({"session": token.family_id}),
        },
    )
    .await
}
