//! A day's log as the API shows it: content, who wrote, submitted and acknowledged it, the
//! attendance it links to, the facility faults open that day and the amendments. A fixed number
//! of queries.

use super::model::{AttendanceLink, DutyLog, LogContent, LogRow, LogState, LogSummary};
use super::store;
use crate::attendance::sheet as attendance;
use crate::dutyday::{amend, gate};
use crate::error::ApiResult;
use crate::org::model::Center;
use crate::org::names::Names;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;

/// The entity type of a log in the audit trail and the amendments.
pub const ENTITY: &str = "duty_log";

/// The log's state for the duty-day view.
pub fn summary(row: Option<&LogRow>) -> LogSummary {
    LogSummary {
        status: row.map_or(LogState::None, |r| r.status.into()),
        submitted_at: row.and_then(|r| r.submitted_at),
        submitted_on_time: row.and_then(|r| r.submitted_on_time),
        acknowledged_at: row.and_then(|r| r.acknowledged_at),
    }
}

/// The log of `date` (an empty `none` log when nothing is written yet).
pub async fn load(
    conn: &mut AsyncPgConnection,
    center: &Center,
    date: NaiveDate,
    row: Option<LogRow>,
) -> ApiResult<DutyLog> {
    let window = gate::window(conn, center, date).await?;
    let counts = attendance::counts(conn, center.id, date).await?;
    let faults = store::open_on(conn, center.id, date).await?;
    let amendments = match &row {
        Some(r) => amend::of(conn, center.id, ENTITY, &[r.id]).await?,
        None => Vec::new(),
    };
    let content = match &row {
        Some(r) => r.content()?,
        None => LogContent::default(),
    };
    let people = row
        .iter()
        .flat_map(|r| [r.written_by, r.submitted_by, r.acknowledged_by])
        .flatten()
        .chain(faults.iter().flat_map(|f| f.people()))
        .chain(amend::people(&amendments))
        .collect::<Vec<_>>();
    let names = Names::load(conn, center.id, people, []).await?;
    let name = |id: Option<uuid::Uuid>| id.map(|s| names.staff(s));
    Ok(DutyLog {
        id: row.as_ref().map(|r| r.id),
        date,
        status: row.as_ref().map_or(LogState::None, |r| r.status.into()),
        attendance_summary: content.attendance_summary,
        service_quality: content.service_quality,
        service_attitude: content.service_attitude,
        problems: content.problems,
        escalations: content.escalations,
        emergencies: content.emergencies,
        written_by: row.as_ref().and_then(|r| r.written_by),
        written_by_name: name(row.as_ref().and_then(|r| r.written_by)),
        written_at: row.as_ref().map(|r| r.written_at),
        submitted_by: row.as_ref().and_then(|r| r.submitted_by),
        submitted_by_name: name(row.as_ref().and_then(|r| r.submitted_by)),
        submitted_at: row.as_ref().and_then(|r| r.submitted_at),
        submitted_on_time: row.as_ref().and_then(|r| r.submitted_on_time),
        acknowledged_by: row.as_ref().and_then(|r| r.acknowledged_by),
        acknowledged_by_name: name(row.as_ref().and_then(|r| r.acknowledged_by)),
        acknowledged_at: row.as_ref().and_then(|r| r.acknowledged_at),
        closing_at: window.closing_at,
        version: row.as_ref().map_or(0, |r| r.version),
        attendance: AttendanceLink {
            href: format!("/api/v1/duty-days/{date}/attendance"),
            counts,
        },
        open_faults: faults.into_iter().map(|f| f.view(&names)).collect(),
        amendments: amendments.into_iter().map(|a| a.view(&names)).collect(),
    })
}
