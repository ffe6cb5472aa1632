//! One-time notices (一次性告知, R19): what the citizen was told in one go — the materials, the
//! procedure and the time limit — recorded by the request's owner and shown again on request.
//! Giving one is recorded in the moves' trail (`notice`, the state unchanged) and audited.

use super::machine::State;
use super::model::RequestRow;
use super::moves;
use super::owners::{self, MoveRow};
use super::read;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::db::schema::citizen_request_notices as cn;
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::names::Names;
use crate::org::rules as org_rules;
use crate::principal::{Caller, CurrentUser, Role};
use crate::text_enum::TextEnum;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub const MAX_MATERIALS: usize = 30;
pub const MAX_MATERIAL: usize = 200;
pub const MAX_PROCEDURE: usize = 2000;
pub const MAX_TIME_LIMIT: usize = 200;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = cn)]
pub struct NoticeRow {
    pub id: Uuid,
    pub request_id: Uuid,
    pub materials: Vec<String>,
    pub procedure: String,
    pub time_limit: String,
    pub given_by: Uuid,
    pub given_at: DateTime<Utc>,
}

/// What the citizen is told in one go.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNotice {
    /// Every material the citizen must bring (1–30, each 1–200 characters).
    #[schema(min_items = 1, max_items = 30)]
    pub materials: Vec<String>,
    /// The procedure (1–2000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    pub procedure: String,
    /// The time limit, e.g. "5 个工作日内办结" (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub time_limit: String,
}

/// A one-time notice as given.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notice {
    pub id: Uuid,
    pub request_id: Uuid,
    pub materials: Vec<String>,
    pub procedure: String,
    pub time_limit: String,
    pub given_by: Uuid,
    pub given_by_name: String,
    pub given_at: DateTime<Utc>,
}

fn validate(n: &NewNotice) -> Result<(), ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if n.materials.is_empty() {
        errors.push(FieldError::of("materials", FieldCode::Required));
    } else if n.materials.len() > MAX_MATERIALS {
        errors
            .push(FieldError::of("materials", FieldCode::TooManyItems).param("max", MAX_MATERIALS));
    }
    for (i, m) in n.materials.iter().enumerate() {
        errors.extend(org_rules::text(&format!("materials[{i}]"), m, MAX_MATERIAL));
    }
    errors.extend(org_rules::text("procedure", &n.procedure, MAX_PROCEDURE));
    errors.extend(org_rules::text("time_limit", &n.time_limit, MAX_TIME_LIMIT));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

async fn views(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    rows: Vec<NoticeRow>,
) -> QueryResult<Vec<Notice>> {
    let names = Names::load(conn, center_id, rows.iter().map(|r| r.given_by), []).await?;
    Ok(rows
        .into_iter()
        .map(|r| Notice {
            given_by_name: names.staff(r.given_by),
            id: r.id,
            request_id: r.request_id,
            materials: r.materials,
            procedure: r.procedure,
            time_limit: r.time_limit,
            given_by: r.given_by,
            given_at: r.given_at,
        })
        .collect())
}

/// Record a one-time notice (一次性告知): the materials, procedure and time limit the citizen was
/// told in one go.
///
/// The request's owner (or an office admin standing in), while the request is open (accepted,
/// forwarded, escalated, in progress or waiting for the citizen).
#[utoipa::path(
    operation_id = "giveCitizenNotice",
    tag = "citizen-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = NewNotice,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = Notice, headers(("Location" = String, description = "The request's notices"))),
        (status = 400, description = "`validation_failed`: `materials` empty or more than 30 (`required`, `too_many`), an item, `procedure` or `time_limit` blank or too long (`required`, `too_long`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: not the request's owner nor an office admin; a portal token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such request the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`: still in the queue, or answered, closed or refused; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/citizen-requests/{id}/notices")]
pub async fn give(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
    body: web::Json<NewNotice>,
) -> ApiResult<HttpResponse> {
    validate(&body)?;
    let id = *id;
    let mut conn = state.pool.get().await?;
    let caller = Caller::Staff(user.clone());
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let row: RequestRow = moves::lock(conn, user.center_id, id).await?;
        read::visible(conn, &caller, id).await?;
        let owner = user.staff_id.is_some() && row.owner_id == user.staff_id;
        let given_by = match user.staff_id {
            Some(me) if owner || user.has(Role::OfficeAdmin) => me,
            _ => return Err(ApiError::forbidden()),
        };
        if !row.state.open() || row.state == State::Received {
            return Err(crate::lifecycle::invalid_state(row.state.as_str()));
        }
        let now = state.clock.now();
        let notice = NoticeRow {
            id: Uuid::now_v7(),
            request_id: id,
            materials: body.materials.iter().map(|m| m.trim().to_owned()).collect(),
            procedure: body.procedure.trim().to_owned(),
            time_limit: body.time_limit.trim().to_owned(),
            given_by,
            given_at: now,
        };
        diesel::insert_into(cn::table)
            .values(&notice)
            .execute(conn)
            .await?;
        owners::record_move(
            conn,
            MoveRow {
                request_id: id,
                seq: 0,
                action: "notice".into(),
                from_state: row.state,
                to_state: row.state,
                note: String::new(),
                by_staff: Some(given_by),
                actor: user.actor_label(),
                at: now,
            },
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "notice_given", "citizen_request", id).after(&notice),
        )
        .await?;
        let view = views(conn, row.center_id, vec![notice])
            .await?
            .pop()
            .ok_or_else(ApiError::internal)?;
        Ok(
            Reply::json(actix_web::http::StatusCode::CREATED, &view).header(
                actix_web::http::header::LOCATION,
                format!("/api/v1/citizen-requests/{id}/notices"),
            ),
        )
    })
    .await
}

/// The one-time notices of a request, oldest first (shown again to the citizen).
///
/// Whoever may see the request (see `getCitizenRequest`); the portal gets 403.
#[utoipa::path(
    operation_id = "listCitizenNotices",
    tag = "citizen-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The notices, oldest first", body = [Notice]),
        (status = 400, description = "`validation_failed`: `id` is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a portal token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such request the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/citizen-requests/{id}/notices")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let conn = &mut *conn;
    let (row, _) = read::visible(conn, &Caller::Staff(user.clone()), *id).await?;
    let rows: Vec<NoticeRow> = cn::table
        .filter(cn::request_id.eq(row.id))
        .order((cn::given_at, cn::id))
        .select(NoticeRow::as_select())
        .load(conn)
        .await?;
    Ok(HttpResponse::Ok().json(views(conn, row.center_id, rows).await?))
}
