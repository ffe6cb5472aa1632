//! Sessions: checking credentials (with throttling), issuing an access token and a rotating
//! refresh token, and exchanging a refresh token. No HTTP here: the login and refresh endpoints
//! (which also answer the caller's staff record) are in `org::me`.

use super::password;
use super::store::{self, Account};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use base64::Engine;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
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

/// Checks center code, employee number and password and opens a session.
///
/// Unknown accounts and wrong passwords get the same answer in the same time (the password is
/// verified against a dummy hash when there is no account). Failures are counted per account
/// key; once locked, `too_many_requests` with the seconds left.
pub async fn login(state: &AppState, body: LoginRequest) -> ApiResult<Session> {
    if body.center_code.len() > 64 || body.employee_no.len() > 64 || body.password.len() > 1024 {
        return Err(bad_credentials());
    }
    let mut conn = state.pool.get().await?;
    let conn = &mut *conn;
    let key = format!(
        "{}\u{1f}{}",
        body.center_code.to_lowercase(),
        body.employee_no.to_lowercase()
    );
    if let Some(secs) = store::locked_for(conn, &key).await? {
        return Err(ApiError::too_many_requests(secs as u64));
    }
    let found = store::find_login(conn, &body.center_code, &body.employee_no).await?;
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    let ok = password::verify(body.password, hash).await?;
    let Some(account) = account.filter(|_| ok) else {
        store::record_failure(
            conn,
            &key,
            state.config.login_max_failures,
            state.config.login_lock_secs,
        )
        .await?;
        return Err(bad_credentials());
    };
    store::clear_failures(conn, &key).await?;
    issue(conn, state, account, Uuid::now_v7()).await
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
            Err(reused())
        }
    }
}
