//! Ratings, their links and follow-ups in the database.

use super::follow_up::FollowUpState;
use super::model::{BAD, FollowUpRow, LinkRow, RatingRow};
use crate::db::schema::{rating_follow_ups as fu, rating_links as rl, ratings as ra};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The current (latest) rating of `subject_key`, locked until the transaction ends.
pub async fn current(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    subject_key: &str,
) -> QueryResult<Option<RatingRow>> {
    ra::table
        .filter(ra::center_id.eq(center_id))
        .filter(ra::subject_key.eq(subject_key))
        .order(ra::round.desc())
        .select(RatingRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Inserts `row`; `false` when that subject already has a rating of that round (a parallel
/// rating won).
pub async fn insert_rating(conn: &mut AsyncPgConnection, row: &RatingRow) -> QueryResult<bool> {
    let n = diesel::insert_into(ra::table)
        .values(row)
        .on_conflict((ra::center_id, ra::subject_key, ra::round))
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn supersede(conn: &mut AsyncPgConnection, old: Uuid, new: Uuid) -> QueryResult<()> {
    diesel::update(ra::table.find(old))
        .set(ra::superseded_by.eq(new))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_link(conn: &mut AsyncPgConnection, row: &LinkRow) -> QueryResult<()> {
    diesel::insert_into(rl::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}

/// Consumes the link with `hash` if it is unused and unexpired at `now`: exactly one caller
/// gets it, however many try at once.
pub async fn consume_link(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<LinkRow>> {
    diesel::update(
        rl::table
            .filter(rl::token_hash.eq(hash))
            .filter(rl::used_at.is_null())
            .filter(rl::expires_at.gt(now)),
    )
    .set(rl::used_at.eq(now))
    .returning(LinkRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// The link with `hash`, whatever its state.
pub async fn link(conn: &mut AsyncPgConnection, hash: &[u8]) -> QueryResult<Option<LinkRow>> {
    rl::table
        .filter(rl::token_hash.eq(hash))
        .select(LinkRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn link_used_for(
    conn: &mut AsyncPgConnection,
    link: Uuid,
    rating: Uuid,
) -> QueryResult<()> {
    diesel::update(rl::table.find(link))
        .set(rl::rating_id.eq(rating))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_follow_up(
    conn: &mut AsyncPgConnection,
    row: &FollowUpRow,
) -> QueryResult<FollowUpRow> {
    diesel::insert_into(fu::table)
        .values(row)
        .returning(FollowUpRow::as_returning())
        .get_result(conn)
        .await
}

/// The follow-up `id` of the center; `lock` holds it until the transaction ends.
pub async fn follow_up(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
    lock: bool,
) -> QueryResult<FollowUpRow> {
    let q = fu::table
        .filter(fu::center_id.eq(center_id))
        .filter(fu::id.eq(id))
        .select(FollowUpRow::as_select());
    if lock {
        q.for_update().first(conn).await
    } else {
        q.first(conn).await
    }
}

/// The follow-up of rating `rating_id`, if any.
pub async fn follow_up_of(
    conn: &mut AsyncPgConnection,
    rating_id: Uuid,
) -> QueryResult<Option<FollowUpRow>> {
    fu::table
        .filter(fu::rating_id.eq(rating_id))
        .select(FollowUpRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn set_follow_up_state(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: FollowUpState,
    decided_by: Option<Uuid>,
    note: &str,
) -> QueryResult<FollowUpRow> {
    diesel::update(fu::table.find(id))
        .set((
            fu::state.eq(state),
            fu::decided_by.eq(decided_by),
            fu::decision_note.eq(note),
            fu::updated_at.eq(Utc::now()),
        ))
        .returning(FollowUpRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_assignee(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    assignee: Uuid,
) -> QueryResult<()> {
    diesel::update(fu::table.find(id))
        .set(fu::assignee_id.eq(assignee))
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether `staff` is the assignee of a follow-up, not closed, of a rating of the center's
/// citizen's request `request_id`: then they call that citizen back and may read the clear
/// contact.
pub async fn calls_back(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    request_id: Uuid,
    staff: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        fu::table
            .inner_join(ra::table.on(ra::id.eq(fu::rating_id)))
            .filter(fu::assignee_id.eq(staff))
            .filter(fu::state.ne(FollowUpState::Closed))
            .filter(fu::center_id.eq(center_id))
            .filter(ra::request_id.eq(request_id)),
    ))
    .get_result(conn)
    .await
}

/// Follow-ups of these ratings.
pub async fn follow_ups_of(
    conn: &mut AsyncPgConnection,
    rating_ids: &[Uuid],
) -> QueryResult<Vec<FollowUpRow>> {
    fu::table
        .filter(fu::rating_id.eq_any(rating_ids))
        .select(FollowUpRow::as_select())
        .load(conn)
        .await
}

pub async fn ratings_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<RatingRow>> {
    ra::table
        .filter(ra::id.eq_any(ids))
        .select(RatingRow::as_select())
        .load(conn)
        .await
}

/// What a list of ratings asks for, scoped to the caller.
#[derive(Debug, Clone, Copy)]
pub struct RatingFilter {
    pub center_id: Uuid,
    pub level: Option<i32>,
    pub staff_id: Option<Uuid>,
    pub has_follow_up: Option<bool>,
    /// Staff who do not read all: only ratings of them or whose follow-up is theirs.
    pub mine: Option<Uuid>,
    pub before: Option<Uuid>,
    pub fetch: i64,
}

/// Up to `f.fetch` ratings matching `f`, newest first.
pub async fn ratings_page(
    conn: &mut AsyncPgConnection,
    f: RatingFilter,
) -> QueryResult<Vec<RatingRow>> {
    let mut q = ra::table
        .filter(ra::center_id.eq(f.center_id))
        .select(RatingRow::as_select())
        .order(ra::id.desc())
        .limit(f.fetch)
        .into_boxed();
    if let Some(l) = f.level {
        q = q.filter(ra::level.eq(l));
    }
    if let Some(s) = f.staff_id {
        q = q.filter(ra::staff_id.eq(s));
    }
    match f.has_follow_up {
        Some(true) => q = q.filter(ra::level.le(BAD)),
        Some(false) => q = q.filter(ra::level.gt(BAD)),
        None => {}
    }
    if let Some(me) = f.mine {
        let assigned = fu::table
            .filter(fu::assignee_id.eq(me))
            .select(fu::rating_id);
        q = q.filter(ra::staff_id.eq(me).or(ra::id.eq_any(assigned)));
    }
    if let Some(b) = f.before {
        q = q.filter(ra::id.lt(b));
    }
    q.load(conn).await
}

/// Up to `fetch` follow-ups of the center, newest first.
pub async fn follow_ups_page(
    conn: &mut AsyncPgConnection,
    f: crate::lifecycle::list::Filter<FollowUpState>,
) -> QueryResult<Vec<FollowUpRow>> {
    let mut q = fu::table
        .filter(fu::center_id.eq(f.center_id))
        .select(FollowUpRow::as_select())
        .order(fu::id.desc())
        .limit(f.fetch)
        .into_boxed();
    if let Some(s) = f.status {
        q = q.filter(fu::state.eq(s));
    }
    if let Some(a) = f.involving {
        q = q.filter(fu::assignee_id.eq(a));
    }
    if let Some(b) = f.before {
        q = q.filter(fu::id.lt(b));
    }
    q.load(conn).await
}
