//! Sit-in plans (R15): leaders file the days they will sit in the hall next week.
//!
//! Audit: entity type `sit_in_plan`, action `filed` (first filing for the leader and week,
//! `after` only) or `refiled` (a replacement, `before` and `after`).

use super::checks;
use super::compliance::{self, DayProblem};
use super::model::{PlanRow, SitInPlan};
use super::store::{self, Refiling};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::calendar::{rules as cal_rules, store as cal_store};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use crate::web::with_etag;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// The Monday of the week, `YYYY-MM-DD`, within 53 weeks of the current week.
    #[schema(value_type = String, format = Date, example = "2026-12-07")]
    pub week: String,
    /// 1–7 distinct working days of that week (`YYYY-MM-DD`). Omit (or `null`) to take the
    /// leader's weekday pattern for the week, dropping days the hall is closed.
    #[schema(value_type = Option<Vec<String>>, example = json!(["2026-12-08", "2026-12-10"]))]
    pub days: Option<Vec<String>>,
    /// Office admins: the leader to file for. Leaders omit it (or name themselves).
    pub leader_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// The Monday of the week, `YYYY-MM-DD` (required).
    #[param(value_type = String, format = Date, required = true, example = "2026-12-07")]
    pub week: Option<String>,
    /// Only this leader's plan.
    pub leader_id: Option<Uuid>,
}

fn day_error(i: usize, p: DayProblem) -> FieldError {
    let field = format!("days[{i}]");
    match p {
        DayProblem::OutsideWeek => FieldError::of(&field, FieldCode::OutsideWeek),
        DayProblem::NotWorkingDay => FieldError::of(&field, FieldCode::NotWorkingDay),
        DayProblem::Duplicate => FieldError::of(&field, FieldCode::DuplicateDay),
    }
}

/// Checks the shape of a request: the week, and the days when given.
fn parse(b: &PlanRequest) -> ApiResult<(NaiveDate, Option<Vec<NaiveDate>>)> {
    let mut errors = Vec::new();
    let week = checks::week("week", Some(&b.week))
        .map_err(|e| errors.push(e))
        .ok();
    let days = b.days.as_ref().map(|days| {
        if days.is_empty() || days.len() > 7 {
            errors.push(FieldError::of("days", FieldCode::PlanDaysLength));
        }
        days.iter()
            .enumerate()
            .filter_map(|(i, d)| {
                cal_rules::date(&format!("days[{i}]"), d)
                    .map_err(|e| errors.push(e))
                    .ok()
            })
            .collect::<Vec<_>>()
    });
    match week {
        Some(w) if errors.is_empty() => Ok((w, days)),
        _ => Err(ApiError::validation(errors)),
    }
}

/// File (or re-file) a leader's sit-in plan for a week (R15, R16).
///
/// A leader files for themself; an office admin files for any leader of the center with
/// `leader_id`. Without `days`, the leader's weekday pattern (R16) gives the working days of
/// the week it names.
///
/// The plan is on time when filed, by the center's local date, on or before the week's Monday
/// minus the center's `deadline_days_before` (default 7: by the end of the Monday one week
/// earlier). A later plan is accepted and marked `late`. Filing again for the same leader and
/// week replaces the plan (200): its days, department and lateness follow the new filing, so a
/// re-filing after the deadline makes the plan late; `first_filed_at` keeps the first filing.
#[utoipa::path(
    operation_id = "fileSitInPlan",
    tag = "sit-ins",
    request_body = PlanRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "First plan for the leader and week; `Location` and `ETag` set", body = SitInPlan),
        (status = 200, description = "The leader's plan for the week was replaced; `ETag` set", body = SitInPlan),
        (status = 400, description = "`validation_failed`: `week` missing, not `YYYY-MM-DD` (`invalid_date`), not a Monday (`not_monday`) or too far away (`out_of_range`); `days` empty or more than 7 (`length`); `days[i]` not a date, outside the week (`outside_week`), not a working day (`not_working_day`) or repeated (`duplicate`); `days` omitted and the leader has no pattern (`required`); `leader_id` unknown in the center (`unknown`) or not a leader (`not_a_leader`). Also `unknown_field` or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_a_leader`: the caller files for themself but is not an active department leader; `forbidden`: `leader_id` names someone else and the caller is not an office admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`pattern_gives_no_day`: `days` omitted and every pattern weekday is a non-working day that week; send `days`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leader-sit-ins/plans")]
pub async fn file(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<PlanRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let (week, given) = parse(&b)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let leader = checks::acting_leader(conn, &user, b.leader_id, "leader_id").await?;
        let center = user.center_id;
        let tz = checks::time_zone(conn, center).await?;
        let now = state.clock.now();
        let today = now.with_timezone(&tz).date_naive();
        checks::week_in_range("week", week, today).map_err(|e| ApiError::validation(vec![e]))?;
        let cal = cal_store::load(conn, center, week, compliance::week_end(week)).await?;
        let (days, from_pattern) = match given {
            Some(days) => {
                let days = compliance::check_days(week, &days, &cal).map_err(|ps| {
                    ApiError::validation(ps.into_iter().map(|(i, p)| day_error(i, p)).collect())
                })?;
                (days, false)
            }
            None => {
                let pattern = store::pattern(conn, center, leader.row.id)
                    .await?
                    .ok_or_else(|| {
                        ApiError::invalid(FieldError::of("days", FieldCode::RequiredPlanDays))
                    })?;
                let days = compliance::expand_pattern(week, &pattern.weekdays, &cal);
                if days.is_empty() {
                    return Err(ApiError::of(Code::PatternGivesNoDay));
                }
                (days, true)
            }
        };
        let days_before = checks::deadline_days_before(conn, center).await?;
        let t = compliance::timing(now, tz, week, days_before);
        let existing = store::plan_of_week_for_update(conn, center, week, leader.row.id).await?;
        let (row, first) = match existing {
            None => {
                let row = store::insert_plan(
                    conn,
                    &PlanRow {
                        id: Uuid::now_v7(),
                        center_id: center,
                        leader_id: leader.row.id,
                        department_id: leader.department_id,
                        week,
                        days,
                        from_pattern,
                        deadline: t.deadline,
                        late: t.late,
                        filed_at: now,
                        first_filed_at: now,
                        filed_by: user.staff_id,
                        version: 1,
                    },
                )
                .await?;
                audit::record(
                    conn,
                    AuditEntry::new(&user, "filed", "sit_in_plan", row.id).after(&row),
                )
                .await?;
                (row, true)
            }
            Some(before) => {
                let refiling = Refiling {
                    department_id: leader.department_id,
                    days: &days,
                    from_pattern,
                    deadline: t.deadline,
                    late: t.late,
                    filed_at: now,
                    filed_by: user.staff_id,
                };
                let row = store::replace_plan(conn, before.id, refiling).await?;
                audit::record(
                    conn,
                    AuditEntry::new(&user, "refiled", "sit_in_plan", row.id)
                        .before(&before)
                        .after(&row),
                )
                .await?;
                (row, false)
            }
        };
        let (id, version) = (row.id, row.version);
        let view = row.view(leader.row.name, leader.row.employee_no);
        Ok(if first {
            Reply::created(&view, version, format!("/api/v1/leader-sit-ins/plans/{id}"))
        } else {
            Reply::with_etag(&view, version)
        })
    })
    .await
}

/// The plans filed for a week, by leader id (every role of the center may read).
#[utoipa::path(
    operation_id = "listSitInPlans",
    tag = "sit-ins",
    params(PlanQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the week's plans", body = Page<SitInPlan>),
        (status = 400, description = "`validation_failed`: `week` missing, not a date or not a Monday; `limit` or `cursor` invalid; or a malformed query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leader-sit-ins/plans")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<PlanQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<SitInPlan>>> {
    let q = query.into_inner();
    let week =
        checks::week("week", q.week.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let limit = paging.limit()?;
    let after: Option<Uuid> = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows =
        store::list_plans(&mut conn, user.center_id, week, q.leader_id, after, limit).await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| r.0.leader_id,
        |(p, name, no)| p.view(name, no),
    )))
}

/// One plan.
#[utoipa::path(
    operation_id = "getSitInPlan",
    tag = "sit-ins",
    params(("id" = Uuid, Path, description = "Plan id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The plan; `ETag` set", body = SitInPlan),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan in the caller's center", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leader-sit-ins/plans/{id}")]
pub async fn get_one(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let (p, name, no) = store::plan(&mut conn, user.center_id, *id).await?;
    let version = p.version;
    Ok(with_etag(&p.view(name, no), version))
}
