//! The duty-compliance report's statuses and shapes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

crate::text_enum!(
    /// A supervisor's check-in on a day of the report.
    pub CheckInCompliance {
        /// The day is not over yet (see the report's `pending` rule).
        Pending => "pending",
        /// Received by the due time (opening minus the arrival lead).
        OnTime => "on_time",
        /// Received after the due time (`minutes_late` says by how much).
        Late => "late",
        /// Received late but observed on time by the phone (offline): for the office to review.
        NeedsReview => "needs_review",
        /// No check-in by the supervisor on duty.
        Missing => "missing",
    }
);

crate::text_enum!(
    /// A day's door and closing checks.
    pub DoorChecksCompliance {
        /// The day is not over yet.
        Pending => "pending",
        /// Every item recorded, none late.
        Complete => "complete",
        /// Some item missing or recorded late (`missing`, `late`).
        Incomplete => "incomplete",
    }
);

crate::text_enum!(
    /// A day's duty log against the day's afternoon closing.
    pub LogCompliance {
        /// The day is not over yet.
        Pending => "pending",
        /// Never submitted (no log, or a draft only).
        NotSubmitted => "not_submitted",
        /// Submitted after the closing.
        SubmittedLate => "submitted_late",
        /// Submitted before the closing.
        OnTime => "on_time",
    }
);

crate::text_enum!(
    /// A day's handover to the next working day's duty.
    pub HandoverCompliance {
        /// The day is not over yet, or the handover was made on time and the receiving day
        /// may still confirm it.
        Pending => "pending",
        /// No handover was made.
        NotMade => "not_made",
        /// Made after the day's closing (`confirmed` says whether it was received).
        MadeLate => "made_late",
        /// Made on time, not confirmed by the time the receiving day closed.
        NotConfirmed => "not_confirmed",
        /// Made on time and every item confirmed.
        Confirmed => "confirmed",
    }
);

crate::text_enum!(
    /// A day of the report as a whole.
    pub DayCompliance {
        /// Not over yet: today before its duty end plus the grace period, or a later day.
        Pending => "pending",
        /// Every check-in on time (or to review), every door check on time, the log on time,
        /// the handover made on time and confirmed.
        Compliant => "compliant",
        /// Anything else.
        NotCompliant => "not_compliant",
    }
);

/// One supervisor on duty on a day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupervisorDay {
    /// Who held the duty (the substitute when one holds it).
    pub staff_id: Uuid,
    pub staff_name: String,
    pub assignment_id: Uuid,
    pub check_in: CheckInCompliance,
    /// Minutes late by the receipt (for `late` and `needs_review`), else `null`.
    pub minutes_late: Option<i32>,
}

/// A day's door checks: the codes of the items missing and of those recorded late.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DoorChecksOfDay {
    pub status: DoorChecksCompliance,
    pub missing: Vec<String>,
    pub late: Vec<String>,
}

/// A day's handover.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverOfDay {
    pub status: HandoverCompliance,
    /// The handover (`null` when none was made).
    pub id: Option<Uuid>,
    /// The receiving working day.
    pub to_date: Option<NaiveDate>,
    /// Made after the day's closing.
    pub late: bool,
    /// Every item confirmed by the receiving duty.
    pub confirmed: bool,
}

/// One working day with published duties.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplianceDay {
    pub date: NaiveDate,
    pub status: DayCompliance,
    /// The day's supervisors after substitutions, in slot order.
    pub supervisors: Vec<SupervisorDay>,
    pub door_checks: DoorChecksOfDay,
    pub log: LogCompliance,
    pub handover: HandoverOfDay,
}

/// One supervisor's counts over the range. Day-level lapses (log, handover) count for every
/// supervisor on duty that day; pending days count only in `duty_days` and `pending_days`.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SupervisorCompliance {
    pub staff_id: Uuid,
    pub staff_name: String,
    /// Days on duty in the range (pending ones included).
    pub duty_days: i64,
    pub pending_days: i64,
    pub check_ins_on_time: i64,
    pub check_ins_late: i64,
    pub check_ins_missing: i64,
    pub check_ins_to_review: i64,
    /// Days whose door checks were incomplete.
    pub door_checks_incomplete: i64,
    pub logs_not_submitted: i64,
    pub logs_late: i64,
    pub handovers_not_made: i64,
    pub handovers_late: i64,
    pub handovers_not_confirmed: i64,
}

/// The office's duty-compliance report over `[from, to]`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DutyComplianceReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The server's time the report was judged at.
    pub as_of: DateTime<Utc>,
    /// Working days with published duties, in date order.
    pub days: Vec<ComplianceDay>,
    /// Everyone on duty in the range, by name.
    pub supervisors: Vec<SupervisorCompliance>,
}
