//! `Idempotency-Key`: exactly once, in the write's own transaction. Replays, key reuse,
//! concurrent retries, failed attempts, sealed storage, retention.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

fn dept(code: &str) -> Value {
    json!({"name": "医保中心", "code": code, "rotation_order": 20})
}

async fn post_keyed(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.req(Method::POST, path, Some(token))
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_replays_the_first_response_and_refuses_another_body() {
    let app = spawn_app().await;
    let body = json!({"name": "医保中心", "code": "yb", "rotation_order": 20});
    let send = |key: &'static str, body: Value| {
        app.req(Method::POST, "/api/v1/departments", Some(&app.admin_token))
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send("k-1", body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let loc = first.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = first.json().await.unwrap();
    let again = send("k-1", body.clone()).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"].to_str().unwrap(), loc);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first, again);
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 1);
    let other = send(
        "k-1",
        json!({"name": "医保中心", "code": "yb2", "rotation_order": 20}),
    )
    .await
    .unwrap();
    assert_problem(other, 422, "idempotency_key_reused").await;
    // Without a key, the same body is a new request (and conflicts on the code).
    let r = app
        .post("/api/v1/departments", &app.admin_token, &body)
        .await;
    assert_problem(r, 409, "department_code_taken").await;
    // Keys are per caller: another admin's identical key is a different request.
    let beta = app.other_center_admin().await;
    let r = app
        .req(Method::POST, "/api/v1/departments", Some(&beta))
        .header("idempotency-key", "k-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_ne!(v["id"], first["id"]);
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 2);
    let r = app
        .req(Method::POST, "/api/v1/departments", Some(&beta))
        .header("idempotency-key", "")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "validation_failed").await;
}

/// Five retries at once with one key: the first holds the key in its transaction, the others
/// wait on the key's unique index and then replay its answer. One department, five equal answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_with_one_key_create_one_record_and_get_one_answer() {
    let app = spawn_app().await;
    let body = dept("yb");
    let send = || post_keyed(&app, "/api/v1/departments", &app.admin_token, "same", &body);
    let answers = futures_util::future::join_all((0..5).map(|_| send())).await;
    let mut bodies = Vec::new();
    for r in answers {
        assert_eq!(r.status(), 201);
        bodies.push(r.json::<Value>().await.unwrap());
    }
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{bodies:?}");
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_keys WHERE status = 201")
            .await,
        1
    );
}

/// A failed attempt (here a 409 from inside the transaction) keeps nothing: its key is free at
/// once, so a corrected retry with the same key runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_attempt_frees_its_key_at_once() {
    let app = spawn_app().await;
    app.create_department("yb", 10).await;
    let r = post_keyed(
        &app,
        "/api/v1/departments",
        &app.admin_token,
        "k",
        &dept("yb"),
    )
    .await;
    assert_problem(r, 409, "department_code_taken").await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_keys")
            .await,
        0
    );
    let r = post_keyed(
        &app,
        "/api/v1/departments",
        &app.admin_token,
        "k",
        &dept("yb2"),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("idempotent-replayed").is_none());
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 2);
}

/// The key row is written by the very transaction that makes the change: when that transaction
/// fails after the change (as if the process died before committing), neither the change nor the
/// key exists, and a retry with the key runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_recorded_in_the_transaction_of_the_change() {
    let app = spawn_app().await;
    // Fails the transaction at its last statement: storing the answer in the key row.
    app.exec(
        "CREATE FUNCTION fail_idem() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'simulated crash'; END $$",
    )
    .await;
    app.exec(
        "CREATE TRIGGER fail_idem BEFORE UPDATE ON idempotency_keys \
         FOR EACH ROW EXECUTE FUNCTION fail_idem()",
    )
    .await;
    let r = post_keyed(
        &app,
        "/api/v1/departments",
        &app.admin_token,
        "k",
        &dept("yb"),
    )
    .await;
    assert!(r.status().is_server_error(), "status {}", r.status());
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_keys")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'department'")
            .await,
        0
    );
    app.exec("DROP TRIGGER fail_idem ON idempotency_keys").await;
    let r = post_keyed(
        &app,
        "/api/v1/departments",
        &app.admin_token,
        "k",
        &dept("yb"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = post_keyed(
        &app,
        "/api/v1/departments",
        &app.admin_token,
        "k",
        &dept("yb"),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 1);
    // Same transaction: the department and its key row carry the same transaction id.
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM departments d, idempotency_keys k \
             WHERE d.xmin::text = k.xmin::text"
        )
        .await,
        1
    );
}

/// Stored answers are sealed: a staff member's phone number (and a feed token, a secret) never
/// sits in the table in clear, yet the replay gives them back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_answers_hold_no_personal_data_or_secrets_in_clear() {
    let app = spawn_app().await;
    let body = json!({
        "name": "王芳", "employee_no": "w01", "position": "front_desk",
        "roles": ["window_staff"], "phone": "13912345678", "password": "a-long-password-1",
    });
    let first = post_keyed(&app, "/api/v1/staff", &app.admin_token, "s-1", &body).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["phone"], "13912345678");
    let clear = "SELECT count(*) AS n FROM idempotency_keys WHERE \
                 position(convert_to('13912345678', 'UTF8') in coalesce(response_body, '')) > 0 \
                 OR position(convert_to('王芳', 'UTF8') in coalesce(response_body, '')) > 0";
    assert_eq!(app.count(clear).await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_keys WHERE status = 201 AND length(response_body) > 24")
            .await,
        1
    );
    let again = post_keyed(&app, "/api/v1/staff", &app.admin_token, "s-1", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM staff WHERE employee_no = 'w01'")
            .await,
        1
    );

    // A feed token: the secret is shown again to its owner on a retry, but never stored.
    let (_, token) = app.create_staff("f01", &["window_staff"], None).await;
    let t = post_keyed(
        &app,
        "/api/v1/me/feed-tokens",
        &token,
        "t-1",
        &json!({"label": "phone"}),
    )
    .await;
    assert_eq!(t.status(), 201);
    let t: Value = t.json().await.unwrap();
    let secret = t["token"].as_str().unwrap();
    let stored = format!(
        "SELECT count(*) AS n FROM idempotency_keys WHERE \
         position(convert_to('{secret}', 'UTF8') in coalesce(response_body, '')) > 0"
    );
    assert_eq!(app.count(&stored).await, 0);
    let again = post_keyed(
        &app,
        "/api/v1/me/feed-tokens",
        &token,
        "t-1",
        &json!({"label": "phone"}),
    )
    .await;
    assert_eq!(again.json::<Value>().await.unwrap(), t);
    assert_eq!(app.count("SELECT count(*) AS n FROM feed_tokens").await, 1);
}

/// Logins and refreshes are never replayed (a retry gets fresh credentials) and leave no key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_never_stored_or_replayed() {
    let app = spawn_app().await;
    let login = json!({"center_code": "alpha", "employee_no": "admin", "password": ADMIN_PASSWORD});
    let a: Value = post_keyed(&app, "/api/v1/auth/login", &app.admin_token, "l", &login)
        .await
        .json()
        .await
        .unwrap();
    let b: Value = post_keyed(&app, "/api/v1/auth/login", &app.admin_token, "l", &login)
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(a["refresh_token"], b["refresh_token"]);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_keys")
            .await,
        0
    );
}

/// A key older than the retention (24 h) that the tick has not swept yet never replays: the
/// request runs as new.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_past_the_retention_never_replay() {
    let app = spawn_app().await;
    let r = post_keyed(
        &app,
        "/api/v1/departments",
        &app.admin_token,
        "old",
        &dept("yb"),
    )
    .await;
    assert_eq!(r.status(), 201);
    app.exec("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        .await;
    let r = post_keyed(
        &app,
        "/api/v1/departments",
        &app.admin_token,
        "old",
        &dept("yb2"),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("idempotent-replayed").is_none());
    assert_eq!(app.count("SELECT count(*) AS n FROM departments").await, 2);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_keys WHERE created_at > now() - interval '1 hour'")
            .await,
        1
    );
}

/// PUT and DELETE honour the key too: a retried override is replayed (one audit event), and a
/// retried DELETE replays its answer instead of a 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_and_delete_retries_replay_their_first_answer() {
    let app = spawn_app().await;
    let day = app.today() + chrono::Duration::days(10);
    let path = format!("/api/v1/calendar/days/{day}");
    let send = |method: Method, body: Option<Value>| {
        let mut r = app
            .req(method, &path, Some(&app.admin_token))
            .header("idempotency-key", "cal-1");
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send()
    };
    let body = json!({"kind": "closure", "name": "台风停业"});
    let first = send(Method::PUT, Some(body.clone())).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(Method::PUT, Some(body.clone())).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let audited = "SELECT count(*) AS n FROM audit_events WHERE entity_type = 'calendar_day'";
    assert_eq!(app.count(audited).await, 1);
    // The same key on another method and path is another request.
    let gone = send(Method::DELETE, None).await.unwrap();
    assert_problem(gone, 422, "idempotency_key_reused").await;
    let del = |key: &'static str| {
        app.req(Method::DELETE, &path, Some(&app.admin_token))
            .header("idempotency-key", key)
            .send()
    };
    let d1 = del("del-1").await.unwrap();
    assert_eq!(d1.status(), 200);
    let d1: Value = d1.json().await.unwrap();
    let d2 = del("del-1").await.unwrap();
    assert_eq!(d2.status(), 200);
    assert_eq!(d2.json::<Value>().await.unwrap(), d1);
    assert_eq!(app.count(audited).await, 2);
}
