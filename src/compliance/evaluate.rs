//! The duty-compliance rules over a range: pure, on rows loaded beforehand (one query per table
//! for the whole range, whatever its length), no database here.
//!
//! A day is **pending** while the server's time is at or before its `writable_until` (the duty
//! end plus the center's grace period): today until then, and every later day. Its records may
//! still be written, so nothing of it counts as a lapse. A day past it is judged:
//! - each supervisor on duty after substitutions: their check-in `on_time`, `late`,
//!   `needs_review` (the check-in rule's flag) or `missing`;
//! - the door checks by the rule of the day's view ([`doors::rules::items_of_day`]): items
//!   missing, items recorded late;
//! - the log: `on_time` when submitted before the closing, `submitted_late`, `not_submitted`;
//! - the handover: `not_made`, `made_late` (after the closing), `confirmed`, or
//!   `not_confirmed` once the receiving day is past its own `writable_until` (before that it
//!   may still be confirmed: `pending`).

use super::model::{
    CheckInCompliance, ComplianceDay, DayCompliance, DoorChecksCompliance, DoorChecksOfDay,
    HandoverCompliance, HandoverOfDay, LogCompliance, SupervisorCompliance, SupervisorDay,
};
use crate::calendar::workdays::Calendar;
use crate::dutyday::doors::model::{DoorCheckRow, DoorCheckStatus, ItemRow};
use crate::dutyday::doors::rules as door_rules;
use crate::dutyday::handover::model::HandoverRow;
use crate::dutyday::model::CheckInRow;
use crate::dutyday::window::DayWindow;
use crate::dutylog::model::{LogRow, LogStatus};
use crate::roster::model::Assignment;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Everything the report judges, loaded for the whole range.
pub struct Rows<'a> {
    pub calendar: &'a Calendar,
    /// Published duties of the range, in (date, slot) order.
    pub duties: &'a [Assignment],
    pub check_ins: &'a [CheckInRow],
    pub door_items: &'a [ItemRow],
    pub door_checks: &'a [DoorCheckRow],
    pub logs: &'a [LogRow],
    /// Handovers given in the range.
    pub handovers: &'a [HandoverRow],
}

/// The days of `[from, to]` that are working days with published duties, judged at `now`;
/// `window` gives a date's instants (the range's days and the handovers' receiving days).
pub fn days(
    (from, to): (NaiveDate, NaiveDate),
    rows: &Rows<'_>,
    window: &dyn Fn(NaiveDate) -> DayWindow,
    now: DateTime<Utc>,
    name: &dyn Fn(Uuid) -> String,
) -> Vec<ComplianceDay> {
    let mut duties: BTreeMap<NaiveDate, Vec<&Assignment>> = BTreeMap::new();
    for a in rows.duties {
        duties.entry(a.date).or_default().push(a);
    }
    let check_ins: HashMap<(NaiveDate, Uuid), &CheckInRow> = rows
        .check_ins
        .iter()
        .map(|c| ((c.day, c.staff_id), c))
        .collect();
    let mut doors: HashMap<NaiveDate, Vec<DoorCheckRow>> = HashMap::new();
    for d in rows.door_checks {
        doors.entry(d.day).or_default().push(d.clone());
    }
    let logs: HashMap<NaiveDate, &LogRow> = rows.logs.iter().map(|l| (l.day, l)).collect();
    let handovers: HashMap<NaiveDate, &HandoverRow> =
        rows.handovers.iter().map(|h| (h.day, h)).collect();
    let mut out = Vec::new();
    for date in rows.calendar.working_days(from, to) {
        let Some(on) = duties.get(&date) else {
            continue;
        };
        let w = window(date);
        let pending = now <= w.writable_until;
        let supervisors = on
            .iter()
            .map(|a| {
                let staff = a.on_duty();
                let (check_in, minutes_late) =
                    check_in(pending, check_ins.get(&(date, staff)).copied());
                SupervisorDay {
                    staff_id: staff,
                    staff_name: name(staff),
                    assignment_id: a.id,
                    check_in,
                    minutes_late,
                }
            })
            .collect();
        let door_checks = door_checks(
            pending,
            rows.door_items,
            doors.remove(&date).unwrap_or_default(),
            &w,
            now,
        );
        let log = log(pending, logs.get(&date).copied());
        let handover = handover(pending, handovers.get(&date).copied(), window, now);
        let mut day = ComplianceDay {
            date,
            status: DayCompliance::Pending,
            supervisors,
            door_checks,
            log,
            handover,
        };
        day.status = status(&day, pending);
        out.push(day);
    }
    out
}

fn check_in(pending: bool, row: Option<&CheckInRow>) -> (CheckInCompliance, Option<i32>) {
    match row {
        _ if pending => (CheckInCompliance::Pending, None),
        None => (CheckInCompliance::Missing, None),
        Some(c) if c.on_time => (CheckInCompliance::OnTime, None),
        Some(c) if c.needs_review => (CheckInCompliance::NeedsReview, Some(c.minutes_late)),
        Some(c) => (CheckInCompliance::Late, Some(c.minutes_late)),
    }
}

fn door_checks(
    pending: bool,
    items: &[ItemRow],
    records: Vec<DoorCheckRow>,
    w: &DayWindow,
    now: DateTime<Utc>,
) -> DoorChecksOfDay {
    if pending {
        return DoorChecksOfDay {
            status: DoorChecksCompliance::Pending,
            missing: Vec::new(),
            late: Vec::new(),
        };
    }
    let day = door_rules::items_of_day(items, records, true, w, now);
    let codes = |f: &dyn Fn(&door_rules::ItemOfDay<'_>) -> bool| -> Vec<String> {
        day.iter()
            .filter(|i| f(i))
            .map(|i| i.item.code.clone())
            .collect()
    };
    let missing = codes(&|i| i.status == DoorCheckStatus::Missing);
    let late = codes(&|i| i.record.as_ref().is_some_and(|r| r.late));
    let status = if missing.is_empty() && late.is_empty() {
        DoorChecksCompliance::Complete
    } else {
        DoorChecksCompliance::Incomplete
    };
    DoorChecksOfDay {
        status,
        missing,
        late,
    }
}

fn log(pending: bool, row: Option<&LogRow>) -> LogCompliance {
    match row {
        _ if pending => LogCompliance::Pending,
        None => LogCompliance::NotSubmitted,
        Some(l) if l.status == LogStatus::Draft => LogCompliance::NotSubmitted,
        Some(l) if l.submitted_on_time == Some(true) => LogCompliance::OnTime,
        Some(_) => LogCompliance::SubmittedLate,
    }
}

fn handover(
    pending: bool,
    row: Option<&HandoverRow>,
    window: &dyn Fn(NaiveDate) -> DayWindow,
    now: DateTime<Utc>,
) -> HandoverOfDay {
    let confirmed = row.is_some_and(|h| h.confirmed_at.is_some());
    let status = match row {
        _ if pending => HandoverCompliance::Pending,
        None => HandoverCompliance::NotMade,
        Some(h) if !h.on_time => HandoverCompliance::MadeLate,
        Some(_) if confirmed => HandoverCompliance::Confirmed,
        Some(h) if now <= window(h.to_day).writable_until => HandoverCompliance::Pending,
        Some(_) => HandoverCompliance::NotConfirmed,
    };
    HandoverOfDay {
        status,
        id: row.map(|h| h.id),
        to_date: row.map(|h| h.to_day),
        late: row.is_some_and(|h| !h.on_time),
        confirmed,
    }
}

/// Whether the receiving day of a made handover is over without its confirmation.
fn unconfirmed_for_good(
    h: &HandoverOfDay,
    window: &dyn Fn(NaiveDate) -> DayWindow,
    now: DateTime<Utc>,
) -> bool {
    !h.confirmed && h.to_date.is_some_and(|d| now > window(d).writable_until)
}

fn status(day: &ComplianceDay, pending: bool) -> DayCompliance {
    if pending {
        return DayCompliance::Pending;
    }
    let ok = day.supervisors.iter().all(|s| {
        matches!(
            s.check_in,
            CheckInCompliance::OnTime | CheckInCompliance::NeedsReview
        )
    }) && day.door_checks.status == DoorChecksCompliance::Complete
        && day.log == LogCompliance::OnTime
        && day.handover.status == HandoverCompliance::Confirmed;
    if ok {
        DayCompliance::Compliant
    } else {
        DayCompliance::NotCompliant
    }
}

/// Each supervisor's counts over `days`, by name (then id).
pub fn supervisors(
    days: &[ComplianceDay],
    window: &dyn Fn(NaiveDate) -> DayWindow,
    now: DateTime<Utc>,
) -> Vec<SupervisorCompliance> {
    let mut by: HashMap<Uuid, SupervisorCompliance> = HashMap::new();
    for day in days {
        let pending = day.status == DayCompliance::Pending;
        let h = &day.handover;
        for s in &day.supervisors {
            let t = by
                .entry(s.staff_id)
                .or_insert_with(|| SupervisorCompliance {
                    staff_id: s.staff_id,
                    staff_name: s.staff_name.clone(),
                    ..SupervisorCompliance::default()
                });
            t.duty_days += 1;
            if pending {
                t.pending_days += 1;
                continue;
            }
            let one = |b: bool| i64::from(b);
            t.check_ins_on_time += one(s.check_in == CheckInCompliance::OnTime);
            t.check_ins_late += one(s.check_in == CheckInCompliance::Late);
            t.check_ins_missing += one(s.check_in == CheckInCompliance::Missing);
            t.check_ins_to_review += one(s.check_in == CheckInCompliance::NeedsReview);
            t.door_checks_incomplete +=
                one(day.door_checks.status == DoorChecksCompliance::Incomplete);
            t.logs_not_submitted += one(day.log == LogCompliance::NotSubmitted);
            t.logs_late += one(day.log == LogCompliance::SubmittedLate);
            t.handovers_not_made += one(h.status == HandoverCompliance::NotMade);
            t.handovers_late += one(h.late);
            t.handovers_not_confirmed += one(unconfirmed_for_good(h, window, now));
        }
    }
    let mut out: Vec<_> = by.into_values().collect();
    out.sort_by(|a, b| (&a.staff_name, a.staff_id).cmp(&(&b.staff_name, b.staff_id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dutyday::doors::rules::DueWhen;
    use crate::dutyday::handover::model::HandoverRow;
    use crate::dutyday::window::Times;
    use crate::roster::reason::{Reason, ReasonCode};
    use chrono::{Duration, NaiveTime};
    use chrono_tz::Asia::Shanghai;

    fn mon() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
    }

    fn window(d: NaiveDate) -> DayWindow {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        DayWindow::new(
            Shanghai,
            d,
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

    fn duty(date: NaiveDate, slot: i32, staff: Uuid) -> Assignment {
        Assignment {
            id: Uuid::now_v7(),
            center_id: Uuid::nil(),
            roster_id: Uuid::nil(),
            date,
            slot,
            staff_id: staff,
            department_id: Uuid::nil(),
            substitute_id: None,
            published: true,
            version: 1,
            reason: Reason::bare(ReasonCode::HolderTurn),
            overrides: Vec::new(),
        }
    }

    fn check_in(a: &Assignment, minutes_late: i32) -> CheckInRow {
        let w = window(a.date);
        CheckInRow {
            id: Uuid::now_v7(),
            center_id: Uuid::nil(),
            day: a.date,
            staff_id: a.on_duty(),
            assignment_id: a.id,
            received_at: w.opening_at + Duration::minutes(i64::from(minutes_late) - 10),
            observed_at: None,
            due_at: w.opening_at - Duration::minutes(10),
            on_time: minutes_late <= 0,
            minutes_late,
            needs_review: false,
            note: None,
        }
    }

    fn log(day: NaiveDate, status: LogStatus, on_time: Option<bool>) -> LogRow {
        LogRow {
            id: Uuid::now_v7(),
            center_id: Uuid::nil(),
            day,
            status,
            attendance_summary: String::new(),
            service_quality: String::new(),
            service_attitude: String::new(),
            problems: serde_json::json!([]),
            escalations: serde_json::json!([]),
            emergencies: serde_json::json!([]),
            written_by: None,
            written_at: window(day).opening_at,
            submitted_by: None,
            submitted_at: None,
            submitted_on_time: on_time,
            acknowledged_by: None,
            acknowledged_at: None,
            version: 1,
            created_at: window(day).opening_at,
        }
    }

    fn handover(day: NaiveDate, on_time: bool, confirmed: bool) -> HandoverRow {
        let w = window(day);
        HandoverRow {
            id: Uuid::now_v7(),
            center_id: Uuid::nil(),
            day,
            to_day: day + Duration::days(1),
            made_by: Uuid::nil(),
            assignment_id: Uuid::nil(),
            made_at: w.closing_at,
            due_at: w.closing_at,
            on_time,
            items_total: 2,
            items_confirmed: if confirmed { 2 } else { 0 },
            confirmed_at: confirmed.then_some(w.closing_at),
            version: 1,
            updated_at: w.closing_at,
        }
    }

    fn gate_item() -> ItemRow {
        ItemRow {
            id: Uuid::now_v7(),
            center_id: Uuid::nil(),
            code: "main_gate_closed".into(),
            name_zh: "大门".into(),
            name_en: "gate".into(),
            due: DueWhen::AfterClosing,
            position: 0,
            active: true,
        }
    }

    fn gate_check(item: &ItemRow, day: NaiveDate, late: bool) -> DoorCheckRow {
        let w = window(day);
        DoorCheckRow {
            id: Uuid::now_v7(),
            center_id: Uuid::nil(),
            day,
            item_id: item.id,
            recorded_by: None,
            assignment_id: None,
            received_at: w.duty_end_at,
            observed_at: None,
            due_at: w.duty_end_at,
            early: false,
            late,
            needs_review: false,
            note: None,
        }
    }

    /// Pre-loaded rows for Monday to Wednesday, two supervisors a day, judged on Wednesday at
    /// noon: Monday compliant, Tuesday with every kind of lapse, Wednesday pending.
    #[test]
    fn days_are_judged_from_preloaded_rows_and_today_is_pending() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let (tue, wed) = (mon() + Duration::days(1), mon() + Duration::days(2));
        let duties: Vec<Assignment> = [mon(), tue, wed]
            .iter()
            .flat_map(|d| [duty(*d, 1, a), duty(*d, 2, b)])
            .collect();
        let item = gate_item();
        let rows_check_ins = vec![
            check_in(&duties[0], -5),
            check_in(&duties[1], 0),
            check_in(&duties[2], 7),
        ];
        let door_checks = vec![gate_check(&item, mon(), false)];
        let logs = vec![
            log(mon(), LogStatus::Acknowledged, Some(true)),
            log(tue, LogStatus::Submitted, Some(false)),
        ];
        let handovers = vec![handover(mon(), true, true), handover(tue, true, false)];
        let cal = Calendar::new(Vec::new());
        let items = vec![item];
        let rows = Rows {
            calendar: &cal,
            duties: &duties,
            check_ins: &rows_check_ins,
            door_items: &items,
            door_checks: &door_checks,
            logs: &logs,
            handovers: &handovers,
        };
        // Wednesday noon: Tuesday's handover is still open to Wednesday's confirmation.
        let noon = window(wed).opening_at + Duration::hours(3);
        let name = |s: Uuid| if s == a { "A".into() } else { "B".into() };
        let got = days(
            (mon(), wed + Duration::days(4)),
            &rows,
            &window,
            noon,
            &name,
        );
        assert_eq!(got.len(), 3, "the weekend has no duty");
        assert_eq!(got[0].status, DayCompliance::Compliant);
        assert_eq!(got[1].status, DayCompliance::NotCompliant);
        let tue_day = &got[1];
        assert_eq!(tue_day.supervisors[0].check_in, CheckInCompliance::Late);
        assert_eq!(tue_day.supervisors[0].minutes_late, Some(7));
        assert_eq!(tue_day.supervisors[1].check_in, CheckInCompliance::Missing);
        assert_eq!(tue_day.door_checks.missing, vec!["main_gate_closed"]);
        assert_eq!(tue_day.log, LogCompliance::SubmittedLate);
        assert_eq!(tue_day.handover.status, HandoverCompliance::Pending);
        assert_eq!(got[2].status, DayCompliance::Pending);
        assert_eq!(got[2].log, LogCompliance::Pending);
        // Thursday: Wednesday closed without the confirmation.
        let thu = window(wed + Duration::days(1)).opening_at;
        let got = days((mon(), wed), &rows, &window, thu, &name);
        assert_eq!(got[1].handover.status, HandoverCompliance::NotConfirmed);
        assert_eq!(got[2].handover.status, HandoverCompliance::NotMade);
        let counts = supervisors(&got, &window, thu);
        assert_eq!(counts[0].staff_name, "A");
        assert_eq!(
            (
                counts[0].duty_days,
                counts[0].check_ins_on_time,
                counts[0].check_ins_late,
                counts[0].check_ins_missing
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(
            (
                counts[1].check_ins_missing,
                counts[1].logs_late,
                counts[1].logs_not_submitted,
                counts[1].handovers_not_made,
                counts[1].handovers_not_confirmed,
                counts[1].door_checks_incomplete
            ),
            (2, 1, 1, 1, 1, 2)
        );
    }
}
