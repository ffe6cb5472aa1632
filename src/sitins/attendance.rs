//! Who actually sat in the hall (R15): the office records each leader's sit-in days.
//!
//! Audit: entity type `sit_in_attendance`, action `recorded` (`after`) or `deleted` (`before`).

use super::checks;
use super::model::{AttendanceRow, SitInAttendance};
use super::store;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::calendar::{rules as cal_rules, store as cal_store};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceRequest {
    /// The leader who sat (an active department leader of the caller's center).
    pub leader_id: Uuid,
    /// The day, `YYYY-MM-DD`: a working day, not after today (center's time zone).
    #[schema(value_type = String, format = Date, example = "2026-12-08")]
    pub date: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttendanceQuery {
    /// The Monday of the week, `YYYY-MM-DD` (required).
    #[param(value_type = String, format = Date, required = true, example = "2026-12-07")]
    pub week: Option<String>,
    /// Only this leader's sit-ins.
    pub leader_id: Option<Uuid>,
}

/// Record that a leader sat in the hall on a day (office admin).
///
/// Idempotent per leader and date: recording a day already recorded changes nothing and
/// answers 200 with the existing record (no second audit event). The record keeps the leader's
/// department at the time of recording; compliance counts the sit-in there.
#[utoipa::path(
    operation_id = "recordSitInAttendance",
    tag = "sit-ins",
    request_body = AttendanceRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = SitInAttendance),
        (status = 200, description = "Already recorded: the existing record", body = SitInAttendance),
        (status = 400, description = "`validation_failed`: `date` not `YYYY-MM-DD` (`invalid_date`) or not a working day (`not_working_day`); `leader_id` unknown in the center (`unknown`) or not a leader (`not_a_leader`). Also `unknown_field` or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`date_in_future`: the day has not come yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leader-sit-ins/attendance")]
pub async fn record(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<AttendanceRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let b = body.into_inner();
    let date = cal_rules::date("date", &b.date).map_err(|e| ApiError::validation(vec![e]))?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center = user.center_id;
        let leader = checks::named_leader(conn, center, b.leader_id, "leader_id").await?;
        let tz = checks::time_zone(conn, center).await?;
        if date > checks::today(&state.clock, tz) {
            return Err(ApiError::of(Code::DateInFuture));
        }
        let cal = cal_store::load(conn, center, date, date).await?;
        if !cal.is_working_day(date) {
            return Err(ApiError::invalid(FieldError::of(
                "date",
                FieldCode::NotWorkingDay,
            )));
        }
        if let Some(existing) = store::attendance_on(conn, center, leader.row.id, date).await? {
            return Ok(Reply::ok(
                &existing.view(leader.row.name, leader.row.employee_no),
            ));
        }
        let row = store::insert_attendance(
            conn,
            &AttendanceRow {
                id: Uuid::now_v7(),
                center_id: center,
                leader_id: leader.row.id,
                department_id: leader.department_id,
                date,
                recorded_by: user.staff_id,
                recorded_at: state.clock.now(),
            },
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "recorded", "sit_in_attendance", row.id).after(&row),
        )
        .await?;
        let view = row.view(leader.row.name, leader.row.employee_no);
        Ok(Reply::json(StatusCode::CREATED, &view))
    })
    .await
}

/// The sit-ins recorded in a week, by date and leader id (every role of the center may read).
#[utoipa::path(
    operation_id = "listSitInAttendance",
    tag = "sit-ins",
    params(AttendanceQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the week's sit-ins", body = Page<SitInAttendance>),
        (status = 400, description = "`validation_failed`: `week` missing, not a date or not a Monday; `limit` or `cursor` invalid; or a malformed query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leader-sit-ins/attendance")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<AttendanceQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<SitInAttendance>>> {
    let q = query.into_inner();
    let week =
        checks::week("week", q.week.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let limit = paging.limit()?;
    let after: Option<(NaiveDate, Uuid)> = paging.after()?;
    let range = (week, super::compliance::week_end(week));
    let mut conn = state.pool.get().await?;
    let rows =
        store::list_attendance(&mut conn, user.center_id, range, q.leader_id, after, limit).await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| (r.0.date, r.0.leader_id),
        |(a, name, no)| a.view(name, no),
    )))
}

/// Undo a mistaken sit-in record (office admin).
#[utoipa::path(
    operation_id = "deleteSitInAttendance",
    tag = "sit-ins",
    params(("id" = Uuid, Path, description = "Sit-in record id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such record in the caller's center", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/leader-sit-ins/attendance/{id}")]
pub async fn remove(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let id = *id;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let before = store::attendance_for_update(conn, user.center_id, id).await?;
        store::delete_attendance(conn, id).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "deleted", "sit_in_attendance", id).before(&before),
        )
        .await?;
        Ok(Reply::no_content())
    })
    .await
}
