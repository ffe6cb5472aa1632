//! Authentication: tokens, passwords, sessions, the current-user extractor. The caller's roles
//! and permission checks live in [`crate::principal`].
//!
//! Auth knows accounts (the staff table's id, center, roles, password hash, active flag), not the
//! organisation: `org` uses auth to hash passwords and revoke tokens, never the other way round.

pub mod api;
pub mod client;
pub mod events;
pub mod jwt;
pub mod password;
pub mod read_only;
pub mod revocation;
pub mod session;
pub mod store;
pub mod throttle;

use crate::AppState;
use crate::error::{ApiError, Code};
use crate::principal::{Caller, CurrentUser, PortalClient};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

/// Logout and password change; login, refresh and `/me` are registered by `org`.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::logout).service(api::change_password);
}

/// Reads and verifies `Authorization: Bearer …`. A token this service issued is refused 401
/// once its staff member's token generation has moved past it (deactivation, role change,
/// password reset or change, logout), and answered 503 `revocation_state_unknown` while this
/// instance cannot vouch for knowing that (see [`revocation`]). An identity provider's token that names a
/// staff member through the configured staff claim (`DUTYDESK_IDP_STAFF_CLAIM`) acts as that
/// active staff member of its center, with their roles from the staff record (one indexed
/// lookup); one that names nobody is refused 401 `unknown_staff_claim`.
///
/// A portal token (see [`PortalClient`]) is refused 403 here: staff endpoints take a
/// [`CurrentUser`]; the few the portal may use take a [`Caller`].
pub async fn authenticate(req: &HttpRequest) -> Result<CurrentUser, ApiError> {
    match authenticate_caller(req).await? {
        Caller::Staff(user) => Ok(user),
        Caller::Portal(_) => Err(ApiError::forbidden()),
    }
}

/// Reads and verifies the bearer token as a staff member or the portal.
pub async fn authenticate_caller(req: &HttpRequest) -> Result<Caller, ApiError> {
    if let Some(caller) = req.extensions().get::<Caller>() {
        return Ok(caller.clone());
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
    if let Some(centers) = p.portal_centers {
        let portal = Caller::Portal(PortalClient {
            subject: p.subject,
            centers,
        });
        req.extensions_mut().insert(portal.clone());
        return Ok(portal);
    }
    let user = match (p.external, p.staff_claim) {
        (false, _) => {
            let staff_id = Uuid::parse_str(&p.subject).map_err(|_| ApiError::unauthorized())?;
            // A hash-map read: no database round trip (see `revocation`).
            match state
                .revocations
                .check_when_loaded(staff_id, p.generation)
                .await
            {
                revocation::Verdict::Valid => {}
                revocation::Verdict::Revoked => return Err(ApiError::unauthorized()),
                revocation::Verdict::Unknown => return Err(revocation::state_unknown()),
            }
            CurrentUser {
                staff_id: Some(staff_id),
                subject: p.subject,
                center_id: p.center_id,
                roles: p.roles,
                external: false,
            }
        }
        // An identity provider's subject is its own name for the user, not one of our staff
        // ids: portal callers act with their roles but own no staff record here.
        (true, None) => CurrentUser {
            staff_id: None,
            subject: p.subject,
            center_id: p.center_id,
            roles: p.roles,
            external: true,
        },
        (true, Some(employee_no)) => {
            let mut conn = state.pool.get().await?;
            let account = store::active_by_employee_no(&mut conn, p.center_id, &employee_no)
                .await?
                .ok_or_else(|| ApiError::of(Code::UnknownStaffClaim))?;
            CurrentUser {
                staff_id: Some(account.id),
                roles: account.roles(),
                subject: p.subject,
                center_id: p.center_id,
                external: true,
            }
        }
    };
    let caller = Caller::Staff(user);
    req.extensions_mut().insert(caller.clone());
    Ok(caller)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let res = authenticate_caller(&req).await;
            let subject = match &res {
                Ok(Caller::Staff(u)) => Some(u.subject.clone()),
                Ok(Caller::Portal(p)) => Some(p.actor_label()),
                Err(_) => None,
            };
            if let Some(s) = subject {
                tracing::Span::current().record("user_id", s.as_str());
            }
            res
        })
    }
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let res = authenticate(&req).await;
            if let Ok(u) = &res {
                tracing::Span::current().record("user_id", u.subject.as_str());
            }
            res
        })
    }
}
