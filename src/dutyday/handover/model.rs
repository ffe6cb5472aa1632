//! A handover and its items: the rows and their API views.

use crate::db::schema::{handover_items, handovers};
use crate::org::names::Names;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

crate::text_enum!(
    /// What a handover item is. The desk sign and the badge are always listed; each source of
    /// pending matters the server collects for the day has a kind of its own (open problems and
    /// rectifications due from inspections, open facility faults join as those records are
    /// introduced: clients show an unknown kind by its `summary`); notes are the giver's own
    /// words.
    pub ItemKind {
        /// 桌牌: the duty desk sign.
        DeskSign => "desk_sign",
        /// 胸牌: the supervisor's badge.
        Badge => "badge",
        /// A problem found that day (`ref_id`: the inspection finding).
        Problem => "problem",
        /// A rectification not verified yet, due by the receiving day (`ref_id`: the
        /// rectification).
        Rectification => "rectification",
        /// A facility fault still open (`ref_id`: the fault).
        FacilityFault => "facility_fault",
        /// A matter the giving supervisor wrote down (`summary` is the text).
        Note => "note",
    }
);

crate::text_enum!(
    /// Whether the receiving duty confirmed every item.
    pub HandoverStatus {
        /// At least one item is not confirmed yet.
        Unconfirmed => "unconfirmed",
        /// Every item is confirmed.
        Confirmed => "confirmed",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = handovers)]
pub struct HandoverRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub day: NaiveDate,
    pub to_day: NaiveDate,
    pub made_by: Uuid,
    pub assignment_id: Uuid,
    pub made_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub on_time: bool,
    pub items_total: i32,
    pub items_confirmed: i32,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl HandoverRow {
    pub fn status(&self) -> HandoverStatus {
        if self.confirmed_at.is_some() {
            HandoverStatus::Confirmed
        } else {
            HandoverStatus::Unconfirmed
        }
    }

    pub fn summary(&self, names: &Names) -> HandoverSummary {
        HandoverSummary {
            id: self.id,
            date: self.day,
            to_date: self.to_day,
            made_by: self.made_by,
            made_by_name: names.staff(self.made_by),
            made_at: self.made_at,
            due_at: self.due_at,
            on_time: self.on_time,
            status: self.status(),
            items_total: self.items_total,
            items_confirmed: self.items_confirmed,
            confirmed_at: self.confirmed_at,
        }
    }

    pub fn state(&self) -> HandoverState {
        HandoverState {
            id: self.id,
            status: self.status(),
            on_time: self.on_time,
            items_confirmed: self.items_confirmed,
            items_total: self.items_total,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = handover_items)]
pub struct ItemRow {
    pub id: Uuid,
    pub handover_id: Uuid,
    pub position: i32,
    pub kind: ItemKind,
    pub ref_id: Option<Uuid>,
    pub summary: Option<String>,
    pub confirmed_by: Option<Uuid>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl ItemRow {
    pub fn view(&self, names: &Names) -> HandoverItem {
        HandoverItem {
            id: self.id,
            position: self.position,
            kind: self.kind,
            ref_id: self.ref_id,
            summary: self.summary.clone(),
            confirmed: self.confirmed_at.is_some(),
            confirmed_by: self.confirmed_by,
            confirmed_by_name: self.confirmed_by.map(|s| names.staff(s)),
            confirmed_at: self.confirmed_at,
        }
    }
}

/// One thing handed over.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverItem {
    pub id: Uuid,
    /// 1-based order in the handover.
    pub position: i32,
    pub kind: ItemKind,
    /// The record a pending matter is about; `null` for the desk sign, the badge and notes.
    pub ref_id: Option<Uuid>,
    /// What the matter is (a note's text); `null` for the desk sign and the badge (the kind
    /// names them).
    pub summary: Option<String>,
    pub confirmed: bool,
    /// Which of the receiving day's supervisors confirmed it; `null` until confirmed.
    pub confirmed_by: Option<Uuid>,
    pub confirmed_by_name: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// A supervisor on duty on the receiving day (after substitutions): one of those who confirm.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Receiver {
    pub staff_id: Uuid,
    pub staff_name: String,
}

/// A handover without its items, as the office's list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverSummary {
    pub id: Uuid,
    /// The duty day that gives.
    pub date: NaiveDate,
    /// The next working day: its duty receives.
    pub to_date: NaiveDate,
    /// The supervisor who made it (one of the day's supervisors after substitutions).
    pub made_by: Uuid,
    pub made_by_name: String,
    /// When the server received it.
    pub made_at: DateTime<Utc>,
    /// The giving day's afternoon closing: the handover is due before it.
    pub due_at: DateTime<Utc>,
    /// `made_at` before `due_at`.
    pub on_time: bool,
    pub status: HandoverStatus,
    pub items_total: i32,
    pub items_confirmed: i32,
    /// When the last item was confirmed; `null` while any is not.
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// A handover with its items and who may confirm them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Handover {
    #[serde(flatten)]
    pub summary: HandoverSummary,
    /// The receiving day's supervisors now (after substitutions): any of them confirms.
    pub receivers: Vec<Receiver>,
    pub items: Vec<HandoverItem>,
    /// The version its `ETag` names (`If-Match` on `PUT .../notes`).
    pub version: i32,
}

/// The handovers of one duty day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayHandovers {
    pub date: NaiveDate,
    /// The handover this day gave to the next working day; `null` while not made.
    pub given: Option<Handover>,
    /// The handover this day received from the working day before; `null` when none was made
    /// to it.
    pub received: Option<Handover>,
}

/// A handover's state in the duty-day view.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverState {
    pub id: Uuid,
    pub status: HandoverStatus,
    pub on_time: bool,
    pub items_confirmed: i32,
    pub items_total: i32,
}

/// The duty-day view's handover section.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DayHandoverState {
    /// What this day gave; `null` while not made.
    pub given: Option<HandoverState>,
    /// What this day received; `null` when none was made to it.
    pub received: Option<HandoverState>,
}

/// Body of making a handover.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeHandover {
    /// Matters the supervisor adds, in order: at most 20, each 1–500 characters (trimmed).
    #[serde(default)]
    #[schema(max_items = 20)]
    pub notes: Vec<String>,
}

/// Body of replacing a handover's notes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceNotes {
    /// The notes that replace the old ones: at most 20, each 1–500 characters (trimmed).
    #[schema(max_items = 20)]
    pub notes: Vec<String>,
}

/// Body of a confirmation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmItems {
    /// Ids of items of this handover, 1–200. Items already confirmed are left as they are.
    #[schema(min_items = 1, max_items = 200)]
    pub items: Vec<Uuid>,
}

/// The office's list of handovers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HandoverQuery {
    /// First giving day, YYYY-MM-DD.
    pub from: NaiveDate,
    /// Last giving day, `YYYY-MM-DD` (included): not before `from`, at most 365 days after it
    /// (366 days counting both ends).
    pub to: NaiveDate,
    /// Only handovers in this state.
    pub status: Option<HandoverStatus>,
}
