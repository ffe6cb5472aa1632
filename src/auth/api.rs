//! Login, token refresh, logout and the caller's own profile.

use super::{CurrentUser, password, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::model::{Staff, StaffRow};
use crate::org::store as org_store;
use actix_web::{HttpResponse, get, post, put, web};
use base64::Engine;
use diesel_async::AsyncConnection;
use rand::RngCore;
use serde::{Deserialize, Serialize};
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

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until `access_token` expires.
    pub expires_in: i64,
    /// Single-use token for `POST /auth/refresh`; a reused one revokes the whole session.
    pub refresh_token: String,
    pub user: Staff,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Issues an access token and a refresh token of `family`.
async fn issue_session(
    conn: &mut diesel_async::AsyncPgConnection,
    state: &AppState,
    row: StaffRow,
    family: Uuid,
) -> ApiResult<TokenResponse> {
    let token = new_refresh_token();
    store::insert_refresh(
        conn,
        family,
        row.id,
        &hash_token(&token),
        state.config.refresh_ttl_secs,
    )
    .await?;
    Ok(TokenResponse {
        access_token: state.jwt.issue(row.id, row.center_id, &row.roles()),
        token_type: "Bearer".into(),
        expires_in: state.jwt.access_ttl_secs,
        refresh_token: token,
        user: row.view(true),
    })
}

fn bad_credentials() -> ApiError {
    ApiError::of(Code::InvalidCredentials)
}

/// Log in with center code, employee number and password.
///
/// Unknown accounts and wrong passwords get the same answer in the same time. After repeated
/// failures the account is locked for a while (429 with `Retry-After`).
#[utoipa::path(
    operation_id = "login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_credentials`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let body = body.into_inner();
    if body.center_code.len() > 64 || body.employee_no.len() > 64 || body.password.len() > 1024 {
        return Err(bad_credentials());
    }
    let key = format!(
        "{}\u{1f}{}",
        body.center_code.to_lowercase(),
        body.employee_no.to_lowercase()
    );
    let mut conn = state.pool.get().await?;
    if let Some(secs) = store::locked_for(&mut conn, &key).await? {
        return Err(ApiError::too_many_requests(secs as u64));
    }
    let found = store::find_login(&mut conn, &body.center_code, &body.employee_no).await?;
    let (row, hash) = match found {
        Some((row, hash)) => (Some(row), Some(hash)),
        None => (None, None),
    };
    let ok = password::verify(body.password, hash).await?;
    let Some(row) = row.filter(|_| ok) else {
        store::record_failure(
            &mut conn,
            &key,
            state.config.login_max_failures,
            state.config.login_lock_secs,
        )
        .await?;
        return Err(bad_credentials());
    };
    store::clear_failures(&mut conn, &key).await?;
    let res = issue_session(&mut conn, &state, row, Uuid::now_v7()).await?;
    Ok(web::Json(res))
}

/// Exchange a refresh token for a new access token and a new refresh token.
///
/// Each refresh token works once. Presenting one that was already used (a stolen copy, or a
/// replay) revokes every token of that login session.
#[utoipa::path(
    operation_id = "refreshToken",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_refresh_token` (unknown, expired, revoked) or `refresh_token_reused`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let invalid = || ApiError::of(Code::InvalidRefreshToken);
    let reused = || ApiError::of(Code::RefreshTokenReused);
    let mut conn = state.pool.get().await?;
    let token = store::find_refresh(&mut conn, &hash_token(&body.refresh_token))
        .await?
        .ok_or_else(invalid)?;
    if token.revoked_at.is_some() && token.used_at.is_none() {
        return Err(invalid());
    }
    if token.used_at.is_some() {
        store::revoke_family(&mut conn, token.family_id).await?;
        return Err(reused());
    }
    if token.expires_at <= chrono::Utc::now() {
        return Err(invalid());
    }
    let state2 = state.clone();
    let res = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if !store::consume_refresh(conn, token.id).await? {
                return Ok(None);
            }
            let row = org_store::staff_by_id_any_center(conn, token.staff_id).await?;
            if !row.active {
                return Err(invalid());
            }
            Ok(Some(
                issue_session(conn, &state2, row, token.family_id).await?,
            ))
        })
        .await?;
    match res {
        Some(r) => Ok(web::Json(r)),
        None => {
            // Lost a race with another use of the same token: treat as reuse.
            store::revoke_family(&mut conn, token.family_id).await?;
            Err(reused())
        }
    }
}

/// Log out: revokes the session the refresh token belongs to.
#[utoipa::path(
    operation_id = "logout",
    tag = "auth",
    request_body = RefreshRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Session revoked"),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        if let Some(t) = store::find_refresh(conn, &hash_token(&body.refresh_token)).await?
            && Some(t.staff_id) == user.staff_id
        {
            store::revoke_family(conn, t.family_id).await?;
        }
        Ok(Reply::no_content())
    })
    .await
}

/// The caller's own staff profile.
#[utoipa::path(
    operation_id = "getMe",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Own profile", body = Staff),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's subject has no staff record here", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(user: CurrentUser, state: web::Data<AppState>) -> ApiResult<web::Json<Staff>> {
    let id = user.staff_id.ok_or_else(ApiError::not_found)?;
    let mut conn = state.pool.get().await?;
    let row = org_store::staff_by_id(&mut conn, user.center_id, id).await?;
    Ok(web::Json(row.view(true)))
}

/// Change one's own password. All refresh tokens of the account are revoked.
#[utoipa::path(
    operation_id = "changeMyPassword",
    tag = "auth",
    request_body = ChangePasswordRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Password changed"),
        (status = 400, description = "`validation_failed` (new password too short/long) or malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No staff record for this token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`wrong_password`: the current password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/password")]
pub async fn change_password(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let id = user.staff_id.ok_or_else(ApiError::not_found)?;
    if let Some(e) = password::check_strength("new_password", &body.new_password) {
        return Err(ApiError::validation(vec![e]));
    }
    let mut conn = state.pool.get().await?;
    // The check reads state, so it runs inside: a replayed retry must not meet the new password.
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let row = org_store::staff_by_id(conn, user.center_id, id).await?;
        let current = store::password_hash(conn, row.id).await?;
        if !password::verify(body.current_password, Some(current)).await? {
            return Err(ApiError::of(Code::WrongPassword));
        }
        let new_hash = password::hash(body.new_password).await?;
        store::set_password(conn, row.id, &new_hash).await?;
        store::revoke_all_for(conn, row.id).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "password_changed", "staff", row.id),
        )
        .await?;
        Ok(Reply::no_content())
    })
    .await
}
