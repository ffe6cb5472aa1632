//! Door checks: the rows and their API shapes.

use super::rules::DueWhen;
use crate::db::schema::{door_check_items, door_checks};
use crate::dutyday::amend::Amendment;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = door_check_items)]
pub struct ItemRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub due: DueWhen,
    pub position: i32,
    pub active: bool,
}

/// One item of the center's door and closing checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DoorCheckItem {
    pub id: Uuid,
    /// `^[a-z_]{1,40}$`, unique in the center; records name their item by it.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub due: DueWhen,
    /// Place in the list (0 first).
    pub position: i32,
    /// Inactive items are no longer expected (kept because they were recorded on some day).
    pub active: bool,
}

impl From<&ItemRow> for DoorCheckItem {
    fn from(r: &ItemRow) -> DoorCheckItem {
        DoorCheckItem {
            id: r.id,
            code: r.code.clone(),
            name_zh: r.name_zh.clone(),
            name_en: r.name_en.clone(),
            due: r.due,
            position: r.position,
            active: r.active,
        }
    }
}

/// The center's list of door and closing checks; the `ETag` header carries `version`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoorCheckItems {
    pub version: i32,
    /// Active items first in list order, then the inactive ones.
    pub items: Vec<DoorCheckItem>,
}

/// One item of the new list.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorCheckItemInput {
    /// `^[a-z_]{1,40}$`; an existing code keeps its item (renamed, moved, re-timed).
    #[schema(pattern = "^[a-z_]{1,40}$", min_length = 1, max_length = 40)]
    pub code: String,
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name_zh: String,
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name_en: String,
    pub due: DueWhen,
    /// `false` keeps the item but no longer expects it; `true` when left out.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// The whole list, in order; it replaces the center's. Items left out are deleted, or
/// deactivated when they were ever recorded.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorCheckItemsUpdate {
    /// At most 50 items, each code once.
    #[schema(max_items = 50)]
    pub items: Vec<DoorCheckItemInput>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset, Serialize,
)]
#[diesel(table_name = door_checks, treat_none_as_null = true)]
pub struct DoorCheckRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub day: NaiveDate,
    pub item_id: Uuid,
    pub recorded_by: Option<Uuid>,
    pub assignment_id: Option<Uuid>,
    pub received_at: DateTime<Utc>,
    pub observed_at: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
    pub early: bool,
    pub late: bool,
    pub needs_review: bool,
    pub note: Option<String>,
}

/// One door check done on a duty day (R7).
///
/// `late` is `received_at > due_at` (the server's receipt decides); `needs_review` is true when
/// the receipt was late but `observed_at` was on time and at most 4 hours before the receipt (an
/// offline record, for the office to review): the check-in rule. `early` flags a check done
/// (`observed_at`, else `received_at`) before it makes sense: an `after_closing` item before the
/// closing, a `before_closing` item before the closing minus twice the closing lead.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoorCheck {
    pub id: Uuid,
    pub date: NaiveDate,
    pub item_id: Uuid,
    /// The item's code.
    pub item: String,
    /// The supervisor on duty who recorded it; for a record the office added through an
    /// amendment, the office admin (`null` for a caller without a staff record).
    pub recorded_by: Option<Uuid>,
    pub recorded_by_name: Option<String>,
    /// The duty the supervisor held that day (`null` when the office added the record).
    pub assignment_id: Option<Uuid>,
    /// When the server received the record.
    pub received_at: DateTime<Utc>,
    /// When the phone observed the check, as sent (offline records); `null` when not sent.
    pub observed_at: Option<DateTime<Utc>>,
    /// The item's due time that day, the record was judged by.
    pub due_at: DateTime<Utc>,
    pub early: bool,
    pub late: bool,
    pub needs_review: bool,
    pub note: Option<String>,
}

impl DoorCheckRow {
    pub fn view(&self, item: &str, recorded_by_name: Option<String>) -> DoorCheck {
        DoorCheck {
            id: self.id,
            date: self.day,
            item_id: self.item_id,
            item: item.to_owned(),
            recorded_by: self.recorded_by,
            recorded_by_name,
            assignment_id: self.assignment_id,
            received_at: self.received_at,
            observed_at: self.observed_at,
            due_at: self.due_at,
            early: self.early,
            late: self.late,
            needs_review: self.needs_review,
            note: self.note.clone(),
        }
    }
}

/// Record a door check.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorCheckRequest {
    /// The code of an active item of the center's list.
    pub item: String,
    /// When the phone observed the check (RFC 3339 with offset), for records made offline. Not
    /// more than 2 minutes ahead of the server's time (`observed_in_future`), not before the
    /// duty day's start in the center's time zone (`observed_before_day`).
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-12-07T17:20:00+08:00")]
    pub observed_at: Option<String>,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The office's correction of one item's door check of a day. With a record: at least one of
/// `observed_at`, `note`, `late` changes it. Without one (the item is missing): adds the record
/// the supervisors did not make, `observed_at` (when it was done) required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoorCheckAmendment {
    /// Why, 1–500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// When the check was really done (RFC 3339 with offset).
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-12-07T18:05:00+08:00")]
    pub observed_at: Option<String>,
    /// Replaces the note, up to 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
    /// The office's verdict: late or not; clears `needs_review`. Without it, a changed
    /// `observed_at` is judged again by the rules.
    pub late: Option<bool>,
}

/// Where an item of the day stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DoorCheckStatus {
    /// Recorded (see `record`).
    Recorded,
    /// Not recorded, and not due yet by the server's clock.
    Pending,
    /// Not recorded, and its due time has passed.
    Missing,
}

/// One item on a duty day: its due time and its record, or why there is none.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoorCheckOfDay {
    pub item_id: Uuid,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub due: DueWhen,
    /// The item's due time that day (the record's when recorded), by the day's hours.
    pub due_at: DateTime<Utc>,
    pub status: DoorCheckStatus,
    pub early: bool,
    pub late: bool,
    pub needs_review: bool,
    pub record: Option<DoorCheck>,
    /// The office's corrections, oldest first.
    pub amendments: Vec<Amendment>,
}

/// An item named in a summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoorCheckRef {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub due_at: DateTime<Utc>,
}

/// A day's door checks in short: what the duty-day view and the home screen show.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DoorCheckSummary {
    /// Items of the day (the active items on a working day, and any recorded item).
    pub expected: usize,
    pub recorded: usize,
    /// Not recorded, past their due time.
    pub missing: Vec<DoorCheckRef>,
    pub late: Vec<DoorCheckRef>,
    pub needs_review: Vec<DoorCheckRef>,
    pub early: Vec<DoorCheckRef>,
}

/// A duty day's door checks, item by item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoorCheckDay {
    pub date: NaiveDate,
    /// False when the hall is closed that date: nothing is expected.
    pub working: bool,
    pub items: Vec<DoorCheckOfDay>,
    pub summary: DoorCheckSummary,
}
