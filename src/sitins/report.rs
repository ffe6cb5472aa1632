//! The weekly compliance report (R15): which departments' leaders planned on time and sat at
//! least one day, with the facts the office needs for its notice (通报).

use super::checks;
use super::compliance::{self, PlanFact, SatFact};
use super::model::{ComplianceReport, DepartmentCompliance, LeaderFacts, PlanSummary};
use super::store;
use crate::AppState;
use crate::calendar::store as cal_store;
use crate::error::{ApiError, ApiResult, Problem};
use crate::export::{self, Format, Table};
use crate::org::store as org_store;
use crate::principal::CurrentUser;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// The Monday of the week, `YYYY-MM-DD` (required).
    #[param(value_type = String, format = Date, required = true, example = "2026-12-07")]
    pub week: Option<String>,
    /// `json` (default), `csv` (UTF-8 with BOM) or `xlsx`: one row per department.
    pub format: Option<Format>,
}

/// Each active department's sit-in compliance for a week (R15; every role of the center may read).
///
/// A department complies when at least one of its leaders filed a plan for the week on time
/// **and** at least one of its leaders was recorded as sitting at least one day of it.
/// Plans and sit-ins count for the department the leader belonged to when they were filed or
/// recorded; a department's leaders are its current active leaders plus anyone counted that
/// way. Departments without any leader are listed as not compliant with reason `no_leaders`
/// (so the office sees them). In a week without working days no sit-in is due and every
/// department complies.
#[utoipa::path(
    operation_id = "getSitInCompliance",
    tag = "sit-ins",
    params(ComplianceQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every active department, in rotation order (JSON), or one row per department as a CSV or XLSX download", headers(("X-Data-Staleness" = u32, description = "Upper bound, in whole seconds, of how old the data may be: `0` when the primary served it, else the read replica's measured lag (see docs/scaling.md)")), content(
            (ComplianceReport = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "`validation_failed`: `week` missing, not a date or not a Monday", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/leader-sit-ins/compliance")]
pub async fn compliance_report(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<ComplianceQuery>,
) -> ApiResult<HttpResponse> {
    let week =
        checks::week("week", query.week.as_deref()).map_err(|e| ApiError::validation(vec![e]))?;
    let end = compliance::week_end(week);
    let center = user.center_id;
    let mut conn = state.read_conn().await?;
    let cal = cal_store::load(&mut conn, center, week, end).await?;
    let days_before = checks::deadline_days_before(&mut conn, center).await?;
    let departments = org_store::active_departments(&mut conn, center).await?;
    let leaders = store::current_leaders(&mut conn, center).await?;
    let plans = store::plans_of_week(&mut conn, center, week).await?;
    let sat = store::attendance_between(&mut conn, center, week, end).await?;

    let mut names: HashMap<Uuid, (String, String)> = leaders
        .iter()
        .map(|(id, _, name, no)| (*id, (name.clone(), no.clone())))
        .collect();
    let missing: BTreeSet<Uuid> = plans
        .iter()
        .map(|p| p.leader_id)
        .chain(sat.iter().map(|s| s.leader_id))
        .filter(|id| !names.contains_key(id))
        .collect();
    let missing: Vec<Uuid> = missing.into_iter().collect();
    for s in org_store::staff_by_ids(&mut conn, center, &missing).await? {
        names.insert(s.id, (s.name, s.employee_no));
    }

    let dept_ids: Vec<Uuid> = departments.iter().map(|d| d.id).collect();
    let current: Vec<(Uuid, Uuid)> = leaders.iter().map(|(l, d, _, _)| (*l, *d)).collect();
    let plan_facts: Vec<PlanFact> = plans
        .iter()
        .map(|p| PlanFact {
            leader_id: p.leader_id,
            department_id: p.department_id,
            late: p.late,
        })
        .collect();
    let sat_facts: Vec<SatFact> = sat
        .iter()
        .map(|s| SatFact {
            leader_id: s.leader_id,
            department_id: s.department_id,
            date: s.date,
        })
        .collect();
    let working_days = cal.working_days(week, end);
    let gathered = compliance::gather(&dept_ids, &current, &plan_facts, &sat_facts);

    let mut out = Vec::with_capacity(departments.len());
    for (dept, (_, leader_weeks)) in departments.iter().zip(gathered) {
        let verdict = compliance::evaluate(&leader_weeks, !working_days.is_empty());
        let leaders = leader_weeks
            .into_iter()
            .map(|l| {
                let (name, no) = names.get(&l.leader_id).cloned().unwrap_or_default();
                let plan = plans
                    .iter()
                    .find(|p| p.leader_id == l.leader_id && p.department_id == dept.id)
                    .map(|p| PlanSummary {
                        id: p.id,
                        days: p.days.clone(),
                        late: p.late,
                        deadline: p.deadline,
                        filed_at: p.filed_at,
                    });
                LeaderFacts {
                    leader_id: l.leader_id,
                    name,
                    employee_no: no,
                    current_leader: l.current,
                    plan,
                    days_sat: l.days_sat,
                }
            })
            .collect();
        out.push(DepartmentCompliance {
            department_id: dept.id,
            name: dept.name.clone(),
            code: dept.code.clone(),
            compliant: verdict.compliant,
            reasons: verdict.reasons,
            planned_on_time: verdict.planned_on_time,
            late_plans: verdict.late_plans,
            days_sat: verdict.days_sat,
            leaders,
        });
    }
    let compliant_count = out.iter().filter(|d| d.compliant).count();
    let report = ComplianceReport {
        week,
        working_days,
        deadline: compliance::deadline(week, days_before),
        compliant_count,
        non_compliant_count: out.len() - compliant_count,
        departments: out,
    };
    let resp = export::respond(query.format, &report, || Table {
        name: format!("sit-in-compliance-{week}"),
        headers: vec![
            "部门编号 code",
            "部门 department",
            "合规 compliant",
            "原因 reasons",
            "按时报计划 planned_on_time",
            "迟报计划 late_plans",
            "坐班天数 days_sat",
        ],
        rows: report
            .departments
            .iter()
            .map(|d| {
                let reasons: Vec<String> = d
                    .reasons
                    .iter()
                    .map(|r| {
                        serde_json::to_value(r)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    })
                    .collect();
                vec![
                    d.code.as_str().into(),
                    d.name.as_str().into(),
                    if d.compliant { "是 yes" } else { "否 no" }.into(),
                    reasons.join(" ").into(),
                    if d.planned_on_time {
                        "是 yes"
                    } else {
                        "否 no"
                    }
                    .into(),
                    (d.late_plans as i64).into(),
                    (d.days_sat.len() as i64).into(),
                ]
            })
            .collect(),
    })
    .await?;
    Ok(crate::web::with_staleness(resp, conn.staleness_secs()))
}
