//! Check-ins in the database.

use super::model::CheckInRow;
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
