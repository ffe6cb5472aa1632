//! Statutory holiday schedules as published each year by the State Council (国务院办公厅关于
//! 部分节假日安排的通知): the file format `dutydesk load-holidays` reads. Pure: no I/O.
//!
//! ```json
//! {
//!   "source": "国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔2026〕N号)",
//!   "years": {
//!     "2027": [
//!       {"name": "元旦", "off": ["2027-01-01"], "work": []},
//!       {"name": "春节", "off": ["2027-02-06", "..."], "work": ["2027-02-14"]}
//!     ]
//!   }
//! }
//! ```
//!
//! `off` lists the rest days of a holiday (weekend days merged into the break included), `work`
//! the make-up working days (调休上班). A year is loaded whole: it replaces every statutory day
//! of that year. `"fixture": true` marks invented data for tests; it is recorded as such.

use super::workdays::DayKind;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    source: String,
    #[serde(default)]
    fixture: bool,
    years: BTreeMap<String, Vec<Holiday>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Holiday {
    name: String,
    off: Vec<NaiveDate>,
    #[serde(default)]
    work: Vec<NaiveDate>,
}

/// One year's schedule, checked and ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSchedule {
    pub year: i32,
    pub source: String,
    pub fixture: bool,
    /// SHA-256 of the year's days, so that loading the same data again is recognised.
    pub digest: String,
    /// `(date, holiday or makeup_workday, name)`, in date order.
    pub days: Vec<(NaiveDate, DayKind, String)>,
}

/// Parses and checks a schedule file: every date lies in its year, no date is listed twice,
/// names are 1–100 characters, a year has at least one holiday.
pub fn parse(text: &str) -> Result<Vec<YearSchedule>, String> {
    let file: File = serde_json::from_str(text).map_err(|e| format!("not a schedule file: {e}"))?;
    let source = file.source.trim();
    if source.is_empty() || source.chars().count() > 2000 {
        return Err("`source` must name the notice (1–2000 characters)".into());
    }
    if file.years.is_empty() {
        return Err("`years` is empty".into());
    }
    let mut out = Vec::new();
    for (key, holidays) in file.years {
        let year: i32 = key
            .parse()
            .ok()
            .filter(|y| (2000..=2200).contains(y))
            .ok_or_else(|| format!("`{key}` is not a year between 2000 and 2200"))?;
        if holidays.is_empty() {
            return Err(format!("{year}: no holidays listed"));
        }
        let mut seen = BTreeSet::new();
        let mut days = Vec::new();
        for h in holidays {
            let name = h.name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(format!("{year}: a holiday name must be 1–100 characters"));
            }
            if h.off.is_empty() {
                return Err(format!("{year} {name}: no rest days in `off`"));
            }
            let listed = h
                .off
                .iter()
                .map(|d| (*d, DayKind::Holiday))
                .chain(h.work.iter().map(|d| (*d, DayKind::MakeupWorkday)));
            for (date, kind) in listed {
                if date.year() != year {
                    return Err(format!("{year} {name}: {date} is not in {year}"));
                }
                if !seen.insert(date) {
                    return Err(format!("{year}: {date} is listed more than once"));
                }
                days.push((date, kind, name.clone()));
            }
        }
        days.sort_by_key(|d| d.0);
        let mut h = Sha256::new();
        for (d, k, n) in &days {
            h.update(format!("{d} {} {n}\n", k.as_str()).as_bytes());
        }
        out.push(YearSchedule {
            year,
            source: source.to_owned(),
            fixture: file.fixture,
            digest: hex::encode(h.finalize()),
            days,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_parses_into_its_two_years() {
        let text = include_str!("../../data/cn-statutory-holidays.json");
        let years = parse(text).unwrap();
        assert_eq!(
            years.iter().map(|y| y.year).collect::<Vec<_>>(),
            [2025, 2026]
        );
        let y2026 = &years[1];
        assert!(!y2026.fixture);
        let spring: Vec<_> = y2026.days.iter().filter(|d| d.2 == "春节").collect();
        assert_eq!(spring.len(), 11, "9 rest days and 2 make-up days");
        assert!(y2026.days.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let cases = [
            (
                r#"{"source":"x","years":{"2027":[{"name":"元旦","off":["2026-12-31"]}]}}"#,
                "not in 2027",
            ),
            (
                r#"{"source":"x","years":{"2027":[{"name":"元旦","off":["2027-01-01"],"work":["2027-01-01"]}]}}"#,
                "more than once",
            ),
            (
                r#"{"source":"","years":{"2027":[{"name":"元旦","off":["2027-01-01"]}]}}"#,
                "source",
            ),
            (
                r#"{"source":"x","years":{"27":[{"name":"元旦","off":["2027-01-01"]}]}}"#,
                "not a year",
            ),
            (r#"{"source":"x","years":{"2027":[]}}"#, "no holidays"),
            (
                r#"{"source":"x","years":{"2027":[{"name":"元旦","off":["2027-13-01"]}]}}"#,
                "not a schedule",
            ),
            (
                r#"{"source":"x","years":{"2027":[{"name":"元旦","off":["2027-01-01"],"extra":1}]}}"#,
                "not a schedule",
            ),
        ];
        for (text, why) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn the_digest_depends_on_the_days_only() {
        let a = parse(r#"{"source":"a","years":{"2027":[{"name":"元旦","off":["2027-01-01"]}]}}"#)
            .unwrap();
        let b = parse(r#"{"source":"b","years":{"2027":[{"name":"元旦","off":["2027-01-01"]}]}}"#)
            .unwrap();
        let c = parse(r#"{"source":"a","years":{"2027":[{"name":"元旦","off":["2027-01-02"]}]}}"#)
            .unwrap();
        assert_eq!(a[0].digest, b[0].digest);
        assert_ne!(a[0].digest, c[0].digest);
    }
}
