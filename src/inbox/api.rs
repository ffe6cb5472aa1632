//! `GET /me/tasks`: the phone's inbox.

use super::model::{Ctx, Inbox, Task};
use super::sources::{SOURCES, merge};
use crate::AppState;
use crate::calendar::store as calendar_store;
use crate::error::{ApiResult, Problem};
use crate::org::names::Names;
use crate::org::store as org_store;
use crate::principal::{CurrentUser, Role};
use actix_web::{get, web};
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;

/// The most tasks one answer holds.
pub const CAP: usize = 200;

/// Everything waiting on the caller, newest first: substitutions and swaps to answer (and, for
/// office admins, to register), handovers to confirm, rectifications to answer or verify,
/// citizens' requests the caller owns, with their due dates and remaining working days, and
/// bad-rating follow-ups to call back (with their due dates) or to finish (and, for office
/// admins, to assign).
///
/// For window staff, supervisors and office admins alike; each task links to its record. At
/// most 200 tasks, the newest (`truncated` tells when more wait). Nothing waits on an auditor
/// (read-only): an auditor-only account gets an empty list. Portal tokens are refused (403).
#[utoipa::path(
    operation_id = "listMyTasks",
    tag = "inbox",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's tasks, newest first", body = Inbox),
        (status = 403, description = "`forbidden`: a portal token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/tasks")]
pub async fn my_tasks(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Inbox>> {
    let mut conn = state.pool.get().await?;
    let center = org_store::center(&mut conn, user.center_id).await?;
    let ctx = Ctx {
        center_id: center.id,
        staff_id: user.staff_id,
        office: user.has(Role::OfficeAdmin),
        supervisor: user.has(Role::Supervisor),
        today: center.today(&state.clock),
        fetch: i64::try_from(CAP).unwrap_or(i64::MAX) + 1,
    };
    let mut found = Vec::with_capacity(SOURCES.len());
    for source in SOURCES {
        found.push((source.fetch)(&mut conn, &ctx).await?);
    }
    let (mut items, truncated) = merge(found, CAP);
    complete(&mut conn, &ctx, &mut items).await?;
    Ok(web::Json(Inbox { items, truncated }))
}

/// Fills in the names (one load for all), the titles and the remaining working days (one
/// calendar load for all).
async fn complete(conn: &mut AsyncPgConnection, ctx: &Ctx, items: &mut [Task]) -> ApiResult<()> {
    let names = Names::load(
        conn,
        ctx.center_id,
        items.iter().filter_map(|t| t.from_id).collect::<Vec<_>>(),
        [],
    )
    .await?;
    let dues: Vec<NaiveDate> = items.iter().filter_map(|t| t.due).collect();
    let calendar = match (dues.iter().min(), dues.iter().max()) {
        (Some(lo), Some(hi)) => Some(
            calendar_store::load(
                conn,
                ctx.center_id,
                (*lo).min(ctx.today),
                (*hi).max(ctx.today),
            )
            .await?,
        ),
        _ => None,
    };
    for t in items.iter_mut() {
        t.from_name = t.from_id.map(|id| names.staff(id));
        if t.title.is_empty() {
            let parts: Vec<String> = t
                .from_name
                .iter()
                .cloned()
                .chain(t.date.or(t.due).map(|d| d.to_string()))
                .collect();
            t.title = parts.join(" · ");
        }
        if let (Some(due), Some(cal)) = (t.due, calendar.as_ref()) {
            t.remaining_working_days = Some(cal.working_days_between(ctx.today, due));
        }
    }
    Ok(())
}
