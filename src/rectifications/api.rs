//! Rectification endpoints: the moves (`answer`, `verify`, `reopen`: each a POST with a note,
//! driven by [`lifecycle::transition`]) and the reads (`GET /rectifications`, one by id).
//!
//! Audit: entity type `rectification`, action = the new state (`answered`, `verified`,
//! `reopened`), `before` and `after`.

use super::model::{
    AnswerRequest, EventRow, Rectification, RectificationEvent, RectificationRow, ReopenRequest,
    VerifyRequest,
};
use super::store::{self, Filter};
use super::workflow::{RectificationMove, RectificationStatus, Rectifications};
use crate::AppState;
use crate::attachments::{self, model::EntityType, store as att_store};
use crate::dutyday::powers;
use crate::error::{ApiError, ApiResult, Code, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::inspections::{access, deadline, rules, store as ins_store};
use crate::lifecycle;
use crate::org::names::Names;
use crate::org::{rules as org_rules, store as org_store};
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use uuid::Uuid;

const MAX_NOTE: usize = 1000;
const MAX_ATTACHMENTS: usize = 5;

/// Views of `rows` against the center's `today`: findings, names, photos and history in five
/// queries whatever their number.
pub async fn views(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    today: NaiveDate,
    rows: Vec<RectificationRow>,
) -> QueryResult<Vec<Rectification>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let finding_ids: Vec<Uuid> = rows.iter().map(|r| r.inspection_id).collect();
    let findings: HashMap<Uuid, _> = ins_store::by_ids(conn, center_id, &finding_ids)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let mut history: HashMap<Uuid, Vec<EventRow>> = HashMap::new();
    for e in store::events(conn, &ids).await? {
        history.entry(e.rectification_id).or_default().push(e);
    }
    let mut photos: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (r, a) in att_store::referenced_by(conn, EntityType::Rectification, &ids).await? {
        photos.entry(r).or_default().push(a);
    }
    let people = rows
        .iter()
        .flat_map(|r| r.staff_id.into_iter().chain(r.decided_by))
        .chain(history.values().flatten().filter_map(|e| e.staff_id));
    let names = Names::load(conn, center_id, people.collect::<Vec<_>>(), []).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(f) = findings.get(&r.inspection_id) else {
            return Err(diesel::result::Error::NotFound);
        };
        out.push(Rectification {
            id: r.id,
            inspection_id: r.inspection_id,
            inspection_date: f.day,
            category: f.category,
            severity: f.severity,
            description: f.description.clone(),
            staff_id: r.staff_id,
            staff_name: r.staff_id.map(|s| names.staff(s)),
            status: r.status,
            working_days: r.working_days,
            deadline: r.deadline,
            overdue: RectificationStatus::PENDING.contains(&r.status) && r.deadline < today,
            decided_by: r.decided_by,
            decided_by_name: r.decided_by.map(|s| names.staff(s)),
            decision_note: r.decision_note,
            attachment_ids: photos.remove(&r.id).unwrap_or_default(),
            events: history
                .remove(&r.id)
                .unwrap_or_default()
                .into_iter()
                .map(|e| RectificationEvent {
                    action: e.action,
                    staff_name: e.staff_id.map(|s| names.staff(s)),
                    staff_id: e.staff_id,
                    note: e.note,
                    deadline: e.deadline,
                    at: e.at,
                })
                .collect(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        });
    }
    Ok(out)
}

/// Whether the caller holds the duty of `date` (after substitutions).
async fn holds_duty(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    date: NaiveDate,
) -> Result<bool, ApiError> {
    match powers::require_on_duty(conn, user, date).await {
        Ok(_) => Ok(true),
        Err(e) if e.entry() == Code::NotOnDutyThatDay => Ok(false),
        Err(e) => Err(e),
    }
}

/// What a move needs besides its kind.
struct MoveInput<'a> {
    note: &'a str,
    attachments: &'a [Uuid],
    /// Reopening: the new period in working days.
    reopen_days: Option<i32>,
}

/// Makes a move on rectification `id` as `user`: 404 when they may not see it, then the
/// lifecycle's transition (403 not their move, 409 not from this state), the move's history
/// entry and attachments.
async fn make_move(
    state: &AppState,
    user: &CurrentUser,
    idem: &Idem,
    id: Uuid,
    verifying: bool,
    input: MoveInput<'_>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, idem, async |conn| {
        let center = org_store::center(conn, user.center_id).await?;
        let today = center.today(&state.clock);
        let current = store::find(conn, center.id, id, false).await?;
        if !access::may_see(user, current.staff_id) {
            return Err(ApiError::not_found());
        }
        let m = match input.reopen_days {
            Some(n) => RectificationMove::Reopen {
                working_days: n,
                deadline: deadline::after(conn, center.id, today, u32::try_from(n).unwrap_or(1))
                    .await?,
            },
            None if verifying => RectificationMove::Verify,
            None => RectificationMove::Answer,
        };
        let caller_on_duty =
            m != RectificationMove::Answer && holds_duty(conn, user, today).await?;
        let machine = Rectifications {
            hall_wide: current.staff_id.is_none(),
            caller_on_duty,
        };
        let note = input.note.trim();
        let after: RectificationRow =
            lifecycle::transition(conn, &machine, user, id, m, note).await?;
        let now = state.clock.now();
        store::insert_event(
            conn,
            &EventRow {
                id: Uuid::now_v7(),
                rectification_id: id,
                action: after.status,
                staff_id: user.staff_id,
                note: note.to_owned(),
                deadline: input.reopen_days.map(|_| after.deadline),
                at: now,
            },
        )
        .await?;
        attachments::attach(
            conn,
            user,
            input.attachments,
            false,
            (EntityType::Rectification, id),
            now,
        )
        .await?;
        let view = views(conn, center.id, today, vec![after])
            .await?
            .pop()
            .ok_or_else(ApiError::internal)?;
        Ok(Reply::ok(&view))
    })
    .await
}

fn check_note(note: &str, more: Vec<FieldError>) -> Result<(), ApiError> {
    let mut errors: Vec<FieldError> = org_rules::text("note", note, MAX_NOTE)
        .into_iter()
        .collect();
    errors.extend(more);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Answer a rectification: what was done, with optional photos or documents.
///
/// The staff member the finding is about answers; for a hall-wide finding, the office. From
/// `open` or `reopened` to `answered`.
#[utoipa::path(
    operation_id = "answerRectification",
    tag = "rectifications",
    params(("id" = Uuid, Path, description = "The rectification's id")),
    request_body = AnswerRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Answered", body = Rectification),
        (status = 400, description = "`validation_failed`: `note` blank or too long (`required`, `too_long`), `attachment_ids` more than 5 or repeated (`too_many`, `duplicate`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not the staff member concerned (or, for a hall-wide finding, not the office)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`: not open or reopened; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`attachment_unavailable`: an attachment does not exist or was not uploaded by the caller; `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rectifications/{id}/answer")]
pub async fn answer(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<AnswerRequest>,
) -> ApiResult<HttpResponse> {
    check_note(
        &body.note,
        rules::attachment_ids("attachment_ids", &body.attachment_ids, MAX_ATTACHMENTS),
    )?;
    let input = MoveInput {
        note: &body.note,
        attachments: &body.attachment_ids,
        reopen_days: None,
    };
    make_move(&state, &user, &idem, *id, false, input).await
}

/// Verify a rectification: done, closed.
///
/// A supervisor on duty on the center's today (after substitutions), or the office. From
/// `answered` to `verified`.
#[utoipa::path(
    operation_id = "verifyRectification",
    tag = "rectifications",
    params(("id" = Uuid, Path, description = "The rectification's id")),
    request_body = VerifyRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Verified (closed)", body = Rectification),
        (status = 400, description = "`validation_failed`: `note` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: neither a supervisor on duty today nor the office; `own_request`: the rectification is the caller's own", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`: not answered; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rectifications/{id}/verify")]
pub async fn verify(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<VerifyRequest>,
) -> ApiResult<HttpResponse> {
    check_note(&body.note, Vec::new())?;
    let input = MoveInput {
        note: &body.note,
        attachments: &[],
        reopen_days: None,
    };
    make_move(&state, &user, &idem, *id, true, input).await
}

/// Reopen a rectification: not done yet, due again within a number of working days from today.
///
/// A supervisor on duty on the center's today (after substitutions), or the office. From
/// `answered` to `reopened`, with the new deadline counted on the center's calendar.
#[utoipa::path(
    operation_id = "reopenRectification",
    tag = "rectifications",
    params(("id" = Uuid, Path, description = "The rectification's id")),
    request_body = ReopenRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reopened with its new deadline", body = Rectification),
        (status = 400, description = "`validation_failed`: `note` blank or too long (`required`, `too_long`), `rectify_within_working_days` out of 1–30 (`out_of_range`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: neither a supervisor on duty today nor the office; `own_request`: the rectification is the caller's own", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`: not answered; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`holidays_not_loaded`: the new deadline spans a year whose statutory holidays are not loaded; `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rectifications/{id}/reopen")]
pub async fn reopen(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<ReopenRequest>,
) -> ApiResult<HttpResponse> {
    let n = body.rectify_within_working_days;
    check_note(
        &body.note,
        rules::working_days("rectify_within_working_days", n)
            .into_iter()
            .collect(),
    )?;
    let input = MoveInput {
        note: &body.note,
        attachments: &[],
        reopen_days: Some(n),
    };
    make_move(&state, &user, &idem, *id, false, input).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RectificationQuery {
    pub status: Option<RectificationStatus>,
    /// About this person (window staff: only themselves).
    pub staff_id: Option<Uuid>,
    /// `true`: only open or reopened ones past their deadline by the center's today.
    pub overdue: Option<bool>,
}

/// Rectifications of the center, newest first.
///
/// Office admins, auditors and supervisors see all of the center; window staff only their own.
#[utoipa::path(
    operation_id = "listRectifications",
    tag = "rectifications",
    params(RectificationQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page, newest first", body = Page<Rectification>),
        (status = 400, description = "`validation_failed` (limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rectifications")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RectificationQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Rectification>>> {
    let limit = paging.limit()?;
    let before: Option<Uuid> = paging.after()?;
    let Ok(staff_id) = access::scope(&user, query.staff_id) else {
        return Ok(web::Json(Page {
            items: Vec::new(),
            next_cursor: None,
        }));
    };
    let mut conn = state.pool.get().await?;
    let center = org_store::center(&mut conn, user.center_id).await?;
    let today = center.today(&state.clock);
    let f = Filter {
        center_id: center.id,
        status: query.status,
        staff_id,
        overdue_on: (query.overdue == Some(true)).then_some(today),
        before,
        fetch: limit + 1,
    };
    let rows = store::page(&mut conn, f).await?;
    let page = pagination::page(rows, limit, |r| r.id, |r| r);
    Ok(web::Json(Page {
        items: views(&mut conn, center.id, today, page.items).await?,
        next_cursor: page.next_cursor,
    }))
}

/// One rectification with its finding in short, history and attachments.
#[utoipa::path(
    operation_id = "getRectification",
    tag = "rectifications",
    params(("id" = Uuid, Path, description = "The rectification's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rectification", body = Rectification),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rectifications/{id}")]
pub async fn get_one(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Rectification>> {
    let mut conn = state.pool.get().await?;
    let row = store::find(&mut conn, user.center_id, *id, false).await?;
    if !access::may_see(&user, row.staff_id) {
        return Err(ApiError::not_found());
    }
    let center = org_store::center(&mut conn, user.center_id).await?;
    let today = center.today(&state.clock);
    let view = views(&mut conn, center.id, today, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::internal)?;
    Ok(web::Json(view))
}
