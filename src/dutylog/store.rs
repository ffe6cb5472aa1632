//! The duty logs and facility faults in the database.

use super::model::{FaultRow, LogContent, LogRow, LogStatus};
use crate::db::schema::{duty_logs as dl, facility_faults as ff};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Array(Vec::new()))
}

impl LogRow {
    /// The stored content (its lists from JSON; a list that no longer reads is a 500, logged).
    pub fn content(&self) -> ApiResult<LogContent> {
        fn list<T: serde::de::DeserializeOwned>(id: Uuid, v: &Value) -> ApiResult<T> {
            serde_json::from_value(v.clone()).map_err(|e| {
                tracing::error!(log = %id, error = %e, "stored duty log does not read");
                ApiError::internal()
            })
        }
        Ok(LogContent {
            attendance_summary: self.attendance_summary.clone(),
            service_quality: self.service_quality.clone(),
            service_attitude: self.service_attitude.clone(),
            problems: list(self.id, &self.problems)?,
            escalations: list(self.id, &self.escalations)?,
            emergencies: list(self.id, &self.emergencies)?,
        })
    }
}

/// The log of a day; `lock` takes it for update.
pub async fn of_day(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
    lock: bool,
) -> QueryResult<Option<LogRow>> {
    let q = dl::table
        .filter(dl::center_id.eq(center_id))
        .filter(dl::day.eq(day))
        .select(LogRow::as_select());
    if lock {
        q.for_update().first(conn).await.optional()
    } else {
        q.first(conn).await.optional()
    }
}

/// The status of a day's log, if any; locked against a concurrent submission (`FOR SHARE`).
pub async fn status_of(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Option<LogStatus>> {
    dl::table
        .filter(dl::center_id.eq(center_id))
        .filter(dl::day.eq(day))
        .select(dl::status)
        .for_share()
        .first(conn)
        .await
        .optional()
}

/// A new draft.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    (center_id, day): (Uuid, NaiveDate),
    c: &LogContent,
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> QueryResult<LogRow> {
    let row = LogRow {
        id: Uuid::now_v7(),
        center_id,
        day,
        status: LogStatus::Draft,
        attendance_summary: c.attendance_summary.clone(),
        service_quality: c.service_quality.clone(),
        service_attitude: c.service_attitude.clone(),
        problems: json(&c.problems),
        escalations: json(&c.escalations),
        emergencies: json(&c.emergencies),
        written_by: by,
        written_at: at,
        submitted_by: None,
        submitted_at: None,
        submitted_on_time: None,
        acknowledged_by: None,
        acknowledged_at: None,
        version: 1,
        created_at: at,
    };
    diesel::insert_into(dl::table)
        .values(&row)
        .returning(LogRow::as_returning())
        .get_result(conn)
        .await
}

/// Replaces the content; `writer` is the saver of a draft (`None` keeps the last writer, for
/// amendments). The version moves on.
pub async fn set_content(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    c: &LogContent,
    writer: Option<(Option<Uuid>, DateTime<Utc>)>,
) -> QueryResult<LogRow> {
    let target = dl::table.find(id);
    let content = (
        dl::attendance_summary.eq(&c.attendance_summary),
        dl::service_quality.eq(&c.service_quality),
        dl::service_attitude.eq(&c.service_attitude),
        dl::problems.eq(json(&c.problems)),
        dl::escalations.eq(json(&c.escalations)),
        dl::emergencies.eq(json(&c.emergencies)),
        dl::version.eq(dl::version + 1),
    );
    match writer {
        Some((by, at)) => {
            diesel::update(target)
                .set((content, dl::written_by.eq(by), dl::written_at.eq(at)))
                .returning(LogRow::as_returning())
                .get_result(conn)
                .await
        }
        None => {
            diesel::update(target)
                .set(content)
                .returning(LogRow::as_returning())
                .get_result(conn)
                .await
        }
    }
}

pub async fn submit(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: Option<Uuid>,
    at: DateTime<Utc>,
    on_time: bool,
) -> QueryResult<LogRow> {
    diesel::update(dl::table.find(id))
        .set((
            dl::status.eq(LogStatus::Submitted),
            dl::submitted_by.eq(by),
            dl::submitted_at.eq(at),
            dl::submitted_on_time.eq(on_time),
            dl::version.eq(dl::version + 1),
        ))
        .returning(LogRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn acknowledge(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> QueryResult<LogRow> {
    diesel::update(dl::table.find(id))
        .set((
            dl::status.eq(LogStatus::Acknowledged),
            dl::acknowledged_by.eq(by),
            dl::acknowledged_at.eq(at),
            dl::version.eq(dl::version + 1),
        ))
        .returning(LogRow::as_returning())
        .get_result(conn)
        .await
}

// ---- facility faults ----

pub async fn insert_fault(conn: &mut AsyncPgConnection, row: &FaultRow) -> QueryResult<FaultRow> {
    diesel::insert_into(ff::table)
        .values(row)
        .returning(FaultRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn fault_for_update(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
) -> QueryResult<FaultRow> {
    ff::table
        .filter(ff::center_id.eq(center_id))
        .filter(ff::id.eq(id))
        .select(FaultRow::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn repair(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    (at, on): (DateTime<Utc>, NaiveDate),
    by: Option<Uuid>,
    note: &str,
) -> QueryResult<FaultRow> {
    diesel::update(ff::table.find(id))
        .set((
            ff::repaired_at.eq(at),
            ff::repaired_on.eq(on),
            ff::repaired_by.eq(by),
            ff::repair_note.eq(note),
        ))
        .returning(FaultRow::as_returning())
        .get_result(conn)
        .await
}

/// The faults open on `day`: reported on or before it and not repaired on or before it
/// (one query), oldest first.
pub async fn open_on(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    day: NaiveDate,
) -> QueryResult<Vec<FaultRow>> {
    ff::table
        .filter(ff::center_id.eq(center_id))
        .filter(ff::reported_on.le(day))
        .filter(ff::repaired_on.is_null().or(ff::repaired_on.gt(day)))
        .order((ff::reported_on, ff::id))
        .select(FaultRow::as_select())
        .load(conn)
        .await
}

pub struct FaultFilter {
    pub center_id: Uuid,
    /// Only the faults not repaired yet.
    pub open: bool,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub after: Option<(NaiveDate, Uuid)>,
    pub limit: i64,
}

/// One page of faults by (reported_on, id).
pub async fn list_faults(
    conn: &mut AsyncPgConnection,
    f: FaultFilter,
) -> QueryResult<Vec<FaultRow>> {
    let mut q = ff::table
        .filter(ff::center_id.eq(f.center_id))
        .order((ff::reported_on, ff::id))
        .limit(f.limit + 1)
        .select(FaultRow::as_select())
        .into_boxed();
    if f.open {
        q = q.filter(ff::repaired_at.is_null());
    }
    if let Some(d) = f.from {
        q = q.filter(ff::reported_on.ge(d));
    }
    if let Some(d) = f.to {
        q = q.filter(ff::reported_on.le(d));
    }
    if let Some((d, id)) = f.after {
        q = q.filter(
            ff::reported_on
                .gt(d)
                .or(ff::reported_on.eq(d).and(ff::id.gt(id))),
        );
    }
    q.load(conn).await
}

/// The logs of `[from, to]` (one query on the `(center_id, day)` key).
pub async fn between(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<LogRow>> {
    dl::table
        .filter(dl::center_id.eq(center_id))
        .filter(dl::day.between(from, to))
        .select(LogRow::as_select())
        .load(conn)
        .await
}
