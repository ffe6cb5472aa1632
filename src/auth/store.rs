//! Queries for accounts and refresh tokens, and the sweep of login throttling (which is
//! counted in [`super::throttle`]).
//!
//! Auth reads the staff table as accounts only (who may log in, with which roles); the staff
//! record itself belongs to `org`.

use crate::db::schema::{centers, feed_tokens, login_throttle, refresh_tokens, staff};
use crate::principal::Role;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// What login and token refresh read of a staff member: the account, not the staff record.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff)]
pub struct Account {
    pub id: Uuid,
    pub center_id: Uuid,
    pub roles: Vec<String>,
    pub active: bool,
    /// The generation its access tokens carry (see [`super::revocation`]).
    pub token_generation: i32,
}

impl Account {
    /// The roles the account's tokens carry (unknown stored names are left out).
    pub fn roles(&self) -> Vec<Role> {
        self.roles.iter().filter_map(|r| Role::parse(r)).collect()
    }
}

/// An active account found by center code and employee number, with its password hash.
pub async fn find_login(
    conn: &mut AsyncPgConnection,
    center_code: &str,
    employee_no: &str,
) -> QueryResult<Option<(Account, String)>> {
    staff::table
        .inner_join(centers::table)
        .filter(centers::code.eq(center_code))
        .filter(staff::employee_no.eq(employee_no))
        .filter(staff::active.eq(true))
        .select((Account::as_select(), staff::password_hash))
        .first(conn)
        .await
        .optional()
}

/// The id of the center with this code (a failed login's security event is filed there).
pub async fn center_id_by_code(
    conn: &mut AsyncPgConnection,
    center_code: &str,
) -> QueryResult<Option<Uuid>> {
    centers::table
        .filter(centers::code.eq(center_code))
        .select(centers::id)
        .first(conn)
        .await
        .optional()
}

/// The center code and employee number of a staff member of the center (to name their
/// login throttle rows), if there is one.
pub async fn login_name(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    staff_id: Uuid,
) -> QueryResult<Option<(String, String)>> {
    staff::table
        .inner_join(centers::table)
        .filter(staff::center_id.eq(center_id))
        .filter(staff::id.eq(staff_id))
        .select((centers::code, staff::employee_no))
        .first(conn)
        .await
        .optional()
}

/// The active account of a center with this employee number (an identity provider's staff claim).
pub async fn active_by_employee_no(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    employee_no: &str,
) -> QueryResult<Option<Account>> {
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::employee_no.eq(employee_no))
        .filter(staff::active.eq(true))
        .select(Account::as_select())
        .first(conn)
        .await
        .optional()
}

/// For token refresh, where the center comes from the stored token.
pub async fn account_by_id(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Account> {
    staff::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
        .await
}

/// The password hash of a staff member of the center (`NotFound` when there is none).
pub async fn password_hash(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    staff_id: Uuid,
) -> QueryResult<String> {
    staff::table
        .filter(staff::center_id.eq(center_id))
        .filter(staff::id.eq(staff_id))
        .select(staff::password_hash)
        .first(conn)
        .await
}

pub async fn set_password(
    conn: &mut AsyncPgConnection,
    staff_id: Uuid,
    hash: &str,
) -> QueryResult<usize> {
    diesel::update(staff::table.find(staff_id))
        .set((
            staff::password_hash.eq(hash),
            staff::password_changed_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
}

/// Forgets failures whose window started over a day ago and whose lock (if any) is over; run by
/// `dutydesk tick`.
pub async fn sweep_stale_throttle(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        login_throttle::table
            .filter(login_throttle::window_start.lt(Utc::now() - Duration::days(1)))
            .filter(
                login_throttle::locked_until
                    .is_null()
                    .or(login_throttle::locked_until.lt(Utc::now())),
            ),
    )
    .execute(conn)
    .await
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: Uuid,
    pub family_id: Uuid,
    pub staff_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Deletes refresh tokens that expired more than a day ago (kept that long so a late reuse is
/// still recognised as reuse rather than as an unknown token); run by `dutydesk tick`.
pub async fn sweep_expired_refresh(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        refresh_tokens::table.filter(refresh_tokens::expires_at.lt(Utc::now() - Duration::days(1))),
    )
    .execute(conn)
    .await
}

pub async fn insert_refresh(
    conn: &mut AsyncPgConnection,
    family_id: Uuid,
    staff_id: Uuid,
    token_hash: &str,
    ttl_secs: i64,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(Uuid::now_v7()),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::staff_id.eq(staff_id),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::expires_at.eq(Utc::now() + Duration::seconds(ttl_secs)),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn find_refresh(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshToken::as_select())
        .first(conn)
        .await
        .optional()
}

/// Marks a token used; false when another request used it first.
pub async fn consume_refresh(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Utc::now()))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn revoke_family(conn: &mut AsyncPgConnection, family_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await
}

/// Refuses every access token issued to the staff member so far (on every instance within the
/// staleness bound of [`super::revocation`]): bumps their token generation. The trigger of
/// migration 000031 notifies the instances when the caller's transaction commits.
pub async fn bump_token_generation(
    conn: &mut AsyncPgConnection,
    staff_id: Uuid,
) -> QueryResult<usize> {
    diesel::update(staff::table.find(staff_id))
        .set(staff::token_generation.eq(staff::token_generation + 1))
        .execute(conn)
        .await
}

/// Revokes every credential of a person: access tokens (the generation bump), refresh tokens
/// and calendar-feed tokens (on deactivation and password changes).
pub async fn revoke_all_for(conn: &mut AsyncPgConnection, staff_id: Uuid) -> QueryResult<usize> {
    let now = Utc::now();
    bump_token_generation(conn, staff_id).await?;
    let refresh = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::staff_id.eq(staff_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)
    .await?;
    let feeds = diesel::update(
        feed_tokens::table
            .filter(feed_tokens::staff_id.eq(staff_id))
            .filter(feed_tokens::revoked_at.is_null()),
    )
    .set(feed_tokens::revoked_at.eq(Some(now)))
    .execute(conn)
    .await?;
    Ok(refresh + feeds)
}
