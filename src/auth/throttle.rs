//! Throttling of password guesses (login, and the current password of a password change):
//! delays that slow an attacker without locking out the real user.
//!
//! Failures are counted per account *and client address*, and per client address over all
//! accounts, in `login_throttle` (one row per key, so every instance sees the same counts).
//! Once a key's free failures are used up, each further failure refuses that key for a delay
//! that doubles (`DUTYDESK_LOGIN_DELAY_SECS`, twice that, … up to `DUTYDESK_LOGIN_LOCK_SECS`).
//! A refused attempt is not checked (no hash) and not counted. The real user at another
//! address is not affected by an attacker's failures on their account.
//!
//! Exact under parallel attempts: [`reserve`] locks the attempt's rows, refuses if one is
//! delayed, and otherwise counts the attempt as a failure *before* the password is checked; a
//! right password then takes its failure back ([`succeeded`]). So of 20 parallel wrong
//! guesses, exactly the free number are checked.
//!
//! A run of failures is forgotten a day after it began (when no delay is in force); `dutydesk
//! tick` sweeps such rows. An office admin's unlock and a password reset delete an account's
//! rows ([`clear_account`]).

use crate::config::Config;
use crate::db::schema::login_throttle;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// How long a run of failures is remembered after it began.
const FORGET_AFTER: Duration = Duration::days(1);

/// The numbers from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Free failures per account and address.
    pub account_free: i32,
    /// Free failures per address over all accounts.
    pub address_free: i32,
    /// The first delay, in seconds.
    pub first_delay_secs: i64,
    /// The longest delay, in seconds.
    pub max_delay_secs: i64,
}

impl Limits {
    pub fn of(config: &Config) -> Limits {
        Limits {
            account_free: config.login_max_failures.max(1),
            address_free: config.login_address_max_failures.max(1),
            first_delay_secs: config.login_delay_secs.max(1),
            max_delay_secs: config.login_lock_secs.max(1),
        }
    }

    /// The delay after the `count`-th failure of a key with `free` free failures.
    fn delay(&self, count: i32, free: i32) -> Option<Duration> {
        if count < free {
            return None;
        }
        let doublings = u32::try_from(count - free).unwrap_or(0).min(30);
        let secs = self
            .first_delay_secs
            .saturating_mul(1i64 << doublings)
            .min(self.max_delay_secs);
        Some(Duration::seconds(secs))
    }
}

/// What one attempt counts against: the account at this address, and the address.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The account's name in the table (what [`clear_account`] deletes by).
    account: String,
    /// The account at this address.
    pair: String,
    /// The address over all accounts.
    address: String,
}

/// The account name of a login: the center code and employee number as typed (lower case).
pub fn login_account(center_code: &str, employee_no: &str) -> String {
    format!(
        "login|{}\u{1f}{}",
        center_code.to_lowercase(),
        employee_no.to_lowercase()
    )
}

/// The account name of a staff member's password changes.
pub fn password_account(staff_id: Uuid) -> String {
    format!("password|{staff_id}")
}

impl Keys {
    /// `account` from [`login_account`] or [`password_account`]; `address` from
    /// [`super::client::throttle_scope`].
    pub fn new(account: String, address: &str) -> Keys {
        Keys {
            pair: format!("{account}|{address}"),
            address: format!("addr|{address}"),
            account,
        }
    }
}

/// The outcome of [`reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Check the password. The attempt is already counted as a failure; `delayed` when that
    /// failure started a delay (worth a security event if the password proves wrong).
    Granted { delayed: Option<Delayed> },
    /// Refused unchecked: a delay is in force for this many more seconds.
    Refused { retry_after_secs: i64 },
}

/// A delay the attempt's failure started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delayed {
    /// `true` for the address over all accounts, `false` for the account at this address.
    pub whole_address: bool,
    pub failures: i32,
    pub secs: i64,
}

#[derive(Debug, Queryable)]
struct Row {
    key: String,
    failed_count: i32,
    window_start: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

fn secs_until(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let ms = (until - now).num_milliseconds();
    ((ms + 999) / 1000).max(1)
}

/// Refuses the attempt if a delay is in force on its account at this address or on the
/// address; otherwise counts it as a failure on both (one short transaction holding both rows'
/// locks, taken in key order). Call before checking the password, then [`succeeded`] if it
/// was right.
pub async fn reserve(
    conn: &mut AsyncPgConnection,
    keys: &Keys,
    limits: Limits,
    now: DateTime<Utc>,
) -> QueryResult<Reservation> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let mut wanted = [
            (keys.pair.as_str(), Some(keys.account.as_str())),
            (keys.address.as_str(), None),
        ];
        wanted.sort_by_key(|(k, _)| *k);
        for (key, account) in wanted {
            diesel::insert_into(login_throttle::table)
                .values((
                    login_throttle::account_key.eq(key),
                    login_throttle::failed_count.eq(0),
                    login_throttle::window_start.eq(now),
                    login_throttle::account.eq(account),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        let rows: Vec<Row> = login_throttle::table
            .filter(login_throttle::account_key.eq_any([&keys.pair, &keys.address]))
            .select((
                login_throttle::account_key,
                login_throttle::failed_count,
                login_throttle::window_start,
                login_throttle::locked_until,
            ))
            .order(login_throttle::account_key)
            .for_update()
            .load(conn)
            .await?;
        if let Some(until) = rows
            .iter()
            .filter_map(|r| r.locked_until)
            .filter(|u| *u > now)
            .max()
        {
            return Ok(Reservation::Refused {
                retry_after_secs: secs_until(until, now),
            });
        }
        let mut delayed = None;
        for row in rows {
            let whole_address = row.key == keys.address;
            let free = if whole_address {
                limits.address_free
            } else {
                limits.account_free
            };
            let stale = row.window_start + FORGET_AFTER <= now;
            let (count, start) = if stale {
                (1, now)
            } else {
                (row.failed_count + 1, row.window_start)
            };
            let delay = limits.delay(count, free);
            if let Some(d) = delay
                && delayed.is_none_or(|x: Delayed| x.whole_address && !whole_address)
            {
                delayed = Some(Delayed {
                    whole_address,
                    failures: count,
                    secs: d.num_seconds(),
                });
            }
            diesel::update(login_throttle::table.find(&row.key))
                .set((
                    login_throttle::failed_count.eq(count),
                    login_throttle::window_start.eq(start),
                    login_throttle::locked_until.eq(delay.map(|d| now + d)),
                ))
                .execute(conn)
                .await?;
        }
        Ok(Reservation::Granted { delayed })
    })
    .await
}

/// The password was right: the account at this address starts afresh, and the address takes
/// back the failure [`reserve`] counted (its earlier failures stay: an attacker's own account
/// does not clear their address).
pub async fn succeeded(conn: &mut AsyncPgConnection, keys: &Keys) -> QueryResult<()> {
    diesel::delete(login_throttle::table.find(&keys.pair))
        .execute(conn)
        .await?;
    take_back(conn, &keys.address).await
}

/// The password could not be checked (`busy`): take back the failure [`reserve`] counted.
pub async fn not_checked(conn: &mut AsyncPgConnection, keys: &Keys) -> QueryResult<()> {
    take_back(conn, &keys.pair).await?;
    take_back(conn, &keys.address).await
}

/// Takes one failure back; a row left with nothing to remember goes.
async fn take_back(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE login_throttle SET failed_count = greatest(failed_count - 1, 0)
         WHERE account_key = $1",
    )
    .bind::<diesel::sql_types::Text, _>(key)
    .execute(conn)
    .await?;
    diesel::delete(
        login_throttle::table
            .find(key)
            .filter(login_throttle::failed_count.eq(0))
            .filter(login_throttle::locked_until.is_null()),
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Deletes every row of these accounts (at every address): an office admin's unlock, a
/// password reset. Per-address rows stay. Returns how many rows went.
pub async fn clear_account(
    conn: &mut AsyncPgConnection,
    accounts: &[String],
) -> QueryResult<usize> {
    diesel::delete(login_throttle::table.filter(login_throttle::account.eq_any(accounts)))
        .execute(conn)
        .await
}

/// Lifts every delay on a staff member's logins and password changes (at every address);
/// `None` when the center has no such staff member. Returns how many rows went.
pub async fn clear_staff(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    staff_id: Uuid,
) -> QueryResult<Option<usize>> {
    let Some((code, employee_no)) = super::store::login_name(conn, center_id, staff_id).await?
    else {
        return Ok(None);
    };
    let accounts = [
        login_account(&code, &employee_no),
        password_account(staff_id),
    ];
    clear_account(conn, &accounts).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_the_first_up_to_the_longest() {
        let l = Limits {
            account_free: 5,
            address_free: 50,
            first_delay_secs: 1,
            max_delay_secs: 900,
        };
        assert_eq!(l.delay(4, 5), None);
        assert_eq!(l.delay(5, 5), Some(Duration::seconds(1)));
        assert_eq!(l.delay(6, 5), Some(Duration::seconds(2)));
        assert_eq!(l.delay(7, 5), Some(Duration::seconds(4)));
        assert_eq!(l.delay(15, 5), Some(Duration::seconds(900)));
        assert_eq!(l.delay(1000, 5), Some(Duration::seconds(900)));
    }
}
