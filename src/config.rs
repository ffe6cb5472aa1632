//! Runtime configuration, read from the environment (`DUTYDESK_*`, plus `DATABASE_URL`).

use clap::Args;
use serde::Deserialize;

/// Settings for `dutydesk serve` (and the parts other commands share).
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// PostgreSQL URL.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// PostgreSQL URL of a streaming read replica (optional; see docs/scaling.md). Reports,
    /// statistics, exports and calendar feeds read from it while its replay lag is within
    /// `DUTYDESK_READ_MAX_STALENESS_SECS`; otherwise, and whenever it cannot be reached, from
    /// `DATABASE_URL`. Same pool size as the primary's.
    #[arg(long, env = "DUTYDESK_READ_DATABASE_URL")]
    pub read_database_url: Option<String>,
    /// Largest replay lag in seconds (an upper bound, measured every second) at which reads are
    /// still sent to the read replica.
    #[arg(long, env = "DUTYDESK_READ_MAX_STALENESS_SECS", default_value_t = 5)]
    pub read_max_staleness_secs: u64,
    /// Address to listen on.
    #[arg(long, env = "DUTYDESK_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// HMAC secret for access tokens (at least 32 bytes unless in dev mode).
    #[arg(
        long,
        env = "DUTYDESK_JWT_SECRET",
        hide_env_values = true,
        default_value = ""
    )]
    pub jwt_secret: String,
    /// Development mode: a missing JWT secret is replaced by a random one, logs are pretty.
    #[arg(long, env = "DUTYDESK_DEV", default_value_t = false)]
    pub dev: bool,
    /// `iss` of the access tokens this service issues.
    #[arg(long, env = "DUTYDESK_JWT_ISSUER", default_value = "dutydesk")]
    pub jwt_issuer: String,
    /// `aud` of the access tokens this service issues.
    #[arg(long, env = "DUTYDESK_JWT_AUDIENCE", default_value = "dutydesk-api")]
    pub jwt_audience: String,
    /// Access-token lifetime in seconds.
    #[arg(long, env = "DUTYDESK_ACCESS_TTL_SECS", default_value_t = 900)]
    pub access_ttl_secs: i64,
    /// Refresh-token lifetime in seconds.
    #[arg(long, env = "DUTYDESK_REFRESH_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_ttl_secs: i64,
    /// Maximum database connections per instance.
    #[arg(long, env = "DUTYDESK_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,
    /// Seconds to wait for a pooled connection before answering 503.
    #[arg(long, env = "DUTYDESK_DB_TIMEOUT_SECS", default_value_t = 5)]
    pub db_timeout_secs: u64,
    /// Largest accepted JSON body in bytes.
    #[arg(long, env = "DUTYDESK_BODY_LIMIT_BYTES", default_value_t = 64 * 1024)]
    pub body_limit_bytes: usize,
    /// Largest accepted attachment upload in bytes (`POST /api/v1/attachments`), apart from the
    /// JSON limit.
    #[arg(long, env = "DUTYDESK_ATTACHMENT_LIMIT_BYTES", default_value_t = 5 * 1024 * 1024)]
    pub attachment_limit_bytes: usize,
    /// Comma-separated origins allowed by CORS (the portal's web origins).
    #[arg(
        long,
        env = "DUTYDESK_CORS_ORIGINS",
        default_value = "",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Wrong passwords allowed per account and client address (login, and the current password
    /// of a password change) before growing delays begin.
    #[arg(long, env = "DUTYDESK_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: i32,
    /// Longest delay in seconds (the delays double from `DUTYDESK_LOGIN_DELAY_SECS` up to this).
    #[arg(long, env = "DUTYDESK_LOGIN_LOCK_SECS", default_value_t = 900)]
    pub login_lock_secs: i64,
    /// First delay in seconds once the free failures are used up.
    #[arg(long, env = "DUTYDESK_LOGIN_DELAY_SECS", default_value_t = 1)]
    pub login_delay_secs: i64,
    /// Wrong passwords allowed per client address over all accounts before growing delays begin.
    #[arg(
        long,
        env = "DUTYDESK_LOGIN_ADDRESS_MAX_FAILURES",
        default_value_t = 50
    )]
    pub login_address_max_failures: i32,
    /// Passwords hashed or checked at once (default: the number of CPUs).
    #[arg(long, env = "DUTYDESK_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<usize>,
    /// Milliseconds a login waits for a free password-checking slot before `503 busy`.
    #[arg(long, env = "DUTYDESK_HASH_WAIT_MS", default_value_t = 1000)]
    pub hash_wait_ms: u64,
    /// External identity provider: expected `iss`.
    #[arg(long, env = "DUTYDESK_IDP_ISSUER")]
    pub idp_issuer: Option<String>,
    /// External identity provider: expected `aud`.
    #[arg(long, env = "DUTYDESK_IDP_AUDIENCE")]
    pub idp_audience: Option<String>,
    /// External identity provider keys: a JSON file `[{"kid", "alg", "pem"}]`.
    #[arg(long, env = "DUTYDESK_IDP_KEYS_FILE")]
    pub idp_keys_file: Option<String>,
    /// External identity provider: the claim that names a staff member of the token's center
    /// by employee number (e.g. `employee_no`). A token carrying it acts as that staff member
    /// (their roles, their duties) or is refused `unknown_staff_claim`; tokens without it act
    /// with their own roles and no staff record (the portal's servers).
    #[arg(long, env = "DUTYDESK_IDP_STAFF_CLAIM")]
    pub idp_staff_claim: Option<String>,
    /// Keys sealing citizens' personal data (AES-256-GCM): `id:base64,id:base64,…`, each 32
    /// random bytes; the first seals new values, the others still open older ones (rotation).
    /// Required unless in dev mode (fixed, public development keys).
    #[arg(
        long,
        env = "DUTYDESK_PII_KEYS",
        hide_env_values = true,
        default_value = ""
    )]
    pub pii_keys: String,
    /// Key of the blind indexes over personal data (find a request by exact phone number):
    /// base64 of at least 32 random bytes. Changing it makes existing indexes unfindable.
    #[arg(
        long,
        env = "DUTYDESK_PII_INDEX_KEY",
        hide_env_values = true,
        default_value = ""
    )]
    pub pii_index_key: String,
    /// The audit trail's keys (`DUTYDESK_AUDIT_KEY`, `DUTYDESK_AUDIT_SIGNING_KEY`).
    #[command(flatten)]
    pub audit: AuditKeySettings,
    /// Webhook endpoints of the portals: a JSON file `[{"portal", "url", "secret"}]` (see
    /// docs/webhooks.md). Read by `dutydesk tick`, which delivers; `serve` checks it at start.
    #[arg(long, env = "DUTYDESK_WEBHOOKS_FILE")]
    pub webhooks_file: Option<String>,
    /// Bearer token a Prometheus scraper sends to read `/metrics` (compared in constant time).
    /// Without it `/metrics` answers 404, except in dev mode where it is open.
    #[arg(
        long,
        env = "DUTYDESK_METRICS_TOKEN",
        hide_env_values = true,
        default_value = ""
    )]
    pub metrics_token: String,
    /// Seconds a client has to send a request's headers (then 408 and the connection closes).
    #[arg(long, env = "DUTYDESK_HEADER_TIMEOUT_SECS", default_value_t = 5)]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a JSON (or empty) body, counted from the request's start
    /// (then 408 `request_timeout` and the connection closes).
    #[arg(long, env = "DUTYDESK_BODY_TIMEOUT_SECS", default_value_t = 30)]
    pub body_timeout_secs: u64,
    /// Seconds a client has to send an upload's body (attachments, CSV/XLSX imports: any body
    /// that is not JSON).
    #[arg(long, env = "DUTYDESK_UPLOAD_TIMEOUT_SECS", default_value_t = 300)]
    pub upload_timeout_secs: u64,
    /// Open connections each worker thread accepts at most (the server has one worker per
    /// core); further connections wait in the kernel's backlog.
    #[arg(long, env = "DUTYDESK_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// New connections each worker accepts at once (TLS handshakes and first reads in flight).
    #[arg(long, env = "DUTYDESK_MAX_CONNECTION_RATE", default_value_t = 256)]
    pub max_connection_rate: usize,
    /// Comma-separated addresses or CIDR blocks of the reverse proxies whose
    /// `X-Forwarded-For` / `Forwarded` / `X-Forwarded-Proto` headers are believed (e.g.
    /// `10.0.0.0/8,::1`). Empty: the peer's address is the client's, the headers are ignored.
    #[arg(long, env = "DUTYDESK_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Log format: `json` or `pretty` (default: pretty in dev mode, else json).
    #[arg(long, env = "DUTYDESK_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Development and training only (needs `DUTYDESK_DEV=true`): the service's clock starts at
    /// this instant (RFC 3339, e.g. `2026-11-30T08:05:00+08:00`) and runs on from there, so a
    /// duty day can be walked through on any day.
    #[arg(long, env = "DUTYDESK_DEV_CLOCK")]
    pub dev_clock: Option<String>,
}

/// The audit trail's keys, kept outside the database (see docs/audit.md). Every command that
/// writes the trail (`serve`, `tick`, `create-admin`, `seed-demo`) takes them. `Debug` hides them.
#[derive(Clone, Default, Args)]
pub struct AuditKeySettings {
    /// Chain key: each audit event's link is an HMAC-SHA256 under it. Base64 of at least 32
    /// random bytes. Required unless in dev mode (a fixed, public development key).
    #[arg(
        long,
        env = "DUTYDESK_AUDIT_KEY",
        hide_env_values = true,
        default_value = ""
    )]
    pub audit_key: String,
    /// Checkpoint signing key: base64 of a 32-byte Ed25519 seed. Its public key is served at
    /// `GET /api/v1/audit/checkpoints/key`. Required unless in dev mode.
    #[arg(
        long,
        env = "DUTYDESK_AUDIT_SIGNING_KEY",
        hide_env_values = true,
        default_value = ""
    )]
    pub audit_signing_key: String,
}

impl std::fmt::Debug for AuditKeySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeySettings").finish_non_exhaustive()
    }
}

impl AuditKeySettings {
    /// The keys; dev mode without keys uses the public development keys.
    pub fn keys(&self, dev: bool) -> Result<crate::audit::keys::AuditKeys, String> {
        crate::audit::keys::AuditKeys::from_settings(&self.audit_key, &self.audit_signing_key, dev)
    }

    /// Checks the keys and installs them for this process (see [`crate::audit::keys::install`]).
    pub fn install(&self, dev: bool) -> Result<(), String> {
        crate::audit::keys::install(self.keys(dev)?)
    }
}

/// One public key of the external identity provider; the algorithm is pinned to the key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpKey {
    pub kid: String,
    pub alg: String,
    pub pem: String,
}

/// Where one portal hears of changes: the portal client (the identity provider token's `sub`),
/// its HTTPS endpoint and the secret its deliveries are signed with. `Debug` hides the secret.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpoint {
    pub portal: String,
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("portal", &self.portal)
            .field("url", &self.url)
            .field("secret", &"<hidden>")
            .finish()
    }
}

/// Shortest accepted webhook secret, in characters.
pub const MIN_WEBHOOK_SECRET_CHARS: usize = 32;

/// Reads and checks a webhooks file (`DUTYDESK_WEBHOOKS_FILE`); `None` means no endpoints.
/// The error is one line and never contains a secret.
pub fn webhook_endpoints(path: Option<&str>) -> Result<Vec<WebhookEndpoint>, String> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read DUTYDESK_WEBHOOKS_FILE {path}: {e}"))?;
    parse_webhook_endpoints(&text).map_err(|e| format!("DUTYDESK_WEBHOOKS_FILE {path}: {e}"))
}

/// Checks the text of a webhooks file: one endpoint per portal, an `https` URL (plain `http`
/// only to a loopback host, for tests and local relays) without credentials in it, a secret of at
/// least [`MIN_WEBHOOK_SECRET_CHARS`] characters.
pub fn parse_webhook_endpoints(text: &str) -> Result<Vec<WebhookEndpoint>, String> {
    // serde's message could quote a value (a secret): say only where the file is wrong.
    let endpoints: Vec<WebhookEndpoint> = serde_json::from_str(text).map_err(|e| {
        format!(
            "not a JSON array of {{\"portal\", \"url\", \"secret\"}} (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    let mut seen = std::collections::HashSet::new();
    for (i, e) in endpoints.iter().enumerate() {
        let n = i + 1;
        if e.portal.trim().is_empty() {
            return Err(format!("endpoint {n}: portal is empty"));
        }
        if !seen.insert(e.portal.as_str()) {
            return Err(format!(
                "endpoint {n}: portal {:?} is listed twice",
                e.portal
            ));
        }
        let url = reqwest::Url::parse(&e.url)
            .map_err(|err| format!("endpoint {n} ({}): url is not a URL: {err}", e.portal))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(format!(
                    "endpoint {n} ({}): url must be https (http only to localhost)",
                    e.portal
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "endpoint {n} ({}): url must not carry credentials",
                e.portal
            ));
        }
        if e.secret.chars().count() < MIN_WEBHOOK_SECRET_CHARS {
            return Err(format!(
                "endpoint {n} ({}): secret is shorter than {MIN_WEBHOOK_SECRET_CHARS} characters",
                e.portal
            ));
        }
    }
    Ok(endpoints)
}

/// Fewest distinct bytes a JWT secret must hold (`openssl rand -hex 32` has about 16 of the 16
/// hex digits; repeated or patterned text has far fewer).
pub const MIN_SECRET_DISTINCT_BYTES: usize = 12;

/// Placeholders seen in examples and compose files, refused whatever their length.
const PLACEHOLDER_SECRETS: [&str; 8] = [
    "change-me-to-a-random-secret-of-32-bytes-or-more",
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "password",
    "your-secret",
    "jwt-secret",
];

/// Why a secret is unfit, if it is: a known placeholder (or one padded or repeated), or too
/// little variety (fewer than [`MIN_SECRET_DISTINCT_BYTES`] distinct bytes, or under 3 bits of
/// estimated entropy per byte). The message never quotes the secret.
pub fn weak_secret(secret: &str) -> Option<&'static str> {
    let lower = secret.to_ascii_lowercase();
    let squeezed: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if PLACEHOLDER_SECRETS.iter().any(|p| {
        let p: String = p.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        squeezed == p
            || (squeezed.len() < 2 * p.len() + 8 && squeezed.contains(&p))
            || (!squeezed.is_empty() && squeezed.replace(&p, "").is_empty())
    }) {
        return Some("a known placeholder");
    }
    let mut counts = [0usize; 256];
    for b in secret.bytes() {
        counts[b as usize] += 1;
    }
    let distinct = counts.iter().filter(|c| **c > 0).count();
    if distinct < MIN_SECRET_DISTINCT_BYTES {
        return Some("too uniform (too few distinct characters)");
    }
    let n = secret.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / n;
            -p * p.log2()
        })
        .sum();
    if entropy < 3.0 {
        return Some("too predictable (low entropy)");
    }
    None
}

impl Config {
    /// Where the service's clock starts: `DUTYDESK_DEV_CLOCK` when set, else `None` (the system
    /// clock).
    pub fn clock_start(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
        self.dev_clock
            .as_deref()
            .map(|s| {
                chrono::DateTime::parse_from_rfc3339(s.trim())
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|e| format!("DUTYDESK_DEV_CLOCK {s:?} is not an RFC 3339 time: {e}"))
            })
            .transpose()
    }

    /// Checks the settings `serve` needs. Returns one line saying what is wrong.
    pub fn validate_for_serve(&mut self) -> Result<(), String> {
        if self.dev_clock.is_some() && !self.dev {
            return Err("DUTYDESK_DEV_CLOCK is for development and training only: it needs DUTYDESK_DEV=true".into());
        }
        self.clock_start()?;
        if let Some(why) = weak_secret(&self.jwt_secret) {
            if self.dev && self.jwt_secret.len() < 32 {
                // Replaced below by a random one.
            } else if self.jwt_secret.len() >= 32 {
                return Err(format!(
                    "DUTYDESK_JWT_SECRET is {why}: use at least 32 random bytes, e.g. `openssl rand -hex 32`"
                ));
            }
        }
        if self.jwt_secret.len() < 32 {
            if self.dev {
                use rand::RngCore;
                let mut bytes = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut bytes);
                self.jwt_secret = hex::encode(bytes);
                tracing::warn!("dev mode: using a random JWT secret; tokens end with the process");
            } else if self.jwt_secret.is_empty() {
                return Err("DUTYDESK_JWT_SECRET is not set: set a random secret of at least 32 bytes (or DUTYDESK_DEV=true for development)".into());
            } else {
                return Err(format!(
                    "DUTYDESK_JWT_SECRET is too weak ({} bytes): use at least 32 random bytes",
                    self.jwt_secret.len()
                ));
            }
        }
        self.audit.keys(self.dev)?;
        if self.access_ttl_secs < 30 || self.access_ttl_secs > 24 * 3600 {
            return Err("DUTYDESK_ACCESS_TTL_SECS must be between 30 and 86400".into());
        }
        if self.idp_keys_file.is_some()
            && (self.idp_issuer.is_none() || self.idp_audience.is_none())
        {
            return Err(
                "DUTYDESK_IDP_KEYS_FILE needs DUTYDESK_IDP_ISSUER and DUTYDESK_IDP_AUDIENCE".into(),
            );
        }
        Ok(())
    }

    /// The keys for citizens' personal data; dev mode without keys uses the public development
    /// keys.
    pub fn vault(&self) -> Result<crate::privacy::Vault, String> {
        if self.pii_keys.trim().is_empty() && self.pii_index_key.trim().is_empty() && self.dev {
            tracing::warn!(
                "dev mode: citizens' personal data is sealed with the public development keys"
            );
            return Ok(crate::privacy::Vault::dev());
        }
        crate::privacy::Vault::new(&self.pii_keys, &self.pii_index_key)
    }

    /// The portals' webhook endpoints (see [`webhook_endpoints`]).
    pub fn webhooks(&self) -> Result<Vec<WebhookEndpoint>, String> {
        webhook_endpoints(self.webhooks_file.as_deref())
    }

    pub fn idp_keys(&self) -> Result<Vec<IdpKey>, String> {
        let Some(path) = &self.idp_keys_file else {
            return Ok(Vec::new());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read DUTYDESK_IDP_KEYS_FILE {path}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("DUTYDESK_IDP_KEYS_FILE {path}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_webhook_endpoints;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn one(url: &str, secret: &str) -> Result<usize, String> {
        let text = serde_json::json!([{"portal": "portal-a", "url": url, "secret": secret}]);
        parse_webhook_endpoints(&text.to_string()).map(|v| v.len())
    }

    #[test]
    fn placeholder_and_low_entropy_jwt_secrets_are_refused() {
        use super::weak_secret;
        // The compose file's old default, common placeholders, padded or repeated.
        assert!(weak_secret("change-me-to-a-random-secret-of-32-bytes-or-more").is_some());
        assert!(weak_secret("changemechangemechangemechangeme").is_some());
        assert!(weak_secret("secret-secret-secret-secret-secret").is_some());
        assert!(weak_secret("CHANGEME-0000000000000000000000000").is_some());
        // Too few distinct bytes, or a pattern.
        assert!(weak_secret(&"a".repeat(64)).is_some());
        assert!(weak_secret(&"abab1212".repeat(8)).is_some());
        // Random secrets pass: hex, base64 and the tests' own.
        assert_eq!(
            weak_secret("9f2c4e71b0d8a3f65e1c7b92d04a8e3f6b1d9c0e27a5f84b3c6d1e09f7a2b5c8"),
            None
        );
        assert_eq!(weak_secret("q8Zr+T3vW0yP1mXk7Lb9Nc2Hd5Jf4Gs6Ae=="), None);
        assert_eq!(
            weak_secret("test-secret-test-secret-test-secret-0123456789"),
            None
        );
    }

    #[test]
    fn serve_refuses_a_placeholder_jwt_secret() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            config: super::Config,
        }
        let mut c = Cli::parse_from([
            "x",
            "--database-url",
            "postgres://x/y",
            "--jwt-secret",
            "change-me-to-a-random-secret-of-32-bytes-or-more",
        ])
        .config;
        let e = c.validate_for_serve().unwrap_err();
        assert!(e.contains("placeholder") && !e.contains("change-me"), "{e}");
        c.jwt_secret = "9f2c4e71b0d8a3f65e1c7b92d04a8e3f6b1d9c0e27a5f84b3c6d1e09f7a2b5c8".into();
        // (The audit keys are required too since the keyed trail: the tests' keys.)
        c.audit.audit_key = "dGVzdC1hdWRpdC1jaGFpbi1rZXktdGVzdC1hdWRpdCE=".into();
        c.audit.audit_signing_key = "dGVzdC1hdWRpdC1zaWduaW5nLXNlZWQtdGVzdC1hdWQ=".into();
        assert_eq!(c.validate_for_serve(), Ok(()));
    }

    #[test]
    fn webhook_endpoints_are_checked_and_errors_never_show_the_secret() {
        assert_eq!(one("https://portal.example/hooks", SECRET), Ok(1));
        assert_eq!(one("http://127.0.0.1:9000/hooks", SECRET), Ok(1));
        assert_eq!(one("http://localhost/hooks", SECRET), Ok(1));
        assert!(one("http://portal.example/hooks", SECRET).is_err());
        assert!(one("ftp://portal.example/hooks", SECRET).is_err());
        assert!(one("https://user:pw@portal.example/hooks", SECRET).is_err());
        assert!(one("not a url", SECRET).is_err());
        let short = "s3cr3t-but-too-short";
        let e = one("https://portal.example/hooks", short).unwrap_err();
        assert!(e.contains("shorter than 32") && !e.contains(short), "{e}");
        let twice = serde_json::json!([
            {"portal": "a", "url": "https://a.example", "secret": SECRET},
            {"portal": "a", "url": "https://b.example", "secret": SECRET},
        ]);
        assert!(parse_webhook_endpoints(&twice.to_string()).is_err());
        // A malformed file: the message says where, never what (the value could be a secret).
        let bad = format!("[{{\"portal\": \"a\", \"secret\": \"{SECRET}\", \"extra\": 1}}]");
        let e = parse_webhook_endpoints(&bad).unwrap_err();
        assert!(!e.contains(SECRET), "{e}");
        let debug = format!(
            "{:?}",
            parse_webhook_endpoints(
                &serde_json::json!([{"portal": "a", "url": "https://a.example", "secret": SECRET}])
                    .to_string()
            )
            .unwrap()
        );
        assert!(!debug.contains(SECRET), "{debug}");
    }
}
