//! The moves of a follow-up (`assign`, `call-back`, `rectify`, `close`): each a POST with a
//! note, driven by [`lifecycle::transition`] (403 not the caller's move, 409 not from this
//! state).
//!
//! Audit: entity type `rating_follow_up`, action = the new state (`open` for an assignment,
//! `called_back`, `rectified`, `closed`), `before` and `after`. Closing a follow-up of a
//! portal-submitted rating tells the portal (`rating.follow_up_closed`).

use super::follow_up::{FollowUpMove, FollowUpState, FollowUps};
use super::model::{FollowUp, FollowUpRow};
use super::read::follow_up_views;
use super::store;
use crate::AppState;
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::lifecycle::{self, Party};
use crate::org::rules::{self, Errors};
use crate::org::store as org_store;
use crate::outbox::{self, Event};
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, post, web};
use diesel::OptionalExtension;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

const MAX_NOTE: usize = 1000;

/// What was done, 1–1000 characters.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveNote {
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
}

/// The office names who calls the citizen back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// An active staff member of the center.
    pub assignee_id: Uuid,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: String,
}

/// Makes move `m` on follow-up `id` as `user`: 404 when they may not see it.
async fn make_move(
    state: &AppState,
    user: &CurrentUser,
    idem: &Idem,
    id: Uuid,
    m: FollowUpMove,
    note: &str,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, idem, async |conn| {
        let center = org_store::center(conn, user.center_id).await?;
        let current = store::follow_up(conn, center.id, id, false).await?;
        if !lifecycle::list::visible(&current, user) {
            return Err(ApiError::not_found());
        }
        if let FollowUpMove::Assign(a) = m {
            let staff = org_store::staff_by_id(conn, center.id, a)
                .await
                .optional()?;
            if !staff.is_some_and(|s| s.active) {
                return Err(ApiError::invalid(FieldError::of(
                    "assignee_id",
                    FieldCode::UnknownActiveStaff,
                )));
            }
        }
        let after: FollowUpRow =
            lifecycle::transition(conn, &FollowUps, user, id, m, note.trim()).await?;
        if after.state == FollowUpState::Closed
            && let Some(p) = &after.portal
        {
            outbox::enqueue(
                conn,
                Event {
                    center_id: center.id,
                    portal: p,
                    kind: "rating.follow_up_closed",
                    entity_id: after.rating_id,
                    payload: json!({
                        "rating_id": after.rating_id,
                        "follow_up_id": after.id,
                        "state": after.state,
                    }),
                },
            )
            .await?;
        }
        let view: FollowUp =
            follow_up_views(conn, center.id, center.today(&state.clock), vec![after])
                .await?
                .pop()
                .ok_or_else(ApiError::internal)?;
        Ok(Reply::ok(&view))
    })
    .await
}

fn check_note(note: &str, required: bool) -> Result<(), ApiError> {
    let mut errs = Errors::default();
    if required || !note.trim().is_empty() {
        errs.check(rules::text("note", note, MAX_NOTE));
    }
    errs.finish()
}

/// Name who calls the citizen back (office admins; while the follow-up is open).
#[utoipa::path(
    operation_id = "assignRatingFollowUp",
    tag = "ratings",
    params(("id" = Uuid, Path, description = "Follow-up id")),
    request_body = AssignBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Assigned", body = FollowUp),
        (status = 400, description = "`validation_failed`: `assignee_id` not an active staff member of the center (`unknown`), `note` too long; `unknown_field`; malformed body or id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only office admins assign", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`: no longer open; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rating-follow-ups/{id}/assign")]
pub async fn assign(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<AssignBody>,
) -> ApiResult<HttpResponse> {
    check_note(&body.note, false)?;
    let m = FollowUpMove::Assign(body.assignee_id);
    debug_assert_eq!(lifecycle::Machine::party(&FollowUps, m), Party::Office);
    make_move(&state, &user, &idem, *id, m, &body.note).await
}

macro_rules! assignee_move {
    ($fn:ident, $path:literal, $op:literal, $doc:literal, $ok:literal, $from:literal, $m:expr) => {
        #[doc = $doc]
        #[utoipa::path(
            operation_id = $op,
            tag = "ratings",
            params(("id" = Uuid, Path, description = "Follow-up id")),
            request_body = MoveNote,
            security(("bearer" = [])),
            responses(
                (status = 200, description = $ok, body = FollowUp),
                (status = 400, description = "`validation_failed`: `note` blank or over 1000 characters; `unknown_field`; malformed body or id", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "`forbidden`: only the assignee makes this move", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "Not found (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = $from, body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $fn(
            user: CurrentUser,
            state: web::Data<AppState>,
            idem: Idem,
            id: web::Path<Uuid>,
            body: web::Json<MoveNote>,
        ) -> ApiResult<HttpResponse> {
            check_note(&body.note, true)?;
            make_move(&state, &user, &idem, *id, $m, &body.note).await
        }
    };
}

assignee_move!(
    call_back,
    "/rating-follow-ups/{id}/call-back",
    "callBackRatingFollowUp",
    "Record the call back to the citizen (the assignee; from `open`), with what was said.",
    "Called back",
    "`invalid_state`: not open; `idempotency_in_progress`",
    FollowUpMove::CallBack
);
assignee_move!(
    rectify,
    "/rating-follow-ups/{id}/rectify",
    "rectifyRatingFollowUp",
    "Record the rectification (the assignee; after the call back), with what was changed.",
    "Rectified",
    "`invalid_state`: not called back; `idempotency_in_progress`",
    FollowUpMove::Rectify
);
assignee_move!(
    close,
    "/rating-follow-ups/{id}/close",
    "closeRatingFollowUp",
    "Close the follow-up once the result is fed back to the citizen (the assignee; after the rectification). The citizen may then rate again; a portal-submitted rating's portal hears of it (`rating.follow_up_closed`).",
    "Closed",
    "`invalid_state`: not rectified; `idempotency_in_progress`",
    FollowUpMove::Close
);
