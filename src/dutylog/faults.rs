//! Facility faults reported for repair (R13): `POST /facility-faults` (a supervisor on duty
//! today), `POST /facility-faults/{id}/repaired` (a supervisor on duty today or an office admin),
//! `GET /facility-faults`. Open faults carry over: each day's log lists those open that day.
//!
//! Audit: entity type `facility_fault`, actions `reported` (`after`), `repaired` (before/after).

use super::model::{Fault, FaultInput, FaultRow, RepairInput};
use super::store::{self, FaultFilter};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::dutyday::gate;
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::names::Names;
use crate::org::rules::{self as org_rules, Errors};
use crate::org::store as org_store;
use crate::pagination::{self, Page, PageParams};
use crate::principal::{CurrentUser, Role};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

const ENTITY: &str = "facility_fault";
/// How far ahead of the server's clock a phone's time may be.
const SKEW_SECONDS: i64 = 120;

fn not_ahead(field: &str, at: DateTime<Utc>, now: DateTime<Utc>) -> Option<FieldError> {
    (at > now + Duration::seconds(SKEW_SECONDS)).then(|| FieldError::of(field, FieldCode::InFuture))
}

/// Report a facility fault for repair: a supervisor on duty today (after substitutions).
#[utoipa::path(
    operation_id = "reportFacilityFault",
    tag = "duty-log",
    request_body = FaultInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Reported", body = Fault, headers(("Location" = String, description = "The fault"))),
        (status = 400, description = "`validation_failed`: `what`, `location` or `reported_to` blank or too long; `reported_at` later than the server's time (`in_future`) or not today in the center's time zone (`out_of_range`); `unknown_field` or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the caller is not one of today's supervisors after substitutions", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`duty_day_closed`: past today's duty end plus the grace period; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_working_day`: the hall is closed today", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/facility-faults")]
pub async fn report(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<FaultInput>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let mut errors = Errors::default();
    errors
        .check(org_rules::text("what", &b.what, 200))
        .check(org_rules::text("location", &b.location, 200))
        .check(org_rules::text("reported_to", &b.reported_to, 100));
    errors.finish()?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center = org_store::center(conn, user.center_id).await?;
        let today = center.today(&state.clock);
        let w = gate::require_writer(conn, &state.clock, &user, today).await?;
        let at = b.reported_at.unwrap_or(w.now);
        let mut errors = Errors::default();
        errors.check(not_ahead("reported_at", at, w.now));
        if at.with_timezone(&center.tz()).date_naive() != today {
            errors.check(Some(FieldError::of(
                "reported_at",
                FieldCode::DateOutOfRange,
            )));
        }
        errors.finish()?;
        let row = store::insert_fault(
            conn,
            &FaultRow {
                id: Uuid::now_v7(),
                center_id: center.id,
                what: b.what.trim().to_owned(),
                location: b.location.trim().to_owned(),
                reported_to: b.reported_to.trim().to_owned(),
                reported_at: at,
                reported_on: today,
                reported_by: user.staff_id,
                repaired_at: None,
                repaired_on: None,
                repaired_by: None,
                repair_note: None,
                created_at: w.now,
            },
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "reported", ENTITY, row.id).after(&row),
        )
        .await?;
        let names = Names::load(conn, center.id, row.people(), []).await?;
        let location = format!("/api/v1/facility-faults/{}", row.id);
        let view = row.view(&names);
        Ok(Reply::json(actix_web::http::StatusCode::CREATED, &view)
            .header(actix_web::http::header::LOCATION, location))
    })
    .await
}

/// Record a fault repaired: a supervisor on duty today (after substitutions) or an office admin.
/// From the repair's date on, the fault no longer shows as open in the days' logs.
#[utoipa::path(
    operation_id = "repairFacilityFault",
    tag = "duty-log",
    params(("id" = Uuid, Path, description = "The fault")),
    request_body = RepairInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded repaired", body = Fault),
        (status = 400, description = "`validation_failed`: `note` blank or too long; `repaired_at` later than the server's time (`in_future`) or before the report (`before_reported`); `unknown_field` or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: neither an office admin nor one of today's supervisors", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such fault in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`fault_repaired`: already recorded repaired; `duty_day_closed`: a supervisor past today's duty end plus the grace period; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_working_day`: a supervisor on a day the hall is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/facility-faults/{id}/repaired")]
pub async fn repaired(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<RepairInput>,
) -> ApiResult<HttpResponse> {
    let id = *id;
    let b = body.into_inner();
    let mut errors = Errors::default();
    errors.check(org_rules::text("note", &b.note, 500));
    errors.finish()?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center = org_store::center(conn, user.center_id).await?;
        let now = if user.has(Role::OfficeAdmin) {
            state.clock.now()
        } else {
            let today = center.today(&state.clock);
            gate::require_writer(conn, &state.clock, &user, today)
                .await?
                .now
        };
        let row = store::fault_for_update(conn, center.id, id).await?;
        if row.repaired_at.is_some() {
            return Err(ApiError::of(Code::FaultRepaired));
        }
        let at = b.repaired_at.unwrap_or(now);
        let mut errors = Errors::default();
        errors.check(not_ahead("repaired_at", at, now));
        if at < row.reported_at {
            errors.check(Some(FieldError::of(
                "repaired_at",
                FieldCode::BeforeReported,
            )));
        }
        errors.finish()?;
        let on = at.with_timezone(&center.tz()).date_naive();
        let after = store::repair(conn, id, (at, on), user.staff_id, b.note.trim()).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "repaired", ENTITY, id)
                .before(&row)
                .after(&after),
        )
        .await?;
        let names = Names::load(conn, center.id, after.people(), []).await?;
        Ok(Reply::ok(&after.view(&names)))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FaultQuery {
    /// `true`: only faults not repaired yet.
    pub open: Option<bool>,
    /// Reported on or after this date.
    pub from: Option<NaiveDate>,
    /// Reported on or before this date.
    pub to: Option<NaiveDate>,
}

/// Facility faults of the center by reporting date (anyone of the center reads them).
#[utoipa::path(
    operation_id = "listFacilityFaults",
    tag = "duty-log",
    params(FaultQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page, by reporting date", body = Page<Fault>),
        (status = 400, description = "`validation_failed` (`to` before `from`, limit, cursor) or a malformed query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/facility-faults")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<FaultQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Fault>>> {
    let q = query.into_inner();
    if let (Some(f), Some(t)) = (q.from, q.to)
        && t < f
    {
        return Err(ApiError::invalid(FieldError::of(
            "to",
            FieldCode::BeforeFrom,
        )));
    }
    let limit = paging.limit()?;
    let after = paging.after::<(NaiveDate, Uuid)>()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list_faults(
        &mut conn,
        FaultFilter {
            center_id: user.center_id,
            open: q.open.unwrap_or(false),
            from: q.from,
            to: q.to,
            after,
            limit,
        },
    )
    .await?;
    let names = Names::load(
        &mut conn,
        user.center_id,
        rows.iter().flat_map(|r| r.people()),
        [],
    )
    .await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| (r.reported_on, r.id),
        |r| r.view(&names),
    )))
}
