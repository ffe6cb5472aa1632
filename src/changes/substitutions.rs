//! Substitutes (顶岗, R6): the supervisor on duty proposes, the substitute agrees, the office
//! registers (备案); from then on the substitute is on duty. The office may also record an
//! offline agreement in one step.

use super::checks::{
    RequestQuery, assignment_changed, can_cover, change_open, check_no_open_change, invalid_state,
    open_duty, today,
};
use super::model::Substitution;
use super::store::{self as rs, NewSubstitution};
use super::workflow::{Move, next};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::pagination::{self, Page};
use crate::roster::rosters::constraint_conflict;
use crate::roster::store;
use crate::web::created;
use actix_web::{HttpResponse, get, post, web};
use diesel_async::{AsyncConnection, AsyncPgConnection};
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
    // Locked: the duty's row serialises change requests on it (one open at a time) and the
    // office's one-step path changes it now.
    let a = open_duty(
        conn,
        clock,
        user.center_id,
        b.assignment_id,
        "assignment_id",
        true,
    )
    .await?;
    if !offline && a.on_duty() != me {
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "not_on_duty",
            "Only the person on duty can hand this duty over.",
            "只有当班人员才能申请顶岗。",
        ));
    }
    if b.substitute_id == a.on_duty() {
        return Err(ApiError::field(
            "substitute_id",
            "same_person",
            "The substitute must be someone else.",
            "顶岗人员须为他人。",
        ));
    }
    check_no_open_change(conn, &[a.id]).await?;
    can_cover(conn, user.center_id, b.substitute_id, a.date, &[]).await?;
    let same_day = a.date == today(conn, clock, user.center_id).await?;
    let s = rs::insert_substitution(
        conn,
        NewSubstitution {
            id: Uuid::now_v7(),
            center_id: user.center_id,
            assignment_id: a.id,
            original_staff_id: a.on_duty(),
            substitute_id: b.substitute_id,
            status: if offline { "registered" } else { "proposed" },
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
        (status = 201, description = "Proposed", body = Substitution),
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
    body: web::Json<SubstitutionRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let s = conn
        .transaction::<_, ApiError, _>(async |conn| {
            new_substitution(conn, &state.clock, &user, &body, false).await
        })
        .await?;
    Ok(created(
        &s,
        s.version,
        format!("/api/v1/substitutions/{}", s.id),
    ))
}

/// Record a substitution agreed offline, registered at once (office admin).
#[utoipa::path(
    operation_id = "recordOfflineSubstitution",
    tag = "substitutions",
    request_body = SubstitutionRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = Substitution),
        (status = 400, description = "`validation_failed`, `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`change_open` or `double_duty`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`duty_in_past`, `not_eligible`, `on_leave` or `already_on_duty`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/substitutions/record")]
pub async fn record_offline(
    user: CurrentUser,
    state: web::Data<AppState>,
    body: web::Json<SubstitutionRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let mut conn = state.pool.get().await?;
    let s = conn
        .transaction::<_, ApiError, _>(async |conn| {
            new_substitution(conn, &state.clock, &user, &body, true).await
        })
        .await?;
    Ok(created(
        &s,
        s.version,
        format!("/api/v1/substitutions/{}", s.id),
    ))
}

/// Moves a substitution; `who` says whose move it is.
async fn transition(
    user: &CurrentUser,
    state: &AppState,
    id: Uuid,
    m: Move,
) -> ApiResult<Substitution> {
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let before = rs::substitution_for_update(conn, user.center_id, id).await?;
        let allowed = match m {
            Move::Accept | Move::Decline => user.staff_id == Some(before.substitute_id),
            Move::Register | Move::Reject => user.has(crate::auth::Role::OfficeAdmin),
            Move::Cancel => user.staff_id == Some(before.original_staff_id),
        };
        if !allowed {
            return Err(ApiError::forbidden());
        }
        let to = next(&before.status, m).ok_or_else(|| invalid_state(&before.status))?;
        if m == Move::Register {
            let a =
                store::assignment_for_update(conn, user.center_id, before.assignment_id).await?;
            if a.version != before.assignment_version {
                return Err(assignment_changed());
            }
            can_cover(conn, user.center_id, before.substitute_id, a.date, &[a.id]).await?;
            let after = store::set_assignment_people(
                conn,
                a.id,
                a.staff_id,
                Some(before.substitute_id),
                None,
            )
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
        let decided = matches!(m, Move::Register | Move::Reject)
            .then_some(user.staff_id)
            .flatten();
        let after =
            rs::set_substitution_status(conn, id, to, decided.or(before.decided_by)).await?;
        audit::record(
            conn,
            AuditEntry::new(user, to, "substitution", id)
                .before(&before)
                .after(&after),
        )
        .await?;
        Ok(after)
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
                (status = 200, description = "The substitution in its new state", body = Substitution),
                (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "Not this caller's move", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such substitution in the caller's center", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "`invalid_state`, `assignment_changed` or `double_duty`", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "On register: `not_eligible`, `on_leave` or `already_on_duty`", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $name(user: CurrentUser, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<web::Json<Substitution>> {
            Ok(web::Json(transition(&user, &state, *id, $move).await?))
        }
    };
}

substitution_move!(
    accept,
    "acceptSubstitution",
    "/substitutions/{id}/accept",
    Move::Accept,
    "The substitute agrees to take the duty."
);
substitution_move!(
    decline,
    "declineSubstitution",
    "/substitutions/{id}/decline",
    Move::Decline,
    "The substitute declines."
);
substitution_move!(
    register,
    "registerSubstitution",
    "/substitutions/{id}/register",
    Move::Register,
    "The office registers an accepted substitution (备案); the substitute is then on duty."
);
substitution_move!(
    reject,
    "rejectSubstitution",
    "/substitutions/{id}/reject",
    Move::Reject,
    "The office rejects an open substitution."
);
substitution_move!(
    cancel,
    "cancelSubstitution",
    "/substitutions/{id}/cancel",
    Move::Cancel,
    "The requester withdraws an open substitution."
);

/// Substitutions, newest first. Office admins and auditors see all; others see their own.
#[utoipa::path(
    operation_id = "listSubstitutions",
    tag = "substitutions",
    params(RequestQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page", body = Page<Substitution>),
        (status = 400, description = "`validation_failed` (limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A caller without a staff record (identity-provider token) may list only as office admin or auditor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/substitutions")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RequestQuery>,
) -> ApiResult<web::Json<Page<Substitution>>> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let before: Option<Uuid> = pagination::decode(q.cursor.as_deref())?;
    let involving = if user.reads_all() {
        q.staff_id
    } else {
        Some(user.staff_id.ok_or_else(ApiError::forbidden)?)
    };
    let mut conn = state.pool.get().await?;
    let rows = rs::list_substitutions(
        &mut conn,
        user.center_id,
        q.status,
        involving,
        before,
        limit,
    )
    .await?;
    Ok(web::Json(pagination::page(rows, limit, |s| s.id, |s| s)))
}

/// One substitution (office admins, auditors, or the two people involved).
#[utoipa::path(
    operation_id = "getSubstitution",
    tag = "substitutions",
    params(("id" = Uuid, Path, description = "Substitution id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The substitution", body = Substitution),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/substitutions/{id}")]
pub async fn get_one(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Substitution>> {
    let mut conn = state.pool.get().await?;
    let s = rs::substitution(&mut conn, user.center_id, *id).await?;
    let mine = user
        .staff_id
        .is_some_and(|me| me == s.original_staff_id || me == s.substitute_id);
    if !(user.reads_all() || mine) {
        return Err(ApiError::not_found());
    }
    Ok(web::Json(s))
}
