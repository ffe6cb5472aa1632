//! Reading requests of any kind: one page of a list, or one request, with the names beside the
//! ids, each only as far as the caller may see it.
//!
//! Who sees what is the same for every kind: office admins and auditors see every request of
//! their center (and may narrow a list to one person's); everyone else sees the requests they
//! are a party of (requester or counterpart). A kind supplies only its query ([`Listed::page`],
//! [`Listed::find`]), the people its view names and the view itself.

use super::{Machine, Party, Request, State};
use crate::error::ApiError;
use crate::idempotency::Reply;
use crate::org::names::Names;
use crate::pagination::{self, Page};
use crate::principal::CurrentUser;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use std::future::Future;
use uuid::Uuid;

/// What a list asks for, as the query string gave it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted<'a> {
    /// Only requests in this state (a state the kind does not have matches nothing).
    pub status: Option<&'a str>,
    /// Office admins and auditors: only requests this person is a party of.
    pub staff_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub cursor: Option<&'a str>,
}

/// One page's query, checked and scoped to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter<S> {
    pub center_id: Uuid,
    pub status: Option<S>,
    /// Only requests this person is a party of.
    pub involving: Option<Uuid>,
    /// Keyset cursor: only ids below this one (lists are newest first).
    pub before: Option<Uuid>,
    /// Rows to fetch: the page size plus one, to tell whether another page follows.
    pub fetch: i64,
}

/// A kind of request that can be listed and read.
pub trait Listed: Request {
    /// What the API shows of one request: the row with the names beside its ids.
    type View: Serialize + Send;
    /// Up to `f.fetch` requests matching `f`, newest (highest id) first.
    fn page(
        conn: &mut AsyncPgConnection,
        f: Filter<StateOf<Self>>,
    ) -> impl Future<Output = QueryResult<Vec<Self>>> + Send;
    /// The request `id` of the center.
    fn find(
        conn: &mut AsyncPgConnection,
        center_id: Uuid,
        id: Uuid,
    ) -> impl Future<Output = QueryResult<Self>> + Send;
    /// The staff whose names the view shows.
    fn people(&self) -> Vec<Uuid>;
    fn view(self, names: &Names) -> Self::View;
}

/// The state type of a request kind.
pub type StateOf<R> = <<R as Request>::Machine as Machine>::State;

/// Whether `user` may see `r`: office admins and auditors all, others only as one of its parties.
pub fn visible<R: Request>(r: &R, user: &CurrentUser) -> bool {
    may_see(user, |p, me| r.is(p, me))
}

/// The visibility rule over a request's parties (`is(party, staff)`).
pub fn may_see(user: &CurrentUser, is: impl Fn(Party, Uuid) -> bool) -> bool {
    user.reads_all()
        || user
            .staff_id
            .is_some_and(|me| is(Party::Requester, me) || is(Party::Counterpart, me))
}

/// Whose requests a list holds: the one asked for (office admins and auditors, `None` = all),
/// else the caller's own. A caller without a staff record who cannot read all gets a 403.
pub fn involving(user: &CurrentUser, asked: Option<Uuid>) -> Result<Option<Uuid>, ApiError> {
    if user.reads_all() {
        Ok(asked)
    } else {
        user.staff_id.map(Some).ok_or_else(ApiError::forbidden)
    }
}

/// Checks `w` and scopes it to `user`. `Ok(None)`: the status names no state of this kind, so
/// nothing can match.
pub fn filter<S: State>(user: &CurrentUser, w: Wanted<'_>) -> Result<Option<Filter<S>>, ApiError> {
    let limit = pagination::limit(w.limit)?;
    let before: Option<Uuid> = pagination::decode(w.cursor)?;
    let involving = involving(user, w.staff_id)?;
    let status = match w.status {
        None => None,
        Some(s) => match S::parse(s) {
            Some(s) => Some(s),
            None => return Ok(None),
        },
    };
    Ok(Some(Filter {
        center_id: user.center_id,
        status,
        involving,
        before,
        fetch: limit + 1,
    }))
}

/// Views of `rows`, their names loaded in one batch.
pub async fn views<R: Listed>(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    rows: Vec<R>,
) -> QueryResult<Vec<R::View>> {
    let names = Names::load(
        conn,
        center_id,
        rows.iter().flat_map(R::people),
        std::iter::empty(),
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.view(&names)).collect())
}

/// The view of one request (e.g. the answer to a write).
pub async fn view<R: Listed>(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    row: R,
) -> QueryResult<R::View> {
    let mut v = views(conn, center_id, vec![row]).await?;
    Ok(v.remove(0))
}

/// The answer to a move: 200 with the request's view.
pub async fn moved<R: Listed>(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    row: R,
) -> Result<Reply, ApiError> {
    Ok(Reply::ok(&view(conn, center_id, row).await?))
}

/// The answer to a new request: 201 with its view, `ETag` (its `version`) and `Location`
/// (`{collection}/{id}`).
pub async fn created<R: Listed>(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    row: R,
    version: i32,
    collection: &str,
) -> Result<Reply, ApiError> {
    let location = format!("{collection}/{}", row.id());
    Ok(Reply::created(
        &view(conn, center_id, row).await?,
        version,
        location,
    ))
}

/// One page of the requests of kind `R` that `user` may see, newest first.
pub async fn list<R: Listed>(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    w: Wanted<'_>,
) -> Result<Page<R::View>, ApiError> {
    let Some(f) = filter::<StateOf<R>>(user, w)? else {
        return Ok(Page {
            items: Vec::new(),
            next_cursor: None,
        });
    };
    let rows = R::page(conn, f).await?;
    let page = pagination::page(rows, f.fetch - 1, |r| r.id(), |r| r);
    Ok(Page {
        items: views(conn, user.center_id, page.items).await?,
        next_cursor: page.next_cursor,
    })
}

/// Request `id` of kind `R`; 404 when it is not in the caller's center or not visible to them.
pub async fn get<R: Listed>(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
) -> Result<R::View, ApiError> {
    let r = R::find(conn, user.center_id, id).await?;
    if !visible(&r, user) {
        return Err(ApiError::not_found());
    }
    Ok(view(conn, user.center_id, r).await?)
}

/// Declares a kind's `list` and `get_one` handlers over [`list()`] and [`get`], documented alike
/// for every kind. `$query` is the list's query type, with a `wanted()` giving [`Wanted`]; the
/// id parameter is a UUID. The caller's module has `actix_web::get`, `Page`, `Problem` and
/// `Uuid` in scope: utoipa reads the route and the schemas by those names.
#[macro_export]
macro_rules! request_reads {
    (
        kind = $kind:ident, view = $view:ident, query = $query:ident, tag = $tag:literal,
        list = ($list_path:literal, $list_op:literal, $list_doc:literal),
        get = ($get_path:literal, $get_op:literal, $get_doc:literal, $id:literal, $found:literal) $(,)?
    ) => {
        #[doc = $list_doc]
        #[utoipa::path(
            operation_id = $list_op,
            tag = $tag,
            params($query, PageParams),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "One page", body = Page<$view>),
                (status = 400, description = "`validation_failed` (limit, cursor) or malformed query", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "A caller without a staff record (identity-provider token) may list only as office admin or auditor", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($list_path)]
        pub async fn list(
            user: $crate::principal::CurrentUser,
            state: actix_web::web::Data<$crate::AppState>,
            query: actix_web::web::Query<$query>,
            paging: actix_web::web::Query<$crate::pagination::PageParams>,
        ) -> $crate::error::ApiResult<actix_web::web::Json<$crate::pagination::Page<$view>>> {
            let mut conn = state.pool.get().await?;
            let page =
                $crate::lifecycle::list::list::<$kind>(&mut conn, &user, query.wanted(&paging)).await?;
            Ok(actix_web::web::Json(page))
        }

        #[doc = $get_doc]
        #[utoipa::path(
            operation_id = $get_op,
            tag = $tag,
            params(("id" = Uuid, Path, description = $id)),
            security(("bearer" = [])),
            responses(
                (status = 200, description = $found, body = $view),
                (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "Not found (or not visible to the caller)", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($get_path)]
        pub async fn get_one(
            user: $crate::principal::CurrentUser,
            state: actix_web::web::Data<$crate::AppState>,
            id: actix_web::web::Path<uuid::Uuid>,
        ) -> $crate::error::ApiResult<actix_web::web::Json<$view>> {
            let mut conn = state.pool.get().await?;
            let found = $crate::lifecycle::list::get::<$kind>(&mut conn, &user, *id).await?;
            Ok(actix_web::web::Json(found))
        }
    };
}

#[cfg(test)]
mod tests;
