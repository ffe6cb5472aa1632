//! How the rows of substitutions, swaps and leave requests take part in the shared lifecycle
//! ([`crate::lifecycle`]): who their parties are, how they are locked and stored, what their
//! moves' effects do to the duties, and how they are listed and shown.

use super::checks::{assignment_changed, can_cover};
use super::model::{
    LeaveRequest, LeaveRequestView, Substitution, SubstitutionView, Swap, SwapView,
};
use super::store as rs;
use super::workflow::{
    Leave, LeaveEffect, LeaveStatus, SubstitutionEffect, SubstitutionStatus, Substitutions,
    SwapEffect, SwapStatus, Swaps,
};
use crate::audit::{self, AuditEntry};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::lifecycle::list::{Filter, Listed};
use crate::lifecycle::{Party, Request};
use crate::org::names::Names;
use crate::roster::rosters::constraint_conflict;
use crate::roster::store;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

impl Request for Substitution {
    type Machine = Substitutions;
    const ENTITY: &'static str = "substitution";

    fn id(&self) -> Uuid {
        self.id
    }

    fn state(&self) -> SubstitutionStatus {
        self.status
    }

    fn decision(&self) -> (Option<Uuid>, &str) {
        (self.decided_by, &self.decision_note)
    }

    fn is(&self, party: Party, staff: Uuid) -> bool {
        match party {
            Party::Requester => self.original_staff_id == staff,
            Party::Counterpart => self.substitute_id == staff,
            Party::Office => false,
        }
    }

    async fn lock(
        conn: &mut AsyncPgConnection,
        center_id: Uuid,
        id: Uuid,
    ) -> Result<Self, ApiError> {
        Ok(rs::substitution(conn, center_id, id, true).await?)
    }

    async fn store(
        &self,
        conn: &mut AsyncPgConnection,
        to: SubstitutionStatus,
        decided_by: Option<Uuid>,
        note: &str,
    ) -> Result<Self, ApiError> {
        Ok(rs::set_substitution_status(conn, self.id, to, decided_by, note).await?)
    }

    async fn apply(
        &self,
        conn: &mut AsyncPgConnection,
        user: &CurrentUser,
        effect: SubstitutionEffect,
    ) -> Result<(), ApiError> {
        let a = store::assignment_for_update(conn, user.center_id, self.assignment_id).await?;
        let (after, action) = match effect {
            SubstitutionEffect::TakeOver => {
                if a.version != self.assignment_version {
                    return Err(assignment_changed());
                }
                can_cover(conn, user.center_id, self.substitute_id, a.date, &[a.id]).await?;
                let after = store::set_assignment_people(
                    conn,
                    a.id,
                    a.staff_id,
                    Some(self.substitute_id),
                    None,
                )
                .await
                .map_err(constraint_conflict)?;
                (after, "substituted")
            }
            SubstitutionEffect::HandBack => {
                // Only while the substitute still holds the duty this substitution gave them.
                if a.on_duty() != self.substitute_id {
                    return Err(assignment_changed());
                }
                let back = (self.original_staff_id != a.staff_id).then_some(self.original_staff_id);
                if let Some(p) = back {
                    can_cover(conn, user.center_id, p, a.date, &[a.id]).await?;
                }
                let after = store::set_assignment_people(conn, a.id, a.staff_id, back, None)
                    .await
                    .map_err(constraint_conflict)?;
                (after, "handed_back")
            }
        };
        audit::record(
            conn,
            AuditEntry::new(user, action, "duty_assignment", a.id)
                .before(&a)
                .after(&after),
        )
        .await
    }
}

impl Request for Swap {
    type Machine = Swaps;
    const ENTITY: &'static str = "swap";

    fn id(&self) -> Uuid {
        self.id
    }

    fn state(&self) -> SwapStatus {
        self.status
    }

    fn decision(&self) -> (Option<Uuid>, &str) {
        (self.decided_by, &self.decision_note)
    }

    fn is(&self, party: Party, staff: Uuid) -> bool {
        match party {
            Party::Requester => self.staff_a == staff,
            Party::Counterpart => self.staff_b == staff,
            Party::Office => false,
        }
    }

    async fn lock(
        conn: &mut AsyncPgConnection,
        center_id: Uuid,
        id: Uuid,
    ) -> Result<Self, ApiError> {
        Ok(rs::swap(conn, center_id, id, true).await?)
    }

    async fn store(
        &self,
        conn: &mut AsyncPgConnection,
        to: SwapStatus,
        decided_by: Option<Uuid>,
        note: &str,
    ) -> Result<Self, ApiError> {
        Ok(rs::set_swap_status(conn, self.id, to, decided_by, note).await?)
    }

    async fn apply(
        &self,
        conn: &mut AsyncPgConnection,
        user: &CurrentUser,
        effect: SwapEffect,
    ) -> Result<(), ApiError> {
        let SwapEffect::Exchange = effect;
        // Lock both duties in id order so two registrations cannot deadlock.
        let (first, second) = if self.assignment_a < self.assignment_b {
            (self.assignment_a, self.assignment_b)
        } else {
            (self.assignment_b, self.assignment_a)
        };
        let x = store::assignment_for_update(conn, user.center_id, first).await?;
        let y = store::assignment_for_update(conn, user.center_id, second).await?;
        let (a, b) = if x.id == self.assignment_a {
            (x, y)
        } else {
            (y, x)
        };
        if a.version != self.version_a || b.version != self.version_b {
            return Err(assignment_changed());
        }
        can_cover(conn, user.center_id, self.staff_a, b.date, &[b.id]).await?;
        can_cover(conn, user.center_id, self.staff_b, a.date, &[a.id]).await?;
        let a2 = store::set_assignment_people(conn, a.id, self.staff_b, None, Some("swapped"))
            .await
            .map_err(constraint_conflict)?;
        let b2 = store::set_assignment_people(conn, b.id, self.staff_a, None, Some("swapped"))
            .await
            .map_err(constraint_conflict)?;
        for (before, after) in [(&a, &a2), (&b, &b2)] {
            audit::record(
                conn,
                AuditEntry::new(user, "swapped", "duty_assignment", before.id)
                    .before(before)
                    .after(after),
            )
            .await?;
        }
        Ok(())
    }
}

impl Request for LeaveRequest {
    type Machine = Leave;
    const ENTITY: &'static str = "leave_request";

    fn id(&self) -> Uuid {
        self.id
    }

    fn state(&self) -> LeaveStatus {
        self.status
    }

    fn decision(&self) -> (Option<Uuid>, &str) {
        (self.decided_by, &self.decision_note)
    }

    fn is(&self, party: Party, staff: Uuid) -> bool {
        party == Party::Requester && self.staff_id == staff
    }

    async fn lock(
        conn: &mut AsyncPgConnection,
        center_id: Uuid,
        id: Uuid,
    ) -> Result<Self, ApiError> {
        Ok(rs::leave(conn, center_id, id, true).await?)
    }

    async fn store(
        &self,
        conn: &mut AsyncPgConnection,
        to: LeaveStatus,
        decided_by: Option<Uuid>,
        note: &str,
    ) -> Result<Self, ApiError> {
        Ok(rs::set_leave_status(conn, self.id, to, decided_by, note).await?)
    }

    async fn apply(
        &self,
        conn: &mut AsyncPgConnection,
        user: &CurrentUser,
        effect: LeaveEffect,
    ) -> Result<(), ApiError> {
        let LeaveEffect::RequireNoDuty = effect;
        // Serialises with substitution/swap registrations that check this person's leave.
        crate::org::store::lock_staff(conn, user.center_id, self.staff_id).await?;
        let duties = rs::duties_of(
            conn,
            user.center_id,
            self.staff_id,
            self.start_date,
            self.end_date,
        )
        .await?;
        if duties.is_empty() {
            return Ok(());
        }
        let days: Vec<String> = duties.iter().map(|d| d.1.to_string()).collect();
        let mut e = ApiError::conflict(
            "leave_overlaps_duty",
            format!(
                "The leave overlaps duties on {}; arrange a substitute for each first.",
                days.join(", ")
            ),
            format!(
                "请假期间有值班（{}），请先为每个值班安排顶岗。",
                days.join("、")
            ),
        );
        e.conflicts = duties.iter().map(|d| d.0).collect();
        Err(e)
    }
}

impl Listed for Substitution {
    type View = SubstitutionView;

    async fn page(
        conn: &mut AsyncPgConnection,
        f: Filter<SubstitutionStatus>,
    ) -> QueryResult<Vec<Self>> {
        rs::substitutions(conn, f).await
    }

    async fn find(conn: &mut AsyncPgConnection, center_id: Uuid, id: Uuid) -> QueryResult<Self> {
        rs::substitution(conn, center_id, id, false).await
    }

    fn people(&self) -> Vec<Uuid> {
        vec![self.original_staff_id, self.substitute_id]
    }

    fn view(self, names: &Names) -> SubstitutionView {
        SubstitutionView::new(self, names)
    }
}

impl Listed for Swap {
    type View = SwapView;

    async fn page(conn: &mut AsyncPgConnection, f: Filter<SwapStatus>) -> QueryResult<Vec<Self>> {
        rs::swaps(conn, f).await
    }

    async fn find(conn: &mut AsyncPgConnection, center_id: Uuid, id: Uuid) -> QueryResult<Self> {
        rs::swap(conn, center_id, id, false).await
    }

    fn people(&self) -> Vec<Uuid> {
        vec![self.staff_a, self.staff_b]
    }

    fn view(self, names: &Names) -> SwapView {
        SwapView::new(self, names)
    }
}

impl Listed for LeaveRequest {
    type View = LeaveRequestView;

    async fn page(conn: &mut AsyncPgConnection, f: Filter<LeaveStatus>) -> QueryResult<Vec<Self>> {
        rs::leaves(conn, f).await
    }

    async fn find(conn: &mut AsyncPgConnection, center_id: Uuid, id: Uuid) -> QueryResult<Self> {
        rs::leave(conn, center_id, id, false).await
    }

    fn people(&self) -> Vec<Uuid> {
        vec![self.staff_id]
    }

    fn view(self, names: &Names) -> LeaveRequestView {
        LeaveRequestView::new(self, names)
    }
}
