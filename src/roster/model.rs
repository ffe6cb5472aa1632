//! Rows of the roster tables and their API views.

use super::reason::{Reason, RotationRule};
use crate::db::schema::{duty_assignments, rosters};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

pub use super::rotation::Unit;

crate::text_enum!(
    /// `draft` (editable) or `published` (changes only through substitutions and swaps).
    pub RosterStatus {
        Draft => "draft",
        Published => "published",
    }
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rosters)]
pub struct RosterRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: RosterStatus,
    pub unit: Unit,
    pub supervisors_per_day: i32,
    pub start_state: serde_json::Value,
    pub end_state: Option<serde_json::Value>,
    pub shortfalls: serde_json::Value,
    pub created_by: Option<Uuid>,
    pub published_by: Option<Uuid>,
    pub published_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub basis: serde_json::Value,
    pub confirmed_missing_holidays: Vec<i32>,
    pub confirmed_short_days: Vec<NaiveDate>,
}

/// A working day the generator could not fully staff.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ShortfallView {
    pub date: NaiveDate,
    /// Supervisors missing that day.
    pub missing: u32,
}

/// A roster (服务中心人员值班表) for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Roster {
    pub id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: RosterStatus,
    pub unit: Unit,
    pub supervisors_per_day: i32,
    /// Working days that could not get every supervisor.
    pub shortfalls: Vec<ShortfallView>,
    pub published_at: Option<DateTime<Utc>>,
    /// Years without statutory holiday data that the office confirmed when generating: their
    /// holidays may be scheduled as working days.
    #[schema(example = json!([]))]
    pub confirmed_missing_holidays: Vec<i32>,
    /// Working days below `supervisors_per_day` (R10) that the office confirmed when publishing.
    pub confirmed_short_days: Vec<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl RosterRow {
    pub fn view(&self) -> Roster {
        Roster {
            id: self.id,
            start_date: self.start_date,
            end_date: self.end_date,
            status: self.status,
            unit: self.unit,
            supervisors_per_day: self.supervisors_per_day,
            shortfalls: serde_json::from_value(self.shortfalls.clone()).unwrap_or_default(),
            published_at: self.published_at,
            confirmed_missing_holidays: self.confirmed_missing_holidays.clone(),
            confirmed_short_days: self.confirmed_short_days.clone(),
            version: self.version,
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = duty_assignments)]
pub struct Assignment {
    pub id: Uuid,
    #[serde(skip)]
    #[schema(ignore)]
    pub center_id: Uuid,
    pub roster_id: Uuid,
    pub date: NaiveDate,
    /// Position among the day's supervisors, from 1 (`1..=supervisors_per_day`).
    pub slot: i32,
    /// The rostered supervisor.
    pub staff_id: Uuid,
    /// The department whose turn (or queue) this duty belongs to. An office replacement by
    /// someone of another department keeps it (the day still counts as this department's duty);
    /// the person's own department is then in `reason.params` and `overrides` says
    /// `other_department`.
    pub department_id: Uuid,
    /// Registered substitute (顶岗) on duty instead of `staff_id`.
    pub substitute_id: Option<Uuid>,
    /// True once the roster is published.
    pub published: bool,
    pub version: i32,
    /// Why the generator (or the office, or a swap) put this person here.
    pub reason: Reason,
    /// Rotation rules (R2) the office confirmed overriding when it put this person on the day;
    /// empty when none.
    pub overrides: Vec<RotationRule>,
}

impl Assignment {
    /// Who is actually on duty: the substitute when there is one.
    pub fn on_duty(&self) -> Uuid {
        self.substitute_id.unwrap_or(self.staff_id)
    }
}

/// A roster with its assignments.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterDetail {
    #[serde(flatten)]
    pub roster: Roster,
    pub assignments: Vec<AssignmentView>,
    /// Conflicts: dates with assignments that are no longer working days (a closure or a newly
    /// loaded holiday entered after generation or publication). Empty when there are none.
    pub not_working_days: Vec<NaiveDate>,
}

impl RosterDetail {
    /// The roster with its assignments, their names and its conflicts with today's calendar.
    pub async fn load(
        conn: &mut diesel_async::AsyncPgConnection,
        row: &RosterRow,
        assignments: Vec<Assignment>,
    ) -> diesel::QueryResult<RosterDetail> {
        let cal =
            crate::calendar::store::load(conn, row.center_id, row.start_date, row.end_date).await?;
        let mut not_working_days: Vec<NaiveDate> = assignments
            .iter()
            .map(|a| a.date)
            .filter(|d| !cal.is_working_day(*d))
            .collect();
        not_working_days.dedup();
        Ok(RosterDetail {
            roster: row.view(),
            assignments: AssignmentView::load(conn, row.center_id, assignments).await?,
            not_working_days,
        })
    }
}

/// An assignment with the names a phone or a report shows beside the ids.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    #[serde(flatten)]
    pub assignment: Assignment,
    /// The rostered person's name.
    pub staff_name: String,
    pub department_name: String,
    /// Who serves the day: the substitute once one holds it, else the rostered person.
    pub on_duty_staff_id: Uuid,
    pub on_duty_name: String,
    /// The substitute's name, when one holds the day.
    pub substitute_name: Option<String>,
}

impl AssignmentView {
    /// Views of `rows`, their names loaded in two queries.
    pub async fn load(
        conn: &mut diesel_async::AsyncPgConnection,
        center_id: Uuid,
        rows: Vec<Assignment>,
    ) -> diesel::QueryResult<Vec<AssignmentView>> {
        let names = crate::org::names::Names::load(
            conn,
            center_id,
            rows.iter()
                .flat_map(|a| [Some(a.staff_id), a.substitute_id])
                .flatten(),
            rows.iter()
                .flat_map(|a| std::iter::once(a.department_id).chain(a.reason.departments())),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|mut a| {
                a.reason.name(|d| names.department(d));
                a
            })
            .map(|a| AssignmentView {
                staff_name: names.staff(a.staff_id),
                department_name: names.department(a.department_id),
                on_duty_staff_id: a.on_duty(),
                on_duty_name: names.staff(a.on_duty()),
                substitute_name: a.substitute_id.map(|s| names.staff(s)),
                assignment: a,
            })
            .collect())
    }
}
