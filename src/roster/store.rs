//! Queries for rotation settings, rosters and duty assignments.

use super::model::{Assignment, RosterRow, RosterStatus, Unit};
use super::reason::{Reason, RotationRule};
use crate::changes::workflow::LeaveStatus;
use crate::db::schema::{
    duty_assignments as da, leave_requests, rosters, rotation_members, rotation_settings,
};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rotation_settings)]
pub struct SettingsRow {
    pub center_id: Uuid,
    pub department_order: Vec<Uuid>,
    pub unit: Unit,
    pub supervisors_per_day: i32,
    pub version: i32,
    pub substitutions_need_approval: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rotation_members)]
pub struct MemberRow {
    pub staff_id: Uuid,
    pub center_id: Uuid,
    pub included: bool,
    pub queue_position: Option<i32>,
}

pub async fn settings(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<Option<SettingsRow>> {
    rotation_settings::table
        .find(center_id)
        .select(SettingsRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks (creating if needed) the settings row: serialises roster generation and settings edits.
pub async fn settings_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<SettingsRow> {
    diesel::insert_into(rotation_settings::table)
        .values(rotation_settings::center_id.eq(center_id))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    rotation_settings::table
        .find(center_id)
        .select(SettingsRow::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn save_settings(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    order: &[Uuid],
    unit: Unit,
    per_day: i32,
    substitutions_need_approval: bool,
) -> QueryResult<SettingsRow> {
    diesel::update(rotation_settings::table.find(center_id))
        .set((
            rotation_settings::substitutions_need_approval.eq(substitutions_need_approval),
            rotation_settings::department_order.eq(order),
            rotation_settings::unit.eq(unit),
            rotation_settings::supervisors_per_day.eq(per_day),
            rotation_settings::version.eq(rotation_settings::version + 1),
            rotation_settings::updated_at.eq(Utc::now()),
        ))
        .returning(SettingsRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn members(conn: &mut AsyncPgConnection, center_id: Uuid) -> QueryResult<Vec<MemberRow>> {
    rotation_members::table
        .filter(rotation_members::center_id.eq(center_id))
        .select(MemberRow::as_select())
        .load(conn)
        .await
}

pub async fn replace_members(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    rows: &[MemberRow],
) -> QueryResult<()> {
    diesel::delete(rotation_members::table.filter(rotation_members::center_id.eq(center_id)))
        .execute(conn)
        .await?;
    if !rows.is_empty() {
        diesel::insert_into(rotation_members::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Approved leave overlapping `[from, to]`: `(staff, start, end)`.
pub async fn approved_leave(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<(Uuid, NaiveDate, NaiveDate)>> {
    leave_requests::table
        .filter(leave_requests::center_id.eq(center_id))
        .filter(leave_requests::status.eq(LeaveStatus::Approved))
        .filter(leave_requests::start_date.le(to))
        .filter(leave_requests::end_date.ge(from))
        .select((
            leave_requests::staff_id,
            leave_requests::start_date,
            leave_requests::end_date,
        ))
        .load(conn)
        .await
}

/// The published roster that ends last before `before`.
pub async fn last_published_before(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    before: NaiveDate,
) -> QueryResult<Option<RosterRow>> {
    rosters::table
        .filter(rosters::center_id.eq(center_id))
        .filter(rosters::status.eq(RosterStatus::Published))
        .filter(rosters::end_date.lt(before))
        .order(rosters::end_date.desc())
        .select(RosterRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub struct NewRoster<'a> {
    pub id: Uuid,
    pub center_id: Uuid,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub unit: Unit,
    pub per_day: i32,
    pub start_state: serde_json::Value,
    pub shortfalls: serde_json::Value,
    pub created_by: Option<Uuid>,
    pub basis: serde_json::Value,
    pub confirmed_missing_holidays: &'a [i32],
}

pub async fn insert_roster(
    conn: &mut AsyncPgConnection,
    r: NewRoster<'_>,
    assignments: &[Assignment],
) -> QueryResult<RosterRow> {
    let row = diesel::insert_into(rosters::table)
        .values((
            rosters::id.eq(r.id),
            rosters::center_id.eq(r.center_id),
            rosters::start_date.eq(r.start),
            rosters::end_date.eq(r.end),
            rosters::unit.eq(r.unit),
            rosters::supervisors_per_day.eq(r.per_day),
            rosters::start_state.eq(r.start_state),
            rosters::shortfalls.eq(r.shortfalls),
            rosters::created_by.eq(r.created_by),
            rosters::basis.eq(r.basis),
            rosters::confirmed_missing_holidays.eq(r.confirmed_missing_holidays),
        ))
        .returning(RosterRow::as_returning())
        .get_result(conn)
        .await?;
    insert_assignments(conn, assignments).await?;
    Ok(row)
}

async fn insert_assignments(
    conn: &mut AsyncPgConnection,
    assignments: &[Assignment],
) -> QueryResult<()> {
    // One statement per chunk (PostgreSQL allows 65535 bind parameters; 12 per row).
    for chunk in assignments.chunks(2000) {
        diesel::insert_into(da::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Replaces a draft's generated content and assignments; its version goes up by one.
pub async fn replace_draft(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    r: NewRoster<'_>,
    assignments: &[Assignment],
) -> QueryResult<RosterRow> {
    diesel::delete(da::table.filter(da::roster_id.eq(id)))
        .execute(conn)
        .await?;
    let row = diesel::update(rosters::table.find(id))
        .set((
            rosters::unit.eq(r.unit),
            rosters::supervisors_per_day.eq(r.per_day),
            rosters::start_state.eq(r.start_state),
            rosters::shortfalls.eq(r.shortfalls),
            rosters::basis.eq(r.basis),
            rosters::confirmed_missing_holidays.eq(r.confirmed_missing_holidays),
            rosters::version.eq(rosters::version + 1),
            rosters::updated_at.eq(Utc::now()),
        ))
        .returning(RosterRow::as_returning())
        .get_result(conn)
        .await?;
    insert_assignments(conn, assignments).await?;
    Ok(row)
}

/// True when a published roster of the center starts after `end`.
pub async fn published_after(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    end: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        rosters::table
            .filter(rosters::center_id.eq(center_id))
            .filter(rosters::status.eq(RosterStatus::Published))
            .filter(rosters::start_date.gt(end)),
    ))
    .get_result(conn)
    .await
}

pub async fn roster(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<RosterRow> {
    rosters::table
        .filter(rosters::center_id.eq(center_id))
        .filter(rosters::id.eq(id))
        .select(RosterRow::as_select())
        .first(conn)
        .await
}

pub async fn roster_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<RosterRow> {
    rosters::table
        .filter(rosters::center_id.eq(center_id))
        .filter(rosters::id.eq(id))
        .select(RosterRow::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn list_rosters(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    status: Option<RosterStatus>,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<RosterRow>> {
    let mut q = rosters::table
        .filter(rosters::center_id.eq(center_id))
        .order((rosters::start_date.desc(), rosters::id))
        .limit(limit + 1)
        .select(RosterRow::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(rosters::status.eq(s));
    }
    if let Some((d, id)) = after {
        q = q.filter(
            rosters::start_date
                .lt(d)
                .or(rosters::start_date.eq(d).and(rosters::id.gt(id))),
        );
    }
    q.load(conn).await
}

pub async fn roster_assignments(
    conn: &mut AsyncPgConnection,
    roster_id: Uuid,
) -> QueryResult<Vec<Assignment>> {
    da::table
        .filter(da::roster_id.eq(roster_id))
        .order((da::date, da::slot))
        .select(Assignment::as_select())
        .load(conn)
        .await
}

pub async fn delete_roster(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(rosters::table.find(id)).execute(conn).await
}

pub async fn bump_roster(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<RosterRow> {
    diesel::update(rosters::table.find(id))
        .set((
            rosters::version.eq(rosters::version + 1),
            rosters::updated_at.eq(Utc::now()),
        ))
        .returning(RosterRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn publish_roster(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    end_state: serde_json::Value,
    by: Option<Uuid>,
    confirmed_short_days: &[NaiveDate],
) -> QueryResult<RosterRow> {
    let row = diesel::update(rosters::table.find(id))
        .set((
            rosters::confirmed_short_days.eq(confirmed_short_days),
            rosters::status.eq(RosterStatus::Published),
            rosters::end_state.eq(end_state),
            rosters::published_by.eq(by),
            rosters::published_at.eq(Utc::now()),
            rosters::version.eq(rosters::version + 1),
            rosters::updated_at.eq(Utc::now()),
        ))
        .returning(RosterRow::as_returning())
        .get_result(conn)
        .await?;
    diesel::update(da::table.filter(da::roster_id.eq(id)))
        .set(da::published.eq(true))
        .execute(conn)
        .await?;
    Ok(row)
}

pub async fn assignment(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Assignment> {
    da::table
        .filter(da::center_id.eq(center_id))
        .filter(da::id.eq(id))
        .select(Assignment::as_select())
        .first(conn)
        .await
}

pub async fn assignment_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Assignment> {
    da::table
        .filter(da::center_id.eq(center_id))
        .filter(da::id.eq(id))
        .select(Assignment::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Sets who is rostered (swap) and/or the substitute; bumps the version. A new `reason` also
/// clears the overrides (they were confirmed for the person it replaces).
pub async fn set_assignment_people(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    staff_id: Uuid,
    substitute_id: Option<Uuid>,
    reason: Option<&Reason>,
) -> QueryResult<Assignment> {
    let q = diesel::update(da::table.find(id));
    match reason {
        Some(r) => {
            q.set((
                da::staff_id.eq(staff_id),
                da::substitute_id.eq(substitute_id),
                da::reason.eq(r),
                da::overrides.eq(Vec::<RotationRule>::new()),
                da::version.eq(da::version + 1),
            ))
            .returning(Assignment::as_returning())
            .get_result(conn)
            .await
        }
        None => {
            q.set((
                da::staff_id.eq(staff_id),
                da::substitute_id.eq(substitute_id),
                da::version.eq(da::version + 1),
            ))
            .returning(Assignment::as_returning())
            .get_result(conn)
            .await
        }
    }
}

/// The office puts `staff_id` on a draft's duty, with the rules it confirmed overriding (none:
/// the mark is cleared); bumps the version.
pub async fn replace_person(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    staff_id: Uuid,
    reason: &Reason,
    overrides: &[RotationRule],
) -> QueryResult<Assignment> {
    diesel::update(da::table.find(id))
        .set((
            da::staff_id.eq(staff_id),
            da::substitute_id.eq(None::<Uuid>),
            da::reason.eq(reason),
            da::overrides.eq(overrides.to_vec()),
            da::version.eq(da::version + 1),
        ))
        .returning(Assignment::as_returning())
        .get_result(conn)
        .await
}

/// The dates among `dates` on which `staff` is on duty (rostered or substituting) in another
/// assignment than `except`: in roster `roster`, in a published roster, or in a draft that does
/// not overlap `roster`'s period `[start, end]` (a draft of the same period is an alternative to
/// it, not a neighbour).
pub async fn on_duty_dates(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    roster: (Uuid, NaiveDate, NaiveDate),
    dates: &[NaiveDate],
    staff: Uuid,
    except: Uuid,
) -> QueryResult<Vec<NaiveDate>> {
    let (roster_id, start, end) = roster;
    da::table
        .inner_join(rosters::table.on(rosters::id.eq(da::roster_id)))
        .filter(da::center_id.eq(center_id))
        .filter(da::date.eq_any(dates))
        .filter(da::id.ne(except))
        .filter(
            da::substitute_id
                .eq(staff)
                .or(da::substitute_id.is_null().and(da::staff_id.eq(staff))),
        )
        .filter(
            rosters::id
                .eq(roster_id)
                .or(da::published.eq(true))
                .or(rosters::end_date.lt(start))
                .or(rosters::start_date.gt(end)),
        )
        .select(da::date)
        .distinct()
        .order(da::date)
        .load(conn)
        .await
}

/// True when `staff` is on duty (rostered or substituting) on `date` in another assignment.
pub async fn on_duty_elsewhere(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    roster_id: Option<Uuid>,
    date: NaiveDate,
    staff: Uuid,
    except: Uuid,
) -> QueryResult<bool> {
    let mut q = da::table
        .filter(da::center_id.eq(center_id))
        .filter(da::date.eq(date))
        .filter(da::id.ne(except))
        .filter(
            da::substitute_id
                .eq(staff)
                .or(da::substitute_id.is_null().and(da::staff_id.eq(staff))),
        )
        .into_boxed();
    q = match roster_id {
        Some(r) => q.filter(da::roster_id.eq(r)),
        None => q.filter(da::published.eq(true)),
    };
    diesel::select(diesel::dsl::exists(q.select(da::id)))
        .get_result(conn)
        .await
}

pub struct AssignmentFilter {
    pub center_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Rostered or substituting.
    pub staff_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub after: Option<(NaiveDate, i32, Uuid)>,
    pub limit: i64,
}

/// Published assignments in a date range, in (date, slot, id) order.
pub async fn list_assignments(
    conn: &mut AsyncPgConnection,
    f: AssignmentFilter,
) -> QueryResult<Vec<Assignment>> {
    let mut q = da::table
        .filter(da::center_id.eq(f.center_id))
        .filter(da::published.eq(true))
        .filter(da::date.ge(f.from))
        .filter(da::date.le(f.to))
        .order((da::date, da::slot, da::id))
        .limit(f.limit + 1)
        .select(Assignment::as_select())
        .into_boxed();
    if let Some(s) = f.staff_id {
        q = q.filter(da::staff_id.eq(s).or(da::substitute_id.eq(s)));
    }
    if let Some(d) = f.department_id {
        q = q.filter(da::department_id.eq(d));
    }
    if let Some((d, slot, id)) = f.after {
        q = q.filter(
            da::date
                .gt(d)
                .or(da::date.eq(d).and(da::slot.gt(slot)))
                .or(da::date.eq(d).and(da::slot.eq(slot)).and(da::id.gt(id))),
        );
    }
    q.load(conn).await
}

#[derive(Debug, QueryableByName)]
pub struct DutyCount {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub staff_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub department_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub days: i64,
}

/// Published duty days over a range, per person actually on duty and the department whose
/// duty it was.
pub async fn duty_counts(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DutyCount>> {
    diesel::sql_query(
        "SELECT coalesce(substitute_id, staff_id) AS staff_id, department_id, count(*) AS days
         FROM duty_assignments
         WHERE center_id = $1 AND published AND date BETWEEN $2 AND $3
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind::<diesel::sql_types::Uuid, _>(center_id)
    .bind::<diesel::sql_types::Date, _>(from)
    .bind::<diesel::sql_types::Date, _>(to)
    .load(conn)
    .await
}

/// True when a published roster of the center overlaps `[from, to]`.
pub async fn published_overlapping(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        rosters::table
            .filter(rosters::center_id.eq(center_id))
            .filter(rosters::status.eq(RosterStatus::Published))
            .filter(rosters::start_date.le(to))
            .filter(rosters::end_date.ge(from)),
    ))
    .get_result(conn)
    .await
}
