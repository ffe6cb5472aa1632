//! Queries for substitutions, swaps and leave requests.

use super::model::{LeaveKind, LeaveRequest, Substitution, Swap};
use super::workflow::{LeaveStatus, SubstitutionStatus, SwapStatus};
use crate::db::schema::{
    duty_assignments as da, leave_requests as lr, substitutions as sb, swaps as sw,
};
use crate::lifecycle::list::Filter;
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// True when one of these duties has an open substitution or swap (proposed or accepted). The
/// caller holds the duties' rows locked, so the answer stays true until it commits.
pub async fn open_change(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<bool> {
    let subs: bool = diesel::select(diesel::dsl::exists(
        sb::table.filter(sb::assignment_id.eq_any(ids)).filter(
            sb::status.eq_any([SubstitutionStatus::Proposed, SubstitutionStatus::Accepted]),
        ),
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
            .filter(sw::status.eq_any([SwapStatus::Proposed, SwapStatus::Accepted])),
    ))
    .get_result(conn)
    .await
}

/// The queries every kind of change request has: one row (locked or not), its new state, and a
/// page of the center's rows newest first, `involving` one person as the kind defines it.
macro_rules! request_queries {
    (
        $t:ident, $row:ty, $status:ty,
        find = $find:ident, set_status = $set:ident, page = $page:ident,
        involving = |$p:ident| $involving:expr $(,)?
    ) => {
        /// The row `id` of the center; `lock` holds it until the transaction ends.
        pub async fn $find(
            conn: &mut AsyncPgConnection,
            center_id: Uuid,
            id: Uuid,
            lock: bool,
        ) -> QueryResult<$row> {
            let q = $t::table
                .filter($t::center_id.eq(center_id))
                .filter($t::id.eq(id))
                .select(<$row>::as_select());
            if lock {
                q.for_update().first(conn).await
            } else {
                q.first(conn).await
            }
        }

        /// Stores a new state with the last decision (`decided_at` set when there is one).
        pub async fn $set(
            conn: &mut AsyncPgConnection,
            id: Uuid,
            status: $status,
            decided_by: Option<Uuid>,
            note: &str,
        ) -> QueryResult<$row> {
            let now = Utc::now();
            diesel::update($t::table.find(id))
                .set((
                    $t::status.eq(status),
                    $t::decided_by.eq(decided_by),
                    $t::decided_at.eq(decided_by.map(|_| now)),
                    $t::decision_note.eq(note),
                    $t::version.eq($t::version + 1),
                    $t::updated_at.eq(now),
                ))
                .returning(<$row>::as_returning())
                .get_result(conn)
                .await
        }

        /// Up to `f.fetch` rows of the center matching `f`, newest first.
        pub async fn $page(
            conn: &mut AsyncPgConnection,
            f: Filter<$status>,
        ) -> QueryResult<Vec<$row>> {
            let mut q = $t::table
                .filter($t::center_id.eq(f.center_id))
                .order($t::id.desc())
                .limit(f.fetch)
                .select(<$row>::as_select())
                .into_boxed();
            if let Some(s) = f.status {
                q = q.filter($t::status.eq(s));
            }
            if let Some($p) = f.involving {
                q = q.filter($involving);
            }
            if let Some(b) = f.before {
                q = q.filter($t::id.lt(b));
            }
            q.load(conn).await
        }
    };
}

request_queries!(
    sb,
    Substitution,
    SubstitutionStatus,
    find = substitution,
    set_status = set_substitution_status,
    page = substitutions,
    involving = |p| sb::original_staff_id.eq(p).or(sb::substitute_id.eq(p)),
);

request_queries!(
    sw,
    Swap,
    SwapStatus,
    find = swap,
    set_status = set_swap_status,
    page = swaps,
    involving = |p| sw::staff_a.eq(p).or(sw::staff_b.eq(p)),
);

request_queries!(
    lr,
    LeaveRequest,
    LeaveStatus,
    find = leave,
    set_status = set_leave_status,
    page = leaves,
    involving = |p| lr::staff_id.eq(p),
);

pub struct NewSubstitution {
    pub id: Uuid,
    pub center_id: Uuid,
    pub assignment_id: Uuid,
    pub original_staff_id: Uuid,
    pub substitute_id: Uuid,
    pub status: SubstitutionStatus,
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
            sw::status.eq(SwapStatus::Proposed),
            sw::version_a.eq(n.version_a),
            sw::version_b.eq(n.version_b),
            sw::reason.eq(n.reason),
        ))
        .returning(Swap::as_returning())
        .get_result(conn)
        .await
}

pub struct NewLeave {
    pub id: Uuid,
    pub center_id: Uuid,
    pub staff_id: Uuid,
    pub kind: LeaveKind,
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
            lr::status.eq(LeaveStatus::Pending),
        ))
        .returning(LeaveRequest::as_returning())
        .get_result(conn)
        .await
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
