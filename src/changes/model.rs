//! Rows of the change-request tables (substitutions, swaps, leave) and their API views.

use super::workflow::{LeaveStatus, SubstitutionStatus, SwapStatus};
use crate::db::schema::{leave_requests, substitutions, swaps};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

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
    #[schema(value_type = SubstitutionStatus)]
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
    /// The office's note with its last decision (required when voiding).
    pub decision_note: String,
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
    #[schema(value_type = SwapStatus)]
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
    /// The office's note with its last decision.
    pub decision_note: String,
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
    #[schema(value_type = LeaveStatus)]
    pub status: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
