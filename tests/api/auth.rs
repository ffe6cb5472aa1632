use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_returns_tokens_and_profile() {
    let app = spawn_app().await;
    let r = app.login("alpha", "admin", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 900);
    assert!(v["refresh_token"].as_str().unwrap().len() >= 40);
    assert_eq!(v["user"]["employee_no"], "admin");
    assert_eq!(v["user"]["roles"], json!(["office_admin"]));
    // The refresh token is stored only as a hash.
    let raw = v["refresh_token"].as_str().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM refresh_tokens WHERE token_hash = '{raw}'"
        ))
        .await,
        0
    );
    assert!(app.count("SELECT count(*) AS n FROM refresh_tokens").await >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = app.login("alpha", "admin", "not-the-password").await;
    let unknown = app.login("alpha", "nobody", "not-the-password").await;
    let no_center = app.login("nowhere", "admin", "not-the-password").await;
    let a = assert_problem(wrong, 401, "invalid_credentials").await;
    let b = assert_problem(unknown, 401, "invalid_credentials").await;
    let c = assert_problem(no_center, 401, "invalid_credentials").await;
    assert_eq!(a, b);
    assert_eq!(b, c);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_delay_the_address_even_for_the_right_password() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let r = app.login("alpha", "admin", "wrong-password!").await;
        assert_eq!(r.status(), 401);
    }
    let r = app.login("alpha", "admin", ADMIN_PASSWORD).await;
    assert!(r.headers().get("retry-after").is_some());
    assert_problem(r, 429, "login_throttled").await;
    // The delay is in PostgreSQL, so every instance sees it (timed by the app's clock).
    assert_eq!(
        app.count("SELECT count(*) AS n FROM login_throttle WHERE locked_until IS NOT NULL")
            .await,
        1
    );
    // Another account is not affected.
    let (_, _) = app.create_staff("w1", &["window_staff"], None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successful_login_clears_earlier_failures() {
    let app = spawn_app().await;
    for _ in 0..4 {
        app.login("alpha", "admin", "wrong-password!").await;
    }
    assert_eq!(
        app.login("alpha", "admin", ADMIN_PASSWORD).await.status(),
        200
    );
    // The account's count at this address is gone; the address keeps its 4 failures.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM login_throttle WHERE account IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT failed_count::bigint AS n FROM login_throttle WHERE account IS NULL")
            .await,
        4
    );
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.req(Method::POST, "/api/v1/auth/refresh", None)
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_and_reuse_revokes_the_whole_session() {
    let app = spawn_app().await;
    let v: Value = app
        .login("alpha", "admin", ADMIN_PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let first = v["refresh_token"].as_str().unwrap().to_owned();

    let r = refresh(&app, &first).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let second = v["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let access = v["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", access).await.status(), 200);

    // Replaying the first token is reuse: refused, and the rotated token dies with it.
    assert_problem(refresh(&app, &first).await, 401, "refresh_token_reused").await;
    assert_problem(refresh(&app, &second).await, 401, "invalid_refresh_token").await;
    assert_problem(
        refresh(&app, "made-up-token").await,
        401,
        "invalid_refresh_token",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_of_one_token_let_at_most_one_win() {
    let app = spawn_app().await;
    let v: Value = app
        .login("alpha", "admin", ADMIN_PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let t = v["refresh_token"].as_str().unwrap().to_owned();
    let (a, b) = tokio::join!(refresh(&app, &t), refresh(&app, &t));
    let ok = [a.status(), b.status()]
        .iter()
        .filter(|s| s.as_u16() == 200)
        .count();
    assert!(ok <= 1, "both refreshes succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_revokes_the_session() {
    let app = spawn_app().await;
    let v: Value = app
        .login("alpha", "admin", ADMIN_PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let rt = v["refresh_token"].as_str().unwrap();
    let at = v["access_token"].as_str().unwrap();
    let r = app
        .post("/api/v1/auth/logout", at, &json!({"refresh_token": rt}))
        .await;
    assert_eq!(r.status(), 204);
    assert_problem(refresh(&app, rt).await, 401, "invalid_refresh_token").await;
    // Logout needs a valid access token.
    let r = app
        .req(Method::POST, "/api/v1/auth/logout", None)
        .json(&json!({"refresh_token": rt}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "unauthorized").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_password_checks_the_current_one_and_revokes_sessions() {
    let app = spawn_app().await;
    let v: Value = app
        .login("alpha", "admin", ADMIN_PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let rt = v["refresh_token"].as_str().unwrap();
    let path = "/api/v1/me/password";
    let put = |body: Value| {
        app.req(Method::PUT, path, Some(&app.admin_token))
            .json(&body)
            .send()
    };
    let r = put(json!({"current_password": "wrong-one-here", "new_password": "a-new-password-1"}))
        .await
        .unwrap();
    assert_problem(r, 422, "wrong_password").await;
    let r = put(json!({"current_password": ADMIN_PASSWORD, "new_password": "short"}))
        .await
        .unwrap();
    let p = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(p["errors"][0]["field"], "new_password");
    let r = put(json!({"current_password": ADMIN_PASSWORD, "new_password": "a-new-password-1"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.login("alpha", "admin", ADMIN_PASSWORD).await.status(),
        401
    );
    assert_eq!(
        app.login("alpha", "admin", "a-new-password-1")
            .await
            .status(),
        200
    );
    assert_problem(refresh(&app, rt).await, 401, "invalid_refresh_token").await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE action = 'password_changed'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_shows_own_profile_with_phone() {
    let app = spawn_app().await;
    let (staff, token) = app
        .create_staff("s1", &["supervisor", "window_staff"], None)
        .await;
    let r = app.get("/api/v1/me", &token).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["id"], staff["id"]);
    assert_eq!(v["phone"], "13800000000");
    assert_problem(
        app.req(Method::GET, "/api/v1/me", None)
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivated_staff_cannot_log_in_or_refresh() {
    let app = spawn_app().await;
    let (staff, _) = app.create_staff("s1", &["window_staff"], None).await;
    let v: Value = app
        .login("alpha", "s1", STAFF_PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let rt = v["refresh_token"].as_str().unwrap();
    let id = staff["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/staff/{id}/deactivate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.login("alpha", "s1", STAFF_PASSWORD).await.status(), 401);
    assert_problem(refresh(&app, rt).await, 401, "invalid_refresh_token").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_the_database_cannot_store_is_a_400_not_a_500() {
    let app = spawn_app().await;
    let r = app.login("al\u{0}pha", "admin", "whatever-password").await;
    assert_problem(r, 400, "malformed_request").await;
    let r = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            &json!({"name": "医保\u{0}中心", "code": "yb", "rotation_order": 1}),
        )
        .await;
    assert_problem(r, 400, "malformed_request").await;
}
