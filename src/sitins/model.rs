//! Rows of the sit-in tables and their API views.

use super::compliance::ComplianceReason;
use crate::db::schema::{sit_in_attendance, sit_in_patterns, sit_in_plans, sit_in_settings};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sit_in_settings)]
pub struct SettingsRow {
    pub center_id: Uuid,
    pub deadline_days_before: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// The center's sit-in settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SitInSettings {
    /// A plan for the week starting on Monday `W` is on time when filed (by the center's
    /// local date) on or before `W` minus this many days. 0–28, default 7.
    pub deadline_days_before: i32,
    /// Concurrency version (0 while the defaults were never changed); the `ETag` is derived from it.
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sit_in_patterns)]
pub struct PatternRow {
    pub leader_id: Uuid,
    pub center_id: Uuid,
    pub weekdays: Vec<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A leader's fixed sit-in weekdays (R16).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SitInPattern {
    pub leader_id: Uuid,
    pub leader_name: String,
    pub employee_no: String,
    /// The leader's current department.
    pub department_id: Option<Uuid>,
    /// ISO weekdays, 1 (Monday) to 5 (Friday), ascending.
    #[schema(example = json!([1, 2, 3]))]
    pub weekdays: Vec<i32>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = sit_in_plans)]
pub struct PlanRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub leader_id: Uuid,
    pub department_id: Uuid,
    pub week: NaiveDate,
    pub days: Vec<NaiveDate>,
    pub from_pattern: bool,
    pub deadline: NaiveDate,
    pub late: bool,
    pub filed_at: DateTime<Utc>,
    pub first_filed_at: DateTime<Utc>,
    pub filed_by: Option<Uuid>,
    pub version: i32,
}

/// A leader's sit-in plan for one week (R15).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SitInPlan {
    pub id: Uuid,
    pub leader_id: Uuid,
    pub leader_name: String,
    pub employee_no: String,
    /// The leader's department when the plan was (last) filed; compliance counts it there.
    pub department_id: Uuid,
    /// The Monday of the week.
    #[schema(example = "2026-12-07")]
    pub week: NaiveDate,
    /// The days the leader will sit in the hall, ascending.
    pub days: Vec<NaiveDate>,
    /// The days came from the leader's weekday pattern (R16).
    pub from_pattern: bool,
    /// The last on-time filing date (center's local date) under the setting in force when filed.
    #[schema(example = "2026-11-30")]
    pub deadline: NaiveDate,
    /// Filed (or last re-filed) after `deadline`. Late plans are kept but do not make a
    /// department compliant.
    pub late: bool,
    /// When the plan was last (re-)filed; lateness is judged on this.
    pub filed_at: DateTime<Utc>,
    /// When the first plan for this leader and week was filed.
    pub first_filed_at: DateTime<Utc>,
    /// Staff id of whoever filed it (the leader or an office admin).
    pub filed_by: Option<Uuid>,
    pub version: i32,
}

impl PlanRow {
    pub fn view(self, leader_name: String, employee_no: String) -> SitInPlan {
        SitInPlan {
            id: self.id,
            leader_id: self.leader_id,
            leader_name,
            employee_no,
            department_id: self.department_id,
            week: self.week,
            days: self.days,
            from_pattern: self.from_pattern,
            deadline: self.deadline,
            late: self.late,
            filed_at: self.filed_at,
            first_filed_at: self.first_filed_at,
            filed_by: self.filed_by,
            version: self.version,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = sit_in_attendance)]
pub struct AttendanceRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub leader_id: Uuid,
    pub department_id: Uuid,
    pub date: NaiveDate,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

/// A day a leader actually sat in the hall, as recorded by the office.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SitInAttendance {
    pub id: Uuid,
    pub leader_id: Uuid,
    pub leader_name: String,
    pub employee_no: String,
    /// The leader's department when recorded; compliance counts it there.
    pub department_id: Uuid,
    #[schema(example = "2026-12-08")]
    pub date: NaiveDate,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
}

impl AttendanceRow {
    pub fn view(self, leader_name: String, employee_no: String) -> SitInAttendance {
        SitInAttendance {
            id: self.id,
            leader_id: self.leader_id,
            leader_name,
            employee_no,
            department_id: self.department_id,
            date: self.date,
            recorded_by: self.recorded_by,
            recorded_at: self.recorded_at,
        }
    }
}

/// A leader's plan, as shown in a compliance report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanSummary {
    pub id: Uuid,
    pub days: Vec<NaiveDate>,
    pub late: bool,
    pub deadline: NaiveDate,
    pub filed_at: DateTime<Utc>,
}

/// One leader's week in a department.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeaderFacts {
    pub leader_id: Uuid,
    pub name: String,
    pub employee_no: String,
    /// Leads the department now; `false` for someone counted only through a plan or sit-in
    /// filed for the department that week (who has since moved or stopped leading).
    pub current_leader: bool,
    /// The plan filed for the department that week, if any.
    pub plan: Option<PlanSummary>,
    /// Days recorded as sat, ascending.
    pub days_sat: Vec<NaiveDate>,
}

/// A department's standing for a week (R15).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentCompliance {
    pub department_id: Uuid,
    pub name: String,
    pub code: String,
    /// At least one leader planned on time and at least one leader sat at least one day.
    pub compliant: bool,
    /// Why not (empty when compliant): `no_leaders`, `no_plan`, `plan_late`, `not_sat`.
    pub reasons: Vec<ComplianceReason>,
    /// At least one leader filed a plan by the deadline.
    pub planned_on_time: bool,
    /// Plans filed after the deadline.
    pub late_plans: usize,
    /// Distinct days any leader of the department sat, ascending.
    pub days_sat: Vec<NaiveDate>,
    pub leaders: Vec<LeaderFacts>,
}

/// Every active department's sit-in compliance for one week, for the office's notice (通报).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplianceReport {
    #[schema(example = "2026-12-07")]
    pub week: NaiveDate,
    /// The working days of the week. When empty, no sit-in is due and every department complies.
    pub working_days: Vec<NaiveDate>,
    /// The deadline the current setting gives this week (each plan keeps its own `deadline`).
    pub deadline: NaiveDate,
    pub compliant_count: usize,
    pub non_compliant_count: usize,
    /// Active departments in rotation order.
    pub departments: Vec<DepartmentCompliance>,
}
