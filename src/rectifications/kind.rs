//! How rectification rows take part in the shared lifecycle ([`crate::lifecycle`]): the staff
//! member concerned is the requester side (they answer); verifications and reopenings are the
//! day's duty's ([`Party::OnDuty`]); a reopening's effect is the new deadline.

use super::model::RectificationRow;
use super::store;
use super::workflow::{RectificationEffect, RectificationStatus, Rectifications};
use crate::error::ApiError;
use crate::lifecycle::{Party, Request};
use crate::principal::CurrentUser;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

impl Request for RectificationRow {
    type Machine = Rectifications;
    const ENTITY: &'static str = "rectification";
    // The staff member who must rectify does not verify or reopen their own answer.
    const DECIDED_BY_OTHERS: bool = true;

    fn id(&self) -> Uuid {
        self.id
    }

    fn state(&self) -> RectificationStatus {
        self.status
    }

    fn decision(&self) -> (Option<Uuid>, &str) {
        (self.decided_by, &self.decision_note)
    }

    fn is(&self, party: Party, staff: Uuid) -> bool {
        party == Party::Requester && self.staff_id == Some(staff)
    }

    async fn lock(
        conn: &mut AsyncPgConnection,
        center_id: Uuid,
        id: Uuid,
    ) -> Result<Self, ApiError> {
        Ok(store::find(conn, center_id, id, true).await?)
    }

    async fn store(
        &self,
        conn: &mut AsyncPgConnection,
        to: RectificationStatus,
        decided_by: Option<Uuid>,
        note: &str,
    ) -> Result<Self, ApiError> {
        Ok(store::set_status(conn, self.id, to, decided_by, note).await?)
    }

    async fn apply(
        &self,
        conn: &mut AsyncPgConnection,
        _user: &CurrentUser,
        effect: RectificationEffect,
    ) -> Result<(), ApiError> {
        let RectificationEffect::NewDeadline {
            working_days,
            deadline,
        } = effect;
        Ok(store::set_deadline(conn, self.id, working_days, deadline).await?)
    }
}
