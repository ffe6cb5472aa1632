//! The office puts another person on one day of a draft (R2, R14). Duty rotates by department
//! and nobody serves on consecutive working days: a replacement that breaks either rule is
//! refused unless the office names the rule in `confirm`, and then it stays marked on the
//! assignment (`overrides`).

use super::model::{AssignmentView, RosterRow, RosterStatus};
use super::reason::{Reason, RotationRule};
use super::rosters::{constraint_conflict, not_draft};
use super::settings;
use super::store;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::catalogue::Text;
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Phrase, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::principal::CurrentUser;
use crate::text_enum::TextEnum;
use crate::web::{check_version, if_match};
use actix_web::{HttpRequest, HttpResponse, put, web};
use chrono::{Days, NaiveDate};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceRequest {
    /// The eligible person to put on this day instead.
    pub staff_id: Uuid,
    /// Rotation rules the office knowingly overrides, one entry per rule: `other_department`
    /// (the person is not of the department whose turn the day is) and `consecutive_days` (the
    /// person is on duty the working day before or after too). A replacement that breaks a rule
    /// not named here is refused with 422. Naming a rule the replacement does not break changes
    /// nothing.
    #[serde(default)]
    #[schema(example = json!(["other_department"]))]
    pub confirm: Vec<RotationRule>,
}

/// A rotation rule a replacement breaks, with what to tell the office: the phrase for the
/// problem's `detail` and the field error asking to confirm it.
#[derive(Debug, Clone)]
pub struct Breach {
    pub rule: RotationRule,
    pub text: Text,
    pub field: FieldError,
}

/// What the replacement is checked against: the day's department and the person's.
pub struct Facts<'a> {
    pub person: &'a str,
    /// The department whose turn the day is (the assignment's `department_id`) and its name.
    pub turn: (Uuid, &'a str),
    /// The person's own department and its name.
    pub own: (Uuid, &'a str),
    /// The neighbouring working days on which the person is on duty already.
    pub next_to: &'a [NaiveDate],
}

/// The rules a replacement breaks, in a fixed order (`other_department` first).
pub fn breaches(f: &Facts<'_>) -> Vec<Breach> {
    let mut out = Vec::new();
    if f.own.0 != f.turn.0 {
        out.push(Breach {
            rule: RotationRule::OtherDepartment,
            text: Phrase::BreachOtherDepartment
                .text()
                .param("person", f.person)
                .param("own", f.own.1)
                .param("turn", f.turn.1),
            field: FieldError::of("confirm", FieldCode::OtherDepartment)
                .param("person", f.person)
                .param("own", f.own.1)
                .param("turn", f.turn.1),
        });
    }
    if let Some(first) = f.next_to.first() {
        // The working day before, after, or both.
        let both = f.next_to.get(1).map(|second| {
            Phrase::TwoDates
                .text()
                .param("first", first)
                .param("second", second)
        });
        let text = Phrase::BreachConsecutiveDays
            .text()
            .param("person", f.person);
        let field = FieldError::of("confirm", FieldCode::ConsecutiveDays).param("person", f.person);
        let (text, field) = match &both {
            Some(both) => (text.text("dates", both), field.text("dates", both)),
            None => (text.param("dates", first), field.param("dates", first)),
        };
        out.push(Breach {
            rule: RotationRule::ConsecutiveDays,
            text,
            field,
        });
    }
    out
}

/// The 422 for breaches the office did not confirm: `code` is the first rule's, `detail` names
/// every one, and `errors` has one entry per rule to confirm (`field` `confirm`, `code` the
/// rule), so a client can ask for all of them at once.
pub fn unconfirmed(breaches: &[&Breach]) -> ApiError {
    let code = match breaches.first().map(|b| b.rule) {
        Some(RotationRule::ConsecutiveDays) => Code::ConsecutiveDays,
        _ => Code::OtherDepartment,
    };
    ApiError::of(code)
        .phrases("breaches", breaches.iter().map(|b| b.text.clone()))
        .list(
            "rules",
            breaches.iter().map(|b| format!("\"{}\"", b.rule.as_str())),
        )
        .with_errors(breaches.iter().map(|b| b.field.clone()).collect())
}

/// The working days next to `date` (the one before and the one after, holidays and weekends
/// skipped) on which `staff` is already on duty.
async fn on_duty_next_to(
    conn: &mut AsyncPgConnection,
    roster: &RosterRow,
    date: NaiveDate,
    staff: Uuid,
    except: Uuid,
) -> Result<Vec<NaiveDate>, ApiError> {
    // No run of days off is longer than a month.
    let from = date.checked_sub_days(Days::new(31)).unwrap_or(date);
    let to = date.checked_add_days(Days::new(31)).unwrap_or(date);
    let cal = crate::calendar::store::load(conn, roster.center_id, from, to).await?;
    let working = cal.working_days(from, to);
    let neighbours: Vec<NaiveDate> = [
        working.iter().rev().find(|d| **d < date),
        working.iter().find(|d| **d > date),
    ]
    .into_iter()
    .flatten()
    .copied()
    .collect();
    Ok(store::on_duty_dates(
        conn,
        roster.center_id,
        (roster.id, roster.start_date, roster.end_date),
        &neighbours,
        staff,
        except,
    )
    .await?)
}

/// Put another person on one day of a draft (office admin).
///
/// The person must be eligible (in a department queue), not on approved leave that day, and not
/// already on duty that day in this roster. Duty rotates by department and nobody serves on
/// consecutive working days (R2): a person of another department than the one whose turn the
/// day is (`other_department`), or one on duty the working day before or after in this roster,
/// a published roster or a neighbouring draft (`consecutive_days`), is refused with 422 unless
/// `confirm` names each rule broken. A confirmed replacement keeps the day's `department_id`
/// (the day is still that department's turn), records the person's own department in
/// `reason.params` and the overridden rules in `overrides`; a later replacement that breaks no
/// rule clears them.
#[utoipa::path(
    operation_id = "replaceRosterAssignment",
    tag = "rosters",
    request_body = ReplaceRequest,
    params(
        ("id" = Uuid, Path, description = "Roster id"),
        ("assignment_id" = Uuid, Path, description = "Assignment id"),
        ("If-Match" = Option<String>, Header, description = "The assignment's ETag (its version); 412 if stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed assignment with its names; `ETag` set", body = AssignmentView),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "`unknown_field`, an unknown `confirm` value, or malformed body or id", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such roster or assignment in the caller's center", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`roster_published`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`not_eligible`, `on_leave` or `already_on_duty`; or a rotation rule broken and not confirmed: `other_department` (`detail` names the person's department and the department whose turn it is) or `consecutive_days` (`detail` names the dates). When both are broken, `code` is `other_department` and `errors` lists every rule to confirm (`field` `confirm`, `code` the rule)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/rosters/{id}/assignments/{assignment_id}")]
pub async fn replace(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ReplaceRequest>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let (roster_id, assignment_id) = path.into_inner();
    let ReplaceRequest { staff_id, confirm } = body.into_inner();
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let roster = store::roster_for_update(conn, user.center_id, roster_id).await?;
        let before = store::assignment_for_update(conn, user.center_id, assignment_id).await?;
        if before.roster_id != roster.id {
            return Err(ApiError::not_found());
        }
        check_version(expected, before.version)?;
        if roster.status != RosterStatus::Draft {
            return Err(not_draft());
        }
        let loaded = settings::load(conn, user.center_id, false).await?;
        let Some(own) = loaded.queues.iter().find(|q| q.members.contains(&staff_id)) else {
            return Err(ApiError::of(Code::NotEligible));
        };
        let on_leave = store::approved_leave(conn, user.center_id, before.date, before.date)
            .await?
            .iter()
            .any(|(s, _, _)| *s == staff_id);
        if on_leave {
            return Err(ApiError::of(Code::OnLeave));
        }
        if store::on_duty_elsewhere(
            conn,
            user.center_id,
            Some(roster.id),
            before.date,
            staff_id,
            before.id,
        )
        .await?
        {
            return Err(ApiError::of(Code::AlreadyOnDuty));
        }
        let next_to = on_duty_next_to(conn, &roster, before.date, staff_id, before.id).await?;
        let turn_name = loaded
            .queues
            .iter()
            .find(|q| q.department_id == before.department_id)
            .map(|q| q.name.clone());
        let turn_name = match turn_name {
            Some(n) => n,
            None => {
                crate::org::names::Names::load(conn, user.center_id, [], [before.department_id])
                    .await?
                    .department(before.department_id)
            }
        };
        let person = loaded
            .names
            .iter()
            .find(|n| n.0 == staff_id)
            .map_or_else(String::new, |n| n.1.clone());
        let found = breaches(&Facts {
            person: &person,
            turn: (before.department_id, &turn_name),
            own: (own.department_id, &own.name),
            next_to: &next_to,
        });
        let missing: Vec<&Breach> = found
            .iter()
            .filter(|b| !confirm.contains(&b.rule))
            .collect();
        if !missing.is_empty() {
            return Err(unconfirmed(&missing));
        }
        let overrides: Vec<RotationRule> = found.iter().map(|b| b.rule).collect();
        let reason = Reason::replaced_by_office(own.department_id);
        let after = store::replace_person(conn, before.id, staff_id, &reason, &overrides)
            .await
            .map_err(constraint_conflict)?;
        store::bump_roster(conn, roster.id).await?;
        audit::record(
            conn,
            AuditEntry::new(&user, "replaced", "duty_assignment", after.id)
                .before(&before)
                .after(&after),
        )
        .await?;
        let version = after.version;
        let view = AssignmentView::load(conn, user.center_id, vec![after])
            .await?
            .pop()
            .ok_or_else(ApiError::not_found)?;
        Ok(Reply::with_etag(&view, version))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Lang;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    #[test]
    fn both_rules_are_named_and_each_needs_its_own_confirmation_r2() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let next_to = [d(2), d(4)];
        let found = breaches(&Facts {
            person: "张三",
            turn: (a, "医保中心"),
            own: (b, "劳动就业中心"),
            next_to: &next_to,
        });
        let rules: Vec<_> = found.iter().map(|b| b.rule).collect();
        assert_eq!(
            rules,
            [RotationRule::OtherDepartment, RotationRule::ConsecutiveDays]
        );
        let e = unconfirmed(&found.iter().collect::<Vec<_>>());
        assert_eq!(e.code, "other_department");
        let (en, zh) = (e.detail(Lang::En), e.detail(Lang::Zh));
        assert!(en.contains("医保中心") && en.contains("on 2027-03-02 and 2027-03-04 as"));
        assert!(
            en.ends_with(r#"confirm with "confirm": ["other_department", "consecutive_days"]."#),
            "{en}"
        );
        assert!(
            zh.contains("轮到医保中心值班；张三在2027-03-02和2027-03-04也值班"),
            "{zh}"
        );
        assert!(!zh.contains(" and ") && !zh.contains("belongs"), "{zh}");
        assert_eq!(
            e.errors[0].message(Lang::Zh),
            "张三属于劳动就业中心，但当天轮到医保中心值班。"
        );
        assert!(e.unfilled().is_empty());
        let codes: Vec<_> = e.errors.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["other_department", "consecutive_days"]);
        let only_second = unconfirmed(&found[1..].iter().collect::<Vec<_>>());
        assert_eq!(only_second.code, "consecutive_days");
    }

    #[test]
    fn the_same_department_on_a_free_neighbourhood_breaks_nothing() {
        let a = Uuid::from_u128(1);
        let f = Facts {
            person: "x",
            turn: (a, "d"),
            own: (a, "d"),
            next_to: &[],
        };
        assert!(breaches(&f).is_empty());
    }
}
