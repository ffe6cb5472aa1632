//! Departments (窗口单位) and their place in the duty rotation (R2).

use super::model::Department;
use super::rules::{self, Errors};
use super::store::{self, DepartmentChanges, NewDepartment};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use crate::web::{check_version, if_match, with_etag};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentQuery {
    /// Only active (`true`) or inactive (`false`) departments.
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDepartmentRequest {
    /// 1–100 characters, e.g. 医保中心.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Unique per center; 1–32 of letters, digits, `-`, `_`, `.`.
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9._-]+$")]
    pub code: String,
    /// Place in the duty rotation, 0–1000.
    #[schema(minimum = 0, maximum = 1000)]
    pub rotation_order: i32,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatch {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9._-]+$")]
    pub code: Option<String>,
    #[schema(minimum = 0, maximum = 1000)]
    pub rotation_order: Option<i32>,
}

fn dept_conflict() -> ApiError {
    ApiError::of(Code::DepartmentCodeTaken)
}

fn map_unique(e: ApiError) -> ApiError {
    if e.code == "already_exists" {
        dept_conflict()
    } else {
        e
    }
}

/// List the center's departments in rotation order.
#[utoipa::path(
    operation_id = "listDepartments",
    tag = "departments",
    params(DepartmentQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page, in rotation order", body = Page<Department>),
        (status = 400, description = "`validation_failed` (limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/departments")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<DepartmentQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Department>>> {
    let q = query.into_inner();
    let limit = paging.limit()?;
    let after: Option<(i32, Uuid)> = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list_departments(&mut conn, user.center_id, q.active, after, limit).await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |d| (d.rotation_order, d.id),
        |d| d,
    )))
}

/// Create a department (office admin).
#[utoipa::path(
    operation_id = "createDepartment",
    tag = "departments",
    request_body = NewDepartmentRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` and `ETag` set", body = Department),
        (status = 400, description = "`validation_failed`, `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`department_code_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/departments")]
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<NewDepartmentRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let b = body.into_inner();
    let mut errs = Errors::default();
    errs.check(rules::text("name", &b.name, 100))
        .check(rules::code("code", &b.code))
        .check(rules::range("rotation_order", b.rotation_order, 0, 1000));
    errs.finish()?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let d = store::insert_department(
            conn,
            NewDepartment {
                id: Uuid::now_v7(),
                center_id: user.center_id,
                name: b.name.trim().to_owned(),
                code: b.code,
                rotation_order: b.rotation_order,
            },
        )
        .await
        .map_err(|e| map_unique(e.into()))?;
        audit::record(
            conn,
            AuditEntry::new(&user, "created", "department", d.id).after(&d),
        )
        .await?;
        Ok(Reply::created(
            &d,
            d.version,
            format!("/api/v1/departments/{}", d.id),
        ))
    })
    .await
}

/// One department.
#[utoipa::path(
    operation_id = "getDepartment",
    tag = "departments",
    params(("id" = Uuid, Path, description = "Department id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The department; `ETag` set", body = Department),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/departments/{id}")]
pub async fn get_one(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let d = store::department(&mut conn, user.center_id, *id).await?;
    Ok(with_etag(&d, d.version))
}

async fn change(
    user: &CurrentUser,
    state: &AppState,
    idem: &Idem,
    id: Uuid,
    expected: Option<i32>,
    action: &'static str,
    changes: DepartmentChanges,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, idem, async |conn| {
        let before = store::department_for_update(conn, user.center_id, id).await?;
        check_version(expected, before.version)?;
        let after = store::update_department(conn, id, changes)
            .await
            .map_err(|e| map_unique(e.into()))?;
        audit::record(
            conn,
            AuditEntry::new(user, action, "department", id)
                .before(&before)
                .after(&after),
        )
        .await?;
        Ok(Reply::with_etag(&after, after.version))
    })
    .await
}

/// Change a department (office admin). Honours `If-Match`.
#[utoipa::path(
    operation_id = "updateDepartment",
    tag = "departments",
    request_body = DepartmentPatch,
    params(
        ("id" = Uuid, Path, description = "Department id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated department", body = Department),
        (status = 400, description = "`validation_failed`, `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`department_code_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/departments/{id}")]
pub async fn update(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<DepartmentPatch>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let p = body.into_inner();
    let mut errs = Errors::default();
    if let Some(n) = &p.name {
        errs.check(rules::text("name", n, 100));
    }
    if let Some(c) = &p.code {
        errs.check(rules::code("code", c));
    }
    if let Some(o) = p.rotation_order {
        errs.check(rules::range("rotation_order", o, 0, 1000));
    }
    errs.finish()?;
    let changes = DepartmentChanges {
        name: p.name.map(|n| n.trim().to_owned()),
        code: p.code,
        rotation_order: p.rotation_order,
        active: None,
    };
    change(&user, &state, &idem, *id, expected, "updated", changes).await
}

/// Deactivate a department (office admin). Its history and staff records are kept.
#[utoipa::path(
    operation_id = "deactivateDepartment",
    tag = "departments",
    params(
        ("id" = Uuid, Path, description = "Department id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deactivated department", body = Department),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/departments/{id}/deactivate")]
pub async fn deactivate(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let changes = DepartmentChanges {
        active: Some(false),
        ..Default::default()
    };
    change(&user, &state, &idem, *id, expected, "deactivated", changes).await
}
