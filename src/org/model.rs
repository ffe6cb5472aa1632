//! Rows of the organisation tables and their API views.

use crate::db::schema::{centers, departments, staff};
use crate::principal::Role;
use chrono::{DateTime, NaiveTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = centers)]
pub struct Center {
    pub id: Uuid,
    /// Short code used at login (e.g. `shanghang-sb`).
    pub code: String,
    pub name: String,
    /// IANA time zone of the hall's calendar (default `Asia/Shanghai`).
    pub time_zone: String,
    /// Hall opening time (local), `HH:MM:SS`.
    #[schema(value_type = String, example = "08:30:00")]
    pub opening_time: NaiveTime,
    #[schema(value_type = String, example = "17:30:00")]
    pub closing_time: NaiveTime,
    /// Start of the duty staff's hours (R9), not after opening.
    #[schema(value_type = String, example = "08:00:00")]
    pub duty_start_time: NaiveTime,
    /// End of the duty staff's hours, not before closing.
    #[schema(value_type = String, example = "18:00:00")]
    pub duty_end_time: NaiveTime,
    /// Minutes before opening the supervisor arrives (R7).
    pub arrival_lead_minutes: i32,
    /// Concurrency version; the `ETag` is derived from it.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Minutes before the afternoon closing the security door of the window area is closed (R7).
    pub closing_lead_minutes: i32,
    /// Minutes after the duty end the day's after-hours records (the main gate, the handover)
    /// stay writable; after that only amendments (R8).
    pub duty_grace_minutes: i32,
}

impl Center {
    /// The center's time zone; Asia/Shanghai if the stored name is not one chrono-tz knows
    /// (the API only accepts valid names).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }

    /// Today's date on the center's calendar, by the application's clock.
    pub fn today(&self, clock: &crate::clock::Clock) -> chrono::NaiveDate {
        clock.today(self.tz())
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = departments)]
pub struct Department {
    pub id: Uuid,
    #[serde(skip)]
    #[schema(ignore)]
    pub center_id: Uuid,
    /// e.g. 医保中心
    pub name: String,
    /// Unique per center.
    pub code: String,
    /// Place in the duty rotation (R2), lowest first.
    pub rotation_order: i32,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    pub id: Uuid,
    pub center_id: Uuid,
    pub department_id: Option<Uuid>,
    pub employee_no: String,
    pub name: String,
    pub position: Option<String>,
    pub roles: Vec<String>,
    pub leader: bool,
    pub phone: Option<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// 前台
    FrontDesk,
    /// 后台
    BackOffice,
}

impl Position {
    pub fn as_str(self) -> &'static str {
        match self {
            Position::FrontDesk => "front_desk",
            Position::BackOffice => "back_office",
        }
    }
    pub fn parse(s: &str) -> Option<Position> {
        match s {
            "front_desk" => Some(Position::FrontDesk),
            "back_office" => Some(Position::BackOffice),
            _ => None,
        }
    }
}

/// A staff member as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Staff {
    pub id: Uuid,
    pub center_id: Uuid,
    pub department_id: Option<Uuid>,
    /// Unique per center; the login name.
    pub employee_no: String,
    pub name: String,
    pub position: Option<Position>,
    pub roles: Vec<Role>,
    /// Department leader (R15): files sit-in plans.
    pub leader: bool,
    /// Shown to office admins, auditors and the person themself; `null` for others.
    pub phone: Option<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StaffRow {
    pub fn roles(&self) -> Vec<Role> {
        self.roles.iter().filter_map(|r| Role::parse(r)).collect()
    }

    /// The API view; `show_phone` is decided by the caller's rights.
    pub fn view(self, show_phone: bool) -> Staff {
        Staff {
            roles: self.roles(),
            position: self.position.as_deref().and_then(Position::parse),
            id: self.id,
            center_id: self.center_id,
            department_id: self.department_id,
            employee_no: self.employee_no,
            name: self.name,
            leader: self.leader,
            phone: if show_phone { self.phone } else { None },
            active: self.active,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// The value recorded in the audit trail (no password hash; phone masked).
    pub fn audit_value(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self.clone().view(false)).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.insert(
                "phone_set".into(),
                serde_json::Value::Bool(self.phone.is_some()),
            );
        }
        v
    }
}
