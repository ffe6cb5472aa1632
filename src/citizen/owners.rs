//! The owner chain (首问负责, R19) and the moves' trail of a citizen's request: who held it from
//! when to when and how it came to them, every move with its note; and
//! `GET /citizen-requests/{id}/history`, which shows both with names beside the ids.
//!
//! The chain's entries are numbered from 1 (the first owner: whoever took it in, or accepted it
//! from the queue); a hand-on closes the open entry (`until`) and adds the next, so exactly one
//! entry is open while the request has an owner.

use super::machine::{OwnerHow, State};
use super::model::RequestRow;
use super::store;
use crate::AppState;
use crate::db::schema::{citizen_request_moves as mv, citizen_request_owners as co};
use crate::error::{ApiError, ApiResult, Problem};
use crate::org::names::Names;
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One entry of the owner chain.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = co)]
pub struct OwnerRow {
    pub request_id: Uuid,
    pub seq: i32,
    pub owner_id: Uuid,
    pub department_id: Option<Uuid>,
    pub how: OwnerHow,
    pub since: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

/// One move of the trail.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mv)]
pub struct MoveRow {
    pub request_id: Uuid,
    pub seq: i32,
    pub action: String,
    pub from_state: State,
    pub to_state: State,
    pub note: String,
    pub by_staff: Option<Uuid>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Hands request `request_id` on to `to` at `at`: closes the open entry and adds the next.
pub async fn hand_on(
    conn: &mut AsyncPgConnection,
    request_id: Uuid,
    to: Uuid,
    department: Option<Uuid>,
    how: OwnerHow,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        co::table
            .filter(co::request_id.eq(request_id))
            .filter(co::until.is_null()),
    )
    .set(co::until.eq(at))
    .execute(conn)
    .await?;
    let last: Option<i32> = co::table
        .filter(co::request_id.eq(request_id))
        .select(diesel::dsl::max(co::seq))
        .first(conn)
        .await?;
    diesel::insert_into(co::table)
        .values((
            co::request_id.eq(request_id),
            co::seq.eq(last.unwrap_or(0) + 1),
            co::owner_id.eq(to),
            co::department_id.eq(department),
            co::how.eq(how),
            co::since.eq(at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records a move (numbered after the last one of the request; the row is locked by the move).
pub async fn record_move(conn: &mut AsyncPgConnection, mut row: MoveRow) -> QueryResult<()> {
    let last: Option<i32> = mv::table
        .filter(mv::request_id.eq(row.request_id))
        .select(diesel::dsl::max(mv::seq))
        .first(conn)
        .await?;
    row.seq = last.unwrap_or(0) + 1;
    diesel::insert_into(mv::table)
        .values(&row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The owner chain of a request, in order.
pub async fn chain(conn: &mut AsyncPgConnection, request_id: Uuid) -> QueryResult<Vec<OwnerRow>> {
    co::table
        .filter(co::request_id.eq(request_id))
        .order(co::seq)
        .select(OwnerRow::as_select())
        .load(conn)
        .await
}

/// The moves of a request, in order.
pub async fn moves(conn: &mut AsyncPgConnection, request_id: Uuid) -> QueryResult<Vec<MoveRow>> {
    mv::table
        .filter(mv::request_id.eq(request_id))
        .order(mv::seq)
        .select(MoveRow::as_select())
        .load(conn)
        .await
}

/// One entry of the owner chain, with names.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerEntry {
    pub seq: i32,
    pub owner_id: Uuid,
    pub owner_name: String,
    /// The department it was forwarded to.
    pub department_id: Option<Uuid>,
    pub department_name: Option<String>,
    pub how: OwnerHow,
    pub since: DateTime<Utc>,
    /// When they handed it on; `null` for the current owner.
    pub until: Option<DateTime<Utc>>,
}

/// One move, with names.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoveEntry {
    pub seq: i32,
    /// The move: `accept`, `forward`, `escalate`, `start`, `wait`, `resume`, `answer`, `close`,
    /// `refuse`, `reopen`, or `notice` (a one-time notice given; the state does not change).
    pub action: String,
    pub from_state: State,
    pub to_state: State,
    pub note: String,
    /// The staff member who made it.
    pub by_staff: Option<Uuid>,
    pub by_staff_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// A request's trail: its moves and its owner chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    pub request_id: Uuid,
    pub tracking_no: String,
    pub state: State,
    pub moves: Vec<MoveEntry>,
    pub owners: Vec<OwnerEntry>,
}

/// Whether `user` may read the trail of `row`: office admins and auditors all of the center,
/// others the requests they own or owned.
pub async fn may_read_trail(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    row: &RequestRow,
) -> Result<bool, ApiError> {
    if user.reads_all() {
        return Ok(true);
    }
    match user.staff_id {
        Some(me) => Ok(store::owned_by(conn, row.id, me).await?),
        None => Ok(false),
    }
}

/// A citizen's request's history: every move with its note, and the owner chain with times.
///
/// Office admins and auditors read it for every request of their center; other staff for the
/// requests they own or owned. Anything else is 404; the portal gets 403.
#[utoipa::path(
    operation_id = "getCitizenRequestHistory",
    tag = "citizen-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The moves and the owner chain", body = History),
        (status = 400, description = "`validation_failed`: `id` is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: a portal token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such request whose history the caller may read", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/citizen-requests/{id}/history")]
pub async fn history(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let conn = &mut *conn;
    let row = store::find(conn, user.center_id, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !may_read_trail(conn, &user, &row).await? {
        return Err(ApiError::not_found());
    }
    let owners = chain(conn, row.id).await?;
    let moves = moves(conn, row.id).await?;
    let names = Names::load(
        conn,
        row.center_id,
        owners
            .iter()
            .map(|o| o.owner_id)
            .chain(moves.iter().filter_map(|m| m.by_staff)),
        owners.iter().filter_map(|o| o.department_id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(History {
        request_id: row.id,
        tracking_no: row.tracking_no,
        state: row.state,
        moves: moves
            .into_iter()
            .map(|m| MoveEntry {
                seq: m.seq,
                action: m.action,
                from_state: m.from_state,
                to_state: m.to_state,
                note: m.note,
                by_staff_name: m.by_staff.map(|s| names.staff(s)),
                by_staff: m.by_staff,
                at: m.at,
            })
            .collect(),
        owners: owners
            .into_iter()
            .map(|o| OwnerEntry {
                seq: o.seq,
                owner_name: names.staff(o.owner_id),
                owner_id: o.owner_id,
                department_name: o.department_id.map(|d| names.department(d)),
                department_id: o.department_id,
                how: o.how,
                since: o.since,
                until: o.until,
            })
            .collect(),
    }))
}
