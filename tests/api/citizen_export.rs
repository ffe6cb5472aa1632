//! Exporting citizens' requests: CSV and XLSX with the citizen masked, clear personal data only
//! for office admins with a reason (audited once, without the values), the list's filters and
//! visibility, and the cap.

use crate::fixtures::{cover_years, crew};
use crate::helpers::*;
use chrono::Duration;
use serde_json::{Value, json};
use std::time::Instant;

const PHONE: &str = "139 0000 3333";
const CLEAR: &str = "13900003333";
const MASKED: &str = "139****3333";
const PATH: &str = "/api/v1/citizen-requests/export";

/// Records a request as `token`; returns its view.
async fn intake(app: &TestApp, token: &str, kind: &str, subject: &str) -> Value {
    let r = app
        .post(
            "/api/v1/citizen-requests",
            token,
            &json!({
                "kind": kind,
                "channel": "visit",
                "citizen_name": "王五",
                "citizen_phone": PHONE,
                "concerns": "hall",
                "subject": subject,
                "description": "导出测试。",
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["request"].clone()
}

fn no(v: &Value) -> &str {
    v["tracking_no"].as_str().unwrap()
}

/// The CSV's data lines (after the BOM and the header).
async fn csv(app: &TestApp, query: &str, token: &str) -> (String, Vec<String>) {
    let r = app.get(&format!("{PATH}?format=csv{query}"), token).await;
    assert_eq!(r.status(), 200, "{query}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "BOM for Excel");
    let mut lines: Vec<String> = text
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let header = lines.remove(0);
    (header, lines)
}

async fn exports_audited(app: &TestApp) -> i64 {
    app.count("SELECT count(*) AS n FROM audit_events WHERE action = 'citizen_requests_exported'")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_masks_the_citizen_filters_apply_and_xlsx_opens_with_chinese_headers() {
    use calamine::{Data, Reader, Xlsx};
    let app = spawn_app().await;
    cover_years(&app, app.today(), app.today() + Duration::days(400)).await;
    let c = crew(&app).await;
    let complaint = intake(&app, &c.supervisor, "complaint", "排队太久").await;
    let consult = intake(&app, &c.supervisor, "consultation", "医保报销").await;

    let (header, lines) = csv(&app, "", &app.admin_token).await;
    assert!(
        header.starts_with("受理编号 tracking_no,类型 kind,渠道 channel,状态 state"),
        "{header}"
    );
    assert!(header.ends_with("群众姓名 citizen_name,联系电话 citizen_phone"));
    assert_eq!(lines.len(), 2);
    let all = lines.join("\n");
    assert!(all.contains(MASKED) && all.contains("王*"), "{all}");
    assert!(!all.contains(CLEAR) && !all.contains("王五"), "{all}");
    assert!(lines.iter().any(|l| l.starts_with(no(&complaint))
        && l.contains("投诉 complaint")
        && l.contains("排队太久")
        && l.contains(",否,")));

    // The list's filters apply.
    let (_, only) = csv(&app, "&kind=complaint", &app.admin_token).await;
    assert_eq!(only.len(), 1);
    assert!(only[0].starts_with(no(&complaint)));
    let (_, none) = csv(&app, "&state=closed", &c.supervisor).await;
    assert!(none.is_empty());

    let r = app.get(&format!("{PATH}?format=xlsx"), &c.auditor).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Sheet1").unwrap();
    assert_eq!(sheet.height(), 3);
    assert_eq!(
        sheet.get((0, 0)),
        Some(&Data::String("受理编号 tracking_no".into()))
    );
    assert_eq!(
        sheet.get((0, 15)),
        Some(&Data::String("联系电话 citizen_phone".into()))
    );
    let numbers: Vec<String> = (1..3)
        .map(|r| sheet.get((r, 0)).unwrap().to_string())
        .collect();
    assert!(numbers.contains(&no(&consult).to_owned()));
    assert_eq!(sheet.get((1, 15)), Some(&Data::String(MASKED.into())));
    assert!(
        matches!(sheet.get((1, 9)), Some(Data::DateTime(_))),
        "due date as a date"
    );

    // Every export is audited (without personal data); the portal has none.
    assert_eq!(exports_audited(&app).await, 4);
    let portal = portal_token("gov-portal", &["alpha"]);
    assert_problem(
        app.get(&format!("{PATH}?format=csv"), &portal).await,
        403,
        "forbidden",
    )
    .await;
    let bad = app
        .get(&format!("{PATH}?format=json"), &app.admin_token)
        .await;
    assert_problem(bad, 400, "malformed_request").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_for_office_admins_with_a_reason_and_audited_once_without_values() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let r = intake(&app, &c.supervisor, "help", "求助").await;
    let personal = "&include_personal=true&reason=%E5%9B%9E%E8%AE%BF%E6%A0%B8%E6%9F%A5";

    assert_problem(
        app.get(&format!("{PATH}?format=csv{personal}"), &c.supervisor)
            .await,
        403,
        "personal_data_not_allowed",
    )
    .await;
    assert_problem(
        app.get(&format!("{PATH}?format=csv{personal}"), &c.auditor)
            .await,
        403,
        "personal_data_not_allowed",
    )
    .await;
    let long = format!("&reason={}", "x".repeat(201));
    for reason in ["", "&reason=%20%20", long.as_str()] {
        let p = assert_problem(
            app.get(
                &format!("{PATH}?format=csv&include_personal=true{reason}"),
                &app.admin_token,
            )
            .await,
            400,
            "validation_failed",
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "reason", "{reason}");
    }
    assert_eq!(exports_audited(&app).await, 0, "refusals export nothing");

    let (_, lines) = csv(&app, personal, &app.admin_token).await;
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with(no(&r)));
    assert!(
        lines[0].ends_with(&format!(",王五,{CLEAR}")),
        "{}",
        lines[0]
    );
    assert_eq!(exports_audited(&app).await, 1);
    let n = app
        .count(
            "SELECT count(*) AS n FROM audit_events WHERE action = 'citizen_requests_exported' \
             AND after->>'include_personal' = 'true' AND after->>'reason' = '回访核查' \
             AND (after->>'rows')::int = 1",
        )
        .await;
    assert_eq!(n, 1);
    let leaked = app
        .count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE coalesce(after::text, '') \
             || coalesce(before::text, '') LIKE '%{CLEAR}%' OR after::text LIKE '%王五%'"
        ))
        .await;
    assert_eq!(leaked, 0, "no clear value in the audit trail");
    // A text search for the phone finds nothing (the phone is sealed) and is audited redacted.
    let (_, none) = csv(&app, &format!("&q={CLEAR}"), &app.admin_token).await;
    assert!(none.is_empty());
    let redacted = app
        .count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE action = 'citizen_requests_exported' \
             AND after->'filters'->>'q' = 'REDACTED' AND after::text NOT LIKE '%{CLEAR}%'"
        ))
        .await;
    assert_eq!(redacted, 1);

    // Anonymised contacts export as such, even with personal data.
    app.exec(&format!(
        "UPDATE citizen_contacts SET name_enc = NULL, phone_enc = NULL, name_masked = NULL, \
         phone_masked = NULL, phone_index = NULL, anonymised_at = now() \
         WHERE request_id = '{}'",
        r["id"].as_str().unwrap()
    ))
    .await;
    let (_, lines) = csv(&app, personal, &app.admin_token).await;
    assert!(lines[0].ends_with(",已匿名,已匿名"), "{}", lines[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_holds_only_what_the_caller_may_list() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let (_, other) = app
        .create_staff("win2", &["window_staff"], Some(&c.dept_id))
        .await;
    let mine = intake(&app, &c.window, "consultation", "我的").await;
    let theirs = intake(&app, &other, "consultation", "他人的").await;
    let (_, lines) = csv(&app, "", &c.window).await;
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with(no(&mine)));
    let (_, all) = csv(&app, "", &c.supervisor).await;
    assert_eq!(all.len(), 2);
    assert!(all.iter().any(|l| l.starts_with(no(&theirs))));
}

/// Copies request `id` (with its sealed contact) `n` times, numbered from `from`.
async fn clone_request(app: &TestApp, id: &str, from: i64, n: i64) {
    let cols = "center_id, kind, channel, state, concerns, department_id, staff_id, matter, \
                subject, description, owner_id, received_by, portal, received_at, received_on, \
                deadline_days, paused_days, paused_on, due_on, answer, refusal_reason, \
                refusal_guidance, substantiated, finding_reason, overdue_escalated_at, \
                closed_at, version, created_at, updated_at";
    app.exec(&format!(
        "INSERT INTO citizen_requests (id, tracking_no, {cols}) \
         SELECT gen_random_uuid(), 'ZX19990101-' || lpad(g::text, 5, '0'), {cols} \
         FROM citizen_requests, generate_series({from}, {}) g WHERE id = '{id}'",
        from + n - 1
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO citizen_contacts (request_id, center_id, name_enc, phone_enc, name_masked, \
         phone_masked, phone_index, anonymised_at) \
         SELECT r.id, c.center_id, c.name_enc, c.phone_enc, c.name_masked, c.phone_masked, \
         c.phone_index, c.anonymised_at FROM citizen_requests r, citizen_contacts c \
         WHERE c.request_id = '{id}' \
         AND NOT EXISTS (SELECT 1 FROM citizen_contacts x WHERE x.request_id = r.id)"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_rows_export_with_personal_data_and_more_than_the_cap_is_refused() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let r = intake(&app, &c.supervisor, "consultation", "批量").await;
    let id = r["id"].as_str().unwrap();
    clone_request(&app, id, 1, 1999).await;
    let personal = "&include_personal=true&reason=%E5%AF%BC%E5%87%BA";
    let started = Instant::now();
    let (_, lines) = csv(&app, personal, &app.admin_token).await;
    let csv_ms = started.elapsed().as_millis();
    assert_eq!(lines.len(), 2000);
    assert!(lines.iter().all(|l| l.ends_with(&format!(",王五,{CLEAR}"))));
    let started = Instant::now();
    let x = app
        .get(&format!("{PATH}?format=xlsx{personal}"), &app.admin_token)
        .await;
    assert_eq!(x.status(), 200);
    let _ = x.bytes().await.unwrap();
    let xlsx_ms = started.elapsed().as_millis();
    eprintln!("export of 2000 rows with personal data: csv {csv_ms} ms, xlsx {xlsx_ms} ms");

    // 10 000 rows are the cap; one more is refused, and nothing is audited for it.
    clone_request(&app, id, 2000, 8000).await;
    let (_, lines) = csv(&app, "", &app.admin_token).await;
    assert_eq!(lines.len(), 10_000);
    clone_request(&app, id, 10_000, 1).await;
    let before = exports_audited(&app).await;
    let p = assert_problem(
        app.get(&format!("{PATH}?format=csv"), &app.admin_token)
            .await,
        422,
        "export_too_large",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("10000"), "{p}");
    assert_eq!(exports_audited(&app).await, before);
    // Narrower filters export again.
    let (_, one) = csv(&app, &format!("&tracking_no={}", no(&r)), &app.admin_token).await;
    assert_eq!(one.len(), 1);
}
