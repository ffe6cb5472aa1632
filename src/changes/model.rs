//! Rows of the change-request tables (substitutions, swaps, leave) and their API views.

use super::workflow::{LeaveStatus, SubstitutionStatus, SwapStatus};
use crate::db::schema::{leave_requests, substitutions, swaps};
use crate::org::names::Names;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

crate::text_enum!(
    /// What kind of absence a leave request is for.
    pub LeaveKind {
        /// 事假
        Personal => "personal",
        /// 病假
        Sick => "sick",
        /// 年假
        Annual => "annual",
        /// 调休
        TimeOffInLieu => "time_off_in_lieu",
        /// 出差
        BusinessTrip => "business_trip",
    }
);

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
    pub status: SubstitutionStatus,
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
    pub status: SwapStatus,
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
    pub kind: LeaveKind,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub reason: String,
    pub status: LeaveStatus,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A substitution with the names beside its ids.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubstitutionView {
    #[serde(flatten)]
    pub substitution: Substitution,
    /// The name of the person handing the duty over.
    pub original_staff_name: String,
    /// The substitute's name.
    pub substitute_name: String,
}

impl SubstitutionView {
    pub fn new(s: Substitution, names: &Names) -> Self {
        SubstitutionView {
            original_staff_name: names.staff(s.original_staff_id),
            substitute_name: names.staff(s.substitute_id),
            substitution: s,
        }
    }
}

/// A swap with the names beside its ids.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SwapView {
    #[serde(flatten)]
    pub swap: Swap,
    /// The requester's name.
    pub staff_a_name: String,
    /// The other person's name.
    pub staff_b_name: String,
}

impl SwapView {
    pub fn new(s: Swap, names: &Names) -> Self {
        SwapView {
            staff_a_name: names.staff(s.staff_a),
            staff_b_name: names.staff(s.staff_b),
            swap: s,
        }
    }
}

/// A leave request with the applicant's name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeaveRequestView {
    #[serde(flatten)]
    pub leave: LeaveRequest,
    /// The applicant's name.
    pub staff_name: String,
}

impl LeaveRequestView {
    pub fn new(l: LeaveRequest, names: &Names) -> Self {
        LeaveRequestView {
            staff_name: names.staff(l.staff_id),
            leave: l,
        }
    }
}
