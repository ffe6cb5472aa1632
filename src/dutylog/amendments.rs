//! `POST /duty-days/{date}/log/amendments`: changes to a submitted log. The log shows the
//! amended content; each amendment keeps what it was and what it became, who and why (the first
//! `before` is the submitted original), through `dutyday::amend`.

use super::model::{DutyLog, LogAmendInput, LogStatus};
use super::view::{self, ENTITY};
use super::{rules, store};
use crate::AppState;
use crate::dutyday::{amend, gate};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;

/// Amend a submitted (or acknowledged) log with a reason and the fields that change: office
/// admins at any time, the day's supervisors (after substitutions) until the day closes.
#[utoipa::path(
    operation_id = "amendDutyLog",
    tag = "duty-log",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    request_body = LogAmendInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Amended: the log with its amendments", body = DutyLog, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "`validation_failed`: `reason` blank or too long; no field to change (`required` on `fields`); the content's rules as for `saveDutyLog`; `unknown_field` or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: neither an office admin nor one of the day's supervisors", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`log_not_submitted`: a draft (save it instead) or no log; `duty_day_closed`: a supervisor after the day closed; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`duty_day_not_started`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/duty-days/{date}/log/amendments")]
pub async fn amend_log(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
    body: web::Json<LogAmendInput>,
) -> ApiResult<HttpResponse> {
    let date = *date;
    let b = body.into_inner();
    if let Some(e) = amend::check_reason("reason", &b.reason) {
        return Err(ApiError::validation(vec![e]));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let (center, now) = gate::require_amender(conn, &state.clock, &user, date).await?;
        let row = match store::of_day(conn, center.id, date, true).await? {
            Some(r) if r.status != LogStatus::Draft => r,
            _ => return Err(ApiError::of(Code::LogNotSubmitted).param("date", date)),
        };
        let before = row.content()?;
        let Some(after) = b.apply(&before) else {
            return Err(ApiError::validation(vec![FieldError::of(
                "fields",
                FieldCode::NothingToAmend,
            )]));
        };
        let errors = rules::check(&after);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let row = store::set_content(conn, row.id, &after, None).await?;
        amend::record(
            conn,
            &user,
            amend::Change {
                day: date,
                entity_type: ENTITY,
                entity_id: row.id,
                reason: &b.reason,
                before: &before,
                after: &after,
                at: now,
            },
        )
        .await?;
        let log = view::load(conn, &center, date, Some(row)).await?;
        Ok(Reply::json(StatusCode::CREATED, &log)
            .header(actix_web::http::header::ETAG, crate::web::etag(log.version)))
    })
    .await
}
