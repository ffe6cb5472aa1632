//! Authentication: tokens, passwords, sessions, the current-user extractor. The caller's roles
//! and permission checks live in [`crate::principal`].
//!
//! Auth knows accounts (the staff table's id, center, roles, password hash, active flag), not the
//! organisation: `org` uses auth to hash passwords and revoke tokens, never the other way round.

pub mod api;
pub mod jwt;
pub mod password;
pub mod session;
pub mod store;

use crate::AppState;
use crate::error::ApiError;
use crate::principal::CurrentUser;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::future::{Ready, ready};
use uuid::Uuid;

/// Logout and password change; login, refresh and `/me` are registered by `org`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::logout).service(api::change_password);
}

/// Reads and verifies `Authorization: Bearer …`.
pub fn authenticate(req: &HttpRequest) -> Result<CurrentUser, ApiError> {
    if let Some(user) = req.extensions().get::<CurrentUser>() {
        return Ok(user.clone());
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(ApiError::internal)?;
    let token = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)?;
    let p = state.jwt.verify(token).ok_or_else(ApiError::unauthorized)?;
    // An identity provider's subject is its own name for the user, not one of our staff ids:
    // portal callers act with their roles but own no staff record here.
    let staff_id = if p.external {
        None
    } else {
        Some(Uuid::parse_str(&p.subject).map_err(|_| ApiError::unauthorized())?)
    };
    let user = CurrentUser {
        staff_id,
        subject: p.subject,
        center_id: p.center_id,
        roles: p.roles,
        external: p.external,
    };
    req.extensions_mut().insert(user.clone());
    Ok(user)
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let res = authenticate(req);
        if let Ok(u) = &res {
            tracing::Span::current().record("user_id", u.subject.as_str());
        }
        ready(res)
    }
}
