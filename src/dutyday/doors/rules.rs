//! When a door check is due and how a record counts (R7): pure rules, no database.
//!
//! Each item of a center's list is due at one instant of the day's [`DayWindow`]:
//! - `on_arrival` by the opening (`opening_at`): the window-area security door opened with the
//!   guard;
//! - `before_closing` by `door_closed_due_at` (the closing minus the center's
//!   `closing_lead_minutes`): the security door closed;
//! - `after_closing` by the duty end (`duty_end_at`): power off, glass doors and windows shut,
//!   the building's main gate closed.
//!
//! **Late** and **needs review** follow the check-in rule ([`arrival::judge`]) against the item's
//! due time: late when the server *received* the record after it; a late receipt whose
//! `observed_at` was on time and at most 4 hours before the receipt is flagged `needs_review`
//! for the office instead (an offline record).
//!
//! **Early** records are accepted and flagged, never refused (the supervisor on the floor knows
//! when the door was really closed; the office reviews the flag): an `after_closing` item done
//! before the closing, a `before_closing` item done before the closing minus twice the closing
//! lead. "Done" is `observed_at` when the phone sent it, else the receipt. `on_arrival` items are
//! never early (the day's records start at 00:00).

use super::model::{DoorCheckRow, DoorCheckStatus, ItemRow};
use crate::dutyday::arrival;
use crate::dutyday::window::DayWindow;
use chrono::{DateTime, Utc};

crate::text_enum!(
    /// When a door-check item is due in the duty day.
    pub DueWhen {
        /// By the opening: the window-area security door opened with the guard.
        OnArrival => "on_arrival",
        /// By the closing minus the center's `closing_lead_minutes`: the security door closed.
        BeforeClosing => "before_closing",
        /// After the closing and by the duty end: power off, windows shut, the main gate closed.
        AfterClosing => "after_closing",
    }
);

/// How a door-check record counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub due_at: DateTime<Utc>,
    pub early: bool,
    pub late: bool,
    pub needs_review: bool,
}

/// The instant an item is due on the day of `w`.
pub fn due_at(due: DueWhen, w: &DayWindow) -> DateTime<Utc> {
    match due {
        DueWhen::OnArrival => w.opening_at,
        DueWhen::BeforeClosing => w.door_closed_due_at,
        DueWhen::AfterClosing => w.duty_end_at,
    }
}

/// Before this instant a record of the item counts as early (`None`: never early).
pub fn earliest(due: DueWhen, w: &DayWindow) -> Option<DateTime<Utc>> {
    match due {
        DueWhen::OnArrival => None,
        // closing − 2 × lead = door_closed_due_at − lead.
        DueWhen::BeforeClosing => {
            Some(w.door_closed_due_at - (w.closing_at - w.door_closed_due_at))
        }
        DueWhen::AfterClosing => Some(w.closing_at),
    }
}

/// Decides a record of an item due `due` on the day of `w`, received at `received` (and
/// observed at `observed`, when sent).
pub fn judge(
    due: DueWhen,
    w: &DayWindow,
    received: DateTime<Utc>,
    observed: Option<DateTime<Utc>>,
) -> Verdict {
    let due_at = due_at(due, w);
    let a = arrival::judge(due_at, received, observed);
    let done = observed.unwrap_or(received);
    Verdict {
        due_at,
        early: earliest(due, w).is_some_and(|e| done < e),
        late: !a.on_time,
        needs_review: a.needs_review,
    }
}

/// An office's verdict on a record: `late` as the office decided, or as `observed_at` (the time
/// the office says the check was done) shows when it did not say; never needs review.
pub fn office_verdict(
    due: DueWhen,
    w: &DayWindow,
    observed: DateTime<Utc>,
    late: Option<bool>,
) -> Verdict {
    let due_at = due_at(due, w);
    Verdict {
        due_at,
        early: earliest(due, w).is_some_and(|e| observed < e),
        late: late.unwrap_or(observed > due_at),
        needs_review: false,
    }
}

/// One item of a duty day as the rules see it: its record, when it is (or was) due, where it
/// stands.
#[derive(Debug, Clone)]
pub struct ItemOfDay<'a> {
    pub item: &'a ItemRow,
    pub record: Option<DoorCheckRow>,
    /// The record's due time when recorded (it was judged by it), else the item's by `w`.
    pub due_at: DateTime<Utc>,
    pub status: DoorCheckStatus,
}

/// The items of a day as of `now`, in the list's order: every active item on a working day and
/// every item recorded that day (`records` are the day's), each recorded, or `missing` once its
/// due time has passed, else `pending`. The day's view ([`super::day::load`]) and the office's
/// compliance report both judge a day here.
pub fn items_of_day<'a>(
    items: &'a [ItemRow],
    mut records: Vec<DoorCheckRow>,
    working: bool,
    w: &DayWindow,
    now: DateTime<Utc>,
) -> Vec<ItemOfDay<'a>> {
    let mut out = Vec::new();
    for item in items {
        let record = records
            .iter()
            .position(|r| r.item_id == item.id)
            .map(|i| records.swap_remove(i));
        if record.is_none() && !(working && item.active) {
            continue;
        }
        let due_at = record
            .as_ref()
            .map_or_else(|| due_at(item.due, w), |r| r.due_at);
        let status = match &record {
            Some(_) => DoorCheckStatus::Recorded,
            None if now > due_at => DoorCheckStatus::Missing,
            None => DoorCheckStatus::Pending,
        };
        out.push(ItemOfDay {
            item,
            record,
            due_at,
            status,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dutyday::window::Times;
    use chrono::{NaiveDate, NaiveTime, TimeZone};
    use chrono_tz::Asia::Shanghai;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Shanghai
            .from_local_datetime(&day().and_time(t(h, m)))
            .single()
            .map(|x| x.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn window() -> DayWindow {
        DayWindow::new(
            Shanghai,
            day(),
            Times {
                opening: t(8, 30),
                closing: t(17, 30),
                duty_start: t(8, 0),
                duty_end: t(18, 0),
                closing_lead_minutes: 10,
                grace_minutes: 120,
            },
        )
    }

    #[test]
    fn each_kind_is_due_at_its_instant() {
        let w = window();
        assert_eq!(due_at(DueWhen::OnArrival, &w), at(8, 30));
        assert_eq!(due_at(DueWhen::BeforeClosing, &w), at(17, 20));
        assert_eq!(due_at(DueWhen::AfterClosing, &w), at(18, 0));
        assert_eq!(earliest(DueWhen::OnArrival, &w), None);
        assert_eq!(earliest(DueWhen::BeforeClosing, &w), Some(at(17, 10)));
        assert_eq!(earliest(DueWhen::AfterClosing, &w), Some(at(17, 30)));
    }

    #[test]
    fn early_on_time_and_late() {
        let w = window();
        let v = judge(DueWhen::BeforeClosing, &w, at(17, 9), None);
        assert!(v.early && !v.late);
        let v = judge(DueWhen::BeforeClosing, &w, at(17, 10), None);
        assert!(!v.early && !v.late);
        let v = judge(DueWhen::BeforeClosing, &w, at(17, 21), None);
        assert!(!v.early && v.late && !v.needs_review);
        assert!(judge(DueWhen::AfterClosing, &w, at(17, 29), None).early);
        assert!(!judge(DueWhen::AfterClosing, &w, at(17, 30), None).early);
        assert!(judge(DueWhen::AfterClosing, &w, at(18, 1), None).late);
        assert!(!judge(DueWhen::OnArrival, &w, at(0, 0), None).early);
    }

    #[test]
    fn offline_records_follow_the_check_in_rule() {
        let w = window();
        let v = judge(DueWhen::OnArrival, &w, at(9, 0), Some(at(8, 25)));
        assert!(v.late && v.needs_review);
        let v = judge(DueWhen::OnArrival, &w, at(13, 0), Some(at(8, 25)));
        assert!(v.late && !v.needs_review);
        // Observed early, received later: done early.
        assert!(judge(DueWhen::AfterClosing, &w, at(17, 35), Some(at(17, 20))).early);
    }

    #[test]
    fn the_offices_word_decides_late() {
        let w = window();
        assert!(office_verdict(DueWhen::AfterClosing, &w, at(18, 5), None).late);
        assert!(!office_verdict(DueWhen::AfterClosing, &w, at(18, 5), Some(false)).late);
        assert!(!office_verdict(DueWhen::AfterClosing, &w, at(17, 50), None).late);
    }

    fn item(code: &str, due: DueWhen, active: bool) -> ItemRow {
        ItemRow {
            id: uuid::Uuid::now_v7(),
            center_id: uuid::Uuid::nil(),
            code: code.into(),
            name_zh: code.into(),
            name_en: code.into(),
            due,
            position: 0,
            active,
        }
    }

    fn record(item: &ItemRow, received: DateTime<Utc>, w: &DayWindow) -> DoorCheckRow {
        let v = judge(item.due, w, received, None);
        DoorCheckRow {
            id: uuid::Uuid::now_v7(),
            center_id: item.center_id,
            day: day(),
            item_id: item.id,
            recorded_by: None,
            assignment_id: None,
            received_at: received,
            observed_at: None,
            due_at: v.due_at,
            early: v.early,
            late: v.late,
            needs_review: v.needs_review,
            note: None,
        }
    }

    #[test]
    fn a_day_lists_active_items_and_recorded_ones_missing_once_due() {
        let w = window();
        let items = vec![
            item("opened", DueWhen::OnArrival, true),
            item("closed", DueWhen::BeforeClosing, true),
            item("gate", DueWhen::AfterClosing, true),
            item("old", DueWhen::AfterClosing, false),
            item("gone", DueWhen::AfterClosing, false),
        ];
        let records = vec![
            record(&items[0], at(8, 40), &w),
            record(&items[3], at(18, 0), &w),
        ];
        let got = items_of_day(&items, records.clone(), true, &w, at(17, 25));
        let st: Vec<_> = got
            .iter()
            .map(|i| (i.item.code.as_str(), i.status))
            .collect();
        assert_eq!(
            st,
            vec![
                ("opened", DoorCheckStatus::Recorded),
                ("closed", DoorCheckStatus::Missing),
                ("gate", DoorCheckStatus::Pending),
                ("old", DoorCheckStatus::Recorded),
            ]
        );
        assert!(got[0].record.as_ref().is_some_and(|r| r.late));
        assert_eq!(got[2].due_at, at(18, 0));
        // A closed day expects nothing but keeps what was recorded.
        let closed = items_of_day(&items, records, false, &w, at(23, 0));
        assert_eq!(closed.len(), 2);
    }
}
