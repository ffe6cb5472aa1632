//! The workflow of citizens' requests (R13, R18, R19, R20): the moves and their refusals, the
//! owner chain through forwards and escalations, the paused deadline, the finding, the refusal,
//! reopening by the office and the one-time notice.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::Response;
use serde_json::{Value, json};

/// A portal token for center alpha.
fn portal() -> String {
    portal_token("portal-a", &["alpha"])
}

async fn json_of(r: Response, status: u16) -> Value {
    let s = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert_eq!(s, status, "{v}");
    v
}

/// Records a request through intake as `token` and returns it.
async fn intake(app: &TestApp, token: &str, extra: Value) -> Value {
    let mut body = json!({
        "kind": "help",
        "channel": "visit",
        "citizen_name": "张三",
        "citizen_phone": "13912345678",
        "concerns": "hall",
        "subject": "办理社保卡",
        "description": "材料不清楚",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let v = json_of(
        app.post("/api/v1/citizen-requests", token, &body).await,
        201,
    )
    .await;
    v["request"].clone()
}

/// Makes move `m` on request `id` as `token`, with a note and `extra` fields.
async fn mv(app: &TestApp, token: &str, id: &str, m: &str, extra: Value) -> Response {
    let mut body = json!({"note": format!("{m} 说明")});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.post(&format!("/api/v1/citizen-requests/{id}/{m}"), token, &body)
        .await
}

async fn ok(app: &TestApp, token: &str, id: &str, m: &str, extra: Value) -> Value {
    json_of(mv(app, token, id, m, extra).await, 200).await
}

async fn history(app: &TestApp, token: &str, id: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/citizen-requests/{id}/history"), token)
            .await,
        200,
    )
    .await
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_request_waits_in_the_queue_until_a_staff_member_accepts_it_r19() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let portal = portal();
    let r = intake(
        &app,
        &portal,
        json!({"center_code": "alpha", "channel": "portal"}),
    )
    .await;
    let id = r["id"].as_str().unwrap();
    assert_eq!(r["state"], "received");
    assert!(r["owner_id"].is_null());
    // The portal makes no move; nothing but accepting takes it out of the queue.
    assert_problem(
        mv(&app, &portal, id, "accept", json!({})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        mv(&app, &app.admin_token, id, "start", json!({})).await,
        409,
        "invalid_state",
    )
    .await;
    // Auditors only read.
    let (_, auditor) = app.create_staff("a1", &["auditor"], None).await;
    assert_problem(
        mv(&app, &auditor, id, "accept", json!({})).await,
        403,
        "forbidden",
    )
    .await;
    let v = ok(&app, h.token("w1"), id, "accept", json!({})).await;
    assert_eq!(v["state"], "accepted");
    assert_eq!(v["owner_id"], h.id("w1"));
    assert_eq!(v["owner_name"], "员工 w1");
    assert_eq!(v["version"], 2);
    // The portal hears of it through the outbox, in the move's transaction, without the
    // citizen's personal data; refused moves wrote nothing.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM outbox_events WHERE entity_id = '{id}' \
             AND kind = 'citizen_request.status_changed' AND payload->>'state' = 'accepted' \
             AND portal = 'portal-a' AND payload::text NOT LIKE '%12345678%'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM outbox_events").await,
        1
    );
    // Accepted once: a second accept is a conflict.
    assert_problem(
        mv(&app, h.token("d1-1"), id, "accept", json!({})).await,
        409,
        "invalid_state",
    )
    .await;
    let hist = history(&app, h.token("w1"), id).await;
    assert_eq!(hist["owners"].as_array().unwrap().len(), 1);
    assert_eq!(hist["owners"][0]["how"], "accepted");
    assert_eq!(hist["owners"][0]["owner_id"], h.id("w1"));
    assert!(hist["owners"][0]["until"].is_null());
    assert_eq!(hist["moves"][0]["action"], "accept");
    assert_eq!(hist["moves"][0]["from_state"], "received");
    assert_eq!(hist["moves"][0]["to_state"], "accepted");
    assert_eq!(hist["moves"][0]["note"], "accept 说明");
    assert_eq!(hist["moves"][0]["by_staff_name"], "员工 w1");
    // The portal reads no history.
    assert_problem(
        app.get(&format!("/api/v1/citizen-requests/{id}/history"), &portal)
            .await,
        403,
        "forbidden",
    )
    .await;
    // The audit trail holds the request row, never the citizen's phone or name.
    let leaked = app
        .count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{id}' \
             AND (coalesce(before::text, '') || coalesce(after::text, '')) ~ '(13912345678|张三)'"
        ))
        .await;
    assert_eq!(leaked, 0);
    let audited = app
        .count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{id}' \
             AND entity_type = 'citizen_request' AND action = 'accepted'"
        ))
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarding_and_escalating_hand_the_request_on_and_the_chain_keeps_the_times_r13_r19() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let today = app.today();
    set_clock(&app, today, 9, 0, 0);
    let r = intake(
        &app,
        h.token("d1-1"),
        json!({"kind": "complaint", "concerns": "department", "department_id": h.depts[1]}),
    )
    .await;
    let id = r["id"].as_str().unwrap();
    assert_eq!(r["state"], "accepted");
    assert_eq!(r["owner_id"], h.id("d1-1"));
    let to = |who: &str| json!({"to_staff_id": h.id(who)});
    // Only the owner (or the office) hands it on.
    assert_problem(
        mv(&app, h.token("d1-2"), id, "forward", to("d2-1")).await,
        403,
        "forbidden",
    )
    .await;
    // Not to the owner, nor to someone outside any department, nor to a stranger.
    assert_problem(
        mv(&app, h.token("d1-1"), id, "forward", to("d1-1")).await,
        422,
        "already_owner",
    )
    .await;
    let (nodept, _) = app.create_staff("x1", &["window_staff"], None).await;
    let b = assert_problem(
        mv(
            &app,
            h.token("d1-1"),
            id,
            "forward",
            json!({"to_staff_id": nodept["id"]}),
        )
        .await,
        422,
        "forward_no_department",
    )
    .await;
    assert_eq!(b["errors"][0]["field"], "to_staff_id");
    assert_problem(
        mv(
            &app,
            h.token("d1-1"),
            id,
            "forward",
            json!({"to_staff_id": uuid::Uuid::now_v7()}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    let v = ok(&app, h.token("d1-1"), id, "forward", to("d2-1")).await;
    assert_eq!(v["state"], "forwarded");
    assert_eq!(v["owner_id"], h.id("d2-1"));
    // The former owner no longer moves it.
    assert_problem(
        mv(&app, h.token("d1-1"), id, "start", json!({})).await,
        403,
        "forbidden",
    )
    .await;
    // An hour later the new owner escalates it to a leader: not a plain clerk, the office is.
    set_clock(&app, today, 10, 0, 0);
    assert_problem(
        mv(&app, h.token("d2-1"), id, "escalate", to("w1")).await,
        422,
        "escalate_not_leader",
    )
    .await;
    let v = ok(
        &app,
        h.token("d2-1"),
        id,
        "escalate",
        json!({"to_staff_id": app.admin_id}),
    )
    .await;
    assert_eq!(v["state"], "escalated");
    assert_eq!(v["owner_id"], app.admin_id.to_string());
    let hist = history(&app, &app.admin_token, id).await;
    let owners = hist["owners"].as_array().unwrap();
    assert_eq!(owners.len(), 3);
    assert_eq!(
        owners
            .iter()
            .map(|o| o["how"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["received", "forwarded", "escalated"]
    );
    assert_eq!(owners[1]["owner_id"], h.id("d2-1"));
    assert_eq!(owners[1]["department_id"], h.depts[1]);
    assert_eq!(owners[1]["department_name"], "部门 d2");
    // Each hand-on closes the previous entry when the next begins.
    assert_eq!(at(&owners[0]["until"]), at(&owners[1]["since"]));
    assert_eq!(at(&owners[1]["until"]), at(&owners[2]["since"]));
    let gap = at(&owners[2]["since"]) - at(&owners[1]["since"]);
    assert!(
        gap > Duration::minutes(59) && gap <= Duration::hours(1),
        "{gap}"
    );
    assert!(owners[2]["until"].is_null());
    assert_eq!(hist["moves"].as_array().unwrap().len(), 2);
    // Former owners still read the history; a clerk who never held it does not.
    history(&app, h.token("d1-1"), id).await;
    assert_problem(
        app.get(
            &format!("/api/v1/citizen-requests/{id}/history"),
            h.token("w1"),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM citizen_request_owners WHERE request_id = '{id}' AND until IS NULL"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_move_takes_a_note_and_answers_in_its_states_only() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let r = intake(&app, h.token("d1-1"), json!({})).await;
    let id = r["id"].as_str().unwrap();
    let t = h.token("d1-1");
    let url = format!("/api/v1/citizen-requests/{id}/start");
    // No note, a blank note, an unknown field.
    let b = assert_problem(
        app.post(&url, t, &json!({})).await,
        400,
        "malformed_request",
    )
    .await;
    assert_eq!(b["errors"][0]["field"], "note");
    assert_eq!(b["errors"][0]["code"], "required");
    let b = assert_problem(
        app.post(&url, t, &json!({"note": "  "})).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(b["errors"][0]["field"], "note");
    assert_problem(
        app.post(&url, t, &json!({"note": "x", "extra": 1})).await,
        400,
        "unknown_field",
    )
    .await;
    // Wrong states: nothing to resume, close or answer before work starts.
    for m in ["resume", "close", "wait"] {
        assert_problem(mv(&app, t, id, m, json!({})).await, 409, "invalid_state").await;
    }
    assert_problem(
        mv(&app, t, id, "answer", json!({"answer": "答复"})).await,
        409,
        "invalid_state",
    )
    .await;
    // The portal never moves a request.
    assert_problem(
        mv(&app, &portal(), id, "start", json!({})).await,
        403,
        "forbidden",
    )
    .await;
    // A clerk who cannot see it gets 404, a supervisor who can but does not own it 403.
    assert_problem(
        mv(&app, h.token("w1"), id, "start", json!({})).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        mv(&app, h.token("d2-1"), id, "start", json!({})).await,
        403,
        "forbidden",
    )
    .await;
    let v = ok(&app, t, id, "start", json!({})).await;
    assert_eq!(v["state"], "in_progress");
    assert_problem(
        mv(&app, t, id, "start", json!({})).await,
        409,
        "invalid_state",
    )
    .await;
    // The office stands in for an owner who is away; the owner stays the owner.
    let v = ok(
        &app,
        &app.admin_token,
        id,
        "answer",
        json!({"answer": "请携带身份证办理"}),
    )
    .await;
    assert_eq!(v["state"], "answered");
    assert_eq!(v["answer"], "请携带身份证办理");
    assert_eq!(v["owner_id"], h.id("d1-1"));
    let v = ok(&app, t, id, "close", json!({})).await;
    assert_eq!(v["state"], "closed");
    assert!(v["closed_at"].is_string());
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM citizen_requests WHERE id = '{id}' AND version = 4"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_the_citizen_moves_the_due_date_by_the_paused_working_days_r20() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 3).await;
    // The Wednesday of the first week is closed: not a working day.
    let r = app
        .req(
            reqwest::Method::PUT,
            &format!("/api/v1/calendar/days/{}", plus(mon, 2)),
            Some(&app.admin_token),
        )
        .json(&json!({"kind": "closure", "name": "停电"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    set_clock(&app, mon, 9, 0, 0);
    // Help: 5 working days from Monday, the Wednesday skipped: Tue, Thu, Fri, Mon, Tue.
    let r = intake(&app, h.token("d1-1"), json!({})).await;
    let id = r["id"].as_str().unwrap();
    let t = h.token("d1-1");
    assert_eq!(r["deadline"]["due_on"], plus(mon, 8));
    ok(&app, t, id, "start", json!({})).await;
    let v = ok(&app, t, id, "wait", json!({})).await;
    assert_eq!(v["state"], "waiting_citizen");
    assert_eq!(v["deadline"]["paused_since"], plus(mon, 0));
    // Back a week later: Tue, Thu, Fri and Monday were waited (the closed Wednesday is not a
    // working day), so the deadline moves by 4 working days.
    set_clock(&app, mon + Duration::days(7), 10, 0, 0);
    let v = ok(&app, t, id, "resume", json!({})).await;
    assert_eq!(v["state"], "in_progress");
    assert_eq!(v["deadline"]["paused_days"], 4);
    assert!(v["deadline"]["paused_since"].is_null());
    assert_eq!(v["deadline"]["due_on"], plus(mon, 14));
    // A second pause of two working days adds to the first.
    ok(&app, t, id, "wait", json!({})).await;
    set_clock(&app, mon + Duration::days(9), 10, 0, 0);
    let v = ok(&app, t, id, "resume", json!({})).await;
    assert_eq!(v["deadline"]["paused_days"], 6);
    assert_eq!(v["deadline"]["due_on"], plus(mon, 16));
    let n: NaiveDate = NaiveDate::parse_from_str(&plus(mon, 16), "%Y-%m-%d").unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM citizen_requests WHERE id = '{id}' AND due_on = '{n}' \
             AND paused_days = 6 AND paused_on IS NULL"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complaint_about_a_staff_member_is_answered_only_with_a_finding_r18() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let t = h.token("d1-1");
    let r = intake(
        &app,
        t,
        json!({"kind": "complaint", "concerns": "staff", "staff_id": h.id("w1")}),
    )
    .await;
    let id = r["id"].as_str().unwrap();
    ok(&app, t, id, "start", json!({})).await;
    let b = assert_problem(
        mv(&app, t, id, "answer", json!({"answer": "已调查"})).await,
        422,
        "finding_required",
    )
    .await;
    assert_eq!(b["errors"][0]["field"], "finding");
    assert_problem(
        mv(
            &app,
            t,
            id,
            "answer",
            json!({"answer": "已调查", "finding": {"substantiated": true, "reason": " "}}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    let v = ok(
        &app,
        t,
        id,
        "answer",
        json!({"answer": "已调查并致歉", "finding": {"substantiated": true, "reason": "态度生硬属实"}}),
    )
    .await;
    assert_eq!(v["substantiated"], true);
    assert_eq!(v["finding_reason"], "态度生硬属实");
    // Anything else takes no finding.
    let other = intake(&app, t, json!({})).await;
    let oid = other["id"].as_str().unwrap();
    ok(&app, t, oid, "start", json!({})).await;
    assert_problem(
        mv(
            &app,
            t,
            oid,
            "answer",
            json!({"answer": "好的", "finding": {"substantiated": false, "reason": "无"}}),
        )
        .await,
        422,
        "finding_not_applicable",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_says_why_and_what_to_do_instead_and_only_the_office_reopens() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let t = h.token("d1-1");
    let r = intake(&app, t, json!({})).await;
    let id = r["id"].as_str().unwrap();
    // Both the reason and the guidance are required.
    let b = assert_problem(
        mv(&app, t, id, "refuse", json!({"reason": "不属于本中心职责"})).await,
        400,
        "malformed_request",
    )
    .await;
    assert_eq!(b["errors"][0]["field"], "guidance");
    assert_eq!(b["errors"][0]["code"], "required");
    let b = assert_problem(
        mv(
            &app,
            t,
            id,
            "refuse",
            json!({"reason": "", "guidance": "请向市医保局咨询"}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(b["errors"][0]["field"], "reason");
    let v = ok(
        &app,
        t,
        id,
        "refuse",
        json!({"reason": "不属于本中心职责", "guidance": "请向市医保局咨询"}),
    )
    .await;
    assert_eq!(v["state"], "refused");
    assert_eq!(v["refusal_reason"], "不属于本中心职责");
    assert_eq!(v["refusal_guidance"], "请向市医保局咨询");
    // Refused is final for the owner: neither close nor reopen.
    assert_problem(
        mv(&app, t, id, "close", json!({})).await,
        409,
        "invalid_state",
    )
    .await;
    assert_problem(mv(&app, t, id, "reopen", json!({})).await, 403, "forbidden").await;
    let v = ok(&app, &app.admin_token, id, "reopen", json!({})).await;
    assert_eq!(v["state"], "in_progress");
    assert_eq!(
        v["owner_id"],
        h.id("d1-1"),
        "reopening keeps the last owner"
    );
    assert!(v["closed_at"].is_null());
    // Reopened work goes on with the owner.
    let v = ok(&app, t, id, "answer", json!({"answer": "已转医保局"})).await;
    assert_eq!(v["state"], "answered");
    assert!(v["refusal_reason"].is_null());
    assert_problem(
        mv(
            &app,
            &app.admin_token,
            id,
            "refuse",
            json!({"reason": "x", "guidance": "y"}),
        )
        .await,
        409,
        "invalid_state",
    )
    .await;
    let hist = history(&app, t, id).await;
    let actions: Vec<&str> = hist["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["refuse", "reopen", "answer"]);
    assert_eq!(hist["moves"][1]["by_staff"], app.admin_id.to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_time_notice_is_recorded_by_the_owner_and_shown_again_r19() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let t = h.token("d1-1");
    let r = intake(&app, t, json!({})).await;
    let id = r["id"].as_str().unwrap();
    let url = format!("/api/v1/citizen-requests/{id}/notices");
    let notice = json!({
        "materials": ["身份证原件", "户口簿复印件"],
        "procedure": "先到3号窗口取号，再到社保窗口办理",
        "time_limit": "5个工作日内办结",
    });
    // Not the owner; no materials; a blank material.
    assert_problem(
        app.post(&url, h.token("d2-1"), &notice).await,
        403,
        "forbidden",
    )
    .await;
    let mut empty = notice.clone();
    empty["materials"] = json!([]);
    assert_problem(app.post(&url, t, &empty).await, 400, "validation_failed").await;
    let mut blank = notice.clone();
    blank["materials"] = json!(["身份证", " "]);
    let b = assert_problem(app.post(&url, t, &blank).await, 400, "validation_failed").await;
    assert_eq!(b["errors"][0]["field"], "materials[1]");
    let v = json_of(app.post(&url, t, &notice).await, 201).await;
    assert_eq!(v["materials"], notice["materials"]);
    assert_eq!(v["given_by"], h.id("d1-1"));
    assert_eq!(v["given_by_name"], "员工 d1-1");
    // Shown again, to whoever may see the request.
    let list = json_of(app.get(&url, &app.admin_token).await, 200).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["procedure"], notice["procedure"]);
    assert_problem(app.get(&url, &portal()).await, 403, "forbidden").await;
    // In the trail, the state unchanged.
    let hist = history(&app, t, id).await;
    assert_eq!(hist["moves"][0]["action"], "notice");
    assert_eq!(hist["moves"][0]["from_state"], hist["moves"][0]["to_state"]);
    // No notice once answered.
    ok(&app, t, id, "start", json!({})).await;
    ok(&app, t, id, "answer", json!({"answer": "已办结"})).await;
    assert_problem(app.post(&url, t, &notice).await, 409, "invalid_state").await;
}
