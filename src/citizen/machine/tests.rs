use super::*;
use crate::text_enum::TextEnum;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn staff(i: u8) -> Uuid {
    Uuid::from_u128(0x1000 + u128::from(i))
}

fn machine(caller: u8, today: NaiveDate) -> Citizens {
    Citizens {
        caller: staff(caller),
        today,
        now: today.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc(),
    }
}

/// Every move, with hand-ons to `to` and texts that do not matter here.
fn moves(to: u8) -> Vec<Move> {
    vec![
        Move::Accept,
        Move::Forward {
            to: staff(to),
            department: Uuid::from_u128(7),
        },
        Move::Escalate { to: staff(to) },
        Move::Start,
        Move::Wait,
        Move::Resume,
        Move::Answer {
            answer: "答复".into(),
            finding: None,
        },
        Move::Close,
        Move::Refuse {
            reason: "理由".into(),
            guidance: "指引".into(),
        },
        Move::Reopen,
    ]
}

fn follow(t: Tracked, m: &Citizens, mv: Move, cal: &Calendar) -> Option<Tracked> {
    let (to, effect) = m.next(t.state, mv)?;
    Some(t.after(to, effect.as_ref(), cal))
}

const QUEUED: Tracked = Tracked {
    state: State::Received,
    owner: None,
    paused_days: 0,
    paused_on: None,
};

#[test]
fn whoever_accepts_from_the_queue_owns_it_r19() {
    let m = machine(1, d("2027-03-01"));
    assert_eq!(m.party(Move::Accept), Party::AnyStaff);
    let t = follow(QUEUED, &m, Move::Accept, &Calendar::new([])).unwrap_or(QUEUED);
    assert_eq!(t.state, State::Accepted);
    assert_eq!(t.owner, Some(staff(1)));
    // Nothing but accepting takes a request out of the queue.
    for mv in moves(2).into_iter().filter(|mv| *mv != Move::Accept) {
        assert_eq!(m.next(State::Received, mv.clone()), None, "{mv:?}");
    }
}

#[test]
fn the_owner_moves_and_only_the_office_reopens() {
    let m = machine(1, d("2027-03-01"));
    for mv in moves(2) {
        let expected = match mv {
            Move::Accept => Party::AnyStaff,
            Move::Reopen => Party::Office,
            _ => Party::Owner,
        };
        assert_eq!(m.party(mv.clone()), expected, "{mv:?}");
    }
}

#[test]
fn forwarding_and_escalating_hand_the_request_on_r13() {
    let m = machine(1, d("2027-03-01"));
    let cal = Calendar::new([]);
    let accepted = follow(QUEUED, &m, Move::Accept, &cal).unwrap_or(QUEUED);
    let forwarded = follow(accepted, &m, moves(2)[1].clone(), &cal).unwrap_or(QUEUED);
    assert_eq!(
        (forwarded.state, forwarded.owner),
        (State::Forwarded, Some(staff(2)))
    );
    let escalated = follow(forwarded, &m, moves(3)[2].clone(), &cal).unwrap_or(QUEUED);
    assert_eq!(
        (escalated.state, escalated.owner),
        (State::Escalated, Some(staff(3)))
    );
    assert_eq!(
        m.next(State::WaitingCitizen, moves(2)[1].clone()),
        None,
        "resume before handing on"
    );
    assert_eq!(m.next(State::Answered, moves(2)[2].clone()), None);
}

#[test]
fn waiting_for_the_citizen_pauses_the_deadline_by_working_days_r20() {
    let cal = Calendar::new([]);
    // Paused on a Wednesday, resumed the next Wednesday: Thu, Fri, Mon, Tue, Wed = 5 days.
    let wed = d("2027-03-03");
    let next_wed = d("2027-03-10");
    let start = Tracked {
        state: State::InProgress,
        owner: Some(staff(1)),
        paused_days: 2,
        paused_on: None,
    };
    let waiting = follow(start, &machine(1, wed), Move::Wait, &cal).unwrap_or(start);
    assert_eq!(waiting.state, State::WaitingCitizen);
    assert_eq!(waiting.paused_on, Some(wed));
    let back = follow(waiting, &machine(1, next_wed), Move::Resume, &cal).unwrap_or(start);
    assert_eq!(back.state, State::InProgress);
    assert_eq!((back.paused_days, back.paused_on), (7, None));
    // Refusing while waiting ends the pause the same way.
    let refused =
        follow(waiting, &machine(1, next_wed), moves(1)[8].clone(), &cal).unwrap_or(start);
    assert_eq!(
        (refused.state, refused.paused_days, refused.paused_on),
        (State::Refused, 7, None)
    );
}

#[test]
fn a_finding_is_needed_for_complaints_about_staff_only_r18() {
    assert!(needs_finding(true, true));
    assert!(!needs_finding(true, false));
    assert!(!needs_finding(false, true));
}

/// One step of a generated run: which move, the staff member it names or who makes it, and how
/// many days pass before it.
fn step() -> impl Strategy<Value = (usize, u8, u8, i64)> {
    (0usize..10, 0u8..5, 0u8..5, 0i64..6)
}

proptest! {
    /// From the queue, no sequence of moves reaches a state outside the set, loses the owner,
    /// changes a closed or refused request except by reopening it, or lowers the paused days;
    /// a request waits for the citizen exactly while its deadline is paused.
    #[test]
    fn no_sequence_of_moves_breaks_the_workflow(steps in prop::collection::vec(step(), 0..60)) {
        let cal = Calendar::new([]);
        let mut today = d("2027-03-01");
        let mut t = QUEUED;
        for (i, to, caller, days) in steps {
            today += chrono::Duration::days(days);
            let m = machine(caller, today);
            let mv = moves(to)[i].clone();
            let Some(next) = follow(t, &m, mv.clone(), &cal) else { continue };
            prop_assert!(State::ALL.contains(&next.state));
            prop_assert_eq!(State::parse(next.state.as_str()), Some(next.state));
            prop_assert!(next.state != State::Received, "nothing goes back to the queue");
            prop_assert!(next.owner.is_some(), "every state but received has an owner");
            if t.owner.is_some() && next.owner != t.owner {
                let hand_on = matches!(mv, Move::Forward { .. } | Move::Escalate { .. });
                prop_assert!(hand_on, "only a hand-on replaces an owner, {:?}", mv);
            }
            if matches!(t.state, State::Closed | State::Refused) {
                prop_assert_eq!(&mv, &Move::Reopen);
            }
            prop_assert!(next.paused_days >= t.paused_days);
            prop_assert_eq!(next.state == State::WaitingCitizen, next.paused_on.is_some());
            t = next;
        }
    }

    /// Every state's moves: a move either is refused or leads where the table says, and every
    /// text reads back as itself.
    #[test]
    fn moves_from_any_state(s in 0usize..9, i in 0usize..10) {
        let m = machine(1, d("2027-03-01"));
        let s = State::ALL[s];
        let mv = moves(2)[i].clone();
        if let Some((to, _)) = m.next(s, mv.clone()) {
            let ends = matches!(to, State::Closed | State::Refused | State::Answered);
            let ending = matches!(mv, Move::Close | Move::Refuse { .. } | Move::Answer { .. });
            prop_assert!(!ends || ending);
            prop_assert!(to != State::Received);
        }
        prop_assert_eq!(OwnerHow::parse("forwarded"), Some(OwnerHow::Forwarded));
    }
}
