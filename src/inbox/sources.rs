//! Where tasks come from: [`SOURCES`], one entry per kind of record that can wait on someone.
//! Each source answers the caller's tasks of its kind (one query, at most [`Ctx::fetch`],
//! newest first, nothing when the caller's roles do not apply); [`merge`] puts them together.
//!
//! To add a source (e.g. follow-up calls of bad ratings): add a [`TaskKind`], write its query in
//! `store.rs` returning `Vec<Task>`, and add a [`Source`] here.

use super::model::{Ctx, Task, TaskKind};
use super::store;
use crate::changes::workflow::{SubstitutionStatus, SwapStatus};
use crate::dutyday::powers;
use crate::error::ApiResult;
use crate::rectifications::workflow::RectificationStatus;
use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use std::cmp::Reverse;

/// One source of tasks.
pub struct Source {
    /// What it finds (for the docs and tests).
    pub kind: TaskKind,
    pub fetch:
        for<'c> fn(&'c mut AsyncPgConnection, &'c Ctx) -> BoxFuture<'c, ApiResult<Vec<Task>>>,
}

/// Every source, in no particular order (the inbox sorts by time).
pub const SOURCES: &[Source] = &[
    Source {
        kind: TaskKind::SubstitutionToAnswer,
        fetch: substitutions_to_answer,
    },
    Source {
        kind: TaskKind::SubstitutionToRegister,
        fetch: substitutions_to_register,
    },
    Source {
        kind: TaskKind::SwapToAnswer,
        fetch: swaps_to_answer,
    },
    Source {
        kind: TaskKind::SwapToRegister,
        fetch: swaps_to_register,
    },
    Source {
        kind: TaskKind::HandoverToConfirm,
        fetch: handovers_to_confirm,
    },
    Source {
        kind: TaskKind::RectificationToAnswer,
        fetch: rectifications_to_answer,
    },
    Source {
        kind: TaskKind::RectificationToVerify,
        fetch: rectifications_to_verify,
    },
    Source {
        kind: TaskKind::CitizenRequestOwned,
        fetch: citizen_requests_owned,
    },
];

fn none<'c>() -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    Box::pin(async { Ok(Vec::new()) })
}

/// Proposed substitutions naming the caller as the substitute.
fn substitutions_to_answer<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let Some(me) = ctx.staff_id else {
        return none();
    };
    Box::pin(async move {
        let k = TaskKind::SubstitutionToAnswer;
        Ok(store::substitutions(conn, ctx, k, SubstitutionStatus::Proposed, Some(me)).await?)
    })
}

/// Office admins: substitutions accepted and waiting for registration.
fn substitutions_to_register<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    if !ctx.office {
        return none();
    }
    Box::pin(async move {
        let k = TaskKind::SubstitutionToRegister;
        Ok(store::substitutions(conn, ctx, k, SubstitutionStatus::Accepted, None).await?)
    })
}

/// Proposed swaps naming the caller as the other side.
fn swaps_to_answer<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let Some(me) = ctx.staff_id else {
        return none();
    };
    Box::pin(async move {
        let k = TaskKind::SwapToAnswer;
        Ok(store::swaps(conn, ctx, k, SwapStatus::Proposed, Some(me)).await?)
    })
}

/// Office admins: swaps both sides agreed, waiting for registration.
fn swaps_to_register<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    if !ctx.office {
        return none();
    }
    Box::pin(async move {
        let k = TaskKind::SwapToRegister;
        Ok(store::swaps(conn, ctx, k, SwapStatus::Accepted, None).await?)
    })
}

/// Unconfirmed handovers to a day (today or later) the caller is on duty.
fn handovers_to_confirm<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let Some(me) = ctx.staff_id else {
        return none();
    };
    Box::pin(async move { Ok(store::handovers_to_confirm(conn, ctx, me).await?) })
}

/// Open or reopened rectifications about the caller; for office admins also the hall-wide
/// ones (the office answers those).
fn rectifications_to_answer<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    Box::pin(async move {
        let k = TaskKind::RectificationToAnswer;
        let pending = &RectificationStatus::PENDING;
        let mut out = Vec::new();
        if let Some(me) = ctx.staff_id {
            out = store::rectifications(conn, ctx, k, pending, Some(Some(me))).await?;
        }
        if ctx.office {
            out.extend(store::rectifications(conn, ctx, k, pending, Some(None)).await?);
        }
        Ok(out)
    })
}

/// Answered rectifications, for office admins and the supervisors on duty today (who verify).
fn rectifications_to_verify<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    Box::pin(async move {
        let verifies = ctx.office
            || match ctx.staff_id {
                Some(me) if ctx.supervisor => powers::on_duty(conn, ctx.center_id, ctx.today)
                    .await?
                    .iter()
                    .any(|a| a.on_duty() == me),
                _ => false,
            };
        if !verifies {
            return Ok(Vec::new());
        }
        let k = TaskKind::RectificationToVerify;
        let answered = [RectificationStatus::Answered];
        Ok(store::rectifications(conn, ctx, k, &answered, None).await?)
    })
}

/// Citizens' requests the caller owns, not answered, closed or refused.
fn citizen_requests_owned<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let Some(me) = ctx.staff_id else {
        return none();
    };
    Box::pin(async move { Ok(store::citizen_requests_owned(conn, ctx, me).await?) })
}

/// The sources' tasks newest first (by `since`, then id), at most `cap`; true when some were
/// left out.
pub fn merge(tasks: Vec<Vec<Task>>, cap: usize) -> (Vec<Task>, bool) {
    let mut all: Vec<Task> = tasks.into_iter().flatten().collect();
    all.sort_by_key(|t| Reverse((t.since, t.id)));
    let truncated = all.len() > cap;
    all.truncate(cap);
    (all, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn task(kind: TaskKind, secs: i64) -> Task {
        let at = Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap();
        Task::new(kind, Uuid::now_v7(), at)
    }

    #[test]
    fn tasks_of_all_sources_come_newest_first_and_are_capped() {
        let a = vec![
            task(TaskKind::SwapToAnswer, 5),
            task(TaskKind::SwapToAnswer, 1),
        ];
        let b = vec![task(TaskKind::HandoverToConfirm, 3)];
        let (all, truncated) = merge(vec![a.clone(), b.clone()], 10);
        let secs: Vec<i64> = all
            .iter()
            .map(|t| t.since.timestamp() - 1_800_000_000)
            .collect();
        assert_eq!(secs, vec![5, 3, 1]);
        assert!(!truncated);
        let (two, truncated) = merge(vec![a, b], 2);
        assert_eq!(two.len(), 2);
        assert_eq!(two[1].kind, TaskKind::HandoverToConfirm);
        assert!(truncated);
    }

    #[test]
    fn every_kind_has_one_source() {
        use crate::text_enum::TextEnum;
        for k in TaskKind::ALL {
            assert_eq!(SOURCES.iter().filter(|s| s.kind == *k).count(), 1, "{k}");
        }
    }
}
