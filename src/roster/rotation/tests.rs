use super::*;

/// The five departments of R2, in order.
const R2: [&str; 5] = [
    "劳动就业中心",
    "医保中心",
    "机关社保中心",
    "城乡居民社保中心",
    "劳动社保中心窗口",
];

fn staff(dept: usize, i: usize) -> Uuid {
    Uuid::from_u128(((dept as u128 + 1) << 32) | (i as u128 + 1))
}

fn dept_id(dept: usize) -> Uuid {
    Uuid::from_u128(dept as u128 + 1)
}

/// Departments with the given queue sizes; department `d`'s members are `staff(d, 0..)`.
fn departments(sizes: &[usize]) -> Vec<DeptQueue> {
    sizes
        .iter()
        .enumerate()
        .map(|(d, &size)| DeptQueue {
            department_id: dept_id(d),
            name: R2
                .get(d)
                .map_or_else(|| format!("部门{}", d + 1), |s| s.to_string()),
            members: (0..size).map(|i| staff(d, i)).collect(),
        })
        .collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Monday to Friday working days from `from`, `count` of them.
fn weekdays(from: NaiveDate, count: usize) -> Vec<NaiveDate> {
    from.iter_days()
        .filter(|d| d.weekday().num_days_from_monday() < 5)
        .take(count)
        .collect()
}

fn run(
    days: &[NaiveDate],
    depts: &[DeptQueue],
    per_day: u32,
    unit: Unit,
    leave: &BTreeSet<(Uuid, NaiveDate)>,
    state: &RotationState,
) -> Output {
    generate(Input {
        days,
        departments: depts,
        per_day,
        unit,
        unavailable: |s, d| leave.contains(&(s, d)),
        state,
    })
}

/// No leave, first roster.
fn fresh(days: &[NaiveDate], depts: &[DeptQueue], per_day: u32, unit: Unit) -> Output {
    run(days, depts, per_day, unit, &no_leave(), &Default::default())
}

fn who(out: &Output) -> Vec<(NaiveDate, Uuid)> {
    out.assignments
        .iter()
        .map(|a| (a.date, a.staff_id))
        .collect()
}

/// The reason of a pick from the holding department `dept` (index), at `order`, in `round`.
fn holder(dept: usize, order: u32, span: Unit, round: u32) -> Reason {
    Reason {
        code: ReasonCode::HolderTurn,
        params: ReasonParams {
            department_id: Some(dept_id(dept)),
            rotation_order: Some(order),
            span: Some(span),
            round: Some(round),
            ..Default::default()
        },
    }
}

/// The reason of a pick from `dept` (index) for the holding department `holder`.
fn filled(dept: usize, holder: usize, round: u32, holder_gave_some: bool) -> Reason {
    Reason {
        code: ReasonCode::FilledFromOtherDepartment,
        params: ReasonParams {
            department_id: Some(dept_id(dept)),
            round: Some(round),
            holder_department_id: Some(dept_id(holder)),
            holder_gave_some: Some(holder_gave_some),
            ..Default::default()
        },
    }
}

fn no_leave() -> BTreeSet<(Uuid, NaiveDate)> {
    BTreeSet::new()
}

#[test]
fn five_departments_take_days_in_rotation_order_r2() {
    let depts = departments(&[3, 3, 3, 3, 3]);
    let days = weekdays(date(2025, 3, 3), 6);
    let out = fresh(&days, &depts, 1, Unit::Day);
    let expected: Vec<_> = (0..5)
        .map(|d| (days[d], staff(d, 0)))
        .chain([(days[5], staff(0, 1))])
        .collect();
    assert_eq!(who(&out), expected);
    assert!(out.shortfalls.is_empty());
    for (i, a) in out.assignments.iter().enumerate() {
        assert_eq!(a.slot, 1);
        assert_eq!(a.department_id, dept_id(i % 5));
    }
    assert_eq!(
        out.assignments[1].reason,
        holder(1, 2, Unit::Day, 1),
        "医保中心 holds this day (rotation order 2); next in its queue (round 1)"
    );
    assert_eq!(out.state.last_date, Some(days[5]));
    assert_eq!(out.state.last_department, Some(dept_id(0)));
    let r = &out.state.rounds[&dept_id(0)];
    assert_eq!(r.served, BTreeSet::from([staff(0, 0), staff(0, 1)]));
    assert_eq!((r.last, r.number), (Some(staff(0, 1)), 1));
}

#[test]
fn rounds_wrap_after_everyone_served_r1() {
    let depts = departments(&[2]);
    let days = weekdays(date(2025, 3, 3), 5);
    let out = fresh(&days, &depts, 1, Unit::Day);
    let people: Vec<_> = out.assignments.iter().map(|a| a.staff_id).collect();
    let (a, b) = (staff(0, 0), staff(0, 1));
    assert_eq!(people, [a, b, a, b, a]);
    assert_eq!(out.assignments[4].reason.params.round, Some(3));
    assert_eq!(out.state.rounds[&dept_id(0)].number, 3);
}

#[test]
fn week_unit_one_department_per_iso_week_r2() {
    let depts = departments(&[2, 0, 3]);
    // Wed 2025-03-05 .. Fri 2025-03-14: three days of one week, then a full week, then a Monday.
    let days = weekdays(date(2025, 3, 5), 9);
    let out = fresh(&days, &depts, 1, Unit::Week);
    let expected = vec![
        (days[0], staff(0, 0)),
        (days[1], staff(0, 1)),
        (days[2], staff(0, 0)),
        // Week 11: the empty department is skipped.
        (days[3], staff(2, 0)),
        (days[4], staff(2, 1)),
        (days[5], staff(2, 2)),
        (days[6], staff(2, 0)),
        (days[7], staff(2, 1)),
        // Week 12: back to the first.
        (days[8], staff(0, 1)),
    ];
    assert_eq!(who(&out), expected);
    assert_eq!(
        out.assignments[3].reason,
        holder(2, 3, Unit::Week, 1),
        "机关社保中心 holds this week (rotation order 3); next in its queue (round 1)"
    );
}

#[test]
fn week_unit_continues_a_week_begun_by_the_previous_roster() {
    let depts = departments(&[2, 2]);
    let state = RotationState {
        last_date: Some(date(2025, 3, 5)), // Wednesday
        last_department: Some(dept_id(1)),
        rounds: BTreeMap::new(),
    };
    let days = [date(2025, 3, 6), date(2025, 3, 7), date(2025, 3, 10)];
    let out = run(&days, &depts, 1, Unit::Week, &no_leave(), &state);
    let holders: Vec<_> = out.assignments.iter().map(|a| a.department_id).collect();
    assert_eq!(holders, [dept_id(1), dept_id(1), dept_id(0)]);
}

#[test]
fn two_per_day_r10() {
    let depts = departments(&[3, 2]);
    let days = weekdays(date(2025, 3, 3), 3);
    let out = fresh(&days, &depts, 2, Unit::Day);
    let expected = vec![
        (days[0], staff(0, 0)),
        (days[0], staff(0, 1)),
        (days[1], staff(1, 0)),
        (days[1], staff(1, 1)),
        (days[2], staff(0, 2)),
        (days[2], staff(0, 0)), // new round within the day
    ];
    assert_eq!(who(&out), expected);
    let slots: Vec<_> = out.assignments.iter().map(|a| a.slot).collect();
    assert_eq!(slots, [1, 2, 1, 2, 1, 2]);
    assert_eq!(out.assignments[4].reason.params.round, Some(1));
    assert_eq!(out.assignments[5].reason.params.round, Some(2));
    assert!(out.shortfalls.is_empty());
}

#[test]
fn leave_skips_a_person_who_keeps_their_place_r14() {
    let depts = departments(&[3]);
    let days = weekdays(date(2025, 3, 3), 5);
    let (a, b, c) = (staff(0, 0), staff(0, 1), staff(0, 2));
    let leave = BTreeSet::from([(a, days[0]), (a, days[1])]);
    let out = run(&days, &depts, 1, Unit::Day, &leave, &Default::default());
    let people: Vec<_> = out.assignments.iter().map(|x| x.staff_id).collect();
    // A is skipped while on leave, still has their turn in round 1, then round 2 goes on.
    assert_eq!(people, [b, c, a, b, c]);
    assert_eq!(out.assignments[2].reason.params.round, Some(1));
    assert_eq!(out.assignments[3].reason.params.round, Some(2));
    assert!(out.shortfalls.is_empty());
}

#[test]
fn leave_fills_from_the_following_department_without_changing_the_holder() {
    let depts = departments(&[1, 2, 2]);
    let days = weekdays(date(2025, 3, 3), 2);
    let leave = BTreeSet::from([(staff(0, 0), days[0])]);
    let out = run(&days, &depts, 1, Unit::Day, &leave, &Default::default());
    // Day 1 is held by department 1 but filled from department 2; day 2 is department 2's,
    // whose first member already had a turn, so the second one serves.
    assert_eq!(
        who(&out),
        vec![(days[0], staff(1, 0)), (days[1], staff(1, 1))]
    );
    assert_eq!(out.assignments[0].department_id, dept_id(1));
    assert_eq!(
        out.assignments[0].reason,
        filled(1, 0, 1, false),
        "filled from 医保中心 (round 1): 劳动就业中心 had nobody available"
    );
    assert_eq!(out.state.last_department, Some(dept_id(1)));
}

#[test]
fn fill_reason_says_nobody_else_when_the_holder_gave_some() {
    let depts = departments(&[1, 2]);
    let days = [date(2025, 3, 3)];
    let out = fresh(&days, &depts, 2, Unit::Day);
    assert_eq!(
        out.assignments[1].reason,
        filled(1, 0, 1, true),
        "filled from 医保中心 (round 1): 劳动就业中心 had nobody else available"
    );
}

#[test]
fn shortfall_when_nobody_is_available_r10() {
    let depts = departments(&[2]);
    let days = weekdays(date(2025, 3, 3), 3);
    let leave = BTreeSet::from([(staff(0, 0), days[1]), (staff(0, 1), days[1])]);
    let out = run(&days, &depts, 1, Unit::Day, &leave, &Default::default());
    assert_eq!(
        out.shortfalls,
        [Shortfall {
            date: days[1],
            missing: 1
        }]
    );
    assert_eq!(
        who(&out),
        vec![(days[0], staff(0, 0)), (days[2], staff(0, 1))]
    );

    // Three a day from two people: one missing every day.
    let out = fresh(&days, &depts, 3, Unit::Day);
    assert_eq!(out.assignments.len(), 6);
    assert!(out.shortfalls.iter().all(|s| s.missing == 1));
    assert_eq!(out.shortfalls.len(), 3);
}

#[test]
fn a_day_nobody_could_take_does_not_use_up_the_turn() {
    let depts = departments(&[1, 1]);
    let days = weekdays(date(2025, 3, 3), 2);
    let leave = BTreeSet::from([(staff(0, 0), days[0]), (staff(1, 0), days[0])]);
    let out = run(&days, &depts, 1, Unit::Day, &leave, &Default::default());
    assert_eq!(who(&out), vec![(days[1], staff(0, 0))]);
    assert_eq!(out.shortfalls.len(), 1);
}

#[test]
fn no_members_anywhere_gives_only_shortfalls() {
    let depts = departments(&[0, 0]);
    let days = weekdays(date(2025, 3, 3), 2);
    let out = fresh(&days, &depts, 2, Unit::Week);
    assert!(out.assignments.is_empty());
    assert_eq!(out.shortfalls.len(), 2);
    assert_eq!(out.state, RotationState::default());
    let out = run(&days, &[], 1, Unit::Day, &no_leave(), &Default::default());
    assert_eq!(out.shortfalls.len(), 2);
}

#[test]
fn unknown_last_department_starts_at_the_first() {
    let depts = departments(&[1, 1]);
    let state = RotationState {
        last_date: Some(date(2025, 3, 3)),
        last_department: Some(Uuid::from_u128(999)),
        rounds: BTreeMap::new(),
    };
    let days = [date(2025, 3, 4)];
    for unit in [Unit::Day, Unit::Week] {
        let out = run(&days, &depts, 1, unit, &no_leave(), &state);
        assert_eq!(out.assignments[0].department_id, dept_id(0));
    }
}

#[test]
fn continuation_two_periods_equal_one_whole_period_r11() {
    let depts = departments(&[3, 0, 2, 4, 1]);
    let days = weekdays(date(2025, 3, 5), 40);
    let leave: BTreeSet<_> = (0..40)
        .step_by(3)
        .map(|i| (staff(3, i % 4), days[i]))
        .collect();
    for unit in [Unit::Day, Unit::Week] {
        for per_day in 1..=3 {
            let whole = run(&days, &depts, per_day, unit, &leave, &Default::default());
            for split in [0, 7, 13, 40] {
                let first = run(
                    &days[..split],
                    &depts,
                    per_day,
                    unit,
                    &leave,
                    &Default::default(),
                );
                let second = run(&days[split..], &depts, per_day, unit, &leave, &first.state);
                let mut joined = first.assignments.clone();
                joined.extend(second.assignments);
                assert_eq!(joined, whole.assignments, "{unit:?} {per_day} {split}");
                assert_eq!(second.state, whole.state);
            }
        }
    }
}

#[test]
fn removed_members_leave_the_round_and_new_members_are_unserved_rule_5() {
    let days = weekdays(date(2025, 3, 3), 2);
    let before = departments(&[3]);
    let first = run(
        &days,
        &before,
        1,
        Unit::Day,
        &no_leave(),
        &Default::default(),
    );
    // A and B served; B leaves the queue and N joins at the end.
    let mut after = before.clone();
    let n = Uuid::from_u128(77);
    after[0].members = vec![staff(0, 0), staff(0, 2), n];
    let next_days = weekdays(date(2025, 3, 10), 3);
    let out = run(&next_days, &after, 1, Unit::Day, &no_leave(), &first.state);
    let people: Vec<_> = out.assignments.iter().map(|a| a.staff_id).collect();
    // The pointer (B) is gone: start at the front, skipping the served A.
    assert_eq!(people, [staff(0, 2), n, staff(0, 0)]);
    assert_eq!(out.assignments[1].reason.params.round, Some(1));
    assert_eq!(out.assignments[2].reason.params.round, Some(2));
}

#[test]
fn replay_of_generated_assignments_gives_the_same_state() {
    let depts = departments(&[3, 2, 0, 4]);
    let days = weekdays(date(2025, 3, 5), 30);
    let leave = BTreeSet::from([(staff(0, 1), days[0]), (staff(0, 2), days[0])]);
    let start = RotationState {
        last_date: Some(date(2025, 3, 4)),
        last_department: Some(dept_id(1)),
        rounds: BTreeMap::from([(
            dept_id(0),
            Round {
                served: BTreeSet::from([staff(0, 0), Uuid::from_u128(5)]),
                last: Some(Uuid::from_u128(5)),
                number: 4,
            },
        )]),
    };
    for unit in [Unit::Day, Unit::Week] {
        for per_day in 1..=3 {
            let out = run(&days, &depts, per_day, unit, &leave, &start);
            assert_eq!(replay(&start, &depts, unit, &out.assignments), out.state);
        }
    }
}

#[test]
fn replay_after_an_admin_swap_counts_the_new_person() {
    let depts = departments(&[3]);
    let days = weekdays(date(2025, 3, 3), 1);
    let out = fresh(&days, &depts, 1, Unit::Day);
    let mut edited = out.assignments.clone();
    edited[0].staff_id = staff(0, 2);
    let state = replay(&Default::default(), &depts, Unit::Day, &edited);
    let r = &state.rounds[&dept_id(0)];
    assert_eq!(r.served, BTreeSet::from([staff(0, 2)]));
    assert_eq!(r.last, Some(staff(0, 2)));
    assert_eq!(state.last_date, Some(days[0]));
    assert_eq!(state.last_department, Some(dept_id(0)));
    // Someone in no queue is not tracked, but the day still counts as held.
    edited[0].staff_id = Uuid::from_u128(4242);
    let state = replay(&Default::default(), &depts, Unit::Day, &edited);
    assert!(state.rounds.is_empty());
    assert_eq!(state.last_department, Some(dept_id(0)));
}

#[test]
fn state_round_trips_through_json() {
    let depts = departments(&[3, 2]);
    let days = weekdays(date(2025, 3, 3), 4);
    let out = fresh(&days, &depts, 1, Unit::Week);
    let json = serde_json::to_string(&out.state).unwrap();
    let back: RotationState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, out.state);
    let empty: RotationState = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, RotationState::default());
    assert_eq!(serde_json::to_string(&Unit::Week).unwrap(), "\"week\"");
}

mod properties;
