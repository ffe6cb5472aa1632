//! When a supervisor is due and how their check-in counts (R7): pure rules, no database.
//!
//! - **Due** at the day's opening time minus the center's `arrival_lead_minutes`, in the
//!   center's time zone.
//! - **On time** when the server *received* the check-in at or before the due time; the phone's
//!   clock never decides. `minutes_early_or_late` is the receipt against the due time in whole
//!   minutes: negative when early (whole minutes early, rounded towards zero), positive when late
//!   (every started minute counts: 1 second late is 1 minute late), 0 exactly on time.
//! - **Offline records** may carry `observed_at`, the time the phone saw the arrival. It is kept
//!   as sent and never changes `on_time`. It must not be ahead of the server's time by more than
//!   [`FUTURE_SKEW_SECONDS`] (refused `observed_in_future`) nor before the start (00:00) of the
//!   duty day in the center's time zone (refused `observed_before_day`).
//! - **Needs review** when the receipt is late but the observed time was on time (at or before
//!   the due time) and the receipt came within [`OFFLINE_WINDOW_HOURS`] of the observed time: a
//!   record that waited on the phone for the network. The office reviews it instead of it being
//!   counted late outright. A late receipt with no `observed_at`, a late `observed_at`, or one
//!   older than the window is simply late.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// How far ahead of the server's time an `observed_at` may be (phones' clocks drift).
pub const FUTURE_SKEW_SECONDS: i64 = 120;
/// How long an offline record may wait on the phone and still be reviewed rather than late.
pub const OFFLINE_WINDOW_HOURS: i64 = 4;

/// The instant `time` on `date` in `tz` (the earlier one when a clock change repeats it, the
/// first valid minute after a gap).
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    let mut probe = naive;
    for _ in 0..=180 {
        if let Some(t) = tz.from_local_datetime(&probe).earliest() {
            return t.with_timezone(&Utc);
        }
        probe += Duration::minutes(1);
    }
    naive.and_utc()
}

/// When the supervisor is due: opening minus the arrival lead.
pub fn due_at(tz: Tz, date: NaiveDate, opening: NaiveTime, lead_minutes: i32) -> DateTime<Utc> {
    local_instant(tz, date, opening) - Duration::minutes(i64::from(lead_minutes))
}

/// Why an `observed_at` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservedProblem {
    InFuture,
    BeforeDay,
}

/// How a check-in counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub on_time: bool,
    pub minutes_early_or_late: i32,
    pub needs_review: bool,
}

/// Checks `observed_at` against the receipt and the duty day's start.
pub fn check_observed(
    observed: DateTime<Utc>,
    received: DateTime<Utc>,
    day_start: DateTime<Utc>,
) -> Result<(), ObservedProblem> {
    if observed > received + Duration::seconds(FUTURE_SKEW_SECONDS) {
        return Err(ObservedProblem::InFuture);
    }
    if observed < day_start {
        return Err(ObservedProblem::BeforeDay);
    }
    Ok(())
}

/// Decides a check-in received at `received` (and observed at `observed`, when sent) for a
/// supervisor due at `due`.
pub fn judge(
    due: DateTime<Utc>,
    received: DateTime<Utc>,
    observed: Option<DateTime<Utc>>,
) -> Arrival {
    let secs = (received - due).num_seconds();
    let minutes = if secs > 0 {
        (secs + 59) / 60
    } else {
        secs / 60
    };
    let on_time = secs <= 0;
    let needs_review = !on_time
        && observed
            .is_some_and(|o| o <= due && received - o <= Duration::hours(OFFLINE_WINDOW_HOURS));
    Arrival {
        on_time,
        minutes_early_or_late: i32::try_from(minutes).unwrap_or(i32::MAX),
        needs_review,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        let d = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        local_instant(
            Shanghai,
            d,
            NaiveTime::from_hms_opt(h, m, s).unwrap_or_default(),
        )
    }

    fn due() -> DateTime<Utc> {
        let d = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        due_at(
            Shanghai,
            d,
            NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default(),
            10,
        )
    }

    #[test]
    fn due_is_opening_minus_the_lead_in_the_centers_zone() {
        assert_eq!(due(), at(8, 20, 0));
        assert_eq!(due().to_rfc3339(), "2026-12-07T00:20:00+00:00");
    }

    #[test]
    fn minutes_are_whole_early_minutes_or_started_late_minutes() {
        assert_eq!(judge(due(), at(8, 5, 30), None).minutes_early_or_late, -14);
        assert_eq!(
            judge(due(), at(8, 20, 0), None),
            Arrival {
                on_time: true,
                minutes_early_or_late: 0,
                needs_review: false
            }
        );
        let late = judge(due(), at(8, 20, 1), None);
        assert!(!late.on_time);
        assert_eq!(late.minutes_early_or_late, 1);
        assert_eq!(judge(due(), at(8, 40, 0), None).minutes_early_or_late, 20);
    }

    #[test]
    fn an_on_time_observation_received_late_is_reviewed_within_the_window() {
        let a = judge(due(), at(9, 0, 0), Some(at(8, 15, 0)));
        assert!(!a.on_time && a.needs_review);
        assert_eq!(a.minutes_early_or_late, 40);
        // Observed late: simply late.
        assert!(!judge(due(), at(9, 0, 0), Some(at(8, 25, 0))).needs_review);
        // Waited longer than the window: simply late.
        assert!(!judge(due(), at(12, 16, 0), Some(at(8, 15, 0))).needs_review);
        // Received on time: nothing to review.
        assert!(!judge(due(), at(8, 16, 0), Some(at(8, 15, 0))).needs_review);
    }

    #[test]
    fn observed_times_must_be_plausible() {
        let start = at(0, 0, 0);
        assert_eq!(
            check_observed(at(9, 3, 0), at(9, 0, 0), start),
            Err(ObservedProblem::InFuture)
        );
        assert_eq!(check_observed(at(9, 1, 0), at(9, 0, 0), start), Ok(()));
        assert_eq!(
            check_observed(start - Duration::seconds(1), at(9, 0, 0), start),
            Err(ObservedProblem::BeforeDay)
        );
    }
}
