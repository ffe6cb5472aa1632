//! Unit and property tests of the sit-in rules (R15, R16).

use super::*;
use crate::calendar::workdays::{DayKind, DaySource, SpecialDay};
use chrono::TimeZone;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn shanghai() -> Tz {
    chrono_tz::Asia::Shanghai
}

fn cal(holidays: &[&str]) -> Calendar {
    Calendar::new(holidays.iter().map(|h| SpecialDay {
        date: d(h),
        kind: DayKind::Holiday,
        name: "假".into(),
        source: DaySource::Statutory,
    }))
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn leader(n: u128, plan_late: Option<bool>, sat: &[&str]) -> LeaderWeek {
    LeaderWeek {
        leader_id: id(n),
        current: true,
        plan_late,
        days_sat: sat.iter().map(|s| d(s)).collect(),
    }
}

#[test]
fn plan_is_due_by_the_monday_one_week_earlier_r15() {
    assert_eq!(deadline(d("2026-12-07"), 7), d("2026-11-30"));
    assert_eq!(deadline(d("2026-12-07"), 0), d("2026-12-07"));
    assert_eq!(deadline(d("2026-12-07"), 3), d("2026-12-04"));
    // The last minute of the deadline day in Shanghai is on time.
    let t = shanghai()
        .with_ymd_and_hms(2026, 11, 30, 23, 59, 59)
        .unwrap();
    let on = timing(t.with_timezone(&Utc), shanghai(), d("2026-12-07"), 7);
    assert_eq!(
        on,
        Timing {
            deadline: d("2026-11-30"),
            late: false
        }
    );
}

#[test]
fn late_plan_is_accepted_and_marked_r15() {
    let t = shanghai().with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let late = timing(t.with_timezone(&Utc), shanghai(), d("2026-12-07"), 7);
    assert!(late.late);
    assert_eq!(late.deadline, d("2026-11-30"));
    // Filing during the week itself, or after it, is late too.
    let t = Utc.with_ymd_and_hms(2026, 12, 20, 8, 0, 0).unwrap();
    assert!(timing(t, shanghai(), d("2026-12-07"), 7).late);
}

#[test]
fn deadline_is_read_in_the_centers_time_zone_r15() {
    // 16:30 UTC on 11-30 is already 00:30 on 12-01 in Shanghai: late there, on time in London.
    let t = Utc.with_ymd_and_hms(2026, 11, 30, 16, 30, 0).unwrap();
    assert!(timing(t, shanghai(), d("2026-12-07"), 7).late);
    assert!(!timing(t, chrono_tz::Europe::London, d("2026-12-07"), 7).late);
}

#[test]
fn plan_days_must_be_working_days_of_the_week_r15() {
    let c = cal(&["2026-12-09"]);
    let monday = d("2026-12-07");
    assert_eq!(
        check_days(monday, &[d("2026-12-11"), d("2026-12-07")], &c),
        Ok(vec![d("2026-12-07"), d("2026-12-11")])
    );
    assert_eq!(
        check_days(
            monday,
            &[
                d("2026-12-14"),
                d("2026-12-12"),
                d("2026-12-09"),
                d("2026-12-08"),
                d("2026-12-08")
            ],
            &c
        ),
        Err(vec![
            (0, DayProblem::OutsideWeek),
            (1, DayProblem::NotWorkingDay),
            (2, DayProblem::NotWorkingDay),
            (4, DayProblem::Duplicate),
        ])
    );
    assert_eq!(
        check_days(monday, &[d("2026-12-06")], &c),
        Err(vec![(0, DayProblem::OutsideWeek)])
    );
}

#[test]
fn makeup_weekend_day_may_be_planned_r15() {
    let c = Calendar::new([SpecialDay {
        date: d("2026-10-10"),
        kind: DayKind::MakeupWorkday,
        name: "国庆节".into(),
        source: DaySource::Statutory,
    }]);
    assert_eq!(
        check_days(d("2026-10-05"), &[d("2026-10-10")], &c),
        Ok(vec![d("2026-10-10")])
    );
}

#[test]
fn pattern_weekdays_are_mon_to_fri_once_each_r16() {
    assert_eq!(check_weekdays(&[3, 1, 2]), Ok(vec![1, 2, 3]));
    assert_eq!(
        check_weekdays(&[0, 6, 4, 4]),
        Err(vec![
            (0, WeekdayProblem::OutOfRange),
            (1, WeekdayProblem::OutOfRange),
            (3, WeekdayProblem::Duplicate),
        ])
    );
}

#[test]
fn pattern_gives_its_weekdays_of_the_week_r16() {
    // Deputy head Mon–Wed, head Thu–Fri.
    let c = cal(&[]);
    assert_eq!(
        expand_pattern(d("2026-12-07"), &[1, 2, 3], &c),
        vec![d("2026-12-07"), d("2026-12-08"), d("2026-12-09")]
    );
    assert_eq!(
        expand_pattern(d("2026-12-07"), &[5, 4], &c),
        vec![d("2026-12-10"), d("2026-12-11")]
    );
}

#[test]
fn pattern_drops_days_the_hall_is_closed_r16() {
    let c = cal(&["2026-10-01", "2026-10-02"]);
    assert_eq!(
        expand_pattern(d("2026-09-28"), &[1, 4, 5], &c),
        vec![d("2026-09-28")]
    );
    assert!(expand_pattern(d("2026-09-28"), &[4, 5], &c).is_empty());
}

#[test]
fn department_complies_with_an_on_time_plan_and_one_day_sat_r15() {
    let v = evaluate(&[leader(1, Some(false), &["2026-12-08"])], true);
    assert!(v.compliant);
    assert!(v.reasons.is_empty());
    assert_eq!(v.days_sat, vec![d("2026-12-08")]);
    // Planning and sitting may be done by different leaders of the department.
    let v = evaluate(
        &[
            leader(1, Some(false), &[]),
            leader(2, None, &["2026-12-09", "2026-12-08"]),
        ],
        true,
    );
    assert!(v.compliant);
    assert_eq!(v.days_sat, vec![d("2026-12-08"), d("2026-12-09")]);
}

#[test]
fn late_plan_does_not_comply_even_when_sat_r15() {
    let v = evaluate(&[leader(1, Some(true), &["2026-12-08"])], true);
    assert!(!v.compliant);
    assert_eq!(v.reasons, vec![ComplianceReason::PlanLate]);
    assert_eq!(v.late_plans, 1);
    assert!(!v.planned_on_time);
}

#[test]
fn one_on_time_plan_is_enough_when_another_leader_was_late_r15() {
    let v = evaluate(
        &[
            leader(1, Some(true), &["2026-12-08"]),
            leader(2, Some(false), &[]),
        ],
        true,
    );
    assert!(v.compliant);
    assert_eq!(v.late_plans, 1);
}

#[test]
fn department_that_neither_planned_nor_sat_is_named_with_both_reasons_r15() {
    let v = evaluate(&[leader(1, None, &[])], true);
    assert_eq!(
        v.reasons,
        vec![ComplianceReason::NoPlan, ComplianceReason::NotSat]
    );
    let v = evaluate(&[leader(1, Some(false), &[])], true);
    assert_eq!(v.reasons, vec![ComplianceReason::NotSat]);
}

#[test]
fn department_without_leaders_is_named_r15() {
    let v = evaluate(&[], true);
    assert!(!v.compliant);
    assert_eq!(v.reasons, vec![ComplianceReason::NoLeaders]);
}

#[test]
fn week_without_working_days_asks_nothing_r15() {
    assert!(evaluate(&[], false).compliant);
    assert!(evaluate(&[leader(1, None, &[])], false).compliant);
}

#[test]
fn leaders_count_where_they_filed_even_after_moving_r15() {
    let (a, b) = (id(100), id(200));
    let current = [(id(1), a), (id(2), b)];
    let plans = [
        PlanFact {
            leader_id: id(1),
            department_id: a,
            late: false,
        },
        // Leader 3 filed for `a`, then moved away (or stopped leading).
        PlanFact {
            leader_id: id(3),
            department_id: a,
            late: true,
        },
    ];
    let sat = [SatFact {
        leader_id: id(2),
        department_id: a,
        date: d("2026-12-08"),
    }];
    let g = gather(&[a, b], &current, &plans, &sat);
    assert_eq!(g[0].0, a);
    let ids: Vec<Uuid> = g[0].1.iter().map(|l| l.leader_id).collect();
    assert_eq!(ids, vec![id(1), id(2), id(3)]);
    assert!(g[0].1[0].current && !g[0].1[1].current && !g[0].1[2].current);
    assert_eq!(g[0].1[0].plan_late, Some(false));
    assert_eq!(g[0].1[1].days_sat, vec![d("2026-12-08")]);
    assert!(evaluate(&g[0].1, true).compliant);
    assert_eq!(g[1].1.len(), 1);
    assert_eq!(g[1].1[0].days_sat, Vec::<NaiveDate>::new());
}

#[test]
fn monday_of_finds_the_week() {
    assert_eq!(monday_of(d("2026-11-27")), d("2026-11-23"));
    assert_eq!(monday_of(d("2026-11-23")), d("2026-11-23"));
    assert_eq!(monday_of(d("2026-11-29")), d("2026-11-23"));
    assert!(is_monday(d("2026-11-23")) && !is_monday(d("2026-11-24")));
    assert_eq!(week_days(d("2026-11-23")).len(), 7);
}

proptest! {
    #[test]
    fn expanded_pattern_stays_in_the_week_on_working_pattern_days_r16(
        week in 0u64..520,
        weekdays in proptest::collection::vec(1i32..=5, 1..6),
        holiday in 0u64..7,
    ) {
        let monday = d("2026-01-05") + Days::new(week * 7);
        let off = monday + Days::new(holiday);
        let c = Calendar::new([SpecialDay {
            date: off,
            kind: DayKind::Holiday,
            name: "假".into(),
            source: DaySource::Override,
        }]);
        let days = expand_pattern(monday, &weekdays, &c);
        prop_assert!(days.windows(2).all(|w| w[0] < w[1]));
        for day in &days {
            prop_assert!(*day >= monday && *day <= week_end(monday));
            prop_assert!(c.is_working_day(*day));
            prop_assert!(weekdays.contains(&(day.weekday().number_from_monday() as i32)));
        }
        // Every pattern weekday that is working appears.
        let expected = weekdays.iter().collect::<BTreeSet<_>>().into_iter()
            .filter(|w| monday + Days::new(**w as u64 - 1) != off)
            .count();
        prop_assert_eq!(days.len(), expected);
        // And the result is a valid plan.
        if !days.is_empty() {
            prop_assert_eq!(check_days(monday, &days, &c), Ok(days.clone()));
        }
    }
}
