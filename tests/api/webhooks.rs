//! The outbox and its signed webhook deliveries (issue 8): events are written with
//! `dutydesk::outbox::enqueue` (no endpoint creates them yet), the tick delivers them to a local
//! receiver, and the office reads the delivery log.

mod receiver;

use crate::fixtures::crew;
use crate::helpers::*;
use chrono::{DateTime, Utc};
use diesel::sql_types::{Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use dutydesk::config::WebhookEndpoint;
use dutydesk::outbox::deliver::{MAX_ATTEMPTS, Webhooks};
use dutydesk::outbox::{Event, enqueue};
use receiver::{Receiver, signature_verifies};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;
use uuid::Uuid;

const SECRET_A: &str = "portal-a-secret-0123456789abcdef0123";
const SECRET_B: &str = "portal-b-secret-0123456789abcdef0123";

/// Enqueues one event for `portal` in its own committed transaction; returns its id.
async fn event(app: &TestApp, portal: &str, kind: &'static str, data: Value) -> Uuid {
    let mut c = app.db().await;
    let entity_id = Uuid::now_v7();
    enqueue(
        &mut c,
        Event {
            center_id: app.center_id,
            portal,
            kind,
            entity_id,
            payload: data,
        },
    )
    .await
    .unwrap();
    ids_of(app, entity_id).await
}

async fn ids_of(app: &TestApp, entity_id: Uuid) -> Uuid {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let mut c = app.db().await;
    let r: Id = diesel::sql_query("SELECT id FROM outbox_events WHERE entity_id = $1")
        .bind::<diesel::sql_types::Uuid, _>(entity_id)
        .get_result(&mut c)
        .await
        .unwrap();
    r.id
}

#[derive(Debug, diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    next_attempt_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    delivered_at: Option<DateTime<Utc>>,
}

async fn row(app: &TestApp, id: Uuid) -> Row {
    let mut c = app.db().await;
    diesel::sql_query(
        "SELECT state, attempts, next_attempt_at, delivered_at FROM outbox_events WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .get_result(&mut c)
    .await
    .unwrap()
}

/// `(attempt, status, error)` of an event's delivery log, in order.
async fn log(app: &TestApp, id: Uuid) -> Vec<(i32, Option<i32>, Option<String>)> {
    #[derive(diesel::QueryableByName)]
    struct L {
        #[diesel(sql_type = Integer)]
        attempt: i32,
        #[diesel(sql_type = Nullable<Integer>)]
        status: Option<i32>,
        #[diesel(sql_type = Nullable<Text>)]
        error: Option<String>,
    }
    let mut c = app.db().await;
    let rows: Vec<L> = diesel::sql_query(
        "SELECT attempt, status, error FROM webhook_deliveries WHERE event_id = $1 ORDER BY attempt",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .load(&mut c)
    .await
    .unwrap();
    rows.into_iter()
        .map(|l| (l.attempt, l.status, l.error))
        .collect()
}

async fn tick(app: &TestApp, endpoints: Vec<WebhookEndpoint>) -> usize {
    let report = dutydesk::tick::run_with(&app.db_url, &Webhooks::new(endpoints))
        .await
        .unwrap();
    assert!(!report.skipped);
    report.webhooks
}

/// Makes an event's next attempt due now (instead of waiting out the backoff).
async fn make_due(app: &TestApp, id: Uuid) {
    app.exec(&format!(
        "UPDATE outbox_events SET next_attempt_at = now() - interval '1 second' WHERE id = '{id}'"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committed_event_is_delivered_signed_once_and_a_second_tick_does_nothing() {
    let app = spawn_app().await;
    let portal = Receiver::start(200).await;
    // An event written in a transaction that rolls back never exists.
    let mut c = app.db().await;
    let rolled_back = c
        .transaction::<(), dutydesk::error::ApiError, _>(async |c| {
            enqueue(
                c,
                Event {
                    center_id: app.center_id,
                    portal: "portal-a",
                    kind: "citizen_request.answered",
                    entity_id: Uuid::now_v7(),
                    payload: json!({}),
                },
            )
            .await?;
            Err(dutydesk::error::ApiError::internal())
        })
        .await;
    assert!(rolled_back.is_err());
    assert_eq!(
        app.count("SELECT count(*) AS n FROM outbox_events").await,
        0
    );

    let data = json!({"tracking_no": "TS-0001", "status": "accepted", "phone": "138****1234"});
    let id = event(
        &app,
        "portal-a",
        "citizen_request.status_changed",
        data.clone(),
    )
    .await;
    let before = Utc::now();
    assert_eq!(
        tick(&app, vec![portal.endpoint("portal-a", SECRET_A)]).await,
        1
    );

    let got = portal.got();
    assert_eq!(got.len(), 1);
    let g = &got[0];
    assert!(signature_verifies(SECRET_A, g), "{g:?}");
    assert!(!signature_verifies(SECRET_B, g));
    let ts: i64 = g.header("x-dutydesk-timestamp").parse().unwrap();
    assert!((ts - before.timestamp()).abs() <= 60, "timestamp {ts}");
    assert_eq!(
        g.header("x-dutydesk-event"),
        "citizen_request.status_changed"
    );
    assert_eq!(g.header("x-dutydesk-delivery"), id.to_string());
    assert_eq!(g.header("x-dutydesk-attempt"), "1");
    assert_eq!(g.header("content-type"), "application/json");
    let body = g.json();
    assert_eq!(body["id"], id.to_string());
    assert_eq!(body["kind"], "citizen_request.status_changed");
    assert_eq!(body["center_code"], "alpha");
    assert_eq!(body["data"], data);
    assert!(body["sequence"].as_i64().unwrap() >= 1);
    assert!(body["entity_id"].is_string() && body["occurred_at"].is_string());
    assert_eq!(
        body.as_object().unwrap().len(),
        7,
        "only the envelope's fields: {body}"
    );

    let r = row(&app, id).await;
    assert_eq!((r.state.as_str(), r.attempts), ("delivered", 1));
    assert!(r.delivered_at.is_some() && r.next_attempt_at.is_none());
    assert_eq!(log(&app, id).await, vec![(1, Some(200), None)]);

    // Nothing is due any more: a second tick sends nothing.
    assert_eq!(
        tick(&app, vec![portal.endpoint("portal-a", SECRET_A)]).await,
        0
    );
    assert_eq!(portal.got().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_portal_is_retried_after_the_backoff_in_order_while_other_portals_go_on() {
    let app = spawn_app().await;
    let a = Receiver::start(500).await;
    let b = Receiver::start(204).await;
    let endpoints = || {
        vec![
            a.endpoint("portal-a", SECRET_A),
            b.endpoint("portal-b", SECRET_B),
        ]
    };
    let first = event(
        &app,
        "portal-a",
        "citizen_request.status_changed",
        json!({"n": 1}),
    )
    .await;
    let second = event(
        &app,
        "portal-a",
        "citizen_request.answered",
        json!({"n": 2}),
    )
    .await;
    let other = event(&app, "portal-b", "rating.follow_up_opened", json!({"n": 3})).await;

    // portal-a's first event fails and its second waits behind it; portal-b is not held up.
    assert_eq!(tick(&app, endpoints()).await, 2);
    assert_eq!(a.got().len(), 1);
    assert_eq!(a.got()[0].header("x-dutydesk-delivery"), first.to_string());
    assert_eq!(b.got().len(), 1);
    assert!(signature_verifies(SECRET_B, &b.got()[0]));
    assert_eq!(row(&app, other).await.state, "delivered");
    let r = row(&app, first).await;
    assert_eq!((r.state.as_str(), r.attempts), ("pending", 1));
    let wait = r.next_attempt_at.unwrap() - Utc::now();
    assert!(
        wait > chrono::Duration::seconds(50) && wait <= chrono::Duration::minutes(1),
        "first retry after one minute, not {wait}"
    );
    let r = row(&app, second).await;
    assert_eq!((r.state.as_str(), r.attempts), ("pending", 0));
    assert_eq!(log(&app, second).await, vec![]);

    // Not due yet: nothing is sent.
    assert_eq!(tick(&app, endpoints()).await, 0);
    assert_eq!(a.got().len(), 1);

    // The backoff has passed and the portal is back: both go, in order, in one tick.
    make_due(&app, first).await;
    a.answer(200);
    assert_eq!(tick(&app, endpoints()).await, 2);
    let got = a.got();
    let order: Vec<_> = got
        .iter()
        .map(|g| g.header("x-dutydesk-delivery").to_owned())
        .collect();
    assert_eq!(
        order,
        [first.to_string(), first.to_string(), second.to_string()]
    );
    assert_eq!(got[1].header("x-dutydesk-attempt"), "2");
    // The same event is the same body on every attempt (the portal drops duplicates by id).
    assert_eq!(got[0].body, got[1].body);
    assert!(got.iter().all(|g| signature_verifies(SECRET_A, g)));
    assert!(got[1].json()["sequence"].as_i64() < got[2].json()["sequence"].as_i64());
    assert_eq!(
        log(&app, first).await,
        vec![(1, Some(500), None), (2, Some(200), None)]
    );
    assert_eq!(row(&app, second).await.state, "delivered");
    assert_eq!(tick(&app, endpoints()).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_given_up_after_the_last_attempt_and_the_portals_next_event_goes() {
    let app = spawn_app().await;
    let a = Receiver::start(503).await;
    let first = event(&app, "portal-a", "citizen_request.answered", json!({})).await;
    let second = event(
        &app,
        "portal-a",
        "citizen_request.status_changed",
        json!({}),
    )
    .await;
    app.exec(&format!(
        "UPDATE outbox_events SET attempts = {} WHERE id = '{first}'",
        MAX_ATTEMPTS - 1
    ))
    .await;
    // The last attempt fails: given up; the next event is then tried in the same tick.
    assert_eq!(tick(&app, vec![a.endpoint("portal-a", SECRET_A)]).await, 2);
    let r = row(&app, first).await;
    assert_eq!((r.state.as_str(), r.attempts), ("failed", MAX_ATTEMPTS));
    assert!(r.next_attempt_at.is_none() && r.delivered_at.is_none());
    assert_eq!(
        log(&app, first).await,
        vec![(MAX_ATTEMPTS, Some(503), None)]
    );
    let r = row(&app, second).await;
    assert_eq!((r.state.as_str(), r.attempts), ("pending", 1));
    // A failed event is not tried again.
    make_due(&app, second).await;
    a.answer(200);
    assert_eq!(tick(&app, vec![a.endpoint("portal-a", SECRET_A)]).await, 1);
    assert_eq!(row(&app, first).await.state, "failed");
    assert_eq!(row(&app, second).await.state, "delivered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_in_time_or_a_refused_connection_is_a_failed_attempt_retried_later() {
    let app = spawn_app().await;
    let slow = Receiver::start(200).await;
    slow.shared.delay_ms.store(3000, Ordering::SeqCst);
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let late = event(&app, "portal-a", "citizen_request.answered", json!({})).await;
    let refused = event(&app, "portal-b", "citizen_request.answered", json!({})).await;
    let mut webhooks = Webhooks::new(vec![
        slow.endpoint("portal-a", SECRET_A),
        WebhookEndpoint {
            portal: "portal-b".into(),
            url: format!("http://127.0.0.1:{closed}/hooks"),
            secret: SECRET_B.into(),
        },
    ]);
    webhooks.timeout = Duration::from_millis(500);
    let report = dutydesk::tick::run_with(&app.db_url, &webhooks)
        .await
        .unwrap();
    assert_eq!(report.webhooks, 2);
    for (id, what) in [(late, "timeout"), (refused, "connection failed")] {
        let r = row(&app, id).await;
        assert_eq!((r.state.as_str(), r.attempts), ("pending", 1));
        let l = log(&app, id).await;
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].1, None);
        let error = l[0].2.clone().unwrap();
        assert!(error.starts_with(what), "{error}");
        assert!(
            !error.contains("127.0.0.1"),
            "the URL is its own column: {error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_for_a_portal_without_an_endpoint_wait_until_one_is_configured() {
    let app = spawn_app().await;
    let r = Receiver::start(200).await;
    let id = event(&app, "portal-z", "rating.follow_up_closed", json!({})).await;
    assert_eq!(tick(&app, vec![r.endpoint("portal-a", SECRET_A)]).await, 0);
    assert_eq!(dutydesk::tick::run(&app.db_url).await.unwrap().webhooks, 0);
    let w = row(&app, id).await;
    assert_eq!((w.state.as_str(), w.attempts), ("pending", 0));
    assert_eq!(tick(&app, vec![r.endpoint("portal-z", SECRET_B)]).await, 1);
    assert_eq!(row(&app, id).await.state, "delivered");
    assert!(signature_verifies(SECRET_B, &r.got()[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tick_command_reads_the_webhooks_file_and_refuses_a_weak_secret_without_showing_it() {
    let app = spawn_app().await;
    let r = Receiver::start(200).await;
    event(&app, "portal-a", "citizen_request.answered", json!({})).await;
    let dir = std::env::temp_dir();
    let file = |name: &str, v: Value| {
        let path = dir.join(format!("dutydesk-webhooks-{}-{name}.json", Uuid::new_v4()));
        std::fs::write(&path, v.to_string()).unwrap();
        path
    };
    let run = |path: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dutydesk"))
            .arg("tick")
            .env("DATABASE_URL", &app.db_url)
            .envs(audit_env())
            .env("DUTYDESK_WEBHOOKS_FILE", path)
            .output()
            .unwrap()
    };
    let weak = "too-short-a-secret";
    let bad = file(
        "weak",
        json!([{"portal": "portal-a", "url": r.url, "secret": weak}]),
    );
    let out = run(&bad);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DUTYDESK_WEBHOOKS_FILE") && stderr.contains("secret"),
        "{stderr}"
    );
    assert!(!stderr.contains(weak), "{stderr}");
    assert!(r.got().is_empty());

    let good = file(
        "good",
        json!([{"portal": "portal-a", "url": r.url, "secret": SECRET_A}]),
    );
    let out = run(&good);
    assert!(out.status.success(), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["webhooks"], 1, "{report}");
    assert_eq!(report["skipped"], false);
    assert!(signature_verifies(SECRET_A, &r.got()[0]));
    let _ = std::fs::remove_file(bad);
    let _ = std::fs::remove_file(good);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_lists_deliveries_newest_first_by_state_and_other_roles_are_refused() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let a = Receiver::start(500).await;
    let b = Receiver::start(200).await;
    let failing = event(
        &app,
        "portal-a",
        "citizen_request.answered",
        json!({"n": 1}),
    )
    .await;
    let fine = event(
        &app,
        "portal-b",
        "citizen_request.status_changed",
        json!({"n": 2}),
    )
    .await;
    let endpoints = vec![
        a.endpoint("portal-a", SECRET_A),
        b.endpoint("portal-b", SECRET_B),
    ];
    assert_eq!(tick(&app, endpoints.clone()).await, 2);
    make_due(&app, failing).await;
    assert_eq!(tick(&app, endpoints).await, 1);

    let path = "/api/v1/webhook-deliveries";
    for token in [&app.admin_token, &c.auditor] {
        let r = app.get(path, token).await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], fine.to_string(), "newest first");
        assert_eq!(items[0]["state"], "delivered");
        assert_eq!(items[0]["portal"], "portal-b");
        assert_eq!(items[0]["data"], json!({"n": 2}));
        assert_eq!(items[0]["deliveries"].as_array().unwrap().len(), 1);
        assert_eq!(items[0]["deliveries"][0]["status"], 200);
        assert_eq!(items[1]["state"], "pending");
        assert_eq!(items[1]["attempts"], 2);
        assert!(items[1]["next_attempt_at"].is_string());
        let d = items[1]["deliveries"].as_array().unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(
            (d[0]["attempt"].clone(), d[0]["status"].clone()),
            (json!(1), json!(500))
        );
        assert_eq!(d[1]["attempt"], 2);
        assert_eq!(d[1]["url"], a.url);
        assert!(d[1]["duration_ms"].is_i64() && d[1]["error"].is_null());
        assert!(
            !v.to_string().contains(SECRET_A),
            "secrets never leave the file"
        );
    }
    // Filters and paging.
    let v: Value = app
        .get(&format!("{path}?state=pending"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["items"][0]["id"], failing.to_string());
    let entity = v["items"][0]["entity_id"].as_str().unwrap().to_owned();
    let v: Value = app
        .get(&format!("{path}?entity_id={entity}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"][0]["id"], failing.to_string());
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let p1: Value = app
        .get(&format!("{path}?limit=1"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p1["items"][0]["id"], fine.to_string());
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2: Value = app
        .get(&format!("{path}?limit=1&cursor={cursor}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p2["items"][0]["id"], failing.to_string());
    assert!(p2["next_cursor"].is_null());
    assert_problem(
        app.get(&format!("{path}?state=lost"), &app.admin_token)
            .await,
        400,
        "malformed_request",
    )
    .await;
    assert_problem(
        app.get(&format!("{path}?cursor=!!"), &app.admin_token)
            .await,
        400,
        "validation_failed",
    )
    .await;

    // Supervisors and window staff may not read it; another center sees none of it.
    for token in [&c.supervisor, &c.window] {
        assert_problem(app.get(path, token).await, 403, "forbidden").await;
    }
    let beta = app.other_center_admin().await;
    let v: Value = app.get(path, &beta).await.json().await.unwrap();
    assert_eq!(v["items"], json!([]));
    let r = app
        .req(reqwest::Method::GET, path, None)
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "unauthorized").await;
}

#[tokio::test]
async fn serve_refuses_a_wrong_webhooks_file_at_start_without_showing_the_secret() {
    let path = std::env::temp_dir().join(format!("dutydesk-webhooks-{}.json", Uuid::new_v4()));
    let secret = "a-secret-that-is-long-enough-but-goes-to-a-plain-http-host";
    std::fs::write(
        &path,
        json!([{"portal": "portal-a", "url": "http://portal.example/hooks", "secret": secret}])
            .to_string(),
    )
    .unwrap();
    let mut cfg = config("postgres://nobody@127.0.0.1:1/none");
    cfg.webhooks_file = Some(path.to_string_lossy().into_owned());
    let Err(e) = dutydesk::AppState::new(cfg) else {
        panic!("a webhooks file with a plain-http endpoint was accepted");
    };
    assert!(
        e.contains("DUTYDESK_WEBHOOKS_FILE") && e.contains("https"),
        "{e}"
    );
    assert!(!e.contains(secret), "{e}");
    let _ = std::fs::remove_file(path);
}
