//! The day's hours (R9): the center's opening time. A per-date override (an event's extension,
//! a holiday change plan, R11) will plug in here; check-in asks only this function.

use crate::org::model::Center;
use chrono::{NaiveDate, NaiveTime};

/// The hall's opening time on `date`.
pub fn opening(center: &Center, _date: NaiveDate) -> NaiveTime {
    center.opening_time
}
