//! The audit trail: every write leaves an event in the same transaction; the hash chain
//! detects rows altered or removed behind the service's back.

use crate::helpers::*;
use serde_json::{Value, json};

async fn verify(app: &TestApp) -> Value {
    let r = app
        .get("/api/v1/audit-events/verify", &app.admin_token)
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_audited_with_before_and_after() {
    let app = spawn_app().await;
    let d = app.create_department("yb", 20).await;
    let id = d["id"].as_str().unwrap();
    app.patch(
        &format!("/api/v1/departments/{id}"),
        &app.admin_token,
        &json!({"rotation_order": 30}),
    )
    .await;
    let v: Value = app
        .get(
            &format!("/api/v1/audit-events?entity_type=department&entity_id={id}"),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "updated", "newest first");
    assert_eq!(items[0]["before"]["rotation_order"], 20);
    assert_eq!(items[0]["after"]["rotation_order"], 30);
    assert_eq!(items[0]["actor_id"], app.admin_id.to_string());
    assert_eq!(items[1]["action"], "created");
    assert!(items[1]["before"].is_null());
    // Filter by actor, and by a time range that excludes everything.
    let v: Value = app
        .get(
            &format!("/api/v1/audit-events?actor_id={}&limit=1", app.admin_id),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert!(v["next_cursor"].is_string());
    let v: Value = app
        .get(
            "/api/v1/audit-events?to=2000-01-01T00:00:00Z",
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(v["items"].as_array().unwrap().is_empty());
    // Phones and password hashes never reach the trail.
    app.create_staff("s1", &["window_staff"], None).await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE after::text LIKE '%13800000000%' OR after::text LIKE '%argon2%'").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_verifies_and_fails_after_a_row_is_altered_by_sql() {
    let app = spawn_app().await;
    for (i, code) in ["a", "b", "c"].iter().enumerate() {
        app.create_department(code, i as i32).await;
    }
    let v = verify(&app).await;
    assert_eq!(v["valid"], true);
    let total = v["events_checked"].as_i64().unwrap();
    assert!(total >= 5, "center + admin + 3 departments, got {total}");

    // The table refuses updates from the application role as written...
    let mut c = app.db().await;
    use diesel_async::RunQueryDsl;
    let blocked = diesel::sql_query("UPDATE audit_events SET action = 'x' WHERE seq = 3")
        .execute(&mut c)
        .await;
    assert!(blocked.is_err(), "append-only trigger");
    // ...but someone with owner rights can switch that off: the chain still notices.
    app.exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
        .await;
    app.exec(&format!(
        "UPDATE audit_events SET after = jsonb_set(after, '{{rotation_order}}', '99') WHERE center_id = '{}' AND seq = 4",
        app.center_id
    ))
    .await;
    let v = verify(&app).await;
    assert_eq!(v["valid"], false);
    assert_eq!(v["first_broken"]["seq"], 4);
    assert_eq!(v["first_broken"]["reason"], "content_altered");
    assert_eq!(v["events_checked"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_detects_deleted_events_in_the_middle_and_at_the_end() {
    let app = spawn_app().await;
    for (i, code) in ["a", "b", "c"].iter().enumerate() {
        app.create_department(code, i as i32).await;
    }
    app.exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
        .await;
    let last = app
        .count(&format!(
            "SELECT max(seq) AS n FROM audit_events WHERE center_id = '{}'",
            app.center_id
        ))
        .await;
    app.exec(&format!(
        "DELETE FROM audit_events WHERE center_id = '{}' AND seq = {last}",
        app.center_id
    ))
    .await;
    let v = verify(&app).await;
    assert_eq!(v["valid"], false);
    assert_eq!(v["first_broken"]["reason"], "event_missing");
    assert_eq!(v["first_broken"]["seq"], last);
    app.exec(&format!(
        "DELETE FROM audit_events WHERE center_id = '{}' AND seq = 2",
        app.center_id
    ))
    .await;
    let v = verify(&app).await;
    assert_eq!(v["first_broken"]["seq"], 2);
    assert_eq!(v["first_broken"]["reason"], "event_missing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_center_has_its_own_chain_and_trail() {
    let app = spawn_app().await;
    app.create_department("a", 1).await;
    let beta = app.other_center_admin().await;
    let v: Value = app
        .get("/api/v1/audit-events?limit=200", &beta)
        .await
        .json()
        .await
        .unwrap();
    for e in v["items"].as_array().unwrap() {
        assert_ne!(e["entity_type"], "department", "beta sees alpha's events");
    }
    let r = app.get("/api/v1/audit-events/verify", &beta).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["valid"], true);
}
