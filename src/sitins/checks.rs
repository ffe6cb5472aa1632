//! Checks shared by the sit-in handlers: weeks, leaders, the center's clock and deadline.

use super::compliance::{self, DEFAULT_DEADLINE_DAYS_BEFORE};
use super::store;
use crate::calendar::rules as cal_rules;
use crate::error::{ApiError, Code, FieldCode, FieldError};
use crate::org::model::StaffRow;
use crate::org::store as org_store;
use crate::principal::{CurrentUser, Role};
use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// How far from the current week a plan's or report's week may lie.
pub const MAX_WEEKS_AWAY: u64 = 53;

/// The center's time zone (Asia/Shanghai when unset or unknown).
pub async fn time_zone(conn: &mut AsyncPgConnection, center_id: Uuid) -> Result<Tz, ApiError> {
    Ok(org_store::center(conn, center_id).await?.tz())
}

/// Today in time zone `tz`, by the application's clock.
pub fn today(clock: &crate::clock::Clock, tz: Tz) -> NaiveDate {
    clock.today(tz)
}

/// The center's deadline setting (the default while it was never changed).
pub async fn deadline_days_before(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
) -> Result<i32, ApiError> {
    Ok(store::settings(conn, center_id)
        .await?
        .map_or(DEFAULT_DEADLINE_DAYS_BEFORE, |s| s.deadline_days_before))
}

/// A `week` parameter: required, `YYYY-MM-DD`, a Monday.
pub fn week(field: &str, value: Option<&str>) -> Result<NaiveDate, FieldError> {
    let Some(v) = value else {
        return Err(FieldError::of(field, FieldCode::Required));
    };
    let d = cal_rules::date(field, v)?;
    if !compliance::is_monday(d) {
        return Err(FieldError::of(field, FieldCode::NotMonday));
    }
    Ok(d)
}

/// The week must lie within [`MAX_WEEKS_AWAY`] weeks of the current one.
pub fn week_in_range(field: &str, week: NaiveDate, today: NaiveDate) -> Result<(), FieldError> {
    let now = compliance::monday_of(today);
    let span = Days::new(MAX_WEEKS_AWAY * 7);
    if week < now - span || week > now + span {
        return Err(FieldError::of(field, FieldCode::WeekOutOfRange).param("weeks", MAX_WEEKS_AWAY));
    }
    Ok(())
}

/// 403 for a caller acting for themself who is not an active department leader.
pub fn not_a_leader() -> ApiError {
    ApiError::of(Code::NotALeader)
}

fn unknown_leader(field: &str) -> FieldError {
    FieldError::of(field, FieldCode::UnknownStaff)
}

fn not_leader_field(field: &str) -> FieldError {
    FieldError::of(field, FieldCode::NotALeader)
}

/// An active leader who belongs to a department.
pub struct Leader {
    pub row: StaffRow,
    pub department_id: Uuid,
}

fn as_leader(row: StaffRow) -> Result<Leader, StaffRow> {
    match row.department_id {
        Some(d) if row.active && row.leader => Ok(Leader {
            row,
            department_id: d,
        }),
        _ => Err(row),
    }
}

/// Who a leader-or-admin write acts for: the leader named by `leader_id`, else the caller.
/// Acting for someone else needs office admin (403). The leader is locked for the transaction.
/// The caller acting for themself must be a leader (403 `not_a_leader`); a named leader who is
/// missing, in another center or not a leader is a 400 on `field`.
pub async fn acting_leader(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    leader_id: Option<Uuid>,
    field: &str,
) -> Result<Leader, ApiError> {
    let Some(id) = leader_id.or(user.staff_id) else {
        return Err(not_a_leader());
    };
    if user.staff_id == Some(id) {
        let row = store::staff_for_sit_in(conn, user.center_id, id)
            .await?
            .ok_or_else(not_a_leader)?;
        return as_leader(row).map_err(|_| not_a_leader());
    }
    if !user.has(Role::OfficeAdmin) {
        return Err(ApiError::forbidden());
    }
    named_leader(conn, user.center_id, id, field).await
}

/// A leader named in a body field (office writes): missing, foreign or non-leader is a 400.
pub async fn named_leader(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
    field: &str,
) -> Result<Leader, ApiError> {
    let row = store::staff_for_sit_in(conn, center_id, id)
        .await?
        .ok_or_else(|| ApiError::validation(vec![unknown_leader(field)]))?;
    as_leader(row).map_err(|_| ApiError::validation(vec![not_leader_field(field)]))
}

/// A leader named in the path (patterns): missing or foreign is a 404; a same-center
/// non-leader is 422 `not_a_leader` for an admin, 403 `not_a_leader` for themself.
/// Non-admins may only act on themselves (403).
pub async fn path_leader(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Leader, ApiError> {
    let admin = user.has(Role::OfficeAdmin);
    if !admin && user.staff_id != Some(id) {
        return Err(ApiError::forbidden());
    }
    let row = store::staff_for_sit_in(conn, user.center_id, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    as_leader(row).map_err(|_| {
        if admin {
            ApiError::of(Code::NamedNotALeader)
        } else {
            not_a_leader()
        }
    })
}
