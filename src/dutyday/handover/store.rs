//! Handovers and their items in the database.

use super::model::{HandoverRow, HandoverStatus, ItemKind, ItemRow};
use crate::db::schema::handover_items as hi;
use crate::db::schema::handovers as ho;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Stores a handover and its items; `None` (nothing written) when the day has one already (a
/// concurrent request made it first: the insert waits for it and then does nothing).
pub async fn insert(
    conn: &mut AsyncPgConnection,
    row: &HandoverRow,
    items: &[ItemRow],
) -> QueryResult<Option<HandoverRow>> {
    let Some(row) = diesel::insert_into(ho::table)
        .values(row)
        .on_conflict((ho::center_id, ho::day))
        .do_nothing()
        .returning(HandoverRow::as_returning())
        .get_result(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    diesel::insert_into(hi::table)
        .values(items)
        .execute(conn)
        .await?;
    Ok(Some(row))
}

/// The center's handover `id`, locked for the transaction when `lock`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
    lock: bool,
) -> QueryResult<Option<HandoverRow>> {
    let q = ho::table
        .filter(ho::center_id.eq(center_id))
        .filter(ho::id.eq(id))
        .select(HandoverRow::as_select());
    if lock {
        q.for_update().first(conn).await.optional()
    } else {
        q.first(conn).await.optional()
    }
}

/// The handover given on `day`, if made.
pub async fn given_on(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Option<HandoverRow>> {
    ho::table
        .filter(ho::center_id.eq(center_id))
        .filter(ho::day.eq(day))
        .select(HandoverRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The handovers given or received on `day` (at most one of each), in one query.
pub async fn of_day(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Vec<HandoverRow>> {
    ho::table
        .filter(ho::center_id.eq(center_id))
        .filter(ho::day.eq(day).or(ho::to_day.eq(day)))
        .order(ho::day)
        .select(HandoverRow::as_select())
        .load(conn)
        .await
}

/// The items of the given handovers, in order (one query).
pub async fn items(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<ItemRow>> {
    hi::table
        .filter(hi::handover_id.eq_any(ids))
        .order((hi::handover_id, hi::position))
        .select(ItemRow::as_select())
        .load(conn)
        .await
}

/// Marks the not yet confirmed ones of `ids` (items of `handover_id`) confirmed by `by` at
/// `at`; answers how many changed.
pub async fn confirm(
    conn: &mut AsyncPgConnection,
    handover_id: Uuid,
    ids: &[Uuid],
    by: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        hi::table
            .filter(hi::handover_id.eq(handover_id))
            .filter(hi::id.eq_any(ids))
            .filter(hi::confirmed_at.is_null()),
    )
    .set((hi::confirmed_by.eq(by), hi::confirmed_at.eq(at)))
    .execute(conn)
    .await
}

/// Replaces the note items of a handover with `notes` (already numbered after the other items).
pub async fn replace_notes(
    conn: &mut AsyncPgConnection,
    handover_id: Uuid,
    notes: &[ItemRow],
) -> QueryResult<()> {
    diesel::delete(
        hi::table
            .filter(hi::handover_id.eq(handover_id))
            .filter(hi::kind.eq(ItemKind::Note)),
    )
    .execute(conn)
    .await?;
    if !notes.is_empty() {
        diesel::insert_into(hi::table)
            .values(notes)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Stores a handover's counts, confirmation time and version.
pub async fn update(conn: &mut AsyncPgConnection, row: &HandoverRow) -> QueryResult<HandoverRow> {
    diesel::update(ho::table.find(row.id))
        .set((
            ho::items_total.eq(row.items_total),
            ho::items_confirmed.eq(row.items_confirmed),
            ho::confirmed_at.eq(row.confirmed_at),
            ho::version.eq(row.version),
            ho::updated_at.eq(row.updated_at),
        ))
        .returning(HandoverRow::as_returning())
        .get_result(conn)
        .await
}

/// The office's list: the center's handovers given in `[from, to]`, in (day, id) order after
/// `after`, narrowed to a status; up to `limit + 1` rows.
pub async fn list(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    (from, to): (NaiveDate, NaiveDate),
    status: Option<HandoverStatus>,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<HandoverRow>> {
    let mut q = ho::table
        .filter(ho::center_id.eq(center_id))
        .filter(ho::day.ge(from))
        .filter(ho::day.le(to))
        .order((ho::day, ho::id))
        .limit(limit + 1)
        .select(HandoverRow::as_select())
        .into_boxed();
    match status {
        Some(HandoverStatus::Unconfirmed) => q = q.filter(ho::confirmed_at.is_null()),
        Some(HandoverStatus::Confirmed) => q = q.filter(ho::confirmed_at.is_not_null()),
        None => {}
    }
    if let Some((d, id)) = after {
        q = q.filter(ho::day.gt(d).or(ho::day.eq(d).and(ho::id.gt(id))));
    }
    q.load(conn).await
}

/// The handovers given in `[from, to]` (one query on the `(center_id, day)` key).
pub async fn given_between(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<HandoverRow>> {
    ho::table
        .filter(ho::center_id.eq(center_id))
        .filter(ho::day.between(from, to))
        .select(HandoverRow::as_select())
        .load(conn)
        .await
}
