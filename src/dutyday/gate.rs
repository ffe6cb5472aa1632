//! Who writes a duty day's records, and when: the one check every writer of the day passes
//! (door checks, inspections, attendance, the log, the handover).
//!
//! - the date is a working day of the center (422 `not_working_day`);
//! - the caller is one of the day's supervisors after substitutions (403 `not_on_duty`);
//! - the day has started (00:00 in the center's time zone; 422 `duty_day_not_started`) and is
//!   still writable: until the duty end plus the center's grace period (409 `duty_day_closed`;
//!   after that only the office's amendments change the day). Records that close earlier (the
//!   log at submission) check that themselves against [`Writer::window`].

use super::model::DayHours;
use super::window::{DayWindow, Phase, Times};
use super::{hours, powers};
use crate::calendar::store as cal_store;
use crate::clock::Clock;
use crate::error::{ApiError, ApiResult, Code};
use crate::org::model::Center;
use crate::org::store as org_store;
use crate::principal::CurrentUser;
use crate::roster::model::Assignment;
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// The instants of `date` for `center`: the day's own hours (or the center's) and its settings.
pub async fn window(
    conn: &mut AsyncPgConnection,
    center: &Center,
    date: NaiveDate,
) -> ApiResult<DayWindow> {
    let h = hours::of_day(conn, center, date).await?;
    Ok(window_of(center, &h))
}

/// The instants of a day with hours `h` for `center` (pure: a range's hours are loaded at once).
pub fn window_of(center: &Center, h: &DayHours) -> DayWindow {
    DayWindow::new(
        center.tz(),
        h.date,
        Times {
            opening: h.opening_time,
            closing: h.closing_time,
            duty_start: center.duty_start_time,
            duty_end: center.duty_end_time,
            closing_lead_minutes: center.closing_lead_minutes,
            grace_minutes: center.duty_grace_minutes,
        },
    )
}

/// A supervisor allowed to write a day's records now.
#[derive(Debug, Clone)]
pub struct Writer {
    pub center: Center,
    /// The caller's duty that day (they hold it, as rostered or as the substitute).
    pub duty: Assignment,
    pub window: DayWindow,
    /// The server's time of the request: the record's receipt time.
    pub now: DateTime<Utc>,
}

impl Writer {
    /// The supervisor writing (the one on duty, the substitute when one holds the duty).
    pub fn staff_id(&self) -> Uuid {
        self.duty.on_duty()
    }

    pub fn phase(&self) -> Phase {
        self.window.phase(self.now)
    }
}

/// The refusal for a day that is past its grace period.
pub fn closed(window: &DayWindow, tz: chrono_tz::Tz) -> ApiError {
    ApiError::of(Code::DutyDayClosed)
        .param("date", window.date)
        .param(
            "until",
            window.writable_until.with_timezone(&tz).to_rfc3339(),
        )
}

/// Checks that `user` may write `date`'s records now (see the module's rules) and returns what
/// the writer needs: the center, the caller's duty, the day's window and the time of receipt.
pub async fn require_writer(
    conn: &mut AsyncPgConnection,
    clock: &Clock,
    user: &CurrentUser,
    date: NaiveDate,
) -> ApiResult<Writer> {
    let center = org_store::center(conn, user.center_id).await?;
    let cal = cal_store::load(conn, center.id, date, date).await?;
    if !cal.is_working_day(date) {
        return Err(ApiError::of(Code::DutyDayNotWorking).param("date", date));
    }
    let duty = powers::require_on_duty(conn, user, date).await?;
    let window = window(conn, &center, date).await?;
    let now = clock.now();
    match window.phase(now) {
        Phase::NotStarted => Err(ApiError::of(Code::DutyDayNotStarted).param("date", date)),
        Phase::Closed => Err(closed(&window, center.tz())),
        Phase::Open | Phase::AfterClosing => Ok(Writer {
            center,
            duty,
            window,
            now,
        }),
    }
}

/// Checks that `user` may amend `date`'s frozen records now: office admins at any time; the
/// day's supervisors (after substitutions, 403 `not_on_duty`) until the day closes (409
/// `duty_day_closed`). Returns the center and the time of receipt.
pub async fn require_amender(
    conn: &mut AsyncPgConnection,
    clock: &Clock,
    user: &CurrentUser,
    date: NaiveDate,
) -> ApiResult<(Center, DateTime<Utc>)> {
    let center = org_store::center(conn, user.center_id).await?;
    let now = clock.now();
    if user.has(crate::principal::Role::OfficeAdmin) {
        return Ok((center, now));
    }
    powers::require_on_duty(conn, user, date).await?;
    let window = window(conn, &center, date).await?;
    match window.phase(now) {
        Phase::Closed => Err(closed(&window, center.tz())),
        Phase::NotStarted => Err(ApiError::of(Code::DutyDayNotStarted).param("date", date)),
        Phase::Open | Phase::AfterClosing => Ok((center, now)),
    }
}
