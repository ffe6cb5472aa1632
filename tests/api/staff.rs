//! Staff directory and accounts: pagination and filters, phone privacy, life cycle.

use crate::fixtures::crew;
use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_numbers_of_others_are_hidden_from_supervisors_and_window_staff() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let list: Value = app
        .get("/api/v1/staff?limit=200", &c.window)
        .await
        .json()
        .await
        .unwrap();
    for s in list["items"].as_array().unwrap() {
        if s["employee_no"] == "win1" {
            assert_eq!(s["phone"], "13800000000", "own phone is shown");
        } else {
            assert!(s["phone"].is_null(), "phone of {} leaked", s["employee_no"]);
        }
    }
    let one: Value = app
        .get(&format!("/api/v1/staff/{}", c.staff_id), &c.window)
        .await
        .json()
        .await
        .unwrap();
    assert!(one["phone"].is_null());
    for t in [&app.admin_token, &c.auditor] {
        let one: Value = app
            .get(&format!("/api/v1/staff/{}", c.staff_id), t)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(one["phone"], "13800000000");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_list_pages_with_keyset_cursors_and_filters() {
    let app = spawn_app().await;
    let d = app.create_department("yb", 20).await;
    let dept = d["id"].as_str().unwrap();
    for i in 0..7 {
        let r = app
            .post("/api/v1/staff", &app.admin_token, &json!({"name": format!("p{i}"), "employee_no": format!("p{i}"), "department_id": dept, "position": if i % 2 == 0 { "front_desk" } else { "back_office" }, "roles": ["window_staff"], "password": STAFF_PASSWORD}))
            .await;
        assert_eq!(r.status(), 201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/staff?department_id={dept}&limit=3&cursor={c}"),
            None => format!("/api/v1/staff?department_id={dept}&limit=3"),
        };
        let v: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
        pages += 1;
        for s in v["items"].as_array().unwrap() {
            seen.push(s["employee_no"].as_str().unwrap().to_owned());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 7, "every staff member exactly once: {seen:?}");
    let v: Value = app
        .get("/api/v1/staff?position=back_office", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 3);
    let v: Value = app
        .get("/api/v1/staff?role=office_admin", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let v: Value = app
        .get("/api/v1/staff?active=false", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert!(v["items"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_lifecycle_keeps_history_and_enforces_unique_employee_numbers() {
    let app = spawn_app().await;
    let (s, _) = app.create_staff("s1", &["window_staff"], None).await;
    let id = s["id"].as_str().unwrap();
    let r = app
        .post("/api/v1/staff", &app.admin_token, &json!({"name": "dup", "employee_no": "s1", "roles": ["window_staff"], "password": STAFF_PASSWORD}))
        .await;
    assert_problem(r, 409, "employee_no_taken").await;
    let r = app
        .patch(
            &format!("/api/v1/staff/{id}"),
            &app.admin_token,
            &json!({"roles": ["supervisor", "window_staff"], "leader": true, "phone": null}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["roles"], json!(["supervisor", "window_staff"]));
    assert!(v["phone"].is_null());
    let r = app
        .post(
            &format!("/api/v1/staff/{id}/deactivate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["active"], false);
    let r = app
        .post(
            &format!("/api/v1/staff/{}/deactivate", app.admin_id),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_problem(r, 422, "cannot_deactivate_self").await;
    let v: Value = app
        .get(&format!("/api/v1/staff/{id}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["name"], "员工 s1", "deactivated staff keep their record");
    let r = app
        .post(
            &format!("/api/v1/staff/{id}/password-reset"),
            &app.admin_token,
            &json!({"new_password": "reset-password-1"}),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{id}' \
             AND action NOT LIKE 'login\\_%'"
        ))
        .await,
        4,
        "created, updated, deactivated, password_reset"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivated_staff_can_be_reactivated_by_the_office() {
    let app = spawn_app().await;
    let (s, token) = app.create_staff("s1", &["window_staff"], None).await;
    let id = s["id"].as_str().unwrap();
    assert_eq!(
        app.post(
            &format!("/api/v1/staff/{id}/deactivate"),
            &app.admin_token,
            &json!({})
        )
        .await
        .status(),
        200
    );
    assert_eq!(app.login("alpha", "s1", STAFF_PASSWORD).await.status(), 401);
    let r = app
        .post(&format!("/api/v1/staff/{id}/activate"), &token, &json!({}))
        .await;
    // Deactivation revoked the token it was issued before (docs/revocation.md).
    assert_problem(r, 401, "unauthorized").await;
    let r = app
        .post(
            &format!("/api/v1/staff/{id}/activate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["active"], true);
    assert_eq!(app.login("alpha", "s1", STAFF_PASSWORD).await.status(), 200);
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM audit_events WHERE entity_id = '{id}' AND action = 'activated'")).await, 1);
}
