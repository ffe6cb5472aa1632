//! Reading and verifying the audit trail (office admins and auditors).

use super::checkpoint::SignedCheckpoint;
use super::keys::{self, AuditKeys};
use super::store::{self, EventFilter};
use super::verify::{self, ChainVerification};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::pagination::{self, Page, PageParams};
use crate::principal::{CurrentUser, Role};
use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// e.g. `staff`, `department`, `center`.
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    /// Staff id of the actor.
    pub actor_id: Option<Uuid>,
    /// Events at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Events before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

/// One audit event, newest first in lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: Uuid,
    /// Position in the center's hash chain (1, 2, …).
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    /// `staff:<id>`, `idp:<subject>` or `system:cli`.
    pub actor: String,
    /// e.g. `created`, `updated`, `deactivated`, `password_reset`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub hash: String,
}

/// List audit events of the caller's center, newest first.
#[utoipa::path(
    operation_id = "listAuditEvents",
    tag = "audit",
    params(EventQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of events", body = Page<AuditEvent>),
        (status = 400, description = "`validation_failed` (limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events")]
pub async fn list_events(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<EventQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<AuditEvent>>> {
    user.require_any(&[Role::OfficeAdmin, Role::Auditor])?;
    let q = query.into_inner();
    let limit = paging.limit()?;
    let before_seq: Option<i64> = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(
        &mut conn,
        EventFilter {
            center_id: user.center_id,
            entity_type: q.entity_type,
            entity_id: q.entity_id,
            actor_id: q.actor_id,
            from: q.from,
            to: q.to,
            before_seq,
            limit,
        },
    )
    .await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| r.seq,
        |r| AuditEvent {
            id: r.id,
            seq: r.seq,
            occurred_at: r.occurred_at,
            actor_id: r.actor_id,
            actor: r.actor,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
            hash: r.hash,
        },
    )))
}

/// Verify the center's audit trail end to end.
///
/// Walks the keyed chain from the first event to the head and checks every stored checkpoint
/// against it: reports the first event altered, removed or re-linked in the database, and a
/// checkpoint the chain no longer matches (the tail deleted and the head rewound). Events after
/// the newest checkpoint can be deleted without trace; post a checkpoint you kept to
/// `POST /api/v1/audit-events/verify` to check against it too.
#[utoipa::path(
    operation_id = "verifyAuditChain",
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Verification result (valid or not)", body = ChainVerification),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "`internal_error`: the audit keys are not configured", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events/verify")]
pub async fn verify_chain(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<ChainVerification>> {
    user.require_any(&[Role::OfficeAdmin, Role::Auditor])?;
    let keys = installed_keys()?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(
        verify::verify(&mut conn, user.center_id, keys, &[]).await?,
    ))
}

/// Checkpoints an auditor kept outside the database.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutsideCheckpoints {
    /// As served by `GET /api/v1/audit/checkpoints` (or logged by the tick), unchanged.
    #[schema(max_items = 1000)]
    pub checkpoints: Vec<SignedCheckpoint>,
}

/// Most checkpoints one verification request takes.
pub const MAX_OUTSIDE_CHECKPOINTS: usize = 1000;

/// Verify the center's audit trail against checkpoints kept outside the database.
///
/// Like `GET /api/v1/audit-events/verify`, and each posted checkpoint must be in the chain too:
/// a checkpoint newer than the database's tail (events deleted and the head rewound, with the
/// stored checkpoints removed as well) makes the result invalid. Each checkpoint's signature
/// must verify under the service's public key, else nothing is checked (422).
#[utoipa::path(
    operation_id = "verifyAuditChainWithCheckpoints",
    tag = "audit",
    request_body = OutsideCheckpoints,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Verification result (valid or not)", body = ChainVerification),
        (status = 400, description = "`validation_failed` (`checkpoints`: too many) or `malformed_request`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`checkpoint_signature_invalid` (a forged or altered checkpoint) or `checkpoint_other_center`", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "`internal_error`: the audit keys are not configured", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/audit-events/verify")]
pub async fn verify_with_checkpoints(
    user: CurrentUser,
    state: web::Data<AppState>,
    body: web::Json<OutsideCheckpoints>,
) -> ApiResult<web::Json<ChainVerification>> {
    user.require_any(&[Role::OfficeAdmin, Role::Auditor])?;
    let keys = installed_keys()?;
    let submitted = body.into_inner().checkpoints;
    if submitted.len() > MAX_OUTSIDE_CHECKPOINTS {
        return Err(ApiError::validation(vec![
            FieldError::of("checkpoints", FieldCode::TooMany).param("max", MAX_OUTSIDE_CHECKPOINTS),
        ]));
    }
    let public = keys.public_key();
    for cp in &submitted {
        if !cp.verifies(&public) {
            return Err(ApiError::of(Code::CheckpointSignatureInvalid).param("seq", cp.seq));
        }
        if cp.center_id != user.center_id {
            return Err(ApiError::of(Code::CheckpointOtherCenter).param("seq", cp.seq));
        }
    }
    let mut conn = state.pool.get().await?;
    Ok(web::Json(
        verify::verify(&mut conn, user.center_id, keys, &submitted).await?,
    ))
}

/// The process's audit keys; a 500 (and an error in the log) when none are configured.
pub(super) fn installed_keys() -> ApiResult<&'static AuditKeys> {
    keys::installed().map_err(|e| {
        tracing::error!(error = %e, "audit keys missing");
        ApiError::internal()
    })
}
