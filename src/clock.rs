//! The application's one clock for the hall's calendar.
//!
//! Every business decision that depends on "now" or "today" (a duty day that has passed, the
//! window of a calendar feed, a sit-in plan's deadline, when a record was made) asks this clock,
//! never `Utc::now()` directly. In production it is the system clock. Tests set it to any
//! instant (see `DUTYDESK_TEST_TODAY` in the README), and it then runs on from there at the
//! real pace, so the suite behaves the same on any date.
//!
//! Token lifetimes, login throttles and idempotency-key retention are security timers checked by
//! libraries and PostgreSQL against the system time; they do not use this clock.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Real time plus a settable offset (zero in production). Cheap to clone; clones share the
/// offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `at` now and runs on from there.
    pub fn starting_at(at: DateTime<Utc>) -> Clock {
        let c = Clock::default();
        c.set(at);
        c
    }

    /// A clock that reads 10:00 on `date` in `tz` now (a working morning, far from midnight, so
    /// a test run never crosses into the next day).
    pub fn on_date(date: NaiveDate, tz: Tz) -> Clock {
        Clock::starting_at(morning(date, tz))
    }

    /// Moves the clock so that it reads `at` now (never earlier: the offset is rounded up to
    /// the next millisecond).
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = at - Utc::now();
        let ms = offset
            .num_nanoseconds()
            .map(|n| n.div_euclid(1_000_000) + i64::from(n.rem_euclid(1_000_000) != 0))
            .unwrap_or_else(|| offset.num_milliseconds());
        self.offset_ms.store(ms, Ordering::Relaxed);
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Today's date in time zone `tz`.
    pub fn today(&self, tz: Tz) -> NaiveDate {
        self.now().with_timezone(&tz).date_naive()
    }
}

/// 10:00 on `date` in `tz`.
pub fn morning(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::from_hms_opt(10, 0, 0).expect("valid time"));
    tz.from_local_datetime(&local)
        .earliest()
        .expect("10:00 exists in every zone")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_set_clock_never_reads_earlier_than_the_instant_set() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2030, 1, 1, 8, 5, 0).unwrap();
        for _ in 0..1000 {
            let c = super::Clock::starting_at(at);
            assert!(c.now() >= at);
        }
    }

    use super::*;
    use chrono_tz::Asia::Shanghai;

    #[test]
    fn a_set_clock_reads_that_date_and_runs_on() {
        let d = NaiveDate::from_ymd_opt(2027, 9, 30).unwrap();
        let c = Clock::on_date(d, Shanghai);
        assert_eq!(c.today(Shanghai), d);
        let a = c.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(c.now() > a, "the clock runs on");
        let shared = c.clone();
        shared.set(morning(d.succ_opt().unwrap(), Shanghai));
        assert_eq!(
            c.today(Shanghai),
            d.succ_opt().unwrap(),
            "clones share the offset"
        );
    }

    #[test]
    fn the_system_clock_is_real_time() {
        let c = Clock::system();
        let diff = (c.now() - Utc::now()).num_milliseconds().abs();
        assert!(diff < 1000);
    }
}
