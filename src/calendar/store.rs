//! Queries for the working-day calendar: statutory days (global) and center overrides.

use super::model::OverrideRow;
use super::statutory::YearSchedule;
use super::workdays::{Calendar, DayKind, DaySource, SpecialDay};
use crate::db::schema::{calendar_overrides, statutory_days, statutory_years};
use chrono::{Datelike, NaiveDate, Utc};
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
    let years: Vec<i32> = statutory_years::table
        .filter(statutory_years::year.between(from.year(), to.year()))
        .select(statutory_years::year)
        .load(conn)
        .await?;
    let mut days = Vec::with_capacity(statutory.len() + overrides.len());
    for row in statutory {
        days.push(special(row, DaySource::Statutory)?);
    }
    for row in overrides {
        days.push(special(row, DaySource::Override)?);
    }
    Ok(Calendar::new(days)
        .with_loaded_range(from, to)
        .with_statutory_years(years))
}

/// What loading one year of a schedule did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YearLoad {
    /// The year was not loaded before.
    Loaded { year: i32, days: usize },
    /// The year was loaded with other days; they were replaced (`replace` was given).
    Replaced { year: i32, days: usize },
    /// The year was already loaded with exactly these days.
    Unchanged { year: i32 },
    /// The year was loaded with other days and `replace` was not given: nothing written.
    Differs { year: i32 },
}

/// Loads statutory years in one transaction's worth of statements (the caller's): each year
/// replaces every statutory day of that year and records its source and digest. A year already
/// loaded with other days is replaced only when `replace` is set.
pub async fn load_statutory_years(
    conn: &mut AsyncPgConnection,
    schedules: &[YearSchedule],
    replace: bool,
    now: chrono::DateTime<Utc>,
) -> QueryResult<Vec<YearLoad>> {
    let mut out = Vec::new();
    for y in schedules {
        let existing: Option<String> = statutory_years::table
            .find(y.year)
            .select(statutory_years::digest)
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let outcome = match &existing {
            Some(d) if *d == y.digest => {
                out.push(YearLoad::Unchanged { year: y.year });
                continue;
            }
            Some(_) if !replace => {
                out.push(YearLoad::Differs { year: y.year });
                continue;
            }
            Some(_) => YearLoad::Replaced {
                year: y.year,
                days: y.days.len(),
            },
            None => YearLoad::Loaded {
                year: y.year,
                days: y.days.len(),
            },
        };
        let first = NaiveDate::from_ymd_opt(y.year, 1, 1).expect("valid year");
        let last = NaiveDate::from_ymd_opt(y.year, 12, 31).expect("valid year");
        diesel::delete(statutory_days::table.filter(statutory_days::day.between(first, last)))
            .execute(conn)
            .await?;
        let rows: Vec<_> = y
            .days
            .iter()
            .map(|(d, k, n)| {
                (
                    statutory_days::day.eq(*d),
                    statutory_days::kind.eq(k.as_str()),
                    statutory_days::name.eq(n),
                )
            })
            .collect();
        diesel::insert_into(statutory_days::table)
            .values(rows)
            .execute(conn)
            .await?;
        diesel::insert_into(statutory_years::table)
            .values((
                statutory_years::year.eq(y.year),
                statutory_years::source.eq(&y.source),
                statutory_years::digest.eq(&y.digest),
                statutory_years::fixture.eq(y.fixture),
                statutory_years::loaded_at.eq(now),
            ))
            .on_conflict(statutory_years::year)
            .do_update()
            .set((
                statutory_years::source.eq(excluded(statutory_years::source)),
                statutory_years::digest.eq(excluded(statutory_years::digest)),
                statutory_years::fixture.eq(excluded(statutory_years::fixture)),
                statutory_years::loaded_at.eq(excluded(statutory_years::loaded_at)),
            ))
            .execute(conn)
            .await?;
        out.push(outcome);
    }
    Ok(out)
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
