//! The calendar's stored override rows and API views.

use super::workdays::{Day, DayKind, DaySource, OverrideKind};
use crate::db::schema::calendar_overrides;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// A center's override of one date, as stored. `kind` is one of [`OverrideKind`]'s names
/// (a CHECK constraint holds it to them).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calendar_overrides)]
pub struct OverrideRow {
    pub center_id: Uuid,
    pub day: NaiveDate,
    pub kind: String,
    pub name: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the audit trail keeps of an override (before and after a change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverrideState {
    pub date: NaiveDate,
    pub kind: String,
    pub name: String,
    pub version: i32,
}

impl From<&OverrideRow> for OverrideState {
    fn from(r: &OverrideRow) -> Self {
        OverrideState {
            date: r.day,
            kind: r.kind.clone(),
            name: r.name.clone(),
            version: r.version,
        }
    }
}

/// One date of the calendar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarDay {
    #[schema(example = "2026-02-14")]
    pub date: NaiveDate,
    pub kind: DayKind,
    /// e.g. 春节 or the reason of an override; `null` for a plain workday or weekend.
    #[schema(example = "春节")]
    pub name: Option<String>,
    /// Where the kind comes from; `override` days return to the statutory day or weekday rule
    /// when their override is deleted.
    pub source: DaySource,
    /// True for `workday`, `makeup_workday` and `extra_workday`.
    pub working: bool,
}

impl From<Day<'_>> for CalendarDay {
    fn from(d: Day<'_>) -> Self {
        CalendarDay {
            date: d.date,
            kind: d.kind,
            name: d.name.map(str::to_owned),
            source: d.source,
            working: d.kind.is_working(),
        }
    }
}

impl CalendarDay {
    /// The view of a stored override (which beats every other source).
    pub fn from_override(r: &OverrideRow) -> Option<Self> {
        let kind = DayKind::from(OverrideKind::parse(&r.kind)?);
        Some(CalendarDay {
            date: r.day,
            kind,
            name: Some(r.name.clone()),
            source: DaySource::Override,
            working: kind.is_working(),
        })
    }
}

/// Every date of the requested range, in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDays {
    pub days: Vec<CalendarDay>,
    /// Years of the range whose statutory holidays are not loaded: their holidays show as plain
    /// workdays unless an override sets them, and rosters on them need an explicit confirmation.
    /// Empty when every date's year is covered.
    #[schema(example = json!([2027]))]
    pub years_without_holiday_data: Vec<i32>,
}

/// Result of a bulk write.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    /// Overrides that did not exist before.
    pub created: usize,
    /// Overrides whose kind or name changed.
    pub updated: usize,
    /// Overrides that already had this kind and name (not written, not audited).
    pub unchanged: usize,
    /// The days as they are now, in the order of the request.
    pub days: Vec<CalendarDay>,
}

/// The audit trail's `entity_id` for a center's date (entity type `calendar_day`): the same for
/// every change of that date, so the history of a date is one `entity_id` filter. A UUID v8 from
/// the first 16 bytes of SHA-256 over a fixed label, the center id and the date.
pub fn day_entity_id(center_id: Uuid, date: NaiveDate) -> Uuid {
    let mut h = Sha256::new();
    h.update(b"dutydesk:calendar_day:");
    h.update(center_id.as_bytes());
    h.update(date.format(":%Y-%m-%d").to_string().as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_entity_ids_are_stable_per_center_and_date() {
        let c1 = Uuid::from_u128(1);
        let c2 = Uuid::from_u128(2);
        let d1 = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2026, 10, 2).unwrap();
        let id = day_entity_id(c1, d1);
        assert_eq!(id, day_entity_id(c1, d1));
        assert_ne!(id, day_entity_id(c2, d1));
        assert_ne!(id, day_entity_id(c1, d2));
        assert_eq!(id.get_version_num(), 8);
    }
}
