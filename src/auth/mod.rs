//! Authentication and authorization: tokens, passwords, the current-user extractor.

pub mod api;
pub mod jwt;
pub mod password;
pub mod store;

use crate::AppState;
use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use utoipa::ToSchema;
use uuid::Uuid;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::login)
        .service(api::refresh)
        .service(api::logout)
        .service(api::me)
        .service(api::change_password);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Center office: manages rosters, staff, settings; reads the audit trail.
    OfficeAdmin,
    /// Supervisor (督导员): window staff taking supervisor duty in rotation.
    Supervisor,
    /// Window staff (窗口工作人员).
    WindowStaff,
    /// Read-only access for reporting tools.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::OfficeAdmin => "office_admin",
            Role::Supervisor => "supervisor",
            Role::WindowStaff => "window_staff",
            Role::Auditor => "auditor",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "office_admin" => Some(Role::OfficeAdmin),
            "supervisor" => Some(Role::Supervisor),
            "window_staff" => Some(Role::WindowStaff),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }
}

/// The authenticated caller. Extracting it answers 401 when the bearer token is missing or invalid.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The staff id for tokens this service issued; `None` for identity-provider tokens.
    pub staff_id: Option<Uuid>,
    /// Token subject as sent (`staff id`, or the identity provider's subject).
    pub subject: String,
    pub center_id: Uuid,
    pub roles: Vec<Role>,
    pub external: bool,
}

impl CurrentUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// 403 unless the caller holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.iter().any(|r| self.has(*r)) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        self.require_any(&[Role::OfficeAdmin])
    }

    /// Office admins and auditors read everything of their center.
    pub fn reads_all(&self) -> bool {
        self.has(Role::OfficeAdmin) || self.has(Role::Auditor)
    }

    /// Label for the audit trail.
    pub fn actor_label(&self) -> String {
        if self.external {
            format!("idp:{}", self.subject)
        } else {
            format!("staff:{}", self.subject)
        }
    }
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
