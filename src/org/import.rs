//! Bulk staff import for a new center (office admin): a JSON array, a CSV file or an XLSX
//! workbook, checked row by row (dry run) and created all or nothing.

use super::model::{Position, Staff};
use super::rules;
use super::store::{self, NewStaff};
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::auth::password;
use crate::error::{ApiError, ApiResult, Code, FieldCode, FieldError, Problem, RowError};
use crate::principal::{CurrentUser, Role};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use diesel_async::AsyncConnection;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

mod read;
use read::{RawRow, from_json, from_table, parse_csv, parse_xlsx, read_body, row_error, too_many};

/// Most rows one import takes.
pub const MAX_ROWS: usize = 1000;
/// Largest body this route reads (the global limit is much smaller).
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// Passwords hashed at once (argon2 is CPU- and memory-heavy).
const HASH_PARALLEL: usize = 4;
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true` (the default) only checks and reports; `false` creates all rows or none.
    pub dry_run: Option<bool>,
}

/// One row of the import (JSON form; CSV and XLSX use the same names as header row).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ImportRow {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9._-]+$")]
    employee_no: String,
    /// The department's `code` in the caller's center.
    department_code: Option<String>,
    position: Option<Position>,
    /// At least one role (in CSV/XLSX: separated by `;` or `|`).
    #[schema(min_items = 1)]
    roles: Vec<Role>,
    leader: Option<bool>,
    #[schema(pattern = "^[0-9+ -]{5,20}$")]
    phone: Option<String>,
    /// Initial password, 10–128 characters; when absent one is generated and returned once.
    #[schema(min_length = 10, max_length = 128)]
    password: Option<String>,
}

/// A created staff member, with the generated password when the row gave none.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedStaff {
    #[serde(flatten)]
    pub staff: Staff,
    pub department_code: Option<String>,
    pub department_name: Option<String>,
    /// Shown only in this response, never stored in clear; `null` when the row gave a password.
    pub initial_password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Data rows read.
    pub rows: usize,
    /// Every problem found, by row (header = row 1 in CSV/XLSX; JSON element i is row i + 1).
    pub errors: Vec<RowError>,
    /// The created staff (empty in a dry run).
    pub created: Vec<ImportedStaff>,
}

struct Checked {
    row: usize,
    new: NewStaff,
    password: Option<String>,
    department: Option<(String, String)>,
}

fn choice(field: &str, allowed: &[&str]) -> FieldError {
    FieldError::of(field, FieldCode::InvalidChoice).param("allowed", allowed.join(", "))
}

/// Checks one row with the rules of a single create; department codes resolved from `depts`.
fn check_row(
    r: &RawRow,
    center_id: Uuid,
    depts: &HashMap<String, (Uuid, String)>,
    errors: &mut Vec<RowError>,
) -> Option<Checked> {
    let get = |k: &str| r.cells.get(k).map(String::as_str).unwrap_or("");
    let before = errors.len();
    let mut push = |f: Option<FieldError>| {
        if let Some(f) = f {
            errors.push(row_error(r.row, f));
        }
    };
    push(rules::text("name", get("name"), 100));
    push(rules::code("employee_no", get("employee_no")));
    let password = Some(get("password").to_owned()).filter(|p| !p.is_empty());
    if let Some(p) = &password {
        push(password::check_strength("password", p));
    }
    let phone = Some(get("phone").to_owned()).filter(|p| !p.is_empty());
    if let Some(p) = &phone {
        push(rules::phone("phone", p));
    }
    let position = match get("position") {
        "" => None,
        p => {
            let parsed = Position::parse(p);
            if parsed.is_none() {
                push(Some(choice("position", &["front_desk", "back_office"])));
            }
            parsed
        }
    };
    let mut roles: Vec<String> = Vec::new();
    for part in get("roles")
        .split([';', '|'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match Role::parse(part) {
            Some(role) if !roles.iter().any(|x| x == role.as_str()) => {
                roles.push(role.as_str().to_owned())
            }
            Some(_) => {}
            None => push(Some(choice(
                "roles",
                &["office_admin", "auditor", "supervisor", "window_staff"],
            ))),
        }
    }
    if roles.is_empty() && !get("roles").contains(|c: char| c.is_alphanumeric()) {
        push(Some(FieldError::of("roles", FieldCode::RequiredRole)));
    }
    let leader = match get("leader").to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "否" => false,
        "true" | "1" | "yes" | "是" => true,
        _ => {
            push(Some(FieldError::of("leader", FieldCode::ExpectedBoolean)));
            false
        }
    };
    let code = get("department_code");
    let department = if code.is_empty() {
        None
    } else {
        match depts.get(code) {
            Some((id, name)) => Some((*id, code.to_owned(), name.clone())),
            None => {
                push(Some(FieldError::of(
                    "department_code",
                    FieldCode::UnknownDepartmentCode,
                )));
                None
            }
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(Checked {
        row: r.row,
        password,
        department: department.as_ref().map(|(_, c, n)| (c.clone(), n.clone())),
        new: NewStaff {
            id: Uuid::now_v7(),
            center_id,
            department_id: department.map(|(id, _, _)| id),
            employee_no: get("employee_no").to_owned(),
            name: get("name").trim().to_owned(),
            position: position.map(|p| p.as_str().to_owned()),
            roles,
            leader,
            phone,
            password_hash: String::new(),
        },
    })
}

/// 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Import staff (office admin).
///
/// The body is a JSON array of staff rows, a `text/csv` file (UTF-8, optional BOM, header row
/// with the field names, roles separated by `;` or `|`) or an XLSX workbook (first sheet, same
/// header row). Departments are named by their `code`. At most 1000 rows and 2 MiB.
///
/// `dry_run=true` (the default) checks every row with the rules of `createStaff`, plus
/// duplicate employee numbers inside the file and against the center, and unknown department
/// codes, and reports every problem by row (header = row 1) without writing. `dry_run=false`
/// creates all rows in one transaction, each audited like `createStaff`, or none (422
/// `import_invalid` with the same row errors). A row without `password` gets a generated one,
/// returned once in `initial_password` and stored only as its hash. Not replayed by
/// `Idempotency-Key` (the response carries passwords).
#[utoipa::path(
    operation_id = "importStaff",
    tag = "staff",
    params(ImportQuery),
    request_body(
        description = "Staff rows: a JSON array, CSV or XLSX with the header row `name,employee_no,department_code,position,roles,leader,phone,password`",
        content(
            (Vec<ImportRow> = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Dry run: the report (`errors` empty when every row is valid)", body = ImportReport),
        (status = 201, description = "All rows created", body = ImportReport),
        (status = 400, description = "`malformed_request` (not a JSON array, unreadable CSV/XLSX) or malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`employee_no_taken` (taken by a concurrent change)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large` (over 2 MiB)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`import_invalid` (rows in `row_errors`; nothing created) or `too_many_rows`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/import")]
pub async fn import(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let dry_run = query.dry_run.unwrap_or(true);
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !matches!(ct.as_str(), "application/json" | "text/csv" | XLSX) {
        return Err(ApiError::of(Code::UnsupportedMediaType)
            .list("accepted", ["application/json", "text/csv", XLSX]));
    }
    let body = read_body(payload).await?;
    let parsed = match ct.as_str() {
        "application/json" => from_json(&body)?,
        "text/csv" => {
            let text = String::from_utf8(body).map_err(|_| ApiError::of(Code::ImportNotUtf8))?;
            from_table(parse_csv(&text))
        }
        _ => from_table(parse_xlsx(body)?),
    };
    let rows = match parsed {
        Ok(rows) => rows,
        Err(errors) => return report(dry_run, 0, errors, Vec::new()),
    };
    if rows.len() > MAX_ROWS {
        return Err(too_many());
    }
    let mut conn = state.pool.get().await?;
    let depts: HashMap<String, (Uuid, String)> =
        store::active_department_codes(&mut conn, user.center_id)
            .await?
            .into_iter()
            .map(|(code, id, name)| (code, (id, name)))
            .collect();
    let mut errors = Vec::new();
    let mut checked: Vec<Checked> = rows
        .iter()
        .filter_map(|r| check_row(r, user.center_id, &depts, &mut errors))
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        let no = r.cells.get("employee_no").map(String::as_str).unwrap_or("");
        if no.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(no, r.row) {
            seen.insert(no, first);
            errors.push(row_error(
                r.row,
                FieldError::of("employee_no", FieldCode::DuplicateEmployeeNo).param("row", first),
            ));
        }
    }
    let nos: Vec<String> = seen.keys().map(|s| (*s).to_owned()).collect();
    let taken: HashSet<String> = store::taken_employee_nos(&mut conn, user.center_id, &nos)
        .await?
        .into_iter()
        .collect();
    for r in &rows {
        let no = r.cells.get("employee_no").map(String::as_str).unwrap_or("");
        if taken.contains(no) {
            errors.push(row_error(
                r.row,
                FieldError::of("employee_no", FieldCode::EmployeeNoTaken),
            ));
        }
    }
    errors.sort_by_key(|e| e.row);
    if dry_run || !errors.is_empty() {
        return report(dry_run, rows.len(), errors, Vec::new());
    }
    drop(conn);
    // Passwords: given or generated, hashed off the async threads, a few at a time.
    let mut clear = Vec::with_capacity(checked.len());
    for c in &checked {
        clear.push(
            c.password
                .clone()
                .map_or((generate_password(), true), |p| (p, false)),
        );
    }
    let hashes: Vec<ApiResult<String>> = futures_util::stream::iter(
        clear
            .iter()
            .map(|(p, _)| state.hasher.hash_queued(p.clone())),
    )
    .buffered(HASH_PARALLEL)
    .collect()
    .await;
    for (c, h) in checked.iter_mut().zip(hashes) {
        c.new.password_hash = h?;
    }
    let mut conn = state.pool.get().await?;
    let created = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let mut out = Vec::with_capacity(checked.len());
            for (c, (pw, generated)) in checked.into_iter().zip(clear) {
                let row =
                    store::insert_staff(conn, c.new).await.map_err(|e| {
                        match ApiError::from(e) {
                            e if e.code == "already_exists" => {
                                ApiError::of(Code::EmployeeNoTakenInRow).param("row", c.row)
                            }
                            e => e,
                        }
                    })?;
                audit::record(
                    conn,
                    AuditEntry::new(&user, "created", "staff", row.id).after(row.audit_value()),
                )
                .await?;
                let (department_code, department_name) = c.department.unzip();
                out.push(ImportedStaff {
                    staff: row.view(true),
                    department_code,
                    department_name,
                    initial_password: generated.then_some(pw),
                });
            }
            Ok(out)
        })
        .await?;
    let n = created.len();
    Ok(HttpResponse::Created().json(ImportReport {
        dry_run: false,
        rows: n,
        errors: Vec::new(),
        created,
    }))
}

fn report(
    dry_run: bool,
    rows: usize,
    errors: Vec<RowError>,
    created: Vec<ImportedStaff>,
) -> ApiResult<HttpResponse> {
    if dry_run {
        return Ok(HttpResponse::Ok().json(ImportReport {
            dry_run,
            rows,
            errors,
            created,
        }));
    }
    Err(ApiError::of(Code::ImportInvalid).with_row_errors(errors))
}
