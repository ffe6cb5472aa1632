//! Swaps (换班): two people exchange two duties; both agree, the office registers.

use super::checks::{RequestQuery, can_cover, check_no_open_change, open_duty, today};
use super::model::{Swap, SwapView};
use super::store::{self as rs, NewSwap};
use super::workflow::{SwapMove, Swaps};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, Problem};
use crate::idempotency::{self, Idem};
use crate::lifecycle::{self, list as reads};
use crate::pagination::{Page, PageParams};
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwapRequest {
    /// Your duty.
    pub assignment_id: Uuid,
    /// The other person's duty you would take instead.
    pub other_assignment_id: Uuid,
    #[serde(default)]
    pub reason: String,
}

fn has_substitute() -> ApiError {
    ApiError::of(Code::HasSubstitute)
}

/// Propose a swap of one of your duties with someone else's.
#[utoipa::path(
    operation_id = "proposeSwap",
    tag = "swaps",
    request_body = SwapRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Proposed", body = SwapView),
        (status = 400, description = "`validation_failed` (unknown duty), `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the first duty is not yours", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`change_open`: one of the duties already has an open substitution or swap", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`duty_in_past`, `same_day`, `has_substitute`, `not_eligible`, `on_leave` or `already_on_duty`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/swaps")]
pub async fn propose(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<SwapRequest>,
) -> ApiResult<HttpResponse> {
    let me = user.staff_id.ok_or_else(ApiError::forbidden)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        // Both duties are locked, in id order (as registration does), so crossing proposals
        // queue instead of deadlocking.
        let mut wanted = [
            (body.assignment_id, "assignment_id"),
            (body.other_assignment_id, "other_assignment_id"),
        ];
        wanted.sort();
        let today = today(conn, &state.clock, user.center_id).await?;
        let mut found = Vec::with_capacity(2);
        for (id, field) in wanted {
            found.push(open_duty(conn, today, user.center_id, id, field, true).await?);
        }
        let (a, b) = if found[0].id == body.assignment_id {
            (found.remove(0), found.remove(0))
        } else {
            let a = found.remove(1);
            (a, found.remove(0))
        };
        if a.on_duty() != me {
            return Err(ApiError::of(Code::NotOnDutyFirstDuty));
        }
        if a.substitute_id.is_some() || b.substitute_id.is_some() {
            return Err(has_substitute());
        }
        check_no_open_change(conn, &[a.id, b.id]).await?;
        if a.date == b.date || a.staff_id == b.staff_id {
            return Err(ApiError::of(Code::SameDay));
        }
        can_cover(conn, user.center_id, me, b.date, &[]).await?;
        can_cover(conn, user.center_id, b.staff_id, a.date, &[]).await?;
        let s = rs::insert_swap(
            conn,
            NewSwap {
                id: Uuid::now_v7(),
                center_id: user.center_id,
                assignment_a: a.id,
                assignment_b: b.id,
                staff_a: me,
                staff_b: b.staff_id,
                version_a: a.version,
                version_b: b.version,
                reason: body.reason.chars().take(500).collect(),
            },
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "proposed", "swap", s.id).after(&s),
        )
        .await?;
        let version = s.version;
        reads::created(conn, user.center_id, s, version, "/api/v1/swaps").await
    })
    .await
}

/// Makes move `m` on a swap through the shared lifecycle.
async fn transition(
    user: &CurrentUser,
    state: &AppState,
    idem: &Idem,
    id: Uuid,
    m: SwapMove,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, idem, async |conn| {
        let s = lifecycle::transition::<Swap>(conn, &Swaps, user, id, m, "").await?;
        reads::moved(conn, user.center_id, s).await
    })
    .await
}

macro_rules! swap_move {
    ($name:ident, $op:literal, $path:literal, $move:expr, $who:literal) => {
        #[doc = $who]
        #[utoipa::path(
            operation_id = $op,
            tag = "swaps",
            params(("id" = Uuid, Path, description = "Swap id")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "The swap in its new state", body = SwapView),
                (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "`forbidden`: not this caller's move; `own_request`: an office decision (register, reject, acknowledge, void) on a request the caller made or is part of", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such swap in the caller's center", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "`invalid_state`, `assignment_changed` or `double_duty`", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "On register: `not_eligible`, `on_leave` or `already_on_duty`", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $name(user: CurrentUser, state: web::Data<AppState>, idem: Idem, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
            transition(&user, &state, &idem, *id, $move).await
        }
    };
}

swap_move!(
    accept,
    "acceptSwap",
    "/swaps/{id}/accept",
    SwapMove::Accept,
    "The other person agrees to the swap."
);
swap_move!(
    decline,
    "declineSwap",
    "/swaps/{id}/decline",
    SwapMove::Decline,
    "The other person declines."
);
swap_move!(
    register,
    "registerSwap",
    "/swaps/{id}/register",
    SwapMove::Register,
    "The office registers an accepted swap; the two duties change hands."
);
swap_move!(
    reject,
    "rejectSwap",
    "/swaps/{id}/reject",
    SwapMove::Reject,
    "The office rejects an open swap."
);
swap_move!(
    cancel,
    "cancelSwap",
    "/swaps/{id}/cancel",
    SwapMove::Cancel,
    "The requester withdraws an open swap."
);

crate::request_reads!(
    kind = Swap,
    view = SwapView,
    query = RequestQuery,
    tag = "swaps",
    list = (
        "/swaps",
        "listSwaps",
        "Swaps, newest first. Office admins and auditors see all; others see their own."
    ),
    get = (
        "/swaps/{id}",
        "getSwap",
        "One swap (office admins, auditors, or the two people involved).",
        "Swap id",
        "The swap"
    ),
);
