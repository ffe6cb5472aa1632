//! `dutydesk tick`: timed work runs in one place, alone (an advisory lock), and a second run
//! finds nothing left to do.

use crate::helpers::*;
use diesel_async::RunQueryDsl;
use std::time::Duration;

const SWEPT: [&str; 4] = [
    "anonymise_citizens",
    "expired_refresh_tokens",
    "old_idempotency_keys",
    "stale_login_throttle",
];

async fn exec(conn: &mut diesel_async::AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Old rows for every sweep, plus a fresh one of each that must stay.
async fn seed_due_rows(app: &TestApp) {
    let mut c = app.db().await;
    let staff = app.admin_id;
    exec(
        &mut c,
        &format!(
            "INSERT INTO refresh_tokens (id, family_id, staff_id, token_hash, expires_at, created_at)
             VALUES (gen_random_uuid(), gen_random_uuid(), '{staff}', 'old-1', now() - interval '2 days', now() - interval '32 days'),
                    (gen_random_uuid(), gen_random_uuid(), '{staff}', 'old-2', now() - interval '3 days', now() - interval '33 days'),
                    (gen_random_uuid(), gen_random_uuid(), '{staff}', 'just-expired', now() - interval '1 hour', now() - interval '30 days')"
        ),
    )
    .await;
    exec(
        &mut c,
        "INSERT INTO login_throttle (account_key, failed_count, window_start, locked_until)
         VALUES ('alpha\u{1f}old', 2, now() - interval '2 days', NULL),
                ('alpha\u{1f}old-lock', 5, now() - interval '2 days', now() - interval '2 days'),
                ('alpha\u{1f}fresh', 1, now(), NULL)",
    )
    .await;
    exec(
        &mut c,
        "INSERT INTO idempotency_keys (principal, idem_key, method, path, request_hash, status, created_at)
         VALUES ('p', 'old', 'POST', '/api/v1/departments', 'h', 201, now() - interval '25 hours'),
                ('p', 'fresh', 'POST', '/api/v1/departments', 'h', 201, now() - interval '1 hour')",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_ticks_sweep_once_and_a_second_tick_is_a_no_op() {
    let app = spawn_app().await;
    seed_due_rows(&app).await;
    // Hold the swept tables so that whichever tick takes the advisory lock first is still
    // working (blocked) when the other one tries it: the run is concurrent, deterministically.
    let mut blocker = app.db().await;
    exec(&mut blocker, "BEGIN").await;
    exec(
        &mut blocker,
        "LOCK TABLE refresh_tokens, login_throttle, idempotency_keys IN ACCESS EXCLUSIVE MODE",
    )
    .await;
    let tick = || {
        let url = app.db_url.clone();
        tokio::spawn(async move { dutydesk::tick::run(&url).await })
    };
    let (a, b) = (tick(), tick());
    let mut waited = Duration::ZERO;
    while !a.is_finished() && !b.is_finished() {
        assert!(waited < Duration::from_secs(20), "neither tick returned");
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    let (first, second) = if a.is_finished() { (a, b) } else { (b, a) };
    let first = first.await.unwrap().expect("the skipping tick returns Ok");
    assert!(first.skipped, "{first:?}");
    assert!(first.steps.is_empty());
    assert!(
        !second.is_finished(),
        "the working tick waits for the table lock"
    );
    exec(&mut blocker, "COMMIT").await;
    let second = second.await.unwrap().expect("the working tick returns Ok");
    assert!(!second.skipped, "{second:?}");
    assert_eq!(second.steps["expired_refresh_tokens"], 2);
    assert_eq!(second.steps["stale_login_throttle"], 2);
    assert_eq!(second.steps["old_idempotency_keys"], 1);
    // The sweeps, plus the citizens' requests' deadline steps (nothing to do here), plus the
    // audit checkpoint of center alpha (its head moved: the center and its admin were created).
    assert_eq!(second.steps.len(), SWEPT.len() + 3);
    assert_eq!(second.steps["audit_checkpoints"], 1);
    assert_eq!(second.steps["citizen_due_dates"], 0);
    assert_eq!(second.steps["citizen_overdue_escalated"], 0);

    // What was due is gone; what was not stays (the login's own token included).
    assert_eq!(
        app.count("SELECT count(*) AS n FROM refresh_tokens WHERE token_hash LIKE 'old-%'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM refresh_tokens WHERE token_hash = 'just-expired'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM login_throttle").await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_keys WHERE idem_key = 'fresh'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_keys")
            .await,
        1
    );

    // The lock was released, and a second run has nothing left to do.
    let again = dutydesk::tick::run(&app.db_url).await.unwrap();
    assert!(!again.skipped);
    for step in SWEPT {
        assert_eq!(again.steps[step], 0, "{again:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tick_command_prints_one_json_line_and_skips_while_another_tick_holds_the_lock() {
    let app = spawn_app().await;
    seed_due_rows(&app).await;
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_dutydesk"))
            .arg("tick")
            .env("DATABASE_URL", &app.db_url)
            .envs(audit_env())
            .output()
            .unwrap()
    };
    // Another tick holds the lock: this one exits 0 and says so.
    let mut holder = app.db().await;
    exec(
        &mut holder,
        &format!("SELECT pg_advisory_lock({})", dutydesk::tick::LOCK_KEY),
    )
    .await;
    let out = run();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report,
        serde_json::json!({"skipped": true, "steps": {}, "webhooks": 0})
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("another tick is running"));
    exec(
        &mut holder,
        &format!("SELECT pg_advisory_unlock({})", dutydesk::tick::LOCK_KEY),
    )
    .await;

    let out = run();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report,
        serde_json::json!({"skipped": false, "steps": {
            "anonymise_citizens": 0, "expired_refresh_tokens": 2, "old_idempotency_keys": 1, "stale_login_throttle": 2,
            "citizen_due_dates": 0, "citizen_overdue_escalated": 0, "audit_checkpoints": 1,
        }, "webhooks": 0})
    );
}
