//! The "ceiling" for `make bench-http` (scripts/bench-http.sh): the least a server can do for
//! dutydesk's hot read and one write, to compare dutydesk with. Raw actix-web + tokio-postgres,
//! no middleware, no logging, two routes:
//!
//! - `GET /api/v1/staff/{id}`: HS256 bearer check (the same secret, issuer, audience and claims
//!   as dutydesk's own tokens, so one token works for both), then one prepared query; answers the
//!   same staff JSON as dutydesk (phone shown: the benchmark's token is an office admin's) with an
//!   `ETag`.
//! - `POST /api/v1/departments`: the same check (office admin), then one prepared insert; answers
//!   201 with the department, `Location` and `ETag` (no idempotency record, no audit entry).
//! - `GET /healthz`: `{"status":"ok"}`, to time start-up the same way as dutydesk.
//!
//! Settings (environment): `DATABASE_URL`, `DUTYDESK_JWT_SECRET`, `DUTYDESK_BIND` (default
//! 127.0.0.1:8090), `DUTYDESK_JWT_ISSUER`/`DUTYDESK_JWT_AUDIENCE` (dutydesk's defaults),
//! `DUTYDESK_DB_POOL_SIZE` (connections, default 16 as dutydesk). Not part of the service.

use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio_postgres::{Client, NoTls, Statement};
use uuid::Uuid;

/// Timestamps as dutydesk serialises them (RFC 3339, UTC, microseconds, `Z`).
const TS: &str = r#"to_char(%s at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"#;

struct Conn {
    client: Client,
    staff: Statement,
    insert_department: Statement,
}

struct State {
    conns: Vec<Conn>,
    next: AtomicUsize,
    key: DecodingKey,
    validation: Validation,
}

impl State {
    fn conn(&self) -> &Conn {
        &self.conns[self.next.fetch_add(1, Ordering::Relaxed) % self.conns.len()]
    }

    /// The token's claims, or `None` (401).
    fn claims(&self, req: &HttpRequest) -> Option<Claims> {
        let h = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
        let token = h.strip_prefix("Bearer ")?;
        jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .ok()
            .map(|d| d.claims)
    }
}

#[derive(Deserialize)]
struct Claims {
    center_id: String,
    #[serde(default)]
    roles: Vec<String>,
}

#[derive(Serialize)]
struct Staff {
    id: String,
    center_id: String,
    department_id: Option<String>,
    employee_no: String,
    name: String,
    position: Option<String>,
    roles: Vec<String>,
    leader: bool,
    phone: Option<String>,
    active: bool,
    version: i32,
    created_at: String,
    updated_at: String,
}

#[derive(Deserialize)]
struct NewDepartment {
    name: String,
    code: String,
    rotation_order: i32,
}

#[derive(Serialize)]
struct Department {
    id: String,
    name: String,
    code: String,
    rotation_order: i32,
    active: bool,
    version: i32,
    created_at: String,
    updated_at: String,
}

fn status(code: u16) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap_or_default()).finish()
}

async fn get_staff(
    req: HttpRequest,
    state: web::Data<State>,
    id: web::Path<String>,
) -> HttpResponse {
    let Some(claims) = state.claims(&req) else {
        return status(401);
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return status(400);
    };
    let c = state.conn();
    let row = match c
        .client
        .query_opt(&c.staff, &[&claims.center_id, &id.to_string()])
        .await
    {
        Ok(Some(r)) => r,
        Ok(None) => return status(404),
        Err(_) => return status(503),
    };
    let s = Staff {
        id: row.get(0),
        center_id: row.get(1),
        department_id: row.get(2),
        employee_no: row.get(3),
        name: row.get(4),
        position: row.get(5),
        roles: row.get(6),
        leader: row.get(7),
        phone: row.get(8),
        active: row.get(9),
        version: row.get(10),
        created_at: row.get(11),
        updated_at: row.get(12),
    };
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", s.version)))
        .json(s)
}

async fn create_department(
    req: HttpRequest,
    state: web::Data<State>,
    body: web::Json<NewDepartment>,
) -> HttpResponse {
    let Some(claims) = state.claims(&req) else {
        return status(401);
    };
    if !claims.roles.iter().any(|r| r == "office_admin") {
        return status(403);
    }
    let c = state.conn();
    let id = Uuid::now_v7().to_string();
    let row = match c
        .client
        .query_one(
            &c.insert_department,
            &[
                &id,
                &claims.center_id,
                &body.name,
                &body.code,
                &body.rotation_order,
            ],
        )
        .await
    {
        Ok(r) => r,
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            return status(409);
        }
        Err(_) => return status(503),
    };
    let d = Department {
        id: row.get(0),
        name: row.get(1),
        code: row.get(2),
        rotation_order: row.get(3),
        active: row.get(4),
        version: row.get(5),
        created_at: row.get(6),
        updated_at: row.get(7),
    };
    HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/departments/{}", d.id)))
        .insert_header((header::ETAG, format!("\"{}\"", d.version)))
        .json(d)
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

async fn connect(url: &str) -> Result<Conn, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    let ts = |col: &str| TS.replace("%s", col);
    let staff = client
        .prepare(&format!(
            "select id::text, center_id::text, department_id::text, employee_no, name, position, \
             roles, leader, phone, active, version, {}, {} from staff \
             where center_id = $1::text::uuid and id = $2::text::uuid",
            ts("created_at"),
            ts("updated_at")
        ))
        .await?;
    let insert_department = client
        .prepare(&format!(
            "insert into departments (id, center_id, name, code, rotation_order) \
             values ($1::text::uuid, $2::text::uuid, $3, $4, $5) \
             returning id::text, name, code, rotation_order, active, version, {}, {}",
            ts("created_at"),
            ts("updated_at")
        ))
        .await?;
    Ok(Conn {
        client,
        staff,
        insert_department,
    })
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL").map_err(|_| std::io::Error::other("DATABASE_URL"))?;
    let secret = env("DUTYDESK_JWT_SECRET", "");
    let bind = env("DUTYDESK_BIND", "127.0.0.1:8090");
    let pool: usize = env("DUTYDESK_DB_POOL_SIZE", "16").parse().unwrap_or(16);
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[env("DUTYDESK_JWT_ISSUER", "dutydesk")]);
    validation.set_audience(&[env("DUTYDESK_JWT_AUDIENCE", "dutydesk-api")]);
    validation.validate_nbf = true;
    validation.leeway = 30;
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let mut conns = Vec::with_capacity(pool);
    for _ in 0..pool.max(1) {
        conns.push(connect(&url).await.map_err(std::io::Error::other)?);
    }
    let state = web::Data::from(Arc::new(State {
        conns,
        next: AtomicUsize::new(0),
        key: DecodingKey::from_secret(secret.as_bytes()),
        validation,
    }));
    eprintln!("ceiling listening on http://{bind}");
    HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/healthz", web::get().to(healthz))
            .route("/api/v1/staff/{id}", web::get().to(get_staff))
            .route("/api/v1/departments", web::post().to(create_department))
    })
    .bind(&bind)?
    .run()
    .await
}
