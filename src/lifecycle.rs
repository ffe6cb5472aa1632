//! One request lifecycle for every workflow: substitutions, swaps and leave today; the duty
//! day's rectifications, citizens' requests and assessment appeals next.
//!
//! A kind of request is two things:
//! - a **pure state machine** ([`Machine`]): its states, its moves, who may make each move
//!   ([`Party`]), and what a move does besides changing the state (an effect the kind defines);
//! - its **rows** ([`Request`]): how to lock one, who its requester and counterpart are, how to
//!   store a new state, and how to carry out an effect.
//!
//! [`transition`] is the one plumbing that drives every kind: lock the row, check the caller may
//! make the move, compute the next state, carry out the effect, store, audit — all in the
//! caller's transaction. [`list`] is the one plumbing that reads them: a page of a kind's
//! requests, or one request, as far as the caller may see it, with the names beside the ids.

pub mod list;

use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, Code};
use crate::principal::{CurrentUser, Role};
use crate::text_enum::TextEnum;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use std::fmt::Debug;
use std::future::Future;
use uuid::Uuid;

/// Whose move it is, relative to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The person who made the request.
    Requester,
    /// The other person it concerns (a substitute, the other side of a swap).
    Counterpart,
    /// The center office (office admins).
    Office,
    /// Whoever holds today's duty: a supervisor on duty on the center's today (after
    /// substitutions), or the office. The roster decides, so the handler finds out before the
    /// move and tells the machine ([`Machine::caller_on_duty`]).
    OnDuty,
    /// The staff member who holds the request now (citizens' requests: first-question
    /// responsibility, 首问负责). The office may stand in for an owner who is away.
    Owner,
    /// Any staff member of the request's center but a read-only auditor (e.g. accepting a
    /// request from the queue).
    AnyStaff,
}

impl Party {
    /// Whether this party's moves are decisions on the request (recorded with their note).
    pub fn decides(self) -> bool {
        matches!(self, Party::Office | Party::OnDuty)
    }
}

/// A state of a request, stored as text: an enum declared with [`crate::text_enum!`].
pub trait State: TextEnum + Eq + Debug + Send + Sync {}
impl<T: TextEnum + Eq + Debug + Send + Sync> State for T {}

/// A pure state machine: from a state, a move leads to another state, may be made by one party,
/// and may have an effect.
pub trait Machine {
    type State: State;
    /// A move, with whatever it carries (e.g. to whom a request is handed on).
    type Move: Clone + Eq + Debug + Send + Sync;
    type Effect: Eq + Debug + Send + Sync;
    /// Who may make `m`.
    fn party(&self, m: Self::Move) -> Party;
    /// The state after `m` from `s` and the move's effect, or `None` where `m` is not allowed.
    fn next(&self, s: Self::State, m: Self::Move) -> Option<(Self::State, Option<Self::Effect>)>;
    /// Whether the caller holds today's duty ([`Party::OnDuty`]), as the handler found from the
    /// roster. Kinds without such moves keep the default.
    fn caller_on_duty(&self) -> bool {
        false
    }
}

/// The rows of one kind of request.
pub trait Request: Serialize + Sized + Send + Sync {
    type Machine: Machine;
    /// The audit trail's entity type, e.g. `substitution`.
    const ENTITY: &'static str;
    /// Whether the deciding moves ([`Party::decides`]) are refused to the request's requester
    /// and counterpart (403 `own_request`): nobody approves or decides their own request. Every
    /// kind says so explicitly.
    const DECIDED_BY_OTHERS: bool;
    fn id(&self) -> Uuid;
    fn state(&self) -> <Self::Machine as Machine>::State;
    /// Who made the office's last decision on it, and their note.
    fn decision(&self) -> (Option<Uuid>, &str);
    /// Whether `staff` is this request's `party` (asked only for the parties that
    /// name a person: requester, counterpart, owner).
    fn is(&self, party: Party, staff: Uuid) -> bool;
    /// The row, locked until the transaction ends.
    fn lock(
        conn: &mut AsyncPgConnection,
        center_id: Uuid,
        id: Uuid,
    ) -> impl Future<Output = Result<Self, ApiError>> + Send;
    /// Stores the new state of this row with the decision [`transition`] works out.
    fn store(
        &self,
        conn: &mut AsyncPgConnection,
        to: <Self::Machine as Machine>::State,
        decided_by: Option<Uuid>,
        note: &str,
    ) -> impl Future<Output = Result<Self, ApiError>> + Send;
    /// Carries out a move's effect (e.g. the substitute takes over the duty).
    fn apply(
        &self,
        conn: &mut AsyncPgConnection,
        user: &CurrentUser,
        effect: <Self::Machine as Machine>::Effect,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// Refusal of a move the state does not allow.
pub fn invalid_state(status: &str) -> ApiError {
    ApiError::of(Code::InvalidState).param("status", status)
}

/// Whether `user` is `party` of `r` (for [`Party::OnDuty`]: whether they are the office; the
/// duty itself is the machine's to say, see [`transition`]). The office stands in for an
/// [`Party::Owner`]; [`Party::AnyStaff`] is any staff member but an auditor (the row is of
/// their center).
pub fn may<R: Request>(r: &R, user: &CurrentUser, party: Party) -> bool {
    let office = user.has(Role::OfficeAdmin);
    match party {
        Party::Office | Party::OnDuty => office,
        Party::AnyStaff => {
            user.staff_id.is_some() && user.roles.iter().any(|r| *r != Role::Auditor)
        }
        Party::Owner => office || user.staff_id.is_some_and(|me| r.is(party, me)),
        p => user.staff_id.is_some_and(|me| r.is(p, me)),
    }
}

/// Whether `r` is `user`'s own: they made it or they are its counterpart.
pub fn concerns<R: Request>(r: &R, user: &CurrentUser) -> bool {
    user.staff_id
        .is_some_and(|me| r.is(Party::Requester, me) || r.is(Party::Counterpart, me))
}

/// Makes move `m` on request `id`, in the caller's transaction: lock, check the party, compute
/// the next state, carry out the effect, store it and audit it (action = the new state). A
/// deciding move on the caller's own request is refused (see [`Request::DECIDED_BY_OTHERS`]). The
/// deciding parties' moves ([`Party::decides`]) record the caller and `note` as the decision;
/// other moves keep the last one.
pub async fn transition<R: Request>(
    conn: &mut AsyncPgConnection,
    machine: &R::Machine,
    user: &CurrentUser,
    id: Uuid,
    m: <R::Machine as Machine>::Move,
    note: &str,
) -> Result<R, ApiError> {
    let before = R::lock(conn, user.center_id, id).await?;
    let party = machine.party(m.clone());
    let on_duty = party == Party::OnDuty && machine.caller_on_duty();
    if !on_duty && !may(&before, user, party) {
        return Err(ApiError::forbidden());
    }
    if party.decides() && R::DECIDED_BY_OTHERS && concerns(&before, user) {
        return Err(ApiError::of(Code::OwnRequest));
    }
    let from = before.state();
    let (to, effect) = machine
        .next(from, m)
        .ok_or_else(|| invalid_state(from.as_str()))?;
    if let Some(e) = effect {
        before.apply(conn, user, e).await?;
    }
    let (decided_by, note) = if party.decides() {
        (user.staff_id, note)
    } else {
        before.decision()
    };
    let after = before.store(conn, to, decided_by, note).await?;
    audit::record(
        conn,
        AuditEntry::new(user, to.as_str(), R::ENTITY, after.id())
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}
