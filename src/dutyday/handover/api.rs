//! Making a handover, replacing its notes, confirming its items.

use super::model::{
    ConfirmItems, Handover, HandoverRow, ItemKind, ItemRow, MakeHandover, ReplaceNotes,
};
use super::{store, view};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::calendar::store as cal_store;
use crate::dutyday::{gate, pending, powers};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::{rules as org_rules, store as org_store};
use crate::principal::CurrentUser;
use crate::web as http;
use actix_web::{HttpRequest, HttpResponse, post, put, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::json;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Most notes a handover carries.
pub const MAX_NOTES: usize = 20;
/// Longest note, in characters.
pub const MAX_NOTE: usize = 500;
/// Most items one confirmation names.
pub const MAX_CONFIRM: usize = 200;
/// How far ahead the next working day is first looked for (longer than any holiday).
const LOOKAHEAD_DAYS: i64 = 62;

/// The notes, trimmed, or the field errors (`notes`, `notes[i]`).
fn check_notes(notes: &[String]) -> Result<Vec<String>, ApiError> {
    if notes.len() > MAX_NOTES {
        return Err(ApiError::invalid(
            FieldError::of("notes", FieldCode::TooMany).param("max", MAX_NOTES),
        ));
    }
    let errors: Vec<FieldError> = notes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| org_rules::text(&format!("notes[{i}]"), n, MAX_NOTE))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(notes.iter().map(|n| n.trim().to_owned()).collect())
}

fn note_rows(handover_id: Uuid, first: i32, notes: &[String]) -> Vec<ItemRow> {
    notes
        .iter()
        .zip(first..)
        .map(|(n, position)| ItemRow {
            id: Uuid::now_v7(),
            handover_id,
            position,
            kind: ItemKind::Note,
            ref_id: None,
            summary: Some(n.clone()),
            confirmed_by: None,
            confirmed_at: None,
        })
        .collect()
}

/// The next working day after `date` and its published duties (after substitutions); 422
/// `handover_next_day_unknown` when the calendar lacks the holidays of a year on the way, 422
/// `handover_no_next_duty` when nothing is published for that day.
async fn receiving_day(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    date: NaiveDate,
) -> ApiResult<NaiveDate> {
    let mut to = date + Duration::days(LOOKAHEAD_DAYS);
    let next = loop {
        let cal = cal_store::load(conn, center_id, date, to).await?;
        let next = cal.next_working_day(date).ok_or_else(|| {
            ApiError::of(Code::HandoverNoNextDuty)
                .param("date", date)
                .param("next", "-")
        })?;
        if next > to {
            // Past what was loaded: load up to it, so that its special days are known.
            to = next;
            continue;
        }
        let missing = cal.years_without_holidays(date + Duration::days(1), next);
        if !missing.is_empty() {
            return Err(ApiError::of(Code::HandoverNextDayUnknown)
                .param("date", date)
                .list("years", missing));
        }
        break next;
    };
    if powers::on_duty(conn, center_id, next).await?.is_empty() {
        return Err(ApiError::of(Code::HandoverNoNextDuty)
            .param("date", date)
            .param("next", next));
    }
    Ok(next)
}

fn exists(h: &HandoverRow, tz: chrono_tz::Tz) -> ApiError {
    ApiError::of(Code::HandoverExists)
        .param("date", h.day)
        .param("id", h.id)
        .param("made_at", h.made_at.with_timezone(&tz).to_rfc3339())
}

/// Hand the desk sign and badge (桌牌、胸牌) to the next working day's duty (R8, R12).
///
/// By one of the day's supervisors (after substitutions), from the start of the day until its
/// duty end plus the center's grace period. The receiving day is the next working day on the
/// center's calendar; its supervisors (after substitutions, now and when they confirm) receive.
/// The items are, in order: `desk_sign`, `badge`, the pending matters the server collects for
/// the day (each with `ref_id` and `summary`), then the `notes` sent. `on_time` is true when the
/// server received it before the day's afternoon closing (`due_at`); later (until the grace
/// period ends) it is accepted and marked late. One handover per day: send an
/// `Idempotency-Key` so that a retry replays the first 201; until its receipt is confirmed, the
/// notes are replaced with `PUT /handovers/{id}/notes`.
#[utoipa::path(
    operation_id = "makeHandover",
    tag = "duty",
    params(("date" = NaiveDate, Path, description = "The giving duty day, YYYY-MM-DD")),
    request_body = MakeHandover,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Handed over: the items, who receives, on time or late", body = Handover,
            headers(("ETag" = String, description = "The handover's version"), ("Location" = String, description = "/api/v1/handovers/{id}"))),
        (status = 400, description = "`validation_failed`: more than 20 notes (`too_many`), a note blank or longer than 500 characters (`required`, `too_long`, field `notes[i]`); `unknown_field`; or a malformed date or body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the caller is not one of the day's supervisors after substitutions (a supervisor who handed the day to a substitute has lost it; office admins, auditors and window staff included)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`handover_exists`: the day's handover was already made (an idempotent replay with the same `Idempotency-Key` answers the first 201 instead); `duty_day_closed`: past the day's duty end plus the grace period; `concurrent_update`: a concurrent write won, retry; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_working_day`: the hall is closed that day; `duty_day_not_started`: the date is still ahead; `handover_no_next_duty`: no duty is published for the next working day (named in `detail`); `handover_next_day_unknown`: the statutory holidays of a year before the next working day are not loaded; `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/duty-days/{date}/handover")]
pub async fn make(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
    body: web::Json<MakeHandover>,
) -> ApiResult<HttpResponse> {
    let date = *date;
    let notes = check_notes(&body.notes)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let w = gate::require_writer(conn, &state.clock, &user, date).await?;
        let center_id = w.center.id;
        if let Some(h) = store::given_on(conn, center_id, date).await? {
            return Err(exists(&h, w.center.tz()));
        }
        let to_day = receiving_day(conn, center_id, date).await?;
        let id = Uuid::now_v7();
        let objects = [ItemKind::DeskSign, ItemKind::Badge].map(|kind| pending::Pending {
            kind,
            ref_id: None,
            summary: None,
        });
        let matters = pending::collect(conn, center_id, date, to_day).await?;
        let mut items: Vec<ItemRow> = objects
            .into_iter()
            .chain(matters)
            .zip(1..)
            .map(|(p, position)| ItemRow {
                id: Uuid::now_v7(),
                handover_id: id,
                position,
                kind: p.kind,
                ref_id: p.ref_id,
                summary: p.summary,
                confirmed_by: None,
                confirmed_at: None,
            })
            .collect();
        let first_note = i32::try_from(items.len()).unwrap_or(i32::MAX) + 1;
        items.extend(note_rows(id, first_note, &notes));
        let row = HandoverRow {
            id,
            center_id,
            day: date,
            to_day,
            made_by: w.staff_id(),
            assignment_id: w.duty.id,
            made_at: w.now,
            due_at: w.window.closing_at,
            on_time: w.now < w.window.closing_at,
            items_total: i32::try_from(items.len()).unwrap_or(i32::MAX),
            items_confirmed: 0,
            confirmed_at: None,
            version: 1,
            updated_at: w.now,
        };
        let Some(row) = store::insert(conn, &row, &items).await? else {
            // Another of the day's supervisors made it a moment ago.
            return match store::given_on(conn, center_id, date).await? {
                Some(h) => Err(exists(&h, w.center.tz())),
                None => Err(ApiError::of(Code::ConcurrentUpdate)),
            };
        };
        let v = view(conn, center_id, row).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "handed_over", "handover", v.summary.id).after(&v),
        )
        .await?;
        Ok(Reply::created(
            &v,
            v.version,
            format!("/api/v1/handovers/{}", v.summary.id),
        ))
    })
    .await
}

/// Replace a handover's notes (before its receipt is confirmed).
///
/// By one of the giving day's supervisors (after substitutions) while the day is writable (until
/// its duty end plus the grace period), and only while no item is confirmed. The desk sign, the
/// badge and the collected matters stay; the notes sent replace the old ones (an empty list
/// removes them). Honours `If-Match` with the handover's `ETag`.
#[utoipa::path(
    operation_id = "replaceHandoverNotes",
    tag = "duty",
    params(
        ("id" = Uuid, Path, description = "The handover"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale"),
    ),
    request_body = ReplaceNotes,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The handover with its new notes", body = Handover,
            headers(("ETag" = String, description = "The handover's new version"))),
        (status = 400, description = "`validation_failed`: more than 20 notes (`too_many`), a note blank or longer than 500 characters (`required`, `too_long`, field `notes[i]`); `unknown_field`; or a malformed id or body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the caller is not one of the giving day's supervisors after substitutions", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such handover in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`handover_confirmation_started`: an item is confirmed already; `duty_day_closed`: the giving day is past its duty end plus the grace period; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`: `If-Match` names another version", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/handovers/{id}/notes")]
pub async fn replace_notes(
    req: HttpRequest,
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<ReplaceNotes>,
) -> ApiResult<HttpResponse> {
    let expected = http::if_match(&req)?;
    let notes = check_notes(&body.notes)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let mut h = store::find(conn, user.center_id, *id, true)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let w = gate::require_writer(conn, &state.clock, &user, h.day).await?;
        http::check_version(expected, h.version)?;
        if h.items_confirmed > 0 {
            return Err(ApiError::of(Code::HandoverConfirmationStarted));
        }
        let before = view(conn, h.center_id, h.clone()).await?;
        let kept = before
            .items
            .iter()
            .filter(|i| i.kind != ItemKind::Note)
            .count();
        let kept = i32::try_from(kept).unwrap_or(i32::MAX);
        store::replace_notes(conn, h.id, &note_rows(h.id, kept + 1, &notes)).await?;
        h.items_total = kept + i32::try_from(notes.len()).unwrap_or(i32::MAX);
        h.version += 1;
        h.updated_at = w.now;
        let h = store::update(conn, &h).await?;
        let after = view(conn, h.center_id, h).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "notes_replaced", "handover", after.summary.id)
                .before(&before)
                .after(&after),
        )
        .await?;
        Ok(Reply::with_etag(&after, after.version))
    })
    .await
}

/// Confirm receipt of handover items, item by item (R8, R12).
///
/// By any supervisor on duty on the receiving day (after substitutions: a substitute may, the
/// supervisor they replaced may not), from when the handover is made until the receiving day
/// closes (its duty end plus the center's grace period). Each item named records who confirmed
/// it and when. **Confirming an item that is already confirmed is a no-op for that item**: it
/// keeps its first confirmer and time, and the request still succeeds. The handover is
/// `confirmed` when every item is.
#[utoipa::path(
    operation_id = "confirmHandoverItems",
    tag = "duty",
    params(("id" = Uuid, Path, description = "The handover")),
    request_body = ConfirmItems,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The handover with the items' confirmations", body = Handover,
            headers(("ETag" = String, description = "The handover's version"))),
        (status = 400, description = "`validation_failed`: `items` empty or longer than 200 (`required`, `too_many`), or an id that is not an item of this handover (`unknown`, field `items[i]`); `unknown_field`; or a malformed id or body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the caller is not one of the receiving day's supervisors after substitutions", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such handover in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`duty_day_closed`: the receiving day is past its duty end plus the grace period; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/handovers/{id}/confirm")]
pub async fn confirm(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<ConfirmItems>,
) -> ApiResult<HttpResponse> {
    let wanted = body.into_inner().items;
    if wanted.is_empty() {
        return Err(ApiError::invalid(FieldError::of(
            "items",
            FieldCode::Required,
        )));
    }
    if wanted.len() > MAX_CONFIRM {
        return Err(ApiError::invalid(
            FieldError::of("items", FieldCode::TooMany).param("max", MAX_CONFIRM),
        ));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let mut h = store::find(conn, user.center_id, *id, true)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let duty = powers::require_on_duty(conn, &user, h.to_day).await?;
        let center = org_store::center(conn, h.center_id).await?;
        let window = gate::window(conn, &center, h.to_day).await?;
        let now: DateTime<Utc> = state.clock.now();
        if now > window.writable_until {
            return Err(gate::closed(&window, center.tz()));
        }
        let items = store::items(conn, &[h.id]).await?;
        let unknown: Vec<FieldError> = wanted
            .iter()
            .enumerate()
            .filter(|(_, w)| !items.iter().any(|i| i.id == **w))
            .map(|(n, _)| FieldError::of(&format!("items[{n}]"), FieldCode::UnknownHandoverItem))
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::validation(unknown));
        }
        let wanted: BTreeSet<Uuid> = wanted.iter().copied().collect();
        let fresh: Vec<Uuid> = items
            .iter()
            .filter(|i| wanted.contains(&i.id) && i.confirmed_at.is_none())
            .map(|i| i.id)
            .collect();
        if !fresh.is_empty() {
            let before = h.clone();
            store::confirm(conn, h.id, &fresh, duty.on_duty(), now).await?;
            h.items_confirmed += i32::try_from(fresh.len()).unwrap_or(i32::MAX);
            if h.items_confirmed >= h.items_total {
                h.confirmed_at = Some(now);
            }
            h.version += 1;
            h.updated_at = now;
            h = store::update(conn, &h).await?;
            audit::record(
                conn,
                AuditEntry::new(&user, "confirmed", "handover", h.id)
                    .before(&before)
                    .after(json!({"handover": &h, "confirmed_items": &fresh})),
            )
            .await?;
        }
        let v = view(conn, h.center_id, h).await?;
        Ok(Reply::with_etag(&v, v.version))
    })
    .await
}
