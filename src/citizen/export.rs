//! `GET /citizen-requests/export`: everything the caller could list with the same filters, as
//! one CSV or XLSX download (capped at [`MAX_ROWS`]). The citizen is masked; an office admin
//! may ask for the clear name and phone (`include_personal=true`, with a reason). Every export
//! is recorded in the audit trail with its filters, reason and row count, never the values.

use super::intake::{NAME_PURPOSE, PHONE_PURPOSE};
use super::list::{self, RequestQuery};
use super::model::{Channel, CitizenRequest, ContactRow, Kind, State};
use super::{read, store};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::db::schema::citizen_request_moves as mv;
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem};
use crate::export::{self, Cell, Format, Table};
use crate::org::store as org_store;
use crate::principal::{CurrentUser, Role};
use crate::privacy::{self, Vault};
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The most rows one export holds; a filter matching more is refused (`export_too_large`).
pub const MAX_ROWS: i64 = 10_000;
/// Longest `reason`, in characters.
pub const MAX_REASON: usize = 200;
/// What the name and phone columns show once the personal data has been anonymised.
pub const ANONYMISED: &str = "已匿名";

/// The download's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// UTF-8 with a BOM (Excel shows Chinese), CRLF line ends.
    Csv,
    /// An office-ready workbook: bold frozen header, column widths, dates as dates.
    Xlsx,
}

impl From<ExportFormat> for Format {
    fn from(f: ExportFormat) -> Format {
        match f {
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Xlsx => Format::Xlsx,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    #[param(inline)]
    pub format: ExportFormat,
    /// `true`: the citizens' clear names and phones instead of the masked ones. Office admins
    /// only, with a `reason`.
    pub include_personal: Option<bool>,
    /// Why the export is made (1–200 characters): required with `include_personal=true`,
    /// recorded in the audit trail.
    pub reason: Option<String>,
}

/// The filters of an export as the audit trail records them: the phone only masked, a search
/// holding a number redacted.
#[derive(Debug, Serialize)]
struct AuditedFilters {
    kind: Option<Kind>,
    state: Option<String>,
    department_id: Option<Uuid>,
    owner_id: Option<Uuid>,
    owner: Option<String>,
    overdue: Option<bool>,
    escalated: Option<bool>,
    tracking_no: Option<String>,
    phone: Option<String>,
    q: Option<String>,
}

impl AuditedFilters {
    fn of(q: &RequestQuery) -> AuditedFilters {
        AuditedFilters {
            kind: q.kind,
            state: q.state.clone(),
            department_id: q.department_id,
            owner_id: q.owner_id,
            owner: q.owner.clone(),
            overdue: q.overdue,
            escalated: q.escalated,
            tracking_no: q.tracking_no.clone(),
            phone: q
                .phone
                .as_deref()
                .and_then(privacy::normalize_phone)
                .map(|p| privacy::mask_phone(&p)),
            // A search for a phone or ID number is recorded without it, as the logs do.
            q: q.q.as_ref().map(|t| {
                if crate::telemetry::looks_like_a_number(t) {
                    "REDACTED".to_owned()
                } else {
                    t.clone()
                }
            }),
        }
    }
}

/// The reason, checked: required (non-blank, at most [`MAX_REASON`] characters) when personal
/// data is asked for.
fn check_reason(personal: bool, reason: Option<String>) -> Result<Option<String>, ApiError> {
    let reason = reason.map(|r| r.trim().to_owned());
    let err = match reason.as_deref() {
        None | Some("") if personal => FieldError::of("reason", FieldCode::Blank),
        Some(r) if r.chars().count() > MAX_REASON => {
            FieldError::of("reason", FieldCode::TooLong).param("max", MAX_REASON)
        }
        _ => return Ok(reason.filter(|r| !r.is_empty())),
    };
    Err(ApiError::validation(vec![err]))
}

/// When each of `ids` was last answered.
async fn answered_at(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, DateTime<Utc>>> {
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = mv::table
        .filter(mv::request_id.eq_any(ids))
        .filter(mv::to_state.eq(State::Answered))
        .group_by(mv::request_id)
        .select((mv::request_id, diesel::dsl::max(mv::at)))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| Some((id, at?)))
        .collect())
}

/// Exports citizens' requests as CSV or XLSX.
///
/// The same filters and visibility as `listCitizenRequests` (the export never holds a row the
/// caller could not list), everything matching in one file, newest first, at most 10 000 rows
/// (more: 422 `export_too_large` with the cap as `max`; narrow the filters). Columns (Chinese
/// headers): tracking number, kind, channel, state, center, department, staff concerned,
/// subject, received at, due date, answered at, closed at, overdue (是/否), owner, citizen's
/// name and phone. The citizen is masked (`张*`, `138****1234`); with `include_personal=true`
/// an office admin gets the clear name and phone and must give a `reason`. Anonymised contacts
/// show `已匿名`. Every export is recorded in the audit trail (action
/// `citizen_requests_exported` on the center: filters, reason, row count, `include_personal`),
/// never the values. The portal has no export (403).
#[utoipa::path(
    operation_id = "exportCitizenRequests",
    tag = "citizen-requests",
    params(RequestQuery, ExportParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One row per request, newest first, as a CSV or XLSX download", headers(("X-Data-Staleness" = u32, description = "Upper bound, in whole seconds, of how old the data may be: `0` when the primary served it, else the read replica's measured lag (see docs/scaling.md)")), content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "`validation_failed`: `reason` missing or blank with `include_personal=true` (`required`) or longer than 200 characters (`too_long`), `state` not a state (`invalid_choice`), `owner` not `me` (`invalid_choice`), `phone` not a phone number (`invalid`), `q` blank (`required`) or longer than 100 characters (`too_long`); or a malformed query (`format` missing or not `csv`/`xlsx`, `kind`, a UUID or a boolean)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing, invalid or expired token; `unknown_staff_claim`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`personal_data_not_allowed`: `include_personal=true` by anyone but an office admin; `forbidden`: a portal token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`export_too_large`: the filters match more than `max` (10 000) requests", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/citizen-requests/export")]
pub async fn download(
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<RequestQuery>,
    params: web::Query<ExportParams>,
) -> ApiResult<HttpResponse> {
    let p = params.into_inner();
    let personal = p.include_personal.unwrap_or(false);
    if personal && !user.has(Role::OfficeAdmin) {
        return Err(ApiError::of(Code::PersonalDataNotAllowed));
    }
    let reason = check_reason(personal, p.reason)?;
    // The rows are read where reports are read (the read replica, when configured); the audit
    // entry is a write and goes to the primary.
    let mut conn = state.read_conn().await?;
    let center = org_store::center(&mut conn, user.center_id).await?;
    let today = center.today(&state.clock);
    let q = query.into_inner();
    let filters = AuditedFilters::of(&q);
    let mut f = list::check(&user, q, &state.vault, today)?;
    f.fetch = MAX_ROWS + 1;
    let rows = list::page(&mut conn, &user, &f).await?;
    if rows.len() as i64 > MAX_ROWS {
        return Err(ApiError::of(Code::ExportTooLarge).param("max", MAX_ROWS));
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let sealed = if personal {
        store::contacts(&mut conn, &ids).await?
    } else {
        HashMap::new()
    };
    let answered = answered_at(&mut conn, &ids).await?;
    let views = read::views(&mut conn, &center, today, rows).await?;
    let staleness = conn.staleness_secs();
    drop(conn);
    let mut conn = state.pool.get().await?;
    audit::record(
        &mut conn,
        AuditEntry::new(&user, "citizen_requests_exported", "center", center.id).after(
            serde_json::json!({
                "filters": filters,
                "reason": reason,
                "rows": views.len(),
                "include_personal": personal,
                "format": match p.format {
                    ExportFormat::Csv => "csv",
                    ExportFormat::Xlsx => "xlsx",
                },
            }),
        ),
    )
    .await?;
    drop(conn);
    // Opening thousands of sealed values is CPU work: off the async threads.
    let vault = state.vault.clone();
    let sheet = Sheet {
        center: center.name.clone(),
        tz: center.tz(),
        today,
        answered,
        sealed,
    };
    let table = tokio::task::spawn_blocking(move || sheet.table(views, &vault)).await?;
    let resp = export::respond(Some(p.format.into()), &(), move || table).await?;
    Ok(crate::web::with_staleness(resp, staleness))
}

/// What the rows need beside the views.
struct Sheet {
    center: String,
    tz: chrono_tz::Tz,
    today: NaiveDate,
    answered: HashMap<Uuid, DateTime<Utc>>,
    /// The sealed contacts, only when personal data was asked for.
    sealed: HashMap<Uuid, ContactRow>,
}

pub const HEADERS: [&str; 16] = [
    "受理编号 tracking_no",
    "类型 kind",
    "渠道 channel",
    "状态 state",
    "中心 center",
    "部门 department",
    "涉及人员 staff",
    "主题 subject",
    "受理时间 received_at",
    "办结期限 due_on",
    "答复时间 answered_at",
    "办结时间 closed_at",
    "是否逾期 overdue",
    "承办人 owner",
    "群众姓名 citizen_name",
    "联系电话 citizen_phone",
];

impl Sheet {
    fn local(&self, at: DateTime<Utc>) -> Cell {
        at.with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
            .into()
    }

    /// The citizen's name and phone as the export shows them.
    fn citizen(&self, v: &CitizenRequest, vault: &Vault) -> (Cell, Cell) {
        if v.citizen.anonymised_at.is_some() {
            return (ANONYMISED.into(), ANONYMISED.into());
        }
        if self.sealed.is_empty() {
            return (
                v.citizen.name.clone().into(),
                v.citizen.phone.clone().into(),
            );
        }
        let c = self.sealed.get(&v.id);
        let open = |purpose: &str, sealed: Option<&Vec<u8>>| -> Cell {
            sealed.and_then(|s| vault.open_text(purpose, s)).into()
        };
        (
            open(NAME_PURPOSE, c.and_then(|c| c.name_enc.as_ref())),
            open(PHONE_PURPOSE, c.and_then(|c| c.phone_enc.as_ref())),
        )
    }

    fn table(&self, views: Vec<CitizenRequest>, vault: &Vault) -> Table {
        let rows = views
            .iter()
            .map(|v| {
                let (name, phone) = self.citizen(v, vault);
                let answered = matches!(v.state, State::Answered | State::Closed)
                    .then(|| self.answered.get(&v.id))
                    .flatten();
                vec![
                    v.tracking_no.as_str().into(),
                    kind_label(v.kind).into(),
                    channel_label(v.channel).into(),
                    state_label(v.state).into(),
                    self.center.as_str().into(),
                    v.department_name.clone().into(),
                    v.staff_name.clone().into(),
                    v.subject.as_str().into(),
                    self.local(v.received_at),
                    v.deadline.due_on.into(),
                    answered.map_or(Cell::Empty, |at| self.local(*at)),
                    v.closed_at.map_or(Cell::Empty, |at| self.local(at)),
                    if v.deadline.overdue { "是" } else { "否" }.into(),
                    v.owner_name.clone().into(),
                    name,
                    phone,
                ]
            })
            .collect();
        Table {
            name: format!("citizen-requests-{}", self.today),
            headers: HEADERS.to_vec(),
            rows,
        }
    }
}

fn kind_label(k: Kind) -> &'static str {
    match k {
        Kind::Consultation => "咨询 consultation",
        Kind::Complaint => "投诉 complaint",
        Kind::Help => "求助 help",
        Kind::Suggestion => "建议 suggestion",
    }
}

fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Visit => "来访 visit",
        Channel::Phone => "来电 phone",
        Channel::Letter => "来信 letter",
        Channel::Portal => "网站 portal",
        Channel::Mobile => "移动端 mobile",
    }
}

fn state_label(s: State) -> &'static str {
    match s {
        State::Received => "待受理 received",
        State::Accepted => "已受理 accepted",
        State::Forwarded => "已转办 forwarded",
        State::Escalated => "已上报 escalated",
        State::InProgress => "办理中 in_progress",
        State::WaitingCitizen => "待补正 waiting_citizen",
        State::Answered => "已答复 answered",
        State::Closed => "已办结 closed",
        State::Refused => "不予受理 refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text_enum::TextEnum;

    #[test]
    fn the_cap_is_ten_thousand_rows() {
        assert_eq!(MAX_ROWS, 10_000);
    }

    #[test]
    fn a_reason_is_required_only_for_personal_data_and_bounded() {
        assert!(check_reason(true, None).is_err());
        assert!(check_reason(true, Some("  ".into())).is_err());
        assert!(check_reason(true, Some("x".repeat(MAX_REASON + 1))).is_err());
        assert!(check_reason(false, Some("x".repeat(MAX_REASON + 1))).is_err());
        assert_eq!(
            check_reason(true, Some(" 核查 ".into()))
                .unwrap()
                .as_deref(),
            Some("核查")
        );
        assert_eq!(
            check_reason(true, Some("医".repeat(MAX_REASON)))
                .unwrap()
                .map(|r| r.chars().count()),
            Some(MAX_REASON)
        );
        assert_eq!(check_reason(false, None).unwrap(), None);
        assert_eq!(check_reason(false, Some(" ".into())).unwrap(), None);
    }

    #[test]
    fn every_kind_channel_and_state_has_a_chinese_label() {
        for k in Kind::ALL {
            assert!(kind_label(*k).ends_with(k.as_str()));
        }
        for c in Channel::ALL {
            assert!(channel_label(*c).ends_with(c.as_str()));
        }
        for s in State::ALL {
            assert!(state_label(*s).ends_with(s.as_str()));
        }
    }
}
