//! Working days (R3, R9, R11, R20). Pure logic: no database, no HTTP.
//!
//! The kind of a date, by precedence:
//! 1. the center's **override** (set by its office admin: a later year's holidays once announced,
//!    a local closure, an extra opening);
//! 2. the **statutory** day (China's statutory holiday rest days and make-up working days,
//!    调休上班, the same for every center);
//! 3. the **weekday rule**: Monday–Friday `workday`, Saturday–Sunday `weekend`.
//!
//! A [`Calendar`] holds the special days (1 and 2) it was built from. Every date it holds nothing
//! for follows the weekday rule, **including dates outside the range it was loaded for**: a
//! calendar never fails and never loops, but it knows only what it was given. Load a range that
//! covers every date you ask about (for [`Calendar::add_working_days`] with small `n`, a few weeks
//! past the start, or a month or two around long holidays); [`Calendar::covers`] tells whether a
//! range lies inside the loaded one.
//!
//! Counting conventions (chosen so that they compose):
//! - [`Calendar::add_working_days`]`(d, n)` is the `n`-th working day strictly after `d`;
//!   `n = 0` returns `d` itself, whether or not `d` is a working day.
//! - [`Calendar::working_days_between`]`(a, b)` counts the working days in the half-open range
//!   `(a, b]` (after `a`, up to and including `b`), negated when `b < a`. Hence
//!   `working_days_between(a, add_working_days(a, n)) == n`.
//! - [`Calendar::working_days`]`(from, to)` and [`Calendar::days`]`(from, to)` are inclusive of
//!   both ends.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use utoipa::ToSchema;

/// The kind of a calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Monday–Friday with nothing special: working.
    Workday,
    /// Saturday or Sunday with nothing special: off.
    Weekend,
    /// Statutory holiday rest day (法定节假日), or one a center set: off.
    Holiday,
    /// Make-up working day (调休上班), usually on a weekend: working.
    MakeupWorkday,
    /// The center is closed on a day it would open (local closure): off.
    Closure,
    /// The center opens on a day it would be closed (extra opening): working.
    ExtraWorkday,
}

impl DayKind {
    /// True for `workday`, `makeup_workday` and `extra_workday`: the hall opens and duty runs.
    pub fn is_working(self) -> bool {
        matches!(
            self,
            DayKind::Workday | DayKind::MakeupWorkday | DayKind::ExtraWorkday
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Workday => "workday",
            DayKind::Weekend => "weekend",
            DayKind::Holiday => "holiday",
            DayKind::MakeupWorkday => "makeup_workday",
            DayKind::Closure => "closure",
            DayKind::ExtraWorkday => "extra_workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        [
            DayKind::Workday,
            DayKind::Weekend,
            DayKind::Holiday,
            DayKind::MakeupWorkday,
            DayKind::Closure,
            DayKind::ExtraWorkday,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The kinds an office admin may set on a date of their center. `workday` and `weekend` are what
/// a date is when nothing is set; removing the override restores them (or the statutory day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OverrideKind {
    /// A holiday rest day (e.g. next year's statutory holidays, announced before a migration has them).
    Holiday,
    /// A make-up working day (e.g. next year's 调休上班).
    MakeupWorkday,
    /// A local closure on a day the hall would open.
    Closure,
    /// An extra opening on a day the hall would be closed.
    ExtraWorkday,
}

impl OverrideKind {
    pub const ALL: [OverrideKind; 4] = [
        OverrideKind::Holiday,
        OverrideKind::MakeupWorkday,
        OverrideKind::Closure,
        OverrideKind::ExtraWorkday,
    ];

    pub fn as_str(self) -> &'static str {
        DayKind::from(self).as_str()
    }

    pub fn parse(s: &str) -> Option<OverrideKind> {
        OverrideKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl From<OverrideKind> for DayKind {
    fn from(k: OverrideKind) -> DayKind {
        match k {
            OverrideKind::Holiday => DayKind::Holiday,
            OverrideKind::MakeupWorkday => DayKind::MakeupWorkday,
            OverrideKind::Closure => DayKind::Closure,
            OverrideKind::ExtraWorkday => DayKind::ExtraWorkday,
        }
    }
}

/// Where a day's kind comes from: an override beats the statutory day, which beats the weekday
/// rule (the variants are ordered so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DaySource {
    /// Monday–Friday working, Saturday–Sunday off.
    WeekdayRule,
    /// China's statutory holiday arrangement for the year.
    Statutory,
    /// Set by the center's office admin; deleting it restores the statutory day or weekday rule.
    Override,
}

/// A date that does not simply follow the weekday rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// e.g. 春节, 国庆节, or the admin's reason for an override.
    pub name: String,
    pub source: DaySource,
}

/// One date as the calendar sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day<'a> {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// `None` for plain workdays and weekends.
    pub name: Option<&'a str>,
    pub source: DaySource,
}

/// The weekday rule alone: Monday–Friday `workday`, Saturday–Sunday `weekend`.
pub fn weekday_kind(date: NaiveDate) -> DayKind {
    if is_weekday(date) {
        DayKind::Workday
    } else {
        DayKind::Weekend
    }
}

fn is_weekday(date: NaiveDate) -> bool {
    date.weekday().number_from_monday() <= 5
}

/// Cumulative count of Monday–Friday dates up to and including `date`, from a fixed origin
/// (0001-01-01, a Monday, is day 1): `weekday_index(b) - weekday_index(a)` is the number of
/// weekdays in `(a, b]`.
fn weekday_index(date: NaiveDate) -> i64 {
    let n = i64::from(date.num_days_from_ce());
    5 * n.div_euclid(7) + n.rem_euclid(7).min(5)
}

/// The `k`-th weekday strictly after `date` (`k >= 1`), by the weekday rule alone.
fn nth_weekday_after(date: NaiveDate, k: i64) -> Option<NaiveDate> {
    let m = weekday_index(date).checked_add(k)? - 1;
    let n = 7 * m.div_euclid(5) + m.rem_euclid(5) + 1;
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(n).ok()?)
}

/// Working days of one center over some range of dates. See the module docs for the rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    special: BTreeMap<NaiveDate, SpecialDay>,
    loaded: Option<(NaiveDate, NaiveDate)>,
    /// Years whose statutory holidays are loaded (of those the calendar was loaded for).
    statutory_years: BTreeSet<i32>,
}

impl Calendar {
    /// A calendar from special days. When several are given for one date, the one with the
    /// highest [`DaySource`] wins (an override beats the statutory day), whatever the order;
    /// between equals, the last one given.
    pub fn new(days: impl IntoIterator<Item = SpecialDay>) -> Calendar {
        let mut special: BTreeMap<NaiveDate, SpecialDay> = BTreeMap::new();
        for d in days {
            match special.get(&d.date) {
                Some(old) if old.source > d.source => {}
                _ => {
                    special.insert(d.date, d);
                }
            }
        }
        Calendar {
            special,
            loaded: None,
            statutory_years: BTreeSet::new(),
        }
    }

    /// Records the years whose statutory holidays are loaded.
    pub fn with_statutory_years(mut self, years: impl IntoIterator<Item = i32>) -> Calendar {
        self.statutory_years = years.into_iter().collect();
        self
    }

    /// True when the statutory holidays of `date`'s year are known. When false, a holiday of that
    /// year that no override sets shows as a plain workday.
    pub fn holidays_loaded(&self, date: NaiveDate) -> bool {
        self.statutory_years.contains(&date.year())
    }

    /// The years of `[from, to]` whose statutory holidays are not loaded, in order.
    pub fn years_without_holidays(&self, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
        (from.year()..=to.year())
            .filter(|y| !self.statutory_years.contains(y))
            .collect()
    }

    /// Records the range the special days were loaded for (see [`Calendar::covers`]). It does not
    /// change any answer: dates outside it follow the weekday rule.
    pub fn with_loaded_range(mut self, from: NaiveDate, to: NaiveDate) -> Calendar {
        self.loaded = Some((from, to));
        self
    }

    /// The inclusive range the calendar was loaded for, if recorded.
    pub fn loaded_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        self.loaded
    }

    /// True when `[from, to]` lies inside the loaded range, i.e. every special day of those dates
    /// is known. A calendar without a recorded range covers nothing.
    pub fn covers(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.loaded
            .is_some_and(|(lo, hi)| lo <= from && from <= to && to <= hi)
    }

    /// The special days held, in date order.
    pub fn special_days(&self) -> impl Iterator<Item = &SpecialDay> {
        self.special.values()
    }

    /// The effective day: special day if held, else the weekday rule.
    pub fn day(&self, date: NaiveDate) -> Day<'_> {
        match self.special.get(&date) {
            Some(s) => Day {
                date,
                kind: s.kind,
                name: Some(&s.name),
                source: s.source,
            },
            None => Day {
                date,
                kind: weekday_kind(date),
                name: None,
                source: DaySource::WeekdayRule,
            },
        }
    }

    /// The effective kind of `date`.
    pub fn kind(&self, date: NaiveDate) -> DayKind {
        self.day(date).kind
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.kind(date).is_working()
    }

    /// Every date of `[from, to]` (inclusive), in order; empty when `from > to`.
    pub fn days(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = Day<'_>> {
        from.iter_days()
            .take_while(move |d| *d <= to)
            .map(|d| self.day(d))
    }

    /// The working days of `[from, to]` (inclusive), in order; empty when `from > to`.
    pub fn working_days(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        self.days(from, to)
            .filter(|d| d.kind.is_working())
            .map(|d| d.date)
            .collect()
    }

    /// The first working day strictly after `date` (`add_working_days(date, 1)`).
    pub fn next_working_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.add_working_days(date, 1)
    }

    /// The `n`-th working day strictly after `date`: `n = 1` is the next working day, and
    /// `n = 0` is `date` itself (even when `date` is not a working day). `None` only when the
    /// answer lies beyond the last date chrono can represent.
    ///
    /// Runs in time proportional to the special days skipped, not to `n`.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        if n == 0 {
            return Some(date);
        }
        let mut left = i64::from(n);
        let mut cur = date;
        for (&d, s) in self
            .special
            .range((Bound::Excluded(date), Bound::Unbounded))
        {
            // No special day lies strictly between `cur` and `d`: the weekday rule holds there.
            let plain = weekday_index(d) - weekday_index(cur) - i64::from(is_weekday(d));
            if plain >= left {
                return nth_weekday_after(cur, left);
            }
            left -= plain;
            if s.kind.is_working() {
                left -= 1;
                if left == 0 {
                    return Some(d);
                }
            }
            cur = d;
        }
        nth_weekday_after(cur, left)
    }

    /// The number of working days in `(a, b]`: after `a`, up to and including `b`. Negative
    /// (`-working_days_between(b, a)`) when `b < a`; zero when `a == b`.
    ///
    /// Runs in time proportional to the special days in the range, not to its length.
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        let mut n = weekday_index(b) - weekday_index(a);
        for (&d, s) in self.special.range((Bound::Excluded(a), Bound::Included(b))) {
            n += i64::from(s.kind.is_working()) - i64::from(is_weekday(d));
        }
        n
    }
}

#[cfg(test)]
mod tests;
