//! iCalendar feeds of duties (`/me/duties.ics`, `/rosters/{id}.ics`) and the personal feed
//! tokens that let phone calendar apps (which cannot send headers) subscribe to them.

use super::ics::{self, Event, Feed};
use super::store::{self as feeds_store, FeedToken};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::auth::authenticate;
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::store as org_store;
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use crate::roster::model::Assignment;
use crate::roster::store::{self, AssignmentFilter};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use base64::Engine;
use chrono::{Duration, Utc};
use diesel_async::AsyncPgConnection;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Personal feed token (for calendar apps); otherwise send `Authorization: Bearer`.
    pub token: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeedToken {
    /// What the token is for, e.g. "my phone" (at most 100 characters).
    #[serde(default)]
    pub label: String,
    /// When the token stops working (feeds then answer 401): in the future, at most
    /// [`MAX_FEED_TOKEN_DAYS`] days ahead. Absent: the token works until revoked.
    #[serde(default)]
    pub expires_at: Option<chrono::DateTime<Utc>>,
}

/// The longest a feed token may be made to last, in days.
pub const MAX_FEED_TOKEN_DAYS: i64 = 366;

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedFeedToken {
    pub id: Uuid,
    /// The secret; shown only now. Put it in the feed URL as `?token=`.
    pub token: String,
    pub label: String,
    /// When the token stops working; `null`: never.
    pub expires_at: Option<chrono::DateTime<Utc>>,
    /// Path of the personal duty feed with the token.
    pub duties_url: String,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The caller of a feed: a feed token in the URL, or a bearer token.
async fn feed_caller(
    req: &HttpRequest,
    state: &AppState,
    conn: &mut AsyncPgConnection,
    token: Option<&str>,
) -> ApiResult<(Uuid, Uuid)> {
    match token {
        Some(t) => {
            let row = feeds_store::find(conn, &hash(t), state.clock.now())
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            Ok((row.center_id, row.staff_id))
        }
        None => {
            let u = authenticate(req).await?;
            Ok((u.center_id, u.staff_id.ok_or_else(ApiError::not_found)?))
        }
    }
}

async fn render(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    name: &str,
    rows: &[Assignment],
    personal: Option<Uuid>,
) -> ApiResult<String> {
    let center = org_store::center(conn, center_id).await?;
    let depts = org_store::active_departments(conn, center_id).await?;
    let staff = org_store::active_department_staff(conn, center_id).await?;
    let dept_name = |id: Uuid| {
        depts
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.as_str())
            .unwrap_or("")
    };
    let person = |id: Uuid| {
        staff
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let events: Vec<Event> = rows
        .iter()
        .map(|a| {
            let summary = match personal {
                Some(_) => format!("督导值班 · {}", dept_name(a.department_id)),
                None => format!(
                    "督导值班 · {} · {}",
                    person(a.on_duty()),
                    dept_name(a.department_id)
                ),
            };
            let description = match (a.substitute_id, personal) {
                (Some(_), Some(me)) if me != a.staff_id => {
                    format!("顶岗（代 {} 值班）", person(a.staff_id))
                }
                (Some(s), _) => format!("由 {} 顶岗", person(s)),
                (None, _) => String::new(),
            };
            Event {
                uid: format!("{}@dutydesk", a.id),
                date: a.date,
                summary,
                description,
            }
        })
        .collect();
    Ok(ics::render(&Feed {
        name,
        tz: center.tz(),
        start: center.duty_start_time,
        end: center.duty_end_time,
        stamp: Utc::now(),
        events: &events,
    }))
}

fn calendar(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .body(body)
}

/// The caller's duties as an iCalendar feed (from 30 days ago to a year ahead): the duties they
/// serve, substitutions taken included; a duty handed to a substitute is left out.
#[utoipa::path(
    operation_id = "getMyDutiesFeed",
    tag = "feeds",
    params(FeedQuery),
    security(("feed_token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "RFC 5545 calendar", headers(("X-Data-Staleness" = u32, description = "Upper bound, in whole seconds, of how old the data may be: `0` when the primary served it, else the read replica's measured lag (see docs/scaling.md)")), body = String, content_type = "text/calendar"),
        (status = 401, description = "`unauthorized`: no bearer token and no valid feed token (unknown, revoked or expired)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's subject is not a staff member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/duties.ics")]
pub async fn my_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<FeedQuery>,
) -> ApiResult<HttpResponse> {
    // Who is asking is checked on the primary (a token just created or revoked counts at once);
    // the duties are read where reports are read.
    let (center_id, me) = {
        let mut conn = state.pool.get().await?;
        feed_caller(&req, &state, &mut conn, query.token.as_deref()).await?
    };
    let mut conn = state.read_conn().await?;
    let today = crate::changes::checks::today(&mut conn, &state.clock, center_id).await?;
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = store::list_assignments(
            &mut conn,
            AssignmentFilter {
                center_id,
                from: today - Duration::days(30),
                to: today + Duration::days(365),
                staff_id: Some(me),
                department_id: None,
                after,
                limit: 1000,
            },
        )
        .await?;
        let more = page.len() > 1000;
        rows.extend(page.into_iter().take(1000));
        if !more {
            break;
        }
        after = rows.last().map(|a| (a.date, a.slot, a.id));
    }
    // A duty handed to a substitute is no longer the caller's: it leaves their feed (calendar
    // apps drop the event) and shows in the substitute's.
    rows.retain(|a| a.on_duty() == me);
    let body = render(&mut conn, center_id, "我的督导值班", &rows, Some(me)).await?;
    Ok(crate::web::with_staleness(
        calendar(body),
        conn.staleness_secs(),
    ))
}

/// A roster as an iCalendar feed (drafts included, for review).
#[utoipa::path(
    operation_id = "getRosterFeed",
    tag = "feeds",
    params(("id" = Uuid, Path, description = "Roster id"), FeedQuery),
    security(("feed_token" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "RFC 5545 calendar", headers(("X-Data-Staleness" = u32, description = "Upper bound, in whole seconds, of how old the data may be: `0` when the primary served it, else the read replica's measured lag (see docs/scaling.md)")), body = String, content_type = "text/calendar"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthorized`: no bearer token and no valid feed token (unknown, revoked or expired)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such roster in the caller's center", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rosters/{id}.ics")]
pub async fn roster_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<FeedQuery>,
) -> ApiResult<HttpResponse> {
    let (center_id, _) = {
        let mut conn = state.pool.get().await?;
        feed_caller(&req, &state, &mut conn, query.token.as_deref()).await?
    };
    let mut conn = state.read_conn().await?;
    let roster = store::roster(&mut conn, center_id, *id).await?;
    let rows = store::roster_assignments(&mut conn, roster.id).await?;
    let name = format!("督导值班表 {} – {}", roster.start_date, roster.end_date);
    let body = render(&mut conn, center_id, &name, &rows, None).await?;
    Ok(crate::web::with_staleness(
        calendar(body),
        conn.staleness_secs(),
    ))
}

/// Create a personal feed token (shown once).
#[utoipa::path(
    operation_id = "createFeedToken",
    tag = "feeds",
    request_body = NewFeedToken,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The token, shown only in this response", body = CreatedFeedToken),
        (status = 400, description = "`validation_failed` (label too long; `expires_at` not in the future or more than 366 days ahead, `out_of_range`), `unknown_field` or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's subject is not a staff member", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/feed-tokens")]
pub async fn create_token(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<NewFeedToken>,
) -> ApiResult<HttpResponse> {
    let me = user.staff_id.ok_or_else(ApiError::forbidden)?;
    let NewFeedToken { label, expires_at } = body.into_inner();
    if label.chars().count() > 100 {
        return Err(ApiError::invalid(
            FieldError::of("label", FieldCode::TooLong).param("max", 100),
        ));
    }
    let now = state.clock.now();
    let latest = now + Duration::days(MAX_FEED_TOKEN_DAYS);
    if expires_at.is_some_and(|at| at <= now || at > latest) {
        return Err(ApiError::invalid(
            FieldError::of("expires_at", FieldCode::OutOfRange)
                .param("min", now.format("%Y-%m-%dT%H:%M:%SZ"))
                .param("max", latest.format("%Y-%m-%dT%H:%M:%SZ")),
        ));
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut conn = state.pool.get().await?;
    // The answer holds the secret: it is stored sealed (see `idempotency`), never in clear.
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let row = feeds_store::insert(conn, user.center_id, me, &hash(&token), &label, expires_at)
            .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "created", "feed_token", row.id).after(&row),
        )
        .await?;
        let body = CreatedFeedToken {
            id: row.id,
            duties_url: format!("/api/v1/me/duties.ics?token={token}"),
            token: token.clone(),
            label: row.label,
            expires_at: row.expires_at,
        };
        Ok(Reply::json(StatusCode::CREATED, &body))
    })
    .await
}

/// The caller's feed tokens (without the secrets).
#[utoipa::path(
    operation_id = "listFeedTokens",
    tag = "feeds",
    params(PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page", body = Page<FeedToken>),
        (status = 400, description = "`validation_failed` (limit, cursor)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's subject is not a staff member", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/feed-tokens")]
pub async fn list_tokens(
    user: CurrentUser,
    state: web::Data<AppState>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<FeedToken>>> {
    let me = user.staff_id.ok_or_else(ApiError::forbidden)?;
    let limit = paging.limit()?;
    let after: Option<Uuid> = paging.after()?;
    let mut conn = state.pool.get().await?;
    let rows = feeds_store::list(&mut conn, user.center_id, me, after, limit).await?;
    Ok(web::Json(pagination::page(rows, limit, |t| t.id, |t| t)))
}

/// Revoke one of the caller's feed tokens; feeds using it stop working at once.
#[utoipa::path(
    operation_id = "revokeFeedToken",
    tag = "feeds",
    params(("id" = Uuid, Path, description = "Feed token id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's subject is not a staff member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such token of the caller", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/feed-tokens/{id}")]
pub async fn revoke_token(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let me = user.staff_id.ok_or_else(ApiError::forbidden)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let row = feeds_store::revoke(conn, user.center_id, me, *id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        audit::record(
            conn,
            AuditEntry::new(&user, "revoked", "feed_token", row.id).after(&row),
        )
        .await?;
        Ok(Reply::no_content())
    })
    .await
}
