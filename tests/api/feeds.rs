//! iCalendar feeds: parsed by a real iCalendar parser (Python `icalendar`), reachable with a
//! revocable personal token instead of a header.

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};
use std::process::Command;

/// Runs tests/ics/check_ics.py on `body` with the python that has `icalendar`
/// (`DUTYDESK_PYTHON`, set by `make test`; default `python3`).
fn python_check(body: &str, events: usize) {
    let dir = std::env::temp_dir().join(format!("dutydesk-ics-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("feed.ics");
    std::fs::write(&file, body).unwrap();
    let python = std::env::var("DUTYDESK_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ics/check_ics.py");
    let out = Command::new(&python)
        .arg(script)
        .arg(&file)
        .args([&events.to_string(), "Asia/Shanghai", "8", "18"])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {python}: {e} (run `make test`, which installs icalendar)")
        });
    assert!(
        out.status.success(),
        "icalendar check failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_and_personal_feeds_parse_as_icalendar() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 2).await;
    let h = hall(&app).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 11)).await;
    let rid = r["id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/rosters/{rid}.ics"), &app.admin_token)
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let body = res.text().await.unwrap();
    python_check(&body, 10);
    // d1-1 has duties on 12-07 and 12-10 (three departments, two people each).
    let mine = app
        .get("/api/v1/me/duties.ics", h.token("d1-1"))
        .await
        .text()
        .await
        .unwrap();
    let n = r["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["staff_id"] == h.id("d1-1"))
        .count();
    assert!(n >= 1);
    python_check(&mine, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_tokens_work_without_headers_until_revoked() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 1).await;
    let h = hall(&app).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let res = app
        .post(
            "/api/v1/me/feed-tokens",
            h.token("d1-1"),
            &json!({"label": "我的手机"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let t: Value = res.json().await.unwrap();
    let url = t["duties_url"].as_str().unwrap().to_owned();
    let token = t["token"].as_str().unwrap().to_owned();
    // No Authorization header: the token in the URL is enough.
    let feed = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    assert!(feed.text().await.unwrap().contains("BEGIN:VEVENT"));
    let roster = app
        .client
        .get(app.url(&format!(
            "/api/v1/rosters/{}.ics?token={token}",
            r["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(roster.status(), 200);
    // Stored hashed; listed without the secret.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM feed_tokens WHERE token_hash = '{token}'"
        ))
        .await,
        0
    );
    let list: Value = app
        .get("/api/v1/me/feed-tokens", h.token("d1-1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("token").is_none());
    // Someone else cannot revoke it; the owner can, and the feed stops at once.
    let id = t["id"].as_str().unwrap();
    let path = format!("/api/v1/me/feed-tokens/{id}");
    let del = |tok: &str| app.req(reqwest::Method::DELETE, &path, Some(tok)).send();
    assert_problem(del(h.token("d2-1")).await.unwrap(), 404, "not_found").await;
    assert_eq!(del(h.token("d1-1")).await.unwrap().status(), 204);
    let feed = app.client.get(app.url(&url)).send().await.unwrap();
    assert_problem(feed, 401, "unauthorized").await;
    assert_problem(
        app.client
            .get(app.url("/api/v1/me/duties.ics?token=guess"))
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.client
            .get(app.url("/api/v1/me/duties.ics"))
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    // Another center's feed reader cannot read this roster.
    let beta = app.other_center_admin().await;
    assert_problem(
        app.get(
            &format!("/api/v1/rosters/{}.ics", r["id"].as_str().unwrap()),
            &beta,
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivation_stops_feed_tokens() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let t: Value = app
        .post("/api/v1/me/feed-tokens", h.token("d2-1"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let url = t["duties_url"].as_str().unwrap().to_owned();
    assert_eq!(
        app.client.get(app.url(&url)).send().await.unwrap().status(),
        200
    );
    let r = app
        .post(
            &format!("/api/v1/staff/{}/deactivate", h.id("d2-1")),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_problem(
        app.client.get(app.url(&url)).send().await.unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM feed_tokens WHERE revoked_at IS NULL")
            .await,
        0
    );
}
