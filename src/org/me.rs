//! The caller's own staff record: `GET /me`, and the `user` that login and token refresh answer
//! beside the tokens. Checking credentials and issuing tokens is auth's
//! ([`crate::auth::session`]); these handlers add the staff record, which auth does not know.

use super::model::Staff;
use super::store;
use crate::AppState;
use crate::auth::session::{self, LoginRequest, RefreshRequest, Session};
use crate::error::{ApiError, ApiResult, Problem};
use crate::principal::CurrentUser;
use crate::web::client_addr;
use actix_web::{HttpRequest, get, post, web};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

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

/// The session's tokens with the staff record of its owner (phone shown: it is their own).
async fn answer(conn: &mut AsyncPgConnection, session: Session) -> ApiResult<TokenResponse> {
    let row = store::staff_by_id(conn, session.center_id, session.staff_id).await?;
    Ok(TokenResponse {
        access_token: session.access_token,
        token_type: "Bearer".into(),
        expires_in: session.expires_in,
        refresh_token: session.refresh_token,
        user: row.view(true),
    })
}

/// Log in with center code, employee number and password.
///
/// Unknown accounts and wrong passwords get the same answer in the same time. Wrong passwords
/// are counted per account and client address, and per address over all accounts: after 5 for
/// the account from this address (50 from the address over all accounts; both configurable),
/// each further wrong password makes that address wait 1 s, 2 s, 4 s … up to 15 minutes
/// (`429 login_throttled` with `Retry-After`, refused without checking the password). The real
/// user at another address is not affected; an office admin can lift the delays
/// (`DELETE /staff/{id}/login-throttle`), and a password reset lifts them too. Passwords are
/// checked a few at a time: when every slot stays taken for a second, `503 busy` with
/// `Retry-After`.
#[utoipa::path(
    operation_id = "login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_credentials`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`login_throttled`: too many wrong passwords from this address; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy` (every password-checking slot taken; see `Retry-After`) or `database_unavailable`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let session = session::login(&state, body.into_inner(), client_addr(&req)).await?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(answer(&mut conn, session).await?))
}

/// Exchange a refresh token for a new access token and a new refresh token.
///
/// Each refresh token works once. Presenting one that was already used (a stolen copy, or a
/// replay) revokes every token of that login session (a security event in the audit trail).
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
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let mut conn = state.pool.get().await?;
    let session =
        session::refresh(&mut conn, &state, &body.refresh_token, client_addr(&req)).await?;
    Ok(web::Json(answer(&mut conn, session).await?))
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
    let row = store::staff_by_id(&mut conn, user.center_id, id).await?;
    Ok(web::Json(row.view(true)))
}
