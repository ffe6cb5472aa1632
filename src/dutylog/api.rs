//! `GET`/`PUT /duty-days/{date}/log`, `POST …/log/submit`, `POST …/log/acknowledge`.
//!
//! Audit: entity type `duty_log`; actions `created`, `updated` (before/after), `submitted`,
//! `acknowledged`; amendments `amended` (see [`super::amendments`]).

use super::model::{DutyLog, LogContent, LogStatus};
use super::view::{self, ENTITY};
use super::{rules, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::dutyday::gate;
use crate::error::{ApiError, ApiResult, Code, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::store as org_store;
use crate::principal::{CurrentUser, Role};
use crate::web::{check_version, if_match};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::NaiveDate;

/// Office admins, auditors and supervisors read logs; window staff do not (403 `forbidden`).
fn require_reader(user: &CurrentUser) -> ApiResult<()> {
    user.require_any(&[Role::OfficeAdmin, Role::Auditor, Role::Supervisor])
}

/// The duty log of a day (R4.5, R8). When nothing is written yet the answer is an empty log
/// with `status` `none` and `version` 0 (never a 404), so that the phone shows the day's open
/// facility faults and attendance counts before the first save. `ETag` is the version.
#[utoipa::path(
    operation_id = "getDutyLog",
    tag = "duty-log",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The log (`status` `none` when not started), with `ETag`", body = DutyLog,
            headers(("ETag" = String, description = "The log's version, quoted"))),
        (status = 400, description = "`malformed_request`: a malformed date", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: window staff (logs are read by supervisors, the office and auditors)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty-days/{date}/log")]
pub async fn get_log(
    user: CurrentUser,
    state: web::Data<AppState>,
    date: web::Path<NaiveDate>,
) -> ApiResult<HttpResponse> {
    require_reader(&user)?;
    let date = *date;
    let mut conn = state.pool.get().await?;
    let center = org_store::center(&mut conn, user.center_id).await?;
    let row = store::of_day(&mut conn, center.id, date, false).await?;
    let log = view::load(&mut conn, &center, date, row).await?;
    Ok(crate::web::with_etag(&log, log.version))
}

/// Save the day's log (autosave from the phone): any supervisor on duty that day (after
/// substitutions) while the day is open. The first save creates the draft (201; `If-Match` not
/// needed, or `"0"`); later saves replace the whole content and need `If-Match` with the ETag
/// last read (428 `if_match_required` without it, 412 `stale_etag` when someone saved since).
/// Each save records who wrote it last. After submission: 409 `log_submitted` (amend instead).
#[utoipa::path(
    operation_id = "saveDutyLog",
    tag = "duty-log",
    params(
        ("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; required once the log exists"),
    ),
    request_body = LogContent,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = DutyLog, headers(("ETag" = String, description = "The new version"))),
        (status = 201, description = "The draft is created", body = DutyLog, headers(("ETag" = String, description = "The new version"), ("Location" = String, description = "The log"))),
        (status = 400, description = "`validation_failed`: a text too long (`too_long`), too many items (`too_many`), a required item text blank (`required`), e.g. `problems[2].problem`; `unknown_field` or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the caller is not one of the day's supervisors after substitutions", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`log_submitted`: the log is submitted; `duty_day_closed`: past the duty end plus the grace period; `already_exists`: another supervisor created the draft at the same moment (reload); `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`: `If-Match` is not the log's current version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_working_day`; `duty_day_not_started`", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`if_match_required`: the log exists and `If-Match` was not sent", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/duty-days/{date}/log")]
pub async fn put_log(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
    body: web::Json<LogContent>,
) -> ApiResult<HttpResponse> {
    let date = *date;
    let content = body.into_inner();
    let errors = rules::check(&content);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let sent = req.headers().contains_key(header::IF_MATCH);
    let expected = if_match(&req)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let w = gate::require_writer(conn, &state.clock, &user, date).await?;
        let row = match store::of_day(conn, w.center.id, date, true).await? {
            None => {
                check_version(expected, 0)?;
                let row = store::insert(conn, (w.center.id, date), &content, user.staff_id, w.now)
                    .await?;
                audit::record(
                    conn,
                    AuditEntry::new(&user, "created", ENTITY, row.id).after(&row),
                )
                .await?;
                let log = view::load(conn, &w.center, date, Some(row)).await?;
                let location = format!("/api/v1/duty-days/{date}/log");
                return Ok(Reply::created(&log, log.version, location));
            }
            Some(r) => r,
        };
        if row.status != LogStatus::Draft {
            return Err(ApiError::of(Code::LogSubmitted).param("date", date));
        }
        if !sent {
            return Err(ApiError::of(Code::IfMatchRequired));
        }
        check_version(expected, row.version)?;
        let after =
            store::set_content(conn, row.id, &content, Some((user.staff_id, w.now))).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "updated", ENTITY, row.id)
                .before(&row)
                .after(&after),
        )
        .await?;
        let log = view::load(conn, &w.center, date, Some(after)).await?;
        Ok(Reply::with_etag(&log, log.version))
    })
    .await
}

/// Submit the day's log to the center office (R8): a supervisor on duty that day. Freezes the
/// log and the day's attendance (later changes are amendments). Records who and when;
/// `submitted_on_time` is whether it came before the day's afternoon closing (`closing_at`) —
/// a later submission, until the day closes, is accepted and marked late.
#[utoipa::path(
    operation_id = "submitDutyLog",
    tag = "duty-log",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = DutyLog, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "`not_on_duty`: the caller is not one of the day's supervisors after substitutions", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`log_not_started`: nothing written yet; `log_submitted`: submitted already; `duty_day_closed`: past the duty end plus the grace period; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_working_day`; `duty_day_not_started`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/duty-days/{date}/log/submit")]
pub async fn submit(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
) -> ApiResult<HttpResponse> {
    let date = *date;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let w = gate::require_writer(conn, &state.clock, &user, date).await?;
        let Some(row) = store::of_day(conn, w.center.id, date, true).await? else {
            return Err(ApiError::of(Code::LogNotStarted).param("date", date));
        };
        if row.status != LogStatus::Draft {
            return Err(ApiError::of(Code::LogSubmitted).param("date", date));
        }
        let on_time = w.now < w.window.closing_at;
        let after = store::submit(conn, row.id, user.staff_id, w.now, on_time).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "submitted", ENTITY, row.id)
                .before(&row)
                .after(&after),
        )
        .await?;
        let log = view::load(conn, &w.center, date, Some(after)).await?;
        Ok(Reply::with_etag(&log, log.version))
    })
    .await
}

/// The office records receipt of a submitted log (who, when): office admins only.
#[utoipa::path(
    operation_id = "acknowledgeDutyLog",
    tag = "duty-log",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Acknowledged", body = DutyLog, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "`forbidden`: not an office admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`log_not_submitted`: nothing submitted yet; `log_acknowledged`: acknowledged already; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/duty-days/{date}/log/acknowledge")]
pub async fn acknowledge(
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
        let row = store::of_day(conn, center.id, date, true).await?;
        let row = match row {
            Some(r) if r.status == LogStatus::Submitted => r,
            Some(r) if r.status == LogStatus::Acknowledged => {
                return Err(ApiError::of(Code::LogAcknowledged).param("date", date));
            }
            _ => return Err(ApiError::of(Code::LogNotSubmitted).param("date", date)),
        };
        let after = store::acknowledge(conn, row.id, user.staff_id, state.clock.now()).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "acknowledged", ENTITY, row.id)
                .before(&row)
                .after(&after),
        )
        .await?;
        let log = view::load(conn, &center, date, Some(after)).await?;
        Ok(Reply::with_etag(&log, log.version))
    })
    .await
}
