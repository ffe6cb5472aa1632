//! Citizens' requests: intake by staff and by the portal, masking, deadlines, visibility.

use crate::fixtures::{cover_years, crew, set_clock};
use crate::helpers::*;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

const PHONE: &str = "138 1234 5678";
const PHONE_DIGITS: &str = "13812345678";

fn complaint_about(staff_id: &str) -> Value {
    json!({
        "kind": "complaint",
        "channel": "visit",
        "citizen_name": "张三丰",
        "citizen_phone": PHONE,
        "concerns": "staff",
        "staff_id": staff_id,
        "subject": "窗口办理医保转移时态度生硬",
        "description": "上午十点在 3 号窗口办理医保关系转移，工作人员不耐烦。",
    })
}

async fn staff_id_of(app: &TestApp, token: &str) -> String {
    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    me["id"].as_str().unwrap().to_owned()
}

/// Whether any row of `table` holds the phone in clear (as text, or its bytes in a bytea).
async fn phone_in(app: &TestApp, table: &str) -> i64 {
    let hex: String = PHONE_DIGITS.bytes().map(|b| format!("{b:02x}")).collect();
    app.count(&format!(
        "SELECT count(*) AS n FROM {table} t WHERE t::text LIKE '%{PHONE_DIGITS}%' OR t::text LIKE '%{hex}%'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_intake_owns_the_request_masks_the_citizen_and_seals_the_phone() {
    let app = spawn_app().await;
    cover_years(&app, app.today(), app.today() + Duration::days(400)).await;
    let c = crew(&app).await;
    let win = staff_id_of(&app, &c.window).await;
    let me = staff_id_of(&app, &c.supervisor).await;
    let r = app
        .req(
            reqwest::Method::POST,
            "/api/v1/citizen-requests",
            Some(&c.supervisor),
        )
        .header("Idempotency-Key", "intake-1")
        .json(&complaint_about(&win))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    let tracking = body["tracking_no"].as_str().unwrap();
    assert!(
        tracking.starts_with(&format!("TS{}-", app.today().format("%Y%m%d"))),
        "{tracking}"
    );
    assert_eq!(tracking.len(), "TS20261128-12345".len());
    let code = body["verification_code"].as_str().unwrap();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));
    let req = &body["request"];
    assert_eq!(
        location,
        format!("/api/v1/citizen-requests/{}", req["id"].as_str().unwrap())
    );
    assert_eq!(req["state"], "accepted");
    assert_eq!(req["owner_id"], me.as_str());
    assert_eq!(req["owner_name"], "员工 sup1");
    assert_eq!(req["received_by"], me.as_str());
    assert_eq!(req["staff_name"], "员工 win1");
    assert_eq!(req["from_portal"], false);
    assert_eq!(req["citizen"]["name"], "张**");
    assert_eq!(req["citizen"]["phone"], "138****5678");
    assert_eq!(req["received_on"], app.today().to_string());
    let d = &req["deadline"];
    assert_eq!(d["working_days"], 10);
    assert_eq!(d["remaining_working_days"], 10);
    assert_eq!(d["overdue"], false);
    assert!(d["due_on"].as_str().unwrap() > app.today().to_string().as_str());

    // The owner reads the clear contact; the read is audited without the values.
    let id = req["id"].as_str().unwrap();
    let contact: Value = app
        .get(
            &format!("/api/v1/citizen-requests/{id}/contact"),
            &c.supervisor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(contact["phone"], PHONE_DIGITS);
    assert_eq!(contact["name"], "张三丰");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{id}' AND action IN ('received', 'contact_viewed')"
        ))
        .await,
        2
    );

    // The clear phone is in no table: not the request, its contact (sealed), the audit trail
    // or the stored idempotent answer.
    for table in [
        "citizen_requests",
        "citizen_contacts",
        "citizen_request_lookups",
        "audit_events",
        "idempotency_keys",
    ] {
        assert_eq!(phone_in(&app, table).await, 0, "clear phone in {table}");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM citizen_contacts WHERE phone_index IS NOT NULL AND phone_enc IS NOT NULL AND substring(phone_enc from 2 for 2) = 't2'").await,
        1,
        "sealed under the current key t2"
    );

    // A retry with the same key replays the answer: one request.
    let again: Value = app
        .req(
            reqwest::Method::POST,
            "/api/v1/citizen-requests",
            Some(&c.supervisor),
        )
        .header("Idempotency-Key", "intake-1")
        .json(&complaint_about(&win))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["tracking_no"], tracking);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM citizen_requests")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_received_before_the_national_day_break_is_due_after_it() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let win = staff_id_of(&app, &c.window).await;
    // 2026's holidays are shipped with the service: Oct 1-7 off, Sat Oct 10 worked.
    let sept_30 = NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
    set_clock(&app, sept_30, 9, 0, 0);
    let mut body = complaint_about(&win);
    let r = app
        .post("/api/v1/citizen-requests", &c.supervisor, &body)
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["request"]["deadline"]["due_on"], "2026-10-20");
    body["kind"] = json!("consultation");
    let v: Value = app
        .post("/api/v1/citizen-requests", &c.supervisor, &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["request"]["deadline"]["due_on"], "2026-10-10",
        "the make-up Saturday counts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_into_a_year_without_holidays_is_left_open_and_says_which_year() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let win = staff_id_of(&app, &c.window).await;
    // A year far enough ahead that no holidays are loaded for it in the test database.
    let year = app.today().year() + 30;
    set_clock(&app, NaiveDate::from_ymd_opt(year, 6, 1).unwrap(), 9, 0, 0);
    let v: Value = app
        .post(
            "/api/v1/citizen-requests",
            &c.supervisor,
            &complaint_about(&win),
        )
        .await
        .json()
        .await
        .unwrap();
    let d = &v["request"]["deadline"];
    assert_eq!(d["due_on"], Value::Null);
    assert_eq!(d["holidays_not_loaded"], json!([year]));
    assert_eq!(d["remaining_working_days"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_submits_to_the_centers_its_token_lists_and_reads_only_its_own() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let _beta = app.other_center_admin().await;
    let portal = portal_token("gov-portal", &["alpha"]);
    let body = json!({
        "center_code": "alpha",
        "kind": "help",
        "channel": "portal",
        "citizen_name": "李四",
        "citizen_phone": "+86 139-0000-1111",
        "concerns": "matter",
        "matter": "社保卡补办",
        "subject": "社保卡补办进度",
        "description": "提交材料后两周未收到通知。",
    });
    let send = |b: Value, key: &'static str| {
        app.req(
            reqwest::Method::POST,
            "/api/v1/citizen-requests",
            Some(&portal),
        )
        .header("Idempotency-Key", key)
        .json(&b)
        .send()
    };
    let r = send(body.clone(), "p-1").await.unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert!(v["tracking_no"].as_str().unwrap().starts_with("QZ"));
    let req = &v["request"];
    assert_eq!(req["state"], "received");
    assert_eq!(req["owner_id"], Value::Null);
    assert_eq!(req["from_portal"], true);
    assert_eq!(req["citizen"]["phone"], "139****1111");
    // The portal's retry never duplicates.
    let again: Value = send(body.clone(), "p-1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["tracking_no"], v["tracking_no"]);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM citizen_requests")
            .await,
        1
    );
    let id = req["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/citizen-requests/{id}"), &portal)
            .await
            .status(),
        200
    );
    // Another portal client, or a center the token does not list: nothing.
    let other = portal_token("other-portal", &["alpha", "beta"]);
    assert_problem(
        app.get(&format!("/api/v1/citizen-requests/{id}"), &other)
            .await,
        404,
        "not_found",
    )
    .await;
    let mut to_beta = body.clone();
    to_beta["center_code"] = json!("beta");
    assert_problem(
        send(to_beta, "p-2").await.unwrap(),
        403,
        "center_not_served",
    )
    .await;
    let mut no_center = body.clone();
    no_center.as_object_mut().unwrap().remove("center_code");
    no_center["channel"] = json!("visit");
    let p = assert_problem(
        send(no_center, "p-3").await.unwrap(),
        400,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["center_code", "channel"]);
    // A listed center that does not exist.
    let ghost = portal_token("gov-portal", &["ghost"]);
    let mut to_ghost = body.clone();
    to_ghost["center_code"] = json!("ghost");
    let r = app
        .post("/api/v1/citizen-requests", &ghost, &to_ghost)
        .await;
    assert_problem(r, 400, "validation_failed").await;
    // Nothing else is open to the portal.
    for path in ["/api/v1/staff", "/api/v1/centers/current", "/api/v1/me"] {
        assert_problem(app.get(path, &portal).await, 403, "forbidden").await;
    }
    // Staff of the center see the queue; the window clerk too (it is not about them).
    assert_eq!(
        app.get(&format!("/api/v1/citizen-requests/{id}"), &c.window)
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_refuses_bad_input_field_by_field_in_both_languages() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let win = staff_id_of(&app, &c.window).await;
    let r = app
        .post(
            "/api/v1/citizen-requests",
            &c.supervisor,
            &json!({
                "kind": "complaint",
                "channel": "portal",
                "citizen_phone": "call me",
                "concerns": "hall",
                "department_id": c.dept_id,
                "subject": " ",
                "description": "x".repeat(4001),
            }),
        )
        .await;
    let p = assert_problem(r, 400, "validation_failed").await;
    let got: Vec<(String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("channel", "not_allowed"),
        ("citizen_name", "required"),
        ("citizen_phone", "invalid"),
        ("subject", "required"),
        ("description", "too_long"),
        ("department_id", "not_allowed"),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect::<Vec<_>>()
    );
    // A consultation needs no name or phone; an unknown staff member is refused.
    let ok = app
        .post(
            "/api/v1/citizen-requests",
            &c.supervisor,
            &json!({"kind": "consultation", "channel": "phone", "concerns": "hall",
                    "subject": "周六是否办公", "description": "想确认周六上午是否办理业务。"}),
        )
        .await;
    assert_eq!(ok.status(), 201);
    let v: Value = ok.json().await.unwrap();
    assert_eq!(
        v["request"]["citizen"],
        json!({"name": null, "phone": null, "anonymised_at": null})
    );
    let mut body = complaint_about(&uuid::Uuid::new_v4().to_string());
    let r = app
        .post("/api/v1/citizen-requests", &c.supervisor, &body)
        .await;
    let p = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(p["errors"][0]["field"], "staff_id");
    // Staff may not name another center; auditors do not record requests.
    body = complaint_about(&win);
    body["center_code"] = json!("beta");
    assert_problem(
        app.post("/api/v1/citizen-requests", &c.supervisor, &body)
            .await,
        403,
        "center_not_served",
    )
    .await;
    body.as_object_mut().unwrap().remove("center_code");
    assert_problem(
        app.post("/api/v1/citizen-requests", &c.auditor, &body)
            .await,
        403,
        "forbidden",
    )
    .await;
    // Chinese callers read Chinese.
    let r = app
        .req(
            reqwest::Method::POST,
            "/api/v1/citizen-requests",
            Some(&c.supervisor),
        )
        .header("Accept-Language", "zh")
        .json(
            &json!({"kind": "help", "channel": "visit", "concerns": "staff",
                      "subject": "求助", "description": "需要帮助"}),
        )
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 400, "validation_failed").await;
    for e in p["errors"].as_array().unwrap() {
        let m = e["message"].as_str().unwrap();
        assert!(!m.is_ascii(), "not Chinese: {m}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_sees_a_request_and_who_reads_the_citizen_in_clear() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let win = staff_id_of(&app, &c.window).await;
    // The supervisor records a complaint about the window clerk.
    let v: Value = app
        .post(
            "/api/v1/citizen-requests",
            &c.supervisor,
            &complaint_about(&win),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = v["request"]["id"].as_str().unwrap();
    let path = format!("/api/v1/citizen-requests/{id}");
    let contact = format!("{path}/contact");
    // The clerk it is about does not see it; the auditor and the office do.
    assert_problem(app.get(&path, &c.window).await, 404, "not_found").await;
    assert_problem(app.get(&contact, &c.window).await, 404, "not_found").await;
    assert_eq!(app.get(&path, &c.auditor).await.status(), 200);
    assert_eq!(app.get(&path, &app.admin_token).await.status(), 200);
    // Clear contact: the owner and office admins, not the auditor; each read audited.
    assert_problem(app.get(&contact, &c.auditor).await, 403, "forbidden").await;
    let r = app.get(&contact, &app.admin_token).await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["phone"], PHONE_DIGITS);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{id}' AND action = 'contact_viewed'"
        ))
        .await,
        1
    );
    // Another center sees nothing.
    let beta = app.other_center_admin().await;
    assert_problem(app.get(&path, &beta).await, 404, "not_found").await;
    assert_problem(
        app.get("/api/v1/citizen-requests/not-a-uuid", &c.supervisor)
            .await,
        400,
        "malformed_request",
    )
    .await;
}
