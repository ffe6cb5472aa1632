//! The outbox: changes the regional portal should hear about, and their delivery as signed
//! webhooks (issue 8, "the portal learns of changes without polling").
//!
//! A change that the portal should hear of calls [`enqueue`] in its own transaction, so an event
//! exists if and only if the change committed. Nothing is sent in a request: `dutydesk tick`
//! delivers pending events afterwards ([`deliver`]), signs each body ([`sign`]), logs every
//! attempt in `webhook_deliveries` and retries with exponential backoff. The office reads the
//! log at `GET /api/v1/webhook-deliveries` ([`api`]). The portal's side is described in
//! `docs/webhooks.md`.

pub mod api;
pub mod deliver;
pub mod sign;
pub mod store;

use crate::error::ApiError;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list);
}

crate::text_enum!(
    /// Where an event stands: waiting to be (re)sent, received by the portal (a 2xx answer), or
    /// given up after [`deliver::MAX_ATTEMPTS`] attempts.
    pub OutboxState {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
);

/// One change the portal should hear about, written in the caller's transaction (so an event exists iff the change committed).
pub struct Event<'a> {
    pub center_id: Uuid,
    /// The portal client (the identity provider token's `sub`) that should hear of it: the one that submitted the request.
    pub portal: &'a str,
    /// e.g. "citizen_request.status_changed", "citizen_request.answered", "rating.follow_up_opened", "rating.follow_up_closed"
    pub kind: &'static str,
    /// What it is about (the request or rating id).
    pub entity_id: Uuid,
    /// The body sent (no clear personal data: callers put only masked values in it).
    pub payload: serde_json::Value,
}

/// Adds `event` to the outbox, in the caller's transaction. The tick delivers it after the
/// transaction commits (never if it rolls back), after the portal's earlier events.
///
/// Call it after the change's own row is written (and so locked): then two changes to one record
/// get their events in the order of the changes, which is the order the portal receives them.
pub async fn enqueue(conn: &mut AsyncPgConnection, event: Event<'_>) -> Result<(), ApiError> {
    store::insert(conn, &event).await.map_err(ApiError::from)
}
