//! Security headers that depend on the request: HSTS when the request came over TLS through a
//! trusted proxy, and a Content-Security-Policy (a strict one for the API, one that lets the
//! Swagger UI under `/docs` load its own scripts, styles and inline images). The fixed headers
//! (`nosniff`, `DENY`, `no-referrer`, `no-store`) are set in [`crate::build_app`].

use crate::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;

/// HSTS: a year, subdomains included. Sent only when the request reached the service over TLS
/// (`X-Forwarded-Proto: https` from a trusted proxy): browsers ignore it over plain HTTP anyway.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The API answers JSON, iCalendar and files, never pages: nothing may load or frame them.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The Swagger UI (vendored, served from `/docs/`): its scripts and stylesheet from the same
/// origin (no inline script), inline style attributes (React sets them), its icons as `data:`
/// images, the OpenAPI document fetched from the same origin.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

/// Middleware: adds HSTS and the Content-Security-Policy.
pub async fn security(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let tls = req
        .app_data::<Data<AppState>>()
        .is_some_and(|s| crate::web::came_over_tls(req.request(), &s.proxies));
    let docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    if tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if docs { DOCS_CSP } else { API_CSP }),
    );
    Ok(res)
}
