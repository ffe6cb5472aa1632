//! The day's hours (R9, R11): the center's opening and closing times, or a date's own when the
//! office set them (an event's extension, a holiday change plan). Check-in asks [`of_day`].
//!
//! Audit: entity type `day_hours` (the override's id), action `set` (`before`, `after`) or
//! `deleted` (`before`).

use super::model::{DayHours, DayHoursRequest, DayHoursRow};
use super::store;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::model::Center;
use crate::org::{rules as org_rules, store as org_store};
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, delete, get, put, web};
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Longest reason, in characters.
const MAX_REASON: usize = 200;

/// The hall's hours on `date`: the date's own, else the center's.
pub async fn of_day(
    conn: &mut AsyncPgConnection,
    center: &Center,
    date: NaiveDate,
) -> ApiResult<DayHours> {
    let row = store::hours_of(conn, center.id, date).await?;
    Ok(from_row(center, date, row))
}

/// The hall's hours on `date` from the date's own row (`None`: the center's hours). Pure: a
/// range's rows are loaded at once ([`store::hours_between`]) and each date judged here.
pub fn from_row(center: &Center, date: NaiveDate, row: Option<DayHoursRow>) -> DayHours {
    match row {
        Some(row) => DayHours {
            date,
            opening_time: row.opening_time,
            closing_time: row.closing_time,
            overridden: true,
            reason: Some(row.reason),
        },
        None => DayHours {
            date,
            opening_time: center.opening_time,
            closing_time: center.closing_time,
            overridden: false,
            reason: None,
        },
    }
}

/// The hall's hours on a date (every role of the center may read).
#[utoipa::path(
    operation_id = "getDayHours",
    tag = "calendar",
    params(("date" = NaiveDate, Path, description = "`YYYY-MM-DD`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The date's own hours, or the center's", body = DayHours),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendar/{date}/hours")]
pub async fn get_hours(
    user: CurrentUser,
    state: web::Data<AppState>,
    date: web::Path<NaiveDate>,
) -> ApiResult<web::Json<DayHours>> {
    let mut conn = state.pool.get().await?;
    let center = org_store::center(&mut conn, user.center_id).await?;
    Ok(web::Json(of_day(&mut conn, &center, *date).await?))
}

/// Set a date's own hours (office admin): an event's extension (R9) or a holiday change plan
/// (R11). Check-in on that date is due at the new opening time minus the arrival lead. Setting
/// the same hours and reason again changes nothing (no audit event).
#[utoipa::path(
    operation_id = "setDayHours",
    tag = "calendar",
    params(("date" = NaiveDate, Path, description = "`YYYY-MM-DD`")),
    request_body = DayHoursRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The date's hours as set", body = DayHours),
        (status = 400, description = "`validation_failed`: `closing_time` not after `opening_time` (`before_opening`), `reason` blank or too long (`blank`, `too_long`), a time not `HH:MM:SS`; `unknown_field`; or a malformed date or body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/calendar/{date}/hours")]
pub async fn put_hours(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
    body: web::Json<DayHoursRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let date = *date;
    let b = body.into_inner();
    let mut errs: Vec<FieldError> = Vec::new();
    if b.opening_time >= b.closing_time {
        errs.push(FieldError::of("closing_time", FieldCode::BeforeOpening));
    }
    errs.extend(org_rules::text("reason", &b.reason, MAX_REASON));
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center = org_store::center(conn, user.center_id).await?;
        let before = store::hours_of(conn, center.id, date).await?;
        let reason = b.reason.trim().to_owned();
        let same = before.as_ref().is_some_and(|r| {
            r.opening_time == b.opening_time
                && r.closing_time == b.closing_time
                && r.reason == reason
        });
        if !same {
            let row = store::upsert_hours(
                conn,
                &DayHoursRow {
                    center_id: center.id,
                    day: date,
                    id: before.as_ref().map_or_else(Uuid::now_v7, |r| r.id),
                    opening_time: b.opening_time,
                    closing_time: b.closing_time,
                    reason,
                    updated_at: state.clock.now(),
                },
            )
            .await?;
            audit::record(
                conn,
                AuditEntry::new(&user, "set", "day_hours", row.id)
                    .before(&before)
                    .after(&row),
            )
            .await?;
        }
        Ok(Reply::ok(&of_day(conn, &center, date).await?))
    })
    .await
}

/// Remove a date's own hours (office admin): the center's hours apply again.
#[utoipa::path(
    operation_id = "deleteDayHours",
    tag = "calendar",
    params(("date" = NaiveDate, Path, description = "`YYYY-MM-DD`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed; the date's hours are the center's again", body = DayHours),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The date has no hours of its own", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/calendar/{date}/hours")]
pub async fn delete_hours(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let date = *date;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center = org_store::center(conn, user.center_id).await?;
        let before = store::hours_of(conn, center.id, date)
            .await?
            .ok_or_else(ApiError::not_found)?;
        store::delete_hours(conn, center.id, date).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "deleted", "day_hours", before.id).before(&before),
        )
        .await?;
        Ok(Reply::ok(&of_day(conn, &center, date).await?))
    })
    .await
}
