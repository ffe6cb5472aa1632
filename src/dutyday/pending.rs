//! The pending matters a handover lists (R8, R12): the one place that collects them for a duty
//! day, so that a new source of matters is added here and nowhere else.
//!
//! Each source is one function that reads the whole day's matters of its kind in one query
//! (never one query per record) and answers [`Pending`] items: a kind of its own
//! ([`ItemKind`]), the record it is about (`ref_id`) and a one-line summary. [`collect`] calls
//! every source in one go, in a fixed order. The desk sign and the badge are always handed over
//! and the supervisor's notes come last; both are added by the handover itself, not here.
//!
//! Sources today: none besides the supervisor's notes. The inspections' open problems and
//! rectifications due, the open facility faults of the duty log, and later the citizens'
//! requests in progress, each join as a source (and an [`ItemKind`]) when their records exist.

use super::handover::model::ItemKind;
use crate::error::ApiResult;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
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

/// Every pending matter the server knows for `center_id`'s duty day `day`, source by source.
pub async fn collect(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> ApiResult<Vec<Pending>> {
    // One entry per source, each one query for the whole day, e.g.
    // `open_problems(conn, center_id, day).await?`, `rectifications_due(..)`, `open_faults(..)`.
    let sources: Vec<Vec<Pending>> = Vec::new();
    let _ = (conn, center_id, day);
    Ok(sources.into_iter().flatten().map(clip).collect())
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
