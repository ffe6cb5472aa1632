//! The state machine of rectifications. Pure: no I/O. Driven by [`crate::lifecycle::transition`].

use crate::lifecycle::{Machine, Party};
use crate::text_enum;
use chrono::NaiveDate;

text_enum!(
    /// `open` → (the staff member concerned answers; the office for a hall-wide finding)
    /// `answered` → (a supervisor on duty or the office) `verified`, closed; or `reopened` with a
    /// new deadline, to be answered again.
    pub RectificationStatus {
        Open => "open",
        Answered => "answered",
        Verified => "verified",
        Reopened => "reopened",
    }
);

impl RectificationStatus {
    /// Waiting for an answer (overdue past the deadline).
    pub const PENDING: [RectificationStatus; 2] =
        [RectificationStatus::Open, RectificationStatus::Reopened];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RectificationMove {
    Answer,
    Verify,
    /// Back to work, due `working_days` working days from today, on `deadline`.
    Reopen {
        working_days: i32,
        deadline: NaiveDate,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RectificationEffect {
    /// The rectification gets a new deadline.
    NewDeadline {
        working_days: i32,
        deadline: NaiveDate,
    },
}

/// Rectifications of one finding: whether it is hall-wide (the office answers) and whether the
/// caller holds today's duty (from the roster).
#[derive(Debug, Clone, Copy, Default)]
pub struct Rectifications {
    pub hall_wide: bool,
    pub caller_on_duty: bool,
}

impl Machine for Rectifications {
    type State = RectificationStatus;
    type Move = RectificationMove;
    type Effect = RectificationEffect;

    fn party(&self, m: RectificationMove) -> Party {
        match m {
            RectificationMove::Answer if self.hall_wide => Party::Office,
            RectificationMove::Answer => Party::Requester,
            RectificationMove::Verify | RectificationMove::Reopen { .. } => Party::OnDuty,
        }
    }

    fn next(
        &self,
        s: RectificationStatus,
        m: RectificationMove,
    ) -> Option<(RectificationStatus, Option<RectificationEffect>)> {
        use RectificationMove as M;
        use RectificationStatus as S;
        Some(match (s, m) {
            (S::Open | S::Reopened, M::Answer) => (S::Answered, None),
            (S::Answered, M::Verify) => (S::Verified, None),
            (
                S::Answered,
                M::Reopen {
                    working_days,
                    deadline,
                },
            ) => (
                S::Reopened,
                Some(RectificationEffect::NewDeadline {
                    working_days,
                    deadline,
                }),
            ),
            _ => return None,
        })
    }

    fn caller_on_duty(&self) -> bool {
        self.caller_on_duty
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text_enum::TextEnum;
    use proptest::prelude::*;

    fn reopen() -> RectificationMove {
        RectificationMove::Reopen {
            working_days: 3,
            deadline: NaiveDate::from_ymd_opt(2027, 3, 5).unwrap_or_default(),
        }
    }

    #[test]
    fn answered_then_verified_or_reopened_r25() {
        let m = Rectifications::default();
        use RectificationStatus as S;
        assert_eq!(
            m.next(S::Open, RectificationMove::Answer),
            Some((S::Answered, None))
        );
        assert_eq!(
            m.next(S::Answered, RectificationMove::Verify),
            Some((S::Verified, None))
        );
        assert!(matches!(
            m.next(S::Answered, reopen()),
            Some((S::Reopened, Some(RectificationEffect::NewDeadline { .. })))
        ));
        assert_eq!(
            m.next(S::Reopened, RectificationMove::Answer),
            Some((S::Answered, None))
        );
        assert_eq!(m.next(S::Open, RectificationMove::Verify), None);
        assert_eq!(m.next(S::Verified, reopen()), None);
    }

    #[test]
    fn the_staff_member_answers_the_office_for_the_hall_the_duty_decides() {
        let person = Rectifications::default();
        let hall = Rectifications {
            hall_wide: true,
            caller_on_duty: false,
        };
        assert_eq!(person.party(RectificationMove::Answer), Party::Requester);
        assert_eq!(hall.party(RectificationMove::Answer), Party::Office);
        assert_eq!(person.party(RectificationMove::Verify), Party::OnDuty);
        assert_eq!(hall.party(reopen()), Party::OnDuty);
    }

    const STATES: [RectificationStatus; 4] = [
        RectificationStatus::Open,
        RectificationStatus::Answered,
        RectificationStatus::Verified,
        RectificationStatus::Reopened,
    ];

    proptest! {
        /// Verified is final; only an answer leaves open/reopened; only a reopening changes the
        /// deadline; states read back as themselves.
        #[test]
        fn rectification_invariants(s in 0usize..4, m in 0usize..3, hall: bool) {
            let machine = Rectifications { hall_wide: hall, caller_on_duty: false };
            let s = STATES[s];
            let mv = [RectificationMove::Answer, RectificationMove::Verify, reopen()][m];
            prop_assert_eq!(RectificationStatus::parse(s.as_str()), Some(s));
            if let Some((to, effect)) = machine.next(s, mv) {
                prop_assert!(s != RectificationStatus::Verified);
                prop_assert!(to != RectificationStatus::Open);
                if RectificationStatus::PENDING.contains(&s) {
                    prop_assert_eq!(to, RectificationStatus::Answered);
                }
                prop_assert_eq!(effect.is_some(), to == RectificationStatus::Reopened);
            }
        }
    }
}
