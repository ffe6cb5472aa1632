//! Attendance in the database: the front-desk staff, the day's entries, approved leave.

use super::model::{AttendanceStatus, EntryRow, EntryState};
use crate::changes::model::LeaveKind;
use crate::changes::workflow::LeaveStatus;
use crate::db::schema::{attendance_entries as ae, leave_requests as lr, staff};
use crate::org::model::StaffRow;
use crate::principal::Role;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The center's front-desk staff: active, with the window role, by employee number.
pub async fn front_desk(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<Vec<StaffRow>> {
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::active.eq(true))
        .filter(staff::roles.contains(vec![Role::WindowStaff.as_str().to_owned()]))
        .order((staff::employee_no, staff::id))
        .select(StaffRow::as_select())
        .load(conn)
        .await
}

/// The day's written entries; `lock` takes them for update (a write of the day).
pub async fn of_day(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
    lock: bool,
) -> QueryResult<Vec<EntryRow>> {
    let q = ae::table
        .filter(ae::center_id.eq(center_id))
        .filter(ae::day.eq(day))
        .select(EntryRow::as_select());
    if lock {
        q.for_update().load(conn).await
    } else {
        q.load(conn).await
    }
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &EntryRow) -> QueryResult<EntryRow> {
    diesel::insert_into(ae::table)
        .values(row)
        .returning(EntryRow::as_returning())
        .get_result(conn)
        .await
}

/// Rewrites an entry's state, recording who and when.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    s: &EntryState,
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> QueryResult<EntryRow> {
    diesel::update(ae::table.find(id))
        .set((
            ae::status.eq(s.status),
            ae::minutes.eq(s.minutes),
            ae::stand_in_id.eq(s.stand_in_id),
            ae::note.eq(&s.note),
            ae::recorded_by.eq(by),
            ae::recorded_at.eq(at),
        ))
        .returning(EntryRow::as_returning())
        .get_result(conn)
        .await
}

/// Approved leave covering `day`: (request id, staff id, kind), at most one per person (the
/// earliest request).
pub async fn leave_on(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Vec<(Uuid, Uuid, LeaveKind)>> {
    let rows = lr::table
        .filter(lr::center_id.eq(center_id))
        .filter(lr::status.eq(LeaveStatus::Approved))
        .filter(lr::start_date.le(day))
        .filter(lr::end_date.ge(day))
        .order(lr::id)
        .select((lr::id, lr::staff_id, lr::kind))
        .load::<(Uuid, Uuid, LeaveKind)>(conn)
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows.into_iter().filter(|r| seen.insert(r.1)).collect())
}

/// The leave kind's place on the sheet.
pub fn leave_status(kind: LeaveKind) -> AttendanceStatus {
    match kind {
        LeaveKind::BusinessTrip => AttendanceStatus::BusinessTrip,
        _ => AttendanceStatus::OnLeave,
    }
}

/// One page of a staff member's written days in `[from, to]`, by date, after `after`.
pub async fn of_staff(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    staff_id: Uuid,
    (from, to): (NaiveDate, NaiveDate),
    after: Option<NaiveDate>,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    let mut q = ae::table
        .filter(ae::center_id.eq(center_id))
        .filter(ae::staff_id.eq(staff_id))
        .filter(ae::day.ge(from))
        .filter(ae::day.le(to))
        .order(ae::day)
        .limit(limit + 1)
        .select(EntryRow::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(ae::day.gt(a));
    }
    q.load(conn).await
}
