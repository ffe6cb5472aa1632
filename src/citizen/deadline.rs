//! Deadlines of citizens' requests (限时办结, R20): the `n`-th working day after the day of
//! receipt on the center's calendar (weekends, statutory holidays, make-up working days and the
//! center's overrides respected), plus the working days spent waiting for the citizen.
//!
//! One rule decides whether a request is overdue, [`overdue`] in Rust and [`overdue_sql`] in
//! SQL (the list's `overdue=true` filter and the tick's escalation): the request is open (not
//! answered, closed or refused), not waiting for the citizen, has a due date, and the center's
//! today is after it. A request due on a Friday is overdue from Saturday on.
//!
//! A reopened request gets a fresh deadline from the reopening day ([`restart`]).
//!
//! A request is never refused for want of a calendar: when the count crosses a year whose
//! statutory holidays are not loaded, the due date stays unknown (`due_on` NULL) and the view
//! names the years to load, rather than a date that treats those holidays as working days.

use super::model::{Deadline, RequestRow, State};
use crate::calendar::store as cal_store;
use crate::calendar::workdays::Calendar;
use crate::db::schema::citizen_requests as cr;
use chrono::{Duration, NaiveDate};
use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Calendar days loaded past the start of a count: 60 working days (the largest deadline) plus
/// the pauses a request plausibly has fit in well under a year, Spring Festival included.
pub const HORIZON_DAYS: i64 = 240;

/// The states a request is done in: its deadline no longer runs.
pub const CLOSED: [State; 3] = [State::Answered, State::Closed, State::Refused];

/// Whether a request is overdue on the center's `today` (the one rule, see the module): open,
/// not waiting for the citizen, due before `today`.
pub fn overdue(
    state: State,
    paused_on: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    state.open()
        && state != State::WaitingCitizen
        && paused_on.is_none()
        && due_on.is_some_and(|due| today > due)
}

/// [`overdue`] as a SQL condition on `citizen_requests` (the same predicate, row for row).
pub type OverdueSql = Box<dyn BoxableExpression<cr::table, Pg, SqlType = Bool>>;

/// The rows [`overdue`] holds for on `today`.
pub fn overdue_sql(today: NaiveDate) -> OverdueSql {
    Box::new(
        cr::state
            .ne_all(CLOSED)
            .and(cr::state.ne(State::WaitingCitizen))
            .and(cr::paused_on.is_null())
            .and(cr::due_on.is_not_null())
            .and(cr::due_on.assume_not_null().lt(today)),
    )
}

/// Working days left on `on` until `due`: the working days after `on` up to and including
/// `due` (0 = due on `on`, or on the next working day after a rest day). Once `on` is after
/// `due`, minus the working days after `due` up to and including `on`, and at least 1 of them
/// (a Saturday after a Friday due date is -1): negative exactly when overdue.
pub fn remaining(cal: &Calendar, on: NaiveDate, due: NaiveDate) -> i64 {
    let n = cal.working_days_between(on, due);
    if on > due { n.min(-1) } else { n }
}

/// The paused days that give a reopened request (received on `received_on`) a fresh deadline
/// from `today`: the working days after receipt up to and including `today`, which no longer
/// count. With them, `due(received_on, days + restart(..))` is `days` working days after
/// `today`.
pub fn restart(cal: &Calendar, received_on: NaiveDate, today: NaiveDate) -> i32 {
    i32::try_from(cal.working_days_between(received_on, today).max(0)).unwrap_or(i32::MAX)
}

/// Calendar days a count of `days` working days from a day needs loaded.
fn horizon(days: i32) -> Duration {
    Duration::days(HORIZON_DAYS + 2 * i64::from(days.max(0)))
}

/// The due date of `days` working days after `from`, or the years whose holidays are missing.
pub fn due(cal: &Calendar, from: NaiveDate, days: i32) -> Result<NaiveDate, Vec<i32>> {
    let n = u32::try_from(days.max(0)).unwrap_or(0);
    let at = cal.add_working_days(from, n).unwrap_or(NaiveDate::MAX);
    let missing =
        cal.years_without_holidays(from + Duration::days(1), at.min(from + horizon(days)));
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
    let cal = cal_store::load(conn, center_id, received_on, received_on + horizon(days)).await?;
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
            to = to.max(r.received_on + horizon(r.deadline_days + r.paused_days));
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
        .map(|due| remaining(cal, counted_from, due));
    Deadline {
        working_days: row.deadline_days,
        paused_days: row.paused_days,
        paused_since: row.paused_on,
        due_on: row.due_on,
        remaining_working_days: remaining,
        overdue: overdue(row.state, row.paused_on, row.due_on, today),
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
    fn a_request_due_on_friday_is_overdue_from_saturday() {
        let cal = national_day_2026();
        let fri = d("2026-11-13");
        let open = |s, today| overdue(s, None, Some(fri), today);
        assert!(!open(State::InProgress, fri));
        assert!(open(State::InProgress, d("2026-11-14")), "Saturday");
        assert!(open(State::InProgress, d("2026-11-15")), "Sunday");
        assert!(open(State::InProgress, d("2026-11-16")), "Monday");
        assert!(open(State::Received, d("2026-11-14")), "the queue counts");
        for s in [
            State::WaitingCitizen,
            State::Answered,
            State::Closed,
            State::Refused,
        ] {
            assert!(!open(s, d("2026-11-16")), "{s:?}");
        }
        assert!(!overdue(
            State::InProgress,
            Some(fri),
            Some(fri),
            d("2026-11-16")
        ));
        assert!(!overdue(State::InProgress, None, None, d("2026-11-16")));
        // Remaining working days agree: 0 on the day, negative once overdue.
        assert_eq!(remaining(&cal, d("2026-11-12"), fri), 1);
        assert_eq!(remaining(&cal, fri, fri), 0);
        assert_eq!(remaining(&cal, d("2026-11-14"), fri), -1);
        assert_eq!(remaining(&cal, d("2026-11-15"), fri), -1);
        assert_eq!(remaining(&cal, d("2026-11-16"), fri), -1);
        assert_eq!(remaining(&cal, d("2026-11-17"), fri), -2);
        // Due on a Monday, seen on the weekend before: one working day left.
        assert_eq!(remaining(&cal, d("2026-11-14"), d("2026-11-16")), 1);
    }

    #[test]
    fn a_request_due_before_a_holiday_is_overdue_during_it() {
        let cal = national_day_2026();
        // Due Wed Sep 30: overdue on Oct 1 (a holiday), still one working day late on Oct 7.
        let due_on = d("2026-09-30");
        for day in ["2026-10-01", "2026-10-04", "2026-10-07"] {
            assert!(
                overdue(State::Forwarded, None, Some(due_on), d(day)),
                "{day}"
            );
            assert_eq!(remaining(&cal, d(day), due_on), -1, "{day}");
        }
        assert_eq!(remaining(&cal, d("2026-10-08"), due_on), -1);
        assert_eq!(remaining(&cal, d("2026-10-09"), due_on), -2);
        // Seen on Sep 29: due on the next working day.
        assert_eq!(remaining(&cal, d("2026-09-29"), due_on), 1);
        assert!(!overdue(State::Forwarded, None, Some(due_on), due_on));
    }

    #[test]
    fn a_restart_gives_a_fresh_deadline_from_the_reopening_day() {
        let cal = national_day_2026();
        let received = d("2026-09-01");
        for today in ["2026-09-29", "2026-10-03", "2026-10-10", "2026-10-11"] {
            let t = d(today);
            let paused = restart(&cal, received, t);
            assert_eq!(
                due(&cal, received, 5 + paused),
                due(&cal, t, 5),
                "reopened on {today}"
            );
        }
        // Reopened on Sep 29 (Tue): Sep 30, Oct 8, 9, 10 (make-up Saturday), 12.
        let paused = restart(&cal, received, d("2026-09-29"));
        assert_eq!(due(&cal, received, 5 + paused), Ok(d("2026-10-12")));
    }

    #[test]
    fn a_count_into_a_year_without_holidays_names_the_year() {
        let cal = national_day_2026();
        assert_eq!(due(&cal, d("2026-12-24"), 10), Err(vec![2027]));
    }
}
