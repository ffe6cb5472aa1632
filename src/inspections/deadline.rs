//! A rectification's deadline: `n` working days after the center's today on its calendar
//! (weekends, statutory holidays, make-up working days and the center's overrides respected).
//! Refused (422 `holidays_not_loaded`) when the statutory holidays of a year it spans are not
//! loaded: the count would treat that year's holidays as working days.

use crate::calendar::store as cal_store;
use crate::error::{ApiError, Code};
use chrono::{Duration, NaiveDate};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Calendar days loaded past today: 30 working days fit in 10 weeks even around the Spring
/// Festival.
const HORIZON_DAYS: i64 = 120;

/// The `n`-th working day after `today` for the center.
pub async fn after(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    today: NaiveDate,
    n: u32,
) -> Result<NaiveDate, ApiError> {
    let cal = cal_store::load(conn, center_id, today, today + Duration::days(HORIZON_DAYS)).await?;
    let due = cal
        .add_working_days(today, n)
        .filter(|d| cal.covers(today, *d))
        .ok_or_else(ApiError::internal)?;
    let missing = cal.years_without_holidays(today, due);
    if !missing.is_empty() {
        return Err(ApiError::of(Code::DeadlineHolidaysNotLoaded).list("years", missing));
    }
    Ok(due)
}
