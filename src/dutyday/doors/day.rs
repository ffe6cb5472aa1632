//! A duty day's door checks, item by item, and their summary for the duty-day view: a fixed
//! number of queries whatever the number of items (calendar, hours, items, records,
//! amendments, names).

use super::model::{DoorCheckDay, DoorCheckOfDay, DoorCheckRef, DoorCheckStatus, DoorCheckSummary};
use super::{rules, store};
use crate::calendar::store as cal_store;
use crate::dutyday::{amend, gate};
use crate::error::ApiResult;
use crate::org::model::Center;
use crate::org::names::Names;
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;

/// The audit trail's and the amendments' entity type of a door check.
pub const ENTITY: &str = "door_check";

/// The door checks of `date` as of `now`: every active item on a working day and every item
/// recorded that day, each with its record (and amendments) or `pending` / `missing`.
pub async fn load(
    conn: &mut AsyncPgConnection,
    center: &Center,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> ApiResult<DoorCheckDay> {
    let cal = cal_store::load(conn, center.id, date, date).await?;
    let working = cal.is_working_day(date);
    let window = gate::window(conn, center, date).await?;
    let items = store::items(conn, center.id).await?;
    let records = store::of_day(conn, center.id, date).await?;
    let ids: Vec<_> = records.iter().map(|r| r.id).collect();
    let mut amendments = amend::of(conn, center.id, ENTITY, &ids).await?;
    let names = Names::load(
        conn,
        center.id,
        records
            .iter()
            .filter_map(|r| r.recorded_by)
            .chain(amend::people(&amendments)),
        [],
    )
    .await?;
    let mut out = Vec::new();
    for d in rules::items_of_day(&items, records, working, &window, now) {
        let (item, record) = (d.item, d.record);
        let mine: Vec<_> = match &record {
            Some(r) => {
                let (m, rest): (Vec<_>, Vec<_>) =
                    amendments.into_iter().partition(|a| a.entity_id == r.id);
                amendments = rest;
                m
            }
            None => Vec::new(),
        };
        out.push(DoorCheckOfDay {
            item_id: item.id,
            code: item.code.clone(),
            name_zh: item.name_zh.clone(),
            name_en: item.name_en.clone(),
            due: item.due,
            due_at: d.due_at,
            status: d.status,
            early: record.as_ref().is_some_and(|r| r.early),
            late: record.as_ref().is_some_and(|r| r.late),
            needs_review: record.as_ref().is_some_and(|r| r.needs_review),
            record: record.map(|r| {
                let who = r.recorded_by.map(|s| names.staff(s));
                r.view(&item.code, who)
            }),
            amendments: mine.into_iter().map(|a| a.view(&names)).collect(),
        });
    }
    let summary = summarize(&out);
    Ok(DoorCheckDay {
        date,
        working,
        items: out,
        summary,
    })
}

/// Counts and the items missing, late, to review or early.
pub fn summarize(items: &[DoorCheckOfDay]) -> DoorCheckSummary {
    let refs = |f: &dyn Fn(&DoorCheckOfDay) -> bool| {
        items
            .iter()
            .filter(|i| f(i))
            .map(|i| DoorCheckRef {
                code: i.code.clone(),
                name_zh: i.name_zh.clone(),
                name_en: i.name_en.clone(),
                due_at: i.due_at,
            })
            .collect()
    };
    DoorCheckSummary {
        expected: items.len(),
        recorded: items
            .iter()
            .filter(|i| i.status == DoorCheckStatus::Recorded)
            .count(),
        missing: refs(&|i| i.status == DoorCheckStatus::Missing),
        late: refs(&|i| i.late),
        needs_review: refs(&|i| i.needs_review),
        early: refs(&|i| i.early),
    }
}
