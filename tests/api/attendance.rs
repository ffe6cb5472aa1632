//! Attendance of the front-desk staff (R4.5): the day's supervisors write the whole hall in one
//! request, approved leave is filled in, later writes keep history, window staff see only
//! themselves.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::NaiveDate;
use reqwest::Method;
use serde_json::{Value, json};

fn path(date: NaiveDate) -> String {
    format!("/api/v1/duty-days/{date}/attendance")
}

async fn put(app: &TestApp, date: NaiveDate, token: &str, body: &Value) -> reqwest::Response {
    app.req(Method::PUT, &path(date), Some(token))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn sheet(app: &TestApp, date: NaiveDate, token: &str) -> Value {
    let r = app.get(&path(date), token).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn row<'a>(sheet: &'a Value, staff_id: &str) -> &'a Value {
    sheet["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["staff_id"] == staff_id)
        .unwrap_or_else(|| panic!("no row for {staff_id} in {sheet}"))
}

/// A supervisor of the hall who is not on duty on the Monday.
fn off_duty(on: &[String]) -> &'static str {
    ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2"]
        .into_iter()
        .find(|n| !on.iter().any(|o| o == n))
        .unwrap()
}

/// w1 asks for leave on `date` and the office approves it; returns the request id.
async fn approved_leave(app: &TestApp, h: &Hall, date: NaiveDate, kind: &str) -> String {
    let r = app
        .post(
            "/api/v1/leave-requests",
            h.token("w1"),
            &json!({"kind": kind, "start_date": date, "end_date": date, "reason": "看病"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v1/leave-requests/{id}/approve"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_hall_is_written_in_one_put_and_approved_leave_is_prefilled_r4_5() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    let leave = approved_leave(&app, &h, mon, "sick").await;
    set_clock(&app, mon, 9, 0, 0);
    // Before anything is written: seven front-desk staff (six supervisors and w1), w1 on leave.
    let before = sheet(&app, mon, h.token(&on[0])).await;
    assert_eq!(before["rows"].as_array().unwrap().len(), 7);
    assert_eq!(before["frozen"], false);
    let w1 = row(&before, h.id("w1"));
    assert_eq!(w1["source"], "approved_leave");
    assert_eq!(w1["status"], "on_leave");
    assert_eq!(w1["leave_request_id"], leave.as_str());
    assert_eq!(w1["staff_name"], "员工 w1");
    assert_eq!(before["counts"]["unrecorded"], 6);
    assert_eq!(before["counts"]["approved_leave"], 1);
    // One request for the whole hall.
    let body = json!({"entries": [
        {"staff_id": h.id("d1-1"), "status": "present"},
        {"staff_id": h.id("d1-2"), "status": "late", "minutes": 15, "note": "公交晚点"},
        {"staff_id": h.id("d2-1"), "status": "left_early", "minutes": 20},
        {"staff_id": h.id("d2-2"), "status": "absent", "stand_in_id": h.id("d3-1")},
        {"staff_id": h.id("d3-1"), "status": "left_with_permission"},
        {"staff_id": h.id("d3-2"), "status": "business_trip"},
        {"staff_id": h.id("w1"), "status": "on_leave"},
    ]});
    let r = put(&app, mon, h.token(&on[0]), &body).await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    assert_eq!(s["counts"]["recorded"], 7);
    assert_eq!(s["counts"]["unrecorded"], 0);
    assert_eq!(s["counts"]["late"], 1);
    assert_eq!(s["counts"]["on_leave"], 1);
    let absent = row(&s, h.id("d2-2"));
    assert_eq!(absent["status"], "absent");
    assert_eq!(absent["stand_in_id"], h.id("d3-1"));
    assert_eq!(absent["stand_in_name"], "员工 d3-1");
    assert_eq!(absent["recorded_by"], h.id(&on[0]));
    assert_eq!(absent["recorded_by_name"], format!("员工 {}", on[0]));
    assert_eq!(row(&s, h.id("d1-2"))["minutes"], 15);
    assert_eq!(row(&s, h.id("w1"))["source"], "recorded");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM attendance_entries")
            .await,
        7
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'attendance_entry' AND action = 'recorded'")
            .await,
        7
    );
    // The duty-day view carries the counts and the log's state.
    let d: Value = app
        .get(&format!("/api/v1/duty-days/{mon}"), h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["attendance"]["recorded"], 7);
    assert_eq!(d["attendance"]["absent"], 1);
    assert_eq!(d["log"]["status"], "none");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_entry_is_checked_and_named_by_its_index() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    set_clock(&app, mon, 9, 0, 0);
    let body = json!({"entries": [
        {"staff_id": h.id("d1-1"), "status": "present", "minutes": 5},
        {"staff_id": h.id("d1-2"), "status": "late", "stand_in_id": h.id("d2-1")},
        {"staff_id": app.admin_id, "status": "present"},
        {"staff_id": h.id("d1-1"), "status": "present"},
        {"staff_id": h.id("d2-2"), "status": "absent", "stand_in_id": h.id("d2-2")},
    ]});
    let v = assert_problem(
        put(&app, mon, h.token(&on[0]), &body).await,
        400,
        "validation_failed",
    )
    .await;
    let got: Vec<(String, String)> = v["errors"]
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
        ("entries[0].minutes", "not_allowed"),
        ("entries[1].minutes", "required"),
        ("entries[1].stand_in_id", "not_allowed"),
        ("entries[2].staff_id", "unknown"),
        ("entries[3].staff_id", "duplicate"),
        ("entries[4].stand_in_id", "same_person"),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect::<Vec<_>>()
    );
    // Nothing was written.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM attendance_entries")
            .await,
        0
    );
    // An unknown status is a malformed body.
    let bad = json!({"entries": [{"staff_id": h.id("d1-1"), "status": "asleep"}]});
    assert_eq!(put(&app, mon, h.token(&on[0]), &bad).await.status(), 400);
    // A supervisor not on duty that day, window staff, the office: 403 not_on_duty.
    let ok = json!({"entries": [{"staff_id": h.id("d1-1"), "status": "present"}]});
    for token in [
        h.token(off_duty(&on)),
        h.token("w1"),
        app.admin_token.as_str(),
    ] {
        assert_problem(put(&app, mon, token, &ok).await, 403, "not_on_duty").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_answer_the_first_result_and_a_rewrite_keeps_history() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    set_clock(&app, mon, 9, 0, 0);
    let body = json!({"entries": [
        {"staff_id": h.id("d1-1"), "status": "present"},
        {"staff_id": h.id("w1"), "status": "present"},
    ]});
    let send = || {
        app.req(Method::PUT, &path(mon), Some(h.token(&on[0])))
            .header("idempotency-key", "att-1")
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    set_clock(&app, mon, 9, 5, 0);
    let again = send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM attendance_entries")
            .await,
        2
    );
    // The other supervisor of the day rewrites w1: late after all. The original stays visible.
    set_clock(&app, mon, 10, 0, 0);
    let r = put(
        &app,
        mon,
        h.token(&on[1]),
        &json!({"entries": [
            {"staff_id": h.id("d1-1"), "status": "present"},
            {"staff_id": h.id("w1"), "status": "late", "minutes": 12},
        ]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let s: Value = r.json().await.unwrap();
    let w1 = row(&s, h.id("w1"));
    assert_eq!(w1["status"], "late");
    assert_eq!(w1["recorded_by"], h.id(&on[1]));
    let am = w1["amendments"].as_array().unwrap();
    assert_eq!(am.len(), 1);
    assert_eq!(am[0]["reason"], "rewritten");
    assert_eq!(am[0]["before"]["status"], "present");
    assert_eq!(am[0]["after"]["status"], "late");
    assert_eq!(am[0]["after"]["minutes"], 12);
    assert_eq!(am[0]["amended_by"], h.id(&on[1]));
    // d1-1 did not change: no amendment.
    assert!(
        row(&s, h.id("d1-1"))["amendments"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'attendance_entry' AND action = 'amended'")
            .await,
        1
    );
    // A given reason is kept.
    let r = put(
        &app,
        mon,
        h.token(&on[0]),
        &json!({"reason": "核实后更正", "entries": [
            {"staff_id": h.id("w1"), "status": "late", "minutes": 8},
        ]}),
    )
    .await;
    let s: Value = r.json().await.unwrap();
    assert_eq!(row(&s, h.id("w1"))["amendments"][1]["reason"], "核实后更正");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_staff_see_only_their_own_attendance() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    set_clock(&app, mon, 9, 0, 0);
    let r = put(
        &app,
        mon,
        h.token(&on[0]),
        &json!({"entries": [
            {"staff_id": h.id("d1-1"), "status": "late", "minutes": 5},
            {"staff_id": h.id("w1"), "status": "present", "note": "准时"},
        ]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let own = sheet(&app, mon, h.token("w1")).await;
    let rows = own["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["staff_id"], h.id("w1"));
    assert_eq!(own["counts"]["total"], 1);
    // A supervisor not on duty that day reads only their own row too; the office reads all.
    let off = off_duty(&on);
    let theirs = sheet(&app, mon, h.token(off)).await;
    assert_eq!(theirs["rows"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["rows"][0]["staff_id"], h.id(off));
    let (_, auditor) = app.create_staff("aud1", &["auditor"], None).await;
    assert_eq!(
        sheet(&app, mon, &auditor).await["rows"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    assert_eq!(
        sheet(&app, mon, &app.admin_token).await["rows"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    // Their own days, paginated.
    let mine: Value = app
        .get(
            &format!(
                "/api/v1/me/attendance?from={mon}&to={}&limit=1",
                plus(mon, 4)
            ),
            h.token("w1"),
        )
        .await
        .json()
        .await
        .unwrap();
    let items = mine["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["date"], mon.to_string());
    assert_eq!(items[0]["status"], "present");
    assert_eq!(items[0]["recorded_by_name"], format!("员工 {}", on[0]));
    assert!(mine["next_cursor"].is_null());
    let v = assert_problem(
        app.get(
            &format!("/api/v1/me/attendance?from={}&to={mon}", plus(mon, 1)),
            h.token("w1"),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "to");
}
