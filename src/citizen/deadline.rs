//! Deadlines of citizens' requests (限时办结, R20): the `n`-th working day after the day of
//! receipt on the center's calendar (weekends, statutory holidays, make-up working days and the
//! center's overrides respected), plus the working days spent waiting for the citizen.
//!
//! A request is never refused for want of a calendar: when the count crosses a year whose
//! statutory holidays are not loaded, the due date stays unknown (`due_on` NULL) and the view
//! names the years to load, rather than a date that treats those holidays as working days.

use super::model::{Deadline, RequestRow};
use crate::calendar::store as cal_store;
use crate::calendar::workdays::Calendar;
use chrono::{Duration, NaiveDate};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Calendar days loaded past the start of a count: 60 working days (the largest deadline) plus
/// the pauses a request plausibly has fit in well under a year, Spring Festival included.
pub const HORIZON_DAYS: i64 = 240;

/// The due date of `days` working days after `from`, or the years whose holidays are missing.
pub fn due(cal: &Calendar, from: NaiveDate, days: i32) -> Result<NaiveDate, Vec<i32>> {
    let n = u32::try_from(days.max(0)).unwrap_or(0);
    let at = cal.add_working_days(from, n).unwrap_or(NaiveDate::MAX);
    let missing = cal.years_without_holidays(
        from + Duration::days(1),
        at.min(from + Duration::days(HORIZON_DAYS)),
    );
    if missing.is_empty() && cal.covers(from, at) {
        Ok(at)
    } else {
        Err(missing)
    }
}

/// Loads the calendar a request's deadline needs and counts it.
pub async fn due_of(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    received_on: NaiveDate,
    days: i32,
) -> QueryResult<Result<NaiveDate, Vec<i32>>> {
    let cal = cal_store::load(
        conn,
        center_id,
        received_on,
        received_on + Duration::days(HORIZON_DAYS),
    )
    .await?;
    Ok(due(&cal, received_on, days))
}

/// The calendar for showing the deadlines of `rows` on `today`: from the earliest date any of
/// them needs to the latest.
pub async fn calendar_for(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    today: NaiveDate,
    rows: &[RequestRow],
) -> QueryResult<Calendar> {
    let mut from = today;
    let mut to = today;
    for r in rows {
        from = from.min(r.received_on).min(r.paused_on.unwrap_or(from));
        to = to.max(r.due_on.unwrap_or(to));
        if r.due_on.is_none() {
            to = to.max(r.received_on + Duration::days(HORIZON_DAYS));
        }
    }
    cal_store::load(conn, center_id, from, to).await
}

/// The deadline as shown on `today`.
pub fn view(cal: &Calendar, row: &RequestRow, today: NaiveDate) -> Deadline {
    let holidays_not_loaded = match row.due_on {
        Some(_) => Vec::new(),
        None => due(cal, row.received_on, row.deadline_days + row.paused_days)
            .err()
            .unwrap_or_default(),
    };
    // While waiting for the citizen the clock stands still at the day it stopped.
    let counted_from = row.paused_on.unwrap_or(today);
    let remaining = row
        .due_on
        .filter(|_| row.state.open())
        .map(|due| cal.working_days_between(counted_from, due));
    Deadline {
        working_days: row.deadline_days,
        paused_days: row.paused_days,
        paused_since: row.paused_on,
        due_on: row.due_on,
        remaining_working_days: remaining,
        overdue: remaining.is_some_and(|r| r < 0),
        holidays_not_loaded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::workdays::{DayKind, DaySource, SpecialDay};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The 2026 National Day break (Oct 1-7 off, Sep 20 and Oct 10 worked), as loaded.
    fn national_day_2026() -> Calendar {
        let mut days: Vec<SpecialDay> = (1..=7)
            .map(|i| SpecialDay {
                date: d("2026-10-01") + Duration::days(i - 1),
                kind: DayKind::Holiday,
                name: "国庆节".into(),
                source: DaySource::Statutory,
            })
            .collect();
        for w in ["2026-09-20", "2026-10-10"] {
            days.push(SpecialDay {
                date: d(w),
                kind: DayKind::MakeupWorkday,
                name: "国庆节调休".into(),
                source: DaySource::Statutory,
            });
        }
        Calendar::new(days)
            .with_loaded_range(d("2026-01-01"), d("2026-12-31"))
            .with_statutory_years([2026])
    }

    #[test]
    fn a_complaint_received_before_the_national_day_break_is_due_after_it() {
        let cal = national_day_2026();
        // Wed Sep 30 + 10 working days: Oct 8, 9, 10 (Sat, make-up), 12-16, 19, 20 → Oct 20.
        assert_eq!(due(&cal, d("2026-09-30"), 10), Ok(d("2026-10-20")));
        assert_eq!(due(&cal, d("2026-09-30"), 1), Ok(d("2026-10-08")));
    }

    #[test]
    fn a_count_into_a_year_without_holidays_names_the_year() {
        let cal = national_day_2026();
        assert_eq!(due(&cal, d("2026-12-24"), 10), Err(vec![2027]));
    }
}
