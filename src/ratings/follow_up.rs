//! The follow-up of a bad rating (回访整改) on the shared request lifecycle
//! ([`crate::lifecycle`]): the pure state machine and how its rows take part.
//!
//! `open` → (the assignee) `called_back` → (the assignee) `rectified` → (the assignee, the
//! result fed back to the citizen) `closed`. While it is open the office may name or change the
//! assignee (an effect of the `assign` move, state unchanged). The assignee is the lifecycle's
//! requester side; the office is [`Party::Office`]. Once closed the citizen may rate again.

use super::model::FollowUpRow;
use super::store;
use crate::error::ApiError;
use crate::lifecycle::{Machine, Party, Request};
use crate::principal::CurrentUser;
use crate::text_enum;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Working days the assignee has to call the citizen back, counted on the center's calendar
/// from the day of the rating.
pub const CALL_BACK_WORKING_DAYS: i32 = 2;

text_enum!(
    /// Where a follow-up stands.
    pub FollowUpState {
        /// Waiting for the call back (the office names the assignee if none).
        Open => "open",
        /// The citizen was called back; the problem is being rectified.
        CalledBack => "called_back",
        /// Rectified; the result is to be fed back to the citizen.
        Rectified => "rectified",
        /// The result was fed back: the citizen may rate again.
        Closed => "closed",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpMove {
    /// The office names who calls back.
    Assign(Uuid),
    CallBack,
    Rectify,
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpEffect {
    /// The follow-up gets this assignee.
    Assignee(Uuid),
}

#[derive(Debug, Clone, Copy, Default)]
pub struct FollowUps;

impl Machine for FollowUps {
    type State = FollowUpState;
    type Move = FollowUpMove;
    type Effect = FollowUpEffect;

    fn party(&self, m: FollowUpMove) -> Party {
        match m {
            FollowUpMove::Assign(_) => Party::Office,
            FollowUpMove::CallBack | FollowUpMove::Rectify | FollowUpMove::Close => {
                Party::Requester
            }
        }
    }

    fn next(
        &self,
        s: FollowUpState,
        m: FollowUpMove,
    ) -> Option<(FollowUpState, Option<FollowUpEffect>)> {
        use FollowUpMove as M;
        use FollowUpState as S;
        Some(match (s, m) {
            (S::Open, M::Assign(a)) => (S::Open, Some(FollowUpEffect::Assignee(a))),
            (S::Open, M::CallBack) => (S::CalledBack, None),
            (S::CalledBack, M::Rectify) => (S::Rectified, None),
            (S::Rectified, M::Close) => (S::Closed, None),
            _ => return None,
        })
    }
}

impl Request for FollowUpRow {
    type Machine = FollowUps;
    const ENTITY: &'static str = "rating_follow_up";
    // Its "requester" is the assignee the office names, not someone asking for a decision:
    // an office admin may reassign a follow-up they hold.
    const DECIDED_BY_OTHERS: bool = false;

    fn id(&self) -> Uuid {
        self.id
    }

    fn state(&self) -> FollowUpState {
        self.state
    }

    fn decision(&self) -> (Option<Uuid>, &str) {
        (self.decided_by, &self.decision_note)
    }

    fn is(&self, party: Party, staff: Uuid) -> bool {
        party == Party::Requester && self.assignee_id == Some(staff)
    }

    async fn lock(
        conn: &mut AsyncPgConnection,
        center_id: Uuid,
        id: Uuid,
    ) -> Result<Self, ApiError> {
        Ok(store::follow_up(conn, center_id, id, true).await?)
    }

    async fn store(
        &self,
        conn: &mut AsyncPgConnection,
        to: FollowUpState,
        decided_by: Option<Uuid>,
        note: &str,
    ) -> Result<Self, ApiError> {
        Ok(store::set_follow_up_state(conn, self.id, to, decided_by, note).await?)
    }

    async fn apply(
        &self,
        conn: &mut AsyncPgConnection,
        _user: &CurrentUser,
        effect: FollowUpEffect,
    ) -> Result<(), ApiError> {
        let FollowUpEffect::Assignee(a) = effect;
        Ok(store::set_assignee(conn, self.id, a).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text_enum::TextEnum;
    use proptest::prelude::*;

    const STATES: [FollowUpState; 4] = [
        FollowUpState::Open,
        FollowUpState::CalledBack,
        FollowUpState::Rectified,
        FollowUpState::Closed,
    ];

    fn moves() -> [FollowUpMove; 4] {
        [
            FollowUpMove::Assign(Uuid::nil()),
            FollowUpMove::CallBack,
            FollowUpMove::Rectify,
            FollowUpMove::Close,
        ]
    }

    #[test]
    fn called_back_then_rectified_then_closed_r21() {
        let m = FollowUps;
        use FollowUpState as S;
        assert_eq!(
            m.next(S::Open, FollowUpMove::CallBack),
            Some((S::CalledBack, None))
        );
        assert_eq!(
            m.next(S::CalledBack, FollowUpMove::Rectify),
            Some((S::Rectified, None))
        );
        assert_eq!(
            m.next(S::Rectified, FollowUpMove::Close),
            Some((S::Closed, None))
        );
        assert_eq!(m.next(S::Open, FollowUpMove::Close), None);
        assert_eq!(
            m.next(S::CalledBack, FollowUpMove::Assign(Uuid::nil())),
            None
        );
        assert_eq!(m.party(FollowUpMove::Assign(Uuid::nil())), Party::Office);
        assert_eq!(m.party(FollowUpMove::CallBack), Party::Requester);
    }

    proptest! {
        /// Closed is final; every move goes one step forward (or assigns while open); states read
        /// back as themselves.
        #[test]
        fn follow_up_invariants(s in 0usize..4, m in 0usize..4) {
            let s = STATES[s];
            let mv = moves()[m];
            prop_assert_eq!(FollowUpState::parse(s.as_str()), Some(s));
            if let Some((to, effect)) = FollowUps.next(s, mv) {
                prop_assert!(s != FollowUpState::Closed);
                let from = STATES.iter().position(|x| *x == s).unwrap_or(0);
                let to_i = STATES.iter().position(|x| *x == to).unwrap_or(0);
                if effect.is_some() {
                    prop_assert_eq!(to, FollowUpState::Open);
                    prop_assert_eq!(s, FollowUpState::Open);
                } else {
                    prop_assert_eq!(to_i, from + 1);
                }
            }
        }
    }
}
