//! Reading handovers: one, a day's given and received, the office's list. Readers are the
//! center's supervisors, office admins and auditors; window staff are refused (403).

use super::model::{DayHandovers, Handover, HandoverQuery, HandoverSummary};
use super::{store, view, views};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::org::names::Names;
use crate::pagination::{self, Page, PageParams};
use crate::principal::{CurrentUser, Role};
use crate::roster::views::check_range;
use crate::web as http;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use uuid::Uuid;

/// 403 unless the caller is a supervisor, an office admin or an auditor.
fn require_reader(user: &CurrentUser) -> Result<(), ApiError> {
    user.require_any(&[Role::Supervisor, Role::OfficeAdmin, Role::Auditor])
}

/// One handover with its items, who confirmed each, and the receiving day's supervisors.
#[utoipa::path(
    operation_id = "getHandover",
    tag = "duty",
    params(("id" = Uuid, Path, description = "The handover")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The handover", body = Handover,
            headers(("ETag" = String, description = "The handover's version"))),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: window staff (only supervisors, office admins and auditors read handovers)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such handover in the caller's center", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/handovers/{id}")]
pub async fn get_one(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    require_reader(&user)?;
    let mut conn = state.pool.get().await?;
    let row = store::find(&mut conn, user.center_id, *id, false)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let v = view(&mut conn, user.center_id, row).await?;
    Ok(http::with_etag(&v, v.version))
}

/// A duty day's handovers: the one it gave to the next working day and the one it received.
#[utoipa::path(
    operation_id = "getDayHandovers",
    tag = "duty",
    params(("date" = NaiveDate, Path, description = "The duty day, YYYY-MM-DD")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`given` and `received`, each `null` when there is none", body = DayHandovers),
        (status = 400, description = "Malformed date", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: window staff", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty-days/{date}/handover")]
pub async fn get_day(
    user: CurrentUser,
    state: web::Data<AppState>,
    date: web::Path<NaiveDate>,
) -> ApiResult<web::Json<DayHandovers>> {
    require_reader(&user)?;
    let date = *date;
    let mut conn = state.pool.get().await?;
    let rows = store::of_day(&mut conn, user.center_id, date).await?;
    let mut given = None;
    let mut received = None;
    // In giving-day order: when two days handed over to this one, the later one is `received`.
    for v in views(&mut conn, user.center_id, rows).await? {
        if v.summary.date == date {
            given = Some(v);
        } else {
            received = Some(v);
        }
    }
    Ok(web::Json(DayHandovers {
        date,
        given,
        received,
    }))
}

/// The office's list of handovers by giving day, e.g. `status=unconfirmed` for those whose
/// receipt is not (fully) confirmed.
#[utoipa::path(
    operation_id = "listHandovers",
    tag = "duty",
    params(HandoverQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page, by giving day", body = Page<HandoverSummary>),
        (status = 400, description = "`validation_failed` (range, limit, cursor) or malformed query (e.g. an unknown status)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: window staff", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/handovers")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<HandoverQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<HandoverSummary>>> {
    require_reader(&user)?;
    let q = query.into_inner();
    check_range(q.from, q.to)?;
    let limit = paging.limit()?;
    let after = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(
        &mut conn,
        user.center_id,
        (q.from, q.to),
        q.status,
        after,
        limit,
    )
    .await?;
    let names = Names::load(
        &mut conn,
        user.center_id,
        rows.iter().map(|r| r.made_by).collect::<Vec<_>>(),
        [],
    )
    .await?;
    Ok(web::Json(pagination::page(
        rows,
        limit,
        |r| (r.day, r.id),
        |r| r.summary(&names),
    )))
}
