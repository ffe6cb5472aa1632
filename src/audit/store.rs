//! Queries for the audit trail.

use super::chain::{self, GENESIS, Link};
use super::{AuditEntry, keys};
use crate::db::schema::{audit_events, audit_heads};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct EventRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub prev_hash: String,
    pub hash: String,
}

impl EventRow {
    /// The link this row should carry: keyed (HMAC under `key`) from the center's cut-over
    /// `keyed_from` on, plain SHA-256 before it.
    pub fn computed_hash(&self, keyed_from: i64, key: &[u8]) -> String {
        let link = Link {
            center_id: self.center_id,
            seq: self.seq,
            id: self.id,
            occurred_at: self.occurred_at,
            actor_id: self.actor_id,
            actor: &self.actor,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: self.entity_id,
            before: self.before.as_ref(),
            after: self.after.as_ref(),
            prev_hash: &self.prev_hash,
        };
        if self.seq >= keyed_from {
            chain::keyed_hash(key, &link)
        } else {
            chain::hash(&link)
        }
    }
}

/// A center's chain head: the last event's `seq` and link, and the cut-over to keyed links.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: i64,
}

/// Creates a center's chain head; run in the transaction that creates the center.
pub async fn init_head(conn: &mut AsyncPgConnection, center_id: Uuid) -> QueryResult<()> {
    diesel::insert_into(audit_heads::table)
        .values((
            audit_heads::center_id.eq(center_id),
            audit_heads::seq.eq(0i64),
            audit_heads::hash.eq(GENESIS),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// Appends one event; the head row lock serialises writers of one center.
pub async fn append(conn: &mut AsyncPgConnection, e: AuditEntry) -> QueryResult<()> {
    let key = keys::installed()
        .map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?
        .chain_key();
    let Head {
        seq: prev_seq,
        hash: prev_hash,
        keyed_from,
    } = audit_heads::table
        .find(e.center_id)
        .select((audit_heads::seq, audit_heads::hash, audit_heads::keyed_from))
        .for_update()
        .first(conn)
        .await?;
    let now = Utc::now();
    // Stored with microsecond precision; hash what is stored.
    let occurred_at =
        DateTime::from_timestamp_micros(now.timestamp_micros()).expect("current time fits");
    let mut row = EventRow {
        id: Uuid::now_v7(),
        center_id: e.center_id,
        seq: prev_seq + 1,
        occurred_at,
        actor_id: e.actor_id,
        actor: e.actor,
        action: e.action.to_owned(),
        entity_type: e.entity_type.to_owned(),
        entity_id: e.entity_id,
        before: e.before,
        after: e.after,
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.computed_hash(keyed_from, key);
    // The event and the new head are sent together (pipelined: one round trip while the head
    // is locked, not two); PostgreSQL still runs them one after the other, in this order.
    let shared: &AsyncPgConnection = conn;
    let insert = diesel::insert_into(audit_events::table)
        .values((
            audit_events::id.eq(row.id),
            audit_events::center_id.eq(row.center_id),
            audit_events::seq.eq(row.seq),
            audit_events::occurred_at.eq(row.occurred_at),
            audit_events::actor_id.eq(row.actor_id),
            audit_events::actor.eq(&row.actor),
            audit_events::action.eq(&row.action),
            audit_events::entity_type.eq(&row.entity_type),
            audit_events::entity_id.eq(row.entity_id),
            audit_events::before.eq(&row.before),
            audit_events::after.eq(&row.after),
            audit_events::prev_hash.eq(&row.prev_hash),
            audit_events::hash.eq(&row.hash),
        ))
        .execute(&mut &*shared);
    let head = diesel::update(audit_heads::table.find(row.center_id))
        .set((
            audit_heads::seq.eq(row.seq),
            audit_heads::hash.eq(&row.hash),
        ))
        .execute(&mut &*shared);
    futures_util::future::try_join(insert, head)
        .await
        .map(|_| ())
}

pub struct EventFilter {
    pub center_id: Uuid,
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Newest first: only events with `seq` below this.
    pub before_seq: Option<i64>,
    pub limit: i64,
}

pub async fn list(conn: &mut AsyncPgConnection, f: EventFilter) -> QueryResult<Vec<EventRow>> {
    let mut q = audit_events::table
        .filter(audit_events::center_id.eq(f.center_id))
        .select(EventRow::as_select())
        .order(audit_events::seq.desc())
        .limit(f.limit + 1)
        .into_boxed();
    if let Some(t) = f.entity_type {
        q = q.filter(audit_events::entity_type.eq(t));
    }
    if let Some(id) = f.entity_id {
        q = q.filter(audit_events::entity_id.eq(id));
    }
    if let Some(a) = f.actor_id {
        q = q.filter(audit_events::actor_id.eq(a));
    }
    if let Some(from) = f.from {
        q = q.filter(audit_events::occurred_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(audit_events::occurred_at.lt(to));
    }
    if let Some(s) = f.before_seq {
        q = q.filter(audit_events::seq.lt(s));
    }
    q.load(conn).await
}

/// Events of a center in chain order, `batch` at a time after `after_seq`, up to `up_to_seq`
/// (the head read when verification started: later writes are not part of the walk).
pub async fn chain_batch(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    after_seq: i64,
    up_to_seq: i64,
    batch: i64,
) -> QueryResult<Vec<EventRow>> {
    audit_events::table
        .filter(audit_events::center_id.eq(center_id))
        .filter(audit_events::seq.gt(after_seq))
        .filter(audit_events::seq.le(up_to_seq))
        .order(audit_events::seq.asc())
        .limit(batch)
        .select(EventRow::as_select())
        .load(conn)
        .await
}

pub async fn head(conn: &mut AsyncPgConnection, center_id: Uuid) -> QueryResult<Head> {
    audit_heads::table
        .find(center_id)
        .select((audit_heads::seq, audit_heads::hash, audit_heads::keyed_from))
        .first(conn)
        .await
}
