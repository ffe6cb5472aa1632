//! Read replicas (`DUTYDESK_READ_DATABASE_URL`, docs/scaling.md): a primary cluster of the
//! test's own, a real streaming replica of it (`scripts/pg.sh replica`) and the service as its
//! own process with both URLs.
//!
//! The report used is the sit-in compliance of a week: it lists every active department, so a
//! department created on the primary shows whether the data read has it.

use crate::cluster::*;
use crate::helpers::*;
use chrono::{Datelike, Duration as Days};
use reqwest::Client;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const STALENESS: &str = "x-data-staleness";

/// The Monday of the tests' current week.
fn monday() -> String {
    let today = test_today();
    (today - Days::days(today.weekday().num_days_from_monday() as i64)).to_string()
}

struct Setup {
    // Dropped in this order: the service, then the replica, then the primary.
    svc: Service,
    replica: Cluster,
    primary: Cluster,
    token: String,
    client: Client,
}

fn setup(tag: &str, max_staleness: &str) -> Setup {
    let primary = Cluster::start(&format!("{tag}-p"));
    let replica = Cluster::replica_of(&primary, &format!("{tag}-r"));
    let svc = Service::start(
        &primary.app_url,
        &[
            ("DUTYDESK_READ_DATABASE_URL", replica.app_url.as_str()),
            ("DUTYDESK_READ_MAX_STALENESS_SECS", max_staleness),
        ],
    );
    Setup {
        svc,
        replica,
        primary,
        token: String::new(),
        client: Client::new(),
    }
}

impl Setup {
    async fn create_department(&self, code: &str) {
        let r = self
            .client
            .post(format!("{}/api/v1/departments", self.svc.base))
            .bearer_auth(&self.token)
            .json(&json!({"name": format!("部门 {code}"), "code": code, "rotation_order": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "writes go to the primary");
    }

    /// The compliance report: its department codes and the staleness header (which every 200 of
    /// a replica-eligible read carries).
    async fn report(&self) -> (Vec<String>, u64) {
        let r = self
            .client
            .get(format!(
                "{}/api/v1/leader-sit-ins/compliance?week={}",
                self.svc.base,
                monday()
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "the report always answers");
        let staleness: u64 = r
            .headers()
            .get(STALENESS)
            .expect("the staleness header")
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let body: Value = r.json().await.unwrap();
        let codes = body["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect();
        (codes, staleness)
    }

    /// Waits (up to 10 s) until the replica has replayed `code` and the service reads from it.
    async fn until_replica_serves(&self, code: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let on_replica = self.replica.psql(&format!(
                "SELECT count(*) FROM departments WHERE code = '{code}'"
            )) == "1";
            let (codes, staleness) = self.report().await;
            if on_replica && staleness >= 1 && codes.iter().any(|c| c == code) {
                return;
            }
            assert!(Instant::now() < deadline, "the replica never served {code}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_cluster_reports_are_read_from_the_replica_within_the_staleness_bound() {
    let mut s = setup("replica-bound", "5");
    s.token = admin_token(&s.svc.base).await;
    // The replica really is a standby of the primary.
    assert_eq!(s.replica.psql("SELECT pg_is_in_recovery()"), "t");
    assert_eq!(s.primary.psql("SELECT pg_is_in_recovery()"), "f");
    s.create_department("d1").await;
    let d1_at = Instant::now();
    s.until_replica_serves("d1").await;

    // Replay paused: the replica keeps receiving WAL but shows nothing new.
    s.replica.superuser_psql("SELECT pg_wal_replay_pause()");
    s.create_department("d2").await;
    let written = Instant::now();
    assert_eq!(
        s.primary
            .psql("SELECT count(*) FROM departments WHERE code = 'd2'"),
        "1"
    );
    let (codes, staleness) = s.report().await;
    assert!(
        !codes.contains(&"d2".to_owned()),
        "served by the paused replica: {codes:?}"
    );
    assert!(codes.contains(&"d1".to_owned()));
    assert!((1..=5).contains(&staleness), "stated bound {staleness}");

    // While the stated bound holds, the replica serves (d2 missing); once the lag passes it,
    // the primary serves at once (d2 present, staleness 0). Never a non-200.
    let deadline = Instant::now() + Duration::from_secs(12);
    loop {
        let (codes, staleness) = s.report().await;
        if codes.contains(&"d2".to_owned()) {
            assert_eq!(staleness, 0, "the primary states 0");
            break;
        }
        assert!(
            (1..=5).contains(&staleness),
            "a replica answer states a bound within the maximum: {staleness}"
        );
        assert!(
            written.elapsed() < Duration::from_secs(5) + Duration::from_millis(1500),
            "still served by the stale replica {:?} after the write",
            written.elapsed()
        );
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The lag counts from the last commit the replica replayed (d1): with the measurement's age
    // (at most about a second) it passes 5 s no earlier than about 4 s after it.
    assert!(
        d1_at.elapsed() >= Duration::from_millis(3500),
        "fell back {:?} after d1, before the lag could pass the bound",
        d1_at.elapsed()
    );
    // Another eligible read (statistics) falls back the same way.
    let today = test_today();
    let r = s
        .client
        .get(format!(
            "{}/api/v1/duty-statistics?from={today}&to={today}",
            s.svc.base
        ))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[STALENESS], "0");

    // Replay resumed: the replica catches up and serves again.
    s.replica.superuser_psql("SELECT pg_wal_replay_resume()");
    s.until_replica_serves("d2").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_cluster_reads_fall_back_to_the_primary_when_the_replica_goes_away() {
    let mut s = setup("replica-gone", "5");
    s.token = admin_token(&s.svc.base).await;
    s.create_department("d1").await;
    s.until_replica_serves("d1").await;

    s.replica.stop();
    let stopped = Instant::now();
    // Every read answers 200; within 2 s they come from the primary.
    let mut on_primary_after = None;
    while stopped.elapsed() < Duration::from_secs(3) {
        let (_, staleness) = s.report().await;
        if staleness == 0 && on_primary_after.is_none() {
            on_primary_after = Some(stopped.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = on_primary_after.expect("reads moved to the primary");
    assert!(after < Duration::from_secs(2), "moved after {after:?}");
    // A new write is seen at once: the primary serves.
    s.create_department("d2").await;
    let (codes, staleness) = s.report().await;
    assert!(codes.contains(&"d2".to_owned()), "{codes:?}");
    assert_eq!(staleness, 0);
    // The fallbacks are counted.
    let metrics = s
        .client
        .get(format!("{}/metrics", s.svc.base))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("db_read_fallbacks_total{reason="),
        "{metrics}"
    );
    assert!(metrics.contains("db_replica_reads_total "), "{metrics}");

    // The replica comes back: reads return to it.
    s.replica.up();
    s.create_department("d3").await;
    s.until_replica_serves("d3").await;
}
