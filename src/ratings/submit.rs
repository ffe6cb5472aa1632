//! Submitting a rating: `POST /ratings` by the regional portal, `POST /ratings/by-link` by the
//! citizen's phone with a one-time link. Neither answer holds personal data.

use super::model::{LinkRating, NewRating, Receipt, ServiceEvent, Via};
use super::rate::{self, Rated, Rating};
use super::store;
use crate::AppState;
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::rules::{self, Errors};
use crate::org::store as org_store;
use crate::principal::{Actor, Caller};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use sha2::{Digest, Sha256};

/// Rate a citizen's request or a window service (好差评), as the regional portal.
///
/// `level` is on the national five-level scale: 5 非常满意, 4 满意, 3 基本满意, 2 不满意,
/// 1 非常不满意. Exactly one of `request_id` (a request this portal sent in, answered or
/// closed) and `service` (one service event: staff member, department, matter and time) is
/// rated, at most once: a second rating is refused (409 `already_rated`) unless the follow-up of
/// a bad rating has been closed, when the new rating supersedes the earlier one (both kept). A
/// rating of 2 or 1 opens a follow-up (a call back within 2 working days) and the portal hears
/// of it by webhook (`rating.follow_up_opened`, then `rating.follow_up_closed`). Send an
/// `Idempotency-Key`: a retry replays the first answer.
#[utoipa::path(
    operation_id = "createRating",
    tag = "ratings",
    request_body = NewRating,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded (no personal data)", body = Receipt),
        (status = 400, description = "`validation_failed`: `level` not 1–5 (`out_of_range`), `comment` over 500 characters (`too_long`), not exactly one of `request_id` and `service` (`required`), `service.matter` blank or too long, `service.served_at` in the future (`in_future`), `service.staff_id`/`service.department_id` not of the center (`unknown`), `center_code` unknown (`unknown`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only the portal submits ratings here (staff hand out links); `center_not_served`: the token does not list the center", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such request of the center sent in by this portal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_rated`; `request_not_answered`: the request is not answered or closed; `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/ratings")]
pub async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    idem: Idem,
    body: web::Json<NewRating>,
) -> ApiResult<HttpResponse> {
    let Caller::Portal(portal) = caller else {
        return Err(ApiError::forbidden());
    };
    let b = body.into_inner();
    let now = state.clock.now();
    let mut errs = Errors::default();
    rate::check_rating(&mut errs, b.level, b.comment.as_deref());
    rate::check_subject(&mut errs, b.request_id, b.service.as_ref(), now);
    errs.finish()?;
    if !portal.serves(&b.center_code) {
        return Err(ApiError::of(Code::CenterNotServed).param("center_code", &b.center_code));
    }
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center = org_store::center_by_code(conn, &b.center_code)
            .await?
            .ok_or_else(|| {
                ApiError::invalid(FieldError::of("center_code", FieldCode::UnknownCenter))
            })?;
        let rated = rate::resolve(conn, center.id, b.request_id, b.service.as_ref()).await?;
        if rated.request_id.is_some() && rated.request_portal.as_deref() != Some(&portal.subject) {
            return Err(ApiError::not_found());
        }
        let receipt = rate::record(
            conn,
            Actor::portal(&portal, center.id),
            Rating {
                center_id: center.id,
                today: center.today(&state.clock),
                now,
                rated: &rated,
                level: b.level,
                comment: b.comment.as_deref(),
                via: Via::Portal,
                portal: Some(&portal.subject),
            },
        )
        .await?;
        Ok(Reply::json(StatusCode::CREATED, &receipt))
    })
    .await
}

/// The SHA-256 of a link's token: all that is kept of it.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Rate through a one-time link (the QR code staff gave the citizen); no authentication.
///
/// The token is used exactly once: of two uses at the same time one wins, the other gets 409
/// `rating_link_used`. Same scale, comment and follow-up rules as `createRating`; the answer
/// holds no personal data.
#[utoipa::path(
    operation_id = "createRatingByLink",
    tag = "ratings",
    request_body = LinkRating,
    responses(
        (status = 201, description = "Recorded (no personal data)", body = Receipt),
        (status = 400, description = "`validation_failed`: `level` not 1–5 (`out_of_range`), `comment` over 500 characters (`too_long`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such link", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`rating_link_used`: the link was used already; `already_rated`: the request or service was rated meanwhile; `request_not_answered`: the request was reopened", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`rating_link_expired`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/ratings/by-link")]
pub async fn by_link(
    state: web::Data<AppState>,
    body: web::Json<LinkRating>,
) -> ApiResult<HttpResponse> {
    let b = body.into_inner();
    let now = state.clock.now();
    let mut errs = Errors::default();
    errs.check(rules::text("token", &b.token, 100));
    rate::check_rating(&mut errs, b.level, b.comment.as_deref());
    errs.finish()?;
    let hash = token_hash(b.token.trim());
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &Idem::none(), async |conn| {
        let Some(link) = store::consume_link(conn, &hash, now).await? else {
            return Err(match store::link(conn, &hash).await? {
                None => ApiError::not_found(),
                Some(l) if l.used_at.is_some() => ApiError::of(Code::RatingLinkUsed),
                Some(_) => ApiError::of(Code::RatingLinkExpired),
            });
        };
        let center = org_store::center(conn, link.center_id).await?;
        let rated: Rated = match (
            link.request_id,
            &link.served_at,
            &link.staff_id,
            &link.matter,
        ) {
            (Some(id), _, _, _) => rate::resolve(conn, center.id, Some(id), None).await?,
            (None, Some(at), Some(staff), Some(matter)) => {
                let s = ServiceEvent {
                    staff_id: *staff,
                    department_id: link.department_id,
                    matter: matter.clone(),
                    served_at: *at,
                };
                rate::resolve(conn, center.id, None, Some(&s)).await?
            }
            _ => return Err(ApiError::internal()),
        };
        let receipt = rate::record(
            conn,
            Actor {
                center_id: center.id,
                actor_id: None,
                label: format!("link:{}", link.id),
            },
            Rating {
                center_id: center.id,
                today: center.today(&state.clock),
                now,
                rated: &rated,
                level: b.level,
                comment: b.comment.as_deref(),
                via: Via::Link,
                portal: None,
            },
        )
        .await?;
        store::link_used_for(conn, link.id, receipt.id).await?;
        Ok(Reply::json(StatusCode::CREATED, &receipt))
    })
    .await
}
