//! Calendar handlers: read the working-day calendar (every role), set and remove a center's
//! overrides (office admins).
//!
//! Audit: every write records one event per changed date, entity type `calendar_day`, entity id
//! [`day_entity_id`] (stable per center and date), action `created`, `updated` or `deleted`,
//! before/after the override (`null` when there was none). A bulk write records one event per
//! date it changed, all in its one transaction; dates it left unchanged are not recorded.

use super::model::{
    BulkResult, CalendarDay, CalendarDays, OverrideRow, OverrideState, day_entity_id,
};
use super::rules::{self, ValidOverride};
use super::store::{self, OverrideWrite};
use super::workdays::OverrideKind;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use crate::web::{check_version, if_match, with_etag};
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First date, `YYYY-MM-DD` (included).
    #[param(value_type = String, format = Date, example = "2026-02-01")]
    pub from: Option<String>,
    /// Last date, `YYYY-MM-DD` (included); at most 366 days counting both ends.
    #[param(value_type = String, format = Date, example = "2026-02-28")]
    pub to: Option<String>,
}

/// An override of one date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayOverrideRequest {
    #[schema(value_type = OverrideKind)]
    pub kind: String,
    /// 1–100 characters, shown with the day, e.g. 台风停业.
    #[schema(example = "台风停业")]
    pub name: String,
}

/// One date of a bulk write.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkOverrideItem {
    #[schema(value_type = String, format = Date, example = "2027-02-06")]
    pub date: String,
    #[schema(value_type = OverrideKind)]
    pub kind: String,
    /// 1–100 characters, e.g. 春节.
    #[schema(example = "春节")]
    pub name: String,
}

/// Overrides to set together: all or none.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkOverrideRequest {
    /// 1–400 days, each date at most once.
    #[schema(min_items = 1, max_items = 400)]
    pub days: Vec<BulkOverrideItem>,
}

/// The working-day calendar of the caller's center: every date of `[from, to]`.
///
/// A date's kind is the center's override if set, else the statutory day (China's holidays and
/// make-up working days), else Monday–Friday `workday`, Saturday–Sunday `weekend` (R9).
#[utoipa::path(
    operation_id = "getCalendar",
    tag = "calendar",
    params(RangeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every date of the range, in order", body = CalendarDays),
        (status = 400, description = "`validation_failed`: `from`/`to` missing or not `YYYY-MM-DD` (`required`, `invalid_date`), `to` before `from` (`before_from`) or more than 366 days (`range_too_long`)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendar")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RangeQuery>,
) -> ApiResult<web::Json<CalendarDays>> {
    let (from, to) = rules::range(query.from.as_deref(), query.to.as_deref())?;
    let mut conn = state.pool.get().await?;
    let cal = store::load(&mut conn, user.center_id, from, to).await?;
    Ok(web::Json(CalendarDays {
        days: cal.days(from, to).map(CalendarDay::from).collect(),
        years_without_holiday_data: cal.years_without_holidays(from, to),
    }))
}

fn path_date(raw: &str) -> ApiResult<NaiveDate> {
    rules::date("date", raw).map_err(|e| ApiError::validation(vec![e]))
}

fn stored_view(row: &OverrideRow) -> ApiResult<CalendarDay> {
    CalendarDay::from_override(row).ok_or_else(|| {
        tracing::error!(kind = %row.kind, date = %row.day, "unknown override kind stored");
        ApiError::internal()
    })
}

/// One date of the caller's center; `ETag` set when the date has an override.
#[utoipa::path(
    operation_id = "getCalendarDay",
    tag = "calendar",
    params(("date" = NaiveDate, Path, description = "`YYYY-MM-DD`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The day; `ETag` carries the override's version when there is one", body = CalendarDay),
        (status = 400, description = "`validation_failed`: `date` is not `YYYY-MM-DD`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendar/days/{date}")]
pub async fn get_day(
    user: CurrentUser,
    state: web::Data<AppState>,
    date: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let date = path_date(&date)?;
    let mut conn = state.pool.get().await?;
    if let Some(row) = store::override_of(&mut conn, user.center_id, date).await? {
        return Ok(with_etag(&stored_view(&row)?, row.version));
    }
    let cal = store::load(&mut conn, user.center_id, date, date).await?;
    Ok(HttpResponse::Ok().json(CalendarDay::from(cal.day(date))))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Writes the overrides in `wanted` that differ from `existing` (one statement), audits each
/// written date, and returns every wanted date's outcome and row, in order. Run it in a
/// transaction holding [`store::lock_center_calendar`].
async fn apply(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    wanted: &[ValidOverride],
    existing: &HashMap<NaiveDate, OverrideRow>,
) -> ApiResult<Vec<(Outcome, OverrideRow)>> {
    let differs = |w: &ValidOverride| {
        existing
            .get(&w.date)
            .is_none_or(|r| r.kind != w.kind.as_str() || r.name != w.name)
    };
    let writes: Vec<OverrideWrite> = wanted
        .iter()
        .filter(|w| differs(w))
        .map(|w| OverrideWrite {
            date: w.date,
            kind: w.kind.as_str(),
            name: &w.name,
        })
        .collect();
    let stored: HashMap<NaiveDate, OverrideRow> =
        store::upsert_overrides(conn, user.center_id, &writes)
            .await?
            .into_iter()
            .map(|r| (r.day, r))
            .collect();
    let mut out = Vec::with_capacity(wanted.len());
    for w in wanted {
        let before = existing.get(&w.date);
        let Some(after) = stored.get(&w.date) else {
            let row = before.ok_or_else(ApiError::internal)?;
            out.push((Outcome::Unchanged, row.clone()));
            continue;
        };
        let outcome = if before.is_some() {
            Outcome::Updated
        } else {
            Outcome::Created
        };
        let action = match outcome {
            Outcome::Created => "created",
            _ => "updated",
        };
        audit::record(
            conn,
            AuditEntry::new(
                user,
                action,
                "calendar_day",
                day_entity_id(user.center_id, w.date),
            )
            .before(before.map(OverrideState::from))
            .after(OverrideState::from(after)),
        )
        .await?;
        out.push((outcome, after.clone()));
    }
    Ok(out)
}

/// Set the override of one date of the caller's center (office admin). Honours `If-Match`.
///
/// Kinds: `holiday`, `makeup_workday`, `closure`, `extra_workday`; to make the date a plain
/// workday or weekend again, delete the override. Setting the same kind and name again changes
/// nothing (no new version, no audit event).
#[utoipa::path(
    operation_id = "setCalendarDay",
    tag = "calendar",
    request_body = DayOverrideRequest,
    params(
        ("date" = NaiveDate, Path, description = "`YYYY-MM-DD`"),
        ("If-Match" = Option<String>, Header, description = "ETag of the override from a previous read; 412 if stale or if the date has no override"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Override replaced (or already so); `ETag` set", body = CalendarDay),
        (status = 201, description = "Override created; `ETag` and `Location` set", body = CalendarDay),
        (status = 400, description = "`validation_failed` (`date`, `kind`, `name`), `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not `application/json`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/calendar/days/{date}")]
pub async fn put_day(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    date: web::Path<String>,
    body: web::Json<DayOverrideRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let wanted = rules::single(&date, &body.kind, &body.name)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        store::lock_center_calendar(conn, user.center_id).await?;
        let existing = store::override_of(conn, user.center_id, wanted.date).await?;
        // Versions start at 1: an If-Match on a date without an override never matches.
        check_version(expected, existing.as_ref().map_or(0, |r| r.version))?;
        let existing: HashMap<_, _> = existing.into_iter().map(|r| (r.day, r)).collect();
        let mut out = apply(conn, &user, std::slice::from_ref(&wanted), &existing).await?;
        let (outcome, row) = out.pop().ok_or_else(ApiError::internal)?;
        let view = stored_view(&row)?;
        Ok(match outcome {
            Outcome::Created => Reply::created(
                &view,
                row.version,
                format!("/api/v1/calendar/days/{}", row.day),
            ),
            _ => Reply::with_etag(&view, row.version),
        })
    })
    .await
}

/// Remove the override of one date (office admin): the date returns to the statutory day or the
/// weekday rule. Honours `If-Match`.
#[utoipa::path(
    operation_id = "deleteCalendarDay",
    tag = "calendar",
    params(
        ("date" = NaiveDate, Path, description = "`YYYY-MM-DD`"),
        ("If-Match" = Option<String>, Header, description = "ETag of the override from a previous read; 412 if stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Override removed; the day as it is now", body = CalendarDay),
        (status = 400, description = "`validation_failed`: `date` is not `YYYY-MM-DD`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The date has no override in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/calendar/days/{date}")]
pub async fn delete_day(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    date: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let date = path_date(&date)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        store::lock_center_calendar(conn, user.center_id).await?;
        let before = store::override_of(conn, user.center_id, date)
            .await?
            .ok_or_else(ApiError::not_found)?;
        check_version(expected, before.version)?;
        store::delete_override(conn, user.center_id, date).await?;
        audit::record(
            conn,
            AuditEntry::new(
                &user,
                "deleted",
                "calendar_day",
                day_entity_id(user.center_id, date),
            )
            .before(OverrideState::from(&before)),
        )
        .await?;
        let cal = store::load(conn, user.center_id, date, date).await?;
        Ok(Reply::ok(&CalendarDay::from(cal.day(date))))
    })
    .await
}

/// Set the overrides of many dates at once (office admin), e.g. next year's holidays once the
/// State Council announces them. All or nothing, in one transaction.
///
/// Each date is created, updated, or left unchanged when it already has this kind and name;
/// one audit event is recorded per created or updated date.
#[utoipa::path(
    operation_id = "setCalendarDays",
    tag = "calendar",
    request_body = BulkOverrideRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All days set", body = BulkResult),
        (status = 400, description = "`validation_failed` (`days`: `required`, `too_many`; `days[i].date`: `invalid_date`, `duplicate`; `days[i].kind`, `days[i].name`), `unknown_field` or malformed body; nothing was written", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not `application/json`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/calendar/days")]
pub async fn put_days(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<BulkOverrideRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let wanted = rules::bulk(
        body.days
            .iter()
            .map(|d| (d.date.as_str(), d.kind.as_str(), d.name.as_str())),
    )?;
    let dates: Vec<NaiveDate> = wanted.iter().map(|w| w.date).collect();
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        store::lock_center_calendar(conn, user.center_id).await?;
        let existing: HashMap<_, _> = store::overrides(conn, user.center_id, &dates)
            .await?
            .into_iter()
            .map(|r| (r.day, r))
            .collect();
        let results = apply(conn, &user, &wanted, &existing).await?;
        let count = |o: Outcome| results.iter().filter(|(x, _)| *x == o).count();
        Ok(Reply::ok(&BulkResult {
            created: count(Outcome::Created),
            updated: count(Outcome::Updated),
            unchanged: count(Outcome::Unchanged),
            days: results
                .iter()
                .map(|(_, r)| stored_view(r))
                .collect::<ApiResult<_>>()?,
        }))
    })
    .await
}
