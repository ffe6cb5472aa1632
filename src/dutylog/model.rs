//! The log's rows, content and views; facility faults.

use crate::attendance::model::AttendanceCounts;
use crate::db::schema::{duty_logs, facility_faults};
use crate::dutyday::amend::Amendment;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

crate::text_enum!(
    /// A stored log's state.
    pub LogStatus {
        /// Written while the day runs; any supervisor on duty that day saves it.
        Draft => "draft",
        /// Sent to the center office: frozen, with the attendance; changes are amendments.
        Submitted => "submitted",
        /// The office recorded receipt.
        Acknowledged => "acknowledged",
    }
);

crate::text_enum!(
    /// A day's log state: `none` before anything is written.
    pub LogState {
        None => "none",
        Draft => "draft",
        Submitted => "submitted",
        Acknowledged => "acknowledged",
    }
);

impl From<LogStatus> for LogState {
    fn from(s: LogStatus) -> LogState {
        match s {
            LogStatus::Draft => LogState::Draft,
            LogStatus::Submitted => LogState::Submitted,
            LogStatus::Acknowledged => LogState::Acknowledged,
        }
    }
}

/// A main problem of the day and how it was resolved (seed item 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogProblem {
    /// 1–500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub problem: String,
    /// How it was resolved; up to 500 characters (empty while open).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub resolution: String,
}

/// An escalation (请示、协调): to whom, when, about what, the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// 1–100 characters (a person or an office).
    #[schema(min_length = 1, max_length = 100)]
    pub to: String,
    /// RFC 3339 with offset.
    pub at: DateTime<Utc>,
    /// 1–500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub matter: String,
    /// Up to 500 characters (empty while pending).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub outcome: String,
}

/// An emergency (突发事件) and how it was handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    pub at: DateTime<Utc>,
    /// 1–500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub what: String,
    /// Up to 500 characters.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub handling: String,
}

/// What the log says: the seed's four items (attendance, service quality, service attitude,
/// the main problems and their resolution) and the escalations and emergencies. A save sends
/// all of it (absent fields are empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogContent {
    /// 前台人员出勤 in words, up to 2000 characters; the sheet itself is linked, not copied.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub attendance_summary: String,
    /// 服务质量, up to 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub service_quality: String,
    /// 服务态度, up to 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub service_attitude: String,
    /// 主要问题及处理情况, at most 30.
    #[serde(default)]
    #[schema(max_items = 30)]
    pub problems: Vec<LogProblem>,
    /// 请示、协调, at most 30.
    #[serde(default)]
    #[schema(max_items = 30)]
    pub escalations: Vec<Escalation>,
    /// 突发事件, at most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub emergencies: Vec<Emergency>,
}

/// An amendment of a submitted log: the reason and the fields that change (others stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogAmendInput {
    /// Why, 1–500 characters.
    #[schema(max_length = 500)]
    pub reason: String,
    #[schema(max_length = 2000)]
    pub attendance_summary: Option<String>,
    #[schema(max_length = 2000)]
    pub service_quality: Option<String>,
    #[schema(max_length = 2000)]
    pub service_attitude: Option<String>,
    #[schema(max_items = 30)]
    pub problems: Option<Vec<LogProblem>>,
    #[schema(max_items = 30)]
    pub escalations: Option<Vec<Escalation>>,
    #[schema(max_items = 20)]
    pub emergencies: Option<Vec<Emergency>>,
}

impl LogAmendInput {
    /// `base` with the given fields replaced; `None` when nothing is given.
    pub fn apply(&self, base: &LogContent) -> Option<LogContent> {
        let mut c = base.clone();
        let mut any = false;
        macro_rules! take {
            ($($f:ident),*) => {$(
                if let Some(v) = &self.$f {
                    c.$f = v.clone();
                    any = true;
                }
            )*};
        }
        take!(
            attendance_summary,
            service_quality,
            service_attitude,
            problems,
            escalations,
            emergencies
        );
        any.then_some(c)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = duty_logs)]
pub struct LogRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub day: NaiveDate,
    pub status: LogStatus,
    pub attendance_summary: String,
    pub service_quality: String,
    pub service_attitude: String,
    pub problems: serde_json::Value,
    pub escalations: serde_json::Value,
    pub emergencies: serde_json::Value,
    pub written_by: Option<Uuid>,
    pub written_at: DateTime<Utc>,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_on_time: Option<bool>,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

/// The attendance sheet the log links to.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceLink {
    /// `GET` this for the sheet.
    pub href: String,
    pub counts: AttendanceCounts,
}

/// A day's duty log. `ETag` = `version` (0 while `none`).
#[derive(Debug, Serialize, ToSchema)]
pub struct DutyLog {
    /// `null` while `none`.
    pub id: Option<Uuid>,
    pub date: NaiveDate,
    pub status: LogState,
    pub attendance_summary: String,
    pub service_quality: String,
    pub service_attitude: String,
    pub problems: Vec<LogProblem>,
    pub escalations: Vec<Escalation>,
    pub emergencies: Vec<Emergency>,
    /// Who saved it last, and when.
    pub written_by: Option<Uuid>,
    pub written_by_name: Option<String>,
    pub written_at: Option<DateTime<Utc>>,
    pub submitted_by: Option<Uuid>,
    pub submitted_by_name: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Submitted before the day's afternoon closing (a later submission is accepted and marked
    /// `false`); `null` until submitted.
    pub submitted_on_time: Option<bool>,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_by_name: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// The day's afternoon closing: the log is submitted before it.
    pub closing_at: DateTime<Utc>,
    pub version: i32,
    pub attendance: AttendanceLink,
    /// Facility faults open on the day: reported on or before it and not repaired on or before
    /// it. They carry over to the next days until repaired.
    pub open_faults: Vec<Fault>,
    /// Amendments after submission, oldest first: the first `before` is the submitted original.
    pub amendments: Vec<Amendment>,
}

/// The log's state in the duty-day view.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogSummary {
    pub status: LogState,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_on_time: Option<bool>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = facility_faults)]
pub struct FaultRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub what: String,
    pub location: String,
    pub reported_to: String,
    pub reported_at: DateTime<Utc>,
    pub reported_on: NaiveDate,
    pub reported_by: Option<Uuid>,
    pub repaired_at: Option<DateTime<Utc>>,
    pub repaired_on: Option<NaiveDate>,
    pub repaired_by: Option<Uuid>,
    pub repair_note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A facility fault reported for repair (R13).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Fault {
    pub id: Uuid,
    pub what: String,
    pub location: String,
    /// Whom it was reported to (e.g. 物业 or a person).
    pub reported_to: String,
    pub reported_at: DateTime<Utc>,
    /// The center's date of `reported_at`.
    pub reported_on: NaiveDate,
    pub reported_by: Option<Uuid>,
    pub reported_by_name: Option<String>,
    /// True until repaired.
    pub open: bool,
    pub repaired_at: Option<DateTime<Utc>>,
    pub repaired_on: Option<NaiveDate>,
    pub repaired_by: Option<Uuid>,
    pub repaired_by_name: Option<String>,
    pub repair_note: Option<String>,
}

impl FaultRow {
    pub fn view(self, names: &crate::org::names::Names) -> Fault {
        Fault {
            id: self.id,
            what: self.what,
            location: self.location,
            reported_to: self.reported_to,
            reported_at: self.reported_at,
            reported_on: self.reported_on,
            reported_by_name: self.reported_by.map(|s| names.staff(s)),
            reported_by: self.reported_by,
            open: self.repaired_at.is_none(),
            repaired_at: self.repaired_at,
            repaired_on: self.repaired_on,
            repaired_by_name: self.repaired_by.map(|s| names.staff(s)),
            repaired_by: self.repaired_by,
            repair_note: self.repair_note,
        }
    }

    pub fn people(&self) -> impl Iterator<Item = Uuid> {
        self.reported_by.into_iter().chain(self.repaired_by)
    }
}

/// A fault to report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultInput {
    /// What is broken, 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub what: String,
    /// Where, 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub location: String,
    /// To whom it was reported for repair, 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub reported_to: String,
    /// When it was reported (RFC 3339 with offset); the server's time when absent. Today in the
    /// center's time zone, not later than the server's time.
    pub reported_at: Option<DateTime<Utc>>,
}

/// A repair.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepairInput {
    /// When it was repaired; the server's time when absent. Not before `reported_at`, not later
    /// than the server's time.
    pub repaired_at: Option<DateTime<Utc>>,
    /// 1–500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub note: String,
}
