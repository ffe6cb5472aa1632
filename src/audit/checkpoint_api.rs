//! Serving the signed checkpoints and the public key that verifies them (auditors and office
//! admins of the center).

use super::api::installed_keys;
use super::checkpoint::{self, SignedCheckpoint};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::pagination::{self, Page, PageParams};
use crate::principal::{CurrentUser, Role};
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One stored checkpoint: the signed fields, and its id.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditCheckpoint {
    pub id: Uuid,
    #[serde(flatten)]
    pub checkpoint: SignedCheckpoint,
}

/// The key that verifies checkpoints outside the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointKey {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The public key: base64 of its 32 bytes.
    pub public_key: String,
    /// The signed message (UTF-8) with the checkpoint's fields in braces; `taken_at` is written
    /// in UTC with six fractional digits and `Z` (e.g. `2026-11-30T01:02:03.000000Z`), and every
    /// line ends in a line feed. The signature is base64.
    pub message_template: String,
}

/// List the center's signed audit checkpoints, newest first.
///
/// The tick takes one per center whenever the chain's head moved. Keep them (or the tick's log
/// lines) outside the database: posted back to `POST /api/v1/audit-events/verify`, they prove
/// what the trail held.
#[utoipa::path(
    operation_id = "listAuditCheckpoints",
    tag = "audit",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of checkpoints", body = Page<AuditCheckpoint>),
        (status = 400, description = "`validation_failed` (limit, cursor)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/checkpoints")]
pub async fn list_checkpoints(
    user: CurrentUser,
    state: web::Data<AppState>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<AuditCheckpoint>>> {
    user.require_any(&[Role::OfficeAdmin, Role::Auditor])?;
    let limit = paging.limit()?;
    let before_seq: Option<i64> = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows = checkpoint::list(&mut conn, user.center_id, before_seq, limit).await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| r.seq,
        |r| AuditCheckpoint {
            id: r.id,
            checkpoint: r.signed(),
        },
    )))
}

/// The public key that verifies the audit checkpoints (Ed25519), and the signed message format.
#[utoipa::path(
    operation_id = "getAuditCheckpointKey",
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The public key", body = CheckpointKey),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "`internal_error`: the audit keys are not configured", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/checkpoints/key")]
pub async fn checkpoint_key(user: CurrentUser) -> ApiResult<web::Json<CheckpointKey>> {
    user.require_any(&[Role::OfficeAdmin, Role::Auditor])?;
    let keys = installed_keys()?;
    Ok(web::Json(CheckpointKey {
        algorithm: "Ed25519".into(),
        public_key: keys.public_key_base64(),
        message_template: checkpoint::MESSAGE_TEMPLATE.into(),
    }))
}
