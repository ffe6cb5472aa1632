//! Logout and changing one's own password. Login and token refresh answer the caller's staff
//! record beside the tokens, so their endpoints are in `org::me` (sessions are in [`super::session`]).

use super::client::throttle_scope;
use super::events::{self, Event};
use super::session::{self, RefreshRequest, hash_token};
use super::throttle::{self, Reservation};
use super::{password, store};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Code, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use crate::web::client_addr;
use actix_web::{HttpRequest, HttpResponse, post, put, web};
use serde::Deserialize;
use serde_json::json;
use std::net::IpAddr;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

/// Log out: revokes the session the refresh token belongs to, and every access token of the
/// account issued so far (within seconds on every instance); a security event in the audit
/// trail. The account's other sessions keep their refresh tokens: their next refresh gives them
/// a new access token.
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
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let addr = client_addr(&req);
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        if let Some(t) = store::find_refresh(conn, &hash_token(&body.refresh_token)).await?
            && Some(t.staff_id) == user.staff_id
        {
            store::revoke_family(conn, t.family_id).await?;
            events::record_in(
                conn,
                Event {
                    action: "logout",
                    center_id: user.center_id,
                    staff_id: Some(t.staff_id),
                    by_self: true,
                    address: addr,
                    details: json!({"session": t.family_id}),
                },
            )
            .await?;
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
///
/// Wrong current passwords are throttled like logins, per account and client address and per
/// address (`429 login_throttled` with `Retry-After`, refused without checking); an office
/// admin's unlock lifts the delays. Passwords are checked a few at a time: `503 busy` with
/// `Retry-After` when every slot stays taken for a second. Failures, delays and the change are
/// security events in the audit trail.
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
        (status = 429, description = "`login_throttled`: too many wrong passwords from this address; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy` (every password-checking slot taken; see `Retry-After`) or `database_unavailable`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/password")]
pub async fn change_password(
    req: HttpRequest,
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
    let addr = client_addr(&req);
    let keys = throttle::Keys::new(throttle::password_account(id), &throttle_scope(addr));
    let (current, reservation) = {
        let mut conn = state.pool.get().await?;
        let current = store::password_hash(&mut conn, user.center_id, id).await?;
        let limits = throttle::Limits::of(&state.config);
        let r = throttle::reserve(&mut conn, &keys, limits, state.clock.now()).await?;
        (current, r)
    };
    let delayed = match reservation {
        Reservation::Refused { retry_after_secs } => {
            events::log_only(
                "password_check_refused_throttled",
                addr,
                &json!({"staff_id": id, "retry_after_secs": retry_after_secs}),
            );
            return Err(session::throttled(retry_after_secs));
        }
        Reservation::Granted { delayed } => delayed,
    };
    // Checked and hashed with no connection held; a busy service takes the attempt back.
    let checked = match state
        .hasher
        .verify(body.current_password, Some(current.clone()))
        .await
    {
        Ok(true) => state.hasher.hash(body.new_password).await.map(Some),
        Ok(false) => Ok(None),
        Err(e) => Err(e),
    };
    let mut conn = state.pool.get().await?;
    let new_hash = match checked {
        Ok(h) => h,
        Err(e) => {
            throttle::not_checked(&mut conn, &keys).await?;
            events::log_only(
                "password_check_refused_busy",
                addr,
                &json!({"staff_id": id}),
            );
            return Err(e);
        }
    };
    let verified = new_hash.is_some();
    // The change runs inside, so that a replayed retry gets the first answer (not a check
    // against the password it already set).
    let res = idempotency::transaction(&mut conn, &idem, async |conn| {
        let Some(new_hash) = &new_hash else {
            return Err(ApiError::of(Code::WrongPassword));
        };
        // Changed meanwhile by another request: what was checked is no longer current.
        if store::password_hash(conn, user.center_id, id).await? != current {
            return Err(ApiError::of(Code::WrongPassword));
        }
        store::set_password(conn, id, new_hash).await?;
        store::revoke_all_for(conn, id).await?;
        throttle::succeeded(conn, &keys).await?;
        events::record_in(conn, event(&user, id, addr, "password_changed", json!({}))).await?;
        Ok(Reply::no_content())
    })
    .await;
    match &res {
        Err(e) if !verified && e.entry() == Code::WrongPassword => {
            let d = json!({});
            events::record(
                &mut conn,
                event(&user, id, addr, "password_check_failed", d),
            )
            .await?;
            if let Some(d) = delayed {
                let details = session::delay_details(&json!({"staff_id": id}), d);
                let e = event(&user, id, addr, "password_check_throttled", details);
                events::record(&mut conn, e).await?;
            }
        }
        // A replay of an earlier answer: this attempt checked nothing new.
        Ok(_) if !verified => throttle::not_checked(&mut conn, &keys).await?,
        _ => {}
    }
    res
}

fn event(
    user: &CurrentUser,
    id: Uuid,
    addr: IpAddr,
    action: &'static str,
    details: serde_json::Value,
) -> Event {
    Event {
        action,
        center_id: user.center_id,
        staff_id: Some(id),
        by_self: true,
        address: addr,
        details,
    }
}
