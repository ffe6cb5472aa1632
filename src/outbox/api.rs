//! The office's view of what the portals were told: `GET /api/v1/webhook-deliveries`.

use super::OutboxState;
use super::store::{self, DeliveryRow, Filter};
use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::pagination::{self, Page, PageParams};
use crate::principal::{CurrentUser, Role};
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only events in this state.
    pub state: Option<OutboxState>,
    /// Only events about this request or rating.
    pub entity_id: Option<Uuid>,
}

/// One attempt to deliver an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryAttempt {
    /// 1 for the first attempt, then 2, 3, …
    pub attempt: i32,
    pub at: DateTime<Utc>,
    pub url: String,
    /// The HTTP status the portal answered (2xx: delivered); `null` when it did not answer.
    pub status: Option<i32>,
    /// Why there was no answer (timeout, connection refused, …).
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// One event for a portal, with its delivery attempts (oldest first).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEvent {
    /// The event id, sent as `X-Dutydesk-Delivery` and the envelope's `id`.
    pub id: Uuid,
    /// The envelope's `sequence`: creation order.
    pub sequence: i64,
    /// The portal client it is for.
    pub portal: String,
    /// e.g. `citizen_request.status_changed`.
    pub kind: String,
    pub entity_id: Uuid,
    /// The envelope's `data` (masked values only).
    #[schema(value_type = Object)]
    pub data: Value,
    pub created_at: DateTime<Utc>,
    pub state: OutboxState,
    pub attempts: i32,
    /// When the tick tries next (pending only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub deliveries: Vec<DeliveryAttempt>,
}

/// Events for the portals and their delivery attempts, newest first.
///
/// Office admins and auditors of the center. Events are delivered by the tick; see
/// docs/webhooks.md for the retry schedule.
#[utoipa::path(
    operation_id = "listWebhookDeliveries",
    tag = "webhooks",
    params(DeliveryQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of events, newest first", body = Page<WebhookEvent>),
        (status = 400, description = "`validation_failed` (limit, cursor); `malformed_request`: a malformed query (e.g. an unknown state)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only office admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhook-deliveries")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<DeliveryQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<WebhookEvent>>> {
    user.require_any(&[Role::OfficeAdmin, Role::Auditor])?;
    let limit = paging.limit()?;
    let before_seq: Option<i64> = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows = store::page(
        &mut conn,
        Filter {
            center_id: user.center_id,
            state: query.state,
            entity_id: query.entity_id,
            before_seq,
            fetch: limit + 1,
        },
    )
    .await?;
    let page = pagination::page(rows, limit, |r| r.seq, |r| r);
    let ids: Vec<Uuid> = page.items.iter().map(|r| r.id).collect();
    let mut attempts: HashMap<Uuid, Vec<DeliveryAttempt>> = HashMap::new();
    for d in store::deliveries(&mut conn, &ids).await? {
        let DeliveryRow {
            event_id,
            attempt,
            at,
            url,
            status,
            error,
            duration_ms,
        } = d;
        attempts.entry(event_id).or_default().push(DeliveryAttempt {
            attempt,
            at,
            url,
            status,
            error,
            duration_ms,
        });
    }
    let items = page
        .items
        .into_iter()
        .map(|r| WebhookEvent {
            deliveries: attempts.remove(&r.id).unwrap_or_default(),
            id: r.id,
            sequence: r.seq,
            portal: r.portal,
            kind: r.kind,
            entity_id: r.entity_id,
            data: r.payload,
            created_at: r.created_at,
            state: r.state,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            delivered_at: r.delivered_at,
        })
        .collect();
    Ok(web::Json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}
