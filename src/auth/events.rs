//! Security events: logins (success and failure), delays set by throttling, refused attempts,
//! logouts, refresh-token reuse and password changes. Each is logged (target
//! `dutydesk::security`, structured, never a password or token) and, when it concerns a known
//! center, appended to that center's audit trail.
//!
//! Refused attempts (429, 503) are logged only: they are cheap to send, and the audit trail
//! is kept forever. A failed login of an unknown center code is logged only (there is no trail
//! to append to).

use crate::audit::{self, AuditEntry};
use crate::error::ApiError;
use crate::principal::Actor;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::Value;
use std::net::IpAddr;
use uuid::Uuid;

/// The audit actor of events with no logged-in caller (failed logins, reuse of a token).
pub const ACTOR: &str = "system:auth";

/// One security event.
pub struct Event {
    pub action: &'static str,
    pub center_id: Uuid,
    /// The account concerned, when known (else the event is filed under the center).
    pub staff_id: Option<Uuid>,
    /// The staff member acting, when it is their own doing (a login, a logout, a change).
    pub by_self: bool,
    pub address: IpAddr,
    /// What else to keep: the employee number tried, counts, delays. No secrets.
    pub details: Value,
}

impl Event {
    fn entry(self) -> AuditEntry {
        let actor = match (self.by_self, self.staff_id) {
            (true, Some(id)) => Actor {
                center_id: self.center_id,
                actor_id: Some(id),
                label: format!("staff:{id}"),
            },
            _ => Actor {
                center_id: self.center_id,
                actor_id: None,
                label: ACTOR.into(),
            },
        };
        let (entity_type, entity_id) = match self.staff_id {
            Some(id) => ("staff", id),
            None => ("center", self.center_id),
        };
        let mut details = self.details;
        if let Value::Object(m) = &mut details {
            m.insert("address".into(), Value::String(self.address.to_string()));
        }
        AuditEntry::new(actor, self.action, entity_type, entity_id).after(details)
    }

    fn log(&self) {
        tracing::info!(
            target: "dutydesk::security",
            event = self.action,
            center_id = %self.center_id,
            staff_id = ?self.staff_id,
            address = %self.address,
            details = %self.details,
            "security event"
        );
    }
}

/// Logs the event and appends it to the trail, in a transaction of its own.
pub async fn record(conn: &mut AsyncPgConnection, event: Event) -> Result<(), ApiError> {
    event.log();
    conn.transaction::<_, ApiError, _>(async |conn| audit::record(conn, event.entry()).await)
        .await
}

/// Logs the event and appends it to the trail inside the caller's transaction.
pub async fn record_in(conn: &mut AsyncPgConnection, event: Event) -> Result<(), ApiError> {
    event.log();
    audit::record(conn, event.entry()).await
}

/// Logs an event that is not kept in the trail (refused attempts, unknown centers).
pub fn log_only(action: &'static str, address: IpAddr, details: &Value) {
    tracing::info!(
        target: "dutydesk::security",
        event = action,
        address = %address,
        details = %details,
        "security event"
    );
}
