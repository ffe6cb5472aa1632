//! Input rules for calendar requests. Pure functions: they return what to report, as field errors.

use super::workdays::OverrideKind;
use crate::error::{ApiError, FieldCode, FieldError};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Longest range one calendar read may ask for (a leap year).
pub const MAX_RANGE_DAYS: i64 = 366;
/// Most days one bulk write may set.
pub const MAX_BULK_DAYS: usize = 400;
/// Longest override name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// An override that passed the rules: trimmed name, parsed date and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOverride {
    pub date: NaiveDate,
    pub kind: OverrideKind,
    pub name: String,
}

fn required(field: &str) -> FieldError {
    FieldError::of(field, FieldCode::Required)
}

/// A date written exactly `YYYY-MM-DD` (four-digit year, two-digit month and day).
pub fn date(field: &str, value: &str) -> Result<NaiveDate, FieldError> {
    let b = value.as_bytes();
    let shaped = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    shaped
        .then(|| NaiveDate::parse_from_str(value, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| FieldError::of(field, FieldCode::InvalidDate))
}

/// The `from` and `to` of a calendar read: both required, `from <= to`, at most
/// [`MAX_RANGE_DAYS`] days counting both ends.
pub fn range(from: Option<&str>, to: Option<&str>) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let mut errs = Vec::new();
    let mut parse = |field: &str, v: Option<&str>| match v {
        None => {
            errs.push(required(field));
            None
        }
        Some(s) => date(field, s).map_err(|e| errs.push(e)).ok(),
    };
    let (from, to) = (parse("from", from), parse("to", to));
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errs.push(FieldError::of("to", FieldCode::BeforeFrom));
        } else if (t - f).num_days() + 1 > MAX_RANGE_DAYS {
            errs.push(FieldError::of("to", FieldCode::RangeTooLong).param("max", MAX_RANGE_DAYS));
        }
        if errs.is_empty() {
            return Ok((f, t));
        }
    }
    Err(ApiError::validation(errs))
}

/// One of the kinds an override may set.
pub fn kind(field: &str, value: &str) -> Result<OverrideKind, FieldError> {
    OverrideKind::parse(value).ok_or_else(|| FieldError::of(field, FieldCode::InvalidOverrideKind))
}

/// The name shown for the day: not blank, at most [`MAX_NAME_CHARS`] characters.
pub fn name(field: &str, value: &str) -> Result<String, FieldError> {
    let trimmed = value.trim();
    let n = trimmed.chars().count();
    if n == 0 {
        Err(FieldError::of(field, FieldCode::Blank))
    } else if n > MAX_NAME_CHARS {
        Err(FieldError::of(field, FieldCode::TooLong).param("max", MAX_NAME_CHARS))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// One override; field names are prefixed with `prefix` (e.g. `days[3].`). Pushes every error.
fn override_day(
    prefix: &str,
    date_field: &str,
    (date_s, kind_s, name_s): (&str, &str, &str),
    errs: &mut Vec<FieldError>,
) -> Option<ValidOverride> {
    let date = date(date_field, date_s).map_err(|e| errs.push(e)).ok();
    let kind = kind(&format!("{prefix}kind"), kind_s)
        .map_err(|e| errs.push(e))
        .ok();
    let name = name(&format!("{prefix}name"), name_s)
        .map_err(|e| errs.push(e))
        .ok();
    Some(ValidOverride {
        date: date?,
        kind: kind?,
        name: name?,
    })
}

/// A single override: the date from the path (field `date`), kind and name from the body.
pub fn single(date: &str, kind: &str, name: &str) -> Result<ValidOverride, ApiError> {
    let mut errs = Vec::new();
    match override_day("", "date", (date, kind, name), &mut errs) {
        Some(v) if errs.is_empty() => Ok(v),
        _ => Err(ApiError::validation(errs)),
    }
}

/// A bulk write: 1 to [`MAX_BULK_DAYS`] items `(date, kind, name)`, each date once.
/// Errors name the item, e.g. `days[3].kind`.
pub fn bulk<'a>(
    items: impl ExactSizeIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Result<Vec<ValidOverride>, ApiError> {
    if items.len() == 0 {
        return Err(ApiError::invalid(FieldError::of(
            "days",
            FieldCode::RequiredDay,
        )));
    }
    if items.len() > MAX_BULK_DAYS {
        return Err(ApiError::invalid(
            FieldError::of("days", FieldCode::TooMany).param("max", MAX_BULK_DAYS),
        ));
    }
    let mut errs = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    let mut seen: HashMap<NaiveDate, usize> = HashMap::new();
    for (i, item) in items.enumerate() {
        let prefix = format!("days[{i}].");
        let date_field = format!("{prefix}date");
        if let Some(v) = override_day(&prefix, &date_field, item, &mut errs) {
            if let Some(first) = seen.insert(v.date, i) {
                errs.push(
                    FieldError::of(&date_field, FieldCode::DuplicateDate).param("first", first),
                );
            }
            out.push(v);
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::validation(errs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(e: ApiError) -> Vec<(String, String)> {
        e.errors.into_iter().map(|f| (f.field, f.code)).collect()
    }

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_owned(), b.to_owned())
    }

    #[test]
    fn dates_are_strictly_iso() {
        assert!(date("d", "2026-02-14").is_ok());
        assert!(date("d", "2024-02-29").is_ok());
        for bad in [
            "2026-2-14",
            "2026-02-30",
            "2025-02-29",
            "20260214",
            "+2026-02-14",
            "2026-02-14T00:00",
            "",
            "２０２６-02-14",
        ] {
            assert_eq!(date("d", bad).unwrap_err().code, "invalid_date", "{bad}");
        }
    }

    #[test]
    fn range_rules() {
        assert!(range(Some("2024-01-01"), Some("2024-12-31")).is_ok());
        assert!(range(Some("2026-01-01"), Some("2026-01-01")).is_ok());
        assert!(range(Some("2025-01-01"), Some("2026-01-01")).is_ok());
        assert_eq!(
            codes(range(None, None).unwrap_err()),
            [pair("from", "required"), pair("to", "required")]
        );
        assert_eq!(
            codes(range(Some("x"), Some("2026-01-01")).unwrap_err()),
            [pair("from", "invalid_date")]
        );
        assert_eq!(
            codes(range(Some("2026-02-01"), Some("2026-01-31")).unwrap_err()),
            [pair("to", "before_from")]
        );
        assert_eq!(
            codes(range(Some("2025-01-01"), Some("2026-01-02")).unwrap_err()),
            [pair("to", "range_too_long")]
        );
    }

    #[test]
    fn single_override_rules() {
        let v = single("2026-10-08", "closure", "  台风停业 ").unwrap();
        assert_eq!(v.kind, OverrideKind::Closure);
        assert_eq!(v.name, "台风停业");
        assert_eq!(
            codes(single("2026-13-01", "workday", " ").unwrap_err()),
            [
                pair("date", "invalid_date"),
                pair("kind", "invalid"),
                pair("name", "required")
            ]
        );
        assert_eq!(
            codes(single("2026-10-08", "holiday", &"节".repeat(101)).unwrap_err()),
            [pair("name", "too_long")]
        );
    }

    #[test]
    fn bulk_rules() {
        let ok = [
            ("2027-01-01", "holiday", "元旦"),
            ("2027-02-06", "makeup_workday", "春节"),
        ];
        assert_eq!(bulk(ok.into_iter()).unwrap().len(), 2);
        assert_eq!(
            codes(bulk(std::iter::empty()).unwrap_err()),
            [pair("days", "required")]
        );
        let many = vec![("2027-01-01", "holiday", "x"); MAX_BULK_DAYS + 1];
        assert_eq!(
            codes(bulk(many.into_iter()).unwrap_err()),
            [pair("days", "too_many")]
        );
        let bad = [
            ("2027-01-01", "holiday", "元旦"),
            ("2027-01-01", "closure", "x"),
            ("2027-01-02", "weekend", "x"),
        ];
        assert_eq!(
            codes(bulk(bad.into_iter()).unwrap_err()),
            [
                pair("days[1].date", "duplicate"),
                pair("days[2].kind", "invalid")
            ]
        );
    }
}
