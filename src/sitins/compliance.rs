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
pub enum ComplianceReason {
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
    pub reasons: Vec<ComplianceReason>,
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
            reasons.push(ComplianceReason::NoLeaders);
        } else {
            if !planned_on_time {
                reasons.push(if late_plans > 0 {
                    ComplianceReason::PlanLate
                } else {
                    ComplianceReason::NoPlan
                });
            }
            if days.is_empty() {
                reasons.push(ComplianceReason::NotSat);
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
mod tests;
