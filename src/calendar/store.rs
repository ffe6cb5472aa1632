//! Queries for the working-day calendar: statutory days (global) and center overrides.

use super::model::OverrideRow;
use super::workdays::{Calendar, DayKind, DaySource, SpecialDay};
use crate::db::schema::{calendar_overrides, statutory_days};
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

fn special(
    (date, kind, name): (NaiveDate, String, String),
    source: DaySource,
) -> QueryResult<SpecialDay> {
    let kind = DayKind::parse(&kind).ok_or_else(|| {
        diesel::result::Error::DeserializationError(
            format!("unknown calendar day kind `{kind}` on {date}").into(),
        )
    })?;
    Ok(SpecialDay {
        date,
        kind,
        name,
        source,
    })
}

/// The center's calendar for `[from, to]` (inclusive), in two queries (statutory days, then the
/// center's overrides), both on primary-key ranges.
///
/// The result records `[from, to]` as its loaded range. Dates outside it follow the weekday rule,
/// so load generously when you will count past `to` (e.g. `add_working_days`): special days
/// outside the range are not known to it.
pub async fn load(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Calendar> {
    let statutory: Vec<(NaiveDate, String, String)> = statutory_days::table
        .filter(statutory_days::day.between(from, to))
        .select((
            statutory_days::day,
            statutory_days::kind,
            statutory_days::name,
        ))
        .load(conn)
        .await?;
    let overrides: Vec<(NaiveDate, String, String)> = calendar_overrides::table
        .filter(calendar_overrides::center_id.eq(center_id))
        .filter(calendar_overrides::day.between(from, to))
        .select((
            calendar_overrides::day,
            calendar_overrides::kind,
            calendar_overrides::name,
        ))
        .load(conn)
        .await?;
    let mut days = Vec::with_capacity(statutory.len() + overrides.len());
    for row in statutory {
        days.push(special(row, DaySource::Statutory)?);
    }
    for row in overrides {
        days.push(special(row, DaySource::Override)?);
    }
    Ok(Calendar::new(days).with_loaded_range(from, to))
}

/// Serialises calendar writers of one center until the transaction ends, so that what a writer
/// reads as "before" is still true when it writes (and audits) "after". Readers are not blocked.
pub async fn lock_center_calendar(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<diesel::sql_types::Text, _>(format!("dutydesk:calendar:{center_id}"))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The center's overrides of `dates` (those that exist).
pub async fn overrides(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    dates: &[NaiveDate],
) -> QueryResult<Vec<OverrideRow>> {
    calendar_overrides::table
        .filter(calendar_overrides::center_id.eq(center_id))
        .filter(calendar_overrides::day.eq_any(dates))
        .select(OverrideRow::as_select())
        .load(conn)
        .await
}

/// The center's override of `date`, if any.
pub async fn override_of(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    date: NaiveDate,
) -> QueryResult<Option<OverrideRow>> {
    calendar_overrides::table
        .find((center_id, date))
        .select(OverrideRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A wanted override: `(date, kind, name)`.
pub struct OverrideWrite<'a> {
    pub date: NaiveDate,
    pub kind: &'a str,
    pub name: &'a str,
}

/// Inserts or replaces the center's overrides in one statement; a replaced row's version goes
/// up by one. Dates must be distinct. Returns the rows as stored.
pub async fn upsert_overrides(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    writes: &[OverrideWrite<'_>],
) -> QueryResult<Vec<OverrideRow>> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let rows: Vec<_> = writes
        .iter()
        .map(|w| {
            (
                calendar_overrides::center_id.eq(center_id),
                calendar_overrides::day.eq(w.date),
                calendar_overrides::kind.eq(w.kind),
                calendar_overrides::name.eq(w.name),
                calendar_overrides::created_at.eq(now),
                calendar_overrides::updated_at.eq(now),
            )
        })
        .collect();
    diesel::insert_into(calendar_overrides::table)
        .values(rows)
        .on_conflict((calendar_overrides::center_id, calendar_overrides::day))
        .do_update()
        .set((
            calendar_overrides::kind.eq(excluded(calendar_overrides::kind)),
            calendar_overrides::name.eq(excluded(calendar_overrides::name)),
            calendar_overrides::version.eq(calendar_overrides::version + 1),
            calendar_overrides::updated_at.eq(now),
        ))
        .returning(OverrideRow::as_returning())
        .get_results(conn)
        .await
}

/// Deletes the center's override of `date`; returns it, or `None` when there was none.
pub async fn delete_override(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    date: NaiveDate,
) -> QueryResult<Option<OverrideRow>> {
    diesel::delete(calendar_overrides::table.find((center_id, date)))
        .returning(OverrideRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}
