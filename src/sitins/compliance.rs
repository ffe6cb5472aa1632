//! Leader sit-ins (领导坐班, R15, R16). Pure logic: no database, no HTTP.
//!
//! - **Weeks** start on Monday; a plan names its week by that Monday.
//! - **Deadline** (R15: "files next week's sit-in days one week ahead"): a plan for the week of
//!   Monday `W` is on time when its filing instant, read as a date in the center's time zone, is
//!   on or before `W - days_before` (default 7: by the end of the Monday one week earlier).
//!   A later plan is accepted and marked `late`. A re-filing is judged by its own instant.
//! - **Patterns** (R16): ISO weekdays 1 (Monday) to 5 (Friday). A plan filed without days takes
//!   the pattern's weekdays of that week that are working days.
//! - **Compliance** (R15: at least one day per week): a department complies in a week when at
//!   least one of its leaders planned on time for it and at least one of its leaders sat at least
//!   one day of it. A week without working days asks nothing of anyone.

use crate::calendar::workdays::Calendar;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeSet;
use utoipa::ToSchema;
use uuid::Uuid;

/// The default number of days before a week's Monday by which its plan is due.
pub const DEFAULT_DEADLINE_DAYS_BEFORE: i32 = 7;
/// The largest deadline setting (four weeks ahead).
pub const MAX_DEADLINE_DAYS_BEFORE: i32 = 28;

/// The seven dates of the week starting on `monday`.
pub fn week_days(monday: NaiveDate) -> Vec<NaiveDate> {
    monday.iter_days().take(7).collect()
}

/// The Sunday ending the week of `monday`.
pub fn week_end(monday: NaiveDate) -> NaiveDate {
    monday + Days::new(6)
}

/// The Monday of the week containing `date`.
pub fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

pub fn is_monday(date: NaiveDate) -> bool {
    date.weekday() == Weekday::Mon
}

/// The last date on which a plan for the week of `monday` is on time.
pub fn deadline(monday: NaiveDate, days_before: i32) -> NaiveDate {
    monday - Days::new(u64::from(days_before.max(0).unsigned_abs()))
}

/// When a plan was filed, judged against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub deadline: NaiveDate,
    pub late: bool,
}

/// Whether a plan for the week of `monday`, filed at `filed_at`, is late in a center of time
/// zone `tz` whose plans are due `days_before` days before the week's Monday.
pub fn timing(filed_at: DateTime<Utc>, tz: Tz, monday: NaiveDate, days_before: i32) -> Timing {
    let deadline = deadline(monday, days_before);
    let filed_on = filed_at.with_timezone(&tz).date_naive();
    Timing {
        deadline,
        late: filed_on > deadline,
    }
}

/// What is wrong with one of the days of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayProblem {
    /// Not within Monday–Sunday of the plan's week.
    OutsideWeek,
    /// The hall is closed that day (weekend, holiday, closure).
    NotWorkingDay,
    /// Named twice.
    Duplicate,
}

/// Checks the days of a plan for the week of `monday`: within the week, working days, each once.
/// Returns them ascending, or the index and problem of each bad day.
pub fn check_days(
    monday: NaiveDate,
    days: &[NaiveDate],
    cal: &Calendar,
) -> Result<Vec<NaiveDate>, Vec<(usize, DayProblem)>> {
    let end = week_end(monday);
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for (i, d) in days.iter().enumerate() {
        if *d < monday || *d > end {
            problems.push((i, DayProblem::OutsideWeek));
        } else if !cal.is_working_day(*d) {
            problems.push((i, DayProblem::NotWorkingDay));
        } else if !seen.insert(*d) {
            problems.push((i, DayProblem::Duplicate));
        }
    }
    if problems.is_empty() {
        Ok(seen.into_iter().collect())
    } else {
        Err(problems)
    }
}

/// What is wrong with one entry of a weekday pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeekdayProblem {
    /// Not an ISO weekday number from 1 (Monday) to 5 (Friday).
    OutOfRange,
    Duplicate,
}

/// Checks a weekday pattern (R16): ISO numbers 1–5, each once. Returns them ascending.
pub fn check_weekdays(weekdays: &[i32]) -> Result<Vec<i32>, Vec<(usize, WeekdayProblem)>> {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for (i, w) in weekdays.iter().enumerate() {
        if !(1..=5).contains(w) {
            problems.push((i, WeekdayProblem::OutOfRange));
        } else if !seen.insert(*w) {
            problems.push((i, WeekdayProblem::Duplicate));
        }
    }
    if problems.is_empty() {
        Ok(seen.into_iter().collect())
    } else {
        Err(problems)
    }
}

/// The days a weekday pattern gives in the week of `monday`: its weekdays that are working days,
/// ascending. Empty when every one of them is off that week.
pub fn expand_pattern(monday: NaiveDate, weekdays: &[i32], cal: &Calendar) -> Vec<NaiveDate> {
    let mut wanted: Vec<i32> = weekdays
        .iter()
        .copied()
        .filter(|w| (1..=7).contains(w))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
        .into_iter()
        .map(|w| monday + Days::new(u64::from(w.unsigned_abs()) - 1))
        .filter(|d| cal.is_working_day(*d))
        .collect()
}

/// Why a department did not comply in a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The department has no leader (set `leader` on its leaders' staff records).
    NoLeaders,
    /// None of its leaders filed a plan for the week.
    NoPlan,
    /// Plans were filed, but all after the deadline.
    PlanLate,
    /// None of its leaders was recorded as sitting in the hall that week.
    NotSat,
}

/// A plan, as far as compliance cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFact {
    pub leader_id: Uuid,
    /// The leader's department when the plan was filed.
    pub department_id: Uuid,
    pub late: bool,
}

/// A recorded sit-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SatFact {
    pub leader_id: Uuid,
    /// The leader's department when the sit-in was recorded.
    pub department_id: Uuid,
    pub date: NaiveDate,
}

/// One leader's week in one department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderWeek {
    pub leader_id: Uuid,
    /// A leader of the department now (not only through a plan or sit-in filed for it earlier).
    pub current: bool,
    /// `Some(late)` when the leader filed a plan for the department.
    pub plan_late: Option<bool>,
    /// Days the leader sat for the department, ascending.
    pub days_sat: Vec<NaiveDate>,
}

/// Gathers each department's leaders for a week. A leader belongs to a department when they
/// lead it now, or filed a plan or sat for it that week (plans and sit-ins keep the department
/// they were filed under, so a leader who moved still counts where they acted).
/// Departments keep the order of `departments`; leaders come in the order first met: current
/// leaders as given, then others by id.
pub fn gather(
    departments: &[Uuid],
    current_leaders: &[(Uuid, Uuid)],
    plans: &[PlanFact],
    sat: &[SatFact],
) -> Vec<(Uuid, Vec<LeaderWeek>)> {
    departments
        .iter()
        .map(|&dept| {
            let mut ids: Vec<Uuid> = current_leaders
                .iter()
                .filter(|(_, d)| *d == dept)
                .map(|(l, _)| *l)
                .collect();
            let others: BTreeSet<Uuid> = plans
                .iter()
                .filter(|p| p.department_id == dept)
                .map(|p| p.leader_id)
                .chain(
                    sat.iter()
                        .filter(|s| s.department_id == dept)
                        .map(|s| s.leader_id),
                )
                .filter(|l| !ids.contains(l))
                .collect();
            let n_current = ids.len();
            ids.extend(others);
            let leaders = ids
                .into_iter()
                .enumerate()
                .map(|(i, leader_id)| {
                    let days: BTreeSet<NaiveDate> = sat
                        .iter()
                        .filter(|s| s.department_id == dept && s.leader_id == leader_id)
                        .map(|s| s.date)
                        .collect();
                    LeaderWeek {
                        leader_id,
                        current: i < n_current,
                        plan_late: plans
                            .iter()
                            .find(|p| p.department_id == dept && p.leader_id == leader_id)
                            .map(|p| p.late),
                        days_sat: days.into_iter().collect(),
                    }
                })
                .collect();
            (dept, leaders)
        })
        .collect()
}

/// A department's standing for a week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub compliant: bool,
    /// Why not; empty when compliant.
    pub reasons: Vec<Reason>,
    pub planned_on_time: bool,
    pub late_plans: usize,
    /// Distinct days any of its leaders sat, ascending.
    pub days_sat: Vec<NaiveDate>,
}

/// Judges a department's week (R15). `week_has_working_day` false (e.g. a week of Spring
/// Festival holidays) makes every department compliant: no sit-in is due.
pub fn evaluate(leaders: &[LeaderWeek], week_has_working_day: bool) -> Verdict {
    let planned_on_time = leaders.iter().any(|l| l.plan_late == Some(false));
    let late_plans = leaders.iter().filter(|l| l.plan_late == Some(true)).count();
    let days: BTreeSet<NaiveDate> = leaders
        .iter()
        .flat_map(|l| l.days_sat.iter().copied())
        .collect();
    let mut reasons = Vec::new();
    if week_has_working_day {
        if leaders.is_empty() {
            reasons.push(Reason::NoLeaders);
        } else {
            if !planned_on_time {
                reasons.push(if late_plans > 0 {
                    Reason::PlanLate
                } else {
                    Reason::NoPlan
                });
            }
            if days.is_empty() {
                reasons.push(Reason::NotSat);
            }
        }
    }
    Verdict {
        compliant: reasons.is_empty(),
        reasons,
        planned_on_time,
        late_plans,
        days_sat: days.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(v.reasons, vec![Reason::PlanLate]);
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
        assert_eq!(v.reasons, vec![Reason::NoPlan, Reason::NotSat]);
        let v = evaluate(&[leader(1, Some(false), &[])], true);
        assert_eq!(v.reasons, vec![Reason::NotSat]);
    }

    #[test]
    fn department_without_leaders_is_named_r15() {
        let v = evaluate(&[], true);
        assert!(!v.compliant);
        assert_eq!(v.reasons, vec![Reason::NoLeaders]);
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
}
