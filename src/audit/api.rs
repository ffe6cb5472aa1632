//! Reading and verifying the audit trail (office admins and auditors).

use super::chain::{self, BrokenLink, GENESIS, Stored};
use super::store::{self, EventFilter};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::pagination::{self, Page, PageParams};
use crate::principal::{CurrentUser, Role};
use actix_web::{get, web};
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

/// Result of walking the center's chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainVerification {
    /// True when every event is present, unaltered and linked.
    pub valid: bool,
    /// Events checked before stopping.
    pub events_checked: i64,
    /// The first broken link, when `valid` is false.
    pub first_broken: Option<BrokenLink>,
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

/// Verify the center's audit hash chain end to end.
///
/// Reports the first event that was altered, removed or re-linked in the database.
#[utoipa::path(
    operation_id = "verifyAuditChain",
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Verification result (valid or not)", body = ChainVerification),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events/verify")]
pub async fn verify_chain(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<ChainVerification>> {
    user.require_any(&[Role::OfficeAdmin, Role::Auditor])?;
    const BATCH: i64 = 2000;
    let mut conn = state.pool.get().await?;
    let head = store::head(&mut conn, user.center_id).await?;
    let mut at = (0i64, GENESIS.to_owned());
    loop {
        let rows = store::chain_batch(&mut conn, user.center_id, at.0, head.0, BATCH).await?;
        let n = rows.len() as i64;
        let walked = chain::check(
            at.clone(),
            rows.iter().map(|r| Stored {
                seq: r.seq,
                id: r.id,
                prev_hash: &r.prev_hash,
                hash: &r.hash,
                computed: r.computed_hash(),
            }),
        );
        match walked {
            Err(b) => {
                return Ok(web::Json(ChainVerification {
                    valid: false,
                    events_checked: b.seq - 1,
                    first_broken: Some(b),
                }));
            }
            Ok(next) => at = next,
        }
        if n < BATCH {
            break;
        }
    }
    // The head records the last event written: missing tail events show here.
    let first_broken = (at != head).then(|| BrokenLink {
        seq: at.0 + 1,
        event_id: None,
        reason: if at.0 < head.0 {
            "event_missing".into()
        } else {
            "head_mismatch".into()
        },
    });
    Ok(web::Json(ChainVerification {
        valid: first_broken.is_none(),
        events_checked: at.0,
        first_broken,
    }))
}
