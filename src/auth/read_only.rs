//! Auditors are read-only: one rule, applied to every write before its handler runs.
//!
//! A caller whose only role is `auditor` (see [`CurrentUser::read_only`]) is refused 403
//! `forbidden` on every write (POST, PUT, PATCH, DELETE) of the API except the routes in
//! [`OPEN_TO_AUDITORS`]: their own session and password, the audit-trail check (a read sent as
//! POST), and the public endpoints that take no token. A person who holds another role as well
//! keeps that role's rights; the handlers' own role checks then apply as usual.
//!
//! The rule is a middleware, not a check in each handler, so that a new write endpoint is covered
//! without anyone remembering to call it, and so that it answers before the body is read. The
//! OpenAPI document declares the 403 on every operation [`applies`] to.

use crate::auth::authenticate_caller;
use crate::error::ApiError;
use crate::principal::Caller;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

/// The writes an auditor may make (route patterns).
pub const OPEN_TO_AUDITORS: [&str; 7] = [
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/me/password",
    "/api/v1/audit-events/verify",
    "/api/v1/citizen-requests/lookup",
    "/api/v1/ratings/by-link",
];

/// Whether a read-only caller is refused `method` on the route `route` (also used by the OpenAPI
/// document).
pub fn applies(method: &Method, route: &str) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) && route.starts_with("/api/v1/")
        && !OPEN_TO_AUDITORS.contains(&route)
}

/// Refuses a read-only caller's write with 403 `forbidden`. Requests without a valid token are
/// left to the handler (401 there, or the public endpoints).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Decided on the route pattern, not the raw path, so an encoded path cannot dodge it; an
    // unknown route is left to answer 404 or 405.
    if let Some(route) = crate::web::route_pattern(req.request())
        && applies(req.method(), &route)
        && let Ok(Caller::Staff(user)) = authenticate_caller(req.request()).await
        && user.read_only()
    {
        return Ok(req.error_response(ApiError::forbidden()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
