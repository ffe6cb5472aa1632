//! Exactly once under faults (issue 10): PostgreSQL restarted under load, the service killed
//! between commit and response, two instances on one database. Every write carries an
//! `Idempotency-Key`; a client retries a write that got 503 or no answer with the same key and
//! body, and must then get the original answer (committed) or the write done now (not
//! committed), never a second effect, never a 500 and never 409 "in progress".

use crate::cluster::{Cluster, Service, admin_token};
use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn dept(code: &str) -> Value {
    json!({"name": format!("部门 {code}"), "code": code, "rotation_order": 1})
}

/// One answer a client got (or a transport error: `status` 0), with when it came.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    status: u16,
    code: String,
    retry_after: bool,
}

async fn post_keyed(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> (Seen, Option<Value>) {
    let r = client
        .post(format!("{base}/api/v1/departments"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await;
    seen(r).await
}

async fn seen(r: reqwest::Result<reqwest::Response>) -> (Seen, Option<Value>) {
    match r {
        Ok(r) => {
            let status = r.status().as_u16();
            let retry_after = r.headers().contains_key("retry-after");
            let body: Option<Value> = r.json().await.ok();
            let code = body
                .as_ref()
                .filter(|_| status >= 400)
                .and_then(|b| b["code"].as_str())
                .unwrap_or_default()
                .to_owned();
            let s = Seen {
                at: Instant::now(),
                status,
                code,
                retry_after,
            };
            (s, body)
        }
        Err(_) => (
            Seen {
                at: Instant::now(),
                status: 0,
                code: String::new(),
                retry_after: false,
            },
            None,
        ),
    }
}

/// The departments whose code starts with `prefix`: code → id, as the database holds them.
fn departments(cluster: &Cluster, prefix: &str) -> (BTreeMap<String, String>, i64) {
    let rows = cluster.psql(&format!(
        "SELECT code || ' ' || id FROM departments WHERE code LIKE '{prefix}%' ORDER BY code"
    ));
    let mut map = BTreeMap::new();
    let mut n = 0;
    for line in rows.lines().filter(|l| !l.is_empty()) {
        let (code, id) = line.split_once(' ').expect("code id");
        map.insert(code.to_owned(), id.to_owned());
        n += 1;
    }
    (map, n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn own_cluster_a_database_restart_under_load_loses_and_duplicates_nothing() {
    let cluster = Cluster::start("restart-load");
    let svc = Service::start(&cluster.app_url, &[]);
    let token = Arc::new(admin_token(&svc.base).await);
    let base = Arc::new(svc.base.clone());
    let done = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for t in 0..8 {
        let (token, base, done) = (token.clone(), base.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut seen_all = Vec::new();
            // key → (id of the 201, how many answers it took)
            let mut acked: Vec<(String, String, usize)> = Vec::new();
            let mut i = 0;
            while !done.load(Ordering::Relaxed) {
                let key = format!("r{t}x{i}");
                let body = dept(&key);
                let mut tries = 0;
                loop {
                    tries += 1;
                    let (s, b) = post_keyed(&client, &base, &token, &key, &body).await;
                    seen_all.push(s.clone());
                    if s.status == 201 {
                        let id = b.expect("a body")["id"].as_str().unwrap().to_owned();
                        acked.push((key.clone(), id, tries));
                        break;
                    }
                    assert!(tries < 100, "{key}: no 201 after 100 tries");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let r = client
                    .get(format!("{base}/api/v1/departments?limit=5"))
                    .bearer_auth(&*token)
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                seen_all.push(seen(r).await.0);
                i += 1;
            }
            (seen_all, acked)
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stop_at = Instant::now();
    tokio::task::block_in_place(|| cluster.stop());
    tokio::time::sleep(Duration::from_secs(1)).await;
    tokio::task::block_in_place(|| cluster.up());
    let up_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    done.store(true, Ordering::Relaxed);

    let mut seen_all = Vec::new();
    let mut acked = Vec::new();
    for t in tasks {
        let (s, a) = t.await.expect("a client task");
        seen_all.extend(s);
        acked.extend(a);
    }
    let mut last_failure = None;
    let mut failures = 0;
    for s in &seen_all {
        match s.status {
            200 | 201 => {}
            503 | 0 => {
                assert!(
                    s.status == 0 || s.retry_after,
                    "503 without Retry-After: {s:?}"
                );
                assert!(
                    s.at >= stop_at && s.at <= up_at + Duration::from_secs(5),
                    "a failure outside the outage: {:?} after the stop",
                    s.at.saturating_duration_since(stop_at)
                );
                failures += 1;
                last_failure = Some(last_failure.map_or(s.at, |l: Instant| l.max(s.at)));
            }
            _ => panic!("an answer neither 2xx nor 503: {s:?}"),
        }
    }
    let recovery = last_failure.map_or(Duration::ZERO, |l| l.saturating_duration_since(up_at));
    println!(
        "restart under load: {} answers, {failures} failed (503 or no answer) during the outage, \
         {} writes acknowledged, {} of them after a retry; recovered {recovery:?} after the \
         database was up (down for {:?})",
        seen_all.len(),
        acked.len(),
        acked.iter().filter(|a| a.2 > 1).count(),
        up_at - stop_at
    );
    assert!(failures > 0, "the outage was not seen at all");
    assert!(
        recovery < Duration::from_secs(5),
        "recovery took {recovery:?}"
    );

    // Every acknowledged department exists exactly once, with the id its client was given.
    let (db, rows) = departments(&cluster, "r");
    assert_eq!(rows, acked.len() as i64, "rows vs acknowledged writes");
    for (key, id, _) in &acked {
        assert_eq!(db.get(key), Some(id), "{key}");
    }
    // A retry of every committed write now replays its original answer.
    let client = reqwest::Client::new();
    for (key, id, _) in acked.iter().step_by(7) {
        let (s, b) = post_keyed(&client, &svc.base, &token, key, &dept(key)).await;
        assert_eq!(s.status, 201, "{key}");
        assert_eq!(b.unwrap()["id"].as_str(), Some(id.as_str()), "{key}");
    }
    assert_eq!(departments(&cluster, "r").1, acked.len() as i64);
}

/// Adds or removes `synchronous_standby_names = 'ghost'` (and `synchronous_commit = on`) in the
/// cluster's `postgresql.auto.conf` and reloads it (SIGHUP to the postmaster). With a
/// synchronous standby that never comes, every COMMIT is written but waits for it: the
/// service's request hangs after its commit, which is where a kill loses the response of a
/// committed write. Removing it releases the waiting commits.
fn ghost_standby(cluster: &Cluster, on: bool) {
    let conf = cluster.data.join("postgresql.auto.conf");
    let text = std::fs::read_to_string(&conf).expect("read postgresql.auto.conf");
    let mut kept: String = text
        .lines()
        .filter(|l| !l.starts_with("synchronous_"))
        .map(|l| format!("{l}\n"))
        .collect();
    if on {
        // The test clusters run with `synchronous_commit = off`, which never waits.
        kept.push_str("synchronous_commit = on\nsynchronous_standby_names = 'ghost'\n");
    }
    std::fs::write(&conf, kept).expect("write postgresql.auto.conf");
    let pid =
        std::fs::read_to_string(cluster.data.join("postmaster.pid")).expect("read postmaster.pid");
    let pid = pid.lines().next().expect("the postmaster's pid").trim();
    let ok = std::process::Command::new("kill")
        .args(["-HUP", pid])
        .status()
        .expect("run kill")
        .success();
    assert!(ok, "kill -HUP {pid}");
    std::thread::sleep(Duration::from_millis(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn own_cluster_a_write_acknowledged_or_not_happens_once_when_the_process_is_killed() {
    let cluster = Cluster::start("kill-load");
    // Four connections for eight clients: at the kill, the writes holding a connection wait at
    // their COMMIT (or behind another one's), the others wait for a connection (not begun).
    let mut svc = Service::start(
        &cluster.app_url,
        &[
            ("DUTYDESK_DB_POOL_SIZE", "4"),
            ("DUTYDESK_DB_TIMEOUT_SECS", "10"),
        ],
    );
    let token = Arc::new(admin_token(&svc.base).await);
    let base = Arc::new(svc.base.clone());
    let mut tasks = Vec::new();
    for t in 0..8 {
        let (token, base) = (token.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut acked = Vec::new();
            for i in 0.. {
                let key = format!("k{t}x{i}");
                let (s, b) = post_keyed(&client, &base, &token, &key, &dept(&key)).await;
                match s.status {
                    201 => acked.push((key, b.unwrap()["id"].as_str().unwrap().to_owned())),
                    // No answer: the process died with the request in flight.
                    0 => return (acked, key),
                    other => panic!("{key}: {other} {}", s.code),
                }
            }
            unreachable!()
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ghost_standby(&cluster, true);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    svc.kill();
    ghost_standby(&cluster, false);

    let mut acked = Vec::new();
    let mut in_flight = Vec::new();
    for t in tasks {
        let (a, k) = t.await.expect("a client task");
        acked.extend(a);
        in_flight.push(k);
    }
    // The released commits land (until two reads agree); then see which in-flight writes had
    // committed.
    let mut db = departments(&cluster, "k").0;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let again = departments(&cluster, "k").0;
        if again == db {
            break;
        }
        db = again;
    }
    let committed: BTreeMap<String, String> = in_flight
        .iter()
        .filter_map(|k| db.get(k).map(|id| (k.clone(), id.clone())))
        .collect();
    println!(
        "kill under load: {} writes acknowledged before the kill, {} in flight at the kill, {} of \
         those committed without an answer",
        acked.len(),
        in_flight.len(),
        committed.len()
    );
    assert_eq!(in_flight.len(), 8);
    assert!(
        !committed.is_empty() && committed.len() < in_flight.len(),
        "both cases must occur: {} of {} committed",
        committed.len(),
        in_flight.len()
    );

    // The retries go to a new instance on the same database.
    let svc2 = Service::start(&cluster.app_url, &[]);
    let client = reqwest::Client::new();
    for key in &in_flight {
        let (s, b) = post_keyed(&client, &svc2.base, &token, key, &dept(key)).await;
        assert_eq!(s.status, 201, "{key}: {s:?}");
        let id = b.unwrap()["id"].as_str().unwrap().to_owned();
        if let Some(first) = committed.get(key) {
            assert_eq!(&id, first, "{key}: the committed write replays");
        }
        acked.push((key.clone(), id));
    }
    let keys: BTreeSet<&String> = acked.iter().map(|a| &a.0).collect();
    assert_eq!(keys.len(), acked.len(), "one answer per key");
    let (db, rows) = departments(&cluster, "k");
    assert_eq!(rows, keys.len() as i64, "one department per key");
    for (key, id) in &acked {
        assert_eq!(db.get(key), Some(id), "{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_key_sent_to_two_instances_at_once_has_one_effect_and_one_answer() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let client = reqwest::Client::new();
    for round in 0..5 {
        let key = format!("twin{round}");
        let body = dept(&key);
        let (a, b) = tokio::join!(
            post_keyed(&client, &app.base, &app.admin_token, &key, &body),
            post_keyed(&client, &other, &app.admin_token, &key, &body),
        );
        assert_eq!((a.0.status, b.0.status), (201, 201), "{a:?} {b:?}");
        assert_eq!(a.1, b.1, "both instances give the same answer");
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM departments WHERE code LIKE 'twin%'")
            .await,
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_racing_on_one_change_let_exactly_one_win() {
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let client = reqwest::Client::new();
    // The same department code, different keys: one 201, one 409 department_code_taken.
    for round in 0..5 {
        let body = dept(&format!("race{round}"));
        let (ka, kb) = (format!("a{round}"), format!("b{round}"));
        let (a, b) = tokio::join!(
            post_keyed(&client, &app.base, &app.admin_token, &ka, &body),
            post_keyed(&client, &other, &app.admin_token, &kb, &body),
        );
        let mut got = [(a.0.status, a.0.code), (b.0.status, b.0.code)];
        got.sort();
        assert_eq!(
            got,
            [(201, String::new()), (409, "department_code_taken".into())],
            "round {round}"
        );
    }
    // The same version of one department, patched on both: one 200, one 412 stale_etag.
    let d = app.create_department("shared", 5).await;
    let path = format!("/api/v1/departments/{}", d["id"].as_str().unwrap());
    for round in 0..5 {
        let r = app.get(&path, &app.admin_token).await;
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        let patch = |base: &str, name: String| {
            client
                .request(Method::PATCH, format!("{base}{path}"))
                .bearer_auth(&app.admin_token)
                .header("if-match", etag.clone())
                .json(&json!({ "name": name }))
                .send()
        };
        let (a, b) = tokio::join!(
            patch(&app.base, format!("甲 {round}")),
            patch(&other, format!("乙 {round}"))
        );
        let (a, b) = (seen(a).await.0, seen(b).await.0);
        let mut got = [(a.status, a.code), (b.status, b.code)];
        got.sort();
        assert_eq!(
            got,
            [(200, String::new()), (412, "stale_etag".into())],
            "round {round}"
        );
    }
    let v: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    assert_eq!(v["version"], 6);
}
