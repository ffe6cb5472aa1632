//! Rows of the roster tables and their API views.

use crate::db::schema::{duty_assignments, leave_requests, rosters, substitutions, swaps};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rosters)]
pub struct RosterRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: String,
    pub unit: String,
    pub supervisors_per_day: i32,
    pub start_state: serde_json::Value,
    pub end_state: Option<serde_json::Value>,
    pub shortfalls: serde_json::Value,
    pub created_by: Option<Uuid>,
    pub published_by: Option<Uuid>,
    pub published_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub basis: serde_json::Value,
    pub confirmed_missing_holidays: Vec<i32>,
}

/// A working day the generator could not fully staff.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ShortfallView {
    pub date: NaiveDate,
    /// Supervisors missing that day.
    pub missing: u32,
}

/// A roster (服务中心人员值班表) for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Roster {
    pub id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// `draft` (editable) or `published` (changes only through substitutions and swaps).
    pub status: String,
    /// `day` or `week`: how long a department holds duty.
    pub unit: String,
    pub supervisors_per_day: i32,
    /// Working days that could not get every supervisor.
    pub shortfalls: Vec<ShortfallView>,
    pub published_at: Option<DateTime<Utc>>,
    /// Years without statutory holiday data that the office confirmed when generating: their
    /// holidays may be scheduled as working days.
    #[schema(example = json!([]))]
    pub confirmed_missing_holidays: Vec<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl RosterRow {
    pub fn view(&self) -> Roster {
        Roster {
            id: self.id,
            start_date: self.start_date,
            end_date: self.end_date,
            status: self.status.clone(),
            unit: self.unit.clone(),
            supervisors_per_day: self.supervisors_per_day,
            shortfalls: serde_json::from_value(self.shortfalls.clone()).unwrap_or_default(),
            published_at: self.published_at,
            confirmed_missing_holidays: self.confirmed_missing_holidays.clone(),
            version: self.version,
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = duty_assignments)]
pub struct Assignment {
    pub id: Uuid,
    #[serde(skip)]
    #[schema(ignore)]
    pub center_id: Uuid,
    pub roster_id: Uuid,
    pub date: NaiveDate,
    /// 0-based position among the day's supervisors.
    pub slot: i32,
    /// The rostered supervisor.
    pub staff_id: Uuid,
    pub department_id: Uuid,
    /// Why the generator (or the office) chose this person.
    pub reason: String,
    /// Registered substitute (顶岗) on duty instead of `staff_id`.
    pub substitute_id: Option<Uuid>,
    /// True once the roster is published.
    pub published: bool,
    pub version: i32,
}

impl Assignment {
    /// Who is actually on duty: the substitute when there is one.
    pub fn on_duty(&self) -> Uuid {
        self.substitute_id.unwrap_or(self.staff_id)
    }
}

/// A roster with its assignments.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterDetail {
    #[serde(flatten)]
    pub roster: Roster,
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = substitutions)]
pub struct Substitution {
    pub id: Uuid,
    #[serde(skip)]
    #[schema(ignore)]
    pub center_id: Uuid,
    pub assignment_id: Uuid,
    /// The rostered supervisor who cannot attend.
    pub original_staff_id: Uuid,
    pub substitute_id: Uuid,
    /// `proposed` → `accepted`/`declined` → `registered`/`rejected`; or `cancelled`.
    pub status: String,
    /// Filed on the duty day itself (flagged for the office).
    pub same_day: bool,
    /// Recorded by the office in one step (agreed offline).
    pub offline: bool,
    pub reason: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub assignment_version: i32,
    pub requested_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = swaps)]
pub struct Swap {
    pub id: Uuid,
    #[serde(skip)]
    #[schema(ignore)]
    pub center_id: Uuid,
    /// The requester's assignment.
    pub assignment_a: Uuid,
    /// The other person's assignment.
    pub assignment_b: Uuid,
    pub staff_a: Uuid,
    pub staff_b: Uuid,
    /// `proposed` → `accepted`/`declined` → `registered`/`rejected`; or `cancelled`.
    pub status: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub version_a: i32,
    #[serde(skip)]
    #[schema(ignore)]
    pub version_b: i32,
    pub reason: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = leave_requests)]
pub struct LeaveRequest {
    pub id: Uuid,
    #[serde(skip)]
    #[schema(ignore)]
    pub center_id: Uuid,
    pub staff_id: Uuid,
    /// `personal`, `sick`, `annual`, `time_off_in_lieu` (调休) or `business_trip`.
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub reason: String,
    /// `pending` → `approved`/`rejected`; or `cancelled`.
    pub status: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
