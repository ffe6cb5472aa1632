//! Shared checks for substitution, swap and leave handlers.

use crate::clock::Clock;
use crate::error::{ApiError, Code, FieldCode, FieldError};
use crate::lifecycle::list::Wanted;
use crate::org::store as org_store;
use crate::pagination::PageParams;
use crate::roster::model::Assignment;
use crate::roster::settings;
use crate::roster::store;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// Filter by status.
    pub status: Option<String>,
    /// Office admins and auditors: only requests involving this person.
    pub staff_id: Option<Uuid>,
}

impl RequestQuery {
    /// The list this query asks for, for [`crate::lifecycle::list::list`].
    pub fn wanted<'a>(&'a self, paging: &'a PageParams) -> Wanted<'a> {
        Wanted {
            status: self.status.as_deref(),
            staff_id: self.staff_id,
            limit: paging.limit,
            cursor: paging.cursor.as_deref(),
        }
    }
}

/// An optional note with a decision.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionNote {
    #[serde(default)]
    pub note: String,
}

/// Today in the center's time zone.
pub async fn today(
    conn: &mut AsyncPgConnection,
    clock: &Clock,
    center_id: Uuid,
) -> Result<NaiveDate, ApiError> {
    Ok(org_store::center(conn, center_id).await?.today(clock))
}

/// One open change request per duty: a second substitution or swap waits for the first.
pub fn change_open() -> ApiError {
    ApiError::of(Code::ChangeOpen)
}

/// Refuses a new change request on duties that already have an open one.
pub async fn check_no_open_change(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> Result<(), ApiError> {
    if super::store::open_change(conn, ids).await? {
        return Err(change_open());
    }
    Ok(())
}

pub use crate::lifecycle::invalid_state;

pub fn assignment_changed() -> ApiError {
    ApiError::of(Code::AssignmentChanged)
}

/// A published duty that has not passed yet (`today` in the center's time zone); `lock` holds
/// its row until the transaction ends.
pub async fn open_duty(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    center_id: Uuid,
    id: Uuid,
    field: &str,
    lock: bool,
) -> Result<Assignment, ApiError> {
    let found = if lock {
        store::assignment_for_update(conn, center_id, id).await
    } else {
        store::assignment(conn, center_id, id).await
    };
    let a = found.map_err(|e| match e {
        diesel::result::Error::NotFound => {
            ApiError::invalid(FieldError::of(field, FieldCode::UnknownDuty))
        }
        e => e.into(),
    })?;
    if !a.published {
        return Err(ApiError::invalid(FieldError::of(
            field,
            FieldCode::UnknownDuty,
        )));
    }
    if a.date < today {
        return Err(ApiError::of(Code::DutyInPast));
    }
    Ok(a)
}

/// Checks that `person` can take a duty on `date`: eligible, not on leave, not on duty already.
pub async fn can_cover(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    person: Uuid,
    date: NaiveDate,
    except: &[Uuid],
) -> Result<(), ApiError> {
    // Holds the person's row so a leave approval for them cannot pass its check meanwhile.
    org_store::lock_staff(conn, center_id, person).await?;
    let loaded = settings::load(conn, center_id, false).await?;
    if !loaded.queues.iter().any(|q| q.members.contains(&person)) {
        return Err(ApiError::of(Code::NotEligible));
    }
    if store::approved_leave(conn, center_id, date, date)
        .await?
        .iter()
        .any(|(s, _, _)| *s == person)
    {
        return Err(ApiError::of(Code::OnLeave));
    }
    for a in super::store::duties_of(conn, center_id, person, date, date).await? {
        if !except.contains(&a.0) {
            return Err(ApiError::of(Code::AlreadyOnDuty));
        }
    }
    Ok(())
}
