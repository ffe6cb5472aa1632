//! Duty powers come from the roster, not from a standing role: the supervisors on duty for a
//! center and date are those of its published duties after substitutions (a substitute gains the
//! day, the original supervisor loses it; a day may have two or more). Only they write the day's
//! records. Office admins read everything (and will correct through amendments), auditors read;
//! neither writes a day unless the roster puts them on it.

use crate::error::{ApiError, ApiResult, Code};
use crate::principal::CurrentUser;
use crate::roster::model::Assignment;
use crate::roster::store::{self as roster_store, AssignmentFilter};
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// More duties than any center puts on one day.
const MAX_PER_DAY: i64 = 1000;

/// The published duties of `date` in the center, in slot order; who holds each is
/// [`Assignment::on_duty`] (the substitute when one holds it). The duty-day view reads its
/// duties here too.
pub async fn on_duty(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    date: NaiveDate,
) -> ApiResult<Vec<Assignment>> {
    Ok(roster_store::list_assignments(
        conn,
        AssignmentFilter {
            center_id,
            from: date,
            to: date,
            staff_id: None,
            department_id: None,
            after: None,
            limit: MAX_PER_DAY,
        },
    )
    .await?)
}

/// The caller's duty on `date`, or 403 `not_on_duty` when the caller is not one of the day's
/// supervisors after substitutions (office admins, auditors, window staff and the supervisor who
/// handed the day away included).
pub async fn require_on_duty(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    date: NaiveDate,
) -> ApiResult<Assignment> {
    let refused = || ApiError::of(Code::NotOnDutyThatDay).param("date", date);
    let me = user.staff_id.ok_or_else(refused)?;
    on_duty(conn, user.center_id, date)
        .await?
        .into_iter()
        .find(|a| a.on_duty() == me)
        .ok_or_else(refused)
}
