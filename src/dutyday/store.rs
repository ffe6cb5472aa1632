//! Check-ins and the days' own hours in the database.

use super::model::{CheckInRow, DayHoursRow};
use crate::db::schema::day_hours as dh;
use crate::db::schema::duty_check_ins as ci;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub async fn insert(conn: &mut AsyncPgConnection, row: &CheckInRow) -> QueryResult<CheckInRow> {
    diesel::insert_into(ci::table)
        .values(row)
        .returning(CheckInRow::as_returning())
        .get_result(conn)
        .await
}

/// The caller's check-in of a day, if any.
pub async fn of(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
    staff_id: Uuid,
) -> QueryResult<Option<CheckInRow>> {
    ci::table
        .filter(ci::center_id.eq(center_id))
        .filter(ci::day.eq(day))
        .filter(ci::staff_id.eq(staff_id))
        .select(CheckInRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every check-in of a day.
pub async fn of_day(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Vec<CheckInRow>> {
    ci::table
        .filter(ci::center_id.eq(center_id))
        .filter(ci::day.eq(day))
        .order(ci::received_at)
        .select(CheckInRow::as_select())
        .load(conn)
        .await
}

/// The date's own hours, if the office set them.
pub async fn hours_of(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Option<DayHoursRow>> {
    dh::table
        .find((center_id, day))
        .select(DayHoursRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Sets the date's hours (keeping the override's id when it exists).
pub async fn upsert_hours(
    conn: &mut AsyncPgConnection,
    row: &DayHoursRow,
) -> QueryResult<DayHoursRow> {
    diesel::insert_into(dh::table)
        .values(row)
        .on_conflict((dh::center_id, dh::day))
        .do_update()
        .set((
            dh::opening_time.eq(row.opening_time),
            dh::closing_time.eq(row.closing_time),
            dh::reason.eq(&row.reason),
            dh::updated_at.eq(row.updated_at),
        ))
        .returning(DayHoursRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete_hours(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<usize> {
    diesel::delete(dh::table.find((center_id, day)))
        .execute(conn)
        .await
}

/// The dates of `[from, to]` that have their own hours (one query on the primary key).
pub async fn hours_between(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DayHoursRow>> {
    dh::table
        .filter(dh::center_id.eq(center_id))
        .filter(dh::day.between(from, to))
        .select(DayHoursRow::as_select())
        .load(conn)
        .await
}

/// Every check-in of `[from, to]` (one query on the `(center_id, day, staff_id)` key).
pub async fn between(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<CheckInRow>> {
    ci::table
        .filter(ci::center_id.eq(center_id))
        .filter(ci::day.between(from, to))
        .select(CheckInRow::as_select())
        .load(conn)
        .await
}
