//! Revocation that takes effect at once: after deactivation, a role change, a password reset or
//! change and logout, the old access token is refused 401 on ANOTHER instance of the service
//! (same database) within the stated staleness bound; when an instance's listener loses the
//! database for longer than the bound it answers 503 `revocation_state_unknown`, never 401.

use crate::helpers::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use dutydesk::auth::revocation::{APPLICATION_NAME, STALENESS_BOUND};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn get_staff(base: &str, id: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}/api/v1/staff/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Polls `GET /staff/{id}` on `base` with `token` until it answers `want`; fails if that takes
/// longer than the staleness bound (plus a little for the test's own scheduling). Returns how
/// long it took.
async fn until_status(base: &str, id: &str, token: &str, want: StatusCode) -> Duration {
    let start = Instant::now();
    let limit = STALENESS_BOUND + Duration::from_millis(750);
    loop {
        let r = get_staff(base, id, token).await;
        if r.status() == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "still {} after {:?} (wanted {want})",
            r.status(),
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A staff member's id and tokens, with the old access token proven to work on `other`.
async fn member(app: &TestApp, other: &str, no: &str) -> (String, Value) {
    app.create_staff(no, &["window_staff"], None).await;
    let login: Value = app
        .login("alpha", no, STAFF_PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let id = login["user"]["id"].as_str().unwrap().to_owned();
    let token = login["access_token"].as_str().unwrap();
    assert_eq!(get_staff(other, &id, token).await.status(), 200);
    (id, login)
}

async fn login_on(base: &str, no: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"center_code": "alpha", "employee_no": no, "password": password}))
        .send()
        .await
        .unwrap()
}

/// The answer's access token after asserting 200.
async fn access_token(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivation_refuses_the_old_token_on_another_instance_within_the_bound() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let (id, login) = member(&app, &other, "r-deact").await;
    let old = login["access_token"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/staff/{id}/deactivate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    until_status(&other, &id, old, StatusCode::UNAUTHORIZED).await;
    // Refused as an unknown token is (not 503), and the admin's own token is untouched.
    assert_problem(get_staff(&other, &id, old).await, 401, "unauthorized").await;
    assert_eq!(get_staff(&other, &id, &app.admin_token).await.status(), 200);
    // Deactivated: no new login; reactivated: a fresh login works on the other instance.
    assert_eq!(
        login_on(&other, "r-deact", STAFF_PASSWORD).await.status(),
        401
    );
    let r = app
        .post(
            &format!("/api/v1/staff/{id}/activate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let fresh = access_token(login_on(&other, "r-deact", STAFF_PASSWORD).await).await;
    assert_eq!(get_staff(&other, &id, &fresh).await.status(), 200);
    assert_eq!(get_staff(&app.base, &id, &fresh).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_change_refuses_the_old_token_on_another_instance_within_the_bound() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let (id, login) = member(&app, &other, "r-roles").await;
    let old = login["access_token"].as_str().unwrap();
    // An edit that keeps the roles revokes nothing.
    let r = app
        .patch(
            &format!("/api/v1/staff/{id}"),
            &app.admin_token,
            &json!({"name": "改名"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .patch(
            &format!("/api/v1/staff/{id}"),
            &app.admin_token,
            &json!({"roles": ["auditor"]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    until_status(&other, &id, old, StatusCode::UNAUTHORIZED).await;
    let fresh = access_token(login_on(&other, "r-roles", STAFF_PASSWORD).await).await;
    let me: Value = reqwest::Client::new()
        .get(format!("{other}/api/v1/me"))
        .bearer_auth(&fresh)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["roles"], json!(["auditor"]), "{me}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_password_reset_refuses_the_old_token_on_another_instance_within_the_bound() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let (id, login) = member(&app, &other, "r-reset").await;
    let old = login["access_token"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/staff/{id}/password-reset"),
            &app.admin_token,
            &json!({"new_password": "a-new-password-456"}),
        )
        .await;
    assert_eq!(r.status(), 204);
    until_status(&other, &id, old, StatusCode::UNAUTHORIZED).await;
    let fresh = access_token(login_on(&other, "r-reset", "a-new-password-456").await).await;
    assert_eq!(get_staff(&other, &id, &fresh).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_ones_own_password_refuses_the_old_token_on_another_instance_within_the_bound() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let (id, login) = member(&app, &other, "r-own").await;
    let old = login["access_token"].as_str().unwrap();
    let r = app
        .req(reqwest::Method::PUT, "/api/v1/me/password", Some(old))
        .json(&json!({"current_password": STAFF_PASSWORD, "new_password": "my-new-password-789"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    until_status(&other, &id, old, StatusCode::UNAUTHORIZED).await;
    // On the instance that made the change too (its own listener saw the same NOTIFY).
    until_status(&app.base, &id, old, StatusCode::UNAUTHORIZED).await;
    let fresh = access_token(login_on(&other, "r-own", "my-new-password-789").await).await;
    assert_eq!(get_staff(&other, &id, &fresh).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_refuses_the_old_token_on_another_instance_within_the_bound() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let (id, login) = member(&app, &other, "r-logout").await;
    let old = login["access_token"].as_str().unwrap();
    let r = app
        .post(
            "/api/v1/auth/logout",
            old,
            &json!({"refresh_token": login["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status(), 204);
    let took = until_status(&other, &id, old, StatusCode::UNAUTHORIZED).await;
    eprintln!("logout seen by the other instance after {took:?}");
    // The admin, another account, is not logged out.
    assert_eq!(get_staff(&other, &id, &app.admin_token).await.status(), 200);
    let fresh = access_token(login_on(&other, "r-logout", STAFF_PASSWORD).await).await;
    assert_eq!(get_staff(&other, &id, &fresh).await.status(), 200);
}

/// A connection to the server's maintenance database (not the test's: that one is closed to
/// new connections during the test).
async fn admin_db() -> AsyncPgConnection {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL (run `make test`)");
    AsyncPgConnection::establish(&url).await.unwrap()
}

async fn sql(conn: &mut AsyncPgConnection, q: &str) {
    diesel::sql_query(q).execute(conn).await.unwrap();
}

/// Closes database `db` to new connections and ends the revocation listeners' sessions (of
/// every instance: they share the application name); the pools keep the connections they hold.
async fn cut_listeners(admin: &mut AsyncPgConnection, db: &str) {
    sql(
        admin,
        &format!("ALTER DATABASE {db} ALLOW_CONNECTIONS false"),
    )
    .await;
    sql(
        admin,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = '{db}' AND application_name = '{APPLICATION_NAME}'"
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_cut_off_past_the_bound_gives_503_then_recovers_after_reconnecting() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let (id, login) = member(&app, &other, "r-cut").await;
    let token = login["access_token"].as_str().unwrap();
    let mut admin = admin_db().await;
    // The listeners cannot reconnect while the database refuses new connections; the pools keep
    // the connections they hold.
    let db = &app.db_name;
    cut_listeners(&mut admin, db).await;
    // Within the bound the cache still vouches for itself; past it, 503 (never 401).
    let start = Instant::now();
    let r = loop {
        let r = get_staff(&other, &id, token).await;
        if r.status() != 200 {
            break r;
        }
        assert!(
            start.elapsed() < STALENESS_BOUND + Duration::from_secs(2),
            "still 200 after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        start.elapsed() >= STALENESS_BOUND - Duration::from_millis(1500),
        "503 after only {:?}",
        start.elapsed()
    );
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(retry.as_deref(), Some("1"));
    assert_problem(r, 503, "revocation_state_unknown").await;
    // The same under Chinese.
    let zh: Value = reqwest::Client::new()
        .get(format!("{other}/api/v1/staff/{id}"))
        .bearer_auth(token)
        .header("Accept-Language", "zh")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(zh["detail"].as_str().unwrap().contains("稍后重试"), "{zh}");
    // Unauthenticated endpoints keep working.
    let health = reqwest::get(format!("{other}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    // Reconnect: the listener reloads everything and the token works again.
    sql(
        &mut admin,
        &format!("ALTER DATABASE {db} ALLOW_CONNECTIONS true"),
    )
    .await;
    until_status(&other, &id, token, StatusCode::OK).await;
    // The first instance's listener was cut as well (same application name): wait for it too,
    // or the deactivation below would meet its 503.
    until_status(&app.base, &id, token, StatusCode::OK).await;
    // And revocation works again after the reconnect.
    let r = app
        .post(
            &format!("/api/v1/staff/{id}/deactivate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    until_status(&other, &id, token, StatusCode::UNAUTHORIZED).await;
}

/// A bump made while an instance's listener is away is learnt from the reload on reconnect
/// (there is no notification to receive for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_missed_while_disconnected_is_reloaded_on_reconnect() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let (id, login) = member(&app, &other, "r-missed").await;
    let token = login["access_token"].as_str().unwrap();
    let mut admin = admin_db().await;
    let mut direct = app.db().await;
    let db = &app.db_name;
    cut_listeners(&mut admin, db).await;
    // Past the bound the other instance vouches for nothing (503) ...
    let start = Instant::now();
    while get_staff(&other, &id, token).await.status() != StatusCode::SERVICE_UNAVAILABLE {
        assert!(start.elapsed() < STALENESS_BOUND * 2, "no 503");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // ... when a revocation is committed that no listener hears (through a connection opened
    // before the database closed to new ones).
    diesel::sql_query(format!(
        "UPDATE staff SET token_generation = token_generation + 1 WHERE id = '{id}'"
    ))
    .execute(&mut direct)
    .await
    .unwrap();
    sql(
        &mut admin,
        &format!("ALTER DATABASE {db} ALLOW_CONNECTIONS true"),
    )
    .await;
    // Never 200 again: 503 while stale, then 401 once reloaded.
    let start = Instant::now();
    loop {
        let s = get_staff(&other, &id, token).await.status();
        assert_ne!(s, StatusCode::OK, "the revoked token was accepted");
        if s == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(start.elapsed() < STALENESS_BOUND * 2, "still {s}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
