//! Least privilege (R22): the server's role (`dutydesk_app`, migration 000035) reads and writes
//! rows but cannot change the schema, disable triggers, truncate, rewrite the trail or create
//! roles; the whole suite runs the app as that role, and these tests say so explicitly.

use crate::helpers::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_dutydesk");

/// Runs `sql` and returns its error text; panics when it succeeds.
async fn refused(conn: &mut AsyncPgConnection, sql: &str) -> String {
    match diesel::sql_query(sql).execute(conn).await {
        Ok(n) => panic!("{sql}: succeeded as the server's role ({n} rows)"),
        Err(e) => e.to_string(),
    }
}

#[derive(diesel::QueryableByName)]
struct Who {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    member: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    owner: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_role_cannot_change_the_schema_disable_triggers_or_rewrite_the_trail() {
    let app = spawn_app().await;
    // The app has written the trail (the admin, the login); a checkpoint exists too.
    let report = dutydesk::tick::run(&app.db_url).await.unwrap();
    assert_eq!(report.steps["audit_checkpoints"], 1);
    let mut conn = AsyncPgConnection::establish(&app.db_url).await.unwrap();
    let who: Who = diesel::sql_query(
        "SELECT pg_has_role(current_user, 'dutydesk_app', 'USAGE') AS member,
                EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public'
                         AND pg_has_role(current_user, tableowner, 'USAGE')) AS owner",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(who.member && !who.owner, "the tests' app role owns tables");

    let denied = |e: &str| e.contains("permission denied") || e.contains("must be owner");
    for sql in [
        "ALTER TABLE departments ADD COLUMN sneaky int",
        "ALTER TABLE audit_events ALTER COLUMN action DROP NOT NULL",
        "DROP TABLE departments",
        "DROP TABLE audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "ALTER TABLE audit_events DISABLE TRIGGER USER",
        "ALTER TABLE audit_heads DISABLE TRIGGER audit_heads_forward_only",
        "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER",
        "DROP TRIGGER audit_events_no_truncate ON audit_events",
        "DROP FUNCTION audit_heads_forward_only() CASCADE",
        "CREATE TRIGGER sneaky BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_no_truncate()",
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "UPDATE audit_checkpoints SET seq = seq + 1",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_heads",
        "TRUNCATE audit_events",
        "TRUNCATE audit_heads",
        "TRUNCATE audit_checkpoints",
        "TRUNCATE departments",
        "TRUNCATE refresh_tokens",
        "CREATE TABLE sneaky (id int)",
        "CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE ROLE sneaky LOGIN",
        "ALTER ROLE dutydesk_app CREATEROLE",
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('99999999999999')",
        "DELETE FROM __diesel_schema_migrations",
    ] {
        let e = refused(&mut conn, sql).await;
        assert!(denied(&e), "{sql}: {e}");
    }
    // Heads: the server moves them forward; rewinding one is refused by the trigger, which the
    // server's role cannot switch off (above).
    let e = refused(&mut conn, "UPDATE audit_heads SET seq = seq - 1").await;
    assert!(e.contains("only moves forward"), "{e}");
    let e = refused(
        &mut conn,
        "UPDATE audit_heads SET keyed_from = keyed_from + 100",
    )
    .await;
    assert!(e.contains("only moves forward"), "{e}");

    // Nothing changed: the chain still holds.
    let v: Value = app
        .get("/api/v1/audit-events/verify", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], true, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_serves_writes_audits_and_verifies_as_the_server_role() {
    let app = spawn_app().await;
    let dept = app.create_department("PRIV", 1).await;
    let (staff, _) = app.create_staff("P001", &["window_staff"], None).await;
    let r = app
        .patch(
            &format!("/api/v1/departments/{}", dept["id"].as_str().unwrap()),
            &app.admin_token,
            &json!({"name": "部门 改名"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let report = dutydesk::tick::run(&app.db_url).await.unwrap();
    assert_eq!(report.steps["audit_checkpoints"], 1);
    let v: Value = app
        .get("/api/v1/audit-events/verify", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], true, "{v}");
    assert!(v["checkpoints_checked"].as_i64().unwrap() >= 1, "{v}");
    // The department's creation and rename, and the staff member's creation, are in the trail.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events
              WHERE (entity_id = '{}' AND action IN ('created', 'updated'))
                 OR (entity_id = '{}' AND action = 'created')",
            dept["id"].as_str().unwrap(),
            staff["id"].as_str().unwrap()
        ))
        .await,
        3
    );
    // The connections the service used were the server's role's, never the owner's.
    assert!(
        app.count(&format!(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '{}'
               AND pg_has_role(usename, 'dutydesk_app', 'USAGE')
               AND usename <> current_user",
            app.db_name
        ))
        .await
            >= 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_start_while_migrations_are_pending_and_only_the_owner_migrates() {
    let app = spawn_app().await;
    assert!(dutydesk::db::pending(&app.db_url).await.unwrap().is_empty());
    // As if migration 000035 (which may run again) had not run yet.
    app.exec("DELETE FROM __diesel_schema_migrations WHERE version = '20261130000035'")
        .await;
    let pending = dutydesk::db::pending(&app.db_url).await.unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");

    let out = Command::new(BIN)
        .arg("serve")
        .env("DATABASE_URL", &app.db_url)
        .env("DUTYDESK_BIND", "127.0.0.1:0")
        .env("DUTYDESK_JWT_SECRET", JWT_SECRET)
        .env("DUTYDESK_PII_KEYS", PII_KEYS)
        .env("DUTYDESK_PII_INDEX_KEY", PII_INDEX_KEY)
        .envs(audit_env())
        .env_remove("DUTYDESK_DEV")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("dutydesk:"))
        .unwrap_or_default();
    assert!(
        line.contains("pending") && line.contains(&pending[0]) && line.contains("dutydesk migrate"),
        "stderr: {err}"
    );

    // The server's role cannot apply it; the owner can.
    let migrate = |url: &str| {
        Command::new(BIN)
            .arg("migrate")
            .env_remove("DATABASE_URL")
            .env("DUTYDESK_MIGRATION_DATABASE_URL", url)
            .output()
            .unwrap()
    };
    let out = migrate(&app.db_url);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("role that owns the schema"),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(dutydesk::db::pending(&app.db_url).await.unwrap(), pending);
    let out = migrate(&app.owner_url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dutydesk::db::pending(&app.db_url).await.unwrap().is_empty());
}
