//! Centers, departments and staff: roles, center scope, validation, ETags, pagination.

use crate::fixtures::crew;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_reads_the_directory_but_only_office_admins_write() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let readers = [&app.admin_token, &c.supervisor, &c.window, &c.auditor];
    for t in readers {
        assert_eq!(app.get("/api/v1/centers/current", t).await.status(), 200);
        assert_eq!(app.get("/api/v1/departments", t).await.status(), 200);
        assert_eq!(
            app.get(&format!("/api/v1/departments/{}", c.dept_id), t)
                .await
                .status(),
            200
        );
        assert_eq!(app.get("/api/v1/staff", t).await.status(), 200);
        assert_eq!(
            app.get(&format!("/api/v1/staff/{}", c.staff_id), t)
                .await
                .status(),
            200
        );
    }
    for t in [&c.supervisor, &c.window, &c.auditor] {
        let writes = [
            app.patch("/api/v1/centers/current", t, &json!({"arrival_lead_minutes": 5})).await,
            app.post("/api/v1/departments", t, &json!({"name": "x", "code": "x", "rotation_order": 1})).await,
            app.patch(&format!("/api/v1/departments/{}", c.dept_id), t, &json!({"name": "y"})).await,
            app.post(&format!("/api/v1/departments/{}/deactivate", c.dept_id), t, &json!({})).await,
            app.post("/api/v1/staff", t, &json!({"name": "n", "employee_no": "n1", "roles": ["window_staff"], "password": STAFF_PASSWORD})).await,
            app.patch(&format!("/api/v1/staff/{}", c.staff_id), t, &json!({"name": "y"})).await,
            app.post(&format!("/api/v1/staff/{}/deactivate", c.staff_id), t, &json!({})).await,
            app.post(&format!("/api/v1/staff/{}/password-reset", c.staff_id), t, &json!({"new_password": "another-password"})).await,
        ];
        for r in writes {
            assert_problem(r, 403, "forbidden").await;
        }
    }
    // Audit trail: office admins and auditors only.
    for t in [&app.admin_token, &c.auditor] {
        assert_eq!(app.get("/api/v1/audit-events", t).await.status(), 200);
        assert_eq!(
            app.get("/api/v1/audit-events/verify", t).await.status(),
            200
        );
    }
    for t in [&c.supervisor, &c.window] {
        assert_problem(app.get("/api/v1/audit-events", t).await, 403, "forbidden").await;
        assert_problem(
            app.get("/api/v1/audit-events/verify", t).await,
            403,
            "forbidden",
        )
        .await;
    }
    // Nothing was written by the refused calls.
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM staff").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_centers_records_are_not_found() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let beta = app.other_center_admin().await;
    let dept = format!("/api/v1/departments/{}", c.dept_id);
    let staff = format!("/api/v1/staff/{}", c.staff_id);
    assert_problem(app.get(&dept, &beta).await, 404, "not_found").await;
    assert_problem(app.get(&staff, &beta).await, 404, "not_found").await;
    assert_problem(
        app.patch(&dept, &beta, &json!({"name": "taken over"}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.patch(&staff, &beta, &json!({"name": "taken over"}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(&format!("{dept}/deactivate"), &beta, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(&format!("{staff}/deactivate"), &beta, &json!({}))
            .await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.post(
            &format!("{staff}/password-reset"),
            &beta,
            &json!({"new_password": "hijack-password"}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    // Beta cannot attach its staff to alpha's department either.
    let r = app
        .post("/api/v1/staff", &beta, &json!({"name": "b", "employee_no": "b1", "department_id": c.dept_id, "roles": ["window_staff"], "password": STAFF_PASSWORD}))
        .await;
    let p = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(p["errors"][0]["field"], "department_id");
    let list: Value = app.get("/api/v1/staff", &beta).await.json().await.unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "beta sees only its own admin"
    );
    let deps: Value = app
        .get("/api/v1/departments", &beta)
        .await
        .json()
        .await
        .unwrap();
    assert!(deps["items"].as_array().unwrap().is_empty());
    let name: Value = app.get(&dept, &app.admin_token).await.json().await.unwrap();
    assert_eq!(name["name"], "部门 yb");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_values_are_refused_with_field_errors() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let r = app
        .post(
            "/api/v1/departments",
            t,
            &json!({"name": " ", "code": "医保", "rotation_order": -1}),
        )
        .await;
    let p = assert_problem(r, 400, "validation_failed").await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "code", "rotation_order"]);
    let r = app
        .post("/api/v1/staff", t, &json!({"name": "n", "employee_no": "n 1", "roles": [], "phone": "call me", "password": "short"}))
        .await;
    let p = assert_problem(r, 400, "validation_failed").await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["employee_no", "password", "phone"]);
    let r = app.post("/api/v1/staff", t, &json!({"name": "n", "employee_no": "n1", "roles": ["king"], "password": STAFF_PASSWORD})).await;
    assert_problem(r, 400, "malformed_request").await;
    let r = app
        .post(
            "/api/v1/staff",
            t,
            &json!({"name": "n", "employee_no": "n1", "roles": [], "password": STAFF_PASSWORD}),
        )
        .await;
    assert_problem(r, 400, "validation_failed").await;
    let r = app
        .patch(
            "/api/v1/centers/current",
            t,
            &json!({"time_zone": "Mars/Base", "opening_time": "19:00:00", "arrival_lead_minutes": -1,
                    "closing_lead_minutes": 121, "duty_grace_minutes": -5}),
        )
        .await;
    let p = assert_problem(r, 400, "validation_failed").await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "time_zone",
            "arrival_lead_minutes",
            "closing_lead_minutes",
            "duty_grace_minutes"
        ]
    );
    let r = app
        .patch(
            "/api/v1/centers/current",
            t,
            &json!({"closing_lead_minutes": 5, "duty_grace_minutes": 30}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let c: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (
            c["closing_lead_minutes"].as_i64(),
            c["duty_grace_minutes"].as_i64()
        ),
        (Some(5), Some(30))
    );
    let r = app
        .patch(
            "/api/v1/centers/current",
            t,
            &json!({"opening_time": "19:00:00"}),
        )
        .await;
    let p = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(p["errors"][0]["code"], "before_opening");
    let r = app
        .patch(
            "/api/v1/centers/current",
            t,
            &json!({"opening_time": "8 o'clock"}),
        )
        .await;
    assert_problem(r, 400, "malformed_request").await;
    assert_problem(
        app.get("/api/v1/staff/not-a-uuid", t).await,
        400,
        "malformed_request",
    )
    .await;
    assert_problem(
        app.get("/api/v1/staff?limit=0", t).await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.get("/api/v1/staff?limit=201", t).await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.get("/api/v1/staff?cursor=garbage", t).await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.get("/api/v1/staff?role=king", t).await,
        400,
        "malformed_request",
    )
    .await;
    // Unchanged after all that.
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 0);
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM centers WHERE arrival_lead_minutes = 10 AND opening_time = '08:30'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_unknown_oversize_and_wrong_type_bodies_are_4xx_problems() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let send = |body: String, ct: &'static str| {
        app.req(Method::POST, "/api/v1/departments", Some(t))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    assert_problem(
        send("{\"name\": ".into(), "application/json")
            .await
            .unwrap(),
        400,
        "malformed_request",
    )
    .await;
    let r = send(
        json!({"name": "a", "code": "a", "rotation_order": 1, "colour": "red"}).to_string(),
        "application/json",
    )
    .await
    .unwrap();
    let p = assert_problem(r, 400, "unknown_field").await;
    assert_eq!(p["errors"][0]["field"], "colour");
    let r = send(
        json!({"name": "a", "code": "a"}).to_string(),
        "application/json",
    )
    .await
    .unwrap();
    let p = assert_problem(r, 400, "malformed_request").await;
    assert_eq!(p["errors"][0]["field"], "rotation_order");
    let big = json!({"name": "a".repeat(20_000), "code": "a", "rotation_order": 1}).to_string();
    assert_problem(
        send(big, "application/json").await.unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    let r = send(
        json!({"name": "a", "code": "a", "rotation_order": 1}).to_string(),
        "text/plain",
    )
    .await
    .unwrap();
    assert_problem(r, 415, "unsupported_media_type").await;
    let r = app
        .patch(
            "/api/v1/staff/00000000-0000-0000-0000-000000000000",
            t,
            &json!({"nickname": "x"}),
        )
        .await;
    assert_problem(r, 400, "unknown_field").await;
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_if_match_is_412_and_fresh_one_applies() {
    let app = spawn_app().await;
    let d = app.create_department("yb", 20).await;
    let path = format!("/api/v1/departments/{}", d["id"].as_str().unwrap());
    let r = app.get(&path, &app.admin_token).await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"1\"");
    let patch = |tag: &str, body: Value| {
        app.req(Method::PATCH, &path, Some(&app.admin_token))
            .header("if-match", tag)
            .json(&body)
            .send()
    };
    let r = patch(&etag, json!({"name": "医保中心"})).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let r = patch(&etag, json!({"name": "lost update"})).await.unwrap();
    assert_problem(r, 412, "stale_etag").await;
    let r = patch("\"junk\"", json!({"name": "lost update"}))
        .await
        .unwrap();
    assert_problem(r, 412, "stale_etag").await;
    let v: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    assert_eq!(v["name"], "医保中心");
    assert_eq!(v["version"], 2);
    // The center honours If-Match too.
    let r = app
        .req(
            Method::PATCH,
            "/api/v1/centers/current",
            Some(&app.admin_token),
        )
        .header("if-match", "\"99\"")
        .json(&json!({"arrival_lead_minutes": 5}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 412, "stale_etag").await;
    let r = app
        .patch(
            "/api/v1/centers/current",
            &app.admin_token,
            &json!({"name": "Alpha 政务服务中心", "arrival_lead_minutes": 15}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["name"].as_str(), v["arrival_lead_minutes"].as_i64()),
        (Some("Alpha 政务服务中心"), Some(15))
    );
}
