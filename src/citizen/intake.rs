//! `POST /citizen-requests`: staff in the hall or the regional portal record a citizen's request.
//!
//! Audit: entity type `citizen_request`, action `received` (`after`: the request row, which holds
//! no personal data; the citizen's name and phone are sealed in `citizen_contacts`).

use super::model::{Concerns, ContactRow, Intake, NewRequest, RequestRow, State};
use super::{deadline, read, store};
use crate::AppState;
use crate::attachments::{self, model::EntityType};
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::model::Center;
use crate::org::rules::{self, Errors};
use crate::org::store as org_store;
use crate::principal::{Actor, Caller};
use crate::privacy::{self, Vault};
use crate::text_enum::TextEnum;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, post, web};
use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;
use rand::Rng;
use uuid::Uuid;

/// Where the name and phone are sealed (bound into each ciphertext).
pub const NAME_PURPOSE: &str = "citizen_contacts.name";
pub const PHONE_PURPOSE: &str = "citizen_contacts.phone";
/// The blind index of phone numbers.
pub const PHONE_INDEX: &str = "phone";
/// The keyed hash of a request's verification code.
pub const CODE_INDEX: &str = "lookup_code";

/// Record a citizen's request (consultation 咨询, complaint 投诉, help 求助, suggestion 建议).
///
/// **Staff** (any role but auditor) record what reaches them in the hall (`visit`, `phone`,
/// `letter`): they own it from then on (首问负责, state `accepted`) until they hand it on.
/// **The portal** (an identity-provider token with the `portal` role) sends what citizens submit
/// online (`portal`, `mobile`) to a center its token lists, named by `center_code`; the request
/// waits in the center's queue (state `received`) until a staff member accepts it.
///
/// The citizen's name and phone (required except for consultations) are stored encrypted and
/// answered masked. Photos or documents (`attachment_ids`, up to 5) are uploaded first with
/// `uploadAttachment`, by staff or by the portal (which names the same `center_code`); the
/// portal may reference only its own uploads that no record references yet. The deadline counts the center's working days for the kind from today
/// (`deadline.due_on`). The answer carries the tracking number and a 6-digit verification code
/// for the citizen: together they show the request's state and public answer. Send an
/// `Idempotency-Key` (the portal must): a retry replays the first answer and never records the
/// request twice.
#[utoipa::path(
    operation_id = "createCitizenRequest",
    tag = "citizen-requests",
    request_body = NewRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded: the tracking number and code to give the citizen, and the request (citizen masked)", body = Intake),
        (status = 400, description = "`validation_failed`: `citizen_name`/`citizen_phone` missing for a non-consultation (`required`) or invalid (`invalid`, `too_long`), `channel` not the caller's (`not_allowed`), `department_id`/`staff_id`/`matter` missing or not taken for what it `concerns` (`required`, `not_allowed`) or unknown (`unknown`), `center_code` unknown (`unknown`) or missing from the portal (`required`), `subject`/`description` blank or too long, `attachment_ids` more than 5 (`too_many`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: auditors do not record requests; `center_not_served`: the portal's token does not list the center, or staff named another center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`attachment_unavailable`: an attachment does not exist, was not uploaded by the caller (for this center), or, from the portal, is already referenced by a record; `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/citizen-requests")]
pub async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<NewRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    if let Caller::Staff(user) = &caller
        && !user
            .roles
            .iter()
            .any(|r| *r != crate::principal::Role::Auditor)
    {
        return Err(ApiError::forbidden());
    }
    let phone = check(&b, &caller)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center = center_of(conn, &caller, b.center_code.as_deref()).await?;
        check_concerns(conn, center.id, &b).await?;
        let now = state.clock.now();
        let today = center.today(&state.clock);
        let settings = store::settings(conn, center.id).await?;
        let days = settings.days(b.kind);
        let due = deadline::due_of(conn, center.id, today, days).await?.ok();
        let (owner, received_by, portal, state_now, actor) = match &caller {
            Caller::Staff(u) => (
                u.staff_id,
                u.staff_id,
                None,
                if u.staff_id.is_some() {
                    State::Accepted
                } else {
                    State::Received
                },
                Actor::from(u),
            ),
            Caller::Portal(p) => (
                None,
                None,
                Some(p.subject.clone()),
                State::Received,
                Actor::portal(p, center.id),
            ),
        };
        let mut row = RequestRow {
            id: Uuid::now_v7(),
            center_id: center.id,
            tracking_no: String::new(),
            kind: b.kind,
            channel: b.channel,
            state: state_now,
            concerns: b.concerns,
            department_id: b.department_id,
            staff_id: b.staff_id,
            matter: b.matter.as_deref().map(|m| m.trim().to_owned()),
            subject: b.subject.trim().to_owned(),
            description: b.description.trim().to_owned(),
            owner_id: owner,
            received_by,
            portal,
            received_at: now,
            received_on: today,
            deadline_days: days,
            paused_days: 0,
            paused_on: None,
            due_on: due,
            answer: None,
            refusal_reason: None,
            refusal_guidance: None,
            substantiated: None,
            finding_reason: None,
            overdue_escalated_at: None,
            closed_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        // Tracking numbers are random within the day: retry the rare collision.
        let mut stored = false;
        for _ in 0..8 {
            row.tracking_no = tracking_no(&row, today);
            if store::insert_if_new(conn, &row).await? {
                stored = true;
                break;
            }
        }
        if !stored {
            return Err(ApiError::internal());
        }
        store::insert_contact(
            conn,
            &contact(
                &state.vault,
                &row,
                b.citizen_name.as_deref(),
                phone.as_deref(),
            ),
        )
        .await?;
        let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
        store::insert_lookup(conn, row.id, &code_hash(&state.vault, row.id, &code)).await?;
        if let Some(owner) = owner {
            store::first_owner(conn, row.id, owner, "received", now).await?;
        }
        let target = (EntityType::CitizenRequest, row.id);
        match &caller {
            Caller::Staff(u) => {
                attachments::attach(conn, u, &b.attachment_ids, false, target, now).await?;
            }
            Caller::Portal(p) => {
                // Only its own uploads for this center that no record references yet.
                attachments::attach_portal(conn, (p, center.id), &b.attachment_ids, target, now)
                    .await?;
            }
        }
        audit::record(
            conn,
            AuditEntry::new(actor, "received", "citizen_request", row.id).after(&row),
        )
        .await?;
        let location = format!("/api/v1/citizen-requests/{}", row.id);
        let view = read::views(conn, &center, today, vec![row])
            .await?
            .remove(0);
        let body = Intake {
            tracking_no: view.tracking_no.clone(),
            verification_code: code,
            request: view,
        };
        Ok(Reply::json(StatusCode::CREATED, &body).header(header::LOCATION, location))
    })
    .await
}

/// The keyed hash a verification code is kept as (bound to its request).
pub fn code_hash(vault: &Vault, request_id: Uuid, code: &str) -> Vec<u8> {
    vault.blind_index(CODE_INDEX, &format!("{request_id}:{code}"))
}

fn tracking_no(row: &RequestRow, today: chrono::NaiveDate) -> String {
    let n: u32 = rand::thread_rng().gen_range(0..100_000);
    format!("{}{}-{n:05}", row.kind.prefix(), today.format("%Y%m%d"))
}

fn contact(vault: &Vault, row: &RequestRow, name: Option<&str>, phone: Option<&str>) -> ContactRow {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    ContactRow {
        request_id: row.id,
        center_id: row.center_id,
        name_enc: name.map(|n| vault.seal_text(NAME_PURPOSE, n)),
        phone_enc: phone.map(|p| vault.seal_text(PHONE_PURPOSE, p)),
        name_masked: name.map(privacy::mask_name),
        phone_masked: phone.map(privacy::mask_phone),
        phone_index: phone.map(|p| vault.blind_index(PHONE_INDEX, p)),
        anonymised_at: None,
    }
}

/// The body's own rules; returns the normalised phone.
fn check(b: &NewRequest, caller: &Caller) -> Result<Option<String>, ApiError> {
    let mut errs = Errors::default();
    let portal = matches!(caller, Caller::Portal(_));
    if portal && b.center_code.is_none() {
        errs.check(Some(FieldError::of("center_code", FieldCode::Required)));
    }
    match (portal, b.channel.is_portal()) {
        (true, false) => errs.check(Some(FieldError::of("channel", FieldCode::ChannelOfPortal))),
        (false, true) => errs.check(Some(FieldError::of("channel", FieldCode::ChannelOfStaff))),
        _ => &mut errs,
    };
    let needs_contact = b.kind != super::model::Kind::Consultation;
    match b.citizen_name.as_deref() {
        Some(n) => {
            errs.check(rules::text("citizen_name", n, 50));
        }
        None if needs_contact => {
            errs.check(Some(FieldError::of(
                "citizen_name",
                FieldCode::RequiredExceptConsultation,
            )));
        }
        None => {}
    }
    let phone = match b.citizen_phone.as_deref() {
        Some(p) => {
            let n = privacy::normalize_phone(p).filter(|_| p.chars().count() <= 20);
            if n.is_none() {
                errs.check(Some(FieldError::of(
                    "citizen_phone",
                    FieldCode::InvalidPhone,
                )));
            }
            n
        }
        None => {
            if needs_contact {
                errs.check(Some(FieldError::of(
                    "citizen_phone",
                    FieldCode::RequiredExceptConsultation,
                )));
            }
            None
        }
    };
    errs.check(rules::text("subject", &b.subject, 200));
    errs.check(rules::text("description", &b.description, 4000));
    let concerns = b.concerns.as_str();
    for (field, given, wanted) in [
        (
            "department_id",
            b.department_id.is_some(),
            Concerns::Department,
        ),
        ("staff_id", b.staff_id.is_some(), Concerns::Staff),
        ("matter", b.matter.is_some(), Concerns::Matter),
    ] {
        if given && b.concerns != wanted {
            errs.check(Some(
                FieldError::of(field, FieldCode::NotForConcerns).param("concerns", concerns),
            ));
        } else if !given && b.concerns == wanted {
            errs.check(Some(
                FieldError::of(field, FieldCode::RequiredForConcerns).param("concerns", concerns),
            ));
        }
    }
    if let Some(m) = b.matter.as_deref() {
        errs.check(rules::text("matter", m, 200));
    }
    if b.attachment_ids.len() > 5 {
        errs.check(Some(
            FieldError::of("attachment_ids", FieldCode::TooMany).param("max", 5),
        ));
    }
    errs.finish()?;
    Ok(phone)
}

/// The center the request is for: the portal names one its token lists; staff their own.
async fn center_of(
    conn: &mut AsyncPgConnection,
    caller: &Caller,
    code: Option<&str>,
) -> Result<Center, ApiError> {
    match caller {
        Caller::Staff(u) => {
            let center = org_store::center(conn, u.center_id).await?;
            match code {
                Some(c) if c != center.code => {
                    Err(ApiError::of(Code::CenterNotServed).param("center_code", c))
                }
                _ => Ok(center),
            }
        }
        Caller::Portal(p) => {
            let code = code.unwrap_or_default();
            if !p.serves(code) {
                return Err(ApiError::of(Code::CenterNotServed).param("center_code", code));
            }
            org_store::center_by_code(conn, code).await?.ok_or_else(|| {
                ApiError::invalid(FieldError::of("center_code", FieldCode::UnknownCenter))
            })
        }
    }
}

/// The department or staff member it concerns must be of the center.
async fn check_concerns(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    b: &NewRequest,
) -> Result<(), ApiError> {
    if let Some(d) = b.department_id {
        let dept = org_store::department(conn, center_id, d).await.optional()?;
        if !dept.is_some_and(|d| d.active) {
            return Err(ApiError::invalid(FieldError::of(
                "department_id",
                FieldCode::UnknownDepartment,
            )));
        }
    }
    if let Some(s) = b.staff_id
        && org_store::staff_by_id(conn, center_id, s)
            .await
            .optional()?
            .is_none()
    {
        return Err(ApiError::invalid(FieldError::of(
            "staff_id",
            FieldCode::UnknownStaff,
        )));
    }
    Ok(())
}
