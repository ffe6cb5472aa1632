//! Amendments: the one way a frozen record of a duty day changes (a submitted log, its
//! attendance, a day past its grace period). The record keeps its original; each amendment keeps
//! what it was and what it became, who changed it, when and why, and is written to the audit
//! trail (action `amended`) in the same transaction (R22: nothing is lost).
//!
//! A kind of record calls [`record`] with its state before and after; its views show the
//! amendments with [`of`] (one query for many records).

use crate::audit::{self, AuditEntry};
use crate::db::schema::amendments as am;
use crate::error::{ApiResult, FieldError};
use crate::org::names::Names;
use crate::org::rules as org_rules;
use crate::principal::{Actor, CurrentUser};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// Longest reason, in characters.
pub const MAX_REASON: usize = 500;

/// A blank or too long reason, as a field error on `field`.
pub fn check_reason(field: &str, reason: &str) -> Option<FieldError> {
    org_rules::text(field, reason, MAX_REASON)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = am)]
pub struct AmendmentRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub day: NaiveDate,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub amended_by: Option<Uuid>,
    pub actor: String,
    pub reason: String,
    pub before: Value,
    pub after: Value,
    pub created_at: DateTime<Utc>,
}

/// One amendment as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Amendment {
    pub id: Uuid,
    /// Who amended (`null` for the command line or an identity-provider caller).
    pub amended_by: Option<Uuid>,
    pub amended_by_name: Option<String>,
    pub reason: String,
    /// The record's state before the amendment.
    pub before: Value,
    /// The record's state after it.
    pub after: Value,
    pub created_at: DateTime<Utc>,
}

impl AmendmentRow {
    /// The view, with the amender's name from `names` (loaded with [`AmendmentRow::people`]).
    pub fn view(self, names: &Names) -> Amendment {
        Amendment {
            id: self.id,
            amended_by_name: self.amended_by.map(|s| names.staff(s)),
            amended_by: self.amended_by,
            reason: self.reason,
            before: self.before,
            after: self.after,
            created_at: self.created_at,
        }
    }
}

/// What changed: one record of a day, its state before and after.
pub struct Change<'a, T: Serialize> {
    pub day: NaiveDate,
    /// The audit trail's entity type of the record, e.g. `duty_log`.
    pub entity_type: &'static str,
    pub entity_id: Uuid,
    pub reason: &'a str,
    pub before: &'a T,
    pub after: &'a T,
    pub at: DateTime<Utc>,
}

/// Stores an amendment and its audit event (action `amended`), in the caller's transaction.
pub async fn record<T: Serialize>(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    c: Change<'_, T>,
) -> ApiResult<AmendmentRow> {
    let actor = Actor::from(user);
    let before = serde_json::to_value(c.before).unwrap_or(Value::Null);
    let after = serde_json::to_value(c.after).unwrap_or(Value::Null);
    let row = AmendmentRow {
        id: Uuid::now_v7(),
        center_id: user.center_id,
        day: c.day,
        entity_type: c.entity_type.to_owned(),
        entity_id: c.entity_id,
        amended_by: actor.actor_id,
        actor: actor.label,
        reason: c.reason.trim().to_owned(),
        before,
        after,
        created_at: c.at,
    };
    let row = diesel::insert_into(am::table)
        .values(&row)
        .returning(AmendmentRow::as_returning())
        .get_result(conn)
        .await?;
    audit::record(
        conn,
        AuditEntry::new(user, "amended", c.entity_type, c.entity_id)
            .before(&row.before)
            .after(&row.after),
    )
    .await?;
    Ok(row)
}

/// The amendments of the given records of one kind, oldest first (one query).
pub async fn of(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    entity_type: &str,
    ids: &[Uuid],
) -> QueryResult<Vec<AmendmentRow>> {
    am::table
        .filter(am::center_id.eq(center_id))
        .filter(am::entity_type.eq(entity_type))
        .filter(am::entity_id.eq_any(ids))
        .order((am::entity_id, am::created_at, am::id))
        .select(AmendmentRow::as_select())
        .load(conn)
        .await
}

/// The staff a list of amendments names.
pub fn people(rows: &[AmendmentRow]) -> impl Iterator<Item = Uuid> + '_ {
    rows.iter().filter_map(|r| r.amended_by)
}
