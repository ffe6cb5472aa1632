//! Staff (窗口工作人员, 督导员, office) of the caller's center.

use super::model::{Position, Staff, StaffRow};
use super::rules::{self, Errors};
use super::store::{self, NewStaff, StaffChanges, StaffFilter};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::auth::{password, store as auth_store, throttle};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::pagination::{self, Page, PageParams};
use crate::principal::{CurrentUser, Role};
use crate::web::{check_version, if_match, nullable, with_etag};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    pub department_id: Option<Uuid>,
    pub role: Option<Role>,
    pub position: Option<Position>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Unique per center; the login name. 1–32 of letters, digits, `-`, `_`, `.`.
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9._-]+$")]
    pub employee_no: String,
    pub department_id: Option<Uuid>,
    pub position: Option<Position>,
    /// At least one role.
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub leader: bool,
    /// 5–20 of digits, spaces, `+` and `-`, with at least 5 digits.
    #[schema(pattern = "^[0-9+ -]{5,20}$")]
    pub phone: Option<String>,
    /// Initial password, 10–128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
}

/// Fields to change; absent fields stay, `null` clears a nullable field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffPatch {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9._-]+$")]
    pub employee_no: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub department_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Position>, nullable)]
    pub position: Option<Option<Position>>,
    #[schema(min_items = 1)]
    pub roles: Option<Vec<Role>>,
    pub leader: Option<bool>,
    /// 5–20 of digits, spaces, `+` and `-`, with at least 5 digits; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable, pattern = "^[0-9+ -]{5,20}$")]
    pub phone: Option<Option<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The new password, 10–128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}

fn show_phone(user: &CurrentUser, row: &StaffRow) -> bool {
    user.reads_all() || user.staff_id == Some(row.id)
}

fn employee_no_taken() -> ApiError {
    ApiError::of(Code::EmployeeNoTaken)
}

fn roles_vec(roles: &[Role]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for r in roles {
        if !out.iter().any(|s| s == r.as_str()) {
            out.push(r.as_str().to_owned());
        }
    }
    if out.is_empty() {
        return Err(ApiError::invalid(FieldError::of(
            "roles",
            FieldCode::RequiredRole,
        )));
    }
    Ok(out)
}

async fn check_department(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    department_id: Option<Uuid>,
) -> ApiResult<()> {
    if let Some(d) = department_id
        && !store::department_is_active(conn, center_id, d).await?
    {
        return Err(ApiError::invalid(FieldError::of(
            "department_id",
            FieldCode::UnknownDepartment,
        )));
    }
    Ok(())
}

/// The staff directory of the caller's center.
///
/// Everyone in the center may read it; phone numbers of others are shown only to office
/// admins and auditors.
#[utoipa::path(
    operation_id = "listStaff",
    tag = "staff",
    params(StaffQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of staff", body = Page<Staff>),
        (status = 400, description = "`validation_failed` (limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<StaffQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Staff>>> {
    let q = query.into_inner();
    let limit = paging.limit()?;
    let after: Option<Uuid> = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list_staff(
        &mut conn,
        StaffFilter {
            center_id: user.center_id,
            department_id: q.department_id,
            role: q.role.map(|r| r.as_str().to_owned()),
            position: q.position.map(|p| p.as_str().to_owned()),
            active: q.active,
            after,
            limit,
        },
    )
    .await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| r.id,
        |r| {
            let show = show_phone(&user, &r);
            r.view(show)
        },
    )))
}

/// Add a staff member (office admin).
#[utoipa::path(
    operation_id = "createStaff",
    tag = "staff",
    request_body = NewStaffRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` and `ETag` set", body = Staff),
        (status = 400, description = "`validation_failed`, `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`employee_no_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff")]
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<NewStaffRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let b = body.into_inner();
    let mut errs = Errors::default();
    errs.check(rules::text("name", &b.name, 100))
        .check(rules::code("employee_no", &b.employee_no))
        .check(password::check_strength("password", &b.password));
    if let Some(p) = &b.phone {
        errs.check(rules::phone("phone", p));
    }
    errs.finish()?;
    let roles = roles_vec(&b.roles)?;
    let hash = state.hasher.hash_queued(b.password).await?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        check_department(conn, user.center_id, b.department_id).await?;
        let row = store::insert_staff(
            conn,
            NewStaff {
                id: Uuid::now_v7(),
                center_id: user.center_id,
                department_id: b.department_id,
                employee_no: b.employee_no,
                name: b.name.trim().to_owned(),
                position: b.position.map(|p| p.as_str().to_owned()),
                roles,
                leader: b.leader,
                phone: b.phone,
                password_hash: hash,
            },
        )
        .await
        .map_err(|e| match ApiError::from(e) {
            e if e.code == "already_exists" => employee_no_taken(),
            e => e,
        })?;
        audit::record(
            conn,
            AuditEntry::new(&user, "created", "staff", row.id).after(row.audit_value()),
        )
        .await?;
        let location = format!("/api/v1/staff/{}", row.id);
        let version = row.version;
        Ok(Reply::created(&row.view(true), version, location))
    })
    .await
}

/// One staff member.
#[utoipa::path(
    operation_id = "getStaff",
    tag = "staff",
    params(("id" = Uuid, Path, description = "Staff id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The staff member; `ETag` set", body = Staff),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/{id}")]
pub async fn get_one(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let row = store::staff_by_id(&mut conn, user.center_id, *id).await?;
    let version = row.version;
    let show = show_phone(&user, &row);
    Ok(with_etag(&row.view(show), version))
}

/// Applies `changes` to a staff row under lock, with `If-Match` and audit.
async fn change(
    user: &CurrentUser,
    state: &AppState,
    idem: &Idem,
    id: Uuid,
    expected: Option<i32>,
    action: &'static str,
    changes: StaffChanges,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, idem, async |conn| {
        let before = store::staff_for_update(conn, user.center_id, id).await?;
        check_version(expected, before.version)?;
        if let Some(d) = changes.department_id {
            check_department(conn, user.center_id, d).await?;
        }
        let deactivating = changes.active == Some(false);
        let after =
            store::update_staff(conn, id, changes)
                .await
                .map_err(|e| match ApiError::from(e) {
                    e if e.code == "already_exists" => employee_no_taken(),
                    e => e,
                })?;
        if deactivating {
            auth_store::revoke_all_for(conn, id).await?;
        } else if roles_differ(&before.roles, &after.roles) {
            // Tokens carry roles: the old ones must stop speaking for the old roles.
            auth_store::bump_token_generation(conn, id).await?;
        }
        audit::record(
            conn,
            AuditEntry::new(user, action, "staff", id)
                .before(before.audit_value())
                .after(after.audit_value()),
        )
        .await?;
        let version = after.version;
        Ok(Reply::with_etag(&after.view(true), version))
    })
    .await
}

/// Whether two role lists name different sets of roles.
fn roles_differ(a: &[String], b: &[String]) -> bool {
    a.iter().any(|r| !b.contains(r)) || b.iter().any(|r| !a.contains(r))
}

/// Change a staff member (office admin). Honours `If-Match`.
#[utoipa::path(
    operation_id = "updateStaff",
    tag = "staff",
    request_body = StaffPatch,
    params(
        ("id" = Uuid, Path, description = "Staff id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated staff member", body = Staff),
        (status = 400, description = "`validation_failed`, `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`employee_no_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/staff/{id}")]
pub async fn update(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<StaffPatch>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let p = body.into_inner();
    let mut errs = Errors::default();
    if let Some(n) = &p.name {
        errs.check(rules::text("name", n, 100));
    }
    if let Some(e) = &p.employee_no {
        errs.check(rules::code("employee_no", e));
    }
    if let Some(Some(ph)) = &p.phone {
        errs.check(rules::phone("phone", ph));
    }
    errs.finish()?;
    let roles = p.roles.as_deref().map(roles_vec).transpose()?;
    let changes = StaffChanges {
        name: p.name.map(|n| n.trim().to_owned()),
        employee_no: p.employee_no,
        department_id: p.department_id,
        position: p.position.map(|o| o.map(|p| p.as_str().to_owned())),
        roles,
        leader: p.leader,
        phone: p.phone,
        active: None,
    };
    change(&user, &state, &idem, *id, expected, "updated", changes).await
}

/// Deactivate a staff member (office admin): they can no longer log in, their sessions are
/// revoked, and their history is kept.
#[utoipa::path(
    operation_id = "deactivateStaff",
    tag = "staff",
    params(
        ("id" = Uuid, Path, description = "Staff id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deactivated staff member", body = Staff),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`cannot_deactivate_self`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/{id}/deactivate")]
pub async fn deactivate(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    if user.staff_id == Some(*id) {
        return Err(ApiError::of(Code::CannotDeactivateSelf));
    }
    let expected = if_match(&req)?;
    let changes = StaffChanges {
        active: Some(false),
        ..Default::default()
    };
    change(&user, &state, &idem, *id, expected, "deactivated", changes).await
}

/// Reactivate a deactivated staff member (office admin). They log in again with their
/// password (reset it if needed); revoked sessions stay revoked.
#[utoipa::path(
    operation_id = "activateStaff",
    tag = "staff",
    params(
        ("id" = Uuid, Path, description = "Staff id"),
        ("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Active staff member", body = Staff),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/{id}/activate")]
pub async fn activate(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let changes = StaffChanges {
        active: Some(true),
        ..Default::default()
    };
    change(&user, &state, &idem, *id, expected, "activated", changes).await
}

/// Set a new password for a staff member (office admin); their sessions are revoked and the
/// delays on their logins (`login_throttled`) are lifted.
#[utoipa::path(
    operation_id = "resetStaffPassword",
    tag = "staff",
    request_body = PasswordResetRequest,
    params(("id" = Uuid, Path, description = "Staff id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Password reset"),
        (status = 400, description = "`validation_failed` (password length), `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such staff member in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/{id}/password-reset")]
pub async fn reset_password(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<PasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let b = body.into_inner();
    if let Some(e) = password::check_strength("new_password", &b.new_password) {
        return Err(ApiError::validation(vec![e]));
    }
    let hash = state.hasher.hash_queued(b.new_password).await?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let before = store::staff_for_update(conn, user.center_id, *id).await?;
        auth_store::set_password(conn, before.id, &hash).await?;
        auth_store::revoke_all_for(conn, before.id).await?;
        // A new password lifts the delays of guesses at the old one.
        throttle::clear_staff(conn, user.center_id, before.id).await?;
        store::touch_staff(conn, before.id).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "password_reset", "staff", before.id),
        )
        .await?;
        Ok(Reply::no_content())
    })
    .await
}
