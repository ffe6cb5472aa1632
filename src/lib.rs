//! dutydesk: supervisor duty (督导员值班) for government service halls.
//!
//! [`build_app`] assembles routes and middleware; `main` and the integration tests start the
//! very same application.

// ApiError carries text in two languages and field errors; it is built on the cold path only, so
// its size in `Result` does not matter here.
#![allow(clippy::result_large_err)]

pub mod attachments;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod changes;
pub mod citizen;
pub mod clock;
pub mod compliance;
pub mod config;
pub mod dates;
pub mod db;
pub mod dutyday;
pub mod dutylog;
pub mod error;
pub mod export;
pub mod feeds;
pub mod headers;
pub mod idempotency;
pub mod inbox;
pub mod inspections;
pub mod lifecycle;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod org;
pub mod outbox;
pub mod pagination;
pub mod principal;
pub mod privacy;
pub mod ratings;
pub mod rectifications;
pub mod roster;
pub mod seed;
pub mod sitins;
pub mod telemetry;
pub mod text_enum;
pub mod tick;
pub mod web;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use utoipa_actix_web::AppExt;

/// What every request handler can reach. Nothing here is needed by another instance.
pub struct AppState {
    pub pool: db::DbPool,
    /// The read replica (`DUTYDESK_READ_DATABASE_URL`), when configured: reached only through
    /// [`AppState::read_conn`] (see [`db::replica`]).
    pub replica: Option<Arc<db::replica::Replica>>,
    pub config: Arc<config::Config>,
    pub jwt: Arc<auth::jwt::JwtKeys>,
    pub metrics: Arc<metrics::Metrics>,
    /// The one clock for dates and record times (see [`clock`]).
    pub clock: clock::Clock,
    /// Seals, opens and indexes citizens' personal data (see [`privacy`]).
    pub vault: Arc<privacy::Vault>,
    /// The reverse proxies whose forwarding headers are believed: see [`web::client_addr`].
    pub proxies: web::TrustedProxies,
    /// Which access tokens are revoked, kept fresh by a listener that [`start`] spawns (see
    /// [`auth::revocation`]).
    pub revocations: Arc<auth::revocation::Revocations>,
    /// Bounds password hashing (a fixed number at once; see [`auth::password::Hasher`]).
    pub hasher: Arc<auth::password::Hasher>,
}

impl AppState {
    pub fn new(config: config::Config) -> Result<AppState, String> {
        let idp_keys = config.idp_keys()?;
        // Only the tick delivers webhooks; a wrong file is still found when the service starts.
        config.webhooks()?;
        let jwt = auth::jwt::JwtKeys::new(&config, &idp_keys)?;
        let vault = config.vault()?;
        let proxies = web::TrustedProxies::parse(&config.trusted_proxies)?;
        let pool = db::pool(
            &config.database_url,
            config.db_pool_size,
            Duration::from_secs(config.db_timeout_secs),
        )?;
        let replica = match &config.read_database_url {
            Some(url) if !url.is_empty() => Some(Arc::new(db::replica::Replica::new(
                db::pool(
                    url,
                    config.db_pool_size,
                    Duration::from_secs(config.db_timeout_secs).min(db::replica::CONNECT_TIMEOUT),
                )?,
                Duration::from_secs(config.read_max_staleness_secs),
            ))),
            _ => None,
        };
        let clock = match config.clock_start()? {
            Some(at) => clock::Clock::starting_at(at),
            None => clock::Clock::system(),
        };
        let hasher = auth::password::Hasher::new(
            config
                .hash_concurrency
                .unwrap_or_else(auth::password::default_slots),
            Duration::from_millis(config.hash_wait_ms),
        );
        Ok(AppState {
            pool,
            replica,
            config: Arc::new(config),
            jwt: Arc::new(jwt),
            metrics: Arc::new(metrics::Metrics::new()),
            clock,
            vault: Arc::new(vault),
            proxies,
            revocations: Arc::new(auth::revocation::Revocations::new()),
            hasher: Arc::new(hasher),
        })
    }
}

/// All documented routes: the API under `/api/v1` and the ops endpoints.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            .configure(auth::routes)
            .configure(org::routes)
            .configure(audit::routes)
            .configure(calendar::routes)
            .configure(feeds::routes)
            .configure(roster::routes)
            .configure(dutyday::routes)
            .configure(attendance::routes)
            .configure(dutylog::routes)
            .configure(compliance::routes)
            .configure(changes::routes)
            .configure(sitins::routes)
            .configure(attachments::routes)
            .configure(inspections::routes)
            .configure(rectifications::routes)
            .configure(citizen::routes)
            .configure(outbox::routes)
            .configure(inbox::routes)
            .configure(ratings::routes),
    )
    .configure(ops::routes);
}

/// Unknown routes: 405 with `Allow` when the path is a documented resource that does not take
/// this method, else 404.
async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, error::ApiError> {
    match error::parse::allowed_methods(req.path()) {
        Some(allow) if !allow.is_empty() && !allow.iter().any(|m| m == req.method().as_str()) => {
            Err(error::ApiError::method_not_allowed(&allow))
        }
        _ => Err(error::ApiError::not_found()),
    }
}

/// The application: routes, request limits, middleware, docs.
pub fn build_app(
    state: actix_web::web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let limit = state.config.body_limit_bytes;
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static(web::STALENESS_HEADER),
        ])
        .max_age(3600);
    for origin in state.config.cors_origins.iter().filter(|o| !o.is_empty()) {
        cors = cors.allowed_origin(origin);
    }
    let (app, _) = App::new()
        .into_utoipa_app()
        .app_data(state)
        .app_data(
            actix_web::web::JsonConfig::default()
                .limit(limit)
                .error_handler(|e, req| error::json_error(e, req).into()),
        )
        .app_data(actix_web::web::PayloadConfig::new(limit))
        .app_data(
            actix_web::web::QueryConfig::default()
                .error_handler(|e, req| error::parse::query_error(&e.to_string(), req).into()),
        )
        .app_data(
            actix_web::web::PathConfig::default()
                .error_handler(|_, req| error::parse::path_error(req).into()),
        )
        .configure(routes)
        .split_for_parts();
    app.service(
        utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
            .url("/api-docs/openapi.json", openapi::spec()),
    )
    .route(
        "/docs",
        actix_web::web::get().to(|| async {
            actix_web::HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/docs/"))
                .finish()
        }),
    )
    .default_service(actix_web::web::to(not_found))
    .wrap(from_fn(idempotency::middleware))
    .wrap(from_fn(dates::check))
    .wrap(from_fn(limits::body_deadline))
    .wrap(from_fn(auth::read_only::middleware))
    .wrap(from_fn(error::localize))
    .wrap(from_fn(metrics::middleware))
    .wrap(from_fn(headers::security))
    .wrap(
        DefaultHeaders::new()
            .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .add((header::X_FRAME_OPTIONS, "DENY"))
            .add((header::REFERRER_POLICY, "no-referrer"))
            .add((header::CACHE_CONTROL, "no-store")),
    )
    .wrap(cors)
    .wrap(tracing_actix_web::TracingLogger::<telemetry::RequestSpan>::new())
}

/// Starts the HTTP server on `listener` and the revocation listener (its own database
/// connection, see [`auth::revocation`]). Signals are left to the caller: see
/// [`stop_on_signal`].
///
/// Slow clients are bounded: a request's headers must arrive within
/// `DUTYDESK_HEADER_TIMEOUT_SECS` (else 408 and the connection closes), its body within the
/// deadlines of [`limits`]; each worker holds at most `DUTYDESK_MAX_CONNECTIONS` connections and
/// accepts `DUTYDESK_MAX_CONNECTION_RATE` new ones at once.
pub fn start(state: AppState, listener: TcpListener) -> std::io::Result<Server> {
    let cfg = state.config.clone();
    tokio::spawn(auth::revocation::listen(
        state.config.database_url.clone(),
        state.revocations.clone(),
    ));
    if let Some(replica) = &state.replica {
        tokio::spawn(db::replica::monitor(replica.clone(), state.metrics.clone()));
    }
    let state = actix_web::web::Data::new(state);
    Ok(HttpServer::new(move || build_app(state.clone()))
        .client_request_timeout(Duration::from_secs(cfg.header_timeout_secs.max(1)))
        .client_disconnect_timeout(Duration::from_secs(2))
        .max_connections(cfg.max_connections.max(1))
        .max_connection_rate(cfg.max_connection_rate.max(1))
        .listen(listener)?
        .disable_signals()
        .shutdown_timeout(30)
        .run())
}

/// On SIGTERM or SIGINT: stop accepting connections and let in-flight requests finish
/// (up to 30 s), then let the server future complete.
pub fn stop_on_signal(server: &Server) {
    let handle = server.handle();
    tokio::spawn(async move {
        let term = async {
            #[cfg(unix)]
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
            #[cfg(not(unix))]
            std::future::pending::<()>().await
        };
        tokio::select! {
            _ = term => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutdown signal: finishing in-flight requests");
        handle.stop(true).await;
    });
}
