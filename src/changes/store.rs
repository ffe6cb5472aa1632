//! Queries for substitutions, swaps and leave requests.

use super::model::{LeaveRequest, Substitution, Swap};
use crate::db::schema::{
    duty_assignments as da, leave_requests as lr, substitutions as sb, swaps as sw,
};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// True when one of these duties has an open substitution or swap (proposed or accepted). The
/// caller holds the duties' rows locked, so the answer stays true until it commits.
pub async fn open_change(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<bool> {
    let open = ["proposed", "accepted"];
    let subs: bool = diesel::select(diesel::dsl::exists(
        sb::table
            .filter(sb::assignment_id.eq_any(ids))
            .filter(sb::status.eq_any(open)),
    ))
    .get_result(conn)
    .await?;
    if subs {
        return Ok(true);
    }
    diesel::select(diesel::dsl::exists(
        sw::table
            .filter(
                sw::assignment_a
                    .eq_any(ids)
                    .or(sw::assignment_b.eq_any(ids)),
            )
            .filter(sw::status.eq_any(open)),
    ))
    .get_result(conn)
    .await
}

pub struct NewSubstitution {
    pub id: Uuid,
    pub center_id: Uuid,
    pub assignment_id: Uuid,
    pub original_staff_id: Uuid,
    pub substitute_id: Uuid,
    pub status: &'static str,
    pub same_day: bool,
    pub offline: bool,
    pub reason: String,
    pub assignment_version: i32,
    pub requested_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
}

pub async fn insert_substitution(
    conn: &mut AsyncPgConnection,
    n: NewSubstitution,
) -> QueryResult<Substitution> {
    let decided_at = n.decided_by.map(|_| Utc::now());
    diesel::insert_into(sb::table)
        .values((
            sb::id.eq(n.id),
            sb::center_id.eq(n.center_id),
            sb::assignment_id.eq(n.assignment_id),
            sb::original_staff_id.eq(n.original_staff_id),
            sb::substitute_id.eq(n.substitute_id),
            sb::status.eq(n.status),
            sb::same_day.eq(n.same_day),
            sb::offline.eq(n.offline),
            sb::reason.eq(n.reason),
            sb::assignment_version.eq(n.assignment_version),
            sb::requested_by.eq(n.requested_by),
            sb::decided_by.eq(n.decided_by),
            sb::decided_at.eq(decided_at),
        ))
        .returning(Substitution::as_returning())
        .get_result(conn)
        .await
}

pub async fn substitution_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Substitution> {
    sb::table
        .filter(sb::center_id.eq(center_id))
        .filter(sb::id.eq(id))
        .select(Substitution::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn substitution(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Substitution> {
    sb::table
        .filter(sb::center_id.eq(center_id))
        .filter(sb::id.eq(id))
        .select(Substitution::as_select())
        .first(conn)
        .await
}

pub async fn set_substitution_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    decided_by: Option<Uuid>,
    note: &str,
) -> QueryResult<Substitution> {
    let now = Utc::now();
    diesel::update(sb::table.find(id))
        .set((
            sb::status.eq(status),
            sb::decided_by.eq(decided_by),
            sb::decided_at.eq(decided_by.map(|_| now)),
            sb::decision_note.eq(note),
            sb::version.eq(sb::version + 1),
            sb::updated_at.eq(now),
        ))
        .returning(Substitution::as_returning())
        .get_result(conn)
        .await
}

/// Substitutions of a center, newest first; `involving` limits to one person's (either side).
pub async fn list_substitutions(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    status: Option<String>,
    involving: Option<Uuid>,
    before: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<Substitution>> {
    let mut q = sb::table
        .filter(sb::center_id.eq(center_id))
        .order(sb::id.desc())
        .limit(limit + 1)
        .select(Substitution::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(sb::status.eq(s));
    }
    if let Some(p) = involving {
        q = q.filter(sb::original_staff_id.eq(p).or(sb::substitute_id.eq(p)));
    }
    if let Some(b) = before {
        q = q.filter(sb::id.lt(b));
    }
    q.load(conn).await
}

pub struct NewSwap {
    pub id: Uuid,
    pub center_id: Uuid,
    pub assignment_a: Uuid,
    pub assignment_b: Uuid,
    pub staff_a: Uuid,
    pub staff_b: Uuid,
    pub version_a: i32,
    pub version_b: i32,
    pub reason: String,
}

pub async fn insert_swap(conn: &mut AsyncPgConnection, n: NewSwap) -> QueryResult<Swap> {
    diesel::insert_into(sw::table)
        .values((
            sw::id.eq(n.id),
            sw::center_id.eq(n.center_id),
            sw::assignment_a.eq(n.assignment_a),
            sw::assignment_b.eq(n.assignment_b),
            sw::staff_a.eq(n.staff_a),
            sw::staff_b.eq(n.staff_b),
            sw::status.eq("proposed"),
            sw::version_a.eq(n.version_a),
            sw::version_b.eq(n.version_b),
            sw::reason.eq(n.reason),
        ))
        .returning(Swap::as_returning())
        .get_result(conn)
        .await
}

pub async fn swap_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Swap> {
    sw::table
        .filter(sw::center_id.eq(center_id))
        .filter(sw::id.eq(id))
        .select(Swap::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn swap(conn: &mut AsyncPgConnection, center_id: Uuid, id: Uuid) -> QueryResult<Swap> {
    sw::table
        .filter(sw::center_id.eq(center_id))
        .filter(sw::id.eq(id))
        .select(Swap::as_select())
        .first(conn)
        .await
}

pub async fn set_swap_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    decided_by: Option<Uuid>,
    note: &str,
) -> QueryResult<Swap> {
    let now = Utc::now();
    diesel::update(sw::table.find(id))
        .set((
            sw::status.eq(status),
            sw::decided_by.eq(decided_by),
            sw::decided_at.eq(decided_by.map(|_| now)),
            sw::decision_note.eq(note),
            sw::version.eq(sw::version + 1),
            sw::updated_at.eq(now),
        ))
        .returning(Swap::as_returning())
        .get_result(conn)
        .await
}

pub async fn list_swaps(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    status: Option<String>,
    involving: Option<Uuid>,
    before: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<Swap>> {
    let mut q = sw::table
        .filter(sw::center_id.eq(center_id))
        .order(sw::id.desc())
        .limit(limit + 1)
        .select(Swap::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(sw::status.eq(s));
    }
    if let Some(p) = involving {
        q = q.filter(sw::staff_a.eq(p).or(sw::staff_b.eq(p)));
    }
    if let Some(b) = before {
        q = q.filter(sw::id.lt(b));
    }
    q.load(conn).await
}

pub struct NewLeave {
    pub id: Uuid,
    pub center_id: Uuid,
    pub staff_id: Uuid,
    pub kind: &'static str,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub reason: String,
}

pub async fn insert_leave(conn: &mut AsyncPgConnection, n: NewLeave) -> QueryResult<LeaveRequest> {
    diesel::insert_into(lr::table)
        .values((
            lr::id.eq(n.id),
            lr::center_id.eq(n.center_id),
            lr::staff_id.eq(n.staff_id),
            lr::kind.eq(n.kind),
            lr::start_date.eq(n.start),
            lr::end_date.eq(n.end),
            lr::reason.eq(n.reason),
            lr::status.eq("pending"),
        ))
        .returning(LeaveRequest::as_returning())
        .get_result(conn)
        .await
}

pub async fn leave_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<LeaveRequest> {
    lr::table
        .filter(lr::center_id.eq(center_id))
        .filter(lr::id.eq(id))
        .select(LeaveRequest::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn leave(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<LeaveRequest> {
    lr::table
        .filter(lr::center_id.eq(center_id))
        .filter(lr::id.eq(id))
        .select(LeaveRequest::as_select())
        .first(conn)
        .await
}

pub async fn set_leave_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: &str,
    decided_by: Option<Uuid>,
    note: &str,
) -> QueryResult<LeaveRequest> {
    let now = Utc::now();
    diesel::update(lr::table.find(id))
        .set((
            lr::status.eq(status),
            lr::decided_by.eq(decided_by),
            lr::decided_at.eq(decided_by.map(|_| now)),
            lr::decision_note.eq(note),
            lr::version.eq(lr::version + 1),
            lr::updated_at.eq(now),
        ))
        .returning(LeaveRequest::as_returning())
        .get_result(conn)
        .await
}

pub async fn list_leave(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    status: Option<String>,
    staff: Option<Uuid>,
    before: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<LeaveRequest>> {
    let mut q = lr::table
        .filter(lr::center_id.eq(center_id))
        .order(lr::id.desc())
        .limit(limit + 1)
        .select(LeaveRequest::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(lr::status.eq(s));
    }
    if let Some(p) = staff {
        q = q.filter(lr::staff_id.eq(p));
    }
    if let Some(b) = before {
        q = q.filter(lr::id.lt(b));
    }
    q.load(conn).await
}

/// Published duties a person is actually on (rostered without substitute, or substituting) in a range.
pub async fn duties_of(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    staff: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(Uuid, NaiveDate)>> {
    da::table
        .filter(da::center_id.eq(center_id))
        .filter(da::published.eq(true))
        .filter(da::date.ge(from))
        .filter(da::date.le(to))
        .filter(
            da::substitute_id
                .eq(staff)
                .or(da::substitute_id.is_null().and(da::staff_id.eq(staff))),
        )
        .order(da::date)
        .select((da::id, da::date))
        .load(conn)
        .await
}
