//! The moves of a citizen's request: each a `POST /citizen-requests/{id}/<move>` with a note,
//! driven by [`lifecycle::transition`] on the pure machine of [`super::machine`].
//!
//! Every move runs in one transaction (with `Idempotency-Key` replays): it locks the row, checks
//! the caller may see the request (else 404) and make the move (else 403: the owner, the office
//! standing in; anyone of the center to accept; the office alone to reopen), moves the state
//! (else 409 `invalid_state`), carries out the effect (owner chain, pause, due date, answer,
//! refusal), bumps `version`, records the move in the trail and audits the request row (entity
//! `citizen_request`, action = the new state; the row holds no personal data: the citizen's
//! name and phone live apart, in `citizen_contacts`).

mod kind;

use super::machine::{Citizens, Finding, Move, State, needs_finding};
use super::model::{CitizenRequest, Concerns, Kind, RequestRow};
use super::owners::{self, MoveRow};
use super::read;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::lifecycle::{self, Party};
use crate::org::{rules as org_rules, store as org_store};
use crate::principal::{Caller, CurrentUser, Role};
use actix_web::{HttpResponse, post, web};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub use kind::lock;

pub const MAX_NOTE: usize = 1000;
pub const MAX_ANSWER: usize = 4000;
pub const MAX_REASON: usize = 1000;

/// A move that carries nothing but its note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// Why, or what was done (1–1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
}

/// Hand the request on to a staff member.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOnRequest {
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
    /// Who takes it over: forwarding, an active staff member of the responsible department;
    /// escalating, an active leader (a department leader or an office admin). Of your center.
    pub to_staff_id: Uuid,
}

/// A complaint's finding about the staff member it concerns.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    /// Whether the complaint is substantiated (what assessments count).
    pub substantiated: bool,
    /// Why (1–1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Answer the request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
    /// The public answer the citizen is shown (1–4000 characters).
    #[schema(min_length = 1, max_length = 4000)]
    pub answer: String,
    /// Required for a complaint about a staff member, refused for anything else.
    pub finding: Option<FindingInput>,
}

/// Refuse the request: why, and what the citizen can do instead.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseRequest {
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
    /// Why it is refused (1–1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    /// What the citizen can do instead, e.g. where to turn (1–1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub guidance: String,
}

/// What the handler asks for; hand-ons name their target, resolved in the transaction.
enum Asked {
    Plain(Move),
    Forward(Uuid),
    Escalate(Uuid),
    Answer {
        answer: String,
        finding: Option<Finding>,
    },
}

/// A move's body: its note, the fields it carries, checked before anything else (400 with every
/// field error), and the move it asks for once checked.
trait MoveBody {
    fn note(&self) -> &str;

    /// The errors of the fields besides the note.
    fn field_errors(&self) -> Vec<Option<FieldError>> {
        Vec::new()
    }
}

impl MoveBody for NoteRequest {
    fn note(&self) -> &str {
        &self.note
    }
}

impl MoveBody for HandOnRequest {
    fn note(&self) -> &str {
        &self.note
    }
}

impl MoveBody for AnswerRequest {
    fn note(&self) -> &str {
        &self.note
    }

    fn field_errors(&self) -> Vec<Option<FieldError>> {
        vec![
            org_rules::text("answer", &self.answer, MAX_ANSWER),
            self.finding
                .as_ref()
                .and_then(|f| org_rules::text("finding.reason", &f.reason, MAX_REASON)),
        ]
    }
}

impl MoveBody for RefuseRequest {
    fn note(&self) -> &str {
        &self.note
    }

    fn field_errors(&self) -> Vec<Option<FieldError>> {
        vec![
            org_rules::text("reason", &self.reason, MAX_REASON),
            org_rules::text("guidance", &self.guidance, MAX_REASON),
        ]
    }
}

impl AnswerRequest {
    fn asked(self) -> Asked {
        Asked::Answer {
            answer: self.answer.trim().to_owned(),
            finding: self.finding.map(|f| Finding {
                substantiated: f.substantiated,
                reason: f.reason.trim().to_owned(),
            }),
        }
    }
}

impl RefuseRequest {
    fn asked(self) -> Asked {
        Asked::Plain(Move::Refuse {
            reason: self.reason.trim().to_owned(),
            guidance: self.guidance.trim().to_owned(),
        })
    }
}

/// The one handler path of every move: checks `body` (the note and its fields), parses the move
/// it asks for with `asked`, and makes it.
async fn handle<B: MoveBody>(
    state: &AppState,
    user: &CurrentUser,
    idem: &Idem,
    id: Uuid,
    body: B,
    asked: impl FnOnce(B) -> Asked,
) -> ApiResult<HttpResponse> {
    let errors: Vec<FieldError> = std::iter::once(org_rules::text("note", body.note(), MAX_NOTE))
        .chain(body.field_errors())
        .flatten()
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let note = body.note().trim().to_owned();
    make_move(state, user, idem, id, &note, asked(body)).await
}

/// The staff member a request is handed on to: active, of the center; for a forward in a
/// department (which the chain records), for an escalation a leader or an office admin.
async fn target(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    row: &RequestRow,
    to: Uuid,
    forwarding: bool,
) -> Result<Move, ApiError> {
    let rule = |code| {
        ApiError::of(code).with_errors(vec![FieldError::of("to_staff_id", FieldCode::Invalid)])
    };
    let staff = org_store::staff_by_ids(conn, center_id, &[to])
        .await?
        .into_iter()
        .find(|s| s.active)
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::of(
                "to_staff_id",
                FieldCode::UnknownActiveStaff,
            )])
        })?;
    if row.owner_id == Some(to) {
        return Err(rule(Code::AlreadyOwner));
    }
    if forwarding {
        let department = staff
            .department_id
            .ok_or_else(|| rule(Code::ForwardNoDepartment))?;
        Ok(Move::Forward { to, department })
    } else {
        let office = staff.roles.iter().any(|r| r == Role::OfficeAdmin.as_str());
        if !(staff.leader || office) {
            return Err(rule(Code::EscalateNotLeader));
        }
        Ok(Move::Escalate { to })
    }
}

/// Makes a move on request `id` as `user` and answers the request as they see it.
async fn make_move(
    state: &AppState,
    user: &CurrentUser,
    idem: &Idem,
    id: Uuid,
    note: &str,
    asked: Asked,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let caller = Caller::Staff(user.clone());
    idempotency::transaction(&mut conn, idem, async |conn| {
        let before = lock(conn, user.center_id, id).await?;
        let (_, center) = read::visible(conn, &caller, id).await?;
        // The owner's moves with fields to check: the caller first, then the fields.
        if !matches!(asked, Asked::Plain(_)) && !lifecycle::may(&before, user, Party::Owner) {
            return Err(ApiError::forbidden());
        }
        let m = match asked {
            Asked::Plain(m) => m,
            Asked::Forward(to) => target(conn, center.id, &before, to, true).await?,
            Asked::Escalate(to) => target(conn, center.id, &before, to, false).await?,
            Asked::Answer {
                answer: text,
                finding,
            } => {
                let needed = needs_finding(
                    before.kind == Kind::Complaint,
                    before.concerns == Concerns::Staff,
                );
                let refusal = match (&finding, needed) {
                    (None, true) => Some((Code::FindingRequired, FieldCode::Required)),
                    (Some(_), false) => Some((Code::FindingNotApplicable, FieldCode::Invalid)),
                    _ => None,
                };
                if let Some((code, field)) = refusal {
                    return Err(
                        ApiError::of(code).with_errors(vec![FieldError::of("finding", field)])
                    );
                }
                Move::Answer {
                    answer: text,
                    finding,
                }
            }
        };
        let action = m.name();
        let now = state.clock.now();
        let today = center.today(&state.clock);
        let machine = Citizens {
            caller: user.staff_id.unwrap_or_default(),
            today,
            now,
        };
        let note = note.trim();
        let after: RequestRow = lifecycle::transition(conn, &machine, user, id, m, note).await?;
        owners::record_move(
            conn,
            MoveRow {
                request_id: id,
                seq: 0,
                action: action.to_owned(),
                from_state: before.state,
                to_state: after.state,
                note: note.to_owned(),
                by_staff: user.staff_id,
                actor: user.actor_label(),
                at: now,
            },
        )
        .await?;
        let kind = if after.state == State::Answered {
            PortalEvent::Answered
        } else {
            PortalEvent::StatusChanged
        };
        notify_portal(conn, &after, kind).await?;
        let version = after.version;
        let view: CitizenRequest = read::views(conn, &center, today, vec![after])
            .await?
            .pop()
            .ok_or_else(ApiError::internal)?;
        Ok(Reply::with_etag(&view, version))
    })
    .await
}

/// What the portal is told of a request it sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalEvent {
    /// `citizen_request.status_changed`
    StatusChanged,
    /// `citizen_request.answered`
    Answered,
}

impl PortalEvent {
    pub fn kind(self) -> &'static str {
        match self {
            PortalEvent::StatusChanged => "citizen_request.status_changed",
            PortalEvent::Answered => "citizen_request.answered",
        }
    }
}

/// Tells the portal of a move on a request it sent in: an outbox event written in the move's
/// transaction (delivered as a signed webhook by the tick, see `docs/webhooks.md`). The payload
/// holds the public state only: no citizen's name or phone, no internal note.
async fn notify_portal(
    conn: &mut AsyncPgConnection,
    request: &RequestRow,
    kind: PortalEvent,
) -> Result<(), ApiError> {
    let Some(portal) = request.portal.as_deref() else {
        return Ok(());
    };
    let answered = matches!(request.state, State::Answered | State::Closed);
    let refused = request.state == State::Refused;
    crate::outbox::enqueue(
        conn,
        crate::outbox::Event {
            center_id: request.center_id,
            portal,
            kind: kind.kind(),
            entity_id: request.id,
            payload: serde_json::json!({
                "tracking_no": request.tracking_no,
                "state": request.state,
                "due_on": request.due_on,
                "answer": if answered { request.answer.as_deref() } else { None },
                "refusal_reason": if refused { request.refusal_reason.as_deref() } else { None },
                "refusal_guidance": if refused { request.refusal_guidance.as_deref() } else { None },
                "version": request.version,
            }),
        },
    )
    .await
}

/// Declares one move's endpoint: its documentation (every response it can give) and a handler
/// that hands its body to [`handle`] with how to parse the move from it.
macro_rules! move_endpoint {
    (
        $(#[$doc:meta])*
        $fn:ident, $path:literal, $op:literal, $body:ty, $asked:expr,
        ok: $ok:literal,
        invalid: $invalid:literal,
        forbidden: $forbidden:literal,
        conflict: $conflict:literal,
        unprocessable: $unprocessable:literal $(,)?
    ) => {
        $(#[$doc])*
        #[utoipa::path(
            operation_id = $op,
            tag = "citizen-requests",
            params(("id" = Uuid, Path, description = "Request id")),
            request_body = $body,
            security(("bearer" = [])),
            responses(
                (status = 200, description = $ok, body = CitizenRequest, headers(("ETag" = String, description = "The request's version"))),
                (status = 400, description = $invalid, body = Problem, content_type = "application/problem+json"),
                (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = $forbidden, body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "`not_found`: no such request the caller may see", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = $conflict, body = Problem, content_type = "application/problem+json"),
                (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = $unprocessable, body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $fn(
            user: CurrentUser,
            state: web::Data<AppState>,
            idem: Idem,
            id: web::Path<Uuid>,
            body: web::Json<$body>,
        ) -> ApiResult<HttpResponse> {
            handle(&state, &user, &idem, *id, body.into_inner(), $asked).await
        }
    };
}

move_endpoint!(
    /// Accept a request from the center's queue: the caller becomes its first owner (首问负责).
    ///
    /// Any staff member of the center but an auditor. From `received` to `accepted`.
    accept, "/citizen-requests/{id}/accept", "acceptCitizenRequest", NoteRequest,
    |_| Asked::Plain(Move::Accept),
    ok: "Accepted: the caller owns it",
    invalid: "`validation_failed`: `note` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body",
    forbidden: "`forbidden`: an auditor or a token without a staff record; a portal token",
    conflict: "`invalid_state`: not waiting in the queue (`received`); `idempotency_in_progress`",
    unprocessable: "`idempotency_key_reused`",
);
move_endpoint!(
    /// Forward a request to a staff member of the responsible department, who becomes its owner;
    /// the owner chain records the department.
    ///
    /// The owner (or an office admin standing in). From `accepted`, `forwarded`, `escalated` or
    /// `in_progress` to `forwarded`.
    forward, "/citizen-requests/{id}/forward", "forwardCitizenRequest", HandOnRequest,
    |b: HandOnRequest| Asked::Forward(b.to_staff_id),
    ok: "Forwarded: the staff member named owns it",
    invalid: "`validation_failed`: `note` blank or too long (`required`, `too_long`); `to_staff_id` not an active staff member of the center (`unknown`); `unknown_field`; or a malformed body",
    forbidden: "`forbidden`: not the request's owner nor an office admin; a portal token",
    conflict: "`invalid_state`: not accepted, forwarded, escalated or in progress; `idempotency_in_progress`",
    unprocessable: "`already_owner`: `to_staff_id` owns it already; `forward_no_department`: `to_staff_id` is in no department; `idempotency_key_reused`",
);
move_endpoint!(
    /// Escalate a request to a leader (请示, R13): a department leader or an office admin, who
    /// becomes its owner.
    ///
    /// The owner (or an office admin standing in). From `accepted`, `forwarded`, `escalated` or
    /// `in_progress` to `escalated`.
    escalate, "/citizen-requests/{id}/escalate", "escalateCitizenRequest", HandOnRequest,
    |b: HandOnRequest| Asked::Escalate(b.to_staff_id),
    ok: "Escalated: the leader named owns it",
    invalid: "`validation_failed`: `note` blank or too long (`required`, `too_long`); `to_staff_id` not an active staff member of the center (`unknown`); `unknown_field`; or a malformed body",
    forbidden: "`forbidden`: not the request's owner nor an office admin; a portal token",
    conflict: "`invalid_state`: not accepted, forwarded, escalated or in progress; `idempotency_in_progress`",
    unprocessable: "`already_owner`: `to_staff_id` owns it already; `escalate_not_leader`: `to_staff_id` is neither a department leader nor an office admin; `idempotency_key_reused`",
);
move_endpoint!(
    /// Start work on a request.
    ///
    /// The owner (or an office admin standing in). From `accepted`, `forwarded` or `escalated` to
    /// `in_progress`.
    start, "/citizen-requests/{id}/start", "startCitizenRequest", NoteRequest,
    |_| Asked::Plain(Move::Start),
    ok: "In progress",
    invalid: "`validation_failed`: `note` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body",
    forbidden: "`forbidden`: not the request's owner nor an office admin; a portal token",
    conflict: "`invalid_state`: not accepted, forwarded or escalated; `idempotency_in_progress`",
    unprocessable: "`idempotency_key_reused`",
);
move_endpoint!(
    /// Wait for the citizen (e.g. missing materials): the deadline pauses from the center's
    /// today.
    ///
    /// The owner (or an office admin standing in). From `in_progress` to `waiting_citizen`.
    wait, "/citizen-requests/{id}/wait", "waitForCitizen", NoteRequest,
    |_| Asked::Plain(Move::Wait),
    ok: "Waiting for the citizen; the deadline is paused",
    invalid: "`validation_failed`: `note` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body",
    forbidden: "`forbidden`: not the request's owner nor an office admin; a portal token",
    conflict: "`invalid_state`: not in progress; `idempotency_in_progress`",
    unprocessable: "`idempotency_key_reused`",
);
move_endpoint!(
    /// Resume work after waiting for the citizen: the working days after the day the wait began,
    /// up to and including the center's today, are added to the paused days, and the due date
    /// moves by as many working days. When the new due date is not before the center's today,
    /// an overdue escalation is cleared (`overdue_escalated_at` null, audited as
    /// `overdue_cleared`).
    ///
    /// The owner (or an office admin standing in). From `waiting_citizen` to `in_progress`.
    resume, "/citizen-requests/{id}/resume", "resumeCitizenRequest", NoteRequest,
    |_| Asked::Plain(Move::Resume),
    ok: "In progress again; the due date moved",
    invalid: "`validation_failed`: `note` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body",
    forbidden: "`forbidden`: not the request's owner nor an office admin; a portal token",
    conflict: "`invalid_state`: not waiting for the citizen; `idempotency_in_progress`",
    unprocessable: "`idempotency_key_reused`",
);
move_endpoint!(
    /// Answer a request: the public answer the citizen is shown; for a complaint about a staff
    /// member, also the finding (substantiated or not, with the reason).
    ///
    /// The owner (or an office admin standing in). From `in_progress` to `answered`.
    answer, "/citizen-requests/{id}/answer", "answerCitizenRequest", AnswerRequest,
    AnswerRequest::asked,
    ok: "Answered",
    invalid: "`validation_failed`: `note`, `answer` or `finding.reason` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body",
    forbidden: "`forbidden`: not the request's owner nor an office admin; a portal token",
    conflict: "`invalid_state`: not in progress; `idempotency_in_progress`",
    unprocessable: "`finding_required`: a complaint about a staff member without `finding`; `finding_not_applicable`: a `finding` for anything else; `idempotency_key_reused`",
);
move_endpoint!(
    /// Close an answered request.
    ///
    /// The owner (or an office admin standing in). From `answered` to `closed`.
    close, "/citizen-requests/{id}/close", "closeCitizenRequest", NoteRequest,
    |_| Asked::Plain(Move::Close),
    ok: "Closed",
    invalid: "`validation_failed`: `note` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body",
    forbidden: "`forbidden`: not the request's owner nor an office admin; a portal token",
    conflict: "`invalid_state`: not answered; `idempotency_in_progress`",
    unprocessable: "`idempotency_key_reused`",
);
move_endpoint!(
    /// Refuse a request, saying why and what the citizen can do instead.
    ///
    /// The owner (or an office admin standing in). From `accepted`, `forwarded`, `escalated`,
    /// `in_progress` or `waiting_citizen` (the pause ends) to `refused`.
    refuse, "/citizen-requests/{id}/refuse", "refuseCitizenRequest", RefuseRequest,
    RefuseRequest::asked,
    ok: "Refused",
    invalid: "`validation_failed`: `note`, `reason` or `guidance` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body (e.g. `reason` or `guidance` missing)",
    forbidden: "`forbidden`: not the request's owner nor an office admin; a portal token",
    conflict: "`invalid_state`: received, answered, closed or refused; `idempotency_in_progress`",
    unprocessable: "`idempotency_key_reused`",
);
move_endpoint!(
    /// Reopen an answered, closed or refused request: back in progress with its last owner, with
    /// a fresh deadline counted from the center's today (the center's working days for its kind
    /// now; the working days since receipt no longer count). An overdue escalation is cleared
    /// (audited as `overdue_cleared`).
    ///
    /// Office admins only. To `in_progress`; the answer or refusal stays until the next one
    /// replaces it.
    reopen, "/citizen-requests/{id}/reopen", "reopenCitizenRequest", NoteRequest,
    |_| Asked::Plain(Move::Reopen),
    ok: "In progress again",
    invalid: "`validation_failed`: `note` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body",
    forbidden: "`forbidden`: not an office admin; a portal token",
    conflict: "`invalid_state`: not answered, closed or refused; `idempotency_in_progress`",
    unprocessable: "`idempotency_key_reused`",
);
