//! Rectification rows, their move history, requests and views.

use super::workflow::RectificationStatus;
use crate::db::schema::{rectification_events, rectifications};
use crate::inspections::model::{Category, Severity};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = rectifications)]
pub struct RectificationRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub inspection_id: Uuid,
    /// The finding's staff member, who answers; `None`: hall-wide, the office answers.
    pub staff_id: Option<Uuid>,
    pub status: RectificationStatus,
    pub working_days: i32,
    pub deadline: NaiveDate,
    pub decided_by: Option<Uuid>,
    pub decision_note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = rectification_events)]
pub struct EventRow {
    pub id: Uuid,
    pub rectification_id: Uuid,
    pub action: RectificationStatus,
    pub staff_id: Option<Uuid>,
    pub note: String,
    pub deadline: Option<NaiveDate>,
    pub at: DateTime<Utc>,
}

/// The answer of the staff member concerned (the office for a hall-wide finding).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// What was done (1–1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
    /// Photos or documents (JPEG, PNG, PDF) uploaded by the caller, at most 5.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub attachment_ids: Vec<Uuid>,
}

/// A verification: the rectification is closed.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// What was checked (1–1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
}

/// A reopening: not rectified yet, due again within a number of working days from today.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    /// Why (1–1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
    /// The new deadline, in working days of the center's calendar from today (1–30).
    #[schema(minimum = 1, maximum = 30)]
    pub rectify_within_working_days: i32,
}

/// One move of a rectification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RectificationEvent {
    /// The state the move led to.
    pub action: RectificationStatus,
    pub staff_id: Option<Uuid>,
    pub staff_name: Option<String>,
    pub note: String,
    /// The new deadline (reopening).
    pub deadline: Option<NaiveDate>,
    pub at: DateTime<Utc>,
}

/// A rectification with its finding in short, names beside the ids and its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rectification {
    pub id: Uuid,
    pub inspection_id: Uuid,
    /// The day of the finding.
    pub inspection_date: NaiveDate,
    pub category: Category,
    pub severity: Option<Severity>,
    pub description: Option<String>,
    /// Who answers: the staff member the finding is about; `null` for the hall (the office).
    pub staff_id: Option<Uuid>,
    pub staff_name: Option<String>,
    pub status: RectificationStatus,
    pub working_days: i32,
    pub deadline: NaiveDate,
    /// Open or reopened past its deadline, by the center's today.
    pub overdue: bool,
    /// The last verification or reopening: who and their note.
    pub decided_by: Option<Uuid>,
    pub decided_by_name: Option<String>,
    pub decision_note: String,
    /// Photos and documents of the answers: fetch each with `getAttachment`.
    pub attachment_ids: Vec<Uuid>,
    /// Every move, oldest first.
    pub events: Vec<RectificationEvent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
