//! Inspection findings in the database.

use super::model::{Category, InspectionRow, Outcome, Severity};
use crate::db::schema::inspections as ins;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

pub async fn insert(
    conn: &mut AsyncPgConnection,
    row: &InspectionRow,
) -> QueryResult<InspectionRow> {
    diesel::insert_into(ins::table)
        .values(row)
        .returning(InspectionRow::as_returning())
        .get_result(conn)
        .await
}

/// Finding `id` of the center.
pub async fn find(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<InspectionRow>> {
    ins::table
        .filter(ins::center_id.eq(center_id))
        .filter(ins::id.eq(id))
        .select(InspectionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// One page's query, already scoped to the caller.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    pub center_id: Uuid,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only findings about this person.
    pub staff_id: Option<Uuid>,
    pub category: Option<Category>,
    pub severity: Option<Severity>,
    pub result: Option<Outcome>,
    /// Keyset cursor: only ids below this one (newest first).
    pub before: Option<Uuid>,
    pub fetch: i64,
}

/// Up to `f.fetch` findings matching `f`, newest first.
pub async fn page(conn: &mut AsyncPgConnection, f: Filter) -> QueryResult<Vec<InspectionRow>> {
    let mut q = ins::table
        .filter(ins::center_id.eq(f.center_id))
        .select(InspectionRow::as_select())
        .order(ins::id.desc())
        .limit(f.fetch)
        .into_boxed();
    if let Some(d) = f.from {
        q = q.filter(ins::day.ge(d));
    }
    if let Some(d) = f.to {
        q = q.filter(ins::day.le(d));
    }
    if let Some(s) = f.staff_id {
        q = q.filter(ins::staff_id.eq(s));
    }
    if let Some(c) = f.category {
        q = q.filter(ins::category.eq(c));
    }
    if let Some(s) = f.severity {
        q = q.filter(ins::severity.eq(s));
    }
    if let Some(r) = f.result {
        q = q.filter(ins::result.eq(r));
    }
    if let Some(b) = f.before {
        q = q.filter(ins::id.lt(b));
    }
    q.load(conn).await
}

/// The findings of a day in the order they were received; only those about `about` when given.
pub async fn of_day(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
    about: Option<Uuid>,
) -> QueryResult<Vec<InspectionRow>> {
    let mut q = ins::table
        .filter(ins::center_id.eq(center_id))
        .filter(ins::day.eq(day))
        .select(InspectionRow::as_select())
        .order(ins::id)
        .into_boxed();
    if let Some(s) = about {
        q = q.filter(ins::staff_id.eq(s));
    }
    q.load(conn).await
}

/// The findings `ids` of the center.
pub async fn by_ids(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<InspectionRow>> {
    ins::table
        .filter(ins::center_id.eq(center_id))
        .filter(ins::id.eq_any(ids))
        .select(InspectionRow::as_select())
        .load(conn)
        .await
}
