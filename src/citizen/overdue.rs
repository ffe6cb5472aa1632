//! Timed work on deadlines (run by `dutydesk tick`, each safe to run again):
//!
//! - [`escalate`]: requests that became overdue ([`deadline::overdue_sql`], the rule of the
//!   list's `overdue=true` and of the views) are escalated to the office once:
//!   `overdue_escalated_at` is set,
//!   the audit trail records `overdue_escalated` (dates only, no personal data), and they show in
//!   `GET /citizen-requests?escalated=true`. A move that gives the request a due date no longer
//!   past (a resume, a reopening) clears the escalation, so that the tick escalates it again if
//!   it becomes overdue later.
//! - [`fill_due_dates`]: requests whose due date waited for a year's statutory holidays get it
//!   once those holidays are loaded.

use super::deadline;
use crate::audit::{self, AuditEntry};
use crate::db::schema::{centers, citizen_requests as cr};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::deadline::CLOSED;

/// Requests the due-date pass looks at per tick (the rest wait for the next one).
pub const FILL_BATCH: i64 = 500;

/// Each center with its today at `now`.
async fn centers_today(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(Uuid, NaiveDate)>> {
    let rows: Vec<(Uuid, String)> = centers::table
        .select((centers::id, centers::time_zone))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, tz)| {
            let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Asia::Shanghai);
            (id, now.with_timezone(&tz).date_naive())
        })
        .collect())
}

/// Escalates the requests that are overdue at `now`; how many it escalated.
pub async fn escalate(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let mut done = 0;
    for (center_id, today) in centers_today(conn, now).await? {
        let rows: Vec<(Uuid, Option<NaiveDate>)> = diesel::update(
            cr::table
                .filter(cr::center_id.eq(center_id))
                .filter(deadline::overdue_sql(today))
                .filter(cr::overdue_escalated_at.is_null()),
        )
        .set(cr::overdue_escalated_at.eq(now))
        .returning((cr::id, cr::due_on))
        .get_results(conn)
        .await?;
        for (id, due_on) in rows {
            audit::store::append(
                conn,
                AuditEntry::system(center_id, "overdue_escalated", "citizen_request", id)
                    .after(json!({ "due_on": due_on, "escalated_on": today })),
            )
            .await?;
            done += 1;
        }
    }
    Ok(done)
}

/// Fills the due dates that can now be counted; how many it filled.
///
/// Only open requests not waiting for the citizen: a paused request's date is set when it
/// resumes.
pub async fn fill_due_dates(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let rows: Vec<(Uuid, Uuid, NaiveDate, i32, i32)> = cr::table
        .filter(cr::due_on.is_null())
        .filter(cr::state.ne_all(CLOSED))
        .filter(cr::paused_on.is_null())
        .order((cr::center_id, cr::received_on))
        .limit(FILL_BATCH)
        .select((
            cr::id,
            cr::center_id,
            cr::received_on,
            cr::deadline_days,
            cr::paused_days,
        ))
        .load(conn)
        .await?;
    let mut done = 0;
    for (id, center_id, received_on, days, paused) in rows {
        if let Ok(due) = deadline::due_of(conn, center_id, received_on, days + paused).await? {
            done += diesel::update(cr::table.find(id).filter(cr::due_on.is_null()))
                .set(cr::due_on.eq(due))
                .execute(conn)
                .await?;
        }
    }
    Ok(done)
}
