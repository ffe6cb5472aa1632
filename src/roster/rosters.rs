//! Rosters: generate a draft for a period, edit it, publish it (R1–R3, R10, R11).

use super::generation;
use super::model::{Roster, RosterDetail, RosterStatus};
use super::store;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use crate::text_enum::TextEnum;
use crate::web::{check_version, if_match, with_etag};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{Days, Months, NaiveDate};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Longest period one roster may cover, in days.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cycle {
    Week,
    TwoWeeks,
    Month,
}

/// Give `end`, or `cycle` (a duty period, 值班周期), not both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRosterRequest {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub cycle: Option<Cycle>,
    /// Generate although the period reaches into years whose statutory holidays are not loaded
    /// (their holidays would be scheduled as working days). Recorded with the roster.
    #[serde(default)]
    pub confirm_missing_holidays: bool,
}

/// Options for publishing a draft.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Working days the draft leaves below `supervisors_per_day` (its `shortfalls`) that the
    /// office publishes anyway (R10), each named. Recorded with the roster.
    #[serde(default)]
    #[schema(value_type = Vec<String>, format = Date)]
    pub confirm_short_days: Vec<NaiveDate>,
}

/// Options for regenerating a draft.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegenerateRequest {
    /// As for generation; years confirmed before stay confirmed.
    #[serde(default)]
    pub confirm_missing_holidays: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// `draft` or `published`.
    pub status: Option<String>,
}

pub fn period(
    start: NaiveDate,
    end: Option<NaiveDate>,
    cycle: Option<Cycle>,
) -> Result<NaiveDate, ApiError> {
    let out_of_range = || ApiError::invalid(FieldError::of("start", FieldCode::DateOutOfRange));
    let end = match (end, cycle) {
        (Some(e), None) => e,
        (None, Some(Cycle::Week)) => start
            .checked_add_days(Days::new(6))
            .ok_or_else(out_of_range)?,
        (None, Some(Cycle::TwoWeeks)) => start
            .checked_add_days(Days::new(13))
            .ok_or_else(out_of_range)?,
        (None, Some(Cycle::Month)) => start
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .ok_or_else(out_of_range)?,
        _ => {
            return Err(ApiError::invalid(FieldError::of(
                "end",
                FieldCode::EndOrCycle,
            )));
        }
    };
    if end < start {
        return Err(ApiError::invalid(FieldError::of(
            "end",
            FieldCode::BeforeStart,
        )));
    }
    if (end - start).num_days() >= MAX_DAYS {
        return Err(ApiError::invalid(
            FieldError::of("end", FieldCode::RosterTooLong).param("max", MAX_DAYS),
        ));
    }
    Ok(end)
}

fn overlap() -> ApiError {
    ApiError::of(Code::RosterOverlap)
}

pub fn not_draft() -> ApiError {
    ApiError::of(Code::RosterPublished)
}

/// Maps the database's guarantees to 409s.
pub fn constraint_conflict(e: diesel::result::Error) -> ApiError {
    if let diesel::result::Error::DatabaseError(_, info) = &e {
        match info.constraint_name() {
            Some("rosters_published_no_overlap") => return overlap(),
            Some("duty_one_per_person_per_day") | Some("duty_draft_one_per_person_per_day") => {
                return ApiError::of(Code::DoubleDuty);
            }
            _ => {}
        }
    }
    e.into()
}

/// Generate a draft roster for a period.
///
/// Every working day of the period gets its supervisors, by department order and each
/// department's queue, continuing from the last published roster; staff on approved leave are
/// skipped. The same inputs always give the same roster; each assignment says why.
#[utoipa::path(
    operation_id = "generateRoster",
    tag = "rosters",
    request_body = NewRosterRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Draft roster with its assignments", body = RosterDetail),
        (status = 400, description = "`validation_failed` (end before start, neither or both of end/cycle, longer than 366 days), `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`roster_overlap`: a published roster covers part of the period", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`holidays_not_loaded`: the period reaches into a year without statutory holiday data (named in `detail`) and `confirm_missing_holidays` is not set", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "`rotation_state_corrupt`: the rotation state of the previous published roster cannot be read", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rosters")]
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<NewRosterRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let b = body.into_inner();
    let end = period(b.start, b.end, b.cycle)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        if store::published_overlapping(conn, user.center_id, b.start, end).await? {
            return Err(overlap());
        }
        let (row, assignments) = generation::generate(
            conn,
            user.center_id,
            user.staff_id,
            b.start,
            end,
            b.confirm_missing_holidays,
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "generated", "roster", row.id).after(row.view()),
        )
        .await?;
        let detail = RosterDetail::load(conn, &row, assignments).await?;
        Ok(Reply::created(
            &detail,
            row.version,
            format!("/api/v1/rosters/{}", row.id),
        ))
    })
    .await
}

/// Rosters of the center, newest period first.
#[utoipa::path(
    operation_id = "listRosters",
    tag = "rosters",
    params(RosterQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of rosters", body = Page<Roster>),
        (status = 400, description = "`validation_failed` (limit, cursor, status)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rosters")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RosterQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Roster>>> {
    let q = query.into_inner();
    let limit = paging.limit()?;
    let after: Option<(NaiveDate, Uuid)> = paging.after()?;
    let status =
        match q.status.as_deref() {
            None => None,
            Some(s) => Some(RosterStatus::parse(s).ok_or_else(|| {
                ApiError::invalid(FieldError::of("status", FieldCode::RosterStatus))
            })?),
        };
    let mut conn = state.pool.get().await?;
    let rows = store::list_rosters(&mut conn, user.center_id, status, after, limit).await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| (r.start_date, r.id),
        |r| r.view(),
    )))
}

/// One roster with all its assignments.
#[utoipa::path(
    operation_id = "getRoster",
    tag = "rosters",
    params(("id" = Uuid, Path, description = "Roster id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The roster; `ETag` set", body = RosterDetail),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such roster in the caller's center", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rosters/{id}")]
pub async fn get_one(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = store::roster(&mut conn, user.center_id, *id).await?;
    let assignments = store::roster_assignments(&mut conn, row.id).await?;
    Ok(with_etag(
        &RosterDetail::load(&mut conn, &row, assignments).await?,
        row.version,
    ))
}

/// Delete a draft roster (office admin).
#[utoipa::path(
    operation_id = "deleteDraftRoster",
    tag = "rosters",
    params(("id" = Uuid, Path, description = "Roster id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such roster in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`roster_published`: published rosters are kept", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/rosters/{id}")]
pub async fn delete_draft(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let row = store::roster_for_update(conn, user.center_id, *id).await?;
        if row.status != RosterStatus::Draft {
            return Err(not_draft());
        }
        store::delete_roster(conn, row.id).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "deleted", "roster", row.id).before(row.view()),
        )
        .await?;
        Ok(Reply::no_content())
    })
    .await
}

/// Publish a draft (office admin). Honours `If-Match`.
///
/// From then on the roster changes only through substitutions and swaps; published rosters of a
/// center never overlap (a database constraint).
#[utoipa::path(
    operation_id = "publishRoster",
    tag = "rosters",
    request_body(content = PublishRequest, description = "`{}`, or the short days the office confirms"),
    params(("id" = Uuid, Path, description = "Roster id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The published roster", body = Roster),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such roster in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`roster_published` (already), `roster_overlap`, `double_duty`, `roster_conflicts` (people now on leave or inactive; ids in `conflicts`), `draft_stale` (what the draft was generated from changed: `detail` says what, `conflicts` names the assignments on the changed dates; regenerate it) or `roster_out_of_order` (a later roster is already published)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`holidays_not_loaded`: a year of the period has no holiday data and was not confirmed; `below_minimum`: days below `supervisors_per_day` not named in `confirm_short_days` (listed in `detail`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "`rotation_state_corrupt`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rosters/{id}/publish")]
pub async fn publish_roster(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<PublishRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let (before, after) = generation::publish(
            conn,
            user.center_id,
            *id,
            expected,
            user.staff_id,
            &body.confirm_short_days,
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "published", "roster", after.id)
                .before(before.view())
                .after(after.view()),
        )
        .await?;
        Ok(Reply::with_etag(&after.view(), after.version))
    })
    .await
}

/// Generate a draft again on what is true now (office admin). Honours `If-Match`.
///
/// Replaces the draft's assignments, edits included, with what the generator gives today: the
/// one call that makes a `draft_stale` draft publishable.
#[utoipa::path(
    operation_id = "regenerateRoster",
    tag = "rosters",
    request_body = RegenerateRequest,
    params(("id" = Uuid, Path, description = "Roster id"), ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The regenerated draft; `ETag` set", body = RosterDetail),
        (status = 400, description = "Malformed id or body, `unknown_field`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such roster in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`roster_published`: only drafts are regenerated", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`holidays_not_loaded`", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "`rotation_state_corrupt`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rosters/{id}/regenerate")]
pub async fn regenerate(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<RegenerateRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let before = store::roster_for_update(conn, user.center_id, *id).await?;
        check_version(expected, before.version)?;
        if before.status != RosterStatus::Draft {
            return Err(not_draft());
        }
        let (row, assignments) =
            generation::regenerate(conn, &before, body.confirm_missing_holidays).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "regenerated", "roster", row.id)
                .before(before.view())
                .after(row.view()),
        )
        .await?;
        Ok(Reply::with_etag(
            &RosterDetail::load(conn, &row, assignments).await?,
            row.version,
        ))
    })
    .await
}
