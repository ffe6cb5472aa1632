//! Queries of the outbox: writing events, the tick's claim and attempt log, the office's list.

use super::{Event, OutboxState};
use crate::db::schema::{outbox_events, webhook_deliveries};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

/// Writes one pending event, due at once.
pub async fn insert(conn: &mut AsyncPgConnection, e: &Event<'_>) -> QueryResult<()> {
    let now = Utc::now();
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::id.eq(Uuid::now_v7()),
            outbox_events::center_id.eq(e.center_id),
            outbox_events::portal.eq(e.portal),
            outbox_events::kind.eq(e.kind),
            outbox_events::entity_id.eq(e.entity_id),
            outbox_events::payload.eq(&e.payload),
            outbox_events::created_at.eq(now),
            outbox_events::state.eq(OutboxState::Pending),
            outbox_events::next_attempt_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// An event claimed for sending, with what its envelope needs.
#[derive(Debug, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Text)]
    pub portal: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub entity_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub payload: Value,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Text)]
    pub center_code: String,
}

/// Claims up to `limit` due events, at most one per portal: each the oldest pending event of a
/// portal in `portals`, due by `now` (a portal's later events wait while an earlier one is pending, also when
/// that one waits for a retry). Claiming moves `next_attempt_at` `lease` ahead, so a tick that
/// dies while sending leaves the events to be tried again after it, and no other worker takes
/// them meanwhile. One statement, so no transaction stays open while the caller sends.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    portals: &[String],
    limit: i64,
    now: DateTime<Utc>,
    lease: chrono::Duration,
) -> QueryResult<Vec<Claimed>> {
    diesel::sql_query(
        "UPDATE outbox_events e SET next_attempt_at = $4
         FROM centers c
         WHERE c.id = e.center_id AND e.id IN (
             SELECT h.id FROM outbox_events h
             WHERE h.state = 'pending' AND h.next_attempt_at <= $3 AND h.portal = ANY($1)
               AND NOT EXISTS (
                   SELECT 1 FROM outbox_events p
                   WHERE p.state = 'pending' AND p.portal = h.portal AND p.seq < h.seq)
             ORDER BY h.seq
             LIMIT $2
             FOR UPDATE SKIP LOCKED)
         RETURNING e.id, e.seq, e.portal, e.kind, e.entity_id, e.payload, e.created_at,
                   e.attempts, c.code AS center_code",
    )
    .bind::<Array<Text>, _>(portals)
    .bind::<BigInt, _>(limit)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .bind::<diesel::sql_types::Timestamptz, _>(now + lease)
    .load(conn)
    .await
}

/// What one attempt came to.
pub struct Attempt<'a> {
    pub event_id: Uuid,
    /// 1 for the first attempt.
    pub attempt: i32,
    pub at: DateTime<Utc>,
    pub url: &'a str,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
    /// The event's state after it, and when to try again if still pending.
    pub state: OutboxState,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Logs an attempt and moves its event on, in one transaction.
pub async fn record(conn: &mut AsyncPgConnection, a: Attempt<'_>) -> QueryResult<()> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::id.eq(Uuid::now_v7()),
                webhook_deliveries::event_id.eq(a.event_id),
                webhook_deliveries::attempt.eq(a.attempt),
                webhook_deliveries::at.eq(a.at),
                webhook_deliveries::url.eq(a.url),
                webhook_deliveries::status.eq(a.status),
                webhook_deliveries::error.eq(&a.error),
                webhook_deliveries::duration_ms.eq(a.duration_ms),
            ))
            .execute(conn)
            .await?;
        let delivered_at = (a.state == OutboxState::Delivered).then_some(a.at);
        diesel::update(outbox_events::table.find(a.event_id))
            .set((
                outbox_events::state.eq(a.state),
                outbox_events::attempts.eq(a.attempt),
                outbox_events::next_attempt_at.eq(a.next_attempt_at),
                outbox_events::delivered_at.eq(delivered_at),
            ))
            .execute(conn)
            .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct EventRow {
    pub id: Uuid,
    pub seq: i64,
    pub portal: String,
    pub kind: String,
    pub entity_id: Uuid,
    pub payload: Value,
    pub created_at: DateTime<Utc>,
    pub state: OutboxState,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub event_id: Uuid,
    pub attempt: i32,
    pub at: DateTime<Utc>,
    pub url: String,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

pub struct Filter {
    pub center_id: Uuid,
    pub state: Option<OutboxState>,
    pub entity_id: Option<Uuid>,
    /// Keyset: events created before this one (by `seq`).
    pub before_seq: Option<i64>,
    /// Rows to fetch (the page size plus one).
    pub fetch: i64,
}

/// A center's events, newest first.
pub async fn page(conn: &mut AsyncPgConnection, f: Filter) -> QueryResult<Vec<EventRow>> {
    let mut q = outbox_events::table
        .filter(outbox_events::center_id.eq(f.center_id))
        .select(EventRow::as_select())
        .order(outbox_events::seq.desc())
        .limit(f.fetch)
        .into_boxed();
    if let Some(s) = f.state {
        q = q.filter(outbox_events::state.eq(s));
    }
    if let Some(id) = f.entity_id {
        q = q.filter(outbox_events::entity_id.eq(id));
    }
    if let Some(seq) = f.before_seq {
        q = q.filter(outbox_events::seq.lt(seq));
    }
    q.load(conn).await
}

/// The attempts of `events`, in (event, attempt) order: one query for a page.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    events: &[Uuid],
) -> QueryResult<Vec<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::event_id.eq_any(events))
        .order((webhook_deliveries::event_id, webhook_deliveries::attempt))
        .select(DeliveryRow::as_select())
        .load(conn)
        .await
}
