//! Where tasks come from: [`SOURCES`], one entry per kind of record that can wait on someone.
//! Each source answers the caller's tasks of its kind (one query, at most [`Ctx::fetch`],
//! newest first, nothing when the caller's roles do not apply); [`merge`] puts them together.
//!
//! The role guards are shared ([`mine`]: the caller's own records, [`office`]: the office's
//! queue), as is the query shape ([`store`]'s `waiting!`). To add a source: add a [`TaskKind`],
//! write its query in `store.rs` returning `Vec<Task>`, and add a [`Source`] here.

use super::model::{Ctx, Task, TaskKind};
use super::store::{self, Person};
use crate::changes::workflow::{SubstitutionStatus, SwapStatus};
use crate::dutyday::powers;
use crate::error::ApiResult;
use crate::ratings::follow_up::FollowUpState;
use crate::rectifications::workflow::RectificationStatus;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use std::cmp::Reverse;
use std::future::Future;
use uuid::Uuid;

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
    Source {
        kind: TaskKind::FollowUpToCallBack,
        fetch: follow_ups_to_call_back,
    },
    Source {
        kind: TaskKind::FollowUpToFinish,
        fetch: follow_ups_to_finish,
    },
    Source {
        kind: TaskKind::FollowUpToAssign,
        fetch: follow_ups_to_assign,
    },
];

fn none<'c>() -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    Box::pin(async { Ok(Vec::new()) })
}

/// The caller's own records by `query` (given the caller's staff id); no query for a caller
/// without a staff record.
fn mine<'c, Q>(
    ctx: &'c Ctx,
    query: impl FnOnce(Uuid) -> Q + Send + 'c,
) -> BoxFuture<'c, ApiResult<Vec<Task>>>
where
    Q: Future<Output = QueryResult<Vec<Task>>> + Send + 'c,
{
    match ctx.staff_id {
        Some(me) => Box::pin(async move { Ok(query(me).await?) }),
        None => none(),
    }
}

/// The office's queue by `query`; no query for a caller who is not an office admin.
fn office<'c, Q>(ctx: &'c Ctx, query: Q) -> BoxFuture<'c, ApiResult<Vec<Task>>>
where
    Q: Future<Output = QueryResult<Vec<Task>>> + Send + 'c,
{
    if !ctx.office {
        return none();
    }
    Box::pin(async move { Ok(query.await?) })
}

/// Proposed substitutions naming the caller as the substitute.
fn substitutions_to_answer<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let k = TaskKind::SubstitutionToAnswer;
    mine(ctx, move |me| {
        store::substitutions(conn, ctx, k, SubstitutionStatus::Proposed, Person::Is(me))
    })
}

/// Office admins: substitutions accepted and waiting for registration.
fn substitutions_to_register<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let k = TaskKind::SubstitutionToRegister;
    office(
        ctx,
        store::substitutions(conn, ctx, k, SubstitutionStatus::Accepted, Person::Anyone),
    )
}

/// Proposed swaps naming the caller as the other side.
fn swaps_to_answer<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let k = TaskKind::SwapToAnswer;
    mine(ctx, move |me| {
        store::swaps(conn, ctx, k, SwapStatus::Proposed, Person::Is(me))
    })
}

/// Office admins: swaps both sides agreed, waiting for registration.
fn swaps_to_register<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let k = TaskKind::SwapToRegister;
    office(
        ctx,
        store::swaps(conn, ctx, k, SwapStatus::Accepted, Person::Anyone),
    )
}

/// Unconfirmed handovers to a day (today or later) the caller is on duty.
fn handovers_to_confirm<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    mine(ctx, move |me| store::handovers_to_confirm(conn, ctx, me))
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
            out = store::rectifications(conn, ctx, k, pending, Person::Is(me)).await?;
        }
        if ctx.office {
            out.extend(store::rectifications(conn, ctx, k, pending, Person::Nobody).await?);
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
        Ok(store::rectifications(conn, ctx, k, &answered, Person::Anyone).await?)
    })
}

/// Citizens' requests the caller owns, not answered, closed or refused.
fn citizen_requests_owned<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    mine(ctx, move |me| store::citizen_requests_owned(conn, ctx, me))
}

/// Follow-ups of bad ratings assigned to the caller and not yet called back (due by their
/// call-back date).
fn follow_ups_to_call_back<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let k = TaskKind::FollowUpToCallBack;
    mine(ctx, move |me| {
        store::follow_ups(conn, ctx, k, &[FollowUpState::Open], Person::Is(me))
    })
}

/// Follow-ups assigned to the caller that were called back and wait for the rectification, or
/// were rectified and wait for the result to be fed back (closed).
fn follow_ups_to_finish<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let k = TaskKind::FollowUpToFinish;
    let states = &[FollowUpState::CalledBack, FollowUpState::Rectified];
    mine(ctx, move |me| {
        store::follow_ups(conn, ctx, k, states, Person::Is(me))
    })
}

/// Office admins: open follow-ups nobody is named to call back yet.
fn follow_ups_to_assign<'c>(
    conn: &'c mut AsyncPgConnection,
    ctx: &'c Ctx,
) -> BoxFuture<'c, ApiResult<Vec<Task>>> {
    let k = TaskKind::FollowUpToAssign;
    office(
        ctx,
        store::follow_ups(conn, ctx, k, &[FollowUpState::Open], Person::Nobody),
    )
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
