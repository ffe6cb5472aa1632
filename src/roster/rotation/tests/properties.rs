//! Property tests of the generator: over random departments, leave and periods, every day is
//! filled as far as people allow, turns are even, and continuing or replaying equals one run.

use super::*;
use proptest::prelude::*;

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
