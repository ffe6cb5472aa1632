//! The `dutydesk` command line. Thin: parses arguments and calls the library.

use clap::{Parser, Subcommand};
use dutydesk::config::{AuditKeySettings, Config};
use dutydesk::{AppState, db, openapi, seed, telemetry, tick};
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "dutydesk",
    version,
    about = "Supervisor duty (督导员值班) service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve(Box<Config>),
    /// Apply pending database migrations, as the role that owns the schema: the URL is
    /// `--database-url`, else DUTYDESK_MIGRATION_DATABASE_URL, else DATABASE_URL.
    Migrate {
        #[arg(long, env = "DUTYDESK_MIGRATION_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print the reference page of error codes (docs/errors.md), generated from the catalogue.
    Errors,
    /// Create a center and its first office admin. The password is read from
    /// DUTYDESK_ADMIN_PASSWORD or, if unset, from the first line of standard input.
    CreateAdmin {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[arg(long)]
        center_code: String,
        #[arg(long)]
        center_name: String,
        #[arg(long, default_value = "admin")]
        employee_no: String,
        #[arg(long, default_value = "办公室管理员")]
        name: String,
        #[command(flatten)]
        audit: AuditKeySettings,
        /// Development mode: without audit keys, use the public development keys.
        #[arg(long, env = "DUTYDESK_DEV", default_value_t = false)]
        dev: bool,
    },
    /// Load a year's statutory holidays and make-up working days (the State Council's notice) from
    /// a JSON file in the format of data/cn-statutory-holidays.json. All years of the file or none.
    LoadHolidays {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// The schedule file.
        file: std::path::PathBuf,
        /// Replace years already loaded with other days.
        #[arg(long)]
        replace: bool,
    },
    /// Do the timed work that is due (sweeps), then print a one-line JSON summary. Run it every
    /// minute; when another instance is already ticking, this one does nothing and exits 0.
    Tick {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// The portals' webhook endpoints, `[{"portal", "url", "secret"}]` (docs/webhooks.md);
        /// without it, events for the portals wait.
        #[arg(long, env = "DUTYDESK_WEBHOOKS_FILE")]
        webhooks_file: Option<String>,
        /// The audit keys: the steps append to the trail, and the last step signs checkpoints.
        #[command(flatten)]
        audit: AuditKeySettings,
        /// Development mode: without audit keys, use the public development keys.
        #[arg(long, env = "DUTYDESK_DEV", default_value_t = false)]
        dev: bool,
    },
    /// After a key rotation: re-seal citizens' names and phones and every attachment not under
    /// the current key (the first of DUTYDESK_PII_KEYS), then print the counts as JSON. Safe while the service
    /// runs and safe to run again.
    Reseal {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        /// `id:base64,…`, the current key first, then the old keys still to be read.
        #[arg(long, env = "DUTYDESK_PII_KEYS", hide_env_values = true)]
        pii_keys: String,
        /// The blind-index key (base64); unchanged by a rotation.
        #[arg(long, env = "DUTYDESK_PII_INDEX_KEY", hide_env_values = true)]
        pii_index_key: String,
    },
    /// Load the demo center (idempotent) and print its logins.
    SeedDemo {
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[command(flatten)]
        audit: AuditKeySettings,
        /// Development mode: without audit keys, use the public development keys.
        #[arg(long, env = "DUTYDESK_DEV", default_value_t = false)]
        dev: bool,
    },
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("dutydesk: {msg}");
    ExitCode::FAILURE
}

async fn serve_until_signal(server: actix_web::dev::Server) -> std::io::Result<()> {
    dutydesk::stop_on_signal(&server);
    server.await
}

async fn migrate(url: &str) -> ExitCode {
    match db::migrate(url).await {
        Ok(v) if v.is_empty() => {
            eprintln!("migrations: up to date");
            ExitCode::SUCCESS
        }
        Ok(v) => {
            eprintln!("migrations applied: {}", v.join(", "));
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(config) => {
            let mut config = *config;
            let json = match config.log_format.as_deref() {
                Some("json") => true,
                Some("pretty") => false,
                Some(other) => {
                    return fail(format!(
                        "DUTYDESK_LOG_FORMAT must be json or pretty, not {other}"
                    ));
                }
                None => !config.dev,
            };
            telemetry::init(json);
            if let Err(e) = config.validate_for_serve() {
                return fail(e);
            }
            if let Err(e) = config.audit.install(config.dev) {
                return fail(e);
            }
            if let Ok(keys) = dutydesk::audit::keys::installed() {
                tracing::info!(
                    public_key = %keys.public_key_base64(),
                    "audit checkpoints are signed with Ed25519; verify them with this public key"
                );
            }
            // The server's role cannot migrate (it does not own the schema): `dutydesk migrate`
            // runs first, as the owner.
            match db::pending(&config.database_url).await {
                Ok(p) if p.is_empty() => {}
                Ok(p) => {
                    return fail(format!(
                        "{} database migration(s) pending ({}); the server does not run them: run \
                         `dutydesk migrate` as the role that owns the schema \
                         (DUTYDESK_MIGRATION_DATABASE_URL), then start it again",
                        p.len(),
                        p.join(", ")
                    ));
                }
                Err(e) => return fail(e),
            }
            let bind = config.bind.clone();
            let listener = match std::net::TcpListener::bind(&bind) {
                Ok(l) => l,
                Err(e) => return fail(format!("cannot listen on {bind}: {e}")),
            };
            let state = match AppState::new(config) {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            // Attachments stored in clear before migration 000027 are sealed before serving.
            match dutydesk::attachments::sealed::seal_legacy(&state).await {
                Ok(0) => {}
                Ok(n) => eprintln!("attachments: sealed {n} stored in clear"),
                Err(e) => return fail(e),
            }
            let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or(bind);
            eprintln!("dutydesk listening on http://{addr}");
            eprintln!("  API docs:     http://{addr}/docs/");
            eprintln!("  OpenAPI spec: http://{addr}/api-docs/openapi.json");
            eprintln!("  Log in:       POST http://{addr}/api/v1/auth/login");
            match dutydesk::start(state, listener) {
                Ok(server) => match serve_until_signal(server).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => fail(e),
                },
                Err(e) => fail(e),
            }
        }
        Command::Migrate { database_url } => {
            let Some(url) = database_url.or_else(|| std::env::var("DATABASE_URL").ok()) else {
                return fail(
                    "no database: set DUTYDESK_MIGRATION_DATABASE_URL (or DATABASE_URL) to the URL of the role that owns the schema",
                );
            };
            migrate(&url).await
        }
        Command::Openapi => match openapi::spec().to_pretty_json() {
            Ok(s) => {
                println!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        Command::Errors => {
            print!("{}", dutydesk::error::catalogue::markdown());
            ExitCode::SUCCESS
        }
        Command::CreateAdmin {
            database_url,
            center_code,
            center_name,
            employee_no,
            name,
            audit,
            dev,
        } => {
            if let Err(e) = audit.install(dev) {
                return fail(e);
            }
            let password = match std::env::var("DUTYDESK_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password for {employee_no} (one line on standard input):");
                    let mut line = String::new();
                    if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
                        return fail(e);
                    }
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            match seed::create_admin(
                &database_url,
                &center_code,
                &center_name,
                &employee_no,
                &name,
                &password,
            )
            .await
            {
                Ok(id) => {
                    eprintln!("created center {center_code} and office admin {employee_no} ({id})");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::LoadHolidays {
            database_url,
            file,
            replace,
        } => {
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
            };
            match seed::load_holidays(&database_url, &text, replace).await {
                Ok(lines) => {
                    for l in lines {
                        println!("{l}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Tick {
            database_url,
            webhooks_file,
            audit,
            dev,
        } => {
            // The checkpoints are logged (JSON lines on standard error).
            telemetry::init(true);
            if let Err(e) = audit.install(dev) {
                return fail(e);
            }
            let endpoints = match dutydesk::config::webhook_endpoints(webhooks_file.as_deref()) {
                Ok(e) => e,
                Err(e) => return fail(e),
            };
            let webhooks = dutydesk::outbox::deliver::Webhooks::new(endpoints);
            match tick::run_with(&database_url, &webhooks).await {
                Ok(report) => {
                    if report.skipped {
                        eprintln!("dutydesk: another tick is running; nothing to do");
                    }
                    println!("{}", report.to_json());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Reseal {
            database_url,
            pii_keys,
            pii_index_key,
        } => {
            let vault = match dutydesk::privacy::Vault::new(&pii_keys, &pii_index_key) {
                Ok(v) => v,
                Err(e) => return fail(e),
            };
            use diesel_async::AsyncConnection;
            let mut conn = match diesel_async::AsyncPgConnection::establish(&database_url).await {
                Ok(c) => c,
                Err(e) => return fail(format!("cannot connect to the database: {e}")),
            };
            match dutydesk::privacy::reseal::run(&mut conn, &vault).await {
                Ok(counts) => {
                    println!("{}", serde_json::to_value(&counts).unwrap_or_default());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("re-sealing failed: {e}")),
            }
        }
        Command::SeedDemo {
            database_url,
            audit,
            dev,
        } => {
            if let Err(e) = audit.install(dev) {
                return fail(e);
            }
            match seed::seed_demo(&database_url).await {
                Ok(lines) => {
                    for l in lines {
                        eprintln!("{l}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}
