//! The workflow of citizens' requests (R13, R18, R19, R20): states, moves, who may make each move
//! and what a move does besides changing the state. Pure: no I/O. Driven by
//! [`crate::lifecycle::transition`].
//!
//! ```text
//! received ──accept──▶ accepted ──start──▶ in_progress ──answer──▶ answered ──close──▶ closed
//!                        │   ▲                │  ▲   │                 │
//!        forward/escalate│   │   wait ◀───────┘  │   └─refuse─▶ refused │
//!                        ▼   │   waiting_citizen─┘resume               │
//!                 forwarded / escalated ──start──▶ in_progress   reopen (office): answered,
//!                                                                closed, refused → in_progress
//! ```
//!
//! - `accept` is any staff member's (the portal's requests wait in the center's queue); the
//!   caller becomes the first owner (首问负责).
//! - Every other move but `reopen` is the owner's ([`Party::Owner`]); the office may stand in
//!   for an owner who is away. `reopen` is the office's alone.
//! - The owner is never lost: every state but `received` has one, and a hand-on (`forward`,
//!   `escalate`) replaces them. [`Tracked`] models the owner and the pause so that the property
//!   tests can check this over any sequence of moves.

use crate::calendar::workdays::Calendar;
use crate::lifecycle::{Machine, Party};
use crate::text_enum;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// Where a request stands: declared with the request's row.
pub use super::model::State;

text_enum!(
    /// How an owner came to hold a request (the owner chain's `how`).
    pub OwnerHow {
        /// Took it in (staff intake).
        Received => "received",
        /// Accepted it from the center's queue.
        Accepted => "accepted",
        /// Was forwarded it as a staff member of the responsible department.
        Forwarded => "forwarded",
        /// Was escalated it as a leader.
        Escalated => "escalated",
    }
);

/// A complaint's finding about the staff member it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub substantiated: bool,
    pub reason: String,
}

/// A move, with what it carries (validated by the handler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    Accept,
    /// To `to`, a staff member of `department`.
    Forward {
        to: Uuid,
        department: Uuid,
    },
    /// To `to`, a leader.
    Escalate {
        to: Uuid,
    },
    Start,
    Wait,
    Resume,
    Answer {
        answer: String,
        finding: Option<Finding>,
    },
    Close,
    Refuse {
        reason: String,
        guidance: String,
    },
    Reopen,
}

impl Move {
    /// The move's name, as in its path and the moves' trail.
    pub fn name(&self) -> &'static str {
        match self {
            Move::Accept => "accept",
            Move::Forward { .. } => "forward",
            Move::Escalate { .. } => "escalate",
            Move::Start => "start",
            Move::Wait => "wait",
            Move::Resume => "resume",
            Move::Answer { .. } => "answer",
            Move::Close => "close",
            Move::Refuse { .. } => "refuse",
            Move::Reopen => "reopen",
        }
    }
}

/// What a move does besides changing the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `to` becomes the owner: the chain closes the previous holder's entry and adds theirs.
    HandOn {
        to: Uuid,
        department: Option<Uuid>,
        how: OwnerHow,
        at: DateTime<Utc>,
    },
    /// The deadline stops on `on` (waiting for the citizen).
    Pause { on: NaiveDate },
    /// The deadline runs again: the working days in `(paused_on, on]` are added to the paused
    /// days and the due date moves by as many.
    Unpause { on: NaiveDate },
    /// The public answer (and a staff complaint's finding) is given.
    Answer {
        answer: String,
        finding: Option<Finding>,
    },
    /// Done.
    Close { at: DateTime<Utc> },
    /// Refused with the reason and what to do instead (done, like a closing); a pause ends on
    /// `on`.
    Refuse {
        reason: String,
        guidance: String,
        on: NaiveDate,
        at: DateTime<Utc>,
    },
    /// Back to work with the last owner; no longer closed; a fresh deadline from `on`.
    Reopen { on: NaiveDate },
}

/// The machine for one caller at one time: `caller` is who accepts (and becomes the owner),
/// `today` the center's date a pause starts or ends on, `now` the instant of the move.
#[derive(Debug, Clone, Copy)]
pub struct Citizens {
    pub caller: Uuid,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

impl Citizens {
    /// The states a request may be handed on (forwarded, escalated) from.
    pub const HANDED_ON_FROM: [State; 4] = [
        State::Accepted,
        State::Forwarded,
        State::Escalated,
        State::InProgress,
    ];
}

impl Machine for Citizens {
    type State = State;
    type Move = Move;
    type Effect = Effect;

    fn party(&self, m: Move) -> Party {
        match m {
            Move::Accept => Party::AnyStaff,
            Move::Reopen => Party::Office,
            _ => Party::Owner,
        }
    }

    fn next(&self, s: State, m: Move) -> Option<(State, Option<Effect>)> {
        use State as S;
        let handed_on = Self::HANDED_ON_FROM.contains(&s);
        Some(match (s, m) {
            (S::Received, Move::Accept) => (
                S::Accepted,
                Some(Effect::HandOn {
                    to: self.caller,
                    department: None,
                    how: OwnerHow::Accepted,
                    at: self.now,
                }),
            ),
            (_, Move::Forward { to, department }) if handed_on => (
                S::Forwarded,
                Some(Effect::HandOn {
                    to,
                    department: Some(department),
                    how: OwnerHow::Forwarded,
                    at: self.now,
                }),
            ),
            (_, Move::Escalate { to }) if handed_on => (
                S::Escalated,
                Some(Effect::HandOn {
                    to,
                    department: None,
                    how: OwnerHow::Escalated,
                    at: self.now,
                }),
            ),
            (S::Accepted | S::Forwarded | S::Escalated, Move::Start) => (S::InProgress, None),
            (S::InProgress, Move::Wait) => {
                (S::WaitingCitizen, Some(Effect::Pause { on: self.today }))
            }
            (S::WaitingCitizen, Move::Resume) => {
                (S::InProgress, Some(Effect::Unpause { on: self.today }))
            }
            (S::InProgress, Move::Answer { answer, finding }) => {
                (S::Answered, Some(Effect::Answer { answer, finding }))
            }
            (S::Answered, Move::Close) => (S::Closed, Some(Effect::Close { at: self.now })),
            (
                S::Accepted | S::Forwarded | S::Escalated | S::InProgress | S::WaitingCitizen,
                Move::Refuse { reason, guidance },
            ) => (
                S::Refused,
                Some(Effect::Refuse {
                    reason,
                    guidance,
                    on: self.today,
                    at: self.now,
                }),
            ),
            (S::Answered | S::Closed | S::Refused, Move::Reopen) => {
                (S::InProgress, Some(Effect::Reopen { on: self.today }))
            }
            _ => return None,
        })
    }
}

/// What the workflow keeps of a request besides its state: the owner and the pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    pub state: State,
    pub owner: Option<Uuid>,
    pub paused_days: i32,
    pub paused_on: Option<NaiveDate>,
}

impl Tracked {
    /// The request after `effect`, with working days counted on `cal`.
    pub fn after(self, to: State, effect: Option<&Effect>, cal: &Calendar) -> Tracked {
        let mut t = Tracked { state: to, ..self };
        let unpause = |t: &mut Tracked, on: NaiveDate| {
            if let Some(since) = t.paused_on.take() {
                let days = cal.working_days_between(since, on).max(0);
                t.paused_days = t
                    .paused_days
                    .saturating_add(i32::try_from(days).unwrap_or(i32::MAX));
            }
        };
        match effect {
            Some(Effect::HandOn { to, .. }) => t.owner = Some(*to),
            Some(Effect::Pause { on }) => t.paused_on = Some(*on),
            Some(Effect::Unpause { on } | Effect::Refuse { on, .. }) => unpause(&mut t, *on),
            Some(Effect::Answer { .. } | Effect::Close { .. } | Effect::Reopen { .. }) | None => {}
        }
        t
    }
}

/// Whether a request must end with a finding: a complaint about a staff member.
pub fn needs_finding(complaint: bool, about_staff: bool) -> bool {
    complaint && about_staff
}

#[cfg(test)]
mod tests;
