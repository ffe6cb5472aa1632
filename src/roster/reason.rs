//! Why a person is on a duty, as a code with parameters (never prose), and the rotation rules an
//! office replacement may override. Clients render both in their own language.
//!
//! Stored in `duty_assignments.reason` (jsonb `{"code": …, "params": {…}}`, ids and numbers only)
//! and `duty_assignments.overrides` (text[]); department names are added to the parameters when a
//! response is built (names beside ids).

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Jsonb;
use serde::{Deserialize, Serialize};
use std::io::Write;
use utoipa::ToSchema;
use uuid::Uuid;

use super::rotation::Unit;

/// What put the person on this duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// The generator: the person's department holds the day (or the week) and the person is next
    /// in its queue. Params: `department_id`/`department_name`, `rotation_order`, `span`, `round`.
    HolderTurn,
    /// The generator: the holding department had nobody (else) available, so the person was taken
    /// from the next department in rotation order. Params: `department_id`/`department_name` (where
    /// the person came from), `round`, `holder_department_id`/`holder_department_name`,
    /// `holder_gave_some`.
    FilledFromOtherDepartment,
    /// The office put this person on the day in the draft. Params: `department_id`/`department_name`:
    /// the person's own department. Rules it overrode are in the assignment's `overrides`.
    ReplacedByOffice,
    /// Two people swapped duties (换班). No params.
    Swapped,
    /// Written before reasons had codes and not in a known pattern. Params: `text`, the old
    /// English sentence.
    Legacy,
}

/// The parameters of a reason; which ones are present depends on `code` (see `ReasonCode`).
/// Absent parameters are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReasonParams {
    /// `holder_turn`, `filled_from_other_department`: the department whose queue the person was
    /// taken from; `replaced_by_office`: the person's own department.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub department_id: Option<Uuid>,
    /// The name of `department_id` (in responses).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub department_name: Option<String>,
    /// `holder_turn`: the department's place in the rotation order (值班顺序), from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub rotation_order: Option<u32>,
    /// `holder_turn`: whether the department holds this day or this (ISO) week.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub span: Option<Unit>,
    /// `holder_turn`, `filled_from_other_department`: the department's round through its queue,
    /// from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub round: Option<u32>,
    /// `filled_from_other_department`: the department holding the day.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub holder_department_id: Option<Uuid>,
    /// The name of `holder_department_id` (in responses).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub holder_department_name: Option<String>,
    /// `filled_from_other_department`: true when the holding department gave some of the day's
    /// people and had nobody *else*; false when it had nobody at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub holder_gave_some: Option<bool>,
    /// `legacy`: the sentence stored before reasons had codes (English).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub text: Option<String>,
}

/// Why a person is on a duty: a stable code and its parameters.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = Jsonb)]
#[schema(example = json!({"code": "holder_turn", "params": {"department_id": "0193a7e0-0000-7000-8000-000000000001", "department_name": "医保中心", "rotation_order": 2, "span": "day", "round": 1}}))]
pub struct Reason {
    pub code: ReasonCode,
    pub params: ReasonParams,
}

impl Reason {
    /// A reason without parameters.
    pub fn bare(code: ReasonCode) -> Reason {
        Reason {
            code,
            params: ReasonParams::default(),
        }
    }

    /// The office put someone of `department_id` on the day.
    pub fn replaced_by_office(department_id: Uuid) -> Reason {
        Reason {
            code: ReasonCode::ReplacedByOffice,
            params: ReasonParams {
                department_id: Some(department_id),
                ..Default::default()
            },
        }
    }

    /// The department ids the params name (for loading their names).
    pub fn departments(&self) -> impl Iterator<Item = Uuid> {
        [self.params.department_id, self.params.holder_department_id]
            .into_iter()
            .flatten()
    }

    /// Fills the names of the departments the params name.
    pub fn name(&mut self, name_of: impl Fn(Uuid) -> String) {
        self.params.department_name = self.params.department_id.map(&name_of);
        self.params.holder_department_name = self.params.holder_department_id.map(&name_of);
    }
}

impl FromSql<Jsonb, Pg> for Reason {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let v = <serde_json::Value as FromSql<Jsonb, Pg>>::from_sql(bytes)?;
        Ok(serde_json::from_value(v)?)
    }
}

impl ToSql<Jsonb, Pg> for Reason {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        // jsonb's binary format: version 1, then the JSON text.
        out.write_all(&[1])?;
        serde_json::to_writer(out, self)?;
        Ok(IsNull::No)
    }
}

crate::text_enum!(
    /// A rotation rule (R2) that an office replacement breaks and the office may override by naming
    /// it in `confirm`.
    pub RotationRule {
        /// The person belongs to another department than the one whose turn the day is.
        OtherDepartment => "other_department",
        /// The person is on duty the working day before or after as well.
        ConsecutiveDays => "consecutive_days",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_serialises_as_code_and_params_without_absent_ones() {
        let r = Reason {
            code: ReasonCode::HolderTurn,
            params: ReasonParams {
                rotation_order: Some(2),
                round: Some(3),
                span: Some(Unit::Week),
                ..Default::default()
            },
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "holder_turn", "params": {"rotation_order": 2, "span": "week", "round": 3}})
        );
        assert_eq!(serde_json::from_value::<Reason>(v).unwrap(), r);
    }

    #[test]
    fn names_are_filled_for_the_departments_the_params_name() {
        let d = Uuid::from_u128(1);
        let mut r = Reason::replaced_by_office(d);
        assert_eq!(r.departments().collect::<Vec<_>>(), [d]);
        r.name(|id| format!("dept {id}"));
        assert_eq!(r.params.department_name, Some(format!("dept {d}")));
        assert_eq!(r.params.holder_department_name, None);
    }
}
