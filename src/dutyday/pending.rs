//! The pending matters a handover lists (R8, R12): the one place that collects them for a duty
//! day, so that a new source of matters is added here and nowhere else.
//!
//! Each source is one function that reads the whole day's matters of its kind in one query
//! (never one query per record) and answers [`Pending`] items: a kind of its own
//! ([`ItemKind`]), the record it is about (`ref_id`) and a one-line summary. [`collect`] calls
//! every source in one go, in a fixed order. The desk sign and the badge are always handed over
//! and the supervisor's notes come last; both are added by the handover itself, not here.
//!
//! Sources, in this order:
//! - `problem`: the day's inspection findings that are problems (summary: the description);
//! - `rectification`: rectifications not verified yet whose deadline is on or before the
//!   receiving day (summary: the finding's description);
//! - `facility_fault`: facility faults still open at the end of the day (summary: what, where).
//!
//! Citizens' requests in progress join as a source (and an [`ItemKind`]) when they exist.

use super::handover::model::ItemKind;
use crate::db::schema::{inspections as ins, rectifications as rc};
use crate::error::ApiResult;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// Longest summary, in characters (the column's limit).
pub const MAX_SUMMARY: usize = 500;

/// One pending matter of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub kind: ItemKind,
    /// The record it is about.
    pub ref_id: Option<Uuid>,
    /// One line saying what it is, at most [`MAX_SUMMARY`] characters.
    pub summary: Option<String>,
}

/// Every pending matter the server knows for `center_id`'s duty day `day`, handed over to
/// `to_day`, source by source (one query each).
pub async fn collect(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
    to_day: NaiveDate,
) -> ApiResult<Vec<Pending>> {
    let sources = [
        problems(conn, center_id, day).await?,
        rectifications_due(conn, center_id, to_day).await?,
        open_faults(conn, center_id, day).await?,
    ];
    Ok(sources.into_iter().flatten().map(clip).collect())
}

/// The day's findings that are problems, in the order received.
async fn problems(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Vec<Pending>> {
    let rows: Vec<(Uuid, Option<String>)> = ins::table
        .filter(ins::center_id.eq(center_id))
        .filter(ins::day.eq(day))
        .filter(ins::result.eq("problem"))
        .order(ins::id)
        .select((ins::id, ins::description))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, description)| Pending {
            kind: ItemKind::Problem,
            ref_id: Some(id),
            summary: description,
        })
        .collect())
}

/// Rectifications not verified whose deadline is on or before `to_day`, earliest deadline first.
async fn rectifications_due(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    to_day: NaiveDate,
) -> QueryResult<Vec<Pending>> {
    let rows: Vec<(Uuid, Option<String>)> = rc::table
        .inner_join(ins::table.on(ins::id.eq(rc::inspection_id)))
        .filter(rc::center_id.eq(center_id))
        .filter(rc::status.ne("verified"))
        .filter(rc::deadline.le(to_day))
        .order((rc::deadline, rc::id))
        .select((rc::id, ins::description))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, description)| Pending {
            kind: ItemKind::Rectification,
            ref_id: Some(id),
            summary: description,
        })
        .collect())
}

/// Facility faults still open at the end of `day`.
async fn open_faults(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Vec<Pending>> {
    Ok(crate::dutylog::store::open_on(conn, center_id, day)
        .await?
        .into_iter()
        .map(|f| Pending {
            kind: ItemKind::FacilityFault,
            ref_id: Some(f.id),
            summary: Some(format!("{} · {}", f.what, f.location)),
        })
        .collect())
}

/// A summary cut to [`MAX_SUMMARY`] characters (records may hold longer texts).
fn clip(mut p: Pending) -> Pending {
    p.summary = p
        .summary
        .map(|s| s.trim().chars().take(MAX_SUMMARY).collect());
    p.summary = p.summary.filter(|s| !s.is_empty());
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_clipped_to_the_column() {
        let long = Pending {
            kind: ItemKind::Note,
            ref_id: None,
            summary: Some(format!("  {}  ", "问".repeat(600))),
        };
        assert_eq!(
            clip(long).summary.map(|s| s.chars().count()),
            Some(MAX_SUMMARY)
        );
        let blank = Pending {
            kind: ItemKind::Note,
            ref_id: None,
            summary: Some("   ".into()),
        };
        assert_eq!(clip(blank).summary, None);
    }
}
