//! The supervisor duty-roster generator (督导员值班表): pure logic, no I/O.
//!
//! Supervisors are the departments' window staff, on duty in turn (R1). Departments take duty in
//! the rotation order (值班顺序) set for the center (R2), on every working day (R3), with at least
//! `per_day` people on duty (R10). A roster covers a duty period (R11) and **continues** from where
//! the previous published roster stopped: [`RotationState`] is saved with each published roster and
//! fed to the next generation. People on approved leave (R14) are skipped on those dates and keep
//! their place; who stands in for a published duty is a substitution (R6), not this module's job.
//!
//! # Rules
//!
//! 1. **Holding department.** For each day the holding department is chosen from the state:
//!    - [`Unit::Day`]: the department after `last_department` in rotation order, wrapping;
//!      departments without members are skipped. When `last_department` is `None` or is not in
//!      the rotation, the first department with members holds the day.
//!    - [`Unit::Week`]: when the day is in the same ISO week (Monday-based) as `last_date` and
//!      `last_department` is in the rotation and has members, it keeps the day; otherwise the
//!      rotation advances exactly as for [`Unit::Day`].
//! 2. **Filling slots.** Each day has `per_day` slots, numbered from 1. They are filled first from
//!    the holding department's queue, then, when it has nobody (else) available, from the
//!    departments that follow it in rotation order (wrapping); this never changes which
//!    department holds the day. Within a department the pick is: starting after `Round::last`
//!    in queue order (wrapping; from the front when `last` is unset), the first member who is not
//!    in `Round::served`, not unavailable that date and not already assigned that date. When every
//!    such member has already been served, a new round starts (`served` is cleared, `number` goes
//!    up by one) and the first of them after `last` is picked. A member on leave is simply passed
//!    over, so they keep their place: they stay unserved and get their turn once back in the
//!    current round.
//! 3. **Shortfall.** When no department has anyone left for a slot, the remaining slots of that day
//!    are reported as one [`Shortfall`]. Nobody is assigned twice on a date and only queue members
//!    are ever assigned.
//! 4. **Reason.** Every [`Assignment`] carries a short English sentence saying why, naming the
//!    departments, the rotation order (1-based position in `departments`) and the round.
//! 5. **Changed queues.** Before anything else the saved rounds are reconciled with the current
//!    queues: members no longer in a department's queue are dropped from its `served` set (and as
//!    its `last` pointer, so the next pick starts at the front of the queue); new members are
//!    unserved. Rounds of departments not in the rotation are kept untouched.
//! 6. **Determinism.** The same input always gives the same output; only ordered collections are
//!    used.
//!
//! # State
//!
//! The state only moves on days that got at least one assignment: such a day sets `last_date` and
//! `last_department` (the holding department) and every pick updates the picked department's
//! round. A day on which nobody at all could be assigned does not use up the holding department's
//! turn. [`replay`] applies the same updates to a roster's final assignments, so
//! `generate(..).state == replay(start, .., &generate(..).assignments)`.
//!
//! Cost: `O(days × (per_day + departments) × queue length)` steps with logarithmic look-ups;
//! a year for 10 departments and 300 staff is a few hundred thousand steps.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long one department holds duty before the next one takes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Each working day the next department in rotation order holds duty.
    Day,
    /// One department holds every working day of an ISO week (Monday-based).
    Week,
}

/// A department's place in the rotation and its duty queue.
#[derive(Debug, Clone)]
pub struct DeptQueue {
    pub department_id: Uuid,
    /// Display name, used in the assignment reasons.
    pub name: String,
    /// Eligible, active staff in queue order. A repeated id counts once, at its first place.
    pub members: Vec<Uuid>,
}

/// Where a roster left off; stored as JSON with a published roster and fed to the next generation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RotationState {
    /// The last date that got an assignment.
    pub last_date: Option<NaiveDate>,
    /// The department that held `last_date`.
    pub last_department: Option<Uuid>,
    /// Each department's current round, by department id.
    pub rounds: BTreeMap<Uuid, Round>,
}

/// A department's current round through its queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Round {
    /// Who already had a turn in this round.
    pub served: BTreeSet<Uuid>,
    /// The queue pointer: the member picked last.
    pub last: Option<Uuid>,
    /// The round's number, from 1; 0 until the department's first pick.
    pub number: u32,
}

/// One person on duty on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub date: NaiveDate,
    /// 1-based slot of the day (`1..=per_day`).
    pub slot: u32,
    pub staff_id: Uuid,
    /// The department whose queue the person was taken from (not necessarily the holding one).
    pub department_id: Uuid,
    pub reason: String,
}

/// Slots of a date that nobody could fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortfall {
    pub date: NaiveDate,
    pub missing: u32,
}

/// What [`generate`] needs.
pub struct Input<'a, F: Fn(Uuid, NaiveDate) -> bool> {
    /// Working days of the period, strictly ascending and after `state.last_date`.
    pub days: &'a [NaiveDate],
    /// Departments in rotation order (distinct ids).
    pub departments: &'a [DeptQueue],
    /// People on duty per day (R10); 0 yields nothing.
    pub per_day: u32,
    pub unit: Unit,
    /// `true` when the person is on approved leave that date.
    pub unavailable: F,
    /// Where the previous roster left off; `RotationState::default()` for the first one.
    pub state: &'a RotationState,
}

/// The draft roster and the state it ends in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Ordered by date, then slot.
    pub assignments: Vec<Assignment>,
    /// Ordered by date; only dates with missing slots.
    pub shortfalls: Vec<Shortfall>,
    pub state: RotationState,
}

/// Generates the roster for `input.days`, continuing from `input.state` (see the module rules).
pub fn generate<F: Fn(Uuid, NaiveDate) -> bool>(input: Input<'_, F>) -> Output {
    let mut rotation = Rotation::new(input.departments, input.unit, input.state);
    let mut assignments = Vec::new();
    let mut shortfalls = Vec::new();
    let n = rotation.depts.len();

    for &date in input.days {
        let holder = rotation.holder(date);
        let mut taken = BTreeSet::new();
        let mut filled = 0;
        let mut from_holder = 0;
        if let Some(h) = holder {
            for k in 0..n {
                if filled == input.per_day {
                    break;
                }
                let d = (h + k) % n;
                while filled < input.per_day {
                    let Some((staff_id, round)) =
                        rotation.pick(d, date, &taken, &input.unavailable)
                    else {
                        break;
                    };
                    taken.insert(staff_id);
                    filled += 1;
                    let reason = if d == h {
                        from_holder += 1;
                        rotation.holder_reason(h, round)
                    } else {
                        rotation.fill_reason(d, h, round, from_holder > 0)
                    };
                    assignments.push(Assignment {
                        date,
                        slot: filled,
                        staff_id,
                        department_id: rotation.depts[d].id,
                        reason,
                    });
                }
            }
            if filled > 0 {
                rotation.close_day(date, h);
            }
        }
        if filled < input.per_day {
            shortfalls.push(Shortfall {
                date,
                missing: input.per_day - filled,
            });
        }
    }

    Output {
        assignments,
        shortfalls,
        state: rotation.state,
    }
}

/// Rebuilds the end state from a roster's final assignments (after an office admin edited the
/// draft), starting from `start`, with the same state-update rules as [`generate`]: so
/// `generate`'s output state equals `replay(start, departments, unit, &its assignments)`.
///
/// Assignments are taken by date, then slot. Every date with at least one assignment is a held
/// day: its holding department is worked out by rule 1 and recorded as `last_department` (dates
/// are skipped only when no department has members). Each assignment counts as a turn in the
/// queue of its `department_id` when the person is a member there, else in the first queue in
/// rotation order that has them; people in no queue are not tracked. A turn given to someone
/// already served in the current round starts a new round for that department (that is the
/// only way [`generate`] picks a served person), so an extra turn added by hand resets the round.
pub fn replay(
    start: &RotationState,
    departments: &[DeptQueue],
    unit: Unit,
    assignments: &[Assignment],
) -> RotationState {
    let mut rotation = Rotation::new(departments, unit, start);
    let mut by_date: BTreeMap<NaiveDate, Vec<&Assignment>> = BTreeMap::new();
    for a in assignments {
        by_date.entry(a.date).or_default().push(a);
    }
    for (date, mut day) in by_date {
        let Some(holder) = rotation.holder(date) else {
            continue;
        };
        day.sort_by_key(|a| a.slot); // stable: equal slots keep their given order
        for a in day {
            if let Some(d) = rotation.queue_of(a.department_id, a.staff_id) {
                rotation.serve(d, a.staff_id);
            }
        }
        rotation.close_day(date, holder);
    }
    rotation.state
}

/// A department prepared for look-ups.
struct Dept<'a> {
    id: Uuid,
    name: &'a str,
    /// Deduplicated, in queue order.
    members: Vec<Uuid>,
    /// Member id → position in `members`.
    position: BTreeMap<Uuid, usize>,
}

/// The generator's working state: the prepared rotation and the evolving [`RotationState`].
struct Rotation<'a> {
    depts: Vec<Dept<'a>>,
    unit: Unit,
    state: RotationState,
}

impl<'a> Rotation<'a> {
    /// Prepares the departments and reconciles the saved rounds with the current queues (rule 5).
    fn new(departments: &'a [DeptQueue], unit: Unit, start: &RotationState) -> Self {
        let depts: Vec<Dept<'a>> = departments
            .iter()
            .map(|q| {
                let mut members = Vec::with_capacity(q.members.len());
                let mut position = BTreeMap::new();
                for &m in &q.members {
                    if let std::collections::btree_map::Entry::Vacant(e) = position.entry(m) {
                        e.insert(members.len());
                        members.push(m);
                    }
                }
                Dept {
                    id: q.department_id,
                    name: &q.name,
                    members,
                    position,
                }
            })
            .collect();
        let mut state = start.clone();
        for d in &depts {
            if let Some(round) = state.rounds.get_mut(&d.id) {
                round.served.retain(|m| d.position.contains_key(m));
                if round.last.is_some_and(|l| !d.position.contains_key(&l)) {
                    round.last = None;
                }
            }
        }
        Rotation { depts, unit, state }
    }

    /// Index of a department in rotation order.
    fn index_of(&self, id: Uuid) -> Option<usize> {
        self.depts.iter().position(|d| d.id == id)
    }

    /// The next department with members after `last` (wrapping, `last` itself included last),
    /// or the first with members when `last` is unknown.
    fn next_after(&self, last: Option<Uuid>) -> Option<usize> {
        let n = self.depts.len();
        let first = match last.and_then(|id| self.index_of(id)) {
            Some(i) => i + 1,
            None => 0,
        };
        (0..n)
            .map(|k| (first + k) % n)
            .find(|&d| !self.depts[d].members.is_empty())
    }

    /// Rule 1: the department holding `date`, or `None` when no department has members.
    fn holder(&self, date: NaiveDate) -> Option<usize> {
        let s = &self.state;
        if self.unit == Unit::Week
            && let (Some(last_date), Some(last_dept)) = (s.last_date, s.last_department)
            && last_date.iso_week() == date.iso_week()
            && let Some(i) = self.index_of(last_dept)
            && !self.depts[i].members.is_empty()
        {
            return Some(i);
        }
        self.next_after(s.last_department)
    }

    /// Rule 2: picks the next person of department `d` for `date` and records the turn;
    /// returns them with their round number, or `None` when nobody there is available.
    fn pick(
        &mut self,
        d: usize,
        date: NaiveDate,
        taken: &BTreeSet<Uuid>,
        unavailable: &impl Fn(Uuid, NaiveDate) -> bool,
    ) -> Option<(Uuid, u32)> {
        let dept = &self.depts[d];
        let n = dept.members.len();
        if n == 0 {
            return None;
        }
        let round = self.state.rounds.get(&dept.id);
        let start = round
            .and_then(|r| r.last)
            .and_then(|l| dept.position.get(&l))
            .map_or(0, |&p| p + 1);
        let mut first_available = None;
        let mut chosen = None;
        for k in 0..n {
            let m = dept.members[(start + k) % n];
            if taken.contains(&m) || unavailable(m, date) {
                continue;
            }
            if round.is_none_or(|r| !r.served.contains(&m)) {
                chosen = Some(m);
                break;
            }
            first_available.get_or_insert(m);
        }
        // Everyone available was served: `serve` starts a new round for them.
        let staff = chosen.or(first_available)?;
        Some((staff, self.serve(d, staff)))
    }

    /// Records a turn of `staff` in department `d`'s round; returns the round number.
    /// A turn for someone already served starts a new round.
    fn serve(&mut self, d: usize, staff: Uuid) -> u32 {
        let round = self.state.rounds.entry(self.depts[d].id).or_default();
        if round.number == 0 {
            round.number = 1;
        }
        if round.served.contains(&staff) {
            round.served.clear();
            round.number += 1;
        }
        round.served.insert(staff);
        round.last = Some(staff);
        round.number
    }

    /// Marks `date` as held by department `holder`.
    fn close_day(&mut self, date: NaiveDate, holder: usize) {
        self.state.last_date = Some(date);
        self.state.last_department = Some(self.depts[holder].id);
    }

    /// The queue a replayed assignment counts in: its own department if the person is a member
    /// there, else the first department in rotation order that has them.
    fn queue_of(&self, department_id: Uuid, staff: Uuid) -> Option<usize> {
        self.depts
            .iter()
            .position(|d| d.id == department_id && d.position.contains_key(&staff))
            .or_else(|| {
                self.depts
                    .iter()
                    .position(|d| d.position.contains_key(&staff))
            })
    }

    fn holder_reason(&self, h: usize, round: u32) -> String {
        let span = match self.unit {
            Unit::Day => "day",
            Unit::Week => "week",
        };
        format!(
            "{} holds this {span} (rotation order {}); next in its queue (round {round})",
            self.depts[h].name,
            h + 1
        )
    }

    fn fill_reason(&self, d: usize, h: usize, round: u32, holder_gave_some: bool) -> String {
        let who = if holder_gave_some {
            "nobody else"
        } else {
            "nobody"
        };
        format!(
            "filled from {} (round {round}): {} had {who} available",
            self.depts[d].name, self.depts[h].name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        assert!(out.assignments[4].reason.ends_with("(round 3)"));
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
        assert!(out.assignments[4].reason.ends_with("(round 1)"));
        assert!(out.assignments[5].reason.ends_with("(round 2)"));
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
        assert!(out.assignments[2].reason.ends_with("(round 1)"));
        assert!(out.assignments[3].reason.ends_with("(round 2)"));
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
        assert!(out.assignments[1].reason.ends_with("(round 1)"));
        assert!(out.assignments[2].reason.ends_with("(round 2)"));
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

    // ---- property tests ----

    #[derive(Debug, Clone)]
    struct Scenario {
        depts: Vec<DeptQueue>,
        per_day: u32,
        unit: Unit,
        days: Vec<NaiveDate>,
        leave: BTreeSet<(Uuid, NaiveDate)>,
    }

    impl Scenario {
        fn run_on(&self, days: &[NaiveDate], state: &RotationState) -> Output {
            run(
                days,
                &self.depts,
                self.per_day,
                self.unit,
                &self.leave,
                state,
            )
        }
        fn run(&self) -> Output {
            self.run_on(&self.days, &RotationState::default())
        }
        fn all_members(&self) -> BTreeSet<Uuid> {
            self.depts
                .iter()
                .flat_map(|d| d.members.iter().copied())
                .collect()
        }
    }

    fn scenario() -> impl Strategy<Value = Scenario> {
        (
            prop::collection::vec(prop_oneof![0usize..=3, 0usize..=30], 1..=10),
            1u32..=3,
            prop_oneof![Just(Unit::Day), Just(Unit::Week)],
            0i64..3000,
            prop::collection::btree_set(0i64..730, 0..=500),
            prop::collection::vec((0usize..300, 0i64..730, 1i64..20), 0..40),
        )
            .prop_map(|(sizes, per_day, unit, start, offsets, leaves)| {
                let depts = departments(&sizes);
                let first = date(2018, 1, 1) + chrono::Days::new(start as u64);
                let days: Vec<_> = offsets
                    .iter()
                    .map(|&o| first + chrono::Days::new(o as u64))
                    .collect();
                let everyone: Vec<Uuid> = depts
                    .iter()
                    .flat_map(|d| d.members.iter().copied())
                    .collect();
                let mut leave = BTreeSet::new();
                if !everyone.is_empty() {
                    for (who, from, len) in leaves {
                        let person = everyone[who % everyone.len()];
                        for o in from..from + len {
                            leave.insert((person, first + chrono::Days::new(o as u64)));
                        }
                    }
                }
                Scenario {
                    depts,
                    per_day,
                    unit,
                    days,
                    leave,
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn every_day_is_filled_as_far_as_people_allow(s in scenario()) {
            let out = s.run();
            let members = s.all_members();
            let mut by_date: BTreeMap<NaiveDate, Vec<&Assignment>> = BTreeMap::new();
            for a in &out.assignments {
                by_date.entry(a.date).or_default().push(a);
            }
            let short: BTreeMap<NaiveDate, u32> =
                out.shortfalls.iter().map(|x| (x.date, x.missing)).collect();
            prop_assert_eq!(short.len(), out.shortfalls.len());
            for &day in &s.days {
                let available = members
                    .iter()
                    .filter(|&&m| !s.leave.contains(&(m, day)))
                    .count() as u32;
                let got = by_date.get(&day).map_or(&[][..], |v| v.as_slice());
                prop_assert_eq!(got.len() as u32, s.per_day.min(available));
                prop_assert_eq!(
                    short.get(&day).copied().unwrap_or(0),
                    s.per_day - s.per_day.min(available)
                );
                let slots: Vec<u32> = got.iter().map(|a| a.slot).collect();
                prop_assert_eq!(slots, (1..=got.len() as u32).collect::<Vec<_>>());
                let people: BTreeSet<Uuid> = got.iter().map(|a| a.staff_id).collect();
                prop_assert_eq!(people.len(), got.len(), "someone twice on {}", day);
                for a in got {
                    prop_assert!(!s.leave.contains(&(a.staff_id, day)), "on leave");
                    let dept = s.depts.iter().find(|d| d.department_id == a.department_id);
                    prop_assert!(dept.is_some_and(|d| d.members.contains(&a.staff_id)));
                }
            }
            prop_assert!(by_date.keys().chain(short.keys()).all(|d| s.days.contains(d)));
        }

        #[test]
        fn without_leave_turns_are_even_within_each_department(s in scenario()) {
            let Some(min_size) = s.depts.iter().map(|d| d.members.len()).filter(|&n| n > 0).min()
            else {
                return Ok(());
            };
            let s = Scenario {
                per_day: s.per_day.min(min_size as u32),
                leave: BTreeSet::new(),
                ..s
            };
            let out = s.run();
            prop_assert!(out.shortfalls.is_empty());
            let mut count: BTreeMap<Uuid, usize> = BTreeMap::new();
            for a in &out.assignments {
                *count.entry(a.staff_id).or_default() += 1;
            }
            for d in &s.depts {
                let counts: Vec<usize> =
                    d.members.iter().map(|m| count.get(m).copied().unwrap_or(0)).collect();
                if let (Some(lo), Some(hi)) = (counts.iter().min(), counts.iter().max()) {
                    prop_assert!(hi - lo <= 1, "{}: {:?}", d.name, counts);
                }
            }
            // Each day is served by its holder only, and holders follow the rotation order.
            let holders: Vec<Uuid> =
                s.depts.iter().filter(|d| !d.members.is_empty()).map(|d| d.department_id).collect();
            let mut turn = 0usize;
            let mut prev: Option<NaiveDate> = None;
            for (i, &day) in s.days.iter().enumerate() {
                if let Some(p) = prev
                    && (s.unit == Unit::Day || p.iso_week() != day.iso_week())
                {
                    turn += 1;
                }
                prev = Some(day);
                let expected = holders[turn % holders.len()];
                let per_day = s.per_day as usize;
                for a in &out.assignments[i * per_day..(i + 1) * per_day] {
                    prop_assert_eq!(a.date, day);
                    prop_assert_eq!(a.department_id, expected);
                }
            }
        }

        #[test]
        fn generation_is_deterministic(s in scenario()) {
            prop_assert_eq!(s.run(), s.clone().run());
        }

        #[test]
        fn split_continuation_equals_the_whole_run(s in scenario(), at in any::<prop::sample::Index>()) {
            let whole = s.run();
            let split = at.index(s.days.len() + 1);
            let first = s.run_on(&s.days[..split], &RotationState::default());
            let second = s.run_on(&s.days[split..], &first.state);
            let mut assignments = first.assignments;
            assignments.extend(second.assignments);
            let mut shortfalls = first.shortfalls;
            shortfalls.extend(second.shortfalls);
            prop_assert_eq!(assignments, whole.assignments);
            prop_assert_eq!(shortfalls, whole.shortfalls);
            prop_assert_eq!(second.state, whole.state);
        }

        #[test]
        fn replay_equals_the_generated_state(s in scenario(), at in any::<prop::sample::Index>()) {
            // Start from the state a random prefix left, to replay from a non-empty state too.
            let split = at.index(s.days.len() + 1);
            let start = s.run_on(&s.days[..split], &RotationState::default()).state;
            let out = s.run_on(&s.days[split..], &start);
            prop_assert_eq!(replay(&start, &s.depts, s.unit, &out.assignments), out.state);
        }
    }
}
