//! Generating, regenerating and publishing drafts (R1–R3, R10, R11): the rotation continues from
//! the published roster before the period, and a draft whose inputs changed is never published.
//!
//! A draft records its **basis**: the published roster it continued from, the working days it
//! saw and the people it generated. Publishing runs the generator again on what is true now;
//! when the answer differs (a roster before it was published meanwhile, a holiday or closure was
//! entered, someone was put on leave or deactivated, the rotation settings changed) the draft is
//! stale and publishing is refused with `draft_stale`, saying what changed. `regenerate` makes
//! it fresh in one call.

use super::model::{Assignment, RosterRow, RosterStatus, ShortfallView};
use super::rosters::{constraint_conflict, not_draft};
use super::rotation::{self, RotationState};
use super::settings;
use super::store::{self, NewRoster};
use crate::error::{ApiError, Code, FieldCode, FieldError, Phrase, catalogue::Text};
use crate::web::check_version;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// What a draft was generated from; stored with the draft as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    /// The published roster the rotation continued from (`None`: the rotation's start).
    pub previous_roster: Option<Uuid>,
    /// The working days of the period, as the calendar had them.
    pub working_days: Vec<NaiveDate>,
    /// Who the generator put on each working day, slot by slot.
    pub generated: Vec<(NaiveDate, Vec<Uuid>)>,
}

/// Why a draft is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Another roster before this one was published (or withdrawn) since: the rotation would
    /// continue from a different point.
    PreviousRoster,
    /// Dates that became working days or stopped being ones.
    WorkingDays(Vec<NaiveDate>),
    /// The same days, other people: leave, deactivations or rotation settings changed.
    People(Vec<NaiveDate>),
}

/// Compares a draft's basis with a fresh one; empty when the draft is still right. A basis
/// without generated days (a draft made before bases were recorded) is always stale.
pub fn changes(old: &Basis, new: &Basis) -> Vec<Change> {
    let mut out = Vec::new();
    if old.previous_roster != new.previous_roster {
        out.push(Change::PreviousRoster);
    }
    let a: BTreeSet<_> = old.working_days.iter().collect();
    let b: BTreeSet<_> = new.working_days.iter().collect();
    let moved: Vec<NaiveDate> = a.symmetric_difference(&b).map(|d| **d).collect();
    if !moved.is_empty() {
        out.push(Change::WorkingDays(moved));
    }
    let before: BTreeMap<_, _> = old.generated.iter().cloned().collect();
    let after: BTreeMap<_, _> = new.generated.iter().cloned().collect();
    let people: Vec<NaiveDate> = after
        .iter()
        .filter(|(d, who)| before.get(*d).is_some_and(|w| w != *who))
        .map(|(d, _)| *d)
        .collect();
    if !people.is_empty() {
        out.push(Change::People(people));
    }
    if out.is_empty() && old.generated.is_empty() && !new.generated.is_empty() {
        out.push(Change::PreviousRoster);
    }
    out
}

/// The dates a list of changes touches (all of them for [`Change::PreviousRoster`]: `None`).
pub fn changed_dates(changes: &[Change]) -> Option<BTreeSet<NaiveDate>> {
    let mut dates = BTreeSet::new();
    for c in changes {
        match c {
            Change::PreviousRoster => return None,
            Change::WorkingDays(d) | Change::People(d) => dates.extend(d.iter().copied()),
        }
    }
    Some(dates)
}

/// Fills `name` in `t` with the dates, only the first ten shown when there are more.
fn with_dates(t: Text, name: &str, d: &[NaiveDate]) -> Text {
    if d.len() > 10 {
        let more = Phrase::MoreDates
            .text()
            .list("dates", &d[..10])
            .param("count", d.len());
        t.text(name, &more)
    } else {
        t.list(name, d)
    }
}

/// The 409 for a stale draft `id`: what changed, in both languages; `conflicts` names the
/// draft's assignments on the changed dates.
pub fn stale(id: Uuid, changes: &[Change], assignments: &[Assignment]) -> ApiError {
    let reasons = changes.iter().map(|c| match c {
        Change::PreviousRoster => Phrase::PreviousRosterChanged.text(),
        Change::WorkingDays(d) => with_dates(Phrase::WorkingDaysChanged.text(), "dates", d),
        Change::People(d) => with_dates(Phrase::PeopleChanged.text(), "dates", d),
    });
    let touched = changed_dates(changes);
    ApiError::of(Code::DraftStale)
        .param("id", id)
        .phrases("changes", reasons)
        .with_conflicts(
            assignments
                .iter()
                .filter(|a| touched.as_ref().is_none_or(|t| t.contains(&a.date)))
                .map(|a| a.id)
                .collect(),
        )
}

/// The 422 for dates in years without statutory holiday data.
pub fn holidays_not_loaded(years: &[i32]) -> ApiError {
    ApiError::of(Code::HolidaysNotLoaded).list("years", years)
}

fn corrupt(roster: Uuid, e: serde_json::Error) -> ApiError {
    tracing::error!(%roster, error = %e, "stored rotation state is corrupt");
    ApiError::of(Code::RotationStateCorrupt)
}

/// A stored rotation state; corrupt state is an error, never a silent restart of the rotation.
pub fn parse_state(roster: Uuid, v: &serde_json::Value) -> Result<RotationState, ApiError> {
    serde_json::from_value(v.clone()).map_err(|e| corrupt(roster, e))
}

/// The generator's answer for a period, on what is true now.
pub struct Plan {
    pub state: RotationState,
    pub unit: rotation::Unit,
    pub per_day: u32,
    pub assignments: Vec<rotation::Assignment>,
    pub shortfalls: Vec<ShortfallView>,
    pub basis: Basis,
    /// Years of the period without statutory holiday data.
    pub years_without_holidays: Vec<i32>,
    /// The settings, queues and active staff the generator ran on.
    pub loaded: settings::Loaded,
    /// Approved leave overlapping the period: `(staff, start, end)`.
    pub leave: Vec<(Uuid, NaiveDate, NaiveDate)>,
}

/// Runs the generator for `[start, end]` on the current settings, calendar, leave and the
/// published roster before `start`.
pub async fn plan(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    start: NaiveDate,
    end: NaiveDate,
    lock_settings: bool,
) -> Result<Plan, ApiError> {
    let loaded = settings::load(conn, center_id, lock_settings).await?;
    let prev = store::last_published_before(conn, center_id, start).await?;
    let state = match &prev {
        Some(p) => match &p.end_state {
            Some(s) => parse_state(p.id, s)?,
            None => {
                return Err(corrupt(
                    p.id,
                    serde::de::Error::custom("published roster without end state"),
                ));
            }
        },
        None => RotationState::default(),
    };
    let leave = store::approved_leave(conn, center_id, start, end).await?;
    let calendar = crate::calendar::store::load(conn, center_id, start, end).await?;
    let days = calendar.working_days(start, end);
    let unit = loaded.settings.unit;
    let per_day = loaded.settings.supervisors_per_day.max(1) as u32;
    let out = rotation::generate(rotation::Input {
        days: &days,
        departments: &loaded.queues,
        per_day,
        unit,
        unavailable: |staff, date| {
            leave
                .iter()
                .any(|(s, a, b)| *s == staff && *a <= date && date <= *b)
        },
        state: &state,
    });
    let mut generated: BTreeMap<NaiveDate, Vec<Uuid>> =
        days.iter().map(|d| (*d, Vec::new())).collect();
    for a in &out.assignments {
        generated.entry(a.date).or_default().push(a.staff_id);
    }
    Ok(Plan {
        unit,
        per_day,
        shortfalls: out
            .shortfalls
            .iter()
            .map(|s| ShortfallView {
                date: s.date,
                missing: s.missing,
            })
            .collect(),
        basis: Basis {
            previous_roster: prev.map(|p| p.id),
            working_days: days,
            generated: generated.into_iter().collect(),
        },
        years_without_holidays: calendar.years_without_holidays(start, end),
        assignments: out.assignments,
        state,
        loaded,
        leave,
    })
}

/// The years a request leaves unconfirmed: refused unless `confirm` is given.
pub fn check_years(plan: &Plan, confirmed: &[i32], confirm: bool) -> Result<Vec<i32>, ApiError> {
    let missing: Vec<i32> = plan
        .years_without_holidays
        .iter()
        .copied()
        .filter(|y| !confirmed.contains(y))
        .collect();
    if !missing.is_empty() && !confirm {
        return Err(holidays_not_loaded(&missing));
    }
    Ok(plan.years_without_holidays.clone())
}

fn rows(plan: &Plan, center_id: Uuid, roster_id: Uuid) -> Vec<Assignment> {
    plan.assignments
        .iter()
        .map(|a| Assignment {
            id: Uuid::now_v7(),
            center_id,
            roster_id,
            date: a.date,
            slot: a.slot as i32,
            staff_id: a.staff_id,
            department_id: a.department_id,
            reason: a.reason.clone(),
            overrides: Vec::new(),
            substitute_id: None,
            published: false,
            version: 1,
        })
        .collect()
}

fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("plain data serialises")
}

/// Generates a draft and stores it; shared by the API, the demo data and the benchmark.
/// Refused with `holidays_not_loaded` for years without holiday data unless `confirm`.
pub async fn generate(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    created_by: Option<Uuid>,
    start: NaiveDate,
    end: NaiveDate,
    confirm_missing_holidays: bool,
) -> Result<(RosterRow, Vec<Assignment>), ApiError> {
    let plan = plan(conn, center_id, start, end, true).await?;
    let confirmed = check_years(&plan, &[], confirm_missing_holidays)?;
    let roster_id = Uuid::now_v7();
    let assignments = rows(&plan, center_id, roster_id);
    let row = store::insert_roster(
        conn,
        NewRoster {
            id: roster_id,
            center_id,
            start,
            end,
            unit: plan.unit,
            per_day: plan.per_day as i32,
            start_state: json(&plan.state),
            shortfalls: json(&plan.shortfalls),
            created_by,
            basis: json(&plan.basis),
            confirmed_missing_holidays: &confirmed,
        },
        &assignments,
    )
    .await?;
    Ok((row, assignments))
}

/// Generates a draft again on what is true now, replacing its assignments (edits included).
/// Years confirmed before stay confirmed.
pub async fn regenerate(
    conn: &mut AsyncPgConnection,
    draft: &RosterRow,
    confirm_missing_holidays: bool,
) -> Result<(RosterRow, Vec<Assignment>), ApiError> {
    let plan = plan(
        conn,
        draft.center_id,
        draft.start_date,
        draft.end_date,
        true,
    )
    .await?;
    let confirmed = check_years(
        &plan,
        &draft.confirmed_missing_holidays,
        confirm_missing_holidays,
    )?;
    let assignments = rows(&plan, draft.center_id, draft.id);
    let row = store::replace_draft(
        conn,
        draft.id,
        NewRoster {
            id: draft.id,
            center_id: draft.center_id,
            start: draft.start_date,
            end: draft.end_date,
            unit: plan.unit,
            per_day: plan.per_day as i32,
            start_state: json(&plan.state),
            shortfalls: json(&plan.shortfalls),
            created_by: draft.created_by,
            basis: json(&plan.basis),
            confirmed_missing_holidays: &confirmed,
        },
        &assignments,
    )
    .await?;
    Ok((row, assignments))
}

/// Refuses to publish a draft that is no longer what the generator would give, that reaches into
/// years without holiday data nobody confirmed, or that a later published roster already
/// continues past. Returns the fresh plan (its settings and leave serve the caller's checks).
pub async fn check_fresh(
    conn: &mut AsyncPgConnection,
    draft: &RosterRow,
    assignments: &[Assignment],
) -> Result<Plan, ApiError> {
    if store::published_after(conn, draft.center_id, draft.end_date).await? {
        return Err(ApiError::of(Code::RosterOutOfOrder));
    }
    let now = plan(
        conn,
        draft.center_id,
        draft.start_date,
        draft.end_date,
        false,
    )
    .await?;
    check_years(&now, &draft.confirmed_missing_holidays, false)?;
    let old: Basis = serde_json::from_value(draft.basis.clone()).unwrap_or_default();
    let found = changes(&old, &now.basis);
    if !found.is_empty() {
        return Err(stale(draft.id, &found, assignments));
    }
    Ok(now)
}

/// Publishes a draft: checks it is still what the generator gives and that nobody on it is now
/// on leave or inactive, then fixes where the rotation stands at its end, so the next roster
/// continues from there.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    id: Uuid,
    expected: Option<i32>,
    by: Option<Uuid>,
    confirm_short_days: &[NaiveDate],
) -> Result<(RosterRow, RosterRow), ApiError> {
    let before = store::roster_for_update(conn, center_id, id).await?;
    check_version(expected, before.version)?;
    if before.status != RosterStatus::Draft {
        return Err(not_draft());
    }
    let assignments = store::roster_assignments(conn, id).await?;
    let Plan { loaded, leave, .. } = check_fresh(conn, &before, &assignments).await?;
    // Office edits may name people who went on leave or were deactivated since.
    let blocked: Vec<Uuid> = assignments
        .iter()
        .filter(|a| {
            let on_leave = leave
                .iter()
                .any(|(s, from, to)| *s == a.staff_id && *from <= a.date && a.date <= *to);
            let active = loaded.names.iter().any(|n| n.0 == a.staff_id);
            on_leave || !active
        })
        .map(|a| a.id)
        .collect();
    if !blocked.is_empty() {
        return Err(ApiError::of(Code::RosterConflicts).with_conflicts(blocked));
    }
    // R10: days below the minimum on duty go out only when the office confirms each of them.
    let short: Vec<NaiveDate> = before.view().shortfalls.iter().map(|s| s.date).collect();
    let unconfirmed: Vec<NaiveDate> = short
        .iter()
        .filter(|d| !confirm_short_days.contains(d))
        .copied()
        .collect();
    if !unconfirmed.is_empty() {
        return Err(ApiError::of(Code::BelowMinimum)
            .list("dates", &unconfirmed)
            .with_errors(vec![
                FieldError::of("confirm_short_days", FieldCode::Unconfirmed)
                    .list("dates", &unconfirmed),
            ]));
    }
    let start = parse_state(before.id, &before.start_state)?;
    let done: Vec<rotation::Assignment> = assignments
        .iter()
        .map(|a| rotation::Assignment {
            date: a.date,
            slot: a.slot as u32,
            staff_id: a.staff_id,
            department_id: a.department_id,
            reason: a.reason.clone(),
        })
        .collect();
    let end_state = rotation::replay(&start, &loaded.queues, before.unit, &done);
    let after = store::publish_roster(
        conn,
        id,
        serde_json::to_value(&end_state).expect("plain data serialises"),
        by,
        &short,
    )
    .await
    .map_err(constraint_conflict)?;
    Ok((before, after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Lang;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    fn basis(prev: Option<Uuid>, days: &[(u32, u128)]) -> Basis {
        Basis {
            previous_roster: prev,
            working_days: days.iter().map(|(x, _)| d(*x)).collect(),
            generated: days
                .iter()
                .map(|(x, p)| (d(*x), vec![Uuid::from_u128(*p)]))
                .collect(),
        }
    }

    #[test]
    fn the_same_basis_is_fresh() {
        let b = basis(None, &[(1, 1), (2, 2)]);
        assert!(changes(&b, &b.clone()).is_empty());
    }

    #[test]
    fn a_roster_published_before_makes_the_draft_stale_on_every_date() {
        let old = basis(None, &[(1, 1), (2, 2)]);
        let new = basis(Some(Uuid::from_u128(9)), &[(1, 1), (2, 2)]);
        let c = changes(&old, &new);
        assert_eq!(c, [Change::PreviousRoster]);
        assert_eq!(changed_dates(&c), None);
    }

    #[test]
    fn a_new_holiday_and_other_people_are_named_by_date() {
        let old = basis(None, &[(1, 1), (2, 2), (3, 3)]);
        let new = basis(None, &[(1, 1), (3, 2)]);
        let c = changes(&old, &new);
        assert_eq!(
            c,
            [Change::WorkingDays(vec![d(2)]), Change::People(vec![d(3)])]
        );
        assert_eq!(changed_dates(&c), Some([d(2), d(3)].into_iter().collect()));
        let e = stale(Uuid::from_u128(7), &c, &[]);
        assert_eq!(e.code, "draft_stale");
        let (en, zh) = (e.detail(Lang::En), e.detail(Lang::Zh));
        assert!(en.contains("changed on 2027-03-02"), "{en}");
        assert!(
            zh.contains("可值班人员已变化（请假、停用或轮换设置）：2027-03-03"),
            "{zh}"
        );
        assert!(
            en.contains(&format!("/rosters/{}/regenerate", Uuid::from_u128(7))),
            "{en}"
        );
        assert!(e.unfilled().is_empty());
    }

    #[test]
    fn a_long_list_of_dates_shows_ten_and_counts_all_in_either_language() {
        let many: Vec<NaiveDate> = (1..=12).map(d).collect();
        let e = stale(Uuid::from_u128(7), &[Change::People(many)], &[]);
        let (en, zh) = (e.detail(Lang::En), e.detail(Lang::Zh));
        assert!(en.contains("2027-03-10 … (12 dates)"), "{en}");
        assert!(!en.contains("2027-03-11"), "{en}");
        assert!(
            zh.contains("2027-03-09、2027-03-10 等，共 12 个日期"),
            "{zh}"
        );
        assert!(!zh.contains("dates"), "{zh}");
    }

    #[test]
    fn a_draft_without_a_recorded_basis_is_stale() {
        let new = basis(None, &[(1, 1)]);
        assert!(!changes(&Basis::default(), &new).is_empty());
        let empty = Basis::default();
        assert!(
            changes(&empty, &empty).is_empty(),
            "an empty period stays fresh"
        );
    }

    #[test]
    fn corrupt_state_is_an_error() {
        let id = Uuid::from_u128(1);
        assert!(parse_state(id, &serde_json::json!({})).is_ok());
        let e = parse_state(id, &serde_json::json!({"rounds": 5})).unwrap_err();
        assert_eq!(e.code, "rotation_state_corrupt");
        assert!(parse_state(id, &serde_json::json!("garbage")).is_err());
    }
}
