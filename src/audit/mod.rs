//! The audit trail: one writer ([`record`]) used by every state change, in the caller's
//! transaction, appending to a per-center chain keyed with the chain key ([`keys`]); the tick
//! takes signed checkpoints of every center's head ([`checkpoint`]); verification checks both
//! ([`verify`]). See docs/audit.md.

pub mod api;
pub mod chain;
pub mod checkpoint;
pub mod checkpoint_api;
pub mod keys;
pub mod store;
pub mod verify;

use crate::error::ApiError;
use crate::principal::Actor;
use diesel_async::AsyncPgConnection;
use serde_json::Value;
use uuid::Uuid;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list_events)
        .service(api::verify_chain)
        .service(api::verify_with_checkpoints)
        .service(checkpoint_api::list_checkpoints)
        .service(checkpoint_api::checkpoint_key);
}

/// Who changed what. Build with [`AuditEntry::new`] and add `before`/`after` states.
pub struct AuditEntry {
    pub center_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: Uuid,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEntry {
    /// `actor` is who acts: a caller (`&CurrentUser` converts) or [`Actor::system`].
    pub fn new(
        actor: impl Into<Actor>,
        action: &'static str,
        entity_type: &'static str,
        entity_id: Uuid,
    ) -> Self {
        let actor = actor.into();
        AuditEntry {
            center_id: actor.center_id,
            actor_id: actor.actor_id,
            actor: actor.label,
            action,
            entity_type,
            entity_id,
            before: None,
            after: None,
        }
    }

    /// Shorthand for changes made by the command line (no logged-in user).
    pub fn system(
        center_id: Uuid,
        action: &'static str,
        entity_type: &'static str,
        entity_id: Uuid,
    ) -> Self {
        AuditEntry::new(Actor::system(center_id), action, entity_type, entity_id)
    }

    pub fn before(mut self, v: impl serde::Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: impl serde::Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

/// Appends an event. Call inside the transaction that makes the change.
pub async fn record(conn: &mut AsyncPgConnection, entry: AuditEntry) -> Result<(), ApiError> {
    store::append(conn, entry).await.map_err(ApiError::from)
}
