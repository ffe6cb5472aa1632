//! Queries for calendar-feed tokens.

use crate::db::schema::{feed_tokens as ft, staff};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A feed token as listed (the token itself is shown only once, at creation).
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = ft)]
pub struct FeedToken {
    pub id: Uuid,
    #[serde(skip)]
    #[schema(ignore)]
    pub center_id: Uuid,
    #[serde(skip)]
    #[schema(ignore)]
    pub staff_id: Uuid,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the token stops working (401); `null`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    staff_id: Uuid,
    hash: &str,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
) -> QueryResult<FeedToken> {
    diesel::insert_into(ft::table)
        .values((
            ft::id.eq(Uuid::now_v7()),
            ft::center_id.eq(center_id),
            ft::staff_id.eq(staff_id),
            ft::token_hash.eq(hash),
            ft::label.eq(label),
            ft::expires_at.eq(expires_at),
        ))
        .returning(FeedToken::as_returning())
        .get_result(conn)
        .await
}

/// The live token with this hash (not revoked, not expired at `now`), if its owner is still
/// active.
pub async fn find(
    conn: &mut AsyncPgConnection,
    hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<FeedToken>> {
    ft::table
        .inner_join(staff::table.on(staff::id.eq(ft::staff_id)))
        .filter(ft::token_hash.eq(hash))
        .filter(ft::revoked_at.is_null())
        .filter(ft::expires_at.is_null().or(ft::expires_at.gt(now)))
        .filter(staff::active.eq(true))
        .select(FeedToken::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    staff_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<FeedToken>> {
    let mut q = ft::table
        .filter(ft::center_id.eq(center_id))
        .filter(ft::staff_id.eq(staff_id))
        .order(ft::id)
        .limit(limit + 1)
        .select(FeedToken::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(ft::id.gt(a));
    }
    q.load(conn).await
}

/// Revokes one of the person's tokens; the row as it was, if it exists.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    staff_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<FeedToken>> {
    diesel::update(
        ft::table
            .filter(ft::center_id.eq(center_id))
            .filter(ft::staff_id.eq(staff_id))
            .filter(ft::id.eq(id))
            .filter(ft::revoked_at.is_null()),
    )
    .set(ft::revoked_at.eq(Some(Utc::now())))
    .returning(FeedToken::as_returning())
    .get_result(conn)
    .await
    .optional()
}
