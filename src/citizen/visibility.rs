//! Which citizens' requests a staff member may see: one rule, written twice side by side, in
//! Rust for one request ([`may_see`], used by the reads and the moves) and in SQL for the list
//! ([`sql`], applied before paging so that every page is full). The API tests check that both
//! give the same answer for every request and caller.
//!
//! - Office admins and auditors: every request of their center.
//! - Everyone: the requests they own or owned (the owner chain), and those they received.
//! - Supervisors: every other request of the center, but complaints about themselves.
//! - Other staff: the center's queue (`received`), but requests about themselves.
//!
//! A token without a staff record owns and received nothing and is about no one.

use super::model::{RequestRow, State};
use crate::db::schema::{citizen_request_owners as ow, citizen_requests as cr};
use crate::principal::{CurrentUser, Role};
use diesel::dsl::exists;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;

/// Whether staff member `user` may see `row` (`owned`: they own or owned it).
pub fn may_see(user: &CurrentUser, row: &RequestRow, owned: bool) -> bool {
    if row.center_id != user.center_id {
        return false;
    }
    if user.reads_all() || owned {
        return true;
    }
    let me = user.staff_id;
    let about_me = me.is_some() && row.staff_id == me;
    if row.received_by.is_some() && row.received_by == me {
        return true;
    }
    !about_me && (user.has(Role::Supervisor) || row.state == State::Received)
}

/// [`may_see`] as a SQL condition on `citizen_requests`.
pub type VisibleSql = Box<dyn BoxableExpression<cr::table, Pg, SqlType = Bool>>;

/// The requests [`may_see`] lets `user` see.
pub fn sql(user: &CurrentUser) -> VisibleSql {
    let center = cr::center_id.eq(user.center_id);
    if user.reads_all() {
        return Box::new(center);
    }
    let supervisor = user.has(Role::Supervisor);
    match user.staff_id {
        Some(me) => {
            let owned = exists(
                ow::table
                    .filter(ow::request_id.eq(cr::id))
                    .filter(ow::owner_id.eq(me)),
            );
            let not_about_me = cr::staff_id.is_distinct_from(me);
            let others: VisibleSql = if supervisor {
                Box::new(not_about_me)
            } else {
                Box::new(not_about_me.and(cr::state.eq(State::Received)))
            };
            Box::new(
                center.and(
                    owned
                        .or(cr::received_by.is_not_distinct_from(me))
                        .or(others),
                ),
            )
        }
        None if supervisor => Box::new(center),
        None => Box::new(center.and(cr::state.eq(State::Received))),
    }
}
