//! The attendance sheet of a day: every front-desk staff member with their written entry, or
//! the approved leave that covers the day, else `unrecorded`; names beside ids and amendments
//! listed. A fixed number of queries for the whole hall.

use super::model::{AttendanceCounts, EntryRow, EntrySource, Sheet, SheetRow};
use super::store;
use crate::dutyday::amend;
use crate::error::ApiResult;
use crate::org::model::StaffRow;
use crate::org::names::Names;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// The entity type of an entry in the audit trail and the amendments.
pub const ENTITY: &str = "attendance_entry";

/// Who the sheet is read for.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// The whole hall.
    All,
    /// Only this staff member's row (window staff reading about themselves).
    Own(Uuid),
}

/// The raw pieces of a day: the front desk, the written entries, approved leave.
struct Day {
    people: Vec<StaffRow>,
    entries: HashMap<Uuid, EntryRow>,
    leave: HashMap<Uuid, (Uuid, crate::changes::model::LeaveKind)>,
}

async fn day(conn: &mut AsyncPgConnection, center_id: Uuid, date: NaiveDate) -> ApiResult<Day> {
    let people = store::front_desk(conn, center_id).await?;
    let entries = store::of_day(conn, center_id, date, false)
        .await?
        .into_iter()
        .map(|e| (e.staff_id, e))
        .collect();
    let leave = store::leave_on(conn, center_id, date)
        .await?
        .into_iter()
        .map(|(id, staff, kind)| (staff, (id, kind)))
        .collect();
    Ok(Day {
        people,
        entries,
        leave,
    })
}

/// Counts of a day (the duty-day view): three queries, no names.
pub async fn counts(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    date: NaiveDate,
) -> ApiResult<AttendanceCounts> {
    let d = day(conn, center_id, date).await?;
    let mut c = AttendanceCounts::default();
    for p in &d.people {
        match (d.entries.get(&p.id), d.leave.get(&p.id)) {
            (Some(e), _) => c.add(EntrySource::Recorded, Some(e.status)),
            (None, Some((_, k))) => {
                c.add(EntrySource::ApprovedLeave, Some(store::leave_status(*k)))
            }
            (None, None) => c.add(EntrySource::Unrecorded, None),
        }
    }
    for e in d.entries.values() {
        if !d.people.iter().any(|p| p.id == e.staff_id) {
            c.add(EntrySource::Recorded, Some(e.status));
        }
    }
    Ok(c)
}

/// The sheet of `date` for `scope`; `frozen` as the log says.
pub async fn load(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    date: NaiveDate,
    scope: Scope,
    frozen: bool,
) -> ApiResult<Sheet> {
    let mut d = day(conn, center_id, date).await?;
    // Written entries of people no longer at the front desk keep their rows.
    let mut order: Vec<(Uuid, Option<Uuid>)> =
        d.people.iter().map(|p| (p.id, p.department_id)).collect();
    let mut extra: Vec<&EntryRow> = d
        .entries
        .values()
        .filter(|e| !d.people.iter().any(|p| p.id == e.staff_id))
        .collect();
    extra.sort_by_key(|e| e.staff_id);
    order.extend(extra.iter().map(|e| (e.staff_id, None)));
    if let Scope::Own(me) = scope {
        order.retain(|(id, _)| *id == me);
    }
    let ids: Vec<Uuid> = order
        .iter()
        .filter_map(|(id, _)| d.entries.get(id).map(|e| e.id))
        .collect();
    let amendments = amend::of(conn, center_id, ENTITY, &ids).await?;
    let staff = order
        .iter()
        .map(|(id, _)| *id)
        .chain(
            order
                .iter()
                .filter_map(|(id, _)| d.entries.get(id))
                .flat_map(|e| e.stand_in_id.into_iter().chain(e.recorded_by)),
        )
        .chain(amend::people(&amendments))
        .collect::<Vec<_>>();
    let names = Names::load(conn, center_id, staff, order.iter().filter_map(|(_, d)| *d)).await?;
    let mut by_entry: HashMap<Uuid, Vec<amend::Amendment>> = HashMap::new();
    for a in amendments {
        by_entry
            .entry(a.entity_id)
            .or_default()
            .push(a.view(&names));
    }
    let mut counts = AttendanceCounts::default();
    let rows = order
        .into_iter()
        .map(|(id, dept)| {
            let base = SheetRow {
                staff_id: id,
                staff_name: names.staff(id),
                department_id: dept,
                department_name: dept.map(|d| names.department(d)),
                source: EntrySource::Unrecorded,
                status: None,
                minutes: None,
                stand_in_id: None,
                stand_in_name: None,
                note: None,
                leave_request_id: None,
                entry_id: None,
                recorded_by: None,
                recorded_by_name: None,
                recorded_at: None,
                amendments: Vec::new(),
            };
            let row = match (d.entries.remove(&id), d.leave.get(&id)) {
                (Some(e), _) => SheetRow {
                    source: EntrySource::Recorded,
                    status: Some(e.status),
                    minutes: e.minutes,
                    stand_in_id: e.stand_in_id,
                    stand_in_name: e.stand_in_id.map(|s| names.staff(s)),
                    note: e.note,
                    entry_id: Some(e.id),
                    recorded_by: e.recorded_by,
                    recorded_by_name: e.recorded_by.map(|s| names.staff(s)),
                    recorded_at: Some(e.recorded_at),
                    amendments: by_entry.remove(&e.id).unwrap_or_default(),
                    ..base
                },
                (None, Some((leave_id, kind))) => SheetRow {
                    source: EntrySource::ApprovedLeave,
                    status: Some(store::leave_status(*kind)),
                    leave_request_id: Some(*leave_id),
                    ..base
                },
                (None, None) => base,
            };
            counts.add(row.source, row.status);
            row
        })
        .collect();
    Ok(Sheet {
        date,
        frozen,
        rows,
        counts,
    })
}
