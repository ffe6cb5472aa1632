//! Door-check items, the list's version and the day's records in the database.

use super::model::{DoorCheckRow, ItemRow};
use crate::db::schema::door_check_items as it;
use crate::db::schema::door_check_lists as dl;
use crate::db::schema::door_checks as dc;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// The version of the center's list (1 when it was never changed).
pub async fn version(conn: &mut AsyncPgConnection, center_id: Uuid) -> QueryResult<i32> {
    Ok(dl::table
        .find(center_id)
        .select(dl::version)
        .first(conn)
        .await
        .optional()?
        .unwrap_or(1))
}

/// Locks the center's list (creating its version row when missing) and answers its version.
pub async fn lock_list(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    diesel::insert_into(dl::table)
        .values((
            dl::center_id.eq(center_id),
            dl::version.eq(1),
            dl::updated_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    dl::table
        .find(center_id)
        .select(dl::version)
        .for_update()
        .first(conn)
        .await
}

pub async fn bump_version(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    diesel::update(dl::table.find(center_id))
        .set((dl::version.eq(dl::version + 1), dl::updated_at.eq(now)))
        .returning(dl::version)
        .get_result(conn)
        .await
}

/// Every item of the center: active first, each group in list order.
pub async fn items(conn: &mut AsyncPgConnection, center_id: Uuid) -> QueryResult<Vec<ItemRow>> {
    it::table
        .filter(it::center_id.eq(center_id))
        .order((it::active.desc(), it::position, it::code))
        .select(ItemRow::as_select())
        .load(conn)
        .await
}

/// The center's item with this code (active or not).
pub async fn item_by_code(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    code: &str,
) -> QueryResult<Option<ItemRow>> {
    it::table
        .filter(it::center_id.eq(center_id))
        .filter(it::code.eq(code))
        .select(ItemRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_items(conn: &mut AsyncPgConnection, rows: &[ItemRow]) -> QueryResult<usize> {
    diesel::insert_into(it::table)
        .values(rows)
        .execute(conn)
        .await
}

/// Writes an item's names, due, position and active flag.
pub async fn update_item(conn: &mut AsyncPgConnection, row: &ItemRow) -> QueryResult<usize> {
    diesel::update(it::table.find(row.id))
        .set((
            it::name_zh.eq(&row.name_zh),
            it::name_en.eq(&row.name_en),
            it::due.eq(row.due),
            it::position.eq(row.position),
            it::active.eq(row.active),
        ))
        .execute(conn)
        .await
}

pub async fn delete_items(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<usize> {
    diesel::delete(it::table.filter(it::id.eq_any(ids)))
        .execute(conn)
        .await
}

/// Those of `ids` that were recorded on some day (one query).
pub async fn ever_recorded(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    dc::table
        .filter(dc::item_id.eq_any(ids))
        .select(dc::item_id)
        .distinct()
        .load(conn)
        .await
}

/// Every door check of a center's day.
pub async fn of_day(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Vec<DoorCheckRow>> {
    dc::table
        .filter(dc::center_id.eq(center_id))
        .filter(dc::day.eq(day))
        .order(dc::received_at)
        .select(DoorCheckRow::as_select())
        .load(conn)
        .await
}

/// The item's record of the day, if any.
pub async fn of_item(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
    item_id: Uuid,
) -> QueryResult<Option<DoorCheckRow>> {
    dc::table
        .filter(dc::center_id.eq(center_id))
        .filter(dc::day.eq(day))
        .filter(dc::item_id.eq(item_id))
        .select(DoorCheckRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &DoorCheckRow) -> QueryResult<DoorCheckRow> {
    diesel::insert_into(dc::table)
        .values(row)
        .returning(DoorCheckRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut AsyncPgConnection, row: &DoorCheckRow) -> QueryResult<DoorCheckRow> {
    diesel::update(dc::table.find(row.id))
        .set(row)
        .returning(DoorCheckRow::as_returning())
        .get_result(conn)
        .await
}

/// Every door check of `[from, to]` (one query on the `(center_id, day, item_id)` key).
pub async fn between(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DoorCheckRow>> {
    dc::table
        .filter(dc::center_id.eq(center_id))
        .filter(dc::day.between(from, to))
        .order((dc::day, dc::received_at))
        .select(DoorCheckRow::as_select())
        .load(conn)
        .await
}
