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
//! 4. **Reason.** Every [`Assignment`] carries a [`Reason`]: a code (`holder_turn` or
//!    `filled_from_other_department`) with parameters naming the departments by id, the rotation
//!    order (1-based position in `departments`), the span held (day or week) and the round.
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

use super::reason::{Reason, ReasonCode, ReasonParams};

crate::text_enum!(
    /// How long one department holds duty before the next one takes over.
    pub Unit {
        /// Each working day the next department in rotation order holds duty.
        Day => "day",
        /// One department holds every working day of an ISO week (Monday-based).
        Week => "week",
    }
);

/// A department's place in the rotation and its duty queue.
#[derive(Debug, Clone)]
pub struct DeptQueue {
    pub department_id: Uuid,
    /// Display name.
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
    pub reason: Reason,
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
struct Dept {
    id: Uuid,
    /// Deduplicated, in queue order.
    members: Vec<Uuid>,
    /// Member id → position in `members`.
    position: BTreeMap<Uuid, usize>,
}

/// The generator's working state: the prepared rotation and the evolving [`RotationState`].
struct Rotation {
    depts: Vec<Dept>,
    unit: Unit,
    state: RotationState,
}

impl Rotation {
    /// Prepares the departments and reconciles the saved rounds with the current queues (rule 5).
    fn new(departments: &[DeptQueue], unit: Unit, start: &RotationState) -> Self {
        let depts: Vec<Dept> = departments
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

    fn holder_reason(&self, h: usize, round: u32) -> Reason {
        Reason {
            code: ReasonCode::HolderTurn,
            params: ReasonParams {
                department_id: Some(self.depts[h].id),
                rotation_order: Some(h as u32 + 1),
                span: Some(self.unit),
                round: Some(round),
                ..Default::default()
            },
        }
    }

    fn fill_reason(&self, d: usize, h: usize, round: u32, holder_gave_some: bool) -> Reason {
        Reason {
            code: ReasonCode::FilledFromOtherDepartment,
            params: ReasonParams {
                department_id: Some(self.depts[d].id),
                round: Some(round),
                holder_department_id: Some(self.depts[h].id),
                holder_gave_some: Some(holder_gave_some),
                ..Default::default()
            },
        }
    }
}

#[cfg(test)]
mod tests;
