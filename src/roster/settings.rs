//! Rotation settings (`GET/PUT /rotation`): department order, who takes duty, queue order,
//! supervisors per day and the rotation unit.

use super::queues::{self, Choice, Dept, Person};
use super::rotation::{DeptQueue, Unit};
use super::store::{self, MemberRow, SettingsRow};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::store as org_store;
use crate::principal::{CurrentUser, Role};
use crate::web::{check_version, if_match, with_etag};
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberChoice {
    pub staff_id: Uuid,
    /// `true` includes someone the default would leave out; `false` excludes them.
    pub included: bool,
    /// Place in the department's queue (lower first); unset people follow by employee number.
    pub queue_position: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueMember {
    pub staff_id: Uuid,
    pub employee_no: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentQueue {
    pub department_id: Uuid,
    pub name: String,
    /// Eligible supervisors in queue order.
    pub members: Vec<QueueMember>,
}

/// The effective rotation of the center.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rotation {
    /// `day`: a department holds duty for one working day; `week`: for a week.
    pub unit: Unit,
    pub supervisors_per_day: i32,
    /// The explicit department order as saved (empty: by each department's `rotation_order`).
    pub department_order: Vec<Uuid>,
    /// Departments in effective rotation order with their queues.
    pub departments: Vec<DepartmentQueue>,
    /// The office's include/exclude/order choices.
    pub choices: Vec<MemberChoice>,
    /// R6: substitutions are filed with the office and take effect when the substitute accepts
    /// (`false`, the default); `true` makes the office approve (register) each one first.
    pub substitutions_need_approval: bool,
    pub version: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationUpdate {
    pub unit: Unit,
    /// 1–10.
    pub supervisors_per_day: i32,
    #[serde(default)]
    pub department_order: Vec<Uuid>,
    /// Replaces all earlier choices.
    #[serde(default)]
    pub choices: Vec<MemberChoice>,
    /// See [`Rotation::substitutions_need_approval`]; `false` when left out.
    #[serde(default)]
    pub substitutions_need_approval: bool,
}

/// Everything the generator needs about who rotates: settings and queues in rotation order.
pub struct Loaded {
    pub settings: SettingsRow,
    pub queues: Vec<DeptQueue>,
    pub names: Vec<(Uuid, String, String)>,
    pub choices: Vec<MemberRow>,
}

/// Loads settings (creating defaults) and builds the queues; three queries.
pub async fn load(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    lock: bool,
) -> QueryResult<Loaded> {
    let settings = if lock {
        store::settings_for_update(conn, center_id).await?
    } else {
        match store::settings(conn, center_id).await? {
            Some(s) => s,
            None => SettingsRow {
                center_id,
                department_order: Vec::new(),
                unit: Unit::Day,
                supervisors_per_day: 1,
                // What the row will have once created (the migration's default).
                version: 1,
                substitutions_need_approval: false,
            },
        }
    };
    let depts = org_store::active_departments(conn, center_id).await?;
    let staff = org_store::active_department_staff(conn, center_id).await?;
    let choices = store::members(conn, center_id).await?;
    let dept_view: Vec<Dept<'_>> = depts
        .iter()
        .map(|d| Dept {
            id: d.id,
            name: &d.name,
            rotation_order: d.rotation_order,
        })
        .collect();
    let people: Vec<Person<'_>> = staff
        .iter()
        .filter_map(|s| {
            Some(Person {
                id: s.id,
                department_id: s.department_id?,
                employee_no: &s.employee_no,
                has_position: s.position.is_some(),
                is_supervisor: s.roles.iter().any(|r| r == Role::Supervisor.as_str()),
            })
        })
        .collect();
    let choice_view: Vec<Choice> = choices
        .iter()
        .map(|c| Choice {
            staff_id: c.staff_id,
            included: c.included,
            queue_position: c.queue_position,
        })
        .collect();
    let queues = queues::department_order(&dept_view, &settings.department_order)
        .into_iter()
        .filter_map(|id| {
            let d = depts.iter().find(|d| d.id == id)?;
            Some(DeptQueue {
                department_id: id,
                name: d.name.clone(),
                members: queues::queue(id, &people, &choice_view),
            })
        })
        .collect();
    let names = staff
        .iter()
        .map(|s| (s.id, s.employee_no.clone(), s.name.clone()))
        .collect();
    Ok(Loaded {
        settings,
        queues,
        names,
        choices,
    })
}

fn view(l: Loaded) -> Rotation {
    let name = |id: Uuid| l.names.iter().find(|n| n.0 == id);
    Rotation {
        unit: l.settings.unit,
        supervisors_per_day: l.settings.supervisors_per_day,
        substitutions_need_approval: l.settings.substitutions_need_approval,
        department_order: l.settings.department_order.clone(),
        departments: l
            .queues
            .iter()
            .map(|q| DepartmentQueue {
                department_id: q.department_id,
                name: q.name.clone(),
                members: q
                    .members
                    .iter()
                    .filter_map(|m| {
                        name(*m).map(|(id, no, n)| QueueMember {
                            staff_id: *id,
                            employee_no: no.clone(),
                            name: n.clone(),
                        })
                    })
                    .collect(),
            })
            .collect(),
        choices: l
            .choices
            .iter()
            .map(|c| MemberChoice {
                staff_id: c.staff_id,
                included: c.included,
                queue_position: c.queue_position,
            })
            .collect(),
        version: l.settings.version,
    }
}

/// The center's rotation: order, queues, settings.
#[utoipa::path(
    operation_id = "getRotation",
    tag = "rosters",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Effective rotation; `ETag` set", body = Rotation),
    )
)]
#[get("/rotation")]
pub async fn get_rotation(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let l = load(&mut conn, user.center_id, false).await?;
    let v = view(l);
    let version = v.version;
    Ok(with_etag(&v, version))
}

/// Replace the rotation settings (office admin). Honours `If-Match`.
#[utoipa::path(
    operation_id = "setRotation",
    tag = "rosters",
    request_body = RotationUpdate,
    params(("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new effective rotation", body = Rotation),
        (status = 400, description = "`validation_failed` (unknown department or staff, supervisors_per_day out of range), `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/rotation")]
pub async fn put_rotation(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    body: web::Json<RotationUpdate>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let b = body.into_inner();
    if !(1..=10).contains(&b.supervisors_per_day) {
        return Err(ApiError::invalid(
            FieldError::of("supervisors_per_day", FieldCode::OutOfRange)
                .param("min", 1)
                .param("max", 10),
        ));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let before = load(conn, user.center_id, true).await?;
        check_version(expected, before.settings.version)?;
        let depts = org_store::active_departments(conn, user.center_id).await?;
        let staff = org_store::active_department_staff(conn, user.center_id).await?;
        let mut errors = Vec::new();
        for (i, d) in b.department_order.iter().enumerate() {
            if !depts.iter().any(|x| x.id == *d) {
                errors.push(FieldError::of(
                    &format!("department_order[{i}]"),
                    FieldCode::UnknownDepartment,
                ));
            }
        }
        for (i, c) in b.choices.iter().enumerate() {
            if !staff.iter().any(|s| s.id == c.staff_id) {
                errors.push(FieldError::of(
                    &format!("choices[{i}].staff_id"),
                    FieldCode::UnknownQueueStaff,
                ));
            }
        }
        for (i, d) in b.department_order.iter().enumerate() {
            if b.department_order[..i].contains(d) {
                errors.push(FieldError::of(
                    &format!("department_order[{i}]"),
                    FieldCode::DuplicateDepartment,
                ));
            }
        }
        for (i, c) in b.choices.iter().enumerate() {
            if b.choices[..i].iter().any(|x| x.staff_id == c.staff_id) {
                errors.push(FieldError::of(
                    &format!("choices[{i}].staff_id"),
                    FieldCode::DuplicateChoice,
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let before_view = serde_json::to_value(view(before)).unwrap_or_default();
        store::save_settings(
            conn,
            user.center_id,
            &b.department_order,
            b.unit,
            b.supervisors_per_day,
            b.substitutions_need_approval,
        )
        .await?;
        let rows: Vec<MemberRow> = b
            .choices
            .iter()
            .map(|c| MemberRow {
                staff_id: c.staff_id,
                center_id: user.center_id,
                included: c.included,
                queue_position: c.queue_position,
            })
            .collect();
        store::replace_members(conn, user.center_id, &rows).await?;
        let after = load(conn, user.center_id, false).await?;
        let after_view = view(after);
        audit::record(
            conn,
            AuditEntry::new(&user, "updated", "rotation", user.center_id)
                .before(before_view)
                .after(&after_view),
        )
        .await?;
        let version = after_view.version;
        Ok(Reply::with_etag(&after_view, version))
    })
    .await
}
