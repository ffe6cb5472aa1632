//! Rectifications and their moves in the database.

use super::model::{EventRow, RectificationRow};
use super::workflow::RectificationStatus;
use crate::db::schema::{rectification_events as ev, rectifications as rc};
use crate::inspections::model::{InspectionRow, RectificationBrief};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Opens the rectification of problem `finding`, due `deadline` (`working_days` from its day).
pub async fn open(
    conn: &mut AsyncPgConnection,
    finding: &InspectionRow,
    working_days: i32,
    deadline: NaiveDate,
    at: DateTime<Utc>,
) -> QueryResult<RectificationRow> {
    diesel::insert_into(rc::table)
        .values(&RectificationRow {
            id: Uuid::now_v7(),
            center_id: finding.center_id,
            inspection_id: finding.id,
            staff_id: finding.staff_id,
            status: RectificationStatus::Open,
            working_days,
            deadline,
            decided_by: None,
            decision_note: String::new(),
            created_at: at,
            updated_at: at,
        })
        .returning(RectificationRow::as_returning())
        .get_result(conn)
        .await
}

/// The row `id` of the center; `lock` holds it until the transaction ends.
pub async fn find(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
    lock: bool,
) -> QueryResult<RectificationRow> {
    let q = rc::table
        .filter(rc::center_id.eq(center_id))
        .filter(rc::id.eq(id))
        .select(RectificationRow::as_select());
    if lock {
        q.for_update().first(conn).await
    } else {
        q.first(conn).await
    }
}

/// Stores a new state with the last decision.
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: RectificationStatus,
    decided_by: Option<Uuid>,
    note: &str,
) -> QueryResult<RectificationRow> {
    diesel::update(rc::table.find(id))
        .set((
            rc::status.eq(status),
            rc::decided_by.eq(decided_by),
            rc::decision_note.eq(note),
            rc::updated_at.eq(Utc::now()),
        ))
        .returning(RectificationRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_deadline(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    working_days: i32,
    deadline: NaiveDate,
) -> QueryResult<()> {
    diesel::update(rc::table.find(id))
        .set((rc::working_days.eq(working_days), rc::deadline.eq(deadline)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// `(finding id, brief)` of the rectifications of findings `ids`.
pub async fn briefs(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, RectificationBrief)>> {
    let rows: Vec<(Uuid, Uuid, RectificationStatus, NaiveDate)> = rc::table
        .filter(rc::inspection_id.eq_any(ids))
        .select((rc::inspection_id, rc::id, rc::status, rc::deadline))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(f, id, status, deadline)| {
            (
                f,
                RectificationBrief {
                    id,
                    status,
                    deadline,
                },
            )
        })
        .collect())
}

/// One page's query, scoped to the caller.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    pub center_id: Uuid,
    pub status: Option<RectificationStatus>,
    pub staff_id: Option<Uuid>,
    /// Only open or reopened ones due before this date (the center's today).
    pub overdue_on: Option<NaiveDate>,
    /// Keyset cursor: only ids below this one (newest first).
    pub before: Option<Uuid>,
    pub fetch: i64,
}

/// Up to `f.fetch` rectifications matching `f`, newest first.
pub async fn page(conn: &mut AsyncPgConnection, f: Filter) -> QueryResult<Vec<RectificationRow>> {
    let mut q = rc::table
        .filter(rc::center_id.eq(f.center_id))
        .select(RectificationRow::as_select())
        .order(rc::id.desc())
        .limit(f.fetch)
        .into_boxed();
    if let Some(s) = f.status {
        q = q.filter(rc::status.eq(s));
    }
    if let Some(s) = f.staff_id {
        q = q.filter(rc::staff_id.eq(s));
    }
    if let Some(today) = f.overdue_on {
        q = q
            .filter(rc::status.eq_any(RectificationStatus::PENDING))
            .filter(rc::deadline.lt(today));
    }
    if let Some(b) = f.before {
        q = q.filter(rc::id.lt(b));
    }
    q.load(conn).await
}

pub async fn insert_event(conn: &mut AsyncPgConnection, e: &EventRow) -> QueryResult<()> {
    diesel::insert_into(ev::table)
        .values(e)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The moves of rectifications `ids`, oldest first.
pub async fn events(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<EventRow>> {
    ev::table
        .filter(ev::rectification_id.eq_any(ids))
        .order((ev::rectification_id, ev::at, ev::id))
        .select(EventRow::as_select())
        .load(conn)
        .await
}
