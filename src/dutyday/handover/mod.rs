//! The handover (R8, R12): before the afternoon closing the day's supervisors hand the desk sign
//! and badge (桌牌、胸牌) to the next working day's duty, with the day's pending matters
//! ([`crate::dutyday::pending`]) and their own notes; any of the next day's supervisors confirms
//! receipt item by item. Writes in [`api`], reads in [`read`]; the rules are in
//! `docs/handover.md`.
//!
//! Audit: entity type `handover`, actions `handed_over`, `notes_replaced`, `confirmed`.

pub mod api;
pub mod model;
pub mod read;
pub mod store;

use crate::dutyday::powers;
use crate::error::{ApiError, ApiResult};
use crate::org::names::Names;
use diesel_async::AsyncPgConnection;
use model::{DayHandoverState, Handover, HandoverRow, Receiver};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The full views of a few handovers (a day's given and received): their items in one query,
/// the receiving days' supervisors (one query per distinct receiving day, two at most for a
/// day's view) and every name in one load.
pub async fn views(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    rows: Vec<HandoverRow>,
) -> ApiResult<Vec<Handover>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let items = store::items(conn, &ids).await?;
    let mut duties = Vec::new();
    for day in rows.iter().map(|r| r.to_day).collect::<BTreeSet<_>>() {
        duties.push((day, powers::on_duty(conn, center_id, day).await?));
    }
    let people = rows
        .iter()
        .map(|r| r.made_by)
        .chain(items.iter().filter_map(|i| i.confirmed_by))
        .chain(
            duties
                .iter()
                .flat_map(|(_, d)| d.iter().map(|a| a.on_duty())),
        );
    let names = Names::load(conn, center_id, people.collect::<Vec<_>>(), []).await?;
    Ok(rows
        .into_iter()
        .map(|r| Handover {
            summary: r.summary(&names),
            receivers: duties
                .iter()
                .filter(|(d, _)| *d == r.to_day)
                .flat_map(|(_, d)| d.iter())
                .map(|a| Receiver {
                    staff_id: a.on_duty(),
                    staff_name: names.staff(a.on_duty()),
                })
                .collect(),
            items: items
                .iter()
                .filter(|i| i.handover_id == r.id)
                .map(|i| i.view(&names))
                .collect(),
            version: r.version,
        })
        .collect())
}

/// The full view of one handover.
pub async fn view(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    row: HandoverRow,
) -> ApiResult<Handover> {
    views(conn, center_id, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// The duty-day view's section: the state of what `day` gave and received (one query). When
/// the calendar changed so that two days handed over to `day`, the later giving day's counts.
pub async fn day_state(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: chrono::NaiveDate,
) -> ApiResult<DayHandoverState> {
    let rows = store::of_day(conn, center_id, day).await?;
    Ok(DayHandoverState {
        given: rows.iter().find(|r| r.day == day).map(HandoverRow::state),
        received: rows
            .iter()
            .rev()
            .find(|r| r.to_day == day)
            .map(HandoverRow::state),
    })
}
