//! `POST /inspections`: a supervisor on duty records a finding (R4.1, R5).
//!
//! Audit: entity type `inspection`, action `created` (`after`); a rectification it opens:
//! entity type `rectification`, action `open` (`after`).

use super::model::{InspectionRequest, InspectionRow, Outcome};
use super::{deadline, reads, rules, store};
use crate::AppState;
use crate::attachments::{self, model::EntityType};
use crate::audit::{self, AuditEntry};

use crate::dutyday::api::{check_observed, observed_at};
use crate::dutyday::gate;
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::store as org_store;
use crate::principal::{CurrentUser, Role};
use crate::rectifications::store as rect_store;
use crate::text_enum::TextEnum;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, post, web};
use diesel::OptionalExtension;
use uuid::Uuid;

/// Record an inspection finding (the caller: a supervisor on duty on the center's today).
///
/// One finding about one window staff member (`staff_id`) or the hall as a whole, in one of the
/// seven categories; `ok`, or a `problem` with a `severity` and a `description`; optional photos
/// (`attachment_ids`: JPEG or PNG uploads of the caller). A problem with
/// `rectify_within_working_days` opens a rectification (整改) due that many working days after
/// today on the center's calendar. Only the supervisors on duty today (after substitutions) may
/// write, from 00:00 until the duty end plus the center's grace period (the duty-day gate); the
/// finding records who wrote it. `observed_at` (offline records) is kept beside the
/// server's receipt time. Send an `Idempotency-Key`: a retry replays the first answer.
#[utoipa::path(
    operation_id = "createInspection",
    tag = "inspections",
    request_body = InspectionRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded, with names beside the ids and the rectification it opened", body = super::model::Inspection),
        (status = 400, description = "`validation_failed`: `severity` missing for a problem or sent for ok (`required`, `not_allowed`), `description` missing, blank or too long (`required`, `too_long`), `attachment_ids` more than 5 or repeated (`too_many`, `duplicate`), `rectify_within_working_days` out of 1–30 or sent for ok (`out_of_range`, `not_allowed`), `observed_at` not RFC 3339 (`invalid_datetime`), `staff_id` not an active window staff member of the center (`unknown`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`not_on_duty`: the caller is not one of today's supervisors after substitutions", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`duty_day_closed`: past today's duty end plus the grace period (the office corrects the day through amendments); `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_working_day`: the hall is closed today; `attachment_unavailable`: an attachment does not exist or was not uploaded by the caller; `attachment_not_image`: a photo is not a JPEG or PNG; `holidays_not_loaded`: the deadline spans a year whose statutory holidays are not loaded; `observed_in_future`, `observed_before_day`; `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/inspections")]
pub async fn create(
    user: CurrentUser,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<InspectionRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let errors = rules::check(&b);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let observed = observed_at(b.observed_at.as_deref())?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let today = org_store::center(conn, user.center_id)
            .await?
            .today(&state.clock);
        let w = gate::require_writer(conn, &state.clock, &user, today).await?;
        let (center, duty) = (&w.center, &w.duty);
        if let Some(s) = b.staff_id {
            let person = org_store::staff_by_id(conn, center.id, s)
                .await
                .optional()?;
            if !person.is_some_and(|p| {
                p.active && p.roles.iter().any(|r| r == Role::WindowStaff.as_str())
            }) {
                return Err(ApiError::invalid(FieldError::of(
                    "staff_id",
                    FieldCode::UnknownFrontDesk,
                )));
            }
        }
        let received = w.now;
        if let Some(o) = observed {
            check_observed(o, received, center.tz(), today)?;
        }
        let rectify = match (b.result, b.rectify_within_working_days) {
            (Outcome::Problem, Some(n)) => {
                let days = u32::try_from(n).unwrap_or(1);
                Some((n, deadline::after(conn, center.id, today, days).await?))
            }
            _ => None,
        };
        let row = store::insert(
            conn,
            &InspectionRow {
                id: Uuid::now_v7(),
                center_id: center.id,
                day: today,
                staff_id: b.staff_id,
                category: b.category,
                result: b.result,
                severity: b.severity,
                description: b.description.as_deref().map(|d| d.trim().to_owned()),
                inspector_id: duty.on_duty(),
                assignment_id: duty.id,
                received_at: received,
                observed_at: observed,
            },
        )
        .await?;
        attachments::attach(
            conn,
            &user,
            &b.attachment_ids,
            true,
            (EntityType::Inspection, row.id),
            received,
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "created", "inspection", row.id).after(&row),
        )
        .await?;
        if let Some((n, due)) = rectify {
            let r = rect_store::open(conn, &row, n, due, received).await?;
            audit::record(
                conn,
                AuditEntry::new(&user, r.status.as_str(), "rectification", r.id).after(&r),
            )
            .await?;
        }
        let location = format!("/api/v1/inspections/{}", row.id);
        let view = reads::view(conn, center.id, row).await?;
        Ok(Reply::json(StatusCode::CREATED, &view).header(header::LOCATION, location))
    })
    .await
}
