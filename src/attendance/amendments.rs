//! `POST /duty-days/{date}/attendance/amendments`: corrections of a day's attendance after the
//! log's submission froze it (R22: the original stays visible in the amendments).

use super::api::{Mode, check_entries, write_entries};
use super::model::{AmendInput, Sheet};
use super::sheet::{self, Scope};
use crate::AppState;
use crate::dutyday::{amend, gate};
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;

/// Amend a day's attendance: office admins at any time, the day's supervisors (after
/// substitutions) until the day closes (duty end plus the grace period). Each changed entry
/// keeps its before and after, who and why (audit action `amended`); an entry for someone with
/// nothing written is added the same way (its `before` is `null`).
#[utoipa::path(
    operation_id = "amendAttendance",
    tag = "attendance",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    request_body = AmendInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Amended: the whole sheet, amendments listed on each row", body = Sheet),
        (status = 400, description = "`validation_failed`: `reason` blank or too long (`required`, `too_long`), `entries` empty (`required`), the entries' rules as for `putAttendanceSheet`; `unknown_field` or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: neither an office admin nor one of the day's supervisors", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`duty_day_closed`: a supervisor after the day closed (the office amends then); `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`duty_day_not_started`: the date is still ahead", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/duty-days/{date}/attendance/amendments")]
pub async fn amend_attendance(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
    body: web::Json<AmendInput>,
) -> ApiResult<HttpResponse> {
    let date = *date;
    let b = body.into_inner();
    let mut errors: Vec<FieldError> = amend::check_reason("reason", &b.reason)
        .into_iter()
        .collect();
    if b.entries.is_empty() {
        errors.push(FieldError::of("entries", FieldCode::Required));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let (center, now) = gate::require_amender(conn, &state.clock, &user, date).await?;
        check_entries(conn, center.id, &b.entries).await?;
        write_entries(
            conn,
            &user,
            (center.id, date, now),
            &b.entries,
            (&b.reason, Mode::Amend),
        )
        .await?;
        let frozen = super::api::frozen(conn, center.id, date).await?;
        let sheet = sheet::load(conn, center.id, date, Scope::All, frozen).await?;
        Ok(Reply::json(StatusCode::CREATED, &sheet))
    })
    .await
}
