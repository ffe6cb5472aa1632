//! Substitutes (顶岗, R6): the supervisor on duty proposes; when the substitute agrees the
//! substitution takes effect and is filed with the office (报中心办公室备案), which acknowledges it
//! or voids it with a reason. A center may require the office's approval first (the approval
//! gate). The office may also record an offline agreement in one step.

use super::checks::{
    DecisionNote, RequestQuery, can_cover, change_open, check_no_open_change, open_duty, today,
};
use super::model::{Substitution, SubstitutionView};
use super::store::{self as rs, NewSubstitution};
use super::workflow::{SubstitutionMove, SubstitutionStatus, Substitutions};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem};
use crate::lifecycle::{self, list as reads};
use crate::pagination::{Page, PageParams};
use crate::principal::CurrentUser;
use crate::roster::rosters::constraint_conflict;
use crate::roster::store;
use actix_web::{HttpResponse, get, post, web};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubstitutionRequest {
    /// The published duty to hand over.
    pub assignment_id: Uuid,
    pub substitute_id: Uuid,
    #[serde(default)]
    pub reason: String,
}

async fn new_substitution(
    conn: &mut AsyncPgConnection,
    clock: &crate::clock::Clock,
    user: &CurrentUser,
    b: &SubstitutionRequest,
    offline: bool,
) -> ApiResult<Substitution> {
    let me = user.staff_id.ok_or_else(ApiError::forbidden)?;
    let today = today(conn, clock, user.center_id).await?;
    // Locked: the duty's row serialises change requests on it (one open at a time) and the
    // office's one-step path changes it now.
    let a = open_duty(
        conn,
        today,
        user.center_id,
        b.assignment_id,
        "assignment_id",
        true,
    )
    .await?;
    if !offline && a.on_duty() != me {
        return Err(ApiError::of(Code::NotOnDuty));
    }
    // The office's one-step path is a decision: not on a duty of the caller's own.
    if offline && (a.on_duty() == me || b.substitute_id == me) {
        return Err(ApiError::of(Code::OwnRequest));
    }
    if b.substitute_id == a.on_duty() {
        return Err(ApiError::invalid(FieldError::of(
            "substitute_id",
            FieldCode::SamePerson,
        )));
    }
    check_no_open_change(conn, &[a.id]).await?;
    can_cover(conn, user.center_id, b.substitute_id, a.date, &[]).await?;
    let same_day = a.date == today;
    let s = rs::insert_substitution(
        conn,
        NewSubstitution {
            id: Uuid::now_v7(),
            center_id: user.center_id,
            assignment_id: a.id,
            original_staff_id: a.on_duty(),
            substitute_id: b.substitute_id,
            status: if offline {
                SubstitutionStatus::Registered
            } else {
                SubstitutionStatus::Proposed
            },
            same_day,
            offline,
            reason: b.reason.chars().take(500).collect(),
            assignment_version: a.version,
            requested_by: Some(me),
            decided_by: offline.then_some(me),
        },
    )
    .await
    .map_err(|e| match ApiError::from(e) {
        e if e.code == "already_exists" => change_open(),
        e => e,
    })?;
    if offline {
        let after =
            store::set_assignment_people(conn, a.id, a.staff_id, Some(b.substitute_id), None)
                .await
                .map_err(constraint_conflict)?;
        audit::record(
            conn,
            AuditEntry::new(user, "substituted", "duty_assignment", a.id)
                .before(&a)
                .after(&after),
        )
        .await?;
    }
    audit::record(
        conn,
        AuditEntry::new(
            user,
            if offline { "recorded" } else { "proposed" },
            "substitution",
            s.id,
        )
        .after(&s),
    )
    .await?;
    Ok(s)
}

/// Propose a substitute for one of your duties. Same-day requests are allowed and flagged.
#[utoipa::path(
    operation_id = "proposeSubstitution",
    tag = "substitutions",
    request_body = SubstitutionRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Proposed", body = SubstitutionView),
        (status = 400, description = "`validation_failed` (unknown duty, same person), `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: only the person on duty may hand it over", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`change_open`: the duty already has an open substitution or swap", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`duty_in_past`, `not_eligible`, `on_leave` or `already_on_duty`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/substitutions")]
pub async fn propose(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<SubstitutionRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let s = new_substitution(conn, &state.clock, &user, &body, false).await?;
        let version = s.version;
        reads::created(conn, user.center_id, s, version, "/api/v1/substitutions").await
    })
    .await
}

/// Record a substitution agreed offline, registered at once (office admin).
#[utoipa::path(
    operation_id = "recordOfflineSubstitution",
    tag = "substitutions",
    request_body = SubstitutionRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = SubstitutionView),
        (status = 400, description = "`validation_failed`, `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only office admins; `own_request`: the duty is the caller's own or the caller is the substitute", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`change_open` or `double_duty`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`duty_in_past`, `not_eligible`, `on_leave` or `already_on_duty`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/substitutions/record")]
pub async fn record_offline(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<SubstitutionRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let s = new_substitution(conn, &state.clock, &user, &body, true).await?;
        let version = s.version;
        reads::created(conn, user.center_id, s, version, "/api/v1/substitutions").await
    })
    .await
}

/// The center's substitution machine: filed (默认) or, with the approval gate, approved.
async fn machine(conn: &mut AsyncPgConnection, center_id: Uuid) -> ApiResult<Substitutions> {
    Ok(Substitutions {
        approval_required: store::settings(conn, center_id)
            .await?
            .is_some_and(|s| s.substitutions_need_approval),
    })
}

/// Makes move `m` on a substitution through the shared lifecycle.
async fn transition(
    user: &CurrentUser,
    state: &AppState,
    idem: &Idem,
    id: Uuid,
    m: SubstitutionMove,
    note: &str,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, idem, async |conn| {
        let machine = machine(conn, user.center_id).await?;
        let s = lifecycle::transition::<Substitution>(conn, &machine, user, id, m, note).await?;
        reads::moved(conn, user.center_id, s).await
    })
    .await
}

macro_rules! substitution_move {
    ($name:ident, $op:literal, $path:literal, $move:expr, $who:literal) => {
        #[doc = $who]
        #[utoipa::path(
            operation_id = $op,
            tag = "substitutions",
            params(("id" = Uuid, Path, description = "Substitution id")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "The substitution in its new state", body = SubstitutionView),
                (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "`forbidden`: not this caller's move; `own_request`: an office decision (register, reject, acknowledge, void) on a request the caller made or is part of", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such substitution in the caller's center", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "`invalid_state`, `assignment_changed` or `double_duty`", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "On register: `not_eligible`, `on_leave` or `already_on_duty`", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $name(user: CurrentUser, state: web::Data<AppState>, idem: Idem, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
            transition(&user, &state, &idem, *id, $move, "").await
        }
    };
}

substitution_move!(
    accept,
    "acceptSubstitution",
    "/substitutions/{id}/accept",
    SubstitutionMove::Accept,
    "The substitute agrees to take the duty. It takes effect at once (the substitute holds the day, also on the same day) and is filed with the office; with the center's approval gate on (`substitutions_need_approval` in `/rotation`) it waits as `accepted` for the office to register it."
);
substitution_move!(
    decline,
    "declineSubstitution",
    "/substitutions/{id}/decline",
    SubstitutionMove::Decline,
    "The substitute declines."
);
substitution_move!(
    register,
    "registerSubstitution",
    "/substitutions/{id}/register",
    SubstitutionMove::Register,
    "With the approval gate on: the office registers an accepted substitution, which puts it in effect."
);
substitution_move!(
    reject,
    "rejectSubstitution",
    "/substitutions/{id}/reject",
    SubstitutionMove::Reject,
    "The office rejects an open substitution."
);
substitution_move!(
    cancel,
    "cancelSubstitution",
    "/substitutions/{id}/cancel",
    SubstitutionMove::Cancel,
    "The requester withdraws an open substitution."
);

substitution_move!(
    acknowledge,
    "acknowledgeSubstitution",
    "/substitutions/{id}/acknowledge",
    SubstitutionMove::Acknowledge,
    "The office acknowledges a substitution filed with it (备案); it stays in effect."
);

/// The office voids a substitution in effect, with a reason: the duty goes back to the person who
/// handed it over.
#[utoipa::path(
    operation_id = "voidSubstitution",
    tag = "substitutions",
    request_body(content = DecisionNote, description = "`{\"note\": \"…\"}`: the reason, 1–500 characters"),
    params(("id" = Uuid, Path, description = "Substitution id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Voided; the duty is back with the person who handed it over", body = SubstitutionView),
        (status = 400, description = "Malformed id or body, `unknown_field`, or `validation_failed` (note missing or longer than 500 characters)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only office admins; `own_request`: the caller made the substitution or is its substitute", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such substitution in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state` (not in effect) or `assignment_changed` (the duty changed hands since)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_eligible`, `on_leave` or `already_on_duty`: the person cannot take the duty back", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/substitutions/{id}/void")]
pub async fn void(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<DecisionNote>,
) -> ApiResult<HttpResponse> {
    let note = body.note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(ApiError::invalid(FieldError::of(
            "note",
            FieldCode::RequiredVoidNote,
        )));
    }
    transition(&user, &state, &idem, *id, SubstitutionMove::Void, note).await
}

crate::request_reads!(
    kind = Substitution,
    view = SubstitutionView,
    query = RequestQuery,
    tag = "substitutions",
    list = (
        "/substitutions",
        "listSubstitutions",
        "Substitutions, newest first. Office admins and auditors see all; others see their own."
    ),
    get = (
        "/substitutions/{id}",
        "getSubstitution",
        "One substitution (office admins, auditors, or the two people involved).",
        "Substitution id",
        "The substitution"
    ),
);
