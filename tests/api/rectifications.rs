//! Rectification (整改, R25): deadlines in working days of the center's calendar, answered by the
//! staff member, verified or reopened by the day's duty or the office, overdue ones listed.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::Duration;
use serde_json::{Value, json};

/// A problem about `w1` found by today's supervisor, to be rectified within `days` working days;
/// the finding.
async fn problem(app: &TestApp, f: &Floor, days: i32) -> Value {
    let r = app
        .post(
            "/api/v1/inspections",
            f.h.token(&f.on[0]),
            &json!({"staff_id": f.h.id("w1"), "category": "case_quality", "result": "problem",
                    "severity": "major", "description": "材料审核遗漏",
                    "rectify_within_working_days": days}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn act(app: &TestApp, id: &str, mv: &str, token: &str, body: Value) -> reqwest::Response {
    app.post(&format!("/api/v1/rectifications/{id}/{mv}"), token, &body)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_skips_weekends_and_holidays_r25() {
    let app = spawn_app().await;
    // Thursday of a plain week: 2 working days later is Monday, over the weekend.
    let f = floor(&app, 1, 3).await;
    let v = problem(&app, &f, 2).await;
    assert_eq!(v["rectification"]["status"], "open");
    assert_eq!(v["rectification"]["deadline"], plus(f.mon, 7));
    // The office closes that Monday for a holiday: the next finding's deadline is Tuesday.
    let r = app
        .req(
            reqwest::Method::PUT,
            &format!("/api/v1/calendar/days/{}", plus(f.mon, 7)),
            Some(&app.admin_token),
        )
        .json(&json!({"kind": "holiday", "name": "地方假日"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let v = problem(&app, &f, 2).await;
    assert_eq!(v["rectification"]["deadline"], plus(f.mon, 8));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'rectification' AND action = 'open'")
            .await,
        2
    );
    // A calendar that does not know the year's statutory holidays cannot count working days:
    // refused loudly, nothing written.
    app.exec("DELETE FROM statutory_years").await;
    let r = app
        .req(
            reqwest::Method::POST,
            "/api/v1/inspections",
            Some(f.h.token(&f.on[0])),
        )
        .header("Accept-Language", "zh")
        .json(
            &json!({"staff_id": f.h.id("w1"), "category": "conduct", "result": "problem",
                      "severity": "minor", "description": "着装不规范",
                      "rectify_within_working_days": 2}),
        )
        .send()
        .await
        .unwrap();
    let v = assert_problem(r, 422, "holidays_not_loaded").await;
    let year = chrono::Datelike::year(&f.today).to_string();
    assert!(v["detail"].as_str().unwrap().contains(&year), "{v}");
    assert!(v["detail"].as_str().unwrap().contains("整改期限"), "{v}");
    assert_eq!(app.count("SELECT count(*) AS n FROM inspections").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_then_reopened_then_verified_and_illegal_moves_conflict_r25() {
    let app = spawn_app().await;
    let f = floor(&app, 1, 1).await;
    let h = &f.h;
    let finding = problem(&app, &f, 3).await;
    let id = finding["rectification"]["id"].as_str().unwrap().to_owned();
    let sup = h.token(&f.on[0]);
    // Not answered yet: nothing to verify (409); only w1 answers (403 for the supervisor).
    assert_problem(
        act(&app, &id, "verify", sup, json!({"note": "已整改"})).await,
        409,
        "invalid_state",
    )
    .await;
    assert_problem(
        act(&app, &id, "answer", sup, json!({"note": "代答"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        act(&app, &id, "answer", h.token("w1"), json!({"note": " "})).await,
        400,
        "validation_failed",
    )
    .await;
    let doc = uploaded(&app, h.token("w1"), "application/pdf", pdf()).await;
    let r = act(
        &app,
        &id,
        "answer",
        h.token("w1"),
        json!({"note": "已补齐材料并重新审核", "attachment_ids": [doc]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "answered");
    assert_eq!(v["staff_name"], "员工 w1");
    assert_eq!(v["attachment_ids"][0], doc.as_str());
    assert_eq!(v["events"][0]["action"], "answered");
    // The answer's document is seen by the office, not by another window clerk.
    let (_, w2) = app
        .create_staff("w2", &["window_staff"], Some(&h.depts[0]))
        .await;
    assert_eq!(
        app.get(&format!("/api/v1/attachments/{doc}"), &app.admin_token)
            .await
            .status(),
        200
    );
    assert_problem(
        app.get(&format!("/api/v1/attachments/{doc}"), &w2).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/rectifications/{id}"), &w2).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        act(&app, &id, "answer", &w2, json!({"note": "x"})).await,
        404,
        "not_found",
    )
    .await;
    // Answered twice: 409. A supervisor not on duty today may not decide (403).
    assert_problem(
        act(&app, &id, "answer", h.token("w1"), json!({"note": "again"})).await,
        409,
        "invalid_state",
    )
    .await;
    assert_problem(
        act(&app, &id, "verify", h.token(&f.off), json!({"note": "ok"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        act(
            &app,
            &id,
            "reopen",
            sup,
            json!({"note": "仍有遗漏", "rectify_within_working_days": 0}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    // Today's supervisor reopens: due 1 working day after today (a Tuesday: Wednesday).
    let r = act(
        &app,
        &id,
        "reopen",
        sup,
        json!({"note": "仍有遗漏", "rectify_within_working_days": 1}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "reopened");
    assert_eq!(v["deadline"], plus(f.today, 1));
    assert_eq!(v["decided_by"], h.id(&f.on[0]));
    assert_eq!(v["decision_note"], "仍有遗漏");
    assert_eq!(v["events"][1]["deadline"], plus(f.today, 1));
    let r = act(
        &app,
        &id,
        "answer",
        h.token("w1"),
        json!({"note": "已全部补齐"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // The office verifies it closed; then nothing more.
    let r = act(
        &app,
        &id,
        "verify",
        &app.admin_token,
        json!({"note": "复查合格"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "verified");
    assert_eq!(v["events"].as_array().unwrap().len(), 4);
    assert_problem(
        act(
            &app,
            &id,
            "reopen",
            sup,
            json!({"note": "x", "rectify_within_working_days": 2}),
        )
        .await,
        409,
        "invalid_state",
    )
    .await;
    let r = app
        .req(
            reqwest::Method::POST,
            &format!("/api/v1/rectifications/{id}/verify"),
            Some(sup),
        )
        .header("Accept-Language", "zh")
        .json(&json!({"note": "再次确认"}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 409, "invalid_state").await;
    assert!(p["detail"].as_str().unwrap().contains("verified"));
    assert_eq!(
        app.count(&format!("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'rectification' AND entity_id = '{id}'"))
            .await,
        5,
        "opened, answered, reopened, answered, verified"
    );
    // The finding shows its rectification's state.
    let fnd: Value = app
        .get(
            &format!("/api/v1/inspections/{}", finding["id"].as_str().unwrap()),
            h.token("w1"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fnd["rectification"]["status"], "verified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_rectifications_are_listed_once_the_deadline_passes_r25() {
    let app = spawn_app().await;
    let f = floor(&app, 1, 3).await;
    let h = &f.h;
    // Thursday, 1 working day: due Friday.
    let mine = problem(&app, &f, 1).await;
    assert_eq!(mine["rectification"]["deadline"], plus(f.mon, 4));
    let hall: Value = app
        .post(
            "/api/v1/inspections",
            h.token(&f.on[0]),
            &json!({"category": "cleanliness", "result": "problem", "severity": "minor",
                    "description": "垃圾未清", "rectify_within_working_days": 5}),
        )
        .await
        .json()
        .await
        .unwrap();
    let ids = |v: Value| -> Vec<Value> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].clone())
            .collect()
    };
    let get = |path: &'static str, token: String| {
        let app = &app;
        async move { app.get(path, &token).await.json::<Value>().await.unwrap() }
    };
    let admin = app.admin_token.clone();
    assert!(ids(get("/api/v1/rectifications?overdue=true", admin.clone()).await).is_empty());
    // Friday is the deadline day itself: not yet overdue.
    clock_at(&app, f.mon + Duration::days(4), 17, 0);
    assert!(ids(get("/api/v1/rectifications?overdue=true", admin.clone()).await).is_empty());
    // Monday: overdue.
    clock_at(&app, f.mon + Duration::days(7), 9, 0);
    let v = get("/api/v1/rectifications?overdue=true", admin.clone()).await;
    assert_eq!(ids(v.clone()), vec![mine["rectification"]["id"].clone()]);
    assert_eq!(v["items"][0]["overdue"], true);
    assert_eq!(v["items"][0]["category"], "case_quality");
    // Filters: status, person; w1 sees only their own; w1's list ignores others' ids.
    let all = ids(get("/api/v1/rectifications?status=open", admin.clone()).await);
    assert_eq!(
        all,
        vec![
            hall["rectification"]["id"].clone(),
            mine["rectification"]["id"].clone()
        ]
    );
    assert_eq!(
        ids(get("/api/v1/rectifications", h.token("w1").to_owned()).await),
        vec![mine["rectification"]["id"].clone()]
    );
    let hall_id = hall["rectification"]["id"].as_str().unwrap().to_owned();
    assert_problem(
        app.get(&format!("/api/v1/rectifications/{hall_id}"), h.token("w1"))
            .await,
        404,
        "not_found",
    )
    .await;
    // A hall-wide finding is answered by the office, not by a supervisor.
    assert_problem(
        act(
            &app,
            &hall_id,
            "answer",
            h.token(&f.on[0]),
            json!({"note": "已清理"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let r = act(
        &app,
        &hall_id,
        "answer",
        &app.admin_token,
        json!({"note": "已安排保洁清理"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Answering stops the clock: it is no longer overdue once answered.
    let id = mine["rectification"]["id"].as_str().unwrap();
    assert_eq!(
        act(&app, id, "answer", h.token("w1"), json!({"note": "已改正"}))
            .await
            .status(),
        200
    );
    assert!(ids(get("/api/v1/rectifications?overdue=true", admin).await).is_empty());
}
