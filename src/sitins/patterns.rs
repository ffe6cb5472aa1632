//! Leaders' fixed sit-in weekdays (R16), e.g. deputy head Monday–Wednesday, head Thursday–Friday.
//! A plan filed without days takes its week's days from the pattern.
//!
//! Audit: entity type `sit_in_pattern`, entity id the leader's staff id, action `created`,
//! `updated` or `deleted`, with `before`/`after`.

use super::checks;
use super::compliance::{self, WeekdayProblem};
use super::model::{PatternRow, SitInPattern};
use super::store;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::model::StaffRow;
use crate::org::store as org_store;
use crate::pagination::{self, Page, PageParams};
use crate::principal::{CurrentUser, Role};
use crate::web::{check_version, if_match, with_etag};
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatternRequest {
    /// 1–5 distinct ISO weekdays, 1 (Monday) to 5 (Friday).
    #[schema(example = json!([4, 5]), min_items = 1, max_items = 5)]
    pub weekdays: Vec<i32>,
}

fn view(p: PatternRow, leader: &StaffRow) -> SitInPattern {
    SitInPattern {
        leader_id: p.leader_id,
        leader_name: leader.name.clone(),
        employee_no: leader.employee_no.clone(),
        department_id: leader.department_id,
        weekdays: p.weekdays,
        version: p.version,
        updated_at: p.updated_at,
    }
}

fn check(weekdays: &[i32]) -> ApiResult<Vec<i32>> {
    if weekdays.is_empty() || weekdays.len() > 5 {
        return Err(ApiError::invalid(FieldError::of(
            "weekdays",
            FieldCode::WeekdaysLength,
        )));
    }
    compliance::check_weekdays(weekdays).map_err(|ps| {
        ApiError::validation(
            ps.into_iter()
                .map(|(i, p)| {
                    let field = format!("weekdays[{i}]");
                    match p {
                        WeekdayProblem::OutOfRange => {
                            FieldError::of(&field, FieldCode::WeekdayOutOfRange)
                        }
                        WeekdayProblem::Duplicate => {
                            FieldError::of(&field, FieldCode::DuplicateWeekday)
                        }
                    }
                })
                .collect(),
        )
    })
}

/// The center's leader patterns, by leader id (every role of the center may read).
#[utoipa::path(
    operation_id = "listSitInPatterns",
    tag = "sit-ins",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of patterns", body = Page<SitInPattern>),
        (status = 400, description = "`validation_failed` (`limit`, `cursor`) or a malformed query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leader-sit-ins/patterns")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<SitInPattern>>> {
    let limit = paging.limit()?;
    let after: Option<Uuid> = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list_patterns(&mut conn, user.center_id, after, limit).await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| r.0.leader_id,
        |(p, name, no, dept)| SitInPattern {
            leader_id: p.leader_id,
            leader_name: name,
            employee_no: no,
            department_id: dept,
            weekdays: p.weekdays,
            version: p.version,
            updated_at: p.updated_at,
        },
    )))
}

/// One leader's pattern.
#[utoipa::path(
    operation_id = "getSitInPattern",
    tag = "sit-ins",
    params(("leader_id" = Uuid, Path, description = "The leader's staff id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The pattern; `ETag` set", body = SitInPattern),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The leader has no pattern, or is not in the caller's center", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leader-sit-ins/patterns/{leader_id}")]
pub async fn get_one(
    user: CurrentUser,
    state: web::Data<AppState>,
    leader_id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let p = store::pattern(&mut conn, user.center_id, *leader_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let leader = org_store::staff_by_id(&mut conn, user.center_id, p.leader_id).await?;
    let version = p.version;
    Ok(with_etag(&view(p, &leader), version))
}

/// Set a leader's weekday pattern (the leader themself or an office admin). Honours `If-Match`.
#[utoipa::path(
    operation_id = "setSitInPattern",
    tag = "sit-ins",
    request_body = PatternRequest,
    params(
        ("leader_id" = Uuid, Path, description = "The leader's staff id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Pattern created; `Location` and `ETag` set", body = SitInPattern),
        (status = 200, description = "Pattern replaced; `ETag` set", body = SitInPattern),
        (status = 400, description = "`validation_failed`: `weekdays` empty or longer than 5 (`length`), `weekdays[i]` not 1–5 (`out_of_range`) or repeated (`duplicate`); `unknown_field` or a malformed body or id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: neither the leader nor an office admin; `not_a_leader`: the caller sets their own pattern but is not an active department leader", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_a_leader`: the staff member is not an active department leader", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/leader-sit-ins/patterns/{leader_id}")]
pub async fn put(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    leader_id: web::Path<Uuid>,
    body: web::Json<PatternRequest>,
) -> ApiResult<HttpResponse> {
    let expected = if_match(&req)?;
    let weekdays = check(&body.weekdays)?;
    let id = *leader_id;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let leader = checks::path_leader(conn, &user, id).await?;
        let before = store::pattern(conn, user.center_id, id).await?;
        check_version(expected, before.as_ref().map_or(0, |p| p.version))?;
        let after = store::save_pattern(conn, user.center_id, id, &weekdays).await?;
        let action = if before.is_some() {
            "updated"
        } else {
            "created"
        };
        let mut entry = AuditEntry::new(&user, action, "sit_in_pattern", id).after(&after);
        if let Some(b) = &before {
            entry = entry.before(b);
        }
        audit::record(conn, entry).await?;
        let version = after.version;
        let v = view(after, &leader.row);
        Ok(if before.is_none() {
            Reply::created(&v, version, format!("/api/v1/leader-sit-ins/patterns/{id}"))
        } else {
            Reply::with_etag(&v, version)
        })
    })
    .await
}

/// Remove a leader's pattern (the leader themself or an office admin). Honours `If-Match`.
/// Plans already filed from it stay as they are.
#[utoipa::path(
    operation_id = "deleteSitInPattern",
    tag = "sit-ins",
    params(
        ("leader_id" = Uuid, Path, description = "The leader's staff id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the leader nor an office admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No pattern for this staff member in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/leader-sit-ins/patterns/{leader_id}")]
pub async fn remove(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    leader_id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let expected = if_match(&req)?;
    let id = *leader_id;
    if !user.has(Role::OfficeAdmin) && user.staff_id != Some(id) {
        return Err(ApiError::forbidden());
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        store::staff_for_sit_in(conn, user.center_id, id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let before = store::pattern(conn, user.center_id, id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        check_version(expected, before.version)?;
        store::delete_pattern(conn, user.center_id, id).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "deleted", "sit_in_pattern", id).before(&before),
        )
        .await?;
        Ok(Reply::no_content())
    })
    .await
}
