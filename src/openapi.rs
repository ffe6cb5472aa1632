//! The OpenAPI document. Paths come from the same route registrations the server uses.

use crate::error::{FieldError, Problem};
use utoipa::OpenApi;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "dutydesk",
        description = "Supervisor duty (督导员值班) for government service halls.\n\nErrors are RFC 9457 `application/problem+json` with a stable `code`; text is Chinese when `Accept-Language` prefers `zh`. Lists use `limit` (1–200, default 50) and an opaque `cursor`. Writes accept `Idempotency-Key` (exactly once); mutable resources carry an `ETag` and PATCH honours `If-Match`.",
        license(name = "MIT")
    ),
    components(schemas(Problem, FieldError, crate::export::Format)),
    tags(
        (name = "auth", description = "Login, tokens, own profile"),
        (name = "centers", description = "The caller's service center and its settings"),
        (name = "departments", description = "Departments and their rotation order (R2)"),
        (name = "staff", description = "Staff directory and accounts"),
        (name = "audit", description = "Append-only, hash-chained audit trail"),
        (name = "calendar", description = "Working-day calendar: weekdays, statutory holidays, make-up working days, local overrides (R3, R9)"),
        (name = "rosters", description = "Rotation settings and duty rosters (R1, R2, R10, R11)"),
        (name = "duty", description = "Published duty: assignments, who is on duty, statistics"),
        (name = "attendance", description = "Attendance of the front-desk staff, written by the day's supervisors (R4.5)"),
        (name = "duty-log", description = "The duty log: draft, submission to the office, acknowledgement, amendments; facility faults (R4.5, R8, R13, R22)"),
        (name = "substitutions", description = "Substitutes (顶岗) filed with the office (R6)"),
        (name = "swaps", description = "Duty swaps (换班)"),
        (name = "leave", description = "Leave and time off in lieu (请假、调休, R14)"),
        (name = "sit-ins", description = "Department leaders sitting in the hall (领导坐班, R15, R16)"),
        (name = "feeds", description = "Calendar (iCalendar) feeds of duties"),
        (name = "attachments", description = "Photos and documents (JPEG, PNG, PDF) referenced by records"),
        (name = "inspections", description = "Inspection findings on the hall floor (R4.1, R5)"),
        (name = "rectifications", description = "Rectification (整改) of problems found, by a deadline in working days (R25)"),
        (name = "citizen-requests", description = "Citizens' consultations, complaints, requests for help and suggestions: intake by staff or the portal, ownership, deadlines in working days, privacy (R18-R23)"),
        (name = "webhooks", description = "Events for the regional portal and their signed webhook deliveries (see docs/webhooks.md)"),
        (name = "inbox", description = "The caller's tasks: everything waiting on them (the phone's inbox)"),
        (name = "ratings", description = "Ratings (好差评) of requests and window services on the national five-level scale, by the portal or a one-time link, and the follow-up of bad ratings (R21; see docs/ratings.md)"),
        (name = "ops", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

/// The complete document, as served at `/api-docs/openapi.json` and printed by `dutydesk openapi`.
pub fn spec() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, mut doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes)
        .split_for_parts();
    finish(&mut doc);
    doc
}

fn problem_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Every list takes `limit` with the same range and default (`pagination::limit` enforces them);
/// the query types only name the parameter, so its bounds are declared here, in one place.
fn declare_page_limit(op: &mut utoipa::openapi::path::Operation) {
    use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
    use utoipa::openapi::{RefOr, Schema};
    for param in op.parameters.iter_mut().flatten() {
        if param.name != "limit" || param.parameter_in != ParameterIn::Query {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(schema))) = param.schema.as_mut() {
            schema.minimum = Some(1i64.into());
            schema.maximum = Some(MAX_LIMIT.into());
            schema.default = Some(DEFAULT_LIMIT.into());
        }
    }
}

/// utoipa writes `Page<T>` with T's schema copied inline into `items`, so generators build a
/// second, differently named type per list (`PageRosterItemsItem` beside `Roster`). Where the
/// copy is exactly the named schema `T`, point at it instead.
fn reference_page_items(components: &mut utoipa::openapi::Components) {
    use utoipa::openapi::schema::ArrayItems;
    use utoipa::openapi::{RefOr, Schema};
    let named = components.schemas.clone();
    for (name, schema) in components.schemas.iter_mut() {
        let Some(item) = name.strip_prefix("Page_") else {
            continue;
        };
        let Some(target) = named.get(item) else {
            continue;
        };
        let RefOr::T(Schema::Object(page)) = schema else {
            continue;
        };
        if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items")
            && let ArrayItems::RefOrSchema(inline) = &mut items.items
            && inline.as_ref() == target
        {
            **inline = RefOr::Ref(Ref::from_schema_name(item));
        }
    }
}

/// What the server accepts in the request headers and query parameters every operation shares,
/// as a schema: a `cursor` is what `next_cursor` gave, unpadded base64url (`pagination::decode`
/// refuses anything else, the empty string included); `If-Match` is `*` or an ETag this service
/// issued, a version number, weak or strong, quoted or not (`web::if_match`; the spec asks for at
/// most 9 digits so that every value it allows fits the server's 32-bit version).
fn declare_shared_params(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::schema::Type;
    use utoipa::openapi::{ObjectBuilder, RefOr, Schema};
    for param in op.parameters.iter_mut().flatten() {
        let (pattern, description) = match (&param.parameter_in, param.name.as_str()) {
            (ParameterIn::Query, "cursor") => (
                "^[A-Za-z0-9_-]+$",
                "Opaque cursor: the previous page's `next_cursor`, unchanged.",
            ),
            (ParameterIn::Header, "If-Match") => (
                r#"^(\*|(W/)?"[0-9]{1,9}"|[0-9]{1,9})$"#,
                "The `ETag` from a previous read (e.g. `\"3\"`), or `*`; 412 if stale.",
            ),
            _ => continue,
        };
        // Nullable (`Option<String>` in a header) or not: a header sent is a non-empty string.
        // An endpoint's own description of its `If-Match` (e.g. when it is required) stays.
        if param.name == "cursor" || param.description.is_none() {
            param.description = Some(description.to_owned());
        }
        param.schema = Some(RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .pattern(Some(pattern))
                .build(),
        )));
    }
}

/// A binary body declared from a `Vec<u8>` comes out as an array of integers; on any media type
/// that is not JSON it is the raw bytes, so say so (generators otherwise build a JSON array).
fn declare_binary_bodies(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::schema::{ArrayItems, SchemaFormat, Type};
    use utoipa::openapi::{KnownFormat, ObjectBuilder, RefOr, Schema};
    let is_bytes = |schema: &Option<RefOr<Schema>>| {
        matches!(schema, Some(RefOr::T(Schema::Array(a)))
            if matches!(&a.items, ArrayItems::RefOrSchema(i)
                if matches!(i.as_ref(), RefOr::T(Schema::Object(o))
                    if o.schema_type == Type::Integer.into())))
    };
    let binary = || {
        Some(RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                .build(),
        )))
    };
    let bodies = op
        .request_body
        .iter_mut()
        .flat_map(|b| b.content.iter_mut());
    let responses = op.responses.responses.values_mut().flat_map(|r| match r {
        RefOr::T(r) => Some(r.content.iter_mut()),
        RefOr::Ref(_) => None,
    });
    for (media, c) in bodies.chain(responses.flatten()) {
        if !media.contains("json") && is_bytes(&c.schema) {
            c.schema = binary();
        }
    }
}

/// Adds what every operation shares: the bearer scheme, and `Idempotency-Key` on POSTs.
fn finish(doc: &mut utoipa::openapi::OpenApi) {
    // One server, relative: the API is served from the root of wherever the document itself was
    // fetched (`/api-docs/openapi.json`), so one committed document fits every deployment;
    // generated clients take the base URL as a constructor argument anyway.
    doc.servers = Some(vec![
        utoipa::openapi::server::ServerBuilder::new()
            .url("/")
            .description(Some(
                "This deployment: the host that served this document (paths start with /api/v1)",
            ))
            .build(),
    ]);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    // Calendar apps cannot send headers: the iCalendar feeds also take a feed token in the query.
    components.add_security_scheme(
        "feed_token",
        SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
            "token",
            "A feed token (`POST /me/feed-tokens`), for calendar apps that cannot send headers",
        ))),
    );
    // Prometheus scrapers: a static token from `DUTYDESK_METRICS_TOKEN`, not a staff JWT.
    components.add_security_scheme(
        "metrics_token",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("The scrape token `DUTYDESK_METRICS_TOKEN`"))
                .build(),
        ),
    );
    reference_page_items(components);
    // The schemas, as JSON, to find the operations that take a date (see `declare_date_range`).
    let schemas = serde_json::to_value(&components.schemas).unwrap_or_default();
    for (path, item) in doc.paths.paths.iter_mut() {
        // An operation that declares no bearer requirement needs no authentication: say so with
        // `security: []`, so that generators and fuzzers do not guess.
        for op in operations(item) {
            let empty = utoipa::openapi::security::SecurityRequirement::default();
            if op
                .security
                .as_ref()
                .is_none_or(|s| s.iter().all(|r| *r == empty))
            {
                op.security = Some(Vec::new());
            }
        }
        if !path.starts_with("/api/v1/") {
            continue;
        }
        // Every API operation can meet an unavailable database; every authenticated one a bad token.
        for op in operations(item) {
            declare_page_limit(op);
            declare_shared_params(op);
            declare_binary_bodies(op);
            use utoipa::openapi::RefOr;
            let authenticated = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = op.request_body.is_some();
            let responses = &mut op.responses.responses;
            // "Not authenticated" as an endpoint declares it is this one answer.
            let plain_401 = match responses.get("401") {
                None => true,
                Some(RefOr::T(r)) => r.description == "Not authenticated",
                Some(_) => false,
            };
            if authenticated && plain_401 {
                responses.insert(
                    "401".into(),
                    RefOr::T(problem_response(
                        "`unauthorized`: missing, invalid, expired or revoked bearer token \
                         (revoked: the staff member was deactivated, their roles changed, their \
                         password reset or changed, or they logged out); \
                         `unknown_staff_claim`: an identity provider's token names no active \
                         staff member of its center",
                    )),
                );
            }
            if takes_a_date(op, &schemas) {
                declare_date_range(op);
            }
            let responses = &mut op.responses.responses;
            if has_body {
                for (status, text) in [
                    (
                        "413",
                        "`payload_too_large`: the body is over the size limit",
                    ),
                    (
                        "415",
                        "`unsupported_media_type`: send the body as application/json",
                    ),
                    (
                        "408",
                        "`request_timeout`: the body did not start arriving, or did not arrive \
                         in full after its first bytes, within the body timeout \
                         (`DUTYDESK_BODY_TIMEOUT_SECS`)",
                    ),
                ] {
                    if !responses.contains_key(status) {
                        responses.insert(status.into(), RefOr::T(problem_response(text)));
                    }
                }
            }
            // An authenticated operation's plain "Database unavailable" also covers a token
            // whose revocation state this instance cannot vouch for.
            let plain_503 = match responses.get("503") {
                None => true,
                Some(RefOr::T(r)) => authenticated && r.description == "Database unavailable",
                Some(_) => false,
            };
            if plain_503 {
                responses.insert(
                    "503".into(),
                    RefOr::T(problem_response(if authenticated {
                        "`database_unavailable` (with `Retry-After`): the database is unreachable \
                         or no pooled connection came free in time; `revocation_state_unknown` \
                         (with `Retry-After`): \
                         this instance cannot confirm the bearer token is not revoked (its \
                         revocation listener lost the database for longer than the 5 s \
                         staleness bound); retry, do not log out"
                    } else {
                        "`database_unavailable` (with `Retry-After`): the database is \
                         unreachable or no pooled connection came free in time"
                    })),
                );
            }
        }
        use actix_web::http::Method;
        for (method, op) in [
            (Method::POST, item.post.as_mut()),
            (Method::PUT, item.put.as_mut()),
            (Method::PATCH, item.patch.as_mut()),
            (Method::DELETE, item.delete.as_mut()),
        ] {
            let Some(op) = op else { continue };
            if crate::idempotency::applies(&method, path) {
                declare_idempotency_key(op);
            }
            if crate::auth::read_only::applies(&method, path) {
                declare_read_only_refusal(op);
            }
        }
    }
}

/// True when an operation's parameters or JSON body declare a `date` or `date-time` anywhere
/// (the operations `dates::check` guards); `schemas` are the components' schemas as JSON.
fn takes_a_date(op: &utoipa::openapi::path::Operation, schemas: &serde_json::Value) -> bool {
    fn mentions(v: &serde_json::Value, schemas: &serde_json::Value, depth: usize) -> bool {
        use serde_json::Value;
        if depth > 16 {
            return false;
        }
        match v {
            Value::Object(map) => {
                if matches!(
                    map.get("format").and_then(Value::as_str),
                    Some("date" | "date-time")
                ) {
                    return true;
                }
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    let name = r.rsplit('/').next().unwrap_or("");
                    return schemas
                        .get(name)
                        .is_some_and(|s| mentions(s, schemas, depth + 1));
                }
                map.values().any(|v| mentions(v, schemas, depth + 1))
            }
            Value::Array(list) => list.iter().any(|v| mentions(v, schemas, depth + 1)),
            _ => false,
        }
    }
    let params = serde_json::to_value(&op.parameters).unwrap_or_default();
    let body = serde_json::to_value(&op.request_body).unwrap_or_default();
    mentions(&params, schemas, 0) || mentions(&body, schemas, 0)
}

/// The 400 an operation taking dates gives for one outside the supported years (`dates::check`).
fn declare_date_range(op: &mut utoipa::openapi::path::Operation) {
    let text = format!(
        "`validation_failed` with the field error `out_of_range`: a date outside the years {}–{}",
        crate::dates::MIN_YEAR,
        crate::dates::MAX_YEAR
    );
    add_problem(op, "400", &text);
}

/// The 403 a caller whose only role is auditor gets on a write (see `auth::read_only`).
fn declare_read_only_refusal(op: &mut utoipa::openapi::path::Operation) {
    add_problem(
        op,
        "403",
        "`forbidden`: the caller's only role is auditor (auditors are read-only)",
    );
}

/// Adds a problem an operation can answer with `status`: appended to that response's
/// description (`…; or <text>`) when the operation declares it, else as a new response.
fn add_problem(op: &mut utoipa::openapi::path::Operation, status: &str, text: &str) {
    use utoipa::openapi::RefOr;
    let responses = &mut op.responses.responses;
    match responses.get_mut(status) {
        Some(RefOr::T(r)) => r.description = format!("{}; or {text}", r.description),
        _ => {
            responses.insert(status.to_owned(), RefOr::T(problem_response(text)));
        }
    }
}

/// `Idempotency-Key` and the answers it can produce, on an operation that honours it.
fn declare_idempotency_key(op: &mut utoipa::openapi::path::Operation) {
    {
        op.parameters.get_or_insert_with(Vec::new).push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retried write safe: the same key and body replay the first successful response (header `Idempotent-Replayed: true`), and the change is made once; the same key with another body is 422. A failed attempt frees its key at once. Keys are kept for 24 hours, per caller.",
                ))
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255))
                        // Visible ASCII only (`idempotency::valid_key`).
                        .pattern(Some("^[!-~]+$")),
                ))
                .build(),
        );
        for (status, code) in [
            (
                "422",
                "`idempotency_key_reused`: the key was used with another request",
            ),
            (
                "400",
                "`validation_failed`: the Idempotency-Key header is not 1–255 visible ASCII characters",
            ),
        ] {
            add_problem(op, status, code);
        }
    }
}
