//! What every way of rating shares: checking the body, naming what is rated, and recording a
//! rating with the follow-up a bad one opens.
//!
//! Audit: entity type `rating`, action `rated` (`after`: the rating row: no personal data);
//! a follow-up opened: entity type `rating_follow_up`, action `opened`.

use super::follow_up::{CALL_BACK_WORKING_DAYS, FollowUpState};
use super::model::{BAD, FollowUpRow, RatingRow, Receipt, Scale, ServiceEvent, Via};
use super::store;
use crate::audit::{self, AuditEntry};
use crate::citizen::deadline;
use crate::citizen::model::State as RequestState;
use crate::citizen::store as citizen_store;
use crate::error::{ApiError, Code, FieldCode, FieldError};
use crate::org::rules::{self, Errors};
use crate::org::store as org_store;
use crate::outbox::{self, Event};
use crate::principal::Actor;
use crate::text_enum::TextEnum;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;
use serde_json::json;
use uuid::Uuid;

/// The rated thing, checked: its key (one rating per key and round) and what the rating records.
#[derive(Debug, Clone)]
pub struct Rated {
    pub key: String,
    pub request_id: Option<Uuid>,
    /// The rated staff member (the window's, or the request's owner).
    pub staff_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub matter: Option<String>,
    pub served_at: Option<DateTime<Utc>>,
    /// The portal client that sent the request in, if it came from the portal.
    pub request_portal: Option<String>,
}

/// The key of a service event: staff member, department, time (to the second) and matter.
pub fn service_key(s: &ServiceEvent) -> String {
    let dept = s
        .department_id
        .map_or_else(|| "-".to_owned(), |d| d.to_string());
    format!(
        "service:{}:{dept}:{}:{}",
        s.staff_id,
        s.served_at.timestamp(),
        s.matter.trim()
    )
}

/// The rating's own rules: the level (1–5) and the comment (at most 500 characters).
pub fn check_rating(errs: &mut Errors, level: i32, comment: Option<&str>) {
    errs.check(rules::range("level", level, 1, 5));
    if let Some(c) = comment
        && c.trim().chars().count() > 500
    {
        errs.check(Some(
            FieldError::of("comment", FieldCode::TooLong).param("max", 500),
        ));
    }
}

/// What is rated: exactly one of a request and a service event (its matter, not in the future).
pub fn check_subject(
    errs: &mut Errors,
    request_id: Option<Uuid>,
    service: Option<&ServiceEvent>,
    now: DateTime<Utc>,
) {
    match (request_id, service) {
        (Some(_), None) => {}
        (None, Some(s)) => {
            errs.check(rules::text("service.matter", &s.matter, 200));
            if s.served_at > now {
                errs.check(Some(FieldError::of(
                    "service.served_at",
                    FieldCode::InFuture,
                )));
            }
        }
        _ => {
            errs.check(Some(FieldError::of(
                "request_id",
                FieldCode::OneRatingSubject,
            )));
        }
    }
}

/// The subject of the center: a request (404 if not of the center; 409 unless answered or
/// closed) or a service event (its staff member and department of the center).
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    request_id: Option<Uuid>,
    service: Option<&ServiceEvent>,
) -> Result<Rated, ApiError> {
    if let Some(id) = request_id {
        let r = citizen_store::find(conn, center_id, id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        if !matches!(r.state, RequestState::Answered | RequestState::Closed) {
            return Err(ApiError::of(Code::RequestNotAnswered).param("state", r.state.as_str()));
        }
        return Ok(Rated {
            key: format!("request:{id}"),
            request_id: Some(id),
            staff_id: r.owner_id,
            department_id: r.department_id,
            matter: None,
            served_at: None,
            request_portal: r.portal,
        });
    }
    let Some(s) = service else {
        return Err(ApiError::invalid(FieldError::of(
            "request_id",
            FieldCode::OneRatingSubject,
        )));
    };
    if org_store::staff_by_id(conn, center_id, s.staff_id)
        .await
        .optional()?
        .is_none()
    {
        return Err(ApiError::invalid(FieldError::of(
            "service.staff_id",
            FieldCode::UnknownStaff,
        )));
    }
    if let Some(d) = s.department_id
        && org_store::department(conn, center_id, d)
            .await
            .optional()?
            .is_none()
    {
        return Err(ApiError::invalid(FieldError::of(
            "service.department_id",
            FieldCode::UnknownDepartment,
        )));
    }
    Ok(Rated {
        key: service_key(s),
        request_id: None,
        staff_id: Some(s.staff_id),
        department_id: s.department_id,
        matter: Some(s.matter.trim().to_owned()),
        served_at: Some(s.served_at),
        request_portal: None,
    })
}

/// Whether `key` may be rated now: the round a new rating gets and the rating it supersedes.
/// 409 `already_rated` while the current rating stands (a bad one's follow-up not closed).
pub async fn next_round(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    key: &str,
) -> Result<(i32, Option<RatingRow>), ApiError> {
    let Some(cur) = store::current(conn, center_id, key).await? else {
        return Ok((1, None));
    };
    match store::follow_up_of(conn, cur.id).await? {
        Some(f) if f.state == FollowUpState::Closed => Ok((cur.round + 1, Some(cur))),
        _ => Err(ApiError::of(Code::AlreadyRated)),
    }
}

/// A rating to record.
pub struct Rating<'a> {
    pub center_id: Uuid,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub rated: &'a Rated,
    pub level: i32,
    pub comment: Option<&'a str>,
    pub via: Via,
    /// The portal client submitting it (`via` portal).
    pub portal: Option<&'a str>,
}

/// Records a rating in the caller's transaction: the round check (409), the row, the earlier
/// rating marked superseded, and for a bad rating its follow-up (due in
/// [`CALL_BACK_WORKING_DAYS`]; assigned to the request's owner, else waiting for the office)
/// with the portal's `rating.follow_up_opened` event. All audited.
pub async fn record(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    r: Rating<'_>,
) -> Result<Receipt, ApiError> {
    let (round, earlier) = next_round(conn, r.center_id, &r.rated.key).await?;
    let row = RatingRow {
        id: Uuid::now_v7(),
        center_id: r.center_id,
        subject_key: r.rated.key.clone(),
        round,
        level: r.level,
        comment: r
            .comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        request_id: r.rated.request_id,
        staff_id: r.rated.staff_id,
        department_id: r.rated.department_id,
        matter: r.rated.matter.clone(),
        served_at: r.rated.served_at,
        via: r.via,
        portal: r.portal.map(str::to_owned),
        superseded_by: None,
        created_at: r.now,
    };
    if !store::insert_rating(conn, &row).await? {
        return Err(ApiError::of(Code::AlreadyRated));
    }
    if let Some(e) = &earlier {
        store::supersede(conn, e.id, row.id).await?;
    }
    audit::record(
        conn,
        AuditEntry::new(actor.clone(), "rated", "rating", row.id).after(&row),
    )
    .await?;
    let mut opened = false;
    if r.level <= BAD {
        let due = deadline::due_of(conn, r.center_id, r.today, CALL_BACK_WORKING_DAYS)
            .await?
            .ok();
        let f = store::insert_follow_up(
            conn,
            &FollowUpRow {
                id: Uuid::now_v7(),
                center_id: r.center_id,
                rating_id: row.id,
                state: FollowUpState::Open,
                assignee_id: r.rated.request_id.and(r.rated.staff_id),
                due_on: due,
                decided_by: None,
                decision_note: String::new(),
                portal: row.portal.clone(),
                created_at: r.now,
                updated_at: r.now,
            },
        )
        .await?;
        audit::record(
            conn,
            AuditEntry::new(actor, "opened", "rating_follow_up", f.id).after(&f),
        )
        .await?;
        if let Some(p) = &f.portal {
            outbox::enqueue(
                conn,
                Event {
                    center_id: r.center_id,
                    portal: p,
                    kind: "rating.follow_up_opened",
                    entity_id: row.id,
                    payload: json!({
                        "rating_id": row.id,
                        "follow_up_id": f.id,
                        "request_id": row.request_id,
                        "level": row.level,
                        "state": f.state,
                        "due_on": f.due_on,
                    }),
                },
            )
            .await?;
        }
        opened = true;
    }
    Ok(Receipt {
        id: row.id,
        level: row.level,
        scale: Scale::of(row.level).unwrap_or(Scale::VeryDissatisfied),
        round: row.round,
        follow_up_opened: opened,
    })
}
