//! Logout and changing one's own password. Login and token refresh answer the caller's staff
//! record beside the tokens, so their endpoints are in `org::me` (sessions are in [`super::session`]).

use super::session::{RefreshRequest, hash_token};
use super::{password, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, post, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// Log out: revokes the session the refresh token belongs to, and every access token of the
/// account issued so far (within seconds on every instance). The account's other sessions
/// keep their refresh tokens: their next refresh gives them a new access token.
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
        // Access tokens name no session: logging out refuses every access token of the
        // account issued so far. Other sessions keep their refresh tokens and get a new access
        // token on their next refresh.
        if let Some(id) = user.staff_id
            && !user.external
        {
            store::bump_token_generation(conn, id).await?;
        }
        Ok(Reply::no_content())
    })
    .await
}

/// Change one's own password. Every access and refresh token of the account is revoked
/// (within seconds on every instance), this session's too: log in again with the new password.
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
        let current = store::password_hash(conn, user.center_id, id).await?;
        if !password::verify(body.current_password, Some(current)).await? {
            return Err(ApiError::of(Code::WrongPassword));
        }
        let new_hash = password::hash(body.new_password).await?;
        store::set_password(conn, id, &new_hash).await?;
        store::revoke_all_for(conn, id).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "password_changed", "staff", id),
        )
        .await?;
        Ok(Reply::no_content())
    })
    .await
}
