//! Names beside ids: responses carry staff and department names so that a phone or a report
//! needs no second request. One way to load them: two queries for a whole response.

use super::store;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

#[derive(Debug, Default)]
pub struct Names {
    staff: HashMap<Uuid, String>,
    departments: HashMap<Uuid, String>,
}

impl Names {
    /// Names of these staff and departments of the center (any state: a deactivated person's
    /// name still labels their past duties).
    pub async fn load(
        conn: &mut AsyncPgConnection,
        center_id: Uuid,
        staff: impl IntoIterator<Item = Uuid>,
        departments: impl IntoIterator<Item = Uuid>,
    ) -> QueryResult<Names> {
        let staff: Vec<Uuid> = staff
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let departments: Vec<Uuid> = departments
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(Names {
            staff: store::staff_by_ids(conn, center_id, &staff)
                .await?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect(),
            departments: store::departments_by_ids(conn, center_id, &departments)
                .await?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
        })
    }

    /// The person's name; empty when unknown (never for ids of the same center).
    pub fn staff(&self, id: Uuid) -> String {
        self.staff.get(&id).cloned().unwrap_or_default()
    }

    pub fn department(&self, id: Uuid) -> String {
        self.departments.get(&id).cloned().unwrap_or_default()
    }
}
