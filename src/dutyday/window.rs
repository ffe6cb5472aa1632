//! The duty day's times as instants (R7, R8, R9), and when its records may be written.
//!
//! A duty day runs from the duty start (the center's `duty_start_time`, or the day's opening when
//! the office set an earlier one for the date) to the duty end (the center's `duty_end_time`, or
//! the day's closing when it is later). Besides:
//! - **door closed due**: the afternoon closing minus the center's `closing_lead_minutes`, when
//!   the security door of the window area is closed;
//! - **writable until**: the duty end plus the center's `duty_grace_minutes`. The day's records
//!   are written from the start of the date (00:00 in the center's time zone) until then; after
//!   it only the office's amendments change them.
//!
//! Pure: the times come from [`super::hours::of_day`] and the center; no database here.

use super::arrival::local_instant;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

/// The instants of one duty day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct DayWindow {
    pub date: NaiveDate,
    /// 00:00 of the date in the center's time zone: the earliest a record of the day is written.
    pub day_start_at: DateTime<Utc>,
    pub duty_start_at: DateTime<Utc>,
    pub opening_at: DateTime<Utc>,
    /// The security door of the window area is closed by this time (closing minus the center's
    /// `closing_lead_minutes`).
    pub door_closed_due_at: DateTime<Utc>,
    /// The afternoon closing: the duty log is submitted and the handover made before it.
    pub closing_at: DateTime<Utc>,
    pub duty_end_at: DateTime<Utc>,
    /// Duty end plus the center's `duty_grace_minutes`: after this only amendments.
    pub writable_until: DateTime<Utc>,
}

/// Where a moment falls relative to a duty day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before 00:00 of the date: nothing of the day may be written yet.
    NotStarted,
    /// From 00:00 of the date until the closing.
    Open,
    /// From the closing until `writable_until`: the after-hours records and the handover.
    AfterClosing,
    /// Past `writable_until`: only amendments.
    Closed,
}

/// The times a day is built from: the day's hours and the center's duty settings.
#[derive(Debug, Clone, Copy)]
pub struct Times {
    pub opening: NaiveTime,
    pub closing: NaiveTime,
    pub duty_start: NaiveTime,
    pub duty_end: NaiveTime,
    pub closing_lead_minutes: i32,
    pub grace_minutes: i32,
}

impl DayWindow {
    pub fn new(tz: Tz, date: NaiveDate, t: Times) -> DayWindow {
        let at = |time| local_instant(tz, date, time);
        let opening_at = at(t.opening);
        let closing_at = at(t.closing);
        let duty_start_at = at(t.duty_start).min(opening_at);
        let duty_end_at = at(t.duty_end).max(closing_at);
        DayWindow {
            date,
            day_start_at: at(NaiveTime::MIN),
            duty_start_at,
            opening_at,
            door_closed_due_at: closing_at - Duration::minutes(i64::from(t.closing_lead_minutes)),
            closing_at,
            duty_end_at,
            writable_until: duty_end_at + Duration::minutes(i64::from(t.grace_minutes)),
        }
    }

    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        if now < self.day_start_at {
            Phase::NotStarted
        } else if now < self.closing_at {
            Phase::Open
        } else if now <= self.writable_until {
            Phase::AfterClosing
        } else {
            Phase::Closed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn times() -> Times {
        Times {
            opening: t(8, 30),
            closing: t(17, 30),
            duty_start: t(8, 0),
            duty_end: t(18, 0),
            closing_lead_minutes: 10,
            grace_minutes: 120,
        }
    }

    fn shanghai(d: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .from_local_datetime(&d.and_time(t(h, m)))
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn instants_follow_the_hours_and_settings() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let w = DayWindow::new(chrono_tz::Asia::Shanghai, d, times());
        assert_eq!(w.day_start_at, shanghai(d, 0, 0));
        assert_eq!(w.duty_start_at, shanghai(d, 8, 0));
        assert_eq!(w.door_closed_due_at, shanghai(d, 17, 20));
        assert_eq!(w.closing_at, shanghai(d, 17, 30));
        assert_eq!(w.duty_end_at, shanghai(d, 18, 0));
        assert_eq!(w.writable_until, shanghai(d, 20, 0));
    }

    #[test]
    fn a_days_own_longer_hours_stretch_the_duty() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let w = DayWindow::new(
            chrono_tz::Asia::Shanghai,
            d,
            Times {
                opening: t(7, 30),
                closing: t(20, 0),
                ..times()
            },
        );
        assert_eq!(w.duty_start_at, shanghai(d, 7, 30));
        assert_eq!(w.duty_end_at, shanghai(d, 20, 0));
        assert_eq!(w.writable_until, shanghai(d, 22, 0));
    }

    #[test]
    fn phases_split_at_midnight_closing_and_grace() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let w = DayWindow::new(chrono_tz::Asia::Shanghai, d, times());
        let prev = d.pred_opt().unwrap();
        assert_eq!(w.phase(shanghai(prev, 23, 59)), Phase::NotStarted);
        assert_eq!(w.phase(shanghai(d, 0, 0)), Phase::Open);
        assert_eq!(w.phase(shanghai(d, 17, 29)), Phase::Open);
        assert_eq!(w.phase(shanghai(d, 17, 30)), Phase::AfterClosing);
        assert_eq!(w.phase(shanghai(d, 20, 0)), Phase::AfterClosing);
        assert_eq!(w.phase(shanghai(d, 20, 1)), Phase::Closed);
    }
}
