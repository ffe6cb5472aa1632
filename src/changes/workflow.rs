//! The state machines of substitutions, swaps and leave requests. Pure: no I/O. The plumbing
//! that drives them is [`crate::lifecycle::transition`].

use crate::lifecycle::{Machine, Party};
use crate::text_enum;

text_enum!(
    /// `proposed` → (substitute accepts) `registered`: in effect and on file with the office
    /// (备案), which may `acknowledged` it or `voided` it with a reason. With the center's
    /// approval gate on, acceptance leads to `accepted` and the office's registration puts it in
    /// effect. `declined`, `rejected` and `cancelled` end it before it takes effect.
    pub SubstitutionStatus {
        Proposed => "proposed",
        Accepted => "accepted",
        Registered => "registered",
        Acknowledged => "acknowledged",
        Voided => "voided",
        Declined => "declined",
        Rejected => "rejected",
        Cancelled => "cancelled",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubstitutionMove {
    Accept,
    Decline,
    Register,
    Acknowledge,
    Void,
    Reject,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubstitutionEffect {
    /// The substitute takes over the duty.
    TakeOver,
    /// The duty goes back to the person it was handed over by.
    HandBack,
}

/// Substitutions (顶岗, R6): filed with the office, not approved by it, unless the center turns
/// the approval gate on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Substitutions {
    pub approval_required: bool,
}

impl Machine for Substitutions {
    type State = SubstitutionStatus;
    type Move = SubstitutionMove;
    type Effect = SubstitutionEffect;

    fn party(&self, m: SubstitutionMove) -> Party {
        use SubstitutionMove::*;
        match m {
            Accept | Decline => Party::Counterpart,
            Register | Acknowledge | Void | Reject => Party::Office,
            Cancel => Party::Requester,
        }
    }

    fn next(
        &self,
        s: SubstitutionStatus,
        m: SubstitutionMove,
    ) -> Option<(SubstitutionStatus, Option<SubstitutionEffect>)> {
        use SubstitutionEffect::*;
        use SubstitutionMove as M;
        use SubstitutionStatus as S;
        Some(match (s, m) {
            (S::Proposed, M::Accept) if self.approval_required => (S::Accepted, None),
            (S::Proposed, M::Accept) => (S::Registered, Some(TakeOver)),
            (S::Proposed, M::Decline) => (S::Declined, None),
            (S::Accepted, M::Register) => (S::Registered, Some(TakeOver)),
            (S::Registered, M::Acknowledge) => (S::Acknowledged, None),
            (S::Registered | S::Acknowledged, M::Void) => (S::Voided, Some(HandBack)),
            (S::Proposed | S::Accepted, M::Reject) => (S::Rejected, None),
            (S::Proposed | S::Accepted, M::Cancel) => (S::Cancelled, None),
            _ => return None,
        })
    }
}

text_enum!(
    /// `proposed` → (the other person accepts) `accepted` → (the office registers) `registered`,
    /// when the two duties are exchanged; `declined`, `rejected`, `cancelled` end it.
    pub SwapStatus {
        Proposed => "proposed",
        Accepted => "accepted",
        Registered => "registered",
        Declined => "declined",
        Rejected => "rejected",
        Cancelled => "cancelled",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapMove {
    Accept,
    Decline,
    Register,
    Reject,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapEffect {
    /// The two duties change hands.
    Exchange,
}

/// Swaps (换班): both people agree, the office registers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Swaps;

impl Machine for Swaps {
    type State = SwapStatus;
    type Move = SwapMove;
    type Effect = SwapEffect;

    fn party(&self, m: SwapMove) -> Party {
        match m {
            SwapMove::Accept | SwapMove::Decline => Party::Counterpart,
            SwapMove::Register | SwapMove::Reject => Party::Office,
            SwapMove::Cancel => Party::Requester,
        }
    }

    fn next(&self, s: SwapStatus, m: SwapMove) -> Option<(SwapStatus, Option<SwapEffect>)> {
        use SwapMove as M;
        use SwapStatus as S;
        Some(match (s, m) {
            (S::Proposed, M::Accept) => (S::Accepted, None),
            (S::Proposed, M::Decline) => (S::Declined, None),
            (S::Accepted, M::Register) => (S::Registered, Some(SwapEffect::Exchange)),
            (S::Proposed | S::Accepted, M::Reject) => (S::Rejected, None),
            (S::Proposed | S::Accepted, M::Cancel) => (S::Cancelled, None),
            _ => return None,
        })
    }
}

text_enum!(
    /// `pending` until the office approves or rejects; the applicant may cancel while pending.
    pub LeaveStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
        Cancelled => "cancelled",
    }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveMove {
    Approve,
    Reject,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveEffect {
    /// Approval holds only while the person has no duty in the period.
    RequireNoDuty,
}

/// Leave and time off in lieu (请假、调休, R14).
#[derive(Debug, Clone, Copy, Default)]
pub struct Leave;

impl Machine for Leave {
    type State = LeaveStatus;
    type Move = LeaveMove;
    type Effect = LeaveEffect;

    fn party(&self, m: LeaveMove) -> Party {
        match m {
            LeaveMove::Approve | LeaveMove::Reject => Party::Office,
            LeaveMove::Cancel => Party::Requester,
        }
    }

    fn next(&self, s: LeaveStatus, m: LeaveMove) -> Option<(LeaveStatus, Option<LeaveEffect>)> {
        use LeaveMove as M;
        use LeaveStatus as S;
        Some(match (s, m) {
            (S::Pending, M::Approve) => (S::Approved, Some(LeaveEffect::RequireNoDuty)),
            (S::Pending, M::Reject) => (S::Rejected, None),
            (S::Pending, M::Cancel) => (S::Cancelled, None),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text_enum::TextEnum;
    use proptest::prelude::*;

    const SUB_STATES: [SubstitutionStatus; 8] = [
        SubstitutionStatus::Proposed,
        SubstitutionStatus::Accepted,
        SubstitutionStatus::Registered,
        SubstitutionStatus::Acknowledged,
        SubstitutionStatus::Voided,
        SubstitutionStatus::Declined,
        SubstitutionStatus::Rejected,
        SubstitutionStatus::Cancelled,
    ];
    const SUB_MOVES: [SubstitutionMove; 7] = [
        SubstitutionMove::Accept,
        SubstitutionMove::Decline,
        SubstitutionMove::Register,
        SubstitutionMove::Acknowledge,
        SubstitutionMove::Void,
        SubstitutionMove::Reject,
        SubstitutionMove::Cancel,
    ];

    #[test]
    fn a_substitution_takes_effect_when_the_substitute_accepts_r6() {
        let m = Substitutions::default();
        assert_eq!(
            m.next(SubstitutionStatus::Proposed, SubstitutionMove::Accept),
            Some((
                SubstitutionStatus::Registered,
                Some(SubstitutionEffect::TakeOver)
            ))
        );
        assert_eq!(m.party(SubstitutionMove::Accept), Party::Counterpart);
        // Filed, not approved: the office acknowledges or voids.
        assert_eq!(
            m.next(
                SubstitutionStatus::Registered,
                SubstitutionMove::Acknowledge
            ),
            Some((SubstitutionStatus::Acknowledged, None))
        );
        assert_eq!(
            m.next(SubstitutionStatus::Acknowledged, SubstitutionMove::Void),
            Some((
                SubstitutionStatus::Voided,
                Some(SubstitutionEffect::HandBack)
            ))
        );
        assert_eq!(
            m.next(SubstitutionStatus::Registered, SubstitutionMove::Cancel),
            None,
            "once in effect only the office can undo it"
        );
    }

    #[test]
    fn with_the_approval_gate_the_office_puts_it_in_effect() {
        let m = Substitutions {
            approval_required: true,
        };
        assert_eq!(
            m.next(SubstitutionStatus::Proposed, SubstitutionMove::Accept),
            Some((SubstitutionStatus::Accepted, None))
        );
        assert_eq!(
            m.next(SubstitutionStatus::Accepted, SubstitutionMove::Register),
            Some((
                SubstitutionStatus::Registered,
                Some(SubstitutionEffect::TakeOver)
            ))
        );
        assert_eq!(m.party(SubstitutionMove::Register), Party::Office);
    }

    proptest! {
        /// Nothing takes effect without a move that says so, a proposal never does, ended
        /// requests stay ended, and every state's text reads back as itself.
        #[test]
        fn substitution_invariants(s in 0usize..8, m in 0usize..7, gated: bool) {
            let machine = Substitutions { approval_required: gated };
            let (s, m) = (SUB_STATES[s], SUB_MOVES[m]);
            prop_assert_eq!(SubstitutionStatus::parse(s.as_str()), Some(s));
            if let Some((to, effect)) = machine.next(s, m) {
                prop_assert!(to != SubstitutionStatus::Proposed);
                prop_assert!(!matches!(s, SubstitutionStatus::Voided | SubstitutionStatus::Declined
                    | SubstitutionStatus::Rejected | SubstitutionStatus::Cancelled));
                let effective = |x| matches!(x, SubstitutionStatus::Registered | SubstitutionStatus::Acknowledged);
                match effect {
                    Some(SubstitutionEffect::TakeOver) => prop_assert!(!effective(s) && effective(to)),
                    Some(SubstitutionEffect::HandBack) => prop_assert!(effective(s) && !effective(to)),
                    None => prop_assert_eq!(effective(s), effective(to)),
                }
            }
        }
    }

    #[test]
    fn swaps_need_agreement_then_registration() {
        let m = Swaps;
        assert_eq!(m.next(SwapStatus::Proposed, SwapMove::Register), None);
        assert_eq!(
            m.next(SwapStatus::Accepted, SwapMove::Register),
            Some((SwapStatus::Registered, Some(SwapEffect::Exchange)))
        );
        assert_eq!(m.next(SwapStatus::Registered, SwapMove::Cancel), None);
    }

    #[test]
    fn leave_is_decided_once_r14() {
        let m = Leave;
        assert_eq!(
            m.next(LeaveStatus::Pending, LeaveMove::Approve),
            Some((LeaveStatus::Approved, Some(LeaveEffect::RequireNoDuty)))
        );
        assert_eq!(m.next(LeaveStatus::Approved, LeaveMove::Reject), None);
        assert_eq!(m.next(LeaveStatus::Rejected, LeaveMove::Approve), None);
        assert_eq!(
            m.next(LeaveStatus::Pending, LeaveMove::Cancel),
            Some((LeaveStatus::Cancelled, None))
        );
        assert_eq!(m.party(LeaveMove::Cancel), Party::Requester);
    }
}
