//! Cross-cutting behaviour: ops endpoints, the OpenAPI contract, problem details in two
//! languages, security headers, CORS.

use crate::helpers::*;
use reqwest::Method;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    app.get("/api/v1/departments", &app.admin_token).await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/api/v1/departments",status="200"}"#
        ),
        "{text}"
    );
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains(r#"db_pool_connections{state="max"} 8"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_is_503_when_the_database_is_unreachable() {
    let state =
        dutydesk::AppState::new(config("postgres://nobody:nothing@127.0.0.1:1/none")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(dutydesk::start(state, listener).unwrap());
    let client = reqwest::Client::new();
    let r = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_problem(r, 503, "database_unavailable").await;
    let r = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"center_code": "a", "employee_no": "b", "password": "c"}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 503, "database_unavailable").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_openapi_matches_the_code_and_is_served() {
    let generated = dutydesk::openapi::spec().to_pretty_json().unwrap();
    // Every schema the document refers to is defined in it.
    let doc: Value = serde_json::from_str(&generated).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut missing: Vec<String> = generated
        .split("\"#/components/schemas/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|name| !schemas.contains_key(*name))
        .map(str::to_owned)
        .collect();
    missing.dedup();
    assert!(missing.is_empty(), "unresolvable $refs: {missing:?}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is stale: run `make openapi` and commit it"
    );
    let app = spawn_app().await;
    let served: Value = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let generated: Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(served, generated);
    let r = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("swagger"));
}

/// Client generators name methods after operationIds: each one must exist, be unique and read
/// as lowerCamelCase (`listStaff`, `proposeSubstitution`).
#[test]
fn every_operation_has_a_unique_descriptive_operation_id() {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];
    let doc: Value = serde_json::to_value(dutydesk::openapi::spec()).unwrap();
    let mut seen = std::collections::BTreeMap::<String, String>::new();
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let here = format!("{} {path}", method.to_uppercase());
            let Some(id) = op["operationId"].as_str() else {
                problems.push(format!("{here}: no operationId"));
                continue;
            };
            let mut chars = id.chars();
            let camel = chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && id.len() > 1
                && chars.all(|c| c.is_ascii_alphanumeric());
            if !camel {
                problems.push(format!("{here}: `{id}` is not lowerCamelCase"));
            }
            if let Some(other) = seen.insert(id.to_owned(), here.clone()) {
                problems.push(format!("{here}: `{id}` is also used by {other}"));
            }
        }
    }
    assert!(seen.len() > 50, "only {} operations found", seen.len());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every operation says how it is authenticated: `security: [{"bearer": []}]`, a feed token or a
/// bearer token for the iCalendar feeds, or `security: []` for the few that are open (so that
/// generators and fuzzers need not guess), and only the open ones omit the 401 answer.
#[test]
fn every_operation_declares_its_security() {
    let doc: Value = serde_json::to_value(dutydesk::openapi::spec()).unwrap();
    let bearer = serde_json::json!([{ "bearer": [] }]);
    let feed = serde_json::json!([{ "feed_token": [] }, { "bearer": [] }]);
    let scraper = serde_json::json!([{ "metrics_token": [] }]);
    let mut open = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let here = format!("{} {path}", method.to_uppercase());
            match &op["security"] {
                s if *s == bearer || *s == feed || *s == scraper => {
                    assert!(op["responses"]["401"].is_object(), "{here}: no 401");
                }
                Value::Array(a) if a.is_empty() => open.push(here),
                other => panic!("{here}: security {other}"),
            }
        }
    }
    open.sort();
    assert_eq!(
        open,
        [
            "GET /healthz",
            "GET /readyz",
            "POST /api/v1/auth/login",
            "POST /api/v1/auth/refresh",
            "POST /api/v1/citizen-requests/lookup",
            "POST /api/v1/ratings/by-link",
        ]
    );
}

/// Every list declares the page size the server enforces (`limit`: 1–200, default 50), so
/// validators, fuzzers and client generators know it.
#[test]
fn every_page_limit_declares_its_range() {
    let doc: Value = serde_json::to_value(dutydesk::openapi::spec()).unwrap();
    let mut lists = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().into_iter().flatten();
            for p in params.filter(|p| p["name"] == "limit" && p["in"] == "query") {
                lists += 1;
                let s = &p["schema"];
                assert_eq!(
                    (&s["minimum"], &s["maximum"], &s["default"]),
                    (&Value::from(1), &Value::from(200), &Value::from(50)),
                    "{method} {path}"
                );
            }
        }
    }
    assert!(lists >= 13, "only {lists} lists found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problems_speak_chinese_when_asked() {
    let app = spawn_app().await;
    let r = app
        .req(
            Method::GET,
            "/api/v1/departments/00000000-0000-0000-0000-000000000000",
            Some(&app.admin_token),
        )
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 404, "not_found").await;
    assert_eq!(p["title"], "未找到");
    assert_eq!(p["detail"], "资源不存在。");
    let r = app
        .req(Method::POST, "/api/v1/departments", Some(&app.admin_token))
        .header("accept-language", "zh")
        .json(&serde_json::json!({"name": "", "code": "ok", "rotation_order": 1}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(p["errors"][0]["message"], "不能为空。");
    let r = app
        .get(
            "/api/v1/departments/00000000-0000-0000-0000-000000000000",
            &app.admin_token,
        )
        .await;
    let p = assert_problem(r, 404, "not_found").await;
    assert_eq!(p["title"], "Not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_are_problem_404_and_headers_are_set() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    assert_problem(r, 404, "not_found").await;
    // CORS: the configured portal origin is allowed, others are not.
    let pre = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/departments"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let ok = pre("https://portal.example").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://portal.example"
    );
    let bad = pre("https://evil.example").await.unwrap();
    assert!(bad.headers().get("access-control-allow-origin").is_none());
}
