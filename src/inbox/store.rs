//! The inbox's queries: one per source, each on an index of its table (see `docs/inbox.md`),
//! newest first, at most [`Ctx::fetch`] rows. All but the handovers' share one shape,
//! [`waiting!`]: the center's records in some states, of one person (or of nobody, or of
//! anyone), newest first, capped.

use super::model::{Ctx, Task, TaskKind};
use crate::changes::workflow::{SubstitutionStatus, SwapStatus};
use crate::citizen::model::State as CitizenState;
use crate::db::schema::{
    citizen_requests as cr, duty_assignments as da, handovers as ho, rating_follow_ups as fu,
    ratings as ra, rectifications as re, substitutions as su, swaps as sw,
};
use crate::ratings::follow_up::FollowUpState;
use crate::rectifications::workflow::RectificationStatus;
use crate::text_enum::TextEnum;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Whose records a query holds, by the record's person column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Person {
    /// Everyone's (office queues).
    Anyone,
    /// This staff member's.
    Is(Uuid),
    /// Records naming nobody (a hall-wide rectification, a follow-up without an assignee).
    Nobody,
}

/// The one shape of the inbox's queries: `$query` (a table or join, its columns selected)
/// narrowed to the caller's center by `center`, to the states `states` of the column `state`,
/// and to `person` by the column `person`; ordered by `order` (newest first); at most
/// `ctx.fetch` rows; loaded on `conn`.
macro_rules! waiting {
    (
        $conn:expr, $ctx:expr, $query:expr,
        center: $center:expr,
        state: $state:expr => $states:expr,
        person: $pcol:expr => $person:expr,
        order: $order:expr $(,)?
    ) => {{
        let mut q = $query
            .filter($center.eq($ctx.center_id))
            .filter($state.eq_any($states))
            .order($order)
            .limit($ctx.fetch)
            .into_boxed();
        match $person {
            Person::Anyone => {}
            Person::Is(p) => q = q.filter($pcol.eq(p)),
            Person::Nobody => q = q.filter($pcol.is_null()),
        }
        q.load($conn).await?
    }};
}

/// Substitutions in `status` (of the center) whose substitute is `substitute`; `since` is
/// their last change (the move into `status`: proposed, accepted).
pub async fn substitutions(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    kind: TaskKind,
    status: SubstitutionStatus,
    substitute: Person,
) -> QueryResult<Vec<Task>> {
    // A request's last change is the move that put it in `status`.
    let since = su::updated_at;
    let rows: Vec<(Uuid, Uuid, NaiveDate, DateTime<Utc>)> = waiting!(
        conn, ctx,
        su::table
            .inner_join(da::table.on(da::id.eq(su::assignment_id)))
            .select((su::id, su::original_staff_id, da::date, since)),
        center: su::center_id,
        state: su::status => [status],
        person: su::substitute_id => substitute,
        order: (since.desc(), su::id.desc()),
    );
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

/// Swaps in `status` whose other side is `other`; `since` is their last change. The date is the
/// requester's duty (the one the other side takes over); due by the earlier of the two duties.
pub async fn swaps(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    kind: TaskKind,
    status: SwapStatus,
    other: Person,
) -> QueryResult<Vec<Task>> {
    let (a, b) = diesel::alias!(da as a, da as b);
    let since = sw::updated_at;
    let rows: Vec<(Uuid, Uuid, NaiveDate, NaiveDate, DateTime<Utc>)> = waiting!(
        conn, ctx,
        sw::table
            .inner_join(a.on(a.field(da::id).eq(sw::assignment_a)))
            .inner_join(b.on(b.field(da::id).eq(sw::assignment_b)))
            .select((
                sw::id,
                sw::staff_a,
                a.field(da::date),
                b.field(da::date),
                since,
            )),
        center: sw::center_id,
        state: sw::status => [status],
        person: sw::staff_b => other,
        order: (since.desc(), sw::id.desc()),
    );
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

/// Rectifications in `statuses` of staff member `staff` (`Nobody`: hall-wide ones; `Anyone`:
/// all of the center). `since` is their last change (opened, reopened, answered).
pub async fn rectifications(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    kind: TaskKind,
    statuses: &[RectificationStatus],
    staff: Person,
) -> QueryResult<Vec<Task>> {
    let rows: Vec<(Uuid, Option<Uuid>, NaiveDate, DateTime<Utc>)> = waiting!(
        conn, ctx,
        re::table.select((re::id, re::staff_id, re::deadline, re::updated_at)),
        center: re::center_id,
        state: re::status => statuses.to_vec(),
        person: re::staff_id => staff,
        order: (re::updated_at.desc(), re::id.desc()),
    );
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

/// Citizens' requests `me` owns that still wait on their owner ([`CitizenState::open`]: not
/// answered, closed or refused); `since` is when they came to `me` (the open link of the owner
/// chain), else when received.
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
    let open: Vec<CitizenState> = CitizenState::ALL
        .iter()
        .copied()
        .filter(|s| s.open())
        .collect();
    let rows: Vec<OwnedRow> = waiting!(
        conn, ctx,
        cr::table.select((cr::id, cr::tracking_no, cr::subject, cr::due_on, came)),
        center: cr::center_id,
        state: cr::state => open,
        person: cr::owner_id => Person::Is(me),
        order: cr::id.desc(),
    );
    Ok(rows
        .into_iter()
        .map(|(id, no, subject, due, at)| {
            Task::new(TaskKind::CitizenRequestOwned, id, at)
                .titled(format!("{no} {subject}"))
                .due(due)
        })
        .collect())
}

/// A follow-up as the inbox reads it: id, state, call-back due date, since, the rated request's
/// tracking number, the rated service's matter.
type FollowUpTaskRow = (
    Uuid,
    FollowUpState,
    Option<NaiveDate>,
    DateTime<Utc>,
    Option<String>,
    Option<String>,
);

/// Follow-ups of bad ratings in `states` whose assignee is `assignee` (`Nobody`: none named
/// yet); `since` is their last change (opened, assigned, called back, rectified). Due by the
/// call-back date while `open` (no date after the call back). Titled with the rated request's
/// tracking number, or the rated service's matter.
pub async fn follow_ups(
    conn: &mut AsyncPgConnection,
    ctx: &Ctx,
    kind: TaskKind,
    states: &[FollowUpState],
    assignee: Person,
) -> QueryResult<Vec<Task>> {
    let rows: Vec<FollowUpTaskRow> = waiting!(
        conn, ctx,
        fu::table
            .inner_join(ra::table.on(ra::id.eq(fu::rating_id)))
            .left_join(cr::table.on(ra::request_id.eq(cr::id.nullable())))
            .select((
                fu::id,
                fu::state,
                fu::due_on,
                fu::updated_at,
                cr::tracking_no.nullable(),
                ra::matter,
            )),
        center: fu::center_id,
        state: fu::state => states.to_vec(),
        person: fu::assignee_id => assignee,
        order: (fu::updated_at.desc(), fu::id.desc()),
    );
    Ok(rows
        .into_iter()
        .map(|(id, state, due, at, no, matter)| {
            let task = Task::new(kind, id, at).due(due.filter(|_| state == FollowUpState::Open));
            match no.or(matter) {
                Some(t) => task.titled(t),
                None => task,
            }
        })
        .collect())
}
