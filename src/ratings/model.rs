//! Ratings: the rows, the scale and the API shapes.

use crate::db::schema::{rating_follow_ups, rating_links, ratings};
use crate::text_enum;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

text_enum!(
    /// The word of a level on the national five-level scale (政务服务“好差评”).
    pub Scale {
        /// 5 非常满意
        VerySatisfied => "very_satisfied",
        /// 4 满意
        Satisfied => "satisfied",
        /// 3 基本满意
        BasicallySatisfied => "basically_satisfied",
        /// 2 不满意 (opens a follow-up)
        Dissatisfied => "dissatisfied",
        /// 1 非常不满意 (opens a follow-up)
        VeryDissatisfied => "very_dissatisfied",
    }
);

impl Scale {
    /// The word of `level` (1–5).
    pub fn of(level: i32) -> Option<Scale> {
        Some(match level {
            5 => Scale::VerySatisfied,
            4 => Scale::Satisfied,
            3 => Scale::BasicallySatisfied,
            2 => Scale::Dissatisfied,
            1 => Scale::VeryDissatisfied,
            _ => return None,
        })
    }
}

/// Levels at or below this open a follow-up (差评: 不满意, 非常不满意).
pub const BAD: i32 = 2;

text_enum!(
    /// How a rating reached the service.
    pub Via {
        /// Sent by the regional portal's servers.
        Portal => "portal",
        /// Through a one-time link (QR code) staff gave the citizen.
        Link => "link",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = ratings)]
pub struct RatingRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub subject_key: String,
    pub round: i32,
    pub level: i32,
    pub comment: Option<String>,
    pub request_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub matter: Option<String>,
    pub served_at: Option<DateTime<Utc>>,
    pub via: Via,
    pub portal: Option<String>,
    pub superseded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rating_links)]
pub struct LinkRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub token_hash: Vec<u8>,
    pub subject_key: String,
    pub request_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub matter: Option<String>,
    pub served_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub rating_id: Option<Uuid>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = rating_follow_ups)]
pub struct FollowUpRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub rating_id: Uuid,
    pub state: super::follow_up::FollowUpState,
    pub assignee_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub decided_by: Option<Uuid>,
    pub decision_note: String,
    pub portal: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One window service event (staff member, department, matter, time): rated at most once.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceEvent {
    /// The window staff member who served the citizen (of the center).
    pub staff_id: Uuid,
    /// The department the window belongs to, if any (of the center).
    pub department_id: Option<Uuid>,
    /// The matter (事项) served, 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub matter: String,
    /// When the citizen was served (not in the future).
    pub served_at: DateTime<Utc>,
}

/// What is rated: exactly one of a citizen's request (answered or closed) or a service event.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub request_id: Option<Uuid>,
    pub service: Option<ServiceEvent>,
}

/// A rating sent by the regional portal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRating {
    /// The center's code: one the portal's token lists.
    #[schema(min_length = 1, max_length = 32)]
    pub center_code: String,
    /// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
    #[schema(minimum = 1, maximum = 5)]
    pub level: i32,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub comment: Option<String>,
    pub request_id: Option<Uuid>,
    pub service: Option<ServiceEvent>,
}

/// A rating through a one-time link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRating {
    /// The token of the link (`t` of the QR code's address).
    #[schema(min_length = 1, max_length = 100)]
    pub token: String,
    #[schema(minimum = 1, maximum = 5)]
    pub level: i32,
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// A one-time link asked for by staff.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// A request the caller owns (answered or closed).
    pub request_id: Option<Uuid>,
    /// A service the caller gave (`staff_id` is the caller).
    pub service: Option<ServiceEvent>,
}

/// The one-time link: give the citizen `token` (e.g. as a QR code of `…/rate?t=<token>`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Link {
    pub id: Uuid,
    /// Shown once: only its hash is kept.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What the portal or the citizen's phone is told of a rating (no personal data).
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub id: Uuid,
    pub level: i32,
    pub scale: Scale,
    /// 1 for the first rating; higher for a re-rating after a closed follow-up.
    pub round: i32,
    /// Whether the rating opened a follow-up (a call back).
    pub follow_up_opened: bool,
}

/// The follow-up of a bad rating, in brief (in a rating).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUpBrief {
    pub id: Uuid,
    pub state: super::follow_up::FollowUpState,
    pub assignee_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
}

/// A rating as staff read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rating {
    pub id: Uuid,
    pub level: i32,
    pub scale: Scale,
    pub comment: Option<String>,
    pub round: i32,
    pub request_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub staff_name: Option<String>,
    pub department_id: Option<Uuid>,
    pub department_name: Option<String>,
    pub matter: Option<String>,
    pub served_at: Option<DateTime<Utc>>,
    pub via: Via,
    /// The later rating of the same request or service that replaced this one.
    pub superseded_by: Option<Uuid>,
    pub follow_up: Option<FollowUpBrief>,
    pub created_at: DateTime<Utc>,
}

/// A follow-up as staff read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUp {
    pub id: Uuid,
    pub rating_id: Uuid,
    pub level: i32,
    pub comment: Option<String>,
    pub request_id: Option<Uuid>,
    pub rated_staff_id: Option<Uuid>,
    pub state: super::follow_up::FollowUpState,
    /// Who calls the citizen back; `null` until the office names one.
    pub assignee_id: Option<Uuid>,
    pub assignee_name: Option<String>,
    /// The call back is due by this day; `null` while the holidays the count crosses are not loaded.
    pub due_on: Option<NaiveDate>,
    /// Still open (not called back) after `due_on`.
    pub overdue: bool,
    pub decided_by: Option<Uuid>,
    pub decision_note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
