//! Faults at the service's edge (issue 10): an exhausted connection pool answers 503 quickly with
//! `Retry-After`, and SIGTERM under load lets every accepted request finish while new ones go to
//! the other instance.

use crate::cluster::*;
use crate::helpers::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Waits (up to 10 s) until `n` sessions of the database wait for a lock: the requests held by
/// the test's table lock have taken their pooled connections and are blocked on it.
async fn until_sessions_wait_for_a_lock(watch: &mut AsyncPgConnection, n: i64) {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: N = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .get_result(watch)
        .await
        .expect("read pg_stat_activity");
        if waiting.n >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} requests blocked on the lock",
            waiting.n
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_pool_answers_503_with_retry_after_within_its_timeout_and_recovers() {
    let app = spawn_with(|c| {
        c.db_pool_size = 1;
        c.db_timeout_secs = 1;
    })
    .await;
    app.create_department("d1", 1).await;
    // The owner locks the departments on a connection of its own, in an open transaction.
    let mut locker = app.db().await;
    locker
        .batch_execute("BEGIN; LOCK TABLE departments IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock departments");
    // A list of departments takes the only pooled connection and waits on the lock.
    let held = {
        let client = app.client.clone();
        let url = format!("{}/api/v1/departments", app.base);
        let token = app.admin_token.clone();
        tokio::spawn(async move { client.get(url).bearer_auth(token).send().await })
    };
    let mut watch = app.db().await;
    until_sessions_wait_for_a_lock(&mut watch, 1).await;

    // Any other request needing the database waits at most DUTYDESK_DB_TIMEOUT_SECS for a
    // connection, then is told to retry.
    let started = Instant::now();
    let r = app.get("/api/v1/staff", &app.admin_token).await;
    let took = started.elapsed();
    let retry_after = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_problem(r, 503, "database_unavailable").await;
    assert_eq!(retry_after.as_deref(), Some("1"), "Retry-After");
    assert!(
        took >= Duration::from_millis(900),
        "answered before the pool's timeout: {took:?}"
    );
    // The timeout is 1 s; the rest is slack for a loaded machine.
    assert!(took < Duration::from_millis(2500), "503 took {took:?}");
    // Readiness says so too (a load balancer stops sending here).
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "readyz while the pool is exhausted");
    assert_eq!(r.headers()["retry-after"], "1");

    // The lock released: the held request completes normally and everything recovers.
    locker.batch_execute("COMMIT").await.expect("unlock");
    let r = held.await.unwrap().expect("the held request is answered");
    assert_eq!(r.status(), 200, "the held request");
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(
        app.get("/api/v1/staff", &app.admin_token).await.status(),
        200
    );
    let r = app
        .post(
            "/api/v1/departments",
            &app.admin_token,
            &json!({"name": "部门 d2", "code": "d2", "rotation_order": 2}),
        )
        .await;
    assert_eq!(r.status(), 201);
}

/// One request of the load: a read, or a write (a new department) with an Idempotency-Key.
#[derive(Clone)]
enum Call {
    Read,
    Write { code: String, key: String },
}

impl Call {
    async fn send(
        &self,
        client: &reqwest::Client,
        base: &str,
        token: &str,
    ) -> reqwest::Result<reqwest::Response> {
        match self {
            Call::Read => {
                client
                    .get(format!("{base}/api/v1/departments"))
                    .bearer_auth(token)
                    .send()
                    .await
            }
            Call::Write { code, key } => {
                client
                    .post(format!("{base}/api/v1/departments"))
                    .bearer_auth(token)
                    .header("Idempotency-Key", key)
                    .json(
                        &json!({"name": format!("部门 {code}"), "code": code, "rotation_order": 1}),
                    )
                    .send()
                    .await
            }
        }
    }

    fn expected(&self) -> u16 {
        match self {
            Call::Read => 200,
            Call::Write { .. } => 201,
        }
    }
}

/// What became of one call: answered by A, or refused by A and answered by B.
#[derive(Debug, Default)]
struct Tally {
    by_a: usize,
    refused_then_b: usize,
    /// Sent to A but cut off without an answer (then retried on B).
    cut_off_then_b: usize,
}

/// Sends `call` to A on a new connection; when A does not answer, the same call (same
/// Idempotency-Key) to B. Every answer must be the call's normal one.
async fn call_a_then_b(call: &Call, a: &str, b: &str, token: &str, tally: &mut Tally) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let r = match call.send(&client, a, token).await {
        Ok(r) => {
            tally.by_a += 1;
            r
        }
        Err(e) => {
            if e.is_connect() {
                tally.refused_then_b += 1;
            } else {
                tally.cut_off_then_b += 1;
            }
            call.send(&client, b, token)
                .await
                .expect("instance B answers")
        }
    };
    assert_eq!(r.status().as_u16(), call.expected(), "{}", r.url());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_cluster_sigterm_under_load_finishes_accepted_requests_and_refuses_new_ones() {
    let cluster = Cluster::start("sigterm");
    let mut a = Service::start(&cluster.app_url, &[]);
    let b = Service::start(&cluster.app_url, &[]);
    let token = admin_token(&a.base).await;
    let a_port: u16 = a.base.rsplit(':').next().unwrap().parse().unwrap();

    // An idle keep-alive connection to A, left open by this client.
    let kept = reqwest::Client::new();
    let r = kept
        .get(format!("{}/healthz", a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Slow requests in flight on A: held by the owner's lock on the departments.
    let mut locker = AsyncPgConnection::establish(&cluster.owner_url)
        .await
        .unwrap();
    locker
        .batch_execute("BEGIN; LOCK TABLE departments IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let slow: Vec<Call> = (0..3)
        .map(|i| Call::Write {
            code: format!("slow{i}"),
            key: uuid::Uuid::new_v4().to_string(),
        })
        .chain((0..3).map(|_| Call::Read))
        .collect();
    let mut held = Vec::new();
    for call in slow.clone() {
        let (base, token) = (a.base.clone(), token.clone());
        held.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let r = call.send(&client, &base, &token).await;
            (call, r)
        }));
    }
    let mut watch = AsyncPgConnection::establish(&cluster.owner_url)
        .await
        .unwrap();
    until_sessions_wait_for_a_lock(&mut watch, 6).await;

    // Load: four clients, reads and writes, each call on a new connection, A first.
    let load_until = Instant::now() + Duration::from_millis(2500);
    let mut load = Vec::new();
    for t in 0..4 {
        let (a_base, b_base, token) = (a.base.clone(), b.base.clone(), token.clone());
        load.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut i = 0;
            let mut written = Vec::new();
            while Instant::now() < load_until {
                let call = if i % 2 == 0 {
                    Call::Read
                } else {
                    Call::Write {
                        code: format!("l{t}-{i}"),
                        key: uuid::Uuid::new_v4().to_string(),
                    }
                };
                call_a_then_b(&call, &a_base, &b_base, &token, &mut tally).await;
                if let Call::Write { code, .. } = call {
                    written.push(code);
                }
                i += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (tally, written)
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let stopped_at = Instant::now();
    a.terminate();
    // A stops listening at once: a new connection is refused (a load balancer moves on).
    let deadline = Instant::now() + Duration::from_secs(2);
    while std::net::TcpStream::connect(("127.0.0.1", a_port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "A still accepts connections 2 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The process waits for the requests it accepted.
    assert!(
        a.wait_exit(Duration::from_millis(700)).is_none(),
        "A exited with requests in flight"
    );
    tokio::time::sleep(Duration::from_millis(1000).saturating_sub(stopped_at.elapsed())).await;
    locker.batch_execute("COMMIT").await.unwrap();

    for h in held {
        let (call, r) = h.await.unwrap();
        let r = r.expect("an accepted request is answered, not cut off");
        assert_eq!(r.status().as_u16(), call.expected(), "in flight at SIGTERM");
    }
    let mut total = Tally::default();
    let mut codes: Vec<String> = (0..3).map(|i| format!("slow{i}")).collect();
    for h in load {
        let (tally, written) = h.await.unwrap();
        total.by_a += tally.by_a;
        total.refused_then_b += tally.refused_then_b;
        total.cut_off_then_b += tally.cut_off_then_b;
        codes.extend(written);
    }
    eprintln!("load: {total:?}");
    assert!(total.by_a > 0 && total.refused_then_b > 0, "{total:?}");
    // A exits with success once its accepted requests are answered; the idle keep-alive
    // connection does not hold it for the 30 s shutdown timeout.
    let status = a.wait_exit(Duration::from_secs(10)).expect("A exits");
    assert!(status.success(), "{status}");
    let took = stopped_at.elapsed();
    eprintln!("A exited {took:?} after SIGTERM");
    assert!(took < Duration::from_secs(8), "A took {took:?} to stop");
    // Every write happened exactly once.
    codes.sort();
    let stored = cluster.psql("SELECT string_agg(code, ',' ORDER BY code) FROM departments");
    assert_eq!(stored, codes.join(","));
    // B serves on.
    assert_eq!(
        reqwest::get(format!("{}/readyz", b.base))
            .await
            .unwrap()
            .status(),
        200
    );
}
