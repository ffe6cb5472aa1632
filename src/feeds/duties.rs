//! `/me/duties`: the caller's published duties as JSON, the list twin of `/me/duties.ics`.
//!
//! Unlike the calendar feed, the list keeps a duty the caller handed to a substitute, marked
//! `handed_away` with the substitute beside it, so a phone can show "handed to 张三" instead of
//! a duty silently gone; the substitute sees the same duty as theirs, with whom they stand in for.

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::pagination::{Page, PageParams};
use crate::principal::CurrentUser;
use crate::roster::model::AssignmentView;
use crate::roster::views::assignment_page;
use actix_web::{get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DutyRange {
    /// First day, `YYYY-MM-DD` (center's calendar).
    pub from: NaiveDate,
    /// Last day, `YYYY-MM-DD` (included): not before `from`, at most 365 days after it (366 days
    /// counting both ends).
    pub to: NaiveDate,
}

/// One of the caller's duties: rostered to them (served, or handed to a substitute) or taken
/// over by them as the substitute.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyDuty {
    #[serde(flatten)]
    pub duty: AssignmentView,
    /// True when the caller is the rostered supervisor and a substitute (顶岗) serves the day
    /// instead: the duty is no longer theirs to serve. `substitute_id` and `substitute_name`
    /// say who took it.
    pub handed_away: bool,
    /// When the caller serves the day as the substitute: the rostered supervisor they stand in
    /// for (`null` otherwise).
    pub substituting_for_id: Option<Uuid>,
    /// That supervisor's name.
    pub substituting_for_name: Option<String>,
}

impl MyDuty {
    /// `duty` seen by staff member `me`.
    pub fn of(me: Uuid, duty: AssignmentView) -> MyDuty {
        let a = &duty.assignment;
        let handed_away = a.staff_id == me && a.substitute_id.is_some_and(|s| s != me);
        let substituting = a.substitute_id == Some(me) && a.staff_id != me;
        MyDuty {
            handed_away,
            substituting_for_id: substituting.then_some(a.staff_id),
            substituting_for_name: substituting.then(|| duty.staff_name.clone()),
            duty,
        }
    }
}

/// The caller's published duties in a date range: those they serve (substitutions taken
/// included) and those rostered to them but handed to a substitute (`handed_away: true`).
#[utoipa::path(
    operation_id = "listMyDuties",
    tag = "duty",
    params(DutyRange, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the caller's duties, by date", body = Page<MyDuty>),
        (status = 400, description = "`validation_failed` (range, limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's subject is not a staff member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/duties")]
pub async fn my_duties(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<DutyRange>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<MyDuty>>> {
    let me = user.staff_id.ok_or_else(ApiError::not_found)?;
    let q = query.into_inner();
    let page = assignment_page(
        &state,
        user.center_id,
        (q.from, q.to),
        (Some(me), None),
        &paging,
    )
    .await?;
    Ok(web::Json(Page {
        items: page.items.into_iter().map(|a| MyDuty::of(me, a)).collect(),
        next_cursor: page.next_cursor,
    }))
}
