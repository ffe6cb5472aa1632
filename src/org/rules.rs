//! Input rules for organisation data. Pure functions: each returns the field error to report.

use crate::error::{FieldCode, FieldError};
use chrono::NaiveTime;

/// Collects field errors; `finish` turns them into a 400.
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn check(&mut self, e: Option<FieldError>) -> &mut Self {
        self.0.extend(e);
        self
    }
    pub fn finish(self) -> Result<(), crate::error::ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::error::ApiError::validation(self.0))
        }
    }
}

/// A display name: not blank, at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Option<FieldError> {
    let n = value.trim().chars().count();
    if n == 0 {
        Some(FieldError::of(field, FieldCode::Blank))
    } else if n > max {
        Some(FieldError::of(field, FieldCode::TooLong).param("max", max))
    } else {
        None
    }
}

/// A code or employee number: 1–32 of `A-Z a-z 0-9 - _ .`.
pub fn code(field: &str, value: &str) -> Option<FieldError> {
    let ok = !value.is_empty()
        && value.len() <= 32
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    (!ok).then(|| FieldError::of(field, FieldCode::InvalidCode))
}

/// A phone number: 5–20 characters of digits, spaces, '+' and '-', with at least 5 digits.
pub fn phone(field: &str, value: &str) -> Option<FieldError> {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let ok = (5..=20).contains(&value.len())
        && digits >= 5
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '));
    (!ok).then(|| FieldError::of(field, FieldCode::InvalidPhone))
}

pub fn range(field: &str, value: i32, min: i32, max: i32) -> Option<FieldError> {
    (!(min..=max).contains(&value)).then(|| {
        FieldError::of(field, FieldCode::OutOfRange)
            .param("min", min)
            .param("max", max)
    })
}

pub fn time_zone(field: &str, value: &str) -> Option<FieldError> {
    value
        .parse::<chrono_tz::Tz>()
        .is_err()
        .then(|| FieldError::of(field, FieldCode::InvalidTimeZone))
}

/// Hall hours (R7, R9): opening before closing; duty hours cover opening hours.
pub fn hours(
    opening: NaiveTime,
    closing: NaiveTime,
    duty_start: NaiveTime,
    duty_end: NaiveTime,
) -> Vec<FieldError> {
    let mut out = Vec::new();
    if opening >= closing {
        out.push(FieldError::of("closing_time", FieldCode::BeforeOpening));
    }
    if duty_start > opening {
        out.push(FieldError::of("duty_start_time", FieldCode::AfterOpening));
    }
    if duty_end < closing {
        out.push(FieldError::of("duty_end_time", FieldCode::BeforeClosing));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn hours_follow_r9() {
        assert!(hours(t(8, 30), t(17, 30), t(8, 0), t(18, 0)).is_empty());
        assert!(hours(t(8, 0), t(18, 0), t(8, 0), t(18, 0)).is_empty());
        let e = hours(t(18, 0), t(8, 0), t(19, 0), t(7, 0));
        let codes: Vec<_> = e.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["before_opening", "after_opening", "before_closing"]);
    }

    #[test]
    fn field_rules() {
        assert!(text("name", "医保中心", 100).is_none());
        assert!(text("name", "   ", 100).is_some());
        assert!(text("name", &"字".repeat(101), 100).is_some());
        assert!(code("code", "yb-01").is_none());
        assert!(code("code", "医保").is_some());
        assert!(code("code", "").is_some());
        assert!(phone("phone", "+86 138-0000-0000").is_none());
        assert!(phone("phone", "call me").is_some());
        assert!(time_zone("time_zone", "Asia/Shanghai").is_none());
        assert!(time_zone("time_zone", "Mars/Olympus").is_some());
        assert!(range("arrival_lead_minutes", -1, 0, 240).is_some());
    }
}
