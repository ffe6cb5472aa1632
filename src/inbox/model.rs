//! What the inbox answers: tasks, each a record waiting on the caller, and the caller's context
//! the sources read.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

crate::text_enum!(
    /// Why a record waits on the caller. Clients show a kind they do not know by its `title`
    /// and `link` (new sources add kinds).
    pub TaskKind {
        /// A substitution names the caller as the substitute and waits for their answer
        /// (accept or decline).
        SubstitutionToAnswer => "substitution_to_answer",
        /// Office admins: a substitution accepted by its substitute waits for the office's
        /// registration (the center's approval gate is on).
        SubstitutionToRegister => "substitution_to_register",
        /// A swap names the caller as the other side and waits for their answer.
        SwapToAnswer => "swap_to_answer",
        /// Office admins: a swap both sides agreed waits for the office's registration.
        SwapToRegister => "swap_to_register",
        /// A handover to a day the caller is on duty waits for their confirmation of receipt.
        HandoverToConfirm => "handover_to_confirm",
        /// A rectification waits for the caller's answer: they are the staff member it is about
        /// (office admins: a hall-wide finding's).
        RectificationToAnswer => "rectification_to_answer",
        /// An answered rectification waits for verification by the office or a supervisor on
        /// duty today.
        RectificationToVerify => "rectification_to_verify",
        /// A citizen's request the caller owns (首问负责) that is not answered, closed or refused.
        CitizenRequestOwned => "citizen_request_owned",
        /// A bad rating's follow-up (回访) assigned to the caller waits for their call back to
        /// the citizen (`open`), due by its call-back date.
        FollowUpToCallBack => "follow_up_to_call_back",
        /// A follow-up assigned to the caller was called back and waits for the rectification,
        /// or was rectified and waits for the result to be fed back (closing it).
        FollowUpToFinish => "follow_up_to_finish",
        /// Office admins: an open follow-up with nobody named to call back (a window service's
        /// bad rating).
        FollowUpToAssign => "follow_up_to_assign",
    }
);

impl TaskKind {
    /// The path of the record's endpoint.
    pub fn link(self, id: Uuid) -> String {
        let what = match self {
            TaskKind::SubstitutionToAnswer | TaskKind::SubstitutionToRegister => "substitutions",
            TaskKind::SwapToAnswer | TaskKind::SwapToRegister => "swaps",
            TaskKind::HandoverToConfirm => "handovers",
            TaskKind::RectificationToAnswer | TaskKind::RectificationToVerify => "rectifications",
            TaskKind::CitizenRequestOwned => "citizen-requests",
            TaskKind::FollowUpToCallBack
            | TaskKind::FollowUpToFinish
            | TaskKind::FollowUpToAssign => "rating-follow-ups",
        };
        format!("/api/v1/{what}/{id}")
    }
}

/// One record waiting on the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub kind: TaskKind,
    /// The record's id.
    pub id: Uuid,
    /// A short label built from names, dates and numbers only (no prose to translate): the
    /// person it comes from and the duty date (`王芳 · 2026-12-01`), a citizen's request's
    /// tracking number and subject, or a follow-up's rated request's tracking number (a rated
    /// window service's matter).
    pub title: String,
    /// Who it comes from: who asks (substitutions, swaps), who handed over (handovers), the
    /// staff member who answered (a rectification to verify); `null` otherwise.
    pub from_id: Option<Uuid>,
    /// The name of `from_id`.
    pub from_name: Option<String>,
    /// The duty date it concerns (the duty taken over, swapped or handed over to).
    pub date: Option<NaiveDate>,
    /// When it started waiting on the caller (proposed, accepted, handed over, opened or
    /// reopened, answered, came to the caller).
    pub since: DateTime<Utc>,
    /// The date it is due by, when known.
    pub due: Option<NaiveDate>,
    /// Working days of the center's calendar from its today to `due` (0: due today; negative:
    /// overdue by that many working days); `null` without a due date.
    pub remaining_working_days: Option<i64>,
    /// The record's endpoint, e.g. `/api/v1/substitutions/{id}`.
    pub link: String,
}

impl Task {
    /// A task as a source finds it; the handler fills in names, title, remaining days and
    /// link.
    pub fn new(kind: TaskKind, id: Uuid, since: DateTime<Utc>) -> Task {
        Task {
            kind,
            id,
            title: String::new(),
            from_id: None,
            from_name: None,
            date: None,
            since,
            due: None,
            remaining_working_days: None,
            link: kind.link(id),
        }
    }

    pub fn from(mut self, who: Option<Uuid>) -> Task {
        self.from_id = who;
        self
    }

    pub fn on(mut self, date: Option<NaiveDate>) -> Task {
        self.date = date;
        self
    }

    pub fn due(mut self, due: Option<NaiveDate>) -> Task {
        self.due = due;
        self
    }

    /// A title of the source's own (kept as given).
    pub fn titled(mut self, title: String) -> Task {
        self.title = title;
        self
    }
}

/// Everything waiting on the caller, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Inbox {
    /// Newest first (by `since`), at most 200.
    pub items: Vec<Task>,
    /// True when more than 200 tasks wait: the oldest are left out.
    pub truncated: bool,
}

/// Who asks and the center's today: what the sources read.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub center_id: Uuid,
    /// The caller's staff record (`None` for tokens without one: no personal tasks).
    pub staff_id: Option<Uuid>,
    pub office: bool,
    pub supervisor: bool,
    /// The center's today.
    pub today: NaiveDate,
    /// Most rows one source returns (the inbox's cap plus one, to tell truncation).
    pub fetch: i64,
}
