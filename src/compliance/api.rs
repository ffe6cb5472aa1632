//! `GET /duty-compliance`: the office's duty-compliance report over a range, as JSON, CSV or
//! XLSX. A fixed number of queries whatever the range's length: the center, the calendar, the
//! duties, then one query per kind of record over the range, the days' own hours, the names.

use super::evaluate::{self, Rows};
use super::model::{
    CheckInCompliance, ComplianceDay, DutyComplianceReport, HandoverCompliance, LogCompliance,
};
use crate::AppState;
use crate::calendar::store as cal_store;
use crate::dutyday::doors::store as door_store;
use crate::dutyday::handover::store as handover_store;
use crate::dutyday::{gate, hours, store as day_store};
use crate::dutylog::store as log_store;
use crate::error::{ApiResult, Problem};
use crate::export::{self, Cell, Table};
use crate::org::names::Names;
use crate::org::store as org_store;
use crate::principal::{CurrentUser, Role};
use crate::roster::store::{self as roster_store, AssignmentFilter};
use crate::roster::views::{RangeQuery, check_range};
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use std::collections::HashMap;

/// More duties than a center puts on a range of 366 days.
const MAX_DUTIES: i64 = 366 * 1000;

/// The office's duty-compliance report (R7, R8, R12): per working day with published duties,
/// each supervisor's check-in (`on_time`, `late` with minutes, `needs_review`, `missing`), the
/// door checks missing or late (item codes), the duty log (`on_time`, `submitted_late`,
/// `not_submitted` against the day's closing) and the handover (`confirmed`, `not_confirmed`,
/// `made_late`, `not_made`); per supervisor, the counts over the range. Days not over by the
/// server's clock (today until its duty end plus the grace period, and later days) are
/// `pending`, never lapses. Office admins and auditors.
#[utoipa::path(
    operation_id = "getDutyCompliance",
    tag = "duty",
    params(RangeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The days and the supervisors' counts (JSON), or one row per day and supervisor as a CSV or XLSX download", headers(("X-Data-Staleness" = u32, description = "Upper bound, in whole seconds, of how old the data may be: `0` when the primary served it, else the read replica's measured lag (see docs/scaling.md)")), content(
            (DutyComplianceReport = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "`validation_failed`: `to` before `from` (`before_from`) or more than 365 days after it (`too_long`); or a malformed query (a date not `YYYY-MM-DD`, an unknown format)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only office admins and auditors", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/duty-compliance")]
pub async fn duty_compliance(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RangeQuery>,
) -> ApiResult<HttpResponse> {
    user.require_any(&[Role::OfficeAdmin, Role::Auditor])?;
    let q = query.into_inner();
    let (from, to) = (q.from, q.to);
    check_range(from, to)?;
    let now = state.clock.now();
    let mut read = state.read_conn().await?;
    let conn: &mut diesel_async::AsyncPgConnection = &mut read;
    let center = org_store::center(conn, user.center_id).await?;
    let cal = cal_store::load(conn, center.id, from, to).await?;
    let duties = roster_store::list_assignments(
        conn,
        AssignmentFilter {
            center_id: center.id,
            from,
            to,
            staff_id: None,
            department_id: None,
            after: None,
            limit: MAX_DUTIES,
        },
    )
    .await?;
    let check_ins = day_store::between(conn, center.id, from, to).await?;
    let door_items = door_store::items(conn, center.id).await?;
    let door_checks = door_store::between(conn, center.id, from, to).await?;
    let logs = log_store::between(conn, center.id, from, to).await?;
    let handovers = handover_store::given_between(conn, center.id, from, to).await?;
    // The receiving days' hours too: a handover is confirmed until its receiving day closes.
    let last = handovers
        .iter()
        .map(|h| h.to_day)
        .max()
        .unwrap_or(to)
        .max(to);
    let own_hours: HashMap<NaiveDate, _> = day_store::hours_between(conn, center.id, from, last)
        .await?
        .into_iter()
        .map(|r| (r.day, r))
        .collect();
    let names = Names::load(conn, center.id, duties.iter().map(|a| a.on_duty()), []).await?;

    let window = |d: NaiveDate| {
        gate::window_of(
            &center,
            &hours::from_row(&center, d, own_hours.get(&d).cloned()),
        )
    };
    let rows = Rows {
        calendar: &cal,
        duties: &duties,
        check_ins: &check_ins,
        door_items: &door_items,
        door_checks: &door_checks,
        logs: &logs,
        handovers: &handovers,
    };
    let days = evaluate::days((from, to), &rows, &window, now, &|s| names.staff(s));
    let supervisors = evaluate::supervisors(&days, &window, now);
    let report = DutyComplianceReport {
        from,
        to,
        as_of: now,
        days,
        supervisors,
    };
    let resp = export::respond(q.format, &report, || table(&report)).await?;
    Ok(crate::web::with_staleness(resp, read.staleness_secs()))
}

fn check_in_label(s: CheckInCompliance) -> &'static str {
    match s {
        CheckInCompliance::Pending => "待定 pending",
        CheckInCompliance::OnTime => "按时 on_time",
        CheckInCompliance::Late => "迟到 late",
        CheckInCompliance::NeedsReview => "待复核 needs_review",
        CheckInCompliance::Missing => "未签到 missing",
    }
}

fn log_label(s: LogCompliance) -> &'static str {
    match s {
        LogCompliance::Pending => "待定 pending",
        LogCompliance::NotSubmitted => "未提交 not_submitted",
        LogCompliance::SubmittedLate => "逾时提交 submitted_late",
        LogCompliance::OnTime => "按时 on_time",
    }
}

fn handover_label(s: HandoverCompliance) -> &'static str {
    match s {
        HandoverCompliance::Pending => "待定 pending",
        HandoverCompliance::NotMade => "未交接 not_made",
        HandoverCompliance::MadeLate => "逾时交接 made_late",
        HandoverCompliance::NotConfirmed => "未确认 not_confirmed",
        HandoverCompliance::Confirmed => "已确认 confirmed",
    }
}

fn rows_of(day: &ComplianceDay) -> impl Iterator<Item = Vec<Cell>> + '_ {
    day.supervisors.iter().map(move |s| {
        vec![
            Cell::Date(day.date),
            s.staff_name.as_str().into(),
            check_in_label(s.check_in).into(),
            s.minutes_late.into(),
            day.door_checks.missing.join(" ").into(),
            day.door_checks.late.join(" ").into(),
            log_label(day.log).into(),
            handover_label(day.handover.status).into(),
        ]
    })
}

/// One row per day and supervisor.
fn table(r: &DutyComplianceReport) -> Table {
    Table {
        name: format!("duty-compliance-{}-{}", r.from, r.to),
        headers: vec![
            "日期 date",
            "督导员 supervisor",
            "签到 check_in",
            "迟到分钟 minutes_late",
            "门岗缺项 door_missing",
            "门岗迟项 door_late",
            "值班日志 log",
            "交接 handover",
        ],
        rows: r.days.iter().flat_map(rows_of).collect(),
    }
}
