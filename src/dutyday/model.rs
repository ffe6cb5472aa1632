//! A supervisor's check-in: the row and its API view.

use crate::db::schema::duty_check_ins;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = duty_check_ins)]
pub struct CheckInRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub day: NaiveDate,
    pub staff_id: Uuid,
    pub assignment_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub observed_at: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
    pub on_time: bool,
    pub minutes_late: i32,
    pub needs_review: bool,
    pub note: Option<String>,
}

impl CheckInRow {
    pub fn view(self, staff_name: String) -> CheckIn {
        CheckIn {
            id: self.id,
            date: self.day,
            staff_id: self.staff_id,
            staff_name,
            assignment_id: self.assignment_id,
            received_at: self.received_at,
            observed_at: self.observed_at,
            due_at: self.due_at,
            on_time: self.on_time,
            minutes_early_or_late: self.minutes_late,
            needs_review: self.needs_review,
            note: self.note,
        }
    }
}

/// A supervisor's arrival on their duty day (R7). The server's receipt time decides whether it
/// was on time; the phone's `observed_at` is kept beside it.
///
/// `due_at` is the day's opening time minus the center's `arrival_lead_minutes`, in the center's
/// time zone. `minutes_early_or_late` is `received_at` against `due_at` in whole minutes:
/// negative when early (rounded towards zero), positive when late (every started minute counts),
/// 0 exactly on time; `on_time` is `received_at <= due_at`.
///
/// `needs_review` is true when the receipt was late but `observed_at` was on time
/// (`observed_at <= due_at`) and `received_at - observed_at` is at most 4 hours: a record that
/// waited offline on the phone. The office reviews it rather than counting it late outright.
/// Otherwise it is false.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckIn {
    pub id: Uuid,
    /// The duty day.
    pub date: NaiveDate,
    /// Who checked in (the supervisor on duty, the substitute when one holds the day).
    pub staff_id: Uuid,
    pub staff_name: String,
    /// The duty they hold that day.
    pub assignment_id: Uuid,
    /// When the server received the check-in (decides `on_time`).
    pub received_at: DateTime<Utc>,
    /// When the phone observed the arrival, as sent (offline records); `null` when not sent.
    pub observed_at: Option<DateTime<Utc>>,
    /// Opening time minus the arrival lead, that day.
    pub due_at: DateTime<Utc>,
    pub on_time: bool,
    /// Negative: minutes early; positive: minutes late.
    pub minutes_early_or_late: i32,
    /// On time by `observed_at` but received late: for the office to review.
    pub needs_review: bool,
    pub note: Option<String>,
}

/// Body of a check-in; both fields optional (`{}` checks in now).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// When the phone observed the arrival (RFC 3339 with offset), for records made offline.
    /// Not more than 2 minutes ahead of the server's time (`observed_in_future`), not before
    /// the duty day's start in the center's time zone (`observed_before_day`).
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-12-07T08:15:00+08:00")]
    pub observed_at: Option<String>,
    /// Up to 500 characters.
    pub note: Option<String>,
}

/// The hours of one date that differ from the center's.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = crate::db::schema::day_hours)]
pub struct DayHoursRow {
    pub center_id: Uuid,
    pub day: NaiveDate,
    pub id: Uuid,
    pub opening_time: chrono::NaiveTime,
    pub closing_time: chrono::NaiveTime,
    pub reason: String,
    pub updated_at: DateTime<Utc>,
}

/// A date's hall hours: the center's, or the date's own when the office set them (R9 an
/// event's extension, R11 a holiday change plan). Check-in's due time follows `opening_time`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayHours {
    pub date: NaiveDate,
    #[schema(value_type = String, example = "08:30:00")]
    pub opening_time: chrono::NaiveTime,
    #[schema(value_type = String, example = "17:30:00")]
    pub closing_time: chrono::NaiveTime,
    /// True when the date has its own hours; false for the center's.
    pub overridden: bool,
    /// Why the date's hours differ (`null` for the center's hours).
    pub reason: Option<String>,
}

/// A date's own hours.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayHoursRequest {
    #[schema(value_type = String, example = "08:30:00")]
    pub opening_time: chrono::NaiveTime,
    /// After `opening_time`.
    #[schema(value_type = String, example = "20:00:00")]
    pub closing_time: chrono::NaiveTime,
    /// Why (e.g. 社保集中办理活动延时), 1–200 characters.
    pub reason: String,
}
