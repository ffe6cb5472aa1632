//! `GET /citizen-requests`: the center's requests as far as the caller may see them, newest
//! first, filtered and searched (tracking number, exact phone through its blind index, Chinese
//! substring in subject and description), a page at a time.
//!
//! Who sees what is [`visibility::sql`], the SQL twin of [`visibility::may_see`], so that a page
//! is always full.

use super::intake::PHONE_INDEX;
use super::model::{CitizenRequest, Kind, RequestRow, State};
use super::{deadline, read, visibility};
use crate::AppState;
use crate::db::schema::{citizen_contacts as cc, citizen_requests as cr};
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::org::store as org_store;
use crate::pagination::{self, Page, PageParams};
use crate::principal::CurrentUser;
use crate::privacy;
use crate::text_enum::TextEnum;
use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Longest text query, in characters.
pub const MAX_Q: usize = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    pub kind: Option<Kind>,
    /// One state or several separated by commas, e.g. `accepted,in_progress`.
    pub state: Option<String>,
    /// Requests about this department.
    pub department_id: Option<Uuid>,
    /// Requests this staff member owns now.
    pub owner_id: Option<Uuid>,
    /// `me`: the requests I own now.
    pub owner: Option<String>,
    /// `true`: open requests past their due date on the center's today, not waiting for the
    /// citizen (computed now). `false` is the same as leaving it out.
    pub overdue: Option<bool>,
    /// `true`: the office's queue, open requests the tick escalated when they became overdue.
    pub escalated: Option<bool>,
    /// Exact tracking number, e.g. `TS20261128-40317`.
    pub tracking_no: Option<String>,
    /// The citizen's exact phone number (spaces, dashes and +86 are ignored); never echoed.
    pub phone: Option<String>,
    /// Text in the subject or description: a substring, case-insensitive, 1–100 characters;
    /// `%` and `_` are literal.
    #[param(min_length = 1, max_length = 100, pattern = r"\S")]
    pub q: Option<String>,
}

/// The checked query.
#[derive(Debug, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub states: Option<Vec<State>>,
    pub department_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    /// Overdue on this day ([`deadline::overdue_sql`]).
    pub overdue_on: Option<NaiveDate>,
    pub escalated: bool,
    pub tracking_no: Option<String>,
    /// The phone's blind index.
    pub phone_index: Option<Vec<u8>>,
    pub q: Option<String>,
    pub before: Option<Uuid>,
    pub fetch: i64,
}

pub(crate) fn check(
    user: &CurrentUser,
    q: RequestQuery,
    vault: &privacy::Vault,
    today: NaiveDate,
) -> Result<Filter, ApiError> {
    let mut errs = Vec::new();
    let states = match q.state.as_deref() {
        None => None,
        Some(s) => {
            let parsed: Option<Vec<State>> = s.split(',').map(|p| State::parse(p.trim())).collect();
            if parsed.is_none() {
                let allowed: Vec<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
                errs.push(
                    FieldError::of("state", FieldCode::InvalidChoice)
                        .param("allowed", allowed.join(", ")),
                );
            }
            parsed
        }
    };
    let mut owner_id = q.owner_id;
    match q.owner.as_deref() {
        None => {}
        // A caller who is no staff member owns nothing: the nil id matches no one.
        Some("me") => owner_id = Some(user.staff_id.unwrap_or(Uuid::nil())),
        Some(_) => {
            errs.push(FieldError::of("owner", FieldCode::InvalidChoice).param("allowed", "me"))
        }
    }
    let phone_index = match q.phone.as_deref() {
        None => None,
        Some(p) => match privacy::normalize_phone(p).filter(|_| p.chars().count() <= 20) {
            Some(n) => Some(vault.blind_index(PHONE_INDEX, &n)),
            None => {
                errs.push(FieldError::of("phone", FieldCode::InvalidPhone));
                None
            }
        },
    };
    let text = match q.q.as_deref().map(str::trim) {
        None => None,
        Some("") => {
            errs.push(FieldError::of("q", FieldCode::Blank));
            None
        }
        Some(t) if t.chars().count() > MAX_Q => {
            errs.push(FieldError::of("q", FieldCode::TooLong).param("max", MAX_Q));
            None
        }
        Some(t) => Some(t.to_owned()),
    };
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    Ok(Filter {
        kind: q.kind,
        states,
        department_id: q.department_id,
        owner_id,
        overdue_on: q.overdue.unwrap_or(false).then_some(today),
        escalated: q.escalated.unwrap_or(false),
        tracking_no: q.tracking_no.map(|t| t.trim().to_owned()),
        phone_index,
        q: text,
        before: None,
        fetch: 0,
    })
}

/// Up to `f.fetch` requests of `user`'s center that `user` may see and `f` matches, newest first.
pub async fn page(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    f: &Filter,
) -> QueryResult<Vec<RequestRow>> {
    query(user, f).load(conn).await
}

/// The query [`page`] runs (public so that a test can `EXPLAIN` it: every filter has an index).
pub fn query(
    user: &CurrentUser,
    f: &Filter,
) -> cr::BoxedQuery<'static, Pg, diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<RequestRow, Pg>>> {
    let mut query = cr::table
        .filter(cr::center_id.eq(user.center_id))
        .select(RequestRow::as_select())
        .into_boxed::<Pg>();
    query = query.filter(visibility::sql(user));
    if let Some(k) = f.kind {
        query = query.filter(cr::kind.eq(k));
    }
    if let Some(s) = &f.states {
        query = query.filter(cr::state.eq_any(s.clone()));
    }
    if let Some(d) = f.department_id {
        query = query.filter(cr::department_id.eq(d));
    }
    if let Some(o) = f.owner_id {
        query = query.filter(cr::owner_id.eq(o));
    }
    if let Some(today) = f.overdue_on {
        query = query.filter(deadline::overdue_sql(today));
    }
    if f.escalated {
        query = query
            .filter(cr::state.ne_all(deadline::CLOSED))
            .filter(cr::overdue_escalated_at.is_not_null());
    }
    if let Some(t) = &f.tracking_no {
        query = query.filter(cr::tracking_no.eq(t.clone()));
    }
    if let Some(idx) = &f.phone_index {
        query = query.filter(
            cr::id.eq_any(
                cc::table
                    .filter(cc::center_id.eq(user.center_id))
                    .filter(cc::phone_index.eq(idx.clone()))
                    .select(cc::request_id),
            ),
        );
    }
    if let Some(q) = &f.q {
        // The index finds the rows holding every character pair of the query (its one
        // character when it has one); strpos then checks the text itself, literally.
        query = query.filter(
            sql::<Bool>("citizen_requests.search_grams @> citizen_request_grams(")
                .bind::<Text, _>(q.clone())
                .sql(") AND (strpos(lower(citizen_requests.subject), lower(")
                .bind::<Text, _>(q.clone())
                .sql(")) > 0 OR strpos(lower(citizen_requests.description), lower(")
                .bind::<Text, _>(q.clone())
                .sql(")) > 0)"),
        );
    }
    if let Some(b) = f.before {
        query = query.filter(cr::id.lt(b));
    }
    query.order(cr::id.desc()).limit(f.fetch)
}

/// Citizens' requests of the center, newest first.
///
/// Visibility as for one request (office admins and auditors: all of the center; supervisors:
/// all but complaints about themselves; everyone: what they own, owned or received, and the
/// queue), applied before paging so that every page is full. Filters combine (AND). `overdue`
/// is computed on the center's today; `escalated` is the office's queue the tick fills (see
/// `docs/citizen-requests.md`). The phone is looked up by its keyed blind index, never stored
/// or logged in clear. The portal has no list (403).
#[utoipa::path(
    operation_id = "listCitizenRequests",
    tag = "citizen-requests",
    params(RequestQuery, PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page, newest first", body = Page<CitizenRequest>),
        (status = 400, description = "`validation_failed`: `state` not a state (`invalid_choice`), `owner` not `me` (`invalid_choice`), `phone` not a phone number (`invalid`), `q` blank (`required`) or longer than 100 characters (`too_long`), limit or cursor; or a malformed query (`kind`, a UUID or a boolean)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a portal token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/citizen-requests")]
pub async fn list(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RequestQuery>,
    paging: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<CitizenRequest>>> {
    let limit = paging.limit()?;
    let before: Option<Uuid> = paging.after()?;
    let mut conn = state.pool.get().await?;
    let center = org_store::center(&mut conn, user.center_id).await?;
    let today = center.today(&state.clock);
    let mut f = check(&user, query.into_inner(), &state.vault, today)?;
    f.before = before;
    f.fetch = limit + 1;
    let rows = page(&mut conn, &user, &f).await?;
    let p = pagination::page(rows, limit, |r: &RequestRow| r.id, |r| r);
    let items = read::views(&mut conn, &center, today, p.items).await?;
    Ok(web::Json(Page {
        items,
        next_cursor: p.next_cursor,
    }))
}
