//! Inspections on the hall floor (R4.1, R5): only the day's supervisors (after substitutions)
//! write findings, each says who wrote it; window staff see only the findings about themselves;
//! retries replay; refusals name their fields and speak Chinese.

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

async fn inspect(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post("/api/v1/inspections", token, &body).await
}

fn problem_about(staff: &str) -> Value {
    json!({"staff_id": staff, "category": "attitude", "result": "problem", "severity": "minor",
           "description": "对群众态度生硬"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_supervisors_of_the_day_write_findings_others_are_refused_r4() {
    let app = spawn_app().await;
    let f = floor(&app, 2, 1).await;
    let h = &f.h;
    let r = inspect(
        &app,
        h.token(&f.on[0]),
        json!({"staff_id": h.id("w1"), "category": "attendance", "result": "ok"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["date"], f.today.to_string());
    assert_eq!(first["staff_name"], "员工 w1");
    assert_eq!(first["inspector_id"], h.id(&f.on[0]));
    assert_eq!(first["inspector_name"], format!("员工 {}", f.on[0]));
    assert_eq!(first["rectification"], Value::Null);
    let r = inspect(
        &app,
        h.token(&f.on[1]),
        json!({"category": "cleanliness", "result": "problem", "severity": "major",
               "description": "饮水机旁地面湿滑", "observed_at": format!("{}T08:55:00+08:00", f.today)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let second: Value = r.json().await.unwrap();
    assert_eq!(second["staff_id"], Value::Null, "the hall as a whole");
    assert_eq!(second["inspector_id"], h.id(&f.on[1]));
    assert!(
        second["observed_at"]
            .as_str()
            .unwrap()
            .starts_with(&f.today.to_string())
    );
    // A supervisor not on duty today, window staff and the office admin may not write the day.
    for token in [h.token(&f.off), h.token("w1"), app.admin_token.as_str()] {
        assert_problem(
            inspect(&app, token, problem_about(h.id("w1"))).await,
            403,
            "not_on_duty",
        )
        .await;
    }
    // Tomorrow's supervisors are not today's.
    let tomorrow = f.today + chrono::Duration::days(1);
    let next: Vec<String> = f.roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["date"] == tomorrow.to_string())
        .map(|a| h.no_of(a["staff_id"].as_str().unwrap()))
        .filter(|n| !f.on.contains(n))
        .collect();
    if let Some(n) = next.first() {
        assert_problem(
            inspect(&app, h.token(n), problem_about(h.id("w1"))).await,
            403,
            "not_on_duty",
        )
        .await;
    }
    assert_eq!(app.count("SELECT count(*) AS n FROM inspections").await, 2);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'inspection' AND action = 'created'")
            .await,
        2
    );
    // The duty day lists both with names for the office; w1 sees only the one about them.
    let day: Value = app
        .get(&format!("/api/v1/duty-days/{}", f.today), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let found = day["inspections"].as_array().unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0]["id"], first["id"]);
    assert_eq!(found[0]["staff_name"], "员工 w1");
    assert_eq!(found[1]["inspector_name"], format!("员工 {}", f.on[1]));
    let mine: Value = app
        .get("/api/v1/duty-days/today", h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["inspections"].as_array().unwrap().len(), 1);
    assert_eq!(mine["inspections"][0]["id"], first["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substitute_gains_the_days_inspections_and_the_original_loses_them_r6() {
    let app = spawn_app().await;
    let f = floor(&app, 1, 0).await;
    let h = &f.h;
    let a = f.roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["date"] == f.today.to_string())
        .unwrap()
        .clone();
    let sub = f.off.clone();
    let s: Value = app
        .post(
            "/api/v1/substitutions",
            h.token(&f.on[0]),
            &json!({"assignment_id": a["id"], "substitute_id": h.id(&sub), "reason": "家中有事"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .post(
            &format!("/api/v1/substitutions/{}/accept", s["id"].as_str().unwrap()),
            h.token(&sub),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_problem(
        inspect(&app, h.token(&f.on[0]), problem_about(h.id("w1"))).await,
        403,
        "not_on_duty",
    )
    .await;
    let r = inspect(&app, h.token(&sub), problem_about(h.id("w1"))).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["inspector_id"], h.id(&sub));
    assert_eq!(v["assignment_id"], a["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_are_validated_field_by_field() {
    let app = spawn_app().await;
    let f = floor(&app, 1, 2).await;
    let t = f.h.token(&f.on[0]);
    let w1 = f.h.id("w1");
    let cases = [
        (
            json!({"staff_id": w1, "category": "conduct", "result": "ok", "severity": "minor"}),
            vec![("severity", "not_allowed")],
        ),
        (
            json!({"staff_id": w1, "category": "conduct", "result": "problem"}),
            vec![("severity", "required"), ("description", "required")],
        ),
        (
            json!({"category": "safety", "result": "ok", "rectify_within_working_days": 3}),
            vec![("rectify_within_working_days", "not_allowed")],
        ),
        (
            json!({"category": "safety", "result": "problem", "severity": "serious",
                   "description": "  ", "rectify_within_working_days": 31}),
            vec![
                ("description", "required"),
                ("rectify_within_working_days", "out_of_range"),
            ],
        ),
        (
            json!({"category": "safety", "result": "ok", "observed_at": "09:00"}),
            vec![("observed_at", "invalid_datetime")],
        ),
        (
            // No window staff member of the center has this id.
            json!({"staff_id": uuid::Uuid::now_v7(), "category": "conduct", "result": "ok"}),
            vec![("staff_id", "unknown")],
        ),
    ];
    for (body, want) in cases {
        let v = assert_problem(
            inspect(&app, t, body.clone()).await,
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
        let want: Vec<(String, String)> = want
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect();
        assert_eq!(got, want, "{body}");
    }
    let v = assert_problem(
        inspect(&app, t, json!({"category": "gossip", "result": "ok"})).await,
        400,
        "malformed_request",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "category");
    assert_eq!(v["errors"][0]["code"], "invalid_choice");
    assert_problem(
        inspect(
            &app,
            t,
            json!({"category": "safety", "result": "ok", "photo": "x"}),
        )
        .await,
        400,
        "unknown_field",
    )
    .await;
    // In Chinese: a field error of the new rules.
    let r = app
        .req(reqwest::Method::POST, "/api/v1/inspections", Some(t))
        .header("Accept-Language", "zh-CN,zh;q=0.9")
        .json(&json!({"staff_id": w1, "category": "conduct", "result": "ok", "severity": "minor"}))
        .send()
        .await
        .unwrap();
    let v = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(
        v["errors"][0]["message"],
        "只有结果为问题时才可填写此字段（当前结果为正常）。"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM inspections").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_staff_see_only_findings_about_themselves() {
    let app = spawn_app().await;
    let f = floor(&app, 1, 3).await;
    let h = &f.h;
    let (w2, w2_token) = app
        .create_staff("w2", &["window_staff"], Some(&h.depts[1]))
        .await;
    let w2_id = w2["id"].as_str().unwrap().to_owned();
    let t = h.token(&f.on[0]);
    let mine: Value = inspect(&app, t, problem_about(h.id("w1")))
        .await
        .json()
        .await
        .unwrap();
    let theirs: Value = inspect(
        &app,
        t,
        json!({"staff_id": w2_id, "category": "efficiency", "result": "ok"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let hall: Value = inspect(
        &app,
        t,
        json!({"category": "safety", "result": "problem", "severity": "serious", "description": "安全通道堵塞"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let one = |id: &Value| format!("/api/v1/inspections/{}", id.as_str().unwrap());
    assert_eq!(
        app.get(&one(&mine["id"]), h.token("w1")).await.status(),
        200
    );
    assert_problem(
        app.get(&one(&theirs["id"]), h.token("w1")).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&one(&hall["id"]), h.token("w1")).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(app.get(&one(&theirs["id"]), &w2_token).await.status(), 200);
    // Supervisors (even off duty) and the office see all.
    for token in [h.token(&f.off), app.admin_token.as_str()] {
        assert_eq!(app.get(&one(&theirs["id"]), token).await.status(), 200);
    }
    let list = |token: String, q: String| {
        let app = &app;
        async move {
            let v: Value = app
                .get(&format!("/api/v1/inspections{q}"), &token)
                .await
                .json()
                .await
                .unwrap();
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].clone())
                .collect::<Vec<_>>()
        }
    };
    let w1t = h.token("w1").to_owned();
    assert_eq!(
        list(w1t.clone(), String::new()).await,
        vec![mine["id"].clone()]
    );
    assert!(list(w1t, format!("?staff_id={w2_id}")).await.is_empty());
    let admin = app.admin_token.clone();
    assert_eq!(
        list(admin.clone(), String::new()).await,
        vec![hall["id"].clone(), theirs["id"].clone(), mine["id"].clone()],
        "newest first"
    );
    assert_eq!(
        list(admin.clone(), "?result=problem&severity=serious".into()).await,
        vec![hall["id"].clone()]
    );
    assert_eq!(
        list(
            admin.clone(),
            format!("?category=efficiency&from={0}&to={0}", f.today)
        )
        .await,
        vec![theirs["id"].clone()]
    );
    assert!(
        list(
            admin.clone(),
            format!("?from={}", f.today + chrono::Duration::days(1))
        )
        .await
        .is_empty()
    );
    // Keyset pages.
    let p1: Value = app
        .get("/api/v1/inspections?limit=2", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let p2: Value = app
        .get(
            &format!(
                "/api/v1/inspections?limit=2&cursor={}",
                p1["next_cursor"].as_str().unwrap()
            ),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p2["items"][0]["id"], mine["id"]);
    assert_eq!(p2["next_cursor"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_finding_is_recorded_once() {
    let app = spawn_app().await;
    let f = floor(&app, 1, 1).await;
    let t = f.h.token(&f.on[0]);
    let send = |body: Value| {
        app.req(reqwest::Method::POST, "/api/v1/inspections", Some(t))
            .header("Idempotency-Key", "phone-insp-1")
            .json(&body)
            .send()
    };
    let body = problem_about(f.h.id("w1"));
    let a = send(body.clone()).await.unwrap();
    assert_eq!(a.status(), 201);
    let a: Value = a.json().await.unwrap();
    let b = send(body.clone()).await.unwrap();
    assert_eq!(b.status(), 201);
    let b: Value = b.json().await.unwrap();
    assert_eq!(a["id"], b["id"]);
    assert_eq!(app.count("SELECT count(*) AS n FROM inspections").await, 1);
    let mut other = body;
    other["severity"] = json!("major");
    assert_problem(send(other).await.unwrap(), 422, "idempotency_key_reused").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_follow_the_duty_days_window() {
    let app = spawn_app().await;
    let f = floor(&app, 2, 0).await;
    let h = &f.h;
    let finding = json!({"category": "cleanliness", "result": "ok"});
    // Within the grace period after the duty end (18:00 + 120 minutes) a finding is accepted.
    clock_at(&app, f.today, 19, 59);
    let r = inspect(&app, h.token(&f.on[0]), finding.clone()).await;
    assert_eq!(r.status(), 201);
    // After it the day is closed to supervisors.
    clock_at(&app, f.today, 20, 1);
    let r = inspect(&app, h.token(&f.on[0]), finding.clone()).await;
    assert_problem(r, 409, "duty_day_closed").await;
    // On a Saturday the hall is closed.
    let saturday = f.mon + chrono::Duration::days(5);
    clock_at(&app, saturday, 10, 0);
    let r = inspect(&app, h.token(&f.on[0]), finding).await;
    assert_problem(r, 422, "not_working_day").await;
    assert_eq!(app.count("SELECT count(*) AS n FROM inspections").await, 1);
}
