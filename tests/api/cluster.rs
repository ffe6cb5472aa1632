//! A PostgreSQL cluster of a test's own, and the service as a separate process on it.
//!
//! For the tests that stop, restart, replicate or restore the database, or that signal or kill
//! the service: they must never disturb the shared cluster the rest of the suite runs on.
//!
//! - [`Cluster`] is made by `scripts/pg.sh` (the script `make test` uses for the shared one) with
//!   its own port and data folder under `/var/tmp/dutydesk-test-clusters-<uid>/`, migrated by
//!   `dutydesk migrate` and given center `alpha` and its office admin by `dutydesk create-admin`.
//!   It is stopped and its folder removed when dropped.
//! - [`Service`] runs `dutydesk serve` on a cluster as its own process, as in production (the
//!   server's role, JSON logs). Its output goes to the test logs that `make test` searches for
//!   phone numbers. It is killed when dropped.
//!
//! The tests that use them run one at a time (the nextest group `own-cluster` in
//! `.config/nextest.toml`: every test whose name starts with `own_cluster_`), so that their time
//! bounds hold while the rest of the suite loads the machine.

use crate::helpers::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_dutydesk");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a free port")
        .port()
}

/// Where this process's own clusters live (removed with each cluster).
fn clusters_dir() -> PathBuf {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").map_or(0, |m| m.uid());
    PathBuf::from(format!("/var/tmp/dutydesk-test-clusters-{uid}"))
}

/// Replaces the user and password of a `postgres://user:pw@host/db` URL.
pub fn as_user(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("scheme://…");
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    format!("{scheme}://{user}:{password}@{host}")
}

pub struct Cluster {
    pub port: u16,
    /// The data folder (`pg.sh`'s `DUTYDESK_PGDATA`); its parent holds the socket and the log.
    pub data: PathBuf,
    /// The owner's URL (migrations, fixtures, checks).
    pub owner_url: String,
    /// The server's role's URL (what [`Service`] connects with).
    pub app_url: String,
}

impl Cluster {
    /// A new cluster on a free port, migrated, with center `alpha` and its office admin
    /// (`admin` / [`ADMIN_PASSWORD`]).
    pub fn start(tag: &str) -> Cluster {
        Cluster::start_with(tag, &[])
    }

    /// Like [`Cluster::start`], with `pg_env` for its first `scripts/pg.sh` (e.g.
    /// `DUTYDESK_PGARCHIVE`; [`Cluster::up`] does not repeat it).
    pub fn start_with(tag: &str, pg_env: &[(&str, &str)]) -> Cluster {
        let port = free_port();
        let base = clusters_dir().join(format!("{tag}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let mut c = Cluster {
            port,
            data: base.join("data"),
            owner_url: String::new(),
            app_url: String::new(),
        };
        let line = c.pg_sh_with(&[], pg_env);
        c.owner_url = line
            .strip_prefix("DATABASE_URL=")
            .unwrap_or_else(|| panic!("pg.sh printed {line:?}"))
            .to_owned();
        c.app_url = as_user(&c.owner_url, "dutydesk_app", "dutydesk_app");
        c.dutydesk(
            &["migrate"],
            &[("DUTYDESK_MIGRATION_DATABASE_URL", &c.owner_url)],
        );
        c.dutydesk(
            &[
                "create-admin",
                "--center-code",
                "alpha",
                "--center-name",
                "Alpha 服务中心",
            ],
            &[
                ("DATABASE_URL", &c.app_url),
                ("DUTYDESK_ADMIN_PASSWORD", ADMIN_PASSWORD),
            ],
        );
        c
    }

    /// The folder holding the data folder, the socket and the server log.
    pub fn base(&self) -> &Path {
        self.data.parent().expect("the data folder has a parent")
    }

    /// Runs `scripts/pg.sh ARGS` for this cluster and returns its one stdout line (if any).
    pub fn pg_sh(&self, args: &[&str]) -> String {
        self.pg_sh_with(args, &[])
    }

    /// [`Cluster::pg_sh`] with more environment for the script.
    pub fn pg_sh_with(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new(repo().join("scripts/pg.sh"))
            .args(args)
            .envs(env.iter().copied())
            .env_remove("DATABASE_URL")
            .env_remove("DUTYDESK_APP_DATABASE_URL")
            .env("DUTYDESK_PGPORT", self.port.to_string())
            .env("DUTYDESK_PGDATA", &self.data)
            .output()
            .expect("run scripts/pg.sh");
        assert!(
            out.status.success(),
            "scripts/pg.sh {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Stops the server (fast shutdown: open sessions are ended, as in a restart).
    pub fn stop(&self) {
        self.pg_sh(&["stop"]);
    }

    /// Starts it again (after [`Cluster::stop`]) and waits until it accepts connections.
    pub fn up(&self) {
        self.pg_sh(&[]);
    }

    /// Runs a `dutydesk` command against this cluster; panics when it fails.
    pub fn dutydesk(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new(BIN)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("DUTYDESK_DEV")
            .envs(audit_env())
            .envs(env.iter().copied())
            .output()
            .expect("run dutydesk");
        assert!(
            out.status.success(),
            "dutydesk {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// One SQL statement as the owner, through `psql` (no connection is kept open).
    pub fn psql(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(&self.owner_url)
            .args(["-c", sql])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Cluster {
    /// A streaming hot standby of `primary` on a free port (`scripts/pg.sh replica`:
    /// `pg_basebackup -R -X stream` over the primary's socket). Its URLs are the primary's with
    /// its own port; it is read-only. Stopped and removed when dropped, like any cluster.
    pub fn replica_of(primary: &Cluster, tag: &str) -> Cluster {
        let port = free_port();
        let base = clusters_dir().join(format!("{tag}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let data = base.join("data");
        let out = Command::new(repo().join("scripts/pg.sh"))
            .arg("replica")
            .env_remove("DATABASE_URL")
            .env_remove("DUTYDESK_APP_DATABASE_URL")
            .env("DUTYDESK_PGPORT", port.to_string())
            .env("DUTYDESK_PGDATA", &data)
            .env("DUTYDESK_PRIMARY_PGPORT", primary.port.to_string())
            .env("DUTYDESK_PRIMARY_PGDATA", &primary.data)
            .output()
            .expect("run scripts/pg.sh replica");
        assert!(
            out.status.success(),
            "scripts/pg.sh replica failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let owner_url = line
            .strip_prefix("DATABASE_URL=")
            .unwrap_or_else(|| panic!("pg.sh replica printed {line:?}"))
            .to_owned();
        Cluster {
            port,
            data,
            app_url: as_user(&owner_url, "dutydesk_app", "dutydesk_app"),
            owner_url,
        }
    }

    /// One SQL statement as the superuser `postgres` over the unix socket (e.g.
    /// `SELECT pg_wal_replay_pause()` on a replica).
    pub fn superuser_psql(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-t",
                "-A",
                "-w",
                "-v",
                "ON_ERROR_STOP=1",
                "-U",
                "postgres",
            ])
            .args(["-d", "postgres", "-p", &self.port.to_string(), "-h"])
            .arg(self.base())
            .args(["-c", sql])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql as postgres {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("scripts/pg.sh"))
            .arg("stop")
            .env("DUTYDESK_PGPORT", self.port.to_string())
            .env("DUTYDESK_PGDATA", &self.data)
            .output();
        let _ = std::fs::remove_dir_all(self.base());
    }
}

/// `dutydesk serve` as its own process.
pub struct Service {
    pub base: String,
    child: Child,
}

impl Service {
    /// Starts `dutydesk serve` on `database_url` (the server's role) with the tests' keys, plus
    /// `env`, and waits (up to 20 s) until `/healthz` answers 200.
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Service {
        let port = free_port();
        std::fs::create_dir_all(log_dir()).expect("create the test log directory");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_dir().join(format!("serve-{}-{port}.jsonl", std::process::id())))
            .expect("open the service's log file");
        let child = Command::new(BIN)
            .arg("serve")
            .env_remove("DUTYDESK_DEV")
            .env("DATABASE_URL", database_url)
            .env("DUTYDESK_BIND", format!("127.0.0.1:{port}"))
            .env("DUTYDESK_JWT_SECRET", JWT_SECRET)
            .env("DUTYDESK_PII_KEYS", PII_KEYS)
            .env("DUTYDESK_PII_INDEX_KEY", PII_INDEX_KEY)
            .env("DUTYDESK_METRICS_TOKEN", METRICS_TOKEN)
            .env("DUTYDESK_LOG_FORMAT", "json")
            .envs(audit_env())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log file"))
            .stderr(log)
            .spawn()
            .expect("start dutydesk serve");
        let mut s = Service {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = s.child.try_wait().expect("poll the service") {
                panic!("dutydesk serve exited at start: {status}");
            }
            if healthz(port) == Some(200) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "dutydesk serve not ready in 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (a graceful stop: in-flight requests finish).
    pub fn terminate(&self) {
        signal(self.pid(), "TERM");
    }

    /// Sends SIGKILL and reaps the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits up to `limit` for the process to exit; its status, or None when still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the service") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

fn signal(pid: u32, name: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("run kill")
        .success();
    assert!(ok, "kill -{name} {pid} failed");
}

/// `GET /healthz` over a plain blocking socket (this runs inside the tests' runtime): its status,
/// or None when nothing answered within 2 s.
fn healthz(port: u16) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Logs in as center `alpha`'s office admin and returns the access token.
pub async fn admin_token(base: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"center_code": "alpha", "employee_no": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("log in");
    assert_eq!(r.status(), 200, "login on {base}");
    let body: Value = r.json().await.expect("login body");
    body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_cluster_serves_and_survives_a_clean_restart_of_its_database() {
    let cluster = Cluster::start("smoke");
    let mut svc = Service::start(&cluster.app_url, &[]);
    let token = admin_token(&svc.base).await;
    let client = reqwest::Client::new();
    let create = |code: &str| {
        client
            .post(format!("{}/api/v1/departments", svc.base))
            .bearer_auth(&token)
            .json(&json!({"name": format!("部门 {code}"), "code": code, "rotation_order": 1}))
            .send()
    };
    assert_eq!(create("d1").await.unwrap().status(), 201);
    cluster.stop();
    cluster.up();
    // The pool's connections died with the old server; the service recovers without a restart.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = create("d2").await.unwrap().status();
        if s == 201 {
            break;
        }
        assert_eq!(s, 503, "only 503 while the database comes back");
        assert!(Instant::now() < deadline, "not recovered in 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Restarted while the service is idle: the pooled connections that died with it are never
    // handed out, so the first request after the database is back is served.
    cluster.stop();
    cluster.up();
    assert_eq!(create("d3").await.unwrap().status(), 201);
    assert_eq!(
        cluster.psql("SELECT string_agg(code, ',' ORDER BY code) FROM departments"),
        "d1,d2,d3"
    );
    // A graceful stop ends the process with success.
    svc.terminate();
    let status = svc
        .wait_exit(Duration::from_secs(10))
        .expect("stopped within 10 s");
    assert!(status.success(), "{status}");
    // This cluster is not the shared one.
    assert_ne!(
        Some(cluster.owner_url.as_str()),
        std::env::var("DATABASE_URL").ok().as_deref()
    );
}
