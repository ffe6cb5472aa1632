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
use crate::error::{ApiError, Code};
use crate::lifecycle::list::{Filter, Listed};
use crate::lifecycle::{Party, Request};
use crate::org::names::Names;
use crate::principal::CurrentUser;
use crate::roster::reason::{Reason, ReasonCode};
use crate::roster::rosters::constraint_conflict;
use crate::roster::store;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// The parts of [`Request`] every change-request row has alike: its id, state and last
/// decision, and its queries (`$find`, `$set_status` from `store.rs`).
macro_rules! request_row {
    ($status:ty, $find:path, $set_status:path) => {
        fn id(&self) -> Uuid {
            self.id
        }

        fn state(&self) -> $status {
            self.status
        }

        fn decision(&self) -> (Option<Uuid>, &str) {
            (self.decided_by, &self.decision_note)
        }

        async fn lock(
            conn: &mut AsyncPgConnection,
            center_id: Uuid,
            id: Uuid,
        ) -> Result<Self, ApiError> {
            Ok($find(conn, center_id, id, true).await?)
        }

        async fn store(
            &self,
            conn: &mut AsyncPgConnection,
            to: $status,
            decided_by: Option<Uuid>,
            note: &str,
        ) -> Result<Self, ApiError> {
            Ok($set_status(conn, self.id, to, decided_by, note).await?)
        }
    };
}

/// [`Listed`] for a change-request row: its page and find queries from `store.rs`, the people
/// its view names, and the view.
macro_rules! listed {
    ($row:ty, $view:ident, $status:ty, $page:path, $find:path, |$r:ident| $people:expr $(,)?) => {
        impl Listed for $row {
            type View = $view;

            async fn page(
                conn: &mut AsyncPgConnection,
                f: Filter<$status>,
            ) -> QueryResult<Vec<Self>> {
                $page(conn, f).await
            }

            async fn find(
                conn: &mut AsyncPgConnection,
                center_id: Uuid,
                id: Uuid,
            ) -> QueryResult<Self> {
                $find(conn, center_id, id, false).await
            }

            fn people(&self) -> Vec<Uuid> {
                let $r = self;
                $people
            }

            fn view(self, names: &Names) -> $view {
                $view::new(self, names)
            }
        }
    };
}

impl Request for Substitution {
    type Machine = Substitutions;
    const ENTITY: &'static str = "substitution";
    const DECIDED_BY_OTHERS: bool = true;

    request_row!(
        SubstitutionStatus,
        rs::substitution,
        rs::set_substitution_status
    );

    fn is(&self, party: Party, staff: Uuid) -> bool {
        match party {
            Party::Requester => self.original_staff_id == staff,
            Party::Counterpart => self.substitute_id == staff,
            Party::Office | Party::OnDuty | Party::Owner | Party::AnyStaff => false,
        }
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
    const DECIDED_BY_OTHERS: bool = true;

    request_row!(SwapStatus, rs::swap, rs::set_swap_status);

    fn is(&self, party: Party, staff: Uuid) -> bool {
        match party {
            Party::Requester => self.staff_a == staff,
            Party::Counterpart => self.staff_b == staff,
            Party::Office | Party::OnDuty | Party::Owner | Party::AnyStaff => false,
        }
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
        let swapped = Reason::bare(ReasonCode::Swapped);
        let a2 = store::set_assignment_people(conn, a.id, self.staff_b, None, Some(&swapped))
            .await
            .map_err(constraint_conflict)?;
        let b2 = store::set_assignment_people(conn, b.id, self.staff_a, None, Some(&swapped))
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
    const DECIDED_BY_OTHERS: bool = true;

    request_row!(LeaveStatus, rs::leave, rs::set_leave_status);

    fn is(&self, party: Party, staff: Uuid) -> bool {
        party == Party::Requester && self.staff_id == staff
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
        Err(ApiError::of(Code::LeaveOverlapsDuty)
            .list("dates", duties.iter().map(|d| d.1))
            .with_conflicts(duties.iter().map(|d| d.0).collect()))
    }
}

listed!(
    Substitution,
    SubstitutionView,
    SubstitutionStatus,
    rs::substitutions,
    rs::substitution,
    |s| vec![s.original_staff_id, s.substitute_id],
);
listed!(Swap, SwapView, SwapStatus, rs::swaps, rs::swap, |s| vec![
    s.staff_a, s.staff_b
],);
listed!(
    LeaveRequest,
    LeaveRequestView,
    LeaveStatus,
    rs::leaves,
    rs::leave,
    |l| vec![l.staff_id],
);
