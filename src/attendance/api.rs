//! `GET`/`PUT /duty-days/{date}/attendance` (the hall's sheet) and `GET /me/attendance`.
//!
//! Audit: entity type `attendance_entry`; a new entry `recorded` (`after`), a change to a written
//! entry `amended` (through `dutyday::amend`, reason `rewritten` unless one is given).

use super::model::{EntryInput, EntryRow, EntryState, MyDay, Sheet, SheetInput};
use super::sheet::{self, ENTITY, Scope};
use super::{rules, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::dutyday::{amend, gate, powers};
use crate::dutylog::model::LogStatus;
use crate::dutylog::store as log_store;
use crate::error::{ApiError, ApiResult, Code, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::names::Names;
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use utoipa::IntoParams;
use uuid::Uuid;

/// The reason kept with a change made by a later write of the day when none is given.
pub const REWRITTEN: &str = "rewritten";

/// Checks `entries` against the center's front desk and active staff (400 with field errors).
pub async fn check_entries(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    entries: &[EntryInput],
) -> ApiResult<()> {
    let front_desk: HashSet<Uuid> = store::front_desk(conn, center_id)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let stand_ins: Vec<Uuid> = entries.iter().filter_map(|e| e.stand_in_id).collect();
    let active: HashSet<Uuid> = crate::org::store::staff_by_ids(conn, center_id, &stand_ins)
        .await?
        .into_iter()
        .filter(|s| s.active)
        .map(|s| s.id)
        .collect();
    let errors = rules::check(
        entries,
        &rules::Known {
            front_desk: &front_desk,
            active: &active,
        },
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// How a write treats entries: a write of the day (new entries are `recorded`) or an amendment
/// (new entries are amendments too, with `before` `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Amend,
}

/// Writes checked entries of `date`: new ones are inserted, changed ones rewritten through an
/// amendment with `reason` (the original stays visible), unchanged ones left alone.
pub async fn write_entries(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    (center_id, date, now): (Uuid, NaiveDate, DateTime<Utc>),
    entries: &[EntryInput],
    (reason, mode): (&str, Mode),
) -> ApiResult<()> {
    let mut existing: HashMap<Uuid, EntryRow> = store::of_day(conn, center_id, date, true)
        .await?
        .into_iter()
        .map(|e| (e.staff_id, e))
        .collect();
    for e in entries {
        let after = e.state();
        match existing.remove(&e.staff_id) {
            None => {
                let row = store::insert(
                    conn,
                    &EntryRow {
                        id: Uuid::now_v7(),
                        center_id,
                        day: date,
                        staff_id: e.staff_id,
                        status: after.status,
                        minutes: after.minutes,
                        stand_in_id: after.stand_in_id,
                        note: after.note.clone(),
                        recorded_by: user.staff_id,
                        recorded_at: now,
                    },
                )
                .await?;
                if mode == Mode::Amend {
                    changed(conn, user, (date, row.id, now), reason, (None, after)).await?;
                } else {
                    audit::record(
                        conn,
                        AuditEntry::new(user, "recorded", ENTITY, row.id).after(&row),
                    )
                    .await?;
                }
            }
            Some(old) if old.state() != after => {
                store::update(conn, old.id, &after, user.staff_id, now).await?;
                changed(
                    conn,
                    user,
                    (date, old.id, now),
                    reason,
                    (Some(old.state()), after),
                )
                .await?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Records the change of one entry as an amendment (and its audit event).
async fn changed(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    (date, id, now): (NaiveDate, Uuid, DateTime<Utc>),
    reason: &str,
    (before, after): (Option<EntryState>, EntryState),
) -> ApiResult<()> {
    amend::record(
        conn,
        user,
        amend::Change {
            day: date,
            entity_type: ENTITY,
            entity_id: id,
            reason,
            before: &before,
            after: &Some(after),
            at: now,
        },
    )
    .await?;
    Ok(())
}

/// Whether the day's log is submitted (the sheet is frozen).
pub async fn frozen(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    date: NaiveDate,
) -> ApiResult<bool> {
    Ok(matches!(
        log_store::status_of(conn, center_id, date).await?,
        Some(LogStatus::Submitted | LogStatus::Acknowledged)
    ))
}

/// The hall's attendance of a day (R4.5): every front-desk staff member (active, window role)
/// with their written entry, or — nothing written — the approved leave request covering the
/// day filled in (`on_leave`, or `business_trip` for a business-trip request), else
/// `unrecorded`; names beside ids, amendments listed.
///
/// Office admins, auditors and the day's supervisors (after substitutions) see the whole hall;
/// anyone else (window staff) gets only their own row.
#[utoipa::path(
    operation_id = "getAttendanceSheet",
    tag = "attendance",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The sheet (only the caller's row for window staff)", body = Sheet),
        (status = 400, description = "`malformed_request`: a malformed date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty-days/{date}/attendance")]
pub async fn get_sheet(
    user: CurrentUser,
    state: web::Data<AppState>,
    date: web::Path<NaiveDate>,
) -> ApiResult<web::Json<Sheet>> {
    let date = *date;
    let mut conn = state.pool.get().await?;
    let on_duty = match user.staff_id {
        Some(me) if !user.reads_all() => powers::on_duty(&mut conn, user.center_id, date)
            .await?
            .iter()
            .any(|a| a.on_duty() == me),
        _ => false,
    };
    let scope = match user.staff_id {
        _ if user.reads_all() || on_duty => Scope::All,
        Some(me) => Scope::Own(me),
        // An identity-provider caller without a staff record has no row of their own.
        None => Scope::Own(Uuid::nil()),
    };
    let frozen = log_store::of_day(&mut conn, user.center_id, date, false)
        .await?
        .is_some_and(|l| l.status != LogStatus::Draft);
    Ok(web::Json(
        sheet::load(&mut conn, user.center_id, date, scope, frozen).await?,
    ))
}

/// Write the hall's attendance of the day in one request (a supervisor on duty that day, after
/// substitutions, while the day is open: from 00:00 until the duty end plus the grace period).
///
/// Each entry names an active front-desk staff member once. Staff not named keep what they have.
/// A later write of the same day keeps history: each change to a written entry is an amendment
/// (its `before` and `after`, who, when, and `reason` — `rewritten` when not given). Send an
/// `Idempotency-Key`: a replay answers the first result. After the day's log is submitted the
/// attendance is frozen (409 `attendance_frozen`); corrections are
/// `POST /duty-days/{date}/attendance/amendments`.
#[utoipa::path(
    operation_id = "putAttendanceSheet",
    tag = "attendance",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    request_body = SheetInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The whole sheet after the write", body = Sheet),
        (status = 400, description = "`validation_failed` with field errors per entry (`entries[3].staff_id`): not an active front-desk staff member of the center (`unknown`), named twice (`duplicate`); `minutes` missing for late/left_early (`required`), given for another status (`not_allowed`), out of 1–720 (`out_of_range`); `stand_in_id` for a status other than absent (`not_allowed`), the person themself (`same_person`), not an active staff member (`unknown`); `note` too long; `entries` over 500 (`too_many`); `reason` blank or too long; `unknown_field` or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the caller is not one of the day's supervisors after substitutions", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`attendance_frozen`: the day's log is submitted; `duty_day_closed`: past the duty end plus the grace period; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_working_day`: the hall is closed that day; `duty_day_not_started`: the date is still ahead", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/duty-days/{date}/attendance")]
pub async fn put_sheet(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    date: web::Path<NaiveDate>,
    body: web::Json<SheetInput>,
) -> ApiResult<HttpResponse> {
    let date = *date;
    let b = body.into_inner();
    if let Some(e) = b
        .reason
        .as_deref()
        .and_then(|r| amend::check_reason("reason", r))
    {
        return Err(ApiError::validation(vec![e]));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let w = gate::require_writer(conn, &state.clock, &user, date).await?;
        if frozen(conn, w.center.id, date).await? {
            return Err(ApiError::of(Code::AttendanceFrozen).param("date", date));
        }
        check_entries(conn, w.center.id, &b.entries).await?;
        let reason = b.reason.as_deref().unwrap_or(REWRITTEN);
        write_entries(
            conn,
            &user,
            (w.center.id, date, w.now),
            &b.entries,
            (reason, Mode::Write),
        )
        .await?;
        let sheet = sheet::load(conn, w.center.id, date, Scope::All, false).await?;
        Ok(Reply::ok(&sheet))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyAttendanceQuery {
    /// First day, `YYYY-MM-DD` (included).
    pub from: NaiveDate,
    /// Last day, `YYYY-MM-DD` (included): not before `from`, at most 365 days after it (366 days
    /// counting both ends).
    pub to: NaiveDate,
}

/// My own attendance: the caller's written days in a range, by date (approved leave not yet
/// written on a sheet is not listed; see the day's sheet).
#[utoipa::path(
    operation_id = "listMyAttendance",
    tag = "attendance",
    params(MyAttendanceQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page, by date", body = Page<MyDay>),
        (status = 400, description = "`validation_failed` (range, limit, cursor) or a malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: the token's subject is not a staff member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/attendance")]
pub async fn my_attendance(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<MyAttendanceQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<MyDay>>> {
    let me = user.staff_id.ok_or_else(ApiError::not_found)?;
    crate::roster::views::check_range(query.from, query.to)?;
    let limit = paging.limit()?;
    let after = paging.after::<NaiveDate>()?;
    let mut conn = state.pool.get().await?;
    let rows = store::of_staff(
        &mut conn,
        user.center_id,
        me,
        (query.from, query.to),
        after,
        limit,
    )
    .await?;
    let names = Names::load(
        &mut conn,
        user.center_id,
        rows.iter()
            .flat_map(|r| r.stand_in_id.into_iter().chain(r.recorded_by)),
        [],
    )
    .await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| r.day,
        |r| MyDay {
            date: r.day,
            status: r.status,
            minutes: r.minutes,
            stand_in_name: r.stand_in_id.map(|s| names.staff(s)),
            stand_in_id: r.stand_in_id,
            note: r.note,
            recorded_by_name: r.recorded_by.map(|s| names.staff(s)),
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        },
    )))
}
