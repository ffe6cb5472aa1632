//! Auditors are read-only: a caller whose only role is auditor is refused every write of the API
//! but their own session and password and the audit-trail check; someone who is an auditor and
//! something else keeps the other role's rights.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

/// The writes an auditor may make; every other write of the document must answer 403.
const OPEN_TO_AUDITORS: [&str; 7] = [
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/me/password",
    "/api/v1/audit-events/verify",
    "/api/v1/citizen-requests/lookup",
    "/api/v1/ratings/by-link",
];

/// Every write operation of the committed OpenAPI document: (method, path template).
fn write_operations() -> Vec<(Method, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    path.clone(),
                ));
            }
        }
    }
    ops
}

/// The template with its parameters filled: dates with today, the rest with an id.
fn concrete(app: &TestApp, template: &str) -> String {
    let today = app.today().to_string();
    template
        .split('/')
        .map(|seg| match seg {
            "{date}" => today.as_str(),
            s if s.starts_with('{') => "6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pure_auditor_is_refused_every_write_but_their_own_session() {
    let app = spawn_app().await;
    let (_, auditor) = app.create_staff("aud1", &["auditor"], None).await;
    let ops = write_operations();
    assert!(
        ops.len() > 80,
        "the document lists the writes ({})",
        ops.len()
    );
    let mut refused = 0;
    for (method, template) in &ops {
        if OPEN_TO_AUDITORS.contains(&template.as_str()) {
            continue;
        }
        let path = concrete(&app, template);
        let r = app
            .req(method.clone(), &path, Some(&auditor))
            .header("accept-language", "zh")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{method} {template}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["code"], "forbidden", "{method} {template}: {p}");
        assert_eq!(
            p["detail"], "您的角色无权执行此操作。",
            "{method} {template}"
        );
        refused += 1;
    }
    assert_eq!(refused, ops.len() - OPEN_TO_AUDITORS.len());
    // What the issue found them doing: nothing of it was written.
    let leave = app.count("SELECT count(*) AS n FROM leave_requests").await;
    let feeds = app.count("SELECT count(*) AS n FROM feed_tokens").await;
    assert_eq!((leave, feeds), (0, 0));
    // The same with a body that would be valid for someone else.
    let r = app
        .post(
            "/api/v1/me/feed-tokens",
            &auditor,
            &json!({"label": "审计"}),
        )
        .await;
    assert_problem(r, 403, "forbidden").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pure_auditor_still_verifies_the_trail_changes_their_password_and_logs_out() {
    let app = spawn_app().await;
    let (_, auditor) = app.create_staff("aud1", &["auditor"], None).await;
    let r = app
        .post(
            "/api/v1/audit-events/verify",
            &auditor,
            &json!({"checkpoints": []}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .req(Method::PUT, "/api/v1/me/password", Some(&auditor))
        .json(
            &json!({"current_password": STAFF_PASSWORD, "new_password": "an-auditors-new-pass-1"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = app.login("alpha", "aud1", "an-auditors-new-pass-1").await;
    assert_eq!(r.status(), 200);
    let session: Value = r.json().await.unwrap();
    let r = app
        .post(
            "/api/v1/auth/logout",
            session["access_token"].as_str().unwrap(),
            &json!({"refresh_token": session["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status(), 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_who_is_also_a_supervisor_keeps_the_supervisors_rights() {
    let app = spawn_app().await;
    let (_, both) = app
        .create_staff("aud2", &["auditor", "supervisor"], None)
        .await;
    let r = app
        .post("/api/v1/me/feed-tokens", &both, &json!({"label": "手机"}))
        .await;
    assert_eq!(r.status(), 201);
    // And an office admin who is also an auditor still administers.
    let (_, admin_auditor) = app
        .create_staff("aud3", &["auditor", "office_admin"], None)
        .await;
    let dept = app
        .post(
            "/api/v1/departments",
            &admin_auditor,
            &json!({"name": "部门 A9", "code": "A9", "rotation_order": 9}),
        )
        .await;
    assert_eq!(dept.status(), 201);
}
