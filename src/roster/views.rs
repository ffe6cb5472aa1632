//! Read views over published duty: assignments, who is on duty on a day, statistics (the
//! caller's own duties are in `feeds`).

use super::model::AssignmentView;
use super::store::{self, AssignmentFilter};
use crate::AppState;
use crate::calendar::workdays::DayKind;
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::export::{self, Format, Table};
use crate::org::store as org_store;
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Longest range a view may ask for, in days.
const MAX_RANGE: i64 = 366;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    /// First day, `YYYY-MM-DD` (included).
    pub from: NaiveDate,
    /// Last day, `YYYY-MM-DD` (included): not before `from`, at most 365 days after it (366 days
    /// counting both ends).
    pub to: NaiveDate,
    /// Rostered or substituting.
    pub staff_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day, `YYYY-MM-DD` (included).
    pub from: NaiveDate,
    /// Last day, `YYYY-MM-DD` (included): not before `from`, at most 365 days after it (366 days
    /// counting both ends).
    pub to: NaiveDate,
    /// `json` (default), `csv` (UTF-8 with BOM) or `xlsx`.
    pub format: Option<Format>,
}

pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), ApiError> {
    if to < from {
        return Err(ApiError::invalid(FieldError::of(
            "to",
            FieldCode::BeforeFrom,
        )));
    }
    if (to - from).num_days() >= MAX_RANGE {
        return Err(ApiError::invalid(
            FieldError::of("to", FieldCode::TooManyDays).param("max", MAX_RANGE),
        ));
    }
    Ok(())
}

/// Published duty assignments in a date range.
#[utoipa::path(
    operation_id = "listDutyAssignments",
    tag = "duty",
    params(AssignmentQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page, by date and slot", body = Page<AssignmentView>),
        (status = 400, description = "`validation_failed` (range, limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty-assignments")]
pub async fn list_assignments(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<AssignmentQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<AssignmentView>>> {
    let q = query.into_inner();
    let page = assignment_page(
        &state,
        user.center_id,
        (q.from, q.to),
        (q.staff_id, q.department_id),
        &paging,
    )
    .await?;
    Ok(web::Json(page))
}

/// One page of published assignments in `range` (checked), narrowed to a person (rostered or
/// substituting) and/or a department, with names; in (date, slot, id) order.
pub async fn assignment_page(
    state: &AppState,
    center_id: Uuid,
    (from, to): (NaiveDate, NaiveDate),
    (staff_id, department_id): (Option<Uuid>, Option<Uuid>),
    paging: &PageParams,
) -> ApiResult<Page<AssignmentView>> {
    check_range(from, to)?;
    let limit = paging.limit()?;
    let after = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list_assignments(
        &mut conn,
        AssignmentFilter {
            center_id,
            from,
            to,
            staff_id,
            department_id,
            after,
            limit,
        },
    )
    .await?;
    let rows = AssignmentView::load(&mut conn, center_id, rows).await?;
    Ok(pagination::page(
        rows,
        limit,
        |a| (a.assignment.date, a.assignment.slot, a.assignment.id),
        |a| a,
    ))
}

/// One supervisor on duty on a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnDuty {
    /// Who is actually on duty (the substitute when one holds the day).
    pub staff_id: Uuid,
    pub staff_name: String,
    /// The rostered supervisor.
    pub rostered_staff_id: Uuid,
    pub rostered_staff_name: String,
    pub substitute: bool,
    pub department_id: Uuid,
    pub department_name: String,
    pub assignment_id: Uuid,
    pub slot: i32,
    /// This supervisor's check-in that day (R7), `null` while none yet.
    pub check_in: Option<crate::dutyday::model::CheckIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyDay {
    pub date: NaiveDate,
    /// The day's kind on the center's calendar now.
    pub kind: DayKind,
    /// e.g. 国庆节 or the reason of a closure.
    pub day_name: Option<String>,
    /// True when the hall opens that day and duty runs.
    pub working: bool,
    /// The published duties of the day (after substitutions), empty when no published roster
    /// covers it. When the day stopped being a working day after publication (a closure or a
    /// newly loaded holiday), they are still listed and `conflict` is `not_working_day`: duty
    /// does not run, and the office settles it (tells the people, moves the duty).
    pub on_duty: Vec<OnDuty>,
    /// The day's door and closing checks in short (R7): counts and the items missing (past
    /// due, not recorded), late, to review or early, by the server's clock; item by item at
    /// `GET /duty-days/{date}/door-checks`.
    pub door_checks: crate::dutyday::doors::model::DoorCheckSummary,
    /// The handover the day gave to the next working day and the one it received: state,
    /// on time or late, items confirmed of total (R8, R12).
    pub handover: crate::dutyday::handover::model::DayHandoverState,
    /// `not_working_day` as described above; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<DayConflict>,
    /// The day's inspection findings in the order received, with names (window staff see only
    /// those about themselves); the full finding is `getInspection`.
    pub inspections: Vec<crate::inspections::model::InspectionSummary>,
    /// The day's duty log: none, draft, submitted or acknowledged, and when it was submitted.
    pub log: crate::dutylog::model::LogSummary,
    /// The front-desk attendance of the day in numbers (the sheet is
    /// `GET /duty-days/{date}/attendance`).
    pub attendance: crate::attendance::model::AttendanceCounts,
}

/// What is wrong with a published duty day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayConflict {
    /// Duties are published on a day the hall is now closed.
    NotWorkingDay,
}

/// The duty day of `date` as `user` may see it, as of `now`: the calendar's word on it, who is
/// on duty with names and check-ins, the door checks' summary and the day's findings. A
/// constant number of queries.
pub async fn load_duty_day(
    conn: &mut diesel_async::AsyncPgConnection,
    user: &CurrentUser,
    date: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<DutyDay> {
    let center_id = user.center_id;
    let rows = crate::dutyday::powers::on_duty(conn, center_id, date).await?;
    let cal = crate::calendar::store::load(conn, center_id, date, date).await?;
    let day = cal.day(date);
    let rows = AssignmentView::load(conn, center_id, rows).await?;
    let mut check_ins = crate::dutyday::store::of_day(conn, center_id, date).await?;
    let handover = crate::dutyday::handover::day_state(conn, center_id, date).await?;
    let working = day.kind.is_working();
    let inspections = crate::inspections::reads::day_summary(conn, user, date).await?;
    let center = org_store::center(conn, center_id).await?;
    let door_checks = crate::dutyday::doors::day::load(conn, &center, date, now)
        .await?
        .summary;
    let log = crate::dutylog::store::of_day(conn, center_id, date, false).await?;
    let attendance = crate::attendance::sheet::counts(conn, center_id, date).await?;
    Ok(DutyDay {
        inspections,
        log: crate::dutylog::view::summary(log.as_ref()),
        attendance,
        date,
        kind: day.kind,
        day_name: day.name.map(str::to_owned),
        working,
        door_checks,
        handover,
        conflict: (!working && !rows.is_empty()).then_some(DayConflict::NotWorkingDay),
        on_duty: rows
            .into_iter()
            .map(|v| OnDuty {
                check_in: check_ins
                    .iter()
                    .position(|c| c.staff_id == v.on_duty_staff_id)
                    .map(|i| check_ins.swap_remove(i).view(v.on_duty_name.clone())),
                staff_id: v.on_duty_staff_id,
                staff_name: v.on_duty_name,
                rostered_staff_id: v.assignment.staff_id,
                rostered_staff_name: v.staff_name,
                substitute: v.assignment.substitute_id.is_some(),
                department_id: v.assignment.department_id,
                department_name: v.department_name,
                assignment_id: v.assignment.id,
                slot: v.assignment.slot,
            })
            .collect(),
    })
}

/// The duty day in one answer, what the phone's home screen needs: who is on duty after
/// substitutions, with names and each supervisor's check-in; the door checks, the day's
/// findings, the duty log's state, the front-desk attendance in numbers, and the handovers the
/// day gave and received. Supervisor powers for the day follow this answer.
#[utoipa::path(
    tag = "duty",
    operation_id = "getDutyDay",
    params(("date" = NaiveDate, Path, description = "YYYY-MM-DD in the center's calendar")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The day: calendar kind, supervisors, and `conflict` when duties are published on a day that is no longer a working day", body = DutyDay),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty-days/{date}")]
pub async fn duty_day(
    user: CurrentUser,
    state: web::Data<AppState>,
    date: web::Path<NaiveDate>,
) -> ApiResult<web::Json<DutyDay>> {
    let mut conn = state.pool.get().await?;
    Ok(web::Json(
        load_duty_day(&mut conn, &user, *date, state.clock.now()).await?,
    ))
}

/// Today's duty day in the center's time zone (the server's clock decides).
#[utoipa::path(
    tag = "duty",
    operation_id = "getTodaysDutyDay",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Today's duty day", body = DutyDay),
    )
)]
#[get("/duty-days/today")]
pub async fn duty_today(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<DutyDay>> {
    let mut conn = state.pool.get().await?;
    let today = crate::org::store::center(&mut conn, user.center_id)
        .await?
        .today(&state.clock);
    Ok(web::Json(
        load_duty_day(&mut conn, &user, today, state.clock.now()).await?,
    ))
}

/// The caller's next duty and who is on duty with them that day.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextDuty {
    /// The next duty the caller serves (today's included), `null` when none within a year.
    pub duty: Option<AssignmentView>,
    /// That day with everyone on duty (the caller among them), `null` with no duty.
    pub day: Option<DutyDay>,
}

/// My next duty and who is with me: today's or the next one the caller serves (handed-away
/// duties do not count; duties taken over as substitute do).
#[utoipa::path(
    tag = "duty",
    operation_id = "getMyNextDuty",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The next duty, or nulls when there is none within a year", body = NextDuty),
        (status = 404, description = "The token's subject is not a staff member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/next-duty")]
pub async fn my_next_duty(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<NextDuty>> {
    let me = user.staff_id.ok_or_else(ApiError::not_found)?;
    let mut conn = state.pool.get().await?;
    let today = org_store::center(&mut conn, user.center_id)
        .await?
        .today(&state.clock);
    let mut after = None;
    loop {
        let rows = store::list_assignments(
            &mut conn,
            AssignmentFilter {
                center_id: user.center_id,
                from: today,
                to: today + chrono::Duration::days(MAX_RANGE - 1),
                staff_id: Some(me),
                department_id: None,
                after,
                limit: 50,
            },
        )
        .await?;
        let more = rows.len() > 50;
        let page: Vec<_> = rows.into_iter().take(50).collect();
        after = page.last().map(|a| (a.date, a.slot, a.id));
        if let Some(a) = page.into_iter().find(|a| a.on_duty() == me) {
            let date = a.date;
            let duty = AssignmentView::load(&mut conn, user.center_id, vec![a])
                .await?
                .pop();
            let day = load_duty_day(&mut conn, &user, date, state.clock.now()).await?;
            return Ok(web::Json(NextDuty {
                duty,
                day: Some(day),
            }));
        }
        if !more {
            return Ok(web::Json(NextDuty {
                duty: None,
                day: None,
            }));
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffDutyCount {
    pub staff_id: Uuid,
    pub employee_no: String,
    pub name: String,
    pub duty_days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentDutyCount {
    pub department_id: Uuid,
    pub code: String,
    pub name: String,
    pub duty_days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyStatistics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days each person was actually on duty (substitutes counted for the day they covered),
    /// by employee number.
    pub staff: Vec<StaffDutyCount>,
    /// Duty days held by each department, in rotation order.
    pub departments: Vec<DepartmentDutyCount>,
}

/// Duty days per staff member and per department over a range (fairness at a glance).
/// `?format=csv|xlsx` downloads the same figures as a table.
#[utoipa::path(
    operation_id = "getDutyStatistics",
    tag = "duty",
    params(RangeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Counts (JSON), or the same as a CSV or XLSX download", headers(("X-Data-Staleness" = u32, description = "Upper bound, in whole seconds, of how old the data may be: `0` when the primary served it, else the read replica's measured lag (see docs/scaling.md)")), content(
            (DutyStatistics = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "`validation_failed` (range) or malformed query (e.g. an unknown format)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty-statistics")]
pub async fn statistics(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RangeQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    check_range(q.from, q.to)?;
    let mut conn = state.read_conn().await?;
    let rows = store::duty_counts(&mut conn, user.center_id, q.from, q.to).await?;
    let mut staff: BTreeMap<Uuid, i64> = BTreeMap::new();
    let mut depts: BTreeMap<Uuid, i64> = BTreeMap::new();
    for r in rows {
        *staff.entry(r.staff_id).or_default() += r.days;
        *depts.entry(r.department_id).or_default() += r.days;
    }
    let ids: Vec<Uuid> = staff.keys().copied().collect();
    let mut people = org_store::staff_by_ids(&mut conn, user.center_id, &ids).await?;
    people.sort_by(|a, b| a.employee_no.cmp(&b.employee_no));
    let ids: Vec<Uuid> = depts.keys().copied().collect();
    let units = org_store::departments_by_ids(&mut conn, user.center_id, &ids).await?;
    let stats = DutyStatistics {
        from: q.from,
        to: q.to,
        staff: people
            .into_iter()
            .map(|p| StaffDutyCount {
                duty_days: staff.get(&p.id).copied().unwrap_or_default(),
                staff_id: p.id,
                employee_no: p.employee_no,
                name: p.name,
            })
            .collect(),
        departments: units
            .into_iter()
            .map(|d| DepartmentDutyCount {
                duty_days: depts.get(&d.id).copied().unwrap_or_default(),
                department_id: d.id,
                code: d.code,
                name: d.name,
            })
            .collect(),
    };
    let resp = export::respond(q.format, &stats, || Table {
        name: format!("duty-statistics-{}-{}", q.from, q.to),
        headers: vec!["类别 kind", "编号 code", "名称 name", "值班天数 duty_days"],
        rows: stats
            .departments
            .iter()
            .map(|d| {
                vec![
                    "部门 department".into(),
                    d.code.as_str().into(),
                    d.name.as_str().into(),
                    d.duty_days.into(),
                ]
            })
            .chain(stats.staff.iter().map(|p| {
                vec![
                    "人员 staff".into(),
                    p.employee_no.as_str().into(),
                    p.name.as_str().into(),
                    p.duty_days.into(),
                ]
            }))
            .collect(),
    })
    .await?;
    Ok(crate::web::with_staleness(resp, conn.staleness_secs()))
}
