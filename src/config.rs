//! Runtime configuration, read from the environment (`DUTYDESK_*`, plus `DATABASE_URL`).

use clap::Args;
use serde::Deserialize;

/// Settings for `dutydesk serve` (and the parts other commands share).
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// PostgreSQL URL.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
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
    /// Failed logins allowed per account within the window before it is locked.
    #[arg(long, env = "DUTYDESK_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: i32,
    /// Lock duration (and failure window) in seconds.
    #[arg(long, env = "DUTYDESK_LOGIN_LOCK_SECS", default_value_t = 900)]
    pub login_lock_secs: i64,
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
    /// Log format: `json` or `pretty` (default: pretty in dev mode, else json).
    #[arg(long, env = "DUTYDESK_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Development and training only (needs `DUTYDESK_DEV=true`): the service's clock starts at
    /// this instant (RFC 3339, e.g. `2026-11-30T08:05:00+08:00`) and runs on from there, so a
    /// duty day can be walked through on any day.
    #[arg(long, env = "DUTYDESK_DEV_CLOCK")]
    pub dev_clock: Option<String>,
}

/// One public key of the external identity provider; the algorithm is pinned to the key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpKey {
    pub kid: String,
    pub alg: String,
    pub pem: String,
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

    pub fn idp_keys(&self) -> Result<Vec<IdpKey>, String> {
        let Some(path) = &self.idp_keys_file else {
            return Ok(Vec::new());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read DUTYDESK_IDP_KEYS_FILE {path}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("DUTYDESK_IDP_KEYS_FILE {path}: {e}"))
    }
}
