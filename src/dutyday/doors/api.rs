//! Door checks of a duty day (R7): a supervisor on duty records each item
//! (`POST /duty-days/{date}/door-checks`), everyone of the center reads the day
//! (`GET /duty-days/{date}/door-checks`), the office corrects it through amendments
//! (`POST /duty-days/{date}/door-checks/{item}/amendments`).
//!
//! Audit: entity type `door_check`, action `recorded` (`after`); amendments `amended` (see
//! [`crate::dutyday::amend`]).

use super::day::{self, ENTITY};
use super::model::{
    DoorCheck, DoorCheckAmendment, DoorCheckDay, DoorCheckOfDay, DoorCheckRequest, DoorCheckRow,
};
use super::{rules, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::calendar::store as cal_store;
use crate::dutyday::api::{MAX_NOTE, check_observed, observed_at};
use crate::dutyday::window::Phase;
use crate::dutyday::{amend, arrival, gate};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::names::Names;
use crate::org::{rules as org_rules, store as org_store};
use crate::principal::CurrentUser;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use uuid::Uuid;

fn unknown_item() -> ApiError {
    ApiError::invalid(FieldError::of("item", FieldCode::UnknownDoorCheckItem))
}

/// Record one door check of the day (a supervisor on duty that day, after substitutions).
///
/// The server's receipt time is the record's time; `observed_at` (offline records) is kept beside
/// it. One record per item and day, whoever of the day's supervisors makes it; send an
/// `Idempotency-Key` so that a retry replays the first answer. The item is due by the opening
/// (`on_arrival`), by the closing minus the center's `closing_lead_minutes` (`before_closing`)
/// or by the duty end (`after_closing`), by the day's hours; `late`, `needs_review` and `early`
/// are decided as described in `DoorCheck` (an early record is accepted and flagged, not
/// refused). Records are written from 00:00 of the date until the duty end plus the center's
/// `duty_grace_minutes`; after that only the office's amendments change the day.
#[utoipa::path(
    operation_id = "recordDoorCheck",
    tag = "duty",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    request_body = DoorCheckRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded: due time, early, late, needs review", body = DoorCheck),
        (status = 400, description = "`validation_failed`: `item` not an active item of the center (`unknown`), `observed_at` not RFC 3339 (`invalid_datetime`), `note` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed date or body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the caller is not one of the day's supervisors after substitutions (office admins, auditors and window staff included; a supervisor who handed the day to a substitute has lost it)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`door_check_already_recorded`: the item has its record for the day (an idempotent replay with the same `Idempotency-Key` answers the first 201 instead); `duty_day_closed`: past the duty end plus the grace period; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_working_day`: the hall is closed that day; `duty_day_not_started`: before 00:00 of the date; `observed_in_future`: `observed_at` more than 2 minutes ahead of the server; `observed_before_day`: `observed_at` before the day's start; `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/duty-days/{date}/door-checks")]
pub async fn record(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
    body: web::Json<DoorCheckRequest>,
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
        let w = gate::require_writer(conn, &state.clock, &user, date).await?;
        let tz = w.center.tz();
        let item = store::item_by_code(conn, w.center.id, &b.item)
            .await?
            .filter(|i| i.active)
            .ok_or_else(unknown_item)?;
        if let Some(first) = store::of_item(conn, w.center.id, date, item.id).await? {
            return Err(ApiError::of(Code::DoorCheckAlreadyRecorded)
                .param("item", &item.code)
                .param(
                    "received_at",
                    first.received_at.with_timezone(&tz).to_rfc3339(),
                ));
        }
        if let Some(o) = observed {
            check_observed(o, w.now, tz, date)?;
        }
        let v = rules::judge(item.due, &w.window, w.now, observed);
        let me = w.staff_id();
        let row = store::insert(
            conn,
            &DoorCheckRow {
                id: Uuid::now_v7(),
                center_id: w.center.id,
                day: date,
                item_id: item.id,
                recorded_by: Some(me),
                assignment_id: Some(w.duty.id),
                received_at: w.now,
                observed_at: observed,
                due_at: v.due_at,
                early: v.early,
                late: v.late,
                needs_review: v.needs_review,
                note: b.note.as_deref().map(|n| n.trim().to_owned()),
            },
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "recorded", ENTITY, row.id).after(&row),
        )
        .await?;
        let names = Names::load(conn, w.center.id, [me], []).await?;
        let view = row.view(&item.code, Some(names.staff(me)));
        Ok(Reply::json(StatusCode::CREATED, &view))
    })
    .await
}

/// A duty day's door checks (every role of the center): each active item of the center's list
/// (and any item recorded that day) with its due time by the day's hours and its record, or
/// `pending` (not due yet by the server's clock) / `missing` (past due); late, early and
/// needs-review flags; the office's amendments; and a summary. A date the hall is closed lists
/// no expected items.
#[utoipa::path(
    operation_id = "getDoorChecks",
    tag = "duty",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The day's items (at most the list's 50), in list order", body = DoorCheckDay),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty-days/{date}/door-checks")]
pub async fn get_day(
    user: CurrentUser,
    state: web::Data<AppState>,
    date: web::Path<NaiveDate>,
) -> ApiResult<web::Json<DoorCheckDay>> {
    let mut conn = state.pool.get().await?;
    let center = org_store::center(&mut conn, user.center_id).await?;
    Ok(web::Json(
        day::load(&mut conn, &center, *date, state.clock.now()).await?,
    ))
}

/// Correct one item's door check of a day (office admin), with a reason; the only way a door
/// check changes, during the day or after it closed.
///
/// With a record: `observed_at`, `note` and/or `late` change it (a new `observed_at` is judged
/// again by the rules unless `late` is given; `late` is the office's verdict and clears
/// `needs_review`). Without one (the item is missing): adds the record, done at `observed_at`
/// (required), late as the office says or as `observed_at` against the due time shows. The record
/// keeps its original in the amendment (`before`, `after`, who, when, why) and in the audit trail.
#[utoipa::path(
    operation_id = "amendDoorCheck",
    tag = "duty",
    params(
        ("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD"),
        ("item" = String, Path, description = "The item's code"),
    ),
    request_body = DoorCheckAmendment,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Amended: the item of the day with its record and amendments", body = DoorCheckOfDay),
        (status = 400, description = "`validation_failed`: `reason` blank or too long (`required`, `too_long`), `note` too long (`too_long`), `observed_at` not RFC 3339 (`invalid_datetime`) or missing when the item has no record (`required`); `unknown_field`; or a malformed date or body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No item with this code in the center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`nothing_to_amend`: the amendment changes nothing; `not_working_day`; `duty_day_not_started`; `observed_in_future`; `observed_before_day`; `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/duty-days/{date}/door-checks/{item}/amendments")]
pub async fn amend_check(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    path: web::Path<(NaiveDate, String)>,
    body: web::Json<DoorCheckAmendment>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let (date, code) = path.into_inner();
    let b = body.into_inner();
    let mut errs: Vec<FieldError> = Vec::new();
    errs.extend(amend::check_reason("reason", &b.reason));
    errs.extend(
        b.note
            .as_deref()
            .and_then(|n| org_rules::text("note", n, MAX_NOTE)),
    );
    let observed = match observed_at(b.observed_at.as_deref()) {
        Ok(o) => o,
        Err(_) => {
            errs.push(FieldError::of("observed_at", FieldCode::InvalidDatetime));
            None
        }
    };
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center = org_store::center(conn, user.center_id).await?;
        let tz = center.tz();
        let item = store::item_by_code(conn, center.id, &code)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let cal = cal_store::load(conn, center.id, date, date).await?;
        if !cal.is_working_day(date) {
            return Err(ApiError::of(Code::DutyDayNotWorking).param("date", date));
        }
        let window = gate::window(conn, &center, date).await?;
        let now = state.clock.now();
        if window.phase(now) == Phase::NotStarted {
            return Err(ApiError::of(Code::DutyDayNotStarted).param("date", date));
        }
        if let Some(o) = observed {
            check_observed(o, now, tz, date)?;
        }
        let before = store::of_item(conn, center.id, date, item.id).await?;
        let after = match &before {
            Some(old) => {
                let mut new = old.clone();
                if let Some(o) = observed {
                    let v = arrival::judge(old.due_at, old.received_at, Some(o));
                    new.observed_at = Some(o);
                    new.early = rules::earliest(item.due, &window).is_some_and(|e| o < e);
                    new.late = !v.on_time;
                    new.needs_review = v.needs_review;
                }
                if let Some(late) = b.late {
                    new.late = late;
                    new.needs_review = false;
                }
                if let Some(n) = &b.note {
                    new.note = Some(n.trim().to_owned());
                }
                if new == *old {
                    return Err(ApiError::of(Code::NothingToAmend));
                }
                store::update(conn, &new).await?
            }
            None => {
                let o = observed.ok_or_else(|| {
                    ApiError::invalid(FieldError::of("observed_at", FieldCode::Required))
                })?;
                let v = rules::office_verdict(item.due, &window, o, b.late);
                store::insert(
                    conn,
                    &DoorCheckRow {
                        id: Uuid::now_v7(),
                        center_id: center.id,
                        day: date,
                        item_id: item.id,
                        recorded_by: user.staff_id,
                        assignment_id: None,
                        received_at: now,
                        observed_at: Some(o),
                        due_at: v.due_at,
                        early: v.early,
                        late: v.late,
                        needs_review: false,
                        note: b.note.as_deref().map(|n| n.trim().to_owned()),
                    },
                )
                .await?
            }
        };
        amend::record(
            conn,
            &user,
            amend::Change {
                day: date,
                entity_type: ENTITY,
                entity_id: after.id,
                reason: &b.reason,
                before: &before,
                after: &Some(after.clone()),
                at: now,
            },
        )
        .await?;
        let d = day::load(conn, &center, date, now).await?;
        let view = d
            .items
            .into_iter()
            .find(|i| i.item_id == item.id)
            .ok_or_else(ApiError::not_found)?;
        Ok(Reply::json(StatusCode::CREATED, &view))
    })
    .await
}
