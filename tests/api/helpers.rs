//! Test harness: every test gets its own database, cloned from a migrated template, and the
//! real application listening on a random local port.

use chrono::NaiveDate;
use chrono_tz::Asia::Shanghai;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use dutydesk::clock::Clock;
use dutydesk::config::Config;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{Value, json};
use std::path::Path;
use uuid::Uuid;

pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const STAFF_PASSWORD: &str = "staff-password-123";
pub const IDP_ISSUER: &str = "https://portal.example/idp";
pub const IDP_AUDIENCE: &str = "dutydesk";
pub const IDP_KID: &str = "portal-2026";
/// The identity provider's claim that names a staff member by employee number.
pub const IDP_STAFF_CLAIM: &str = "employee_no";
/// The tests' keys for citizens' personal data (two, to exercise rotation).
pub const PII_KEYS: &str = "t2:dGVzdC1waWkta2V5LXR3by10ZXN0LXBpaS1rZXktdHc=,t1:dGVzdC1waWkta2V5LW9uZS10ZXN0LXBpaS1rZXktb24=";
pub const PII_INDEX_KEY: &str = "dGVzdC1pbmRleC1rZXktdGVzdC1pbmRleC1rZXktMzI=";
/// The scrapers' bearer token for `/metrics` in the tests.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";
/// The tests' audit keys: the chain key and the checkpoint signing key (an Ed25519 seed).
pub const AUDIT_KEY: &str = "dGVzdC1hdWRpdC1jaGFpbi1rZXktdGVzdC1hdWRpdCE=";
pub const AUDIT_SIGNING_KEY: &str = "dGVzdC1hdWRpdC1zaWduaW5nLXNlZWQtdGVzdC1hdWQ=";
/// The environment that hands the tests' audit keys to a `dutydesk` command.
pub fn audit_env() -> [(&'static str, &'static str); 2] {
    [
        ("DUTYDESK_AUDIT_KEY", AUDIT_KEY),
        ("DUTYDESK_AUDIT_SIGNING_KEY", AUDIT_SIGNING_KEY),
    ]
}
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

pub struct TestApp {
    pub base: String,
    pub client: Client,
    /// The test's database as the server's role (`dutydesk_app`, migration 000035): what the app,
    /// its second instances, the tick and the other commands (except `migrate`) connect with.
    pub db_url: String,
    /// The same database as the role that owns it (ran the migrations): for fixtures and
    /// tampering that the server's role may not do ([`TestApp::db`]).
    pub owner_url: String,
    pub db_name: String,
    admin_url: String,
    /// Center "alpha" and its office admin's access token.
    pub center_id: Uuid,
    pub admin_id: Uuid,
    pub admin_token: String,
    /// The application's clock: set to the tests' "today" (see [`test_today`]).
    pub clock: Clock,
}

/// The tests' "today" in Asia/Shanghai: `DUTYDESK_TEST_TODAY=YYYY-MM-DD` when set (CI runs the
/// suite at far dates with it), else the real date. Every date-sensitive test derives its dates
/// from this, so the suite passes on any day.
pub fn test_today() -> NaiveDate {
    match std::env::var("DUTYDESK_TEST_TODAY") {
        Ok(v) if !v.trim().is_empty() => NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .unwrap_or_else(|_| panic!("DUTYDESK_TEST_TODAY must be YYYY-MM-DD, not {v:?}")),
        _ => Clock::system().today(Shanghai),
    }
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must point at a PostgreSQL where this role may CREATE DATABASE (run `make test`)",
    )
}

/// The server's role: `DUTYDESK_APP_DATABASE_URL` when set, else `DATABASE_URL` with user and
/// password `dutydesk_app` (the role and password `scripts/pg.sh` creates).
pub fn app_role_url() -> String {
    match std::env::var("DUTYDESK_APP_DATABASE_URL") {
        Ok(v) if !v.trim().is_empty() => v,
        _ => {
            let owner = admin_url();
            let (scheme, rest) = owner.split_once("://").expect("DATABASE_URL is scheme://…");
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            format!("{scheme}://dutydesk_app:dutydesk_app@{host}")
        }
    }
}

fn with_db(url: &str, db: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("DATABASE_URL has a database name");
    format!("{base}/{db}")
}

/// The template's name changes whenever a migration changes.
fn template_name() -> String {
    use sha2::{Digest, Sha256};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).expect("read migration"));
    }
    format!("dutydesk_tpl_{}", &hex::encode(h.finalize())[..16])
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("migrations dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Creates the migrated template once per migration set (serialised across test processes).
async fn ensure_template(admin: &str) -> String {
    let tpl = template_name();
    let mut conn = AsyncPgConnection::establish(admin)
        .await
        .expect("connect admin");
    exec(&mut conn, "SELECT pg_advisory_lock(724301)").await;
    let found: Count =
        diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(&tpl)
            .get_result(&mut conn)
            .await
            .unwrap();
    if found.n == 0 {
        let building = format!("{tpl}_building");
        exec(&mut conn, &format!("DROP DATABASE IF EXISTS {building}")).await;
        exec(&mut conn, &format!("CREATE DATABASE {building}")).await;
        dutydesk::db::migrate(&with_db(admin, &building))
            .await
            .expect("migrate template");
        exec(
            &mut conn,
            &format!("ALTER DATABASE {building} RENAME TO {tpl}"),
        )
        .await;
    }
    exec(&mut conn, "SELECT pg_advisory_unlock(724301)").await;
    tpl
}

pub fn config(db_url: &str) -> Config {
    Config {
        database_url: db_url.to_owned(),
        read_database_url: None,
        read_max_staleness_secs: 5,
        bind: "127.0.0.1:0".into(),
        jwt_secret: JWT_SECRET.into(),
        dev: false,
        jwt_issuer: "dutydesk".into(),
        jwt_audience: "dutydesk-api".into(),
        access_ttl_secs: 900,
        refresh_ttl_secs: 3600,
        db_pool_size: 8,
        db_timeout_secs: 3,
        body_limit_bytes: 16 * 1024,
        attachment_limit_bytes: 64 * 1024,
        cors_origins: vec!["https://portal.example".into()],
        login_max_failures: 5,
        login_lock_secs: 900,
        login_delay_secs: 1,
        login_address_max_failures: 50,
        hash_concurrency: None,
        hash_wait_ms: 1000,
        idp_issuer: Some(IDP_ISSUER.into()),
        idp_audience: Some(IDP_AUDIENCE.into()),
        idp_keys_file: Some(idp_keys_file()),
        idp_staff_claim: Some(IDP_STAFF_CLAIM.into()),
        webhooks_file: None,
        log_format: None,
        dev_clock: None,
        metrics_token: METRICS_TOKEN.into(),
        header_timeout_secs: 5,
        body_timeout_secs: 30,
        upload_timeout_secs: 60,
        max_connections: 1024,
        max_connection_rate: 256,
        trusted_proxies: String::new(),
        pii_keys: PII_KEYS.into(),
        pii_index_key: PII_INDEX_KEY.into(),
        audit: dutydesk::config::AuditKeySettings {
            audit_key: AUDIT_KEY.into(),
            audit_signing_key: AUDIT_SIGNING_KEY.into(),
        },
    }
}

fn idp_keys_file() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let pem = std::fs::read_to_string(dir.join("idp_rsa_public.pem")).unwrap();
    let path = std::env::temp_dir().join(format!("dutydesk-idp-{}.json", std::process::id()));
    std::fs::write(
        &path,
        json!([{"kid": IDP_KID, "alg": "RS256", "pem": pem}]).to_string(),
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

pub fn idp_private_pem() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/idp_rsa_private.pem"))
        .unwrap()
}

pub fn idp_public_pem() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/idp_rsa_public.pem"))
        .unwrap()
}

/// Another instance of the service on `app`'s database, with `app`'s clock (two instances behind
/// one load balancer): its base URL.
pub async fn second_instance(app: &TestApp) -> String {
    let state = dutydesk::AppState::new(config(&app.db_url)).unwrap();
    state.clock.set(app.clock.now());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(dutydesk::start(state, listener).unwrap());
    format!("http://127.0.0.1:{port}")
}

/// Starts the app on a fresh database, with center `alpha` and its office admin logged in.
pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Where the tests write the service's logs: `target/test-logs/` (under `CARGO_TARGET_DIR`
/// when set), one file per test process. `make test` clears it first and searches it after the
/// run for phone numbers (`scripts/check-logs.py`).
pub fn log_dir() -> std::path::PathBuf {
    // Cargo gives integration tests `<target>/tmp`; the logs go beside it.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("test-logs")
}

/// This test process's log file (see [`log_dir`]).
pub fn log_file() -> std::path::PathBuf {
    log_dir().join(format!("api-{}.jsonl", std::process::id()))
}

/// Installs, once per test process, the subscriber production uses (JSON lines, the same level
/// and fields: see `dutydesk::telemetry`) writing to [`log_file`].
fn install_log_file() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::fs::create_dir_all(log_dir()).expect("create the test log directory");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_file())
            .expect("open the test log file");
        dutydesk::telemetry::install(true, std::sync::Mutex::new(file));
    });
}

pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    install_log_file();
    let admin = admin_url();
    let tpl = ensure_template(&admin).await;
    let db_name = format!("dutydesk_t_{}", Uuid::new_v4().simple());
    let mut conn = AsyncPgConnection::establish(&admin)
        .await
        .expect("connect admin");
    exec(
        &mut conn,
        &format!("CREATE DATABASE {db_name} TEMPLATE {tpl}"),
    )
    .await;
    let owner_url = with_db(&admin, &db_name);
    let db_url = with_db(&app_role_url(), &db_name);
    let mut cfg = config(&db_url);
    tweak(&mut cfg);
    // The process's audit keys, as `serve` installs them (the seeding below writes the trail).
    cfg.audit.install(cfg.dev).expect("audit keys");
    let admin_id = dutydesk::seed::create_admin(
        &db_url,
        "alpha",
        "Alpha 服务中心",
        "admin",
        "Admin",
        ADMIN_PASSWORD,
    )
    .await
    .expect("create admin");
    let state = dutydesk::AppState::new(cfg).expect("state");
    let clock = state.clock.clone();
    clock.set(dutydesk::clock::morning(test_today(), Shanghai));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = dutydesk::start(state, listener).expect("server");
    tokio::spawn(server);
    let mut app = TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: Client::new(),
        db_url,
        owner_url,
        db_name,
        admin_url: admin,
        center_id: Uuid::nil(),
        admin_id,
        admin_token: String::new(),
        clock,
    };
    let login = app.login("alpha", "admin", ADMIN_PASSWORD).await;
    assert_eq!(login.status(), 200);
    let body: Value = login.json().await.unwrap();
    app.admin_token = body["access_token"].as_str().unwrap().to_owned();
    app.center_id = body["user"]["center_id"].as_str().unwrap().parse().unwrap();
    app
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let db = self.db_name.clone();
        // Best effort: the server may still hold connections, hence FORCE.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut c) = AsyncPgConnection::establish(&admin).await {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

impl TestApp {
    /// Today on the application's clock (center alpha is in Asia/Shanghai).
    pub fn today(&self) -> NaiveDate {
        self.clock.today(Shanghai)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let mut r = self.client.request(method, self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.req(Method::GET, path, Some(token))
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.req(Method::POST, path, Some(token))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.req(Method::PATCH, path, Some(token))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, center: &str, employee_no: &str, password: &str) -> Response {
        self.req(Method::POST, "/api/v1/auth/login", None)
            .json(&json!({"center_code": center, "employee_no": employee_no, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Logs in and returns the access token; panics on failure.
    pub async fn token(&self, center: &str, employee_no: &str, password: &str) -> String {
        let r = self.login(center, employee_no, password).await;
        assert_eq!(r.status(), 200, "login {employee_no}");
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn create_department(&self, code: &str, order: i32) -> Value {
        let r = self
            .post(
                "/api/v1/departments",
                &self.admin_token,
                &json!({"name": format!("部门 {code}"), "code": code, "rotation_order": order}),
            )
            .await;
        assert_eq!(r.status(), 201, "create department {code}");
        r.json().await.unwrap()
    }

    /// Creates a staff member with `roles` (via the API) and returns `(json, access token)`.
    pub async fn create_staff(
        &self,
        employee_no: &str,
        roles: &[&str],
        department: Option<&str>,
    ) -> (Value, String) {
        let r = self
            .post(
                "/api/v1/staff",
                &self.admin_token,
                &json!({
                    "name": format!("员工 {employee_no}"),
                    "employee_no": employee_no,
                    "department_id": department,
                    "position": "front_desk",
                    "roles": roles,
                    "phone": "13800000000",
                    "password": STAFF_PASSWORD,
                }),
            )
            .await;
        assert_eq!(r.status(), 201, "create staff {employee_no}");
        let v: Value = r.json().await.unwrap();
        let token = self.token("alpha", employee_no, STAFF_PASSWORD).await;
        (v, token)
    }

    /// A second center with its own admin; returns that admin's token.
    pub async fn other_center_admin(&self) -> String {
        dutydesk::seed::create_admin(
            &self.db_url,
            "beta",
            "Beta 服务中心",
            "admin",
            "Beta Admin",
            ADMIN_PASSWORD,
        )
        .await
        .expect("create beta");
        self.token("beta", "admin", ADMIN_PASSWORD).await
    }

    /// A connection as the database's owner (not the server's role).
    pub async fn db(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.owner_url).await.unwrap()
    }

    /// Runs a `SELECT count(*) AS n …` query.
    pub async fn count(&self, sql: &str) -> i64 {
        let mut c = self.db().await;
        let r: Count = diesel::sql_query(sql).get_result(&mut c).await.unwrap();
        r.n
    }

    pub async fn exec(&self, sql: &str) {
        let mut c = self.db().await;
        exec(&mut c, sql).await;
    }
}

/// Asserts a problem+json response with `status` and `code`; returns the body.
pub async fn assert_problem(r: Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(ct, "application/problem+json", "content type");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], code, "problem code in {v}");
    assert_eq!(v["status"], status);
    assert!(v["title"].is_string() && v["detail"].is_string() && v["type"].is_string());
    v
}

/// An access token of the regional portal's servers: the identity provider's `portal` role for
/// the centers with these codes, as client `subject`.
pub fn portal_token(subject: &str, centers: &[&str]) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "sub": subject,
        "roles": ["portal"],
        "centers": centers,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "iss": IDP_ISSUER,
        "aud": IDP_AUDIENCE,
    });
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    h.kid = Some(IDP_KID.into());
    jsonwebtoken::encode(
        &h,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&idp_private_pem()).unwrap(),
    )
    .unwrap()
}
