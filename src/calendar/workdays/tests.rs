//! Unit and property tests of the working-day rules.

use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn special(date: &str, kind: DayKind, source: DaySource) -> SpecialDay {
    SpecialDay {
        date: d(date),
        kind,
        name: format!("{} {date}", kind.as_str()),
        source,
    }
}

/// The statutory days of `data/cn-statutory-holidays.json`, as the migration loads them.
fn statutory_2025_2026() -> Calendar {
    let v: serde_json::Value =
        serde_json::from_str(include_str!("../../../data/cn-statutory-holidays.json")).unwrap();
    let mut days = Vec::new();
    for groups in v["years"].as_object().unwrap().values() {
        for g in groups.as_array().unwrap() {
            let name = g["name"].as_str().unwrap();
            for (key, kind) in [("off", DayKind::Holiday), ("work", DayKind::MakeupWorkday)] {
                for date in g[key].as_array().unwrap() {
                    days.push(SpecialDay {
                        date: d(date.as_str().unwrap()),
                        kind,
                        name: name.to_owned(),
                        source: DaySource::Statutory,
                    });
                }
            }
        }
    }
    Calendar::new(days)
}

/// Reference implementation: one day at a time.
fn naive_add(cal: &Calendar, date: NaiveDate, n: u32) -> NaiveDate {
    let (mut cur, mut left) = (date, n);
    while left > 0 {
        cur = cur.succ_opt().unwrap();
        if cal.is_working_day(cur) {
            left -= 1;
        }
    }
    cur
}

#[test]
fn kinds_and_their_working_status() {
    for (kind, working) in [
        (DayKind::Workday, true),
        (DayKind::Weekend, false),
        (DayKind::Holiday, false),
        (DayKind::MakeupWorkday, true),
        (DayKind::Closure, false),
        (DayKind::ExtraWorkday, true),
    ] {
        assert_eq!(kind.is_working(), working, "{kind:?}");
        assert_eq!(DayKind::parse(kind.as_str()), Some(kind));
    }
    for k in OverrideKind::ALL {
        assert_eq!(OverrideKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(OverrideKind::parse("workday"), None);
    assert_eq!(OverrideKind::parse("weekend"), None);
    assert_eq!(DayKind::parse("Holiday"), None);
}

#[test]
fn weekday_rule_without_special_days_r9() {
    let cal = Calendar::default();
    // 2026-03-02 is a Monday.
    let week: Vec<_> = cal.days(d("2026-03-02"), d("2026-03-08")).collect();
    let kinds: Vec<_> = week.iter().map(|x| x.kind).collect();
    use DayKind::{Weekend as E, Workday as W};
    assert_eq!(kinds, [W, W, W, W, W, E, E]);
    assert!(week.iter().all(|x| x.name.is_none()));
    assert!(week.iter().all(|x| x.source == DaySource::WeekdayRule));
    assert_eq!(
        cal.add_working_days(d("2026-03-06"), 1),
        Some(d("2026-03-09"))
    );
    assert_eq!(
        cal.add_working_days(d("2026-03-07"), 1),
        Some(d("2026-03-09"))
    );
    assert_eq!(
        cal.add_working_days(d("2026-03-02"), 5),
        Some(d("2026-03-09"))
    );
    assert_eq!(
        cal.working_days_between(d("2026-03-01"), d("2026-03-31")),
        22
    );
}

#[test]
fn makeup_working_days_are_working_days_r9() {
    let cal = statutory_2025_2026();
    let sat = d("2026-02-14");
    assert_eq!(sat.weekday(), chrono::Weekday::Sat);
    let day = cal.day(sat);
    assert_eq!(day.kind, DayKind::MakeupWorkday);
    assert_eq!(day.name, Some("春节"));
    assert_eq!(day.source, DaySource::Statutory);
    assert!(cal.is_working_day(sat));
    // Friday before the break: the next working day is the make-up Saturday.
    assert_eq!(cal.next_working_day(d("2026-02-13")), Some(sat));
    // After it comes the break (2-15 … 2-23), then Tuesday 2-24.
    assert_eq!(cal.next_working_day(sat), Some(d("2026-02-24")));
    assert_eq!(
        cal.add_working_days(d("2026-02-13"), 3),
        Some(d("2026-02-25"))
    );
}

#[test]
fn statutory_holidays_are_off_r9() {
    let cal = statutory_2025_2026();
    let day = cal.day(d("2026-10-01"));
    assert_eq!(day.kind, DayKind::Holiday);
    assert_eq!(day.name, Some("国庆节"));
    assert!(!cal.is_working_day(d("2026-10-01")));
    // 10-08 Thu, 10-09 Fri, 10-10 Sat (make-up), 10-12 Mon, 10-13 Tue.
    assert_eq!(
        cal.add_working_days(d("2026-09-30"), 5),
        Some(d("2026-10-13"))
    );
    // February 2026: 20 weekdays, 6 of them holidays, 2 make-up Saturdays.
    assert_eq!(cal.working_days(d("2026-02-01"), d("2026-02-28")).len(), 16);
    for year in [2025, 2026] {
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
        assert_eq!(cal.working_days(first, last).len(), 248, "{year}");
        assert_eq!(
            cal.working_days_between(first.pred_opt().unwrap(), last),
            248
        );
    }
}

#[test]
fn overrides_beat_statutory_days_in_any_order() {
    let statutory = special("2026-10-01", DayKind::Holiday, DaySource::Statutory);
    let extra = special("2026-10-01", DayKind::ExtraWorkday, DaySource::Override);
    for days in [
        vec![statutory.clone(), extra.clone()],
        vec![extra.clone(), statutory.clone()],
    ] {
        let cal = Calendar::new(days);
        assert_eq!(cal.kind(d("2026-10-01")), DayKind::ExtraWorkday);
        assert_eq!(cal.day(d("2026-10-01")).source, DaySource::Override);
    }
}

#[test]
fn zero_working_days_is_the_start_itself() {
    let cal = statutory_2025_2026();
    for s in ["2026-10-01", "2026-10-03", "2026-10-08"] {
        assert_eq!(cal.add_working_days(d(s), 0), Some(d(s)));
        assert_eq!(cal.working_days_between(d(s), d(s)), 0);
    }
}

#[test]
fn unknown_dates_follow_the_weekday_rule_and_range_is_recorded() {
    let cal = statutory_2025_2026().with_loaded_range(d("2025-01-01"), d("2026-12-31"));
    assert!(cal.covers(d("2026-02-01"), d("2026-02-28")));
    assert!(!cal.covers(d("2026-12-01"), d("2027-01-31")));
    assert!(!Calendar::default().covers(d("2026-01-01"), d("2026-01-01")));
    // 2027 is not loaded: Friday 2027-01-01 is a plain workday here.
    assert_eq!(cal.kind(d("2027-01-01")), DayKind::Workday);
    assert_eq!(
        cal.add_working_days(d("2026-12-31"), 2),
        Some(d("2027-01-04"))
    );
}

#[test]
fn working_days_is_empty_for_a_reversed_range() {
    let cal = Calendar::default();
    assert!(
        cal.working_days(d("2026-03-09"), d("2026-03-02"))
            .is_empty()
    );
    assert_eq!(cal.days(d("2026-03-09"), d("2026-03-02")).count(), 0);
    assert_eq!(
        cal.working_days_between(d("2026-03-09"), d("2026-03-02")),
        -5
    );
}

#[test]
fn the_ends_of_time_give_none_not_a_panic() {
    let cal = Calendar::default();
    assert_eq!(cal.add_working_days(NaiveDate::MAX, 1), None);
    assert_eq!(
        cal.add_working_days(NaiveDate::MAX, 0),
        Some(NaiveDate::MAX)
    );
    let near = NaiveDate::MAX - chrono::Days::new(30);
    assert_eq!(cal.add_working_days(near, u32::MAX), None);
    assert!(cal.add_working_days(NaiveDate::MIN, 1_000_000).is_some());
}

// ---- property tests ----

const SPAN: i64 = 3 * 366;

fn origin() -> NaiveDate {
    d("2025-01-01")
}

fn date_in_span() -> impl Strategy<Value = NaiveDate> {
    (0..SPAN).prop_map(|i| origin() + chrono::Duration::days(i))
}

fn any_kind() -> impl Strategy<Value = DayKind> {
    prop_oneof![
        Just(DayKind::Holiday),
        Just(DayKind::MakeupWorkday),
        Just(DayKind::Closure),
        Just(DayKind::ExtraWorkday),
        Just(DayKind::Workday),
        Just(DayKind::Weekend),
    ]
}

fn any_source() -> impl Strategy<Value = DaySource> {
    prop_oneof![Just(DaySource::Statutory), Just(DaySource::Override)]
}

/// Random calendars: up to 120 special days of any kind in three years, sometimes dense runs.
fn any_calendar() -> impl Strategy<Value = Calendar> {
    prop::collection::vec((date_in_span(), any_kind(), any_source()), 0..120).prop_map(|v| {
        Calendar::new(v.into_iter().map(|(date, kind, source)| SpecialDay {
            date,
            kind,
            name: "x".into(),
            source,
        }))
    })
}

proptest! {
    #[test]
    fn add_working_days_lands_on_a_working_day_after_the_start(
        cal in any_calendar(), start in date_in_span(), n in 1u32..400,
    ) {
        let r = cal.add_working_days(start, n).unwrap();
        prop_assert!(r > start);
        prop_assert!(cal.is_working_day(r));
        prop_assert_eq!(r, naive_add(&cal, start, n));
    }

    #[test]
    fn working_days_between_inverts_add_working_days(
        cal in any_calendar(), start in date_in_span(), n in 0u32..400,
    ) {
        let r = cal.add_working_days(start, n).unwrap();
        prop_assert_eq!(cal.working_days_between(start, r), i64::from(n));
        prop_assert_eq!(cal.working_days_between(r, start), -i64::from(n));
    }

    #[test]
    fn working_days_between_counts_the_half_open_range(
        cal in any_calendar(), a in date_in_span(), b in date_in_span(),
    ) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let counted = cal.working_days(lo.succ_opt().unwrap(), hi).len() as i64;
        prop_assert_eq!(cal.working_days_between(lo, hi), counted);
        prop_assert_eq!(cal.working_days_between(hi, lo), -counted);
    }

    #[test]
    fn is_working_day_agrees_with_working_days(
        cal in any_calendar(), a in date_in_span(), len in 0i64..120,
    ) {
        let b = a + chrono::Duration::days(len);
        let listed = cal.working_days(a, b);
        let filtered: Vec<_> = cal.days(a, b).filter(|x| cal.is_working_day(x.date)).map(|x| x.date).collect();
        prop_assert_eq!(&listed, &filtered);
        prop_assert!(listed.windows(2).all(|w| w[0] < w[1]));
        prop_assert_eq!(cal.days(a, b).count() as i64, len + 1);
    }

    #[test]
    fn weekends_are_off_unless_a_working_special_day(
        cal in any_calendar(), date in date_in_span(),
    ) {
        let special = cal.special_days().find(|s| s.date == date);
        let expected = match special {
            Some(s) => s.kind.is_working(),
            None => date.weekday().number_from_monday() <= 5,
        };
        prop_assert_eq!(cal.is_working_day(date), expected);
        if date.weekday().number_from_monday() > 5 && cal.is_working_day(date) {
            let kind = cal.kind(date);
            prop_assert!(matches!(kind, DayKind::MakeupWorkday | DayKind::ExtraWorkday | DayKind::Workday));
            prop_assert!(special.is_some());
        }
    }

    #[test]
    fn the_weekday_arithmetic_matches_counting_over_any_era(
        day in -300_000i32..3_000_000, n in 0u32..2_000,
    ) {
        let cal = Calendar::default();
        let start = NaiveDate::from_num_days_from_ce_opt(day).unwrap();
        prop_assert_eq!(cal.add_working_days(start, n).unwrap(), naive_add(&cal, start, n));
        let end = start + chrono::Duration::days(i64::from(n));
        let counted = cal.days(start.succ_opt().unwrap(), end)
            .filter(|x| x.kind == DayKind::Workday).count() as i64;
        prop_assert_eq!(cal.working_days_between(start, end), counted);
    }
}
