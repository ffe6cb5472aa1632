//! Leave and time off in lieu (请假、调休, R14), and the substitute suggestion that helps cover
//! a duty before leave is approved.

use super::checks::{DecisionNote, RequestQuery};
use super::model::{LeaveKind, LeaveRequest, LeaveRequestView};
use super::store::{self as rs, NewLeave};
use super::workflow::{Leave, LeaveMove};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem};
use crate::lifecycle::{self, list as reads};
use crate::pagination::{Page, PageParams};
use crate::principal::CurrentUser;
use crate::roster::settings::{self, QueueMember};
use crate::roster::store;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveRequestBody {
    pub kind: LeaveKind,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    #[serde(default)]
    pub reason: String,
}

/// Ask for leave (for yourself).
#[utoipa::path(
    operation_id = "createLeaveRequest",
    tag = "leave",
    request_body = LeaveRequestBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Pending request", body = LeaveRequestView),
        (status = 400, description = "`validation_failed` (end before start, longer than 366 days), `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's subject is not a staff member", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leave-requests")]
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<LeaveRequestBody>,
) -> ApiResult<HttpResponse> {
    let me = user.staff_id.ok_or_else(ApiError::forbidden)?;
    let b = body.into_inner();
    crate::roster::views::check_range(b.start_date, b.end_date).map_err(|mut e| {
        for f in &mut e.errors {
            f.field = "end_date".into();
        }
        e
    })?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let l = rs::insert_leave(
            conn,
            NewLeave {
                id: Uuid::now_v7(),
                center_id: user.center_id,
                staff_id: me,
                kind: b.kind,
                start: b.start_date,
                end: b.end_date,
                reason: b.reason.chars().take(500).collect(),
            },
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "requested", "leave_request", l.id).after(&l),
        )
        .await?;
        let version = l.version;
        reads::created(conn, user.center_id, l, version, "/api/v1/leave-requests").await
    })
    .await
}

fn check_note(note: &str) -> Result<(), ApiError> {
    if note.chars().count() > 500 {
        return Err(ApiError::invalid(
            FieldError::of("note", FieldCode::TooLong).param("max", 500),
        ));
    }
    Ok(())
}

async fn decide(
    user: &CurrentUser,
    state: &AppState,
    idem: &Idem,
    id: Uuid,
    m: LeaveMove,
    note: String,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, idem, async |conn| {
        let l = lifecycle::transition::<LeaveRequest>(conn, &Leave, user, id, m, &note).await?;
        reads::moved(conn, user.center_id, l).await
    })
    .await
}

/// The office's decisions on a pending request, with an optional note: one handler body for
/// each move.
macro_rules! leave_decision {
    ($(#[$doc:meta])* $name:ident, $op:literal, $path:literal, $move:expr, $done:literal, $conflicts:literal) => {
        $(#[$doc])*
        #[utoipa::path(
            operation_id = $op,
            tag = "leave",
            request_body(content = DecisionNote, description = "`{}` or `{\"note\": \"…\"}`"),
            params(("id" = Uuid, Path, description = "Leave request id")),
            security(("bearer" = [])),
            responses(
                (status = 200, description = $done, body = LeaveRequestView),
                (status = 400, description = "Malformed id or body, `unknown_field`, or `validation_failed` (note longer than 500 characters)", body = Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "`forbidden`: only office admins; `own_request`: the caller's own leave request", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such request in the caller's center", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = $conflicts, body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $name(
            user: CurrentUser,
            state: web::Data<AppState>,
            idem: Idem,
            id: web::Path<Uuid>,
            body: web::Json<DecisionNote>,
        ) -> ApiResult<HttpResponse> {
            let note = body.into_inner().note;
            check_note(&note)?;
            decide(&user, &state, &idem, *id, $move, note).await
        }
    };
}

leave_decision!(
    /// Approve a pending leave request (office admin).
    ///
    /// Refused with 409 `leave_overlaps_duty` (listing the duties in `conflicts`) while the person
    /// is still on duty during the leave: cover each duty with a substitute first.
    approve,
    "approveLeaveRequest",
    "/leave-requests/{id}/approve",
    LeaveMove::Approve,
    "Approved",
    "`invalid_state` or `leave_overlaps_duty`"
);

leave_decision!(
    /// Reject a pending leave request (office admin).
    reject,
    "rejectLeaveRequest",
    "/leave-requests/{id}/reject",
    LeaveMove::Reject,
    "Rejected",
    "`invalid_state`"
);

/// Withdraw your own pending leave request.
#[utoipa::path(
    operation_id = "cancelLeaveRequest",
    tag = "leave",
    params(("id" = Uuid, Path, description = "Leave request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled", body = LeaveRequestView),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not your request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leave-requests/{id}/cancel")]
pub async fn cancel(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    decide(&user, &state, &idem, *id, LeaveMove::Cancel, String::new()).await
}

crate::request_reads!(
    kind = LeaveRequest,
    view = LeaveRequestView,
    query = RequestQuery,
    tag = "leave",
    list = (
        "/leave-requests",
        "listLeaveRequests",
        "Leave requests, newest first. Office admins and auditors see all; others their own."
    ),
    get = (
        "/leave-requests/{id}",
        "getLeaveRequest",
        "One leave request (office admins, auditors, or the applicant).",
        "Leave request id",
        "The request"
    ),
);

#[derive(Debug, Serialize, ToSchema)]
pub struct SubstituteSuggestion {
    pub assignment_id: Uuid,
    pub date: NaiveDate,
    /// The next eligible person in the same department's queue who is free that day; `null` when nobody is.
    pub suggestion: Option<QueueMember>,
}

/// Suggest a substitute for a duty: the next eligible person after the rostered one in the same
/// department queue, not on leave and not on duty that day.
#[utoipa::path(
    operation_id = "suggestSubstitute",
    tag = "substitutions",
    params(("id" = Uuid, Path, description = "Duty assignment id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The suggestion (possibly none)", body = SubstituteSuggestion),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such duty in the caller's center", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty-assignments/{id}/suggested-substitute")]
pub async fn suggest(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SubstituteSuggestion>> {
    let mut conn = state.pool.get().await?;
    let a = store::assignment(&mut conn, user.center_id, *id).await?;
    let loaded = settings::load(&mut conn, user.center_id, false).await?;
    let leave = store::approved_leave(&mut conn, user.center_id, a.date, a.date).await?;
    let busy = store::list_assignments(
        &mut conn,
        store::AssignmentFilter {
            center_id: user.center_id,
            from: a.date,
            to: a.date,
            staff_id: None,
            department_id: None,
            after: None,
            limit: 1000,
        },
    )
    .await?;
    let queue = loaded
        .queues
        .iter()
        .find(|q| q.department_id == a.department_id)
        .map(|q| q.members.clone())
        .unwrap_or_default();
    let start = queue
        .iter()
        .position(|m| *m == a.staff_id)
        .map(|p| p + 1)
        .unwrap_or(0);
    let pick = (0..queue.len())
        .map(|i| queue[(start + i) % queue.len()])
        .find(|m| {
            *m != a.staff_id
                && !leave.iter().any(|(s, _, _)| s == m)
                && !busy.iter().any(|b| b.on_duty() == *m || b.staff_id == *m)
        });
    let suggestion = pick
        .and_then(|m| loaded.names.iter().find(|n| n.0 == m))
        .map(|(id, no, name)| QueueMember {
            staff_id: *id,
            employee_no: no.clone(),
            name: name.clone(),
        });
    Ok(web::Json(SubstituteSuggestion {
        assignment_id: a.id,
        date: a.date,
        suggestion,
    }))
}
