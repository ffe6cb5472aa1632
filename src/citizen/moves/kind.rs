//! How citizens' request rows take part in the shared lifecycle ([`crate::lifecycle`]): the
//! owner is the party of most moves ([`Party::Owner`]), and the effects of
//! [`super::super::machine`] are carried out here: the owner chain, the pause and the due date,
//! the answer, the finding and the refusal.
//!
//! A move that sets a new due date (a resume, which adds the paused working days; a reopening,
//! which gives a fresh deadline from the reopening day in the center's working days for the
//! kind) clears the office's escalation when the request is no longer overdue on the center's
//! today ([`deadline::overdue`]); the audit trail records it (`overdue_cleared`), and the tick
//! escalates the request again should it become overdue later.

use crate::audit::{self, AuditEntry};
use crate::calendar::store as cal_store;
use crate::calendar::workdays::Calendar;
use crate::citizen::deadline;
use crate::citizen::machine::{Citizens, Effect, State, Tracked};
use crate::citizen::model::RequestRow;
use crate::citizen::owners;
use crate::citizen::store;
use crate::db::schema::citizen_requests as cr;
use crate::error::ApiError;
use crate::lifecycle::{Party, Request};
use crate::principal::CurrentUser;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The request `id` of the center, locked until the transaction ends; 404 when absent.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> Result<RequestRow, ApiError> {
    cr::table
        .filter(cr::center_id.eq(center_id))
        .filter(cr::id.eq(id))
        .select(RequestRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or_else(ApiError::not_found)
}

/// What an effect changes on the row (`None`: unchanged; `Some(None)`: cleared).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cr)]
struct Changes {
    owner_id: Option<Option<Uuid>>,
    deadline_days: Option<i32>,
    paused_days: Option<i32>,
    paused_on: Option<Option<NaiveDate>>,
    due_on: Option<Option<NaiveDate>>,
    answer: Option<Option<String>>,
    refusal_reason: Option<Option<String>>,
    refusal_guidance: Option<Option<String>>,
    substantiated: Option<Option<bool>>,
    finding_reason: Option<Option<String>>,
    closed_at: Option<Option<DateTime<Utc>>>,
    overdue_escalated_at: Option<Option<DateTime<Utc>>>,
}

impl Request for RequestRow {
    type Machine = Citizens;
    const ENTITY: &'static str = "citizen_request";
    // No staff member is a citizen request's requester or counterpart: the office decides.
    const DECIDED_BY_OTHERS: bool = true;

    fn id(&self) -> Uuid {
        self.id
    }

    fn state(&self) -> State {
        self.state
    }

    /// The moves' notes go to the trail (`citizen_request_moves`), not to the row.
    fn decision(&self) -> (Option<Uuid>, &str) {
        (None, "")
    }

    fn is(&self, party: Party, staff: Uuid) -> bool {
        party == Party::Owner && self.owner_id == Some(staff)
    }

    async fn lock(
        conn: &mut AsyncPgConnection,
        center_id: Uuid,
        id: Uuid,
    ) -> Result<Self, ApiError> {
        lock(conn, center_id, id).await
    }

    async fn store(
        &self,
        conn: &mut AsyncPgConnection,
        to: State,
        _decided_by: Option<Uuid>,
        _note: &str,
    ) -> Result<Self, ApiError> {
        Ok(diesel::update(cr::table.find(self.id))
            .set((
                cr::state.eq(to),
                cr::version.eq(cr::version + 1),
                cr::updated_at.eq(Utc::now()),
            ))
            .returning(RequestRow::as_returning())
            .get_result(conn)
            .await?)
    }

    async fn apply(
        &self,
        conn: &mut AsyncPgConnection,
        user: &CurrentUser,
        effect: Effect,
    ) -> Result<(), ApiError> {
        let before = Tracked {
            state: self.state,
            owner: self.owner_id,
            paused_days: self.paused_days,
            paused_on: self.paused_on,
        };
        // The working days of a pause that ends now, or from receipt to a reopening, on the
        // center's calendar.
        let cal = match (self.paused_on, &effect) {
            (Some(since), Effect::Unpause { on } | Effect::Refuse { on, .. }) => {
                cal_store::load(conn, self.center_id, since, *on).await?
            }
            (_, Effect::Reopen { on }) => {
                cal_store::load(conn, self.center_id, self.received_on, *on).await?
            }
            _ => Calendar::new([]),
        };
        let after = before.after(self.state, Some(&effect), &cal);
        let mut c = Changes {
            owner_id: (after.owner != before.owner).then_some(after.owner),
            paused_days: Some(after.paused_days),
            paused_on: Some(after.paused_on),
            ..Changes::default()
        };
        let mut days = self.deadline_days;
        let mut paused = after.paused_days;
        // The day the due date is counted again on, and whether the request goes on (rather
        // than being refused while it waited).
        let recount = match effect {
            Effect::Reopen { on } => {
                days = store::settings(conn, self.center_id).await?.days(self.kind);
                paused = deadline::restart(&cal, self.received_on, on);
                c.deadline_days = Some(days);
                c.paused_days = Some(paused);
                Some((on, true))
            }
            Effect::Unpause { on } if paused != before.paused_days => Some((on, true)),
            Effect::Refuse { on, .. } if paused != before.paused_days => Some((on, false)),
            _ => None,
        };
        if let Some((today, goes_on)) = recount {
            let due = deadline::due_of(conn, self.center_id, self.received_on, days + paused)
                .await?
                .ok();
            c.due_on = Some(due);
            let late = deadline::overdue(State::InProgress, None, due, today);
            if goes_on && self.overdue_escalated_at.is_some() && !late {
                c.overdue_escalated_at = Some(None);
                audit::record(
                    conn,
                    AuditEntry::new(user, "overdue_cleared", "citizen_request", self.id)
                        .before(serde_json::json!({
                            "due_on": self.due_on,
                            "overdue_escalated_at": self.overdue_escalated_at,
                        }))
                        .after(serde_json::json!({ "due_on": due, "cleared_on": today })),
                )
                .await?;
            }
        }
        match effect {
            Effect::HandOn {
                to,
                department,
                how,
                at,
            } => owners::hand_on(conn, self.id, to, department, how, at).await?,
            Effect::Pause { .. } | Effect::Unpause { .. } => {}
            Effect::Answer { answer, finding } => {
                c.answer = Some(Some(answer));
                c.substantiated = Some(finding.as_ref().map(|f| f.substantiated));
                c.finding_reason = Some(finding.map(|f| f.reason));
                c.refusal_reason = Some(None);
                c.refusal_guidance = Some(None);
            }
            Effect::Close { at } => c.closed_at = Some(Some(at)),
            Effect::Refuse {
                reason,
                guidance,
                at,
                ..
            } => {
                c.closed_at = Some(Some(at));
                c.refusal_reason = Some(Some(reason));
                c.refusal_guidance = Some(Some(guidance));
                c.answer = Some(None);
                c.substantiated = Some(None);
                c.finding_reason = Some(None);
            }
            Effect::Reopen { .. } => c.closed_at = Some(None),
        }
        diesel::update(cr::table.find(self.id))
            .set(&c)
            .execute(conn)
            .await?;
        Ok(())
    }
}
