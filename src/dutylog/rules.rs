//! The log's content rules (sizes, required texts) and the facility faults' texts. Pure: each
//! breach is a field error naming its place (`problems[2].problem`).

use super::model::LogContent;
use crate::error::{FieldCode, FieldError};
use crate::org::rules as org_rules;

pub const MAX_TEXT: usize = 2000;
pub const MAX_ITEM_TEXT: usize = 500;
pub const MAX_TO: usize = 100;
pub const MAX_PROBLEMS: usize = 30;
pub const MAX_ESCALATIONS: usize = 30;
pub const MAX_EMERGENCIES: usize = 20;

/// At most `max` characters (may be empty).
fn at_most(field: &str, value: &str, max: usize) -> Option<FieldError> {
    (value.chars().count() > max)
        .then(|| FieldError::of(field, FieldCode::TooLong).param("max", max))
}

fn items(field: &str, n: usize, max: usize) -> Option<FieldError> {
    (n > max).then(|| FieldError::of(field, FieldCode::TooManyItems).param("max", max))
}

/// Every breach of the content's rules.
pub fn check(c: &LogContent) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = Vec::new();
    out.extend(at_most(
        "attendance_summary",
        &c.attendance_summary,
        MAX_TEXT,
    ));
    out.extend(at_most("service_quality", &c.service_quality, MAX_TEXT));
    out.extend(at_most("service_attitude", &c.service_attitude, MAX_TEXT));
    out.extend(items("problems", c.problems.len(), MAX_PROBLEMS));
    out.extend(items("escalations", c.escalations.len(), MAX_ESCALATIONS));
    out.extend(items("emergencies", c.emergencies.len(), MAX_EMERGENCIES));
    if !out.is_empty() {
        return out;
    }
    for (i, p) in c.problems.iter().enumerate() {
        out.extend(org_rules::text(
            &format!("problems[{i}].problem"),
            &p.problem,
            MAX_ITEM_TEXT,
        ));
        out.extend(at_most(
            &format!("problems[{i}].resolution"),
            &p.resolution,
            MAX_ITEM_TEXT,
        ));
    }
    for (i, e) in c.escalations.iter().enumerate() {
        out.extend(org_rules::text(
            &format!("escalations[{i}].to"),
            &e.to,
            MAX_TO,
        ));
        out.extend(org_rules::text(
            &format!("escalations[{i}].matter"),
            &e.matter,
            MAX_ITEM_TEXT,
        ));
        out.extend(at_most(
            &format!("escalations[{i}].outcome"),
            &e.outcome,
            MAX_ITEM_TEXT,
        ));
    }
    for (i, e) in c.emergencies.iter().enumerate() {
        out.extend(org_rules::text(
            &format!("emergencies[{i}].what"),
            &e.what,
            MAX_ITEM_TEXT,
        ));
        out.extend(at_most(
            &format!("emergencies[{i}].handling"),
            &e.handling,
            MAX_ITEM_TEXT,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dutylog::model::{Escalation, LogProblem};

    #[test]
    fn sizes_and_required_texts_name_their_place() {
        assert!(check(&LogContent::default()).is_empty());
        let c = LogContent {
            service_quality: "好".repeat(MAX_TEXT),
            problems: vec![
                LogProblem {
                    problem: "叫号机故障".into(),
                    resolution: String::new(),
                },
                LogProblem {
                    problem: "  ".into(),
                    resolution: "x".repeat(501),
                },
            ],
            escalations: vec![Escalation {
                to: "中心办公室".into(),
                at: chrono::Utc::now(),
                matter: String::new(),
                outcome: String::new(),
            }],
            ..LogContent::default()
        };
        let got: Vec<_> = check(&c).into_iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("problems[1].problem".to_owned(), "required".to_owned()),
                ("problems[1].resolution".to_owned(), "too_long".to_owned()),
                ("escalations[0].matter".to_owned(), "required".to_owned()),
            ]
        );
        let many = LogContent {
            service_attitude: "x".repeat(MAX_TEXT + 1),
            emergencies: Vec::new(),
            problems: vec![
                LogProblem {
                    problem: "p".into(),
                    resolution: String::new(),
                };
                MAX_PROBLEMS + 1
            ],
            ..LogContent::default()
        };
        let got: Vec<_> = check(&many)
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            got,
            vec![
                ("service_attitude".to_owned(), "too_long".to_owned()),
                ("problems".to_owned(), "too_many".to_owned()),
            ]
        );
    }
}
