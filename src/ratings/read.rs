//! Reading ratings and follow-ups: `GET /ratings`, `GET /rating-follow-ups`, with the names
//! beside the ids, in a fixed number of queries per page.

use super::follow_up::FollowUpState;
use super::model::{FollowUp, FollowUpBrief, FollowUpRow, Rating, RatingRow, Scale};
use super::store::{self, RatingFilter};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::lifecycle::list::{self as lifecycle_list, Wanted};
use crate::org::names::Names;
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;
use uuid::Uuid;

/// Views of `rows`: their follow-ups and names in two queries.
pub async fn rating_views(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    rows: Vec<RatingRow>,
) -> QueryResult<Vec<Rating>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut follow_ups: HashMap<Uuid, FollowUpRow> = store::follow_ups_of(conn, &ids)
        .await?
        .into_iter()
        .map(|f| (f.rating_id, f))
        .collect();
    let names = Names::load(
        conn,
        center_id,
        rows.iter().filter_map(|r| r.staff_id).collect::<Vec<_>>(),
        rows.iter()
            .filter_map(|r| r.department_id)
            .collect::<Vec<_>>(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Rating {
            id: r.id,
            level: r.level,
            scale: Scale::of(r.level).unwrap_or(Scale::VeryDissatisfied),
            comment: r.comment,
            round: r.round,
            request_id: r.request_id,
            staff_name: r.staff_id.map(|s| names.staff(s)),
            staff_id: r.staff_id,
            department_name: r.department_id.map(|d| names.department(d)),
            department_id: r.department_id,
            matter: r.matter,
            served_at: r.served_at,
            via: r.via,
            superseded_by: r.superseded_by,
            follow_up: follow_ups.remove(&r.id).map(|f| FollowUpBrief {
                id: f.id,
                state: f.state,
                assignee_id: f.assignee_id,
                due_on: f.due_on,
            }),
            created_at: r.created_at,
        })
        .collect())
}

/// Views of follow-ups against the center's `today`: their ratings and names in two queries.
pub async fn follow_up_views(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    today: NaiveDate,
    rows: Vec<FollowUpRow>,
) -> Result<Vec<FollowUp>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|f| f.rating_id).collect();
    let ratings: HashMap<Uuid, RatingRow> = store::ratings_by_ids(conn, &ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let names = Names::load(
        conn,
        center_id,
        rows.iter()
            .filter_map(|f| f.assignee_id)
            .collect::<Vec<_>>(),
        Vec::new(),
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for f in rows {
        let r = ratings.get(&f.rating_id).ok_or_else(ApiError::internal)?;
        out.push(FollowUp {
            id: f.id,
            rating_id: f.rating_id,
            level: r.level,
            comment: r.comment.clone(),
            request_id: r.request_id,
            rated_staff_id: r.staff_id,
            state: f.state,
            assignee_name: f.assignee_id.map(|a| names.staff(a)),
            assignee_id: f.assignee_id,
            due_on: f.due_on,
            overdue: f.state == FollowUpState::Open && f.due_on.is_some_and(|d| d < today),
            decided_by: f.decided_by,
            decision_note: f.decision_note,
            created_at: f.created_at,
            updated_at: f.updated_at,
        });
    }
    Ok(out)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatingQuery {
    /// Only ratings of this level (1–5).
    pub level: Option<i32>,
    /// Only ratings of this staff member.
    pub staff_id: Option<Uuid>,
    /// Only bad ratings (with a follow-up), or only the others.
    pub has_follow_up: Option<bool>,
}

/// Ratings, newest first.
///
/// Office admins and auditors see all of the center's; other staff the ratings of themselves
/// and those whose follow-up is assigned to them.
#[utoipa::path(
    operation_id = "listRatings",
    tag = "ratings",
    params(RatingQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page", body = Page<Rating>),
        (status = 400, description = "`validation_failed` (limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a caller without a staff record who is not an office admin or auditor; the portal", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ratings")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RatingQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Rating>>> {
    let fetch = paging.limit()? + 1;
    let before: Option<Uuid> = paging.after()?;
    let mine = if user.reads_all() {
        None
    } else {
        Some(user.staff_id.ok_or_else(ApiError::forbidden)?)
    };
    let mut conn = state.pool.get().await?;
    let rows = store::ratings_page(
        &mut conn,
        RatingFilter {
            center_id: user.center_id,
            level: query.level,
            staff_id: query.staff_id,
            has_follow_up: query.has_follow_up,
            mine,
            before,
            fetch,
        },
    )
    .await?;
    let page = pagination::page(rows, fetch - 1, |r| r.id, |r| r);
    Ok(web::Json(Page {
        items: rating_views(&mut conn, user.center_id, page.items).await?,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpQuery {
    /// `open`, `called_back`, `rectified` or `closed`.
    pub state: Option<String>,
    /// `me` (the caller's own), or a staff id (office admins and auditors; others always get
    /// their own).
    pub assignee: Option<String>,
}

/// Follow-ups of bad ratings, newest first.
///
/// Office admins and auditors see all of the center's (or one assignee's); other staff those
/// assigned to them.
#[utoipa::path(
    operation_id = "listRatingFollowUps",
    tag = "ratings",
    params(FollowUpQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page", body = Page<FollowUp>),
        (status = 400, description = "`validation_failed` (limit, cursor, `assignee` neither `me` nor an id) or malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a caller without a staff record who is not an office admin or auditor; the portal", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rating-follow-ups")]
pub async fn list_follow_ups(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<FollowUpQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<FollowUp>>> {
    let assignee = match query.assignee.as_deref() {
        None => None,
        Some("me") => Some(user.staff_id.ok_or_else(ApiError::forbidden)?),
        Some(s) => Some(s.parse::<Uuid>().map_err(|_| {
            ApiError::invalid(crate::error::FieldError::of(
                "assignee",
                crate::error::FieldCode::UnknownStaff,
            ))
        })?),
    };
    let wanted = Wanted {
        status: query.state.as_deref(),
        staff_id: assignee,
        limit: paging.limit,
        cursor: paging.cursor.as_deref(),
    };
    let Some(f) = lifecycle_list::filter::<FollowUpState>(&user, wanted)? else {
        return Ok(web::Json(Page {
            items: Vec::new(),
            next_cursor: None,
        }));
    };
    let mut conn = state.pool.get().await?;
    let center = crate::org::store::center(&mut conn, user.center_id).await?;
    let rows = store::follow_ups_page(&mut conn, f).await?;
    let page = pagination::page(rows, f.fetch - 1, |r| r.id, |r| r);
    Ok(web::Json(Page {
        items: follow_up_views(
            &mut conn,
            user.center_id,
            center.today(&state.clock),
            page.items,
        )
        .await?,
        next_cursor: page.next_cursor,
    }))
}

/// One follow-up of a bad rating (the inbox's tasks link here).
///
/// Office admins and auditors see any of the center's; other staff those assigned to them.
#[utoipa::path(
    operation_id = "getRatingFollowUp",
    tag = "ratings",
    params(("id" = Uuid, Path, description = "Follow-up id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The follow-up", body = FollowUp),
        (status = 400, description = "`malformed_request`: `id` is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a portal token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such follow-up the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rating-follow-ups/{id}")]
pub async fn get_follow_up(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<FollowUp>> {
    let mut conn = state.pool.get().await?;
    let row = store::follow_up(&mut conn, user.center_id, path.into_inner(), false).await?;
    if !lifecycle_list::visible(&row, &user) {
        return Err(ApiError::not_found());
    }
    let center = crate::org::store::center(&mut conn, user.center_id).await?;
    let mut views =
        follow_up_views(&mut conn, center.id, center.today(&state.clock), vec![row]).await?;
    Ok(web::Json(views.pop().ok_or_else(ApiError::internal)?))
}
