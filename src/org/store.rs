//! Queries for centers, departments and staff. Every query is scoped by center.

use super::model::{Center, Department, StaffRow};
use crate::db::schema::{centers, departments, staff};
use chrono::{NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

// ---- centers ----

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = centers)]
pub struct CenterChanges {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub opening_time: Option<NaiveTime>,
    pub closing_time: Option<NaiveTime>,
    pub duty_start_time: Option<NaiveTime>,
    pub duty_end_time: Option<NaiveTime>,
    pub arrival_lead_minutes: Option<i32>,
    pub closing_lead_minutes: Option<i32>,
    pub duty_grace_minutes: Option<i32>,
}

pub async fn center(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Center> {
    centers::table
        .find(id)
        .select(Center::as_select())
        .first(conn)
        .await
}

pub async fn center_for_update(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Center> {
    centers::table
        .find(id)
        .select(Center::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn center_by_code(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Option<Center>> {
    centers::table
        .filter(centers::code.eq(code))
        .select(Center::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn update_center(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: CenterChanges,
) -> QueryResult<Center> {
    diesel::update(centers::table.find(id))
        .set((
            changes,
            centers::version.eq(centers::version + 1),
            centers::updated_at.eq(Utc::now()),
        ))
        .returning(Center::as_returning())
        .get_result(conn)
        .await
}

pub async fn insert_center(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    code: &str,
    name: &str,
) -> QueryResult<Center> {
    diesel::insert_into(centers::table)
        .values((
            centers::id.eq(id),
            centers::code.eq(code),
            centers::name.eq(name),
        ))
        .returning(Center::as_returning())
        .get_result(conn)
        .await
}

// ---- departments ----

#[derive(Debug, Insertable)]
#[diesel(table_name = departments)]
pub struct NewDepartment {
    pub id: Uuid,
    pub center_id: Uuid,
    pub name: String,
    pub code: String,
    pub rotation_order: i32,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = departments)]
pub struct DepartmentChanges {
    pub name: Option<String>,
    pub code: Option<String>,
    pub rotation_order: Option<i32>,
    pub active: Option<bool>,
}

pub async fn list_departments(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    active: Option<bool>,
    after: Option<(i32, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<Department>> {
    let mut q = departments::table
        .filter(departments::center_id.eq(center_id))
        .order((departments::rotation_order, departments::id))
        .limit(limit + 1)
        .select(Department::as_select())
        .into_boxed();
    if let Some(a) = active {
        q = q.filter(departments::active.eq(a));
    }
    if let Some((order, id)) = after {
        q = q.filter(
            departments::rotation_order
                .gt(order)
                .or(departments::rotation_order
                    .eq(order)
                    .and(departments::id.gt(id))),
        );
    }
    q.load(conn).await
}

pub async fn department(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Department> {
    departments::table
        .filter(departments::center_id.eq(center_id))
        .filter(departments::id.eq(id))
        .select(Department::as_select())
        .first(conn)
        .await
}

pub async fn department_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Department> {
    departments::table
        .filter(departments::center_id.eq(center_id))
        .filter(departments::id.eq(id))
        .select(Department::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn insert_department(
    conn: &mut AsyncPgConnection,
    new: NewDepartment,
) -> QueryResult<Department> {
    diesel::insert_into(departments::table)
        .values(new)
        .returning(Department::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_department(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: DepartmentChanges,
) -> QueryResult<Department> {
    diesel::update(departments::table.find(id))
        .set((
            changes,
            departments::version.eq(departments::version + 1),
            departments::updated_at.eq(Utc::now()),
        ))
        .returning(Department::as_returning())
        .get_result(conn)
        .await
}

/// True when `id` is an active department of the center.
pub async fn department_is_active(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        departments::table
            .filter(departments::center_id.eq(center_id))
            .filter(departments::id.eq(id))
            .filter(departments::active.eq(true)),
    ))
    .get_result(conn)
    .await
}

// ---- staff ----

#[derive(Debug, Insertable)]
#[diesel(table_name = staff)]
pub struct NewStaff {
    pub id: Uuid,
    pub center_id: Uuid,
    pub department_id: Option<Uuid>,
    pub employee_no: String,
    pub name: String,
    pub position: Option<String>,
    pub roles: Vec<String>,
    pub leader: bool,
    pub phone: Option<String>,
    pub password_hash: String,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = staff)]
pub struct StaffChanges {
    pub name: Option<String>,
    pub employee_no: Option<String>,
    pub department_id: Option<Option<Uuid>>,
    pub position: Option<Option<String>>,
    pub roles: Option<Vec<String>>,
    pub leader: Option<bool>,
    pub phone: Option<Option<String>>,
    pub active: Option<bool>,
}

pub struct StaffFilter {
    pub center_id: Uuid,
    pub department_id: Option<Uuid>,
    pub role: Option<String>,
    pub position: Option<String>,
    pub active: Option<bool>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list_staff(
    conn: &mut AsyncPgConnection,
    f: StaffFilter,
) -> QueryResult<Vec<StaffRow>> {
    let mut q = staff::table
        .filter(staff::center_id.eq(f.center_id))
        .order(staff::id)
        .limit(f.limit + 1)
        .select(StaffRow::as_select())
        .into_boxed();
    if let Some(d) = f.department_id {
        q = q.filter(staff::department_id.eq(d));
    }
    if let Some(r) = f.role {
        q = q.filter(staff::roles.contains(vec![r]));
    }
    if let Some(p) = f.position {
        q = q.filter(staff::position.eq(p));
    }
    if let Some(a) = f.active {
        q = q.filter(staff::active.eq(a));
    }
    if let Some(after) = f.after {
        q = q.filter(staff::id.gt(after));
    }
    q.load(conn).await
}

pub async fn staff_by_id(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<StaffRow> {
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::id.eq(id))
        .select(StaffRow::as_select())
        .first(conn)
        .await
}

pub async fn staff_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<StaffRow> {
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::id.eq(id))
        .select(StaffRow::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn insert_staff(conn: &mut AsyncPgConnection, new: NewStaff) -> QueryResult<StaffRow> {
    diesel::insert_into(staff::table)
        .values(new)
        .returning(StaffRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update_staff(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: StaffChanges,
) -> QueryResult<StaffRow> {
    diesel::update(staff::table.find(id))
        .set((
            changes,
            staff::version.eq(staff::version + 1),
            staff::updated_at.eq(Utc::now()),
        ))
        .returning(StaffRow::as_returning())
        .get_result(conn)
        .await
}

/// Bumps the version of a staff row whose password was reset (the row changed).
pub async fn touch_staff(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<StaffRow> {
    diesel::update(staff::table.find(id))
        .set((
            staff::version.eq(staff::version + 1),
            staff::updated_at.eq(Utc::now()),
        ))
        .returning(StaffRow::as_returning())
        .get_result(conn)
        .await
}

/// Active departments of a center in rotation order (for roster generation).
pub async fn active_departments(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<Vec<Department>> {
    departments::table
        .filter(departments::center_id.eq(center_id))
        .filter(departments::active.eq(true))
        .order((departments::rotation_order, departments::id))
        .select(Department::as_select())
        .load(conn)
        .await
}

/// Active staff of a center who belong to a department, by employee number.
pub async fn active_department_staff(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<Vec<StaffRow>> {
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::active.eq(true))
        .filter(staff::department_id.is_not_null())
        .order(staff::employee_no)
        .select(StaffRow::as_select())
        .load(conn)
        .await
}

/// Locks a staff row (without blocking foreign-key checks): serialises decisions about one
/// person, e.g. approving their leave while a substitution for them is registered.
pub async fn lock_staff(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<()> {
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::id.eq(id))
        .select(staff::id)
        .for_no_key_update()
        .first::<Uuid>(conn)
        .await
        .map(|_| ())
}

/// Staff rows of the center with these ids (any state), for labelling reports.
pub async fn staff_by_ids(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<StaffRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::id.eq_any(ids))
        .select(StaffRow::as_select())
        .load(conn)
        .await
}

/// Departments of the center with these ids (any state), for labelling reports.
pub async fn departments_by_ids(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<Department>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    departments::table
        .filter(departments::center_id.eq(center_id))
        .filter(departments::id.eq_any(ids))
        .order((departments::rotation_order, departments::id))
        .select(Department::as_select())
        .load(conn)
        .await
}

/// Active departments of a center by code: `(code, id, name)` (for the staff import).
pub async fn active_department_codes(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<Vec<(String, Uuid, String)>> {
    departments::table
        .filter(departments::center_id.eq(center_id))
        .filter(departments::active.eq(true))
        .select((departments::code, departments::id, departments::name))
        .load(conn)
        .await
}

/// Which of `nos` are already employee numbers in the center (active or not).
pub async fn taken_employee_nos(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    nos: &[String],
) -> QueryResult<Vec<String>> {
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::employee_no.eq_any(nos))
        .select(staff::employee_no)
        .load(conn)
        .await
}
