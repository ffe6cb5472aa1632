//! Who sees which findings (and so their photos and rectifications): office admins, auditors and
//! supervisors see every finding of their center (supervisors inspect); everyone else (window
//! staff) only the findings about themselves. Hall-wide findings are not about anyone.

use crate::principal::{CurrentUser, Role};
use uuid::Uuid;

/// Whether `user` sees every finding of the center.
pub fn sees_all(user: &CurrentUser) -> bool {
    user.reads_all() || user.has(Role::Supervisor)
}

/// Whether `user` may see a finding (or rectification) about `about` (`None`: the hall).
pub fn may_see(user: &CurrentUser, about: Option<Uuid>) -> bool {
    sees_all(user) || (about.is_some() && about == user.staff_id)
}

/// The person a list is narrowed to: `asked` for those who see all, else the caller (`None`
/// for a caller without a staff record who cannot see all: they see nothing, `Err`).
pub fn scope(user: &CurrentUser, asked: Option<Uuid>) -> Result<Option<Uuid>, Nothing> {
    if sees_all(user) {
        return Ok(asked);
    }
    match user.staff_id {
        Some(me) if asked.is_none_or(|a| a == me) => Ok(Some(me)),
        _ => Err(Nothing),
    }
}

/// A list that can hold nothing for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nothing;
