//! `POST /duty-days/{date}/check-in`: a supervisor on duty reports their arrival (R7).
//!
//! Audit: entity type `duty_check_in`, action `checked_in` (`after`).

use super::arrival::{self, ObservedProblem};
use super::model::{CheckIn, CheckInRequest, CheckInRow};
use super::{gate, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::names::Names;
use crate::org::{rules as org_rules, store as org_store};
use crate::principal::CurrentUser;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

/// Longest note, in characters.
pub const MAX_NOTE: usize = 500;

/// `observed_at` as sent (RFC 3339 with offset), or 400 with a field error on `observed_at`.
pub fn observed_at(raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::validation(vec![FieldError::of(
                    "observed_at",
                    FieldCode::InvalidDatetime,
                )])
            })
    })
    .transpose()
}

/// Checks an offline record's `observed_at` against its receipt and the start of `date`
/// ([`arrival::check_observed`]): 422 `observed_in_future` or `observed_before_day`.
pub fn check_observed(
    observed: DateTime<Utc>,
    received: DateTime<Utc>,
    tz: chrono_tz::Tz,
    date: NaiveDate,
) -> ApiResult<()> {
    let day_start = arrival::local_instant(tz, date, NaiveTime::MIN);
    match arrival::check_observed(observed, received, day_start) {
        Ok(()) => Ok(()),
        Err(ObservedProblem::InFuture) => Err(ApiError::of(Code::ObservedInFuture)
            .param("skew_seconds", arrival::FUTURE_SKEW_SECONDS)),
        Err(ObservedProblem::BeforeDay) => {
            Err(ApiError::of(Code::ObservedBeforeDay).param("date", date))
        }
    }
}

/// Check in for today's duty (the caller, a supervisor on duty that day after substitutions).
///
/// Due at the day's opening time (the date's own hours when the office set them, else the
/// center's) minus the center's `arrival_lead_minutes`.
///
/// The server's clock in the center's time zone decides: the date must be the center's today,
/// and `on_time` / `minutes_early_or_late` compare the server's receipt time with the day's
/// opening time minus the center's `arrival_lead_minutes`. `observed_at` (offline records) is
/// kept as sent; a late receipt whose observed time was on time, received within 4 hours of it,
/// is flagged `needs_review` for the office instead of being counted late outright (see
/// `CheckIn`). Each supervisor on duty checks in for themself, once a day; send an
/// `Idempotency-Key` so that a retry on a flaky network replays the first answer.
#[utoipa::path(
    operation_id = "checkIn",
    tag = "duty",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD: the center's today")),
    request_body = CheckInRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Checked in: on time or not, by how many minutes, and whether the office reviews it", body = CheckIn),
        (status = 400, description = "`validation_failed`: `observed_at` not RFC 3339 (`invalid_datetime`), `note` blank or too long (`blank`, `too_long`); `unknown_field`; or a malformed date or body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the caller is not one of the day's supervisors after substitutions (office admins, auditors and window staff included; a supervisor who handed the day to a substitute has lost it)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_checked_in`: the caller checked in for this day already (an idempotent replay with the same `Idempotency-Key` answers the first 201 instead); `duty_day_closed`: past the day's duty end plus the grace period; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`check_in_not_today`: the date is not the center's today; `not_working_day`: the hall is closed that day; `observed_in_future`: `observed_at` more than 2 minutes ahead of the server; `observed_before_day`: `observed_at` before the day's start; `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/duty-days/{date}/check-in")]
pub async fn check_in(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
    body: web::Json<CheckInRequest>,
) -> ApiResult<HttpResponse> {
    let date = *date;
    let b = body.into_inner();
    let observed = observed_at(b.observed_at.as_deref())?;
    if let Some(e) = b
        .note
        .as_deref()
        .and_then(|n| org_rules::text("note", n, MAX_NOTE))
    {
        return Err(ApiError::validation(vec![e]));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let today = org_store::center(conn, user.center_id)
            .await?
            .today(&state.clock);
        if date != today {
            return Err(ApiError::of(Code::CheckInNotToday)
                .param("date", date)
                .param("today", today));
        }
        let w = gate::require_writer(conn, &state.clock, &user, date).await?;
        let (center, duty) = (&w.center, &w.duty);
        let tz = center.tz();
        let me = duty.on_duty();
        if let Some(first) = store::of(conn, center.id, date, me).await? {
            return Err(ApiError::of(Code::AlreadyCheckedIn).param(
                "received_at",
                first.received_at.with_timezone(&tz).to_rfc3339(),
            ));
        }
        let received = w.now;
        if let Some(o) = observed {
            check_observed(o, received, tz, date)?;
        }
        let opening = super::hours::of_day(conn, center, date).await?.opening_time;
        let due = arrival::due_at(tz, date, opening, center.arrival_lead_minutes);
        let verdict = arrival::judge(due, received, observed);
        let row = store::insert(
            conn,
            &CheckInRow {
                id: Uuid::now_v7(),
                center_id: center.id,
                day: date,
                staff_id: me,
                assignment_id: duty.id,
                received_at: received,
                observed_at: observed,
                due_at: due,
                on_time: verdict.on_time,
                minutes_late: verdict.minutes_early_or_late,
                needs_review: verdict.needs_review,
                note: b.note.as_deref().map(|n| n.trim().to_owned()),
            },
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "checked_in", "duty_check_in", row.id).after(&row),
        )
        .await?;
        let names = Names::load(conn, center.id, [me], []).await?;
        let view: CheckIn = row.view(names.staff(me));
        Ok(Reply::json(StatusCode::CREATED, &view))
    })
    .await
}
