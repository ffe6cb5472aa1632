//! The inbox's queries: one per source, each on an index of its table (see `docs/inbox.md`),
//! newest first, at most [`Ctx::fetch`] rows.

use super::model::{Ctx, Task, TaskKind};
use crate::changes::workflow::{SubstitutionStatus, SwapStatus};
use crate::db::schema::{
    citizen_requests as cr, duty_assignments as da, handovers as ho, rectifications as re,
    substitutions as su, swaps as sw,
};
use crate::rectifications::workflow::RectificationStatus;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::not;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Substitutions in `status` (of the center), where the substitute is `substitute` when given;
/// `since` is their last change (the move into `status`: proposed, accepted).
pub async fn substitutions(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    kind: TaskKind,
    status: SubstitutionStatus,
    substitute: Option<Uuid>,
) -> QueryResult<Vec<Task>> {
    // A request's last change is the move that put it in `status`.
    let since = su::updated_at;
    let mut q = su::table
        .inner_join(da::table.on(da::id.eq(su::assignment_id)))
        .filter(su::center_id.eq(ctx.center_id))
        .filter(su::status.eq(status))
        .order((since.desc(), su::id.desc()))
        .limit(ctx.fetch)
        .select((su::id, su::original_staff_id, da::date, since))
        .into_boxed();
    if let Some(me) = substitute {
        q = q.filter(su::substitute_id.eq(me));
    }
    let rows: Vec<(Uuid, Uuid, NaiveDate, DateTime<Utc>)> = q.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(id, who, day, at)| {
            Task::new(kind, id, at)
                .from(Some(who))
                .on(Some(day))
                .due(Some(day))
        })
        .collect())
}

/// Swaps in `status`, where the other side is `other` when given; `since` is their last change.
/// The date is the requester's duty (the one the other side takes over); due by the earlier of
/// the two duties.
pub async fn swaps(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    kind: TaskKind,
    status: SwapStatus,
    other: Option<Uuid>,
) -> QueryResult<Vec<Task>> {
    let (a, b) = diesel::alias!(da as a, da as b);
    let since = sw::updated_at;
    let mut q = sw::table
        .inner_join(a.on(a.field(da::id).eq(sw::assignment_a)))
        .inner_join(b.on(b.field(da::id).eq(sw::assignment_b)))
        .filter(sw::center_id.eq(ctx.center_id))
        .filter(sw::status.eq(status))
        .order((since.desc(), sw::id.desc()))
        .limit(ctx.fetch)
        .select((
            sw::id,
            sw::staff_a,
            a.field(da::date),
            b.field(da::date),
            since,
        ))
        .into_boxed();
    if let Some(me) = other {
        q = q.filter(sw::staff_b.eq(me));
    }
    let rows: Vec<(Uuid, Uuid, NaiveDate, NaiveDate, DateTime<Utc>)> = q.load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(id, who, day_a, day_b, at)| {
            Task::new(kind, id, at)
                .from(Some(who))
                .on(Some(day_a))
                .due(Some(day_a.min(day_b)))
        })
        .collect())
}

/// Handovers not confirmed yet to a day from `ctx.today` on where `me` holds a published duty
/// (after substitutions).
pub async fn handovers_to_confirm(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    me: Uuid,
) -> QueryResult<Vec<Task>> {
    let mine = da::substitute_id
        .eq(me)
        .or(da::substitute_id.is_null().and(da::staff_id.eq(me)));
    let rows: Vec<(Uuid, Uuid, NaiveDate, DateTime<Utc>)> = ho::table
        .inner_join(
            da::table.on(da::center_id
                .eq(ho::center_id)
                .and(da::date.eq(ho::to_day))
                .and(da::published.eq(true))
                .and(mine)),
        )
        .filter(ho::center_id.eq(ctx.center_id))
        .filter(ho::confirmed_at.is_null())
        .filter(ho::to_day.ge(ctx.today))
        .order((ho::made_at.desc(), ho::id.desc()))
        .limit(ctx.fetch)
        .select((ho::id, ho::made_by, ho::to_day, ho::made_at))
        .distinct()
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, who, day, at)| {
            Task::new(TaskKind::HandoverToConfirm, id, at)
                .from(Some(who))
                .on(Some(day))
                .due(Some(day))
        })
        .collect())
}

/// Rectifications in `statuses`: of staff member `staff` (`None`: hall-wide ones) when
/// `of_staff`, else all of the center. `since` is their last change (opened, reopened,
/// answered).
pub async fn rectifications(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    kind: TaskKind,
    statuses: &[RectificationStatus],
    of_staff: Option<Option<Uuid>>,
) -> QueryResult<Vec<Task>> {
    let mut q = re::table
        .filter(re::center_id.eq(ctx.center_id))
        .filter(re::status.eq_any(statuses.to_vec()))
        .order((re::updated_at.desc(), re::id.desc()))
        .limit(ctx.fetch)
        .select((re::id, re::staff_id, re::deadline, re::updated_at))
        .into_boxed();
    match of_staff {
        Some(Some(s)) => q = q.filter(re::staff_id.eq(s)),
        Some(None) => q = q.filter(re::staff_id.is_null()),
        None => {}
    }
    let rows: Vec<(Uuid, Option<Uuid>, NaiveDate, DateTime<Utc>)> = q.load(conn).await?;
    let show_who = kind == TaskKind::RectificationToVerify;
    Ok(rows
        .into_iter()
        .map(|(id, who, deadline, at)| {
            Task::new(kind, id, at)
                .from(who.filter(|_| show_who))
                .due(Some(deadline))
        })
        .collect())
}

/// A citizen's request as the inbox reads it: id, tracking number, subject, due date, since.
type OwnedRow = (Uuid, String, String, Option<NaiveDate>, DateTime<Utc>);

/// The states in which a citizen's request no longer waits on its owner.
const CITIZEN_DONE: [&str; 3] = ["answered", "closed", "refused"];

/// Citizens' requests `me` owns that are not answered, closed or refused; `since` is when they
/// came to `me` (the open link of the owner chain), else when received.
pub async fn citizen_requests_owned(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    me: Uuid,
) -> QueryResult<Vec<Task>> {
    let came = diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
        "coalesce((SELECT max(o.since) FROM citizen_request_owners o \
         WHERE o.request_id = citizen_requests.id AND o.until IS NULL \
         AND o.owner_id = citizen_requests.owner_id), citizen_requests.received_at)",
    );
    let rows: Vec<OwnedRow> = cr::table
        .filter(cr::center_id.eq(ctx.center_id))
        .filter(cr::owner_id.eq(me))
        .filter(not(cr::state.eq_any(CITIZEN_DONE)))
        .order(cr::id.desc())
        .limit(ctx.fetch)
        .select((cr::id, cr::tracking_no, cr::subject, cr::due_on, came))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, no, subject, due, at)| {
            Task::new(TaskKind::CitizenRequestOwned, id, at)
                .titled(format!("{no} {subject}"))
                .due(due)
        })
        .collect())
}
