//! Reading citizens' requests: the masked views and the audited clear contact. Who may see one
//! is [`super::visibility`]:
//!
//! Office admins and auditors see every request of their center; supervisors those of the center
//! except complaints about themselves; every staff member those they own, owned or received, and
//! the queue (requests waiting to be accepted, unless about them). The portal sees what it sent
//! in. Everyone sees the citizen masked; the clear name and phone are a separate, audited read
//! for the owner, office admins and whoever calls back a bad rating of the request.

use super::intake::{NAME_PURPOSE, PHONE_PURPOSE};
use super::model::{CitizenMasked, CitizenRequest, Contact, RequestRow};
use super::{deadline, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Problem};
use crate::org::model::Center;
use crate::org::names::Names;
use crate::org::store as org_store;
use crate::principal::{Caller, CurrentUser, Role};
use crate::ratings::store as ratings_store;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

pub use super::visibility::may_see;

/// Views of `rows` (of `center`) with names, masked citizens, attachments and deadlines as on
/// `today`: a fixed number of queries whatever the number of rows.
pub async fn views(
    conn: &mut AsyncPgConnection,
    center: &Center,
    today: NaiveDate,
    rows: Vec<RequestRow>,
) -> QueryResult<Vec<CitizenRequest>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let staff: Vec<Uuid> = rows
        .iter()
        .flat_map(|r| [r.staff_id, r.owner_id, r.received_by])
        .flatten()
        .collect();
    let departments: Vec<Uuid> = rows.iter().filter_map(|r| r.department_id).collect();
    let names = Names::load(conn, center.id, staff, departments).await?;
    let contacts = store::contacts(conn, &ids).await?;
    let mut attachments = store::attachment_ids(conn, &ids).await?;
    let cal = deadline::calendar_for(conn, center.id, today, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let c = contacts.get(&r.id);
            CitizenRequest {
                id: r.id,
                tracking_no: r.tracking_no.clone(),
                kind: r.kind,
                channel: r.channel,
                state: r.state,
                concerns: r.concerns,
                department_id: r.department_id,
                department_name: r.department_id.map(|d| names.department(d)),
                staff_id: r.staff_id,
                staff_name: r.staff_id.map(|s| names.staff(s)),
                matter: r.matter.clone(),
                subject: r.subject.clone(),
                description: r.description.clone(),
                citizen: CitizenMasked {
                    name: c.and_then(|c| c.name_masked.clone()),
                    phone: c.and_then(|c| c.phone_masked.clone()),
                    anonymised_at: c.and_then(|c| c.anonymised_at),
                },
                owner_id: r.owner_id,
                owner_name: r.owner_id.map(|s| names.staff(s)),
                received_by: r.received_by,
                received_by_name: r.received_by.map(|s| names.staff(s)),
                from_portal: r.portal.is_some(),
                received_at: r.received_at,
                received_on: r.received_on,
                deadline: deadline::view(&cal, &r, today),
                answer: r.answer.clone(),
                refusal_reason: r.refusal_reason.clone(),
                refusal_guidance: r.refusal_guidance.clone(),
                substantiated: r.substantiated,
                finding_reason: r.finding_reason.clone(),
                overdue_escalated_at: r.overdue_escalated_at,
                closed_at: r.closed_at,
                attachment_ids: attachments.remove(&r.id).unwrap_or_default(),
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            }
        })
        .collect())
}

/// The request `id` as `caller` may see it, with its center; 404 otherwise (a request the
/// caller may not see is as good as absent).
pub async fn visible(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(RequestRow, Center), ApiError> {
    match caller {
        Caller::Staff(user) => {
            let row = store::find(conn, user.center_id, id)
                .await?
                .ok_or_else(ApiError::not_found)?;
            let owned = match user.staff_id {
                Some(me) => store::owned_by(conn, id, me).await?,
                None => false,
            };
            if !may_see(user, &row, owned) {
                return Err(ApiError::not_found());
            }
            let center = org_store::center(conn, user.center_id).await?;
            Ok((row, center))
        }
        Caller::Portal(portal) => {
            let row = store::by_id(conn, id)
                .await?
                .filter(|r| r.portal.as_deref() == Some(portal.subject.as_str()))
                .ok_or_else(ApiError::not_found)?;
            let center = org_store::center(conn, row.center_id).await?;
            if !portal.serves(&center.code) {
                return Err(ApiError::not_found());
            }
            Ok((row, center))
        }
    }
}

/// A citizen's request, the citizen masked.
///
/// Staff see it as described in `docs/citizen-requests.md` (office admins and auditors: all of
/// the center; supervisors: all but complaints about themselves; everyone: what they own, owned
/// or received, and the queue); the portal sees the requests it sent in. Anything else is 404.
#[utoipa::path(
    operation_id = "getCitizenRequest",
    tag = "citizen-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The request", body = CitizenRequest),
        (status = 400, description = "`malformed_request`: `id` is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such request the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/citizen-requests/{id}")]
pub async fn get_one(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let (row, center) = visible(&mut conn, &caller, path.into_inner()).await?;
    let today = center.today(&state.clock);
    let view = views(&mut conn, &center, today, vec![row]).await?.remove(0);
    Ok(crate::web::with_etag(&view, view.version))
}

/// The citizen's clear name and phone, to call them back.
///
/// Only the request's current owner, office admins, and the assignee of a bad rating's
/// follow-up of the request while it is not closed (who calls the citizen back); every read is
/// recorded in the audit trail (action `contact_viewed`, without the values). Absent values were
/// not given or have been anonymised (`anonymised_at`).
#[utoipa::path(
    operation_id = "getCitizenRequestContact",
    tag = "citizen-requests",
    params(("id" = Uuid, Path, description = "Request id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The clear contact", body = Contact),
        (status = 400, description = "`malformed_request`: `id` is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: neither the owner, an office admin nor the assignee of a follow-up not closed (or a portal token)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such request the caller may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/citizen-requests/{id}/contact")]
pub async fn contact(
    user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let mut conn = state.pool.get().await?;
    // Who calls a bad rating of this request back may read the contact while the follow-up is
    // not closed, even without seeing the request otherwise.
    let calls_back = match user.staff_id {
        Some(me) => ratings_store::calls_back(&mut conn, user.center_id, id, me).await?,
        None => false,
    };
    if !calls_back {
        let caller = Caller::Staff(user.clone());
        let (row, _) = visible(&mut conn, &caller, id).await?;
        let owner = user.staff_id.is_some() && row.owner_id == user.staff_id;
        if !owner && !user.has(Role::OfficeAdmin) {
            return Err(ApiError::forbidden());
        }
    }
    let c = store::contacts(&mut conn, &[id]).await?.remove(&id);
    let vault = &state.vault;
    let body = Contact {
        request_id: id,
        name: c
            .as_ref()
            .and_then(|c| c.name_enc.as_deref())
            .and_then(|s| vault.open_text(NAME_PURPOSE, s)),
        phone: c
            .as_ref()
            .and_then(|c| c.phone_enc.as_deref())
            .and_then(|s| vault.open_text(PHONE_PURPOSE, s)),
        anonymised_at: c.and_then(|c| c.anonymised_at),
    };
    audit::record(
        &mut conn,
        AuditEntry::new(&user, "contact_viewed", "citizen_request", id),
    )
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
