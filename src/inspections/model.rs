//! Inspection findings: the row, the request and the API views.

use crate::db::schema::inspections;
use crate::text_enum;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

text_enum!(
    /// The seven inspection categories (R4.1).
    pub Category {
        /// 到岗
        Attendance => "attendance",
        /// 仪态言行
        Conduct => "conduct",
        /// 服务态度
        Attitude => "attitude",
        /// 办件质量
        CaseQuality => "case_quality",
        /// 工作效率
        Efficiency => "efficiency",
        /// 卫生保洁
        Cleanliness => "cleanliness",
        /// 安全防范
        Safety => "safety",
    }
);

text_enum!(
    /// What the inspection found.
    pub Outcome {
        Ok => "ok",
        Problem => "problem",
    }
);

text_enum!(
    /// How serious a problem is.
    pub Severity {
        Minor => "minor",
        Major => "major",
        Serious => "serious",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = inspections)]
pub struct InspectionRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub day: NaiveDate,
    pub staff_id: Option<Uuid>,
    pub category: Category,
    pub result: Outcome,
    pub severity: Option<Severity>,
    pub description: Option<String>,
    pub inspector_id: Uuid,
    pub assignment_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub observed_at: Option<DateTime<Utc>>,
}

/// A finding, as the supervisor's phone sends it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionRequest {
    /// The window staff member the finding is about; absent = the hall as a whole.
    pub staff_id: Option<Uuid>,
    pub category: Category,
    pub result: Outcome,
    /// Required for a `problem`, refused for `ok`.
    pub severity: Option<Severity>,
    /// What was seen: required for a `problem` (1–2000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// Photos (JPEG or PNG) uploaded by the caller through `uploadAttachment`, at most 5.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub attachment_ids: Vec<Uuid>,
    /// When the phone recorded it (offline records), RFC 3339; kept beside the server's receipt
    /// time. Not before the day's start, not ahead of the server by more than 2 minutes.
    #[schema(format = DateTime)]
    pub observed_at: Option<String>,
    /// A problem to be rectified (整改) within this many working days of the center's calendar
    /// (1–30): opens a rectification with the deadline counted from today.
    #[schema(minimum = 1, maximum = 30)]
    pub rectify_within_working_days: Option<i32>,
}

/// The rectification a finding opened, in short.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RectificationBrief {
    pub id: Uuid,
    pub status: crate::rectifications::workflow::RectificationStatus,
    pub deadline: NaiveDate,
}

/// A finding with the names beside its ids.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Inspection {
    pub id: Uuid,
    /// The duty day it was written on (the center's today then).
    pub date: NaiveDate,
    /// `null`: the hall as a whole.
    pub staff_id: Option<Uuid>,
    pub staff_name: Option<String>,
    pub category: Category,
    pub result: Outcome,
    pub severity: Option<Severity>,
    pub description: Option<String>,
    /// The supervisor on duty who wrote it.
    pub inspector_id: Uuid,
    pub inspector_name: String,
    pub assignment_id: Uuid,
    /// When the server received it.
    pub received_at: DateTime<Utc>,
    /// When the phone recorded it, if sent.
    pub observed_at: Option<DateTime<Utc>>,
    /// Photos: fetch each with `getAttachment`.
    pub attachment_ids: Vec<Uuid>,
    /// The rectification it requires, if any.
    pub rectification: Option<RectificationBrief>,
}

/// A finding in the duty day's summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InspectionSummary {
    pub id: Uuid,
    pub staff_id: Option<Uuid>,
    pub staff_name: Option<String>,
    pub category: Category,
    pub result: Outcome,
    pub severity: Option<Severity>,
    pub inspector_id: Uuid,
    pub inspector_name: String,
    pub received_at: DateTime<Utc>,
}
