//! Queries for leader sit-ins. Every query is scoped by center.

use super::model::{AttendanceRow, PatternRow, PlanRow, SettingsRow};
use crate::db::schema::{
    sit_in_attendance as att, sit_in_patterns, sit_in_plans, sit_in_settings, staff,
};
use crate::org::model::StaffRow;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

// ---- settings ----

pub async fn settings(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<Option<SettingsRow>> {
    sit_in_settings::table
        .find(center_id)
        .select(SettingsRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks (creating with the defaults, version 0, if needed) the center's settings row.
pub async fn settings_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<SettingsRow> {
    diesel::insert_into(sit_in_settings::table)
        .values((
            sit_in_settings::center_id.eq(center_id),
            sit_in_settings::version.eq(0),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    sit_in_settings::table
        .find(center_id)
        .select(SettingsRow::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn save_settings(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    days_before: i32,
) -> QueryResult<SettingsRow> {
    diesel::update(sit_in_settings::table.find(center_id))
        .set((
            sit_in_settings::deadline_days_before.eq(days_before),
            sit_in_settings::version.eq(sit_in_settings::version + 1),
            sit_in_settings::updated_at.eq(Utc::now()),
        ))
        .returning(SettingsRow::as_returning())
        .get_result(conn)
        .await
}

// ---- leaders ----

/// Locks a staff member of the center (`FOR NO KEY UPDATE`): serialises the sit-in writes
/// for one leader and keeps their leader flag and department fixed until the transaction ends.
pub async fn staff_for_sit_in(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<StaffRow>> {
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::id.eq(id))
        .select(StaffRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

/// Active leaders of the center who belong to a department: `(leader, department)`, by employee number.
pub async fn current_leaders(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<Vec<(Uuid, Uuid, String, String)>> {
    let rows: Vec<(Uuid, Option<Uuid>, String, String)> = staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::active.eq(true))
        .filter(staff::leader.eq(true))
        .filter(staff::department_id.is_not_null())
        .order(staff::employee_no)
        .select((
            staff::id,
            staff::department_id,
            staff::name,
            staff::employee_no,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, d, name, no)| Some((id, d?, name, no)))
        .collect())
}

// ---- patterns ----

pub async fn pattern(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    leader_id: Uuid,
) -> QueryResult<Option<PatternRow>> {
    sit_in_patterns::table
        .filter(sit_in_patterns::center_id.eq(center_id))
        .filter(sit_in_patterns::leader_id.eq(leader_id))
        .select(PatternRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Inserts or replaces a leader's pattern (a replaced row's version goes up by one).
pub async fn save_pattern(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    leader_id: Uuid,
    weekdays: &[i32],
) -> QueryResult<PatternRow> {
    let now = Utc::now();
    diesel::insert_into(sit_in_patterns::table)
        .values((
            sit_in_patterns::leader_id.eq(leader_id),
            sit_in_patterns::center_id.eq(center_id),
            sit_in_patterns::weekdays.eq(weekdays),
            sit_in_patterns::created_at.eq(now),
            sit_in_patterns::updated_at.eq(now),
        ))
        .on_conflict(sit_in_patterns::leader_id)
        .do_update()
        .set((
            sit_in_patterns::weekdays.eq(weekdays),
            sit_in_patterns::version.eq(sit_in_patterns::version + 1),
            sit_in_patterns::updated_at.eq(now),
        ))
        .returning(PatternRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete_pattern(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    leader_id: Uuid,
) -> QueryResult<usize> {
    diesel::delete(
        sit_in_patterns::table
            .filter(sit_in_patterns::center_id.eq(center_id))
            .filter(sit_in_patterns::leader_id.eq(leader_id)),
    )
    .execute(conn)
    .await
}

/// A page of the center's patterns by leader id, with each leader's name, number and department.
pub async fn list_patterns(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<(PatternRow, String, String, Option<Uuid>)>> {
    let mut q = sit_in_patterns::table
        .inner_join(staff::table.on(staff::id.eq(sit_in_patterns::leader_id)))
        .filter(sit_in_patterns::center_id.eq(center_id))
        .order(sit_in_patterns::leader_id)
        .limit(limit + 1)
        .select((
            PatternRow::as_select(),
            staff::name,
            staff::employee_no,
            staff::department_id,
        ))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(sit_in_patterns::leader_id.gt(a));
    }
    q.load(conn).await
}

// ---- plans ----

pub async fn plan(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<(PlanRow, String, String)> {
    sit_in_plans::table
        .inner_join(staff::table.on(staff::id.eq(sit_in_plans::leader_id)))
        .filter(sit_in_plans::center_id.eq(center_id))
        .filter(sit_in_plans::id.eq(id))
        .select((PlanRow::as_select(), staff::name, staff::employee_no))
        .first(conn)
        .await
}

/// The leader's plan for the week, locked. Writers lock the leader first (see [`staff_for_sit_in`]).
pub async fn plan_of_week_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    week: NaiveDate,
    leader_id: Uuid,
) -> QueryResult<Option<PlanRow>> {
    sit_in_plans::table
        .filter(sit_in_plans::center_id.eq(center_id))
        .filter(sit_in_plans::week.eq(week))
        .filter(sit_in_plans::leader_id.eq(leader_id))
        .select(PlanRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert_plan(conn: &mut AsyncPgConnection, row: &PlanRow) -> QueryResult<PlanRow> {
    diesel::insert_into(sit_in_plans::table)
        .values(row)
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await
}

/// What a re-filing changes.
pub struct Refiling<'a> {
    pub department_id: Uuid,
    pub days: &'a [NaiveDate],
    pub from_pattern: bool,
    pub deadline: NaiveDate,
    pub late: bool,
    pub filed_at: DateTime<Utc>,
    pub filed_by: Option<Uuid>,
}

pub async fn replace_plan(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    r: Refiling<'_>,
) -> QueryResult<PlanRow> {
    diesel::update(sit_in_plans::table.find(id))
        .set((
            sit_in_plans::department_id.eq(r.department_id),
            sit_in_plans::days.eq(r.days),
            sit_in_plans::from_pattern.eq(r.from_pattern),
            sit_in_plans::deadline.eq(r.deadline),
            sit_in_plans::late.eq(r.late),
            sit_in_plans::filed_at.eq(r.filed_at),
            sit_in_plans::filed_by.eq(r.filed_by),
            sit_in_plans::version.eq(sit_in_plans::version + 1),
        ))
        .returning(PlanRow::as_returning())
        .get_result(conn)
        .await
}

/// A page of the week's plans by leader id, with each leader's name and number.
pub async fn list_plans(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    week: NaiveDate,
    leader_id: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<(PlanRow, String, String)>> {
    let mut q = sit_in_plans::table
        .inner_join(staff::table.on(staff::id.eq(sit_in_plans::leader_id)))
        .filter(sit_in_plans::center_id.eq(center_id))
        .filter(sit_in_plans::week.eq(week))
        .order(sit_in_plans::leader_id)
        .limit(limit + 1)
        .select((PlanRow::as_select(), staff::name, staff::employee_no))
        .into_boxed();
    if let Some(l) = leader_id {
        q = q.filter(sit_in_plans::leader_id.eq(l));
    }
    if let Some(a) = after {
        q = q.filter(sit_in_plans::leader_id.gt(a));
    }
    q.load(conn).await
}

/// Every plan of the week (for the compliance report).
pub async fn plans_of_week(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    week: NaiveDate,
) -> QueryResult<Vec<PlanRow>> {
    sit_in_plans::table
        .filter(sit_in_plans::center_id.eq(center_id))
        .filter(sit_in_plans::week.eq(week))
        .order(sit_in_plans::leader_id)
        .select(PlanRow::as_select())
        .load(conn)
        .await
}

// ---- attendance ----

pub async fn attendance_on(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    leader_id: Uuid,
    date: NaiveDate,
) -> QueryResult<Option<AttendanceRow>> {
    att::table
        .filter(att::center_id.eq(center_id))
        .filter(att::leader_id.eq(leader_id))
        .filter(att::date.eq(date))
        .select(AttendanceRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_attendance(
    conn: &mut AsyncPgConnection,
    row: &AttendanceRow,
) -> QueryResult<AttendanceRow> {
    diesel::insert_into(att::table)
        .values(row)
        .returning(AttendanceRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn attendance_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<AttendanceRow> {
    att::table
        .filter(att::center_id.eq(center_id))
        .filter(att::id.eq(id))
        .select(AttendanceRow::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn delete_attendance(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(att::table.find(id)).execute(conn).await
}

/// A page of the sit-ins recorded in `[from, to]` by `(date, leader)`, with names.
pub async fn list_attendance(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    (from, to): (NaiveDate, NaiveDate),
    leader_id: Option<Uuid>,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<(AttendanceRow, String, String)>> {
    let mut q = att::table
        .inner_join(staff::table.on(staff::id.eq(att::leader_id)))
        .filter(att::center_id.eq(center_id))
        .filter(att::date.between(from, to))
        .order((att::date, att::leader_id))
        .limit(limit + 1)
        .select((AttendanceRow::as_select(), staff::name, staff::employee_no))
        .into_boxed();
    if let Some(l) = leader_id {
        q = q.filter(att::leader_id.eq(l));
    }
    if let Some((d, l)) = after {
        q = q.filter(
            att::date
                .gt(d)
                .or(att::date.eq(d).and(att::leader_id.gt(l))),
        );
    }
    q.load(conn).await
}

/// Every sit-in recorded in `[from, to]` (for the compliance report).
pub async fn attendance_between(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<AttendanceRow>> {
    att::table
        .filter(att::center_id.eq(center_id))
        .filter(att::date.between(from, to))
        .order((att::date, att::leader_id))
        .select(AttendanceRow::as_select())
        .load(conn)
        .await
}
