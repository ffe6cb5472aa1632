//! Backups (R22: nothing lost): the steps of docs/backups.md, run against clusters of the tests'
//! own — a base backup plus the WAL archive restored to a point in time, and a nightly
//! `pg_dump -Fc` restored into a fresh database. Each restore finds every record (row counts of
//! every table, the ids) and its audit trail verifies through the service.

use crate::cluster::*;
use crate::helpers::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Row counts of every table of the public schema, `table=n,…` in name order (docs/backups.md,
/// "Verifying a restore").
const COUNTS: &str = "SELECT string_agg(format('%s=%s', table_name, \
     (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', table_name), \
     false, true, '')))[1]::text), ',' ORDER BY table_name) \
     FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'";

const AUDIT_IDS: &str = "SELECT string_agg(id::text, ',' ORDER BY seq) FROM audit_events";

/// A folder removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = PathBuf::from(format!(
            "/var/tmp/dutydesk-test-{tag}-{}-{}",
            std::process::id(),
            free_port()
        ));
        let _ = std::fs::remove_dir_all(&p);
        TempDir(p)
    }
    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 path")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn write(base: &str, token: &str, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201, "POST {path}");
    r.json().await.expect("a JSON body")
}

async fn department(base: &str, token: &str, code: &str) -> Value {
    write(
        base,
        token,
        "/api/v1/departments",
        json!({"name": format!("部门 {code}"), "code": code, "rotation_order": 1}),
    )
    .await
}

async fn staff(base: &str, token: &str, no: &str, department: &Value) -> Value {
    write(
        base,
        token,
        "/api/v1/staff",
        json!({
            "name": format!("员工 {no}"),
            "employee_no": no,
            "department_id": department["id"],
            "position": "front_desk",
            "roles": ["window_staff"],
            "phone": "13800000000",
            "password": STAFF_PASSWORD,
        }),
    )
    .await
}

/// The restored database seen through the service: the admin logs in (itself an audit event)
/// and the audit trail verifies end to end, every event of it.
async fn trail_verifies(svc: &Service, db: &Cluster) {
    let token = admin_token(&svc.base).await;
    let events = db.psql("SELECT count(*) FROM audit_events");
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/audit-events/verify", svc.base))
        .bearer_auth(&token)
        .json(&json!({"checkpoints": []}))
        .send()
        .await
        .expect("verify");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["events_checked"].to_string(), events, "{v}");
}

fn staff_nos(c: &Cluster) -> String {
    c.psql("SELECT string_agg(employee_no, ',' ORDER BY employee_no) FROM staff")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_cluster_point_in_time_restore_finds_every_record_before_the_target_and_none_after() {
    let archive = TempDir::new("wal-archive");
    let source = Cluster::start_with("pitr", &[("DUTYDESK_PGARCHIVE", archive.path())]);
    assert_eq!(source.psql("SHOW archive_mode"), "on");
    // docs/backups.md, "Base backup": a compressed tar base backup with its WAL.
    let backup = source.base().join("base-backup");
    let backup_dir = backup.to_str().unwrap();
    source.pg_sh(&[
        "as-owner",
        "pg_basebackup",
        "-U",
        "postgres",
        "-D",
        backup_dir,
        "-Ft",
        "-z",
        "-X",
        "stream",
        "-c",
        "fast",
    ]);

    let svc = Service::start(&source.app_url, &[]);
    let token = admin_token(&svc.base).await;
    let d1 = department(&svc.base, &token, "d1").await;
    department(&svc.base, &token, "d2").await;
    staff(&svc.base, &token, "s1", &d1).await;
    let counts_at_t = source.psql(COUNTS);
    let audit_at_t = source.psql(AUDIT_IDS);
    let events_at_t = source.psql("SELECT count(*) FROM audit_events");
    assert!(events_at_t.parse::<i64>().unwrap() >= 4, "{events_at_t}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = source.psql("SELECT clock_timestamp()");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let d3 = department(&svc.base, &token, "d3").await;
    staff(&svc.base, &token, "s2", &d3).await;
    // Finish the current WAL segment and wait until it is in the archive.
    let segment = source.pg_sh(&[
        "as-owner",
        "psql",
        "-X",
        "-At",
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-c",
        "SELECT pg_walfile_name(pg_switch_wal())",
    ]);
    let deadline = Instant::now() + Duration::from_secs(15);
    while !archive.0.join(&segment).exists() {
        assert!(Instant::now() < deadline, "{segment} not archived in 15 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(svc);

    // docs/backups.md, "Point-in-time restore": base backup into a fresh data folder, the archive
    // as restore_command, recovery_target_time = T, recovery.signal, start.
    let port = free_port();
    let restored = Cluster {
        port,
        data: source
            .base()
            .with_file_name(format!("pitr-restored-{}-{port}", std::process::id()))
            .join("data"),
        owner_url: String::new(),
        app_url: String::new(),
    };
    restore_base_backup(&restored, &backup, archive.path(), &t);
    let restored = started(restored);
    assert_eq!(restored.psql("SELECT pg_is_in_recovery()"), "f");
    assert_eq!(restored.psql(COUNTS), counts_at_t, "every table as at T");
    assert_eq!(
        restored.psql(AUDIT_IDS),
        audit_at_t,
        "the audit events up to T"
    );
    assert_eq!(
        restored.psql("SELECT string_agg(code, ',' ORDER BY code) FROM departments"),
        "d1,d2"
    );
    assert_eq!(staff_nos(&restored), "admin,s1");
    assert_eq!(staff_nos(&source), "admin,s1,s2", "written after T");
    let svc = Service::start(&restored.app_url, &[]);
    trail_verifies(&svc, &restored).await;
}

/// Unpacks the base backup into `target`'s (new) data folder, sets up recovery to `time` from
/// `archive`, starts it and waits until it is promoted, as the cluster's OS user
/// (docs/backups.md, "Point-in-time restore"). Only `dutydesk.conf` (port and socket, which
/// `scripts/pg.sh` rewrites on each start) is the tests' own.
fn restore_base_backup(target: &Cluster, backup: &Path, archive: &str, time: &str) {
    let script = r#"set -eu
data="$1"; backup="$2"; archive="$3"; target_time="$4"
mkdir -m 700 "$data"
tar -xzf "$backup/base.tar.gz" -C "$data"
tar -xzf "$backup/pg_wal.tar.gz" -C "$data/pg_wal"
cat >> "$data/postgresql.conf" <<EOF
restore_command = 'cp $archive/%f %p'
recovery_target_time = '$target_time'
recovery_target_action = 'promote'
EOF
touch "$data/recovery.signal"
printf "port = %s\nunix_socket_directories = '%s'\n" "$PGPORT" "$PGHOST" > "$data/dutydesk.conf"
pg_ctl start -D "$data" -l "$(dirname "$data")/server.log" -w -t 30 >&2
tries=0
until [ "$(psql -X -At -U postgres -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do
  tries=$((tries + 1))
  [ "$tries" -lt 300 ] || { echo "still in recovery after 30 s" >&2; exit 1; }
  sleep 0.1
done
"#;
    target.pg_sh(&[
        "as-owner",
        "sh",
        "-c",
        script,
        "sh",
        target.data.to_str().unwrap(),
        backup.to_str().unwrap(),
        archive,
        time,
    ]);
}

/// The restored cluster through `scripts/pg.sh` (it runs already): fills in its URLs.
fn started(mut c: Cluster) -> Cluster {
    let line = c.pg_sh(&[]);
    c.owner_url = line
        .strip_prefix("DATABASE_URL=")
        .unwrap_or_else(|| panic!("pg.sh printed {line:?}"))
        .to_owned();
    c.app_url = as_user(&c.owner_url, "dutydesk_app", "dutydesk_app");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_cluster_pg_dump_restored_into_a_fresh_database_finds_every_record() {
    let source = Cluster::start("dump");
    let svc = Service::start(&source.app_url, &[]);
    let token = admin_token(&svc.base).await;
    let d1 = department(&svc.base, &token, "d1").await;
    staff(&svc.base, &token, "s1", &d1).await;
    staff(&svc.base, &token, "s2", &d1).await;
    drop(svc);
    let counts = source.psql(COUNTS);
    let audit = source.psql(AUDIT_IDS);

    // docs/backups.md, "Nightly pg_dump": as the owner, custom format.
    let dumps = TempDir::new("dumps");
    std::fs::create_dir_all(&dumps.0).unwrap();
    let file = dumps.0.join("dutydesk.dump");
    run(std::process::Command::new("pg_dump")
        .args(["-Fc", "-f"])
        .arg(&file)
        .arg(&source.owner_url));

    // Into a fresh cluster (its roles made as README "Database roles" says) and an empty
    // database owned by `dutydesk`.
    let fresh = Cluster::start("dump-restored");
    fresh.psql("CREATE DATABASE dutydesk_restored OWNER dutydesk");
    let (server, _) = fresh.owner_url.rsplit_once('/').expect("…/dutydesk");
    let owner_url = format!("{server}/dutydesk_restored");
    run(std::process::Command::new("pg_restore")
        .args(["--exit-on-error", "--no-owner", "--role=dutydesk", "-d"])
        .arg(&owner_url)
        .arg(&file));
    let restored = Cluster {
        port: fresh.port,
        data: fresh.data.clone(),
        app_url: as_user(&owner_url, "dutydesk_app", "dutydesk_app"),
        owner_url,
    };
    assert_eq!(restored.psql(COUNTS), counts, "every table, every row");
    assert_eq!(restored.psql(AUDIT_IDS), audit);
    // The schema is current: migrate has nothing to do.
    let before = restored.psql("SELECT count(*) FROM __diesel_schema_migrations");
    restored.dutydesk(
        &["migrate"],
        &[("DUTYDESK_MIGRATION_DATABASE_URL", &restored.owner_url)],
    );
    assert_eq!(
        restored.psql("SELECT count(*) FROM __diesel_schema_migrations"),
        before
    );
    let svc = Service::start(&restored.app_url, &[]);
    trail_verifies(&svc, &restored).await;
    let token = admin_token(&svc.base).await;
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/staff", svc.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(3), "{page}");
    // `restored` shares `fresh`'s folder: only `fresh` stops and removes it.
    std::mem::forget(restored);
}

fn run(cmd: &mut std::process::Command) {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
