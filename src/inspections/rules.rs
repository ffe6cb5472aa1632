//! The rules of a finding's body: pure, no I/O.
//!
//! - A `problem` needs a `severity` and a `description`; an `ok` takes neither a `severity` nor
//!   a rectification requirement (a description on `ok` is a remark and allowed).
//! - `description` 1–2000 characters (trimmed); at most [`MAX_ATTACHMENTS`] photos, each once;
//!   `rectify_within_working_days` 1–30.

use super::model::{InspectionRequest, Outcome};
use crate::error::{FieldCode, FieldError};

pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_ATTACHMENTS: usize = 5;
pub const MAX_WORKING_DAYS: i32 = 30;

/// Checks a rectification period in working days.
pub fn working_days(field: &str, n: i32) -> Option<FieldError> {
    (!(1..=MAX_WORKING_DAYS).contains(&n)).then(|| {
        FieldError::of(field, FieldCode::OutOfRange)
            .param("min", 1)
            .param("max", MAX_WORKING_DAYS)
    })
}

/// Checks a list of attachment ids: at most `max`, none twice.
pub fn attachment_ids(field: &str, ids: &[uuid::Uuid], max: usize) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if ids.len() > max {
        errors.push(FieldError::of(field, FieldCode::TooManyItems).param("max", max));
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            errors.push(FieldError::of(
                &format!("{field}[{i}]"),
                FieldCode::DuplicateItem,
            ));
        }
    }
    errors
}

/// Every field error of `b`, in field order.
pub fn check(b: &InspectionRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let problem = b.result == Outcome::Problem;
    match (problem, b.severity.is_some()) {
        (true, false) => errors.push(FieldError::of("severity", FieldCode::RequiredForProblem)),
        (false, true) => errors.push(FieldError::of("severity", FieldCode::OnlyForProblem)),
        _ => {}
    }
    match b.description.as_deref().map(str::trim) {
        None if problem => {
            errors.push(FieldError::of("description", FieldCode::RequiredForProblem))
        }
        Some("") => errors.push(FieldError::of("description", FieldCode::Blank)),
        Some(d) if d.chars().count() > MAX_DESCRIPTION => errors
            .push(FieldError::of("description", FieldCode::TooLong).param("max", MAX_DESCRIPTION)),
        _ => {}
    }
    errors.extend(attachment_ids(
        "attachment_ids",
        &b.attachment_ids,
        MAX_ATTACHMENTS,
    ));
    if let Some(n) = b.rectify_within_working_days {
        if !problem {
            errors.push(FieldError::of(
                "rectify_within_working_days",
                FieldCode::OnlyForProblem,
            ));
        } else if let Some(e) = working_days("rectify_within_working_days", n) {
            errors.push(e);
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspections::model::{Category, Severity};

    fn body(result: Outcome) -> InspectionRequest {
        InspectionRequest {
            staff_id: None,
            category: Category::Conduct,
            result,
            severity: None,
            description: None,
            attachment_ids: Vec::new(),
            observed_at: None,
            rectify_within_working_days: None,
        }
    }

    fn fields(b: &InspectionRequest) -> Vec<String> {
        check(b)
            .iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect()
    }

    #[test]
    fn a_problem_needs_severity_and_description_an_ok_takes_neither_r4() {
        assert!(check(&body(Outcome::Ok)).is_empty());
        let p = body(Outcome::Problem);
        assert_eq!(
            fields(&p),
            vec!["severity:required", "description:required"]
        );
        let mut ok = body(Outcome::Ok);
        ok.severity = Some(Severity::Minor);
        ok.rectify_within_working_days = Some(3);
        assert_eq!(
            fields(&ok),
            vec![
                "severity:not_allowed",
                "rectify_within_working_days:not_allowed"
            ]
        );
        let mut good = body(Outcome::Problem);
        good.severity = Some(Severity::Major);
        good.description = Some("窗口无人".into());
        good.rectify_within_working_days = Some(30);
        assert!(check(&good).is_empty());
        good.rectify_within_working_days = Some(31);
        good.description = Some("  ".into());
        assert_eq!(
            fields(&good),
            vec![
                "description:required",
                "rectify_within_working_days:out_of_range"
            ]
        );
    }

    #[test]
    fn photos_are_few_and_named_once() {
        let id = uuid::Uuid::now_v7();
        assert_eq!(attachment_ids("a", &[id, id], 5).len(), 1);
        assert_eq!(attachment_ids("a", &[id; 6], 5).len(), 6);
        assert!(attachment_ids("a", &[id], 5).is_empty());
    }
}
