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
    let conn = diesel_async::AsyncPgConnection::establish(&app.db_url)
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
    dutydesk::db::migrate(&app.db_url).await.unwrap();
    assert_eq!(app.count(tables).await, before);
}
