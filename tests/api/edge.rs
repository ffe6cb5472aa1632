//! Hardening at the edge (issue 9): bounded metric labels and scrape tokens, slow bodies, the
//! client address behind proxies, out-of-range dates, secret checks and security headers.

use crate::helpers::*;
use reqwest::Method;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn scrape(app: &TestApp) -> String {
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

fn series(text: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .count()
}

/// 2000 requests, each with a method name of its own, add one series (`method="other"`), and
/// no invented name reaches the exposition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invented_methods_add_at_most_one_series() {
    let app = spawn_app().await;
    let before = series(&scrape(&app).await);
    for i in 0..2000 {
        let m = Method::from_bytes(format!("X{i}FOO").as_bytes()).unwrap();
        let r = app
            .client
            .request(m, app.url(&format!("/api/v1/departments/{i}")))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    let text = scrape(&app).await;
    // The scrape itself may add its own series (GET /metrics 200).
    assert!(series(&text) <= before + 2, "{text}");
    assert!(!text.contains("X1FOO"), "an invented method became a label");
    assert!(text.contains(r#"method="other""#), "{text}");
    // Raw paths never become labels either.
    assert!(!text.contains("/api/v1/departments/17"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_scrape_token() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A staff access token is not a scrape token.
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(scrape(&app).await.contains("http_requests_total"));
    // Without a configured token, /metrics is off (outside dev mode).
    let off = spawn_with(|c| c.metrics_token = String::new()).await;
    let r = off.client.get(off.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

/// Sends `head`, then trickles the body one byte every 300 ms, and reads what the server says.
/// Returns the answer (possibly empty: disconnected) and how long it took.
async fn trickle(app: &TestApp, head: String) -> (String, Duration) {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let started = Instant::now();
    wr.write_all(head.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if wr.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    writer.abort();
    assert!(read.is_ok(), "the server kept the connection open for 20 s");
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

/// A body that arrives slowly is cut off at the deadline: 408 `request_timeout`, connection
/// closed, within the bound (2 s here) and well before the trickle would have ended (60 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_answered_408_within_the_bound() {
    let app = spawn_with(|c| {
        c.body_timeout_secs = 2;
        c.upload_timeout_secs = 3;
    })
    .await;
    let head = format!(
        "POST /api/v1/departments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{",
        app.admin_token
    );
    let (answer, took) = trickle(&app, head).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(took >= Duration::from_secs(2), "{took:?}");
    // An upload has the longer deadline, and is cut off too.
    let head = format!(
        "POST /api/v1/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: image/png\r\nContent-Length: 5000\r\n\r\n",
        app.admin_token
    );
    let (answer, took) = trickle(&app, head).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert!(took >= Duration::from_secs(3), "{took:?}");
}

/// The body deadline counts from the body's first bytes: a client that starts late (1.5 s) and
/// then sends steadily over 1.2 s is served although 2.7 s > the 2 s deadline have passed since
/// the request's start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_deadline_counts_from_the_first_bytes() {
    let app = spawn_with(|c| c.body_timeout_secs = 2).await;
    let body = r#"{"name":"部门 late","code":"late","rotation_order":40}"#.as_bytes();
    let head = format!(
        "POST /api/v1/departments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        app.admin_token,
        body.len()
    );
    let addr = app.base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let started = Instant::now();
    wr.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (first, rest) = body.split_at(10);
    wr.write_all(first).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    wr.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), rd.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "no answer within 10 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(started.elapsed() > Duration::from_secs(2));
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
}

/// Headers that never finish are cut off too (the header deadline).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickled_headers_are_cut_off() {
    let app = spawn_with(|c| c.header_timeout_secs = 1).await;
    let (answer, took) = trickle(&app, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".into()).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// Resolves a `$ref` in the OpenAPI document.
fn resolve<'a>(doc: &'a serde_json::Value, v: &'a serde_json::Value) -> &'a serde_json::Value {
    match v.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => resolve(
            doc,
            &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        ),
        None => v,
    }
}

fn is_date(doc: &serde_json::Value, schema: &serde_json::Value) -> bool {
    let s = resolve(doc, schema);
    let direct = matches!(s["format"].as_str(), Some("date" | "date-time"));
    direct
        || ["oneOf", "anyOf", "allOf"].iter().any(|k| {
            s[*k]
                .as_array()
                .is_some_and(|l| l.iter().any(|b| is_date(doc, b)))
        })
}

/// Every input the API documents as a date (query, path, top-level JSON body field), on every
/// operation, with years far out of range: each answers 400 naming the field, none 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_dates_are_refused_everywhere() {
    let app = spawn_app().await;
    let doc: serde_json::Value = serde_json::to_value(dutydesk::openapi::spec()).unwrap();
    let nil = uuid::Uuid::nil().to_string();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut cases: Vec<(String, &str, Option<serde_json::Value>, String)> = Vec::new();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let concrete = |date_param: Option<(&str, &str)>| {
                let mut p = path.clone();
                for prm in params.iter().filter(|p| p["in"] == "path") {
                    let name = prm["name"].as_str().unwrap();
                    let value = match date_param {
                        Some((n, v)) if n == name => v.to_owned(),
                        _ if is_date(&doc, &prm["schema"]) => app.today().to_string(),
                        _ => nil.clone(),
                    };
                    p = p.replace(&format!("{{{name}}}"), &value);
                }
                p
            };
            for year in ["+200000-01-01", "-200000-01-01", "1066-10-14", "2201-01-01"] {
                for prm in &params {
                    let name = prm["name"].as_str().unwrap();
                    if !is_date(&doc, &prm["schema"]) {
                        continue;
                    }
                    let v = if resolve(&doc, &prm["schema"])["format"] == "date-time" {
                        format!("{year}T08:00:00Z")
                    } else {
                        year.to_owned()
                    };
                    match prm["in"].as_str() {
                        Some("query") => cases.push((
                            format!("{}?{name}={}", concrete(None), v.replace('+', "%2B")),
                            name,
                            None,
                            name.to_owned(),
                        )),
                        Some("path") => {
                            cases.push((concrete(Some((name, &v))), name, None, name.to_owned()))
                        }
                        _ => {}
                    }
                }
                let body = op.pointer("/requestBody/content/application~1json/schema");
                if let Some(props) = body
                    .map(|s| resolve(&doc, s))
                    .and_then(|s| s["properties"].as_object())
                {
                    for (name, schema) in props {
                        if !is_date(&doc, schema) {
                            continue;
                        }
                        let dt =
                            resolve(&doc, schema)["format"] == "date-time" || name.ends_with("_at");
                        let v = if dt {
                            format!("{year}T08:00:00Z")
                        } else {
                            year.to_owned()
                        };
                        cases.push((
                            concrete(None),
                            name,
                            Some(serde_json::json!({ name: v })),
                            name.clone(),
                        ));
                    }
                }
            }
            for (url, _, body, field) in cases {
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut r = app.req(m, &url, Some(&app.admin_token));
                if let Some(b) = &body {
                    r = r.json(b);
                }
                let res = r.send().await.unwrap();
                let status = res.status().as_u16();
                let text = res.text().await.unwrap();
                let named = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v["errors"].as_array().cloned())
                    .is_some_and(|e| {
                        e.iter()
                            .any(|e| e["field"] == field.as_str() && e["code"] == "out_of_range")
                    });
                checked += 1;
                if status != 400 || !named {
                    failures.push(format!(
                        "{} {url} {body:?}: {status} {text}",
                        method.to_uppercase()
                    ));
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} date inputs found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A leave request for year 200000 is refused (it used to be accepted), in Chinese too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leave_request_in_year_200000_is_refused() {
    let app = spawn_app().await;
    let r = app
        .req(Method::POST, "/api/v1/leave-requests", Some(&app.admin_token))
        .header("Accept-Language", "zh-CN")
        .json(&serde_json::json!({"start_date": "+200000-01-01", "end_date": "+200000-01-02", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "validation_failed", "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == "start_date" && e["code"] == "out_of_range"),
        "{body}"
    );
    assert!(
        body.to_string().contains("年份须在 1900 到 2200 年之间"),
        "{body}"
    );
}

/// Dates nested in arrays are checked too, each named by its position (`days[1].date`,
/// `emergencies[0].at`), and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_dates_out_of_range_are_named_by_position() {
    let app = spawn_app().await;
    let today = app.today();
    let r = app
        .req(Method::PUT, "/api/v1/calendar/days", Some(&app.admin_token))
        .json(&serde_json::json!({"days": [
            {"date": today.to_string(), "kind": "holiday", "name": "x"},
            {"date": "+200000-01-01", "kind": "holiday", "name": "x"},
            {"date": "-200000-01-01", "kind": "holiday", "name": "x"},
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["code"] == "out_of_range")
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["days[1].date", "days[2].date"], "{body}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM calendar_overrides WHERE name = 'x'")
            .await,
        0
    );
    let r = app
        .req(
            Method::POST,
            "/api/v1/audit-events/verify",
            Some(&app.admin_token),
        )
        .json(&serde_json::json!({"checkpoints": [
            {"taken_at": "+200000-01-01T00:00:00Z"}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "checkpoints[0].taken_at" && e["code"] == "out_of_range"),
        "{body}"
    );
}

/// A feed token made to expire works until then and answers 401 after; an expiry in the past
/// or more than 366 days ahead is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_tokens_expire() {
    let app = spawn_app().await;
    let now = app.clock.now();
    for bad in [
        now - chrono::Duration::minutes(1),
        now + chrono::Duration::days(367),
    ] {
        let r = app
            .post(
                "/api/v1/me/feed-tokens",
                &app.admin_token,
                &serde_json::json!({"label": "x", "expires_at": bad.to_rfc3339()}),
            )
            .await;
        assert_eq!(r.status(), 400);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "expires_at", "{body}");
        assert_eq!(body["errors"][0]["code"], "out_of_range", "{body}");
    }
    let at = now + chrono::Duration::hours(1);
    let r = app
        .post(
            "/api/v1/me/feed-tokens",
            &app.admin_token,
            &serde_json::json!({"label": "phone", "expires_at": at.to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let t: serde_json::Value = r.json().await.unwrap();
    assert!(t["expires_at"].is_string(), "{t}");
    let url = app.url(t["duties_url"].as_str().unwrap());
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 200);
    app.clock.set(at + chrono::Duration::seconds(1));
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 401);
}

/// A mark unique to this test app for finding its log lines, without digits (a run of seven
/// digits in a query value is redacted from the logs as a possible phone number).
fn mark(app: &TestApp) -> String {
    app.db_name
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from(b'g' + d as u8),
            None => c,
        })
        .collect()
}

/// The JSON log lines of this test process holding `needle`, waiting for them briefly.
async fn log_lines(needle: &str) -> Vec<serde_json::Value> {
    for _ in 0..40 {
        let text = std::fs::read_to_string(log_file()).unwrap_or_default();
        let found: Vec<serde_json::Value> = text
            .lines()
            .filter(|l| l.contains(needle))
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Vec::new()
}

fn span_field<'a>(line: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    line["span"]
        .get(name)
        .or_else(|| line.get(name))
        .or_else(|| line["fields"].get(name))
}

/// Feed tokens never reach the logs, however the query string encodes the name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encoded_feed_tokens_are_redacted_in_logs() {
    let app = spawn_app().await;
    for q in ["%74oken=s3cr3t-a1", "TOKEN=s3cr3t-a2", "token%3Ds3cr3t-a3"] {
        let r = app
            .client
            .get(app.url(&format!(
                "/api/v1/me/duties.ics?{q}&mark=redact-{}",
                mark(&app)
            )))
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500);
    }
    let lines = log_lines(&format!("redact-{}", mark(&app))).await;
    assert_eq!(lines.len(), 3, "{lines:?}");
    let log = std::fs::read_to_string(log_file()).unwrap();
    assert!(!log.contains("s3cr3t-a"), "a feed token is in the log");
}

/// Each request's line carries its route, status, latency and user.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_lines_carry_route_status_latency_and_user() {
    let app = spawn_app().await;
    let r = app
        .get(
            &format!("/api/v1/departments?limit=5&mark=line-{}", mark(&app)),
            &app.admin_token,
        )
        .await;
    assert_eq!(r.status(), 200);
    let lines = log_lines(&format!("line-{}", mark(&app))).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(
        span_field(line, "http.route").and_then(|v| v.as_str()),
        Some("/api/v1/departments"),
        "{line}"
    );
    assert_eq!(
        span_field(line, "http.status_code").and_then(|v| v.as_u64()),
        Some(200),
        "{line}"
    );
    assert_eq!(
        span_field(line, "user_id").and_then(|v| v.as_str()),
        Some(app.admin_id.to_string().as_str()),
        "{line}"
    );
    assert!(
        span_field(line, "latency_ms").is_some_and(|v| v.is_number()),
        "{line}"
    );
}

/// Forwarding headers name the client only when the peer is a trusted proxy (the address in
/// the request's log line).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    for (trusted, expected) in [("", "127.0.0.1"), ("127.0.0.1/32", "198.51.100.4")] {
        let app = spawn_with(|c| c.trusted_proxies = trusted.into()).await;
        let r = app
            .client
            .get(app.url(&format!(
                "/api/v1/departments?limit=5&mark=xff-{}",
                mark(&app)
            )))
            .bearer_auth(&app.admin_token)
            .header("X-Forwarded-For", "6.6.6.6, 198.51.100.4")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let lines = log_lines(&format!("xff-{}", mark(&app))).await;
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(
            span_field(&lines[0], "http.client_ip").and_then(|v| v.as_str()),
            Some(expected),
            "{}",
            lines[0]
        );
    }
}

/// HSTS only when the request came over TLS through a trusted proxy; CSPs everywhere, the
/// Swagger UI's allowing only its own files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_behind_a_trusted_tls_proxy_and_a_csp_for_the_docs() {
    let app = spawn_with(|c| c.trusted_proxies = "127.0.0.1".into()).await;
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
    // From an untrusted peer the header proves nothing.
    let plain = spawn_app().await;
    let r = plain
        .client
        .get(plain.url("/healthz"))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
    // The docs: scripts from the same origin only, and the page has no inline script.
    let r = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    let html = r.text().await.unwrap();
    for tag in html.split("<script").skip(1) {
        let (attrs, rest) = tag.split_once('>').unwrap();
        assert!(attrs.contains("src="), "an inline script: {tag}");
        assert!(
            rest.trim_start().starts_with("</script>"),
            "inline code: {tag}"
        );
    }
    for asset in ["/docs/swagger-initializer.js", "/api-docs/openapi.json"] {
        let r = app.client.get(app.url(asset)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{asset}");
    }
}
