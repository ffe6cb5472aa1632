//! Citizens' requests: the rows and the API views.

use crate::db::schema::{citizen_contacts, citizen_requests};
use crate::text_enum;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

text_enum!(
    /// What the citizen came for (R18).
    pub Kind {
        /// 咨询
        Consultation => "consultation",
        /// 投诉
        Complaint => "complaint",
        /// 求助
        Help => "help",
        /// 建议
        Suggestion => "suggestion",
    }
);

impl Kind {
    /// The tracking number's prefix (pinyin initials): ZX 咨询, TS 投诉, QZ 求助, JY 建议.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Consultation => "ZX",
            Kind::Complaint => "TS",
            Kind::Help => "QZ",
            Kind::Suggestion => "JY",
        }
    }
}

text_enum!(
    /// How it reached the hall.
    pub Channel {
        /// 来访: in person at the hall (staff intake).
        Visit => "visit",
        /// 来电 (staff intake).
        Phone => "phone",
        /// 来信 (staff intake).
        Letter => "letter",
        /// The regional portal's website (portal intake).
        Portal => "portal",
        /// The portal's mobile app (portal intake).
        Mobile => "mobile",
    }
);

impl Channel {
    /// Whether the portal (rather than staff) records requests on this channel.
    pub fn is_portal(self) -> bool {
        matches!(self, Channel::Portal | Channel::Mobile)
    }
}

text_enum!(
    /// What the request is about.
    pub Concerns {
        /// The hall as a whole.
        Hall => "hall",
        /// A department (`department_id`).
        Department => "department",
        /// A staff member (`staff_id`): a complaint about them ends with a finding.
        Staff => "staff",
        /// A matter (事项, `matter`), e.g. a licence or a benefit.
        Matter => "matter",
    }
);

text_enum!(
    /// Where a request stands.
    pub State {
        /// Sent in by the portal, waiting in the center's queue for a staff member to accept it.
        Received => "received",
        /// Owned by a staff member (first-question responsibility).
        Accepted => "accepted",
        /// Handed on to a staff member of the responsible department.
        Forwarded => "forwarded",
        /// Handed on to a leader.
        Escalated => "escalated",
        InProgress => "in_progress",
        /// Waiting for the citizen (e.g. missing materials): the deadline is paused.
        WaitingCitizen => "waiting_citizen",
        /// The public answer is given.
        Answered => "answered",
        Closed => "closed",
        /// Refused with the reason and guidance on what to do instead.
        Refused => "refused",
    }
);

impl State {
    /// Whether the deadline still runs or is paused (not answered, closed or refused).
    pub fn open(self) -> bool {
        !matches!(self, State::Answered | State::Closed | State::Refused)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = citizen_requests)]
pub struct RequestRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub tracking_no: String,
    pub kind: Kind,
    pub channel: Channel,
    pub state: State,
    pub concerns: Concerns,
    pub department_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub matter: Option<String>,
    pub subject: String,
    pub description: String,
    pub owner_id: Option<Uuid>,
    pub received_by: Option<Uuid>,
    pub portal: Option<String>,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub deadline_days: i32,
    pub paused_days: i32,
    pub paused_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub answer: Option<String>,
    pub refusal_reason: Option<String>,
    pub refusal_guidance: Option<String>,
    pub substantiated: Option<bool>,
    pub finding_reason: Option<String>,
    pub overdue_escalated_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The citizen behind a request: sealed personal data, masked forms and the phone's blind index.
/// Never serialized (it must not reach the audit trail or a log).
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = citizen_contacts)]
pub struct ContactRow {
    pub request_id: Uuid,
    pub center_id: Uuid,
    pub name_enc: Option<Vec<u8>>,
    pub phone_enc: Option<Vec<u8>>,
    pub name_masked: Option<String>,
    pub phone_masked: Option<String>,
    pub phone_index: Option<Vec<u8>>,
    pub anonymised_at: Option<DateTime<Utc>>,
}

/// A new request, as staff or the portal send it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// The center's code (as at login): required from the portal, which serves many centers;
    /// staff may leave it out (their own center) and may not name another.
    #[schema(min_length = 1, max_length = 32)]
    pub center_code: Option<String>,
    pub kind: Kind,
    /// Staff record `visit`, `phone` or `letter`; the portal `portal` or `mobile`.
    pub channel: Channel,
    /// The citizen's name (1–50 characters): required except for consultations.
    #[schema(min_length = 1, max_length = 50)]
    pub citizen_name: Option<String>,
    /// The citizen's phone (digits, spaces, `-`, a leading `+86`): required except for
    /// consultations. Stored encrypted; shown masked (`138****1234`).
    #[schema(min_length = 5, max_length = 20, example = "138 1234 5678")]
    pub citizen_phone: Option<String>,
    pub concerns: Concerns,
    /// Required when `concerns` is `department`.
    pub department_id: Option<Uuid>,
    /// Required when `concerns` is `staff`: a staff member of the center.
    pub staff_id: Option<Uuid>,
    /// Required when `concerns` is `matter` (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub matter: Option<String>,
    /// A short title (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub subject: String,
    /// What the citizen asks or reports (1–4000 characters).
    #[schema(min_length = 1, max_length = 4000)]
    pub description: String,
    /// Photos or files (JPEG, PNG, PDF) the caller uploaded through `uploadAttachment`, at
    /// most 5; from the portal, only its own uploads that no record references yet.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub attachment_ids: Vec<Uuid>,
}

/// The citizen, as most readers see them: masked. The clear values are served only by
/// `getCitizenRequestContact` (audited).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CitizenMasked {
    /// e.g. `张*`; absent when not given or anonymised.
    pub name: Option<String>,
    /// e.g. `138****1234`; absent when not given or anonymised.
    pub phone: Option<String>,
    /// When the personal data was anonymised (after the center's retention period).
    pub anonymised_at: Option<DateTime<Utc>>,
}

/// The deadline (限时办结): working days from the day of receipt on the center's calendar;
/// days spent waiting for the citizen do not count.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deadline {
    /// Working days allowed for this kind at intake, or at the last reopening (the center's
    /// setting then).
    pub working_days: i32,
    /// Working days after receipt that do not count (added to the deadline): those spent
    /// waiting for the citizen, and after a reopening those up to the reopening day (the
    /// deadline starts afresh from it).
    pub paused_days: i32,
    /// Since when it waits for the citizen (the deadline is paused).
    pub paused_since: Option<NaiveDate>,
    /// The last working day to answer; absent while the statutory holidays of a year the count
    /// crosses are not loaded (see `holidays_not_loaded`).
    pub due_on: Option<NaiveDate>,
    /// Working days left: those after the center's today up to and including `due_on` (0 =
    /// due today); once overdue, minus the working days after `due_on` up to and including
    /// today, and at most -1 (due on a Friday: -1 on Saturday, Sunday and Monday, -2 on
    /// Tuesday). While waiting for the citizen it stands still at the day the wait
    /// began. Absent when `due_on` is, and once answered, closed or refused.
    pub remaining_working_days: Option<i64>,
    /// The center's today is after `due_on`, and the request is open (not answered, closed or
    /// refused) and not waiting for the citizen; the same rule as `overdue=true` and the tick's
    /// escalation.
    pub overdue: bool,
    /// Years whose statutory holidays must be loaded before the due date can be counted.
    pub holidays_not_loaded: Vec<i32>,
}

/// A citizen's request with names beside the ids and the citizen masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CitizenRequest {
    pub id: Uuid,
    /// What the citizen is given to follow it, e.g. `TS20261128-40317`.
    pub tracking_no: String,
    pub kind: Kind,
    pub channel: Channel,
    pub state: State,
    pub concerns: Concerns,
    pub department_id: Option<Uuid>,
    pub department_name: Option<String>,
    pub staff_id: Option<Uuid>,
    pub staff_name: Option<String>,
    pub matter: Option<String>,
    pub subject: String,
    pub description: String,
    pub citizen: CitizenMasked,
    /// Who holds it (首问负责); absent while it waits in the queue.
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// The staff member who received it (absent for portal requests).
    pub received_by: Option<Uuid>,
    pub received_by_name: Option<String>,
    /// Sent in by the portal.
    pub from_portal: bool,
    pub received_at: DateTime<Utc>,
    /// The center's date of receipt.
    pub received_on: NaiveDate,
    pub deadline: Deadline,
    /// The public answer shown to the citizen.
    pub answer: Option<String>,
    pub refusal_reason: Option<String>,
    pub refusal_guidance: Option<String>,
    /// For a complaint about a staff member: whether it was substantiated, and why.
    pub substantiated: Option<bool>,
    pub finding_reason: Option<String>,
    /// When it became overdue and was escalated to the office.
    pub overdue_escalated_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub attachment_ids: Vec<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The answer to an intake: the request and what to give the citizen.
#[derive(Debug, Serialize, ToSchema)]
pub struct Intake {
    /// Give the citizen the tracking number and the code: together they show the request's
    /// state and public answer (`lookupCitizenRequest`). The code is shown only here.
    pub tracking_no: String,
    #[schema(example = "482913")]
    pub verification_code: String,
    pub request: CitizenRequest,
}

/// The citizen's clear name and phone, for those who must call them back.
#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    pub request_id: Uuid,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub anonymised_at: Option<DateTime<Utc>>,
}
