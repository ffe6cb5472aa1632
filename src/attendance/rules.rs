//! The rules of an attendance sheet's entries. Pure: each breach is a field error naming the
//! entry (`entries[3].staff_id`).

use super::model::{AttendanceStatus, EntryInput};
use crate::error::{FieldCode, FieldError};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Most entries in one request (a hall's front desk is far smaller).
pub const MAX_ENTRIES: usize = 500;
/// Longest note, in characters.
pub const MAX_NOTE: usize = 500;
/// Most minutes late or left early.
pub const MAX_MINUTES: i32 = 720;

/// Who the entries may name: the center's front-desk staff, and its active staff (stand-ins).
pub struct Known<'a> {
    pub front_desk: &'a HashSet<Uuid>,
    pub active: &'a HashSet<Uuid>,
}

/// Every breach of the entries' rules, in entry order.
pub fn check(entries: &[EntryInput], known: &Known<'_>) -> Vec<FieldError> {
    let mut out = Vec::new();
    if entries.len() > MAX_ENTRIES {
        out.push(FieldError::of("entries", FieldCode::TooManyItems).param("max", MAX_ENTRIES));
        return out;
    }
    let mut first: HashMap<Uuid, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let f = |name: &str| format!("entries[{i}].{name}");
        if !known.front_desk.contains(&e.staff_id) {
            out.push(FieldError::of(&f("staff_id"), FieldCode::UnknownFrontDesk));
        } else if let Some(j) = first.get(&e.staff_id) {
            out.push(FieldError::of(&f("staff_id"), FieldCode::DuplicateStaff).param("first", j));
        } else {
            first.insert(e.staff_id, i);
        }
        let timed = matches!(
            e.status,
            AttendanceStatus::Late | AttendanceStatus::LeftEarly
        );
        match (timed, e.minutes) {
            (true, None) => out.push(FieldError::of(&f("minutes"), FieldCode::MinutesRequired)),
            (false, Some(_)) => {
                out.push(FieldError::of(&f("minutes"), FieldCode::MinutesNotAllowed))
            }
            (true, Some(m)) if !(1..=MAX_MINUTES).contains(&m) => out.push(
                FieldError::of(&f("minutes"), FieldCode::OutOfRange)
                    .param("min", 1)
                    .param("max", MAX_MINUTES),
            ),
            _ => {}
        }
        if let Some(s) = e.stand_in_id {
            if e.status != AttendanceStatus::Absent {
                out.push(FieldError::of(
                    &f("stand_in_id"),
                    FieldCode::StandInNotAllowed,
                ));
            } else if s == e.staff_id {
                out.push(FieldError::of(&f("stand_in_id"), FieldCode::StandInSelf));
            } else if !known.active.contains(&s) {
                out.push(FieldError::of(
                    &f("stand_in_id"),
                    FieldCode::UnknownActiveStaff,
                ));
            }
        }
        if let Some(n) = &e.note
            && n.chars().count() > MAX_NOTE
        {
            out.push(FieldError::of(&f("note"), FieldCode::TooLong).param("max", MAX_NOTE));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(staff_id: Uuid, status: AttendanceStatus) -> EntryInput {
        EntryInput {
            staff_id,
            status,
            minutes: None,
            stand_in_id: None,
            note: None,
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<(String, &str)> {
        errors
            .iter()
            .map(|e| (e.field.clone(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn minutes_stand_ins_staff_and_duplicates_are_checked_per_entry() {
        let (a, b, c, outsider) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let front_desk: HashSet<Uuid> = [a, b, c].into();
        let active: HashSet<Uuid> = [a, b, c].into();
        let known = Known {
            front_desk: &front_desk,
            active: &active,
        };
        let ok = vec![
            EntryInput {
                minutes: Some(15),
                ..entry(a, AttendanceStatus::Late)
            },
            EntryInput {
                stand_in_id: Some(c),
                ..entry(b, AttendanceStatus::Absent)
            },
            entry(c, AttendanceStatus::Present),
        ];
        assert!(check(&ok, &known).is_empty());
        let bad = vec![
            EntryInput {
                minutes: Some(5),
                ..entry(a, AttendanceStatus::Present)
            },
            entry(b, AttendanceStatus::LeftEarly),
            EntryInput {
                minutes: Some(3),
                stand_in_id: Some(a),
                ..entry(c, AttendanceStatus::Late)
            },
            entry(outsider, AttendanceStatus::Present),
            entry(a, AttendanceStatus::Present),
            EntryInput {
                stand_in_id: Some(outsider),
                ..entry(b, AttendanceStatus::Absent)
            },
        ];
        assert_eq!(
            fields(&check(&bad, &known)),
            vec![
                ("entries[0].minutes".to_owned(), "not_allowed"),
                ("entries[1].minutes".to_owned(), "required"),
                ("entries[2].stand_in_id".to_owned(), "not_allowed"),
                ("entries[3].staff_id".to_owned(), "unknown"),
                ("entries[4].staff_id".to_owned(), "duplicate"),
                ("entries[5].staff_id".to_owned(), "duplicate"),
                ("entries[5].stand_in_id".to_owned(), "unknown"),
            ]
        );
    }
}
