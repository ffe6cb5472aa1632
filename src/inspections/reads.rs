//! `GET /inspections` and `GET /inspections/{id}`, and the views every answer about findings
//! uses (names, photos and rectification loaded in a constant number of queries).

use super::access;
use super::model::{
    Category, Inspection, InspectionRow, InspectionSummary, Outcome, RectificationBrief, Severity,
};
use super::store::{self, Filter};
use crate::AppState;
use crate::attachments::{model::EntityType, store as att_store};
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::org::names::Names;
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use crate::rectifications::store as rect_store;
use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectionQuery {
    /// First duty day, YYYY-MM-DD (inclusive).
    pub from: Option<NaiveDate>,
    /// Last duty day, YYYY-MM-DD (inclusive).
    pub to: Option<NaiveDate>,
    /// Findings about this person (window staff: only themselves).
    pub staff_id: Option<Uuid>,
    pub category: Option<Category>,
    pub severity: Option<Severity>,
    pub result: Option<Outcome>,
}

/// Views of `rows`: names, photo ids and rectifications in four queries whatever their number.
pub async fn views(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    rows: Vec<InspectionRow>,
) -> QueryResult<Vec<Inspection>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let names = Names::load(
        conn,
        center_id,
        rows.iter()
            .flat_map(|r| r.staff_id.into_iter().chain([r.inspector_id])),
        [],
    )
    .await?;
    let mut photos: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (entity, att) in att_store::referenced_by(conn, EntityType::Inspection, &ids).await? {
        photos.entry(entity).or_default().push(att);
    }
    let mut rects: HashMap<Uuid, RectificationBrief> =
        rect_store::briefs(conn, &ids).await?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|r| Inspection {
            id: r.id,
            date: r.day,
            staff_id: r.staff_id,
            staff_name: r.staff_id.map(|s| names.staff(s)),
            category: r.category,
            result: r.result,
            severity: r.severity,
            description: r.description,
            inspector_id: r.inspector_id,
            inspector_name: names.staff(r.inspector_id),
            assignment_id: r.assignment_id,
            received_at: r.received_at,
            observed_at: r.observed_at,
            attachment_ids: photos.remove(&r.id).unwrap_or_default(),
            rectification: rects.remove(&r.id),
        })
        .collect())
}

/// The view of one finding.
pub async fn view(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    row: InspectionRow,
) -> Result<Inspection, ApiError> {
    views(conn, center_id, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::internal)
}

/// The day's findings as the duty-day view shows them, as far as `user` may see them: two
/// queries whatever their number.
pub async fn day_summary(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    date: NaiveDate,
) -> QueryResult<Vec<InspectionSummary>> {
    let Ok(about) = access::scope(user, None) else {
        return Ok(Vec::new());
    };
    let rows = store::of_day(conn, user.center_id, date, about).await?;
    let names = Names::load(
        conn,
        user.center_id,
        rows.iter()
            .flat_map(|r| r.staff_id.into_iter().chain([r.inspector_id])),
        [],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| InspectionSummary {
            id: r.id,
            staff_id: r.staff_id,
            staff_name: r.staff_id.map(|s| names.staff(s)),
            category: r.category,
            result: r.result,
            severity: r.severity,
            inspector_id: r.inspector_id,
            inspector_name: names.staff(r.inspector_id),
            received_at: r.received_at,
        })
        .collect())
}

/// Inspection findings of the center, newest first.
///
/// Office admins, auditors and supervisors see every finding of the center (and may narrow to
/// one person with `staff_id`); window staff see only the findings about themselves.
#[utoipa::path(
    operation_id = "listInspections",
    tag = "inspections",
    params(InspectionQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page, newest first", body = Page<Inspection>),
        (status = 400, description = "`validation_failed` (`to` before `from`, limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/inspections")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<InspectionQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Inspection>>> {
    let q = query.into_inner();
    let limit = paging.limit()?;
    let before: Option<Uuid> = paging.after()?;
    if let (Some(f), Some(t)) = (q.from, q.to)
        && t < f
    {
        return Err(ApiError::invalid(FieldError::of(
            "to",
            FieldCode::BeforeFrom,
        )));
    }
    let Ok(staff_id) = access::scope(&user, q.staff_id) else {
        return Ok(web::Json(Page {
            items: Vec::new(),
            next_cursor: None,
        }));
    };
    let f = Filter {
        center_id: user.center_id,
        from: q.from,
        to: q.to,
        staff_id,
        category: q.category,
        severity: q.severity,
        result: q.result,
        before,
        fetch: limit + 1,
    };
    let mut conn = state.pool.get().await?;
    let rows = store::page(&mut conn, f).await?;
    let page = pagination::page(rows, limit, |r| r.id, |r| r);
    Ok(web::Json(Page {
        items: views(&mut conn, user.center_id, page.items).await?,
        next_cursor: page.next_cursor,
    }))
}

/// One inspection finding, with names, photo ids and its rectification.
///
/// 404 when it is not in the caller's center, or when a window staff member asks for a finding
/// that is not about them.
#[utoipa::path(
    operation_id = "getInspection",
    tag = "inspections",
    params(("id" = Uuid, Path, description = "The finding's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The finding", body = Inspection),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/inspections/{id}")]
pub async fn get_one(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Inspection>> {
    let mut conn = state.pool.get().await?;
    let row = store::find(&mut conn, user.center_id, *id)
        .await?
        .filter(|r| access::may_see(&user, r.staff_id))
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(view(&mut conn, user.center_id, row).await?))
}
