//! The command line: `serve` refuses weak secrets; `create-admin` reads the password from
//! standard input; migrations undo cleanly.

use crate::helpers::*;
use diesel_async::AsyncConnection;
use diesel_migrations::MigrationHarness;
use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_dutydesk");

#[test]
fn serve_refuses_a_missing_or_weak_jwt_secret() {
    for secret in ["", "too-short-secret"] {
        let out = Command::new(BIN)
            .arg("serve")
            .env("DATABASE_URL", "postgres://unused@127.0.0.1:1/unused")
            .env("DUTYDESK_BIND", "127.0.0.1:0")
            .env("DUTYDESK_JWT_SECRET", secret)
            .env_remove("DUTYDESK_DEV")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .find(|l| l.starts_with("dutydesk:"))
            .unwrap_or_default();
        assert!(line.contains("DUTYDESK_JWT_SECRET"), "stderr: {err}");
    }
}

#[test]
fn openapi_command_prints_the_committed_spec() {
    let out = Command::new(BIN).arg("openapi").output().unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        serde_json::to_value(dutydesk::openapi::spec()).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_admin_reads_the_password_from_stdin_and_refuses_duplicates() {
    let app = spawn_app().await;
    let run = |password: &str| {
        let mut child = Command::new(BIN)
            .args([
                "create-admin",
                "--center-code",
                "gamma",
                "--center-name",
                "Gamma",
                "--employee-no",
                "boss",
            ])
            .env("DATABASE_URL", &app.db_url)
            .envs(audit_env())
            .env_remove("DUTYDESK_ADMIN_PASSWORD")
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(!run("short").status.success(), "weak password refused");
    assert!(run("gamma-admin-password").status.success());
    assert_eq!(
        app.login("gamma", "boss", "gamma-admin-password")
            .await
            .status(),
        200
    );
    let again = run("gamma-admin-password");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_down_migration_undoes_its_up_migration() {
    let app = spawn_app().await;
    let conn = diesel_async::AsyncPgConnection::establish(&app.owner_url)
        .await
        .unwrap();
    let tables = "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'";
    let before = app.count(tables).await;
    assert!(before >= 8);
    let conn = tokio::task::spawn_blocking(move || {
        let mut h = diesel_async::AsyncMigrationHarness::new(conn);
        h.revert_all_migrations(dutydesk::db::MIGRATIONS).unwrap();
        h.into_inner()
    })
    .await
    .unwrap();
    drop(conn);
    assert_eq!(app.count(tables).await, 0, "down.sql leaves tables behind");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM pg_proc WHERE proname = 'audit_events_append_only'")
            .await,
        0
    );
    dutydesk::db::migrate(&app.owner_url).await.unwrap();
    assert_eq!(app.count(tables).await, before);
}

/// `seed-demo` leaves a live center on any date: a published roster from this week to four weeks
/// ahead, a pending substitution and leave request, this week's leader sit-in plans with one
/// sit-in attended; where the roster reaches past the loaded holiday years it confirms
/// explicitly and warns. Running it again adds nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_demo_shows_a_live_center_and_warns_about_missing_holiday_years_r3() {
    let app = spawn_app().await;
    // As if no holiday year were loaded: the demo must confirm and say so.
    app.exec("DELETE FROM statutory_years").await;
    let run = || {
        Command::new(BIN)
            .arg("seed-demo")
            .env("DATABASE_URL", &app.db_url)
            .envs(audit_env())
            .output()
            .unwrap()
    };
    let out = run();
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("WARNING: no statutory holidays are loaded"),
        "{said}"
    );
    assert!(said.contains("Demo roster published"), "{said}");
    let today = dutydesk::clock::Clock::system().today(chrono_tz::Asia::Shanghai);
    let covering = format!(
        "SELECT count(*) AS n FROM rosters r JOIN centers c ON c.id = r.center_id \
         WHERE c.code = 'demo' AND r.status = 'published' AND r.start_date <= '{today}' \
         AND r.end_date >= '{}' AND cardinality(r.confirmed_missing_holidays) > 0",
        today + chrono::Duration::days(28)
    );
    assert_eq!(app.count(&covering).await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM substitutions WHERE status = 'proposed'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM leave_requests WHERE status = 'pending'")
            .await,
        1
    );
    // This week's sit-in plans: one per department leader (no holidays are loaded here, so
    // each keeps both weekdays), and the week's first planned day, which has come, attended.
    let monday = today
        - chrono::Duration::days(
            chrono::Datelike::weekday(&today)
                .num_days_from_monday()
                .into(),
        );
    let plans = format!(
        "SELECT count(*) AS n FROM sit_in_plans p JOIN staff s ON s.id = p.leader_id \
         WHERE p.week = '{monday}' AND s.leader AND cardinality(p.days) = 2"
    );
    assert_eq!(
        app.count(&plans).await,
        dutydesk::seed::DEMO_DEPARTMENTS.len() as i64
    );
    assert!(
        said.contains(&format!("5 leader sit-in plan(s) for the week of {monday}")),
        "{said}"
    );
    let attended = format!(
        "SELECT count(*) AS n FROM sit_in_attendance a JOIN sit_in_plans p \
         ON p.leader_id = a.leader_id AND p.week = '{monday}' AND a.date = ANY(p.days) \
         WHERE a.date BETWEEN '{monday}' AND '{today}'"
    );
    assert_eq!(app.count(&attended).await, 1);
    let out = run();
    assert!(out.status.success());
    assert_eq!(app.count("SELECT count(*) AS n FROM rosters").await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM substitutions").await,
        1
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sit_in_plans").await,
        dutydesk::seed::DEMO_DEPARTMENTS.len() as i64
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sit_in_attendance")
            .await,
        1
    );
}

#[test]
fn serve_refuses_a_dev_clock_outside_dev_mode_or_malformed() {
    for (dev, clock, expect) in [
        (false, "2026-11-30T08:05:00+08:00", "DUTYDESK_DEV=true"),
        (true, "next monday", "RFC 3339"),
    ] {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .env("DATABASE_URL", "postgres://unused@127.0.0.1:1/unused")
            .env("DUTYDESK_BIND", "127.0.0.1:0")
            .env("DUTYDESK_JWT_SECRET", "x".repeat(40))
            .env("DUTYDESK_DEV_CLOCK", clock);
        if dev {
            cmd.env("DUTYDESK_DEV", "true");
        } else {
            cmd.env_remove("DUTYDESK_DEV");
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err
            .lines()
            .find(|l| l.starts_with("dutydesk:"))
            .unwrap_or_default();
        assert!(
            line.contains("DUTYDESK_DEV_CLOCK") && line.contains(expect),
            "stderr: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dev_clock_starts_the_services_clock_there() {
    let app = spawn_app().await;
    let at = test_today() + chrono::Duration::days(40);
    let mut cfg = config(&app.db_url);
    cfg.dev = true;
    cfg.dev_clock = Some(format!("{at}T08:05:00+08:00"));
    let state = dutydesk::AppState::new(cfg).expect("state");
    let now = state.clock.now().with_timezone(&chrono_tz::Asia::Shanghai);
    assert_eq!(now.date_naive(), at);
    assert_eq!(now.format("%H:%M").to_string(), "08:05");
}

/// `dutydesk reseal` after a rotation: values under old keys (citizens' names and phones, and
/// attachments) move to the current key and still open to the same values, a second run finds
/// nothing to do, and a value no configured key opens is left alone and reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reseal_moves_personal_data_to_the_current_key() {
    const T3: &str = "t3:dGVzdC1waWkta2V5LXRocmVlLXRlc3QtcGlpLWtleTM=";
    const T4: &str = "t4:dGVzdC1waWkta2V5LWZvdXItLXRlc3QtcGlpLWtleTQ=";
    let t2 = PII_KEYS.split(',').next().unwrap();
    let app = spawn_app().await;
    let c = crate::fixtures::crew(&app).await;
    let file = crate::fixtures::pdf();
    let file_id =
        crate::fixtures::uploaded(&app, &c.supervisor, "application/pdf", file.clone()).await;
    let r = app
        .post(
            "/api/v1/citizen-requests",
            &c.supervisor,
            &serde_json::json!({
                "kind": "help", "channel": "phone", "citizen_name": "李四",
                "citizen_phone": "13912340001", "concerns": "hall",
                "subject": "轮椅通道", "description": "东门无障碍坡道被占用。",
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["request"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // [resealed, current, unreadable] of the name, the phone and the attachment.
    let reseal = |keys: String| {
        let out = Command::new(BIN)
            .arg("reseal")
            .env("DATABASE_URL", &app.db_url)
            .env("DUTYDESK_PII_KEYS", keys)
            .env("DUTYDESK_PII_INDEX_KEY", PII_INDEX_KEY)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        ["resealed", "current", "unreadable"].map(|what| {
            [
                "citizen_contacts.name_enc",
                "citizen_contacts.phone_enc",
                "attachments.sealed",
            ]
            .map(|col| v[col][what].as_i64().unwrap())
        })
    };
    let under = |key: &str| {
        format!(
            "SELECT (SELECT count(*) FROM citizen_contacts WHERE substring(name_enc from 2 for 2) = '{key}' AND substring(phone_enc from 2 for 2) = '{key}')
                  + (SELECT count(*) FROM attachments WHERE key_id = '{key}' AND substring(sealed from 2 for 2) = '{key}') AS n"
        )
    };
    assert_eq!(app.count(&under("t2")).await, 2);
    let (none, one) = ([0, 0, 0], [1, 1, 1]);
    assert_eq!(reseal(format!("{T3},{t2}")), [one, none, none]);
    assert_eq!(app.count(&under("t3")).await, 2);
    assert_eq!(reseal(format!("{T3},{t2}")), [none, one, none]);
    assert_eq!(reseal(T4.to_owned()), [none, none, one]);
    assert_eq!(
        app.count(&under("t3")).await,
        2,
        "unreadable values are kept"
    );
    // Back under t2, which the running service holds: it reads the same phone and file.
    assert_eq!(reseal(format!("{t2},{T3}")), [one, none, none]);
    let contact = app
        .get(
            &format!("/api/v1/citizen-requests/{id}/contact"),
            &app.admin_token,
        )
        .await;
    assert_eq!(contact.status(), 200);
    let v: serde_json::Value = contact.json().await.unwrap();
    assert_eq!(
        (v["name"].as_str(), v["phone"].as_str()),
        (Some("李四"), Some("13912340001"))
    );
    let got = app
        .get(&format!("/api/v1/attachments/{file_id}"), &c.supervisor)
        .await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), file);
}
