//! Attendance rows, the request shapes and the sheet's views.

use crate::db::schema::attendance_entries;
use crate::dutyday::amend::Amendment;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

crate::text_enum!(
    /// A front-desk staff member's day (R4.5).
    pub AttendanceStatus {
        /// 到岗
        Present => "present",
        /// 迟到 (`minutes` late)
        Late => "late",
        /// 早退 (`minutes` early)
        LeftEarly => "left_early",
        /// 缺勤 (optionally with the stand-in who did their work, 代行)
        Absent => "absent",
        /// 经批准离岗
        LeftWithPermission => "left_with_permission",
        /// 请假 (approved leave)
        OnLeave => "on_leave",
        /// 出差
        BusinessTrip => "business_trip",
    }
);

crate::text_enum!(
    /// Where a row of the sheet comes from.
    pub EntrySource {
        /// Written by a supervisor of the day.
        Recorded => "recorded",
        /// Nothing written yet; an approved leave request covers the day (filled in).
        ApprovedLeave => "approved_leave",
        /// Nothing written and no approved leave.
        Unrecorded => "unrecorded",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = attendance_entries)]
pub struct EntryRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub day: NaiveDate,
    pub staff_id: Uuid,
    pub status: AttendanceStatus,
    pub minutes: Option<i32>,
    pub stand_in_id: Option<Uuid>,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

/// What an entry says: the state amendments keep before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryState {
    pub status: AttendanceStatus,
    pub minutes: Option<i32>,
    pub stand_in_id: Option<Uuid>,
    pub note: Option<String>,
}

impl EntryRow {
    pub fn state(&self) -> EntryState {
        EntryState {
            status: self.status,
            minutes: self.minutes,
            stand_in_id: self.stand_in_id,
            note: self.note.clone(),
        }
    }
}

/// One staff member's day as written.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    /// An active front-desk staff member (window role) of the center.
    pub staff_id: Uuid,
    pub status: AttendanceStatus,
    /// Minutes late or left early: required for `late` and `left_early`, refused otherwise.
    #[schema(minimum = 1, maximum = 720)]
    pub minutes: Option<i32>,
    /// 代行: the active staff member doing an absent person's work; only for `absent`, not the
    /// person themself.
    pub stand_in_id: Option<Uuid>,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

impl EntryInput {
    pub fn state(&self) -> EntryState {
        EntryState {
            status: self.status,
            minutes: self.minutes,
            stand_in_id: self.stand_in_id,
            note: self
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
        }
    }
}

/// The hall's attendance of a day, in one request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SheetInput {
    /// Each front-desk staff member at most once. Staff not named keep what they have.
    #[schema(max_items = 500)]
    pub entries: Vec<EntryInput>,
    /// Why written entries change (kept with each change); `rewritten` when not given.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Corrections of a day's attendance after the log's submission (or by the office at any time).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendInput {
    /// The corrected entries (each staff member at most once; at least one).
    #[schema(min_items = 1, max_items = 500)]
    pub entries: Vec<EntryInput>,
    /// Why, 1–500 characters.
    #[schema(max_length = 500)]
    pub reason: String,
}

/// One front-desk staff member's row of the sheet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SheetRow {
    pub staff_id: Uuid,
    pub staff_name: String,
    pub department_id: Option<Uuid>,
    pub department_name: Option<String>,
    /// `recorded`, `approved_leave` (filled in from an approved leave request) or `unrecorded`.
    pub source: EntrySource,
    /// The day's status; `null` when `unrecorded`.
    pub status: Option<AttendanceStatus>,
    pub minutes: Option<i32>,
    pub stand_in_id: Option<Uuid>,
    pub stand_in_name: Option<String>,
    pub note: Option<String>,
    /// The approved leave request that fills the row in (`approved_leave`).
    pub leave_request_id: Option<Uuid>,
    /// The entry's id (`recorded`).
    pub entry_id: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    pub recorded_by_name: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
    /// Changes to the written entry, oldest first: the first `before` is the original.
    pub amendments: Vec<Amendment>,
}

/// How many front-desk staff are in each state.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct AttendanceCounts {
    /// Front-desk staff of the day (the rows of the sheet).
    pub total: i64,
    pub recorded: i64,
    /// Filled in from approved leave, nothing written yet.
    pub approved_leave: i64,
    pub unrecorded: i64,
    /// By status (written and filled in from leave).
    pub present: i64,
    pub late: i64,
    pub left_early: i64,
    pub absent: i64,
    pub left_with_permission: i64,
    pub on_leave: i64,
    pub business_trip: i64,
}

impl AttendanceCounts {
    pub fn add(&mut self, source: EntrySource, status: Option<AttendanceStatus>) {
        self.total += 1;
        match source {
            EntrySource::Recorded => self.recorded += 1,
            EntrySource::ApprovedLeave => self.approved_leave += 1,
            EntrySource::Unrecorded => self.unrecorded += 1,
        }
        let Some(s) = status else { return };
        *match s {
            AttendanceStatus::Present => &mut self.present,
            AttendanceStatus::Late => &mut self.late,
            AttendanceStatus::LeftEarly => &mut self.left_early,
            AttendanceStatus::Absent => &mut self.absent,
            AttendanceStatus::LeftWithPermission => &mut self.left_with_permission,
            AttendanceStatus::OnLeave => &mut self.on_leave,
            AttendanceStatus::BusinessTrip => &mut self.business_trip,
        } += 1;
    }
}

/// The attendance sheet of a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct Sheet {
    pub date: NaiveDate,
    /// True once the day's log is submitted: changes only through amendments.
    pub frozen: bool,
    /// Every front-desk staff member by employee number, or only the caller's own row for
    /// callers who see only themselves (see the operation).
    pub rows: Vec<SheetRow>,
    /// Counts over `rows`.
    pub counts: AttendanceCounts,
}

/// One of the caller's own written days.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyDay {
    pub date: NaiveDate,
    pub status: AttendanceStatus,
    pub minutes: Option<i32>,
    pub stand_in_id: Option<Uuid>,
    pub stand_in_name: Option<String>,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub recorded_by_name: Option<String>,
    pub recorded_at: DateTime<Utc>,
}
