//! The working-day calendar (R3, R9, R11, R20): statutory days, center overrides, roles,
//! validation, audit.

use crate::helpers::*;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;

async fn calendar(app: &TestApp, token: &str, from: &str, to: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/calendar?from={from}&to={to}"), token)
        .await;
    assert_eq!(r.status(), 200, "calendar {from}..{to}");
    let v: Value = r.json().await.unwrap();
    v["days"].as_array().unwrap().clone()
}

/// The kinds of `[from, to]`, space-separated.
async fn kinds(app: &TestApp, token: &str, from: &str, to: &str) -> String {
    let days = calendar(app, token, from, to).await;
    let kinds: Vec<_> = days.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    kinds.join(" ")
}

/// The day `date` as `(kind, name, source)`.
async fn day(app: &TestApp, token: &str, date: &str) -> (String, Value, String) {
    let days = calendar(app, token, date, date).await;
    assert_eq!(days.len(), 1);
    let d = &days[0];
    assert_eq!(d["date"], date);
    (
        d["kind"].as_str().unwrap().to_owned(),
        d["name"].clone(),
        d["source"].as_str().unwrap().to_owned(),
    )
}

/// A write, with `If-Match` when given.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Option<&Value>,
) -> Response {
    let mut r = app.req(method, &format!("/api/v1/calendar/{path}"), Some(token));
    if let Some(v) = if_match {
        r = r.header("If-Match", v);
    }
    if let Some(b) = body {
        r = r.json(b);
    }
    r.send().await.unwrap()
}

async fn put_day(app: &TestApp, token: &str, date: &str, body: &Value) -> Response {
    send(
        app,
        Method::PUT,
        &format!("days/{date}"),
        token,
        None,
        Some(body),
    )
    .await
}

async fn delete_day(app: &TestApp, token: &str, date: &str) -> Response {
    send(
        app,
        Method::DELETE,
        &format!("days/{date}"),
        token,
        None,
        None,
    )
    .await
}

async fn put_days(app: &TestApp, token: &str, body: &Value) -> Response {
    send(app, Method::PUT, "days", token, None, Some(body)).await
}

/// `(created, updated, unchanged)` of a bulk result.
fn counts(v: &Value) -> (i64, i64, i64) {
    let n = |k: &str| v[k].as_i64().unwrap();
    (n("created"), n("updated"), n("unchanged"))
}

/// A problem's field errors as `"field code"`.
fn errors(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    format!(
                        "{} {}",
                        e["field"].as_str().unwrap(),
                        e["code"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn etag(r: &Response) -> String {
    r.headers()["etag"].to_str().unwrap().to_owned()
}

fn set(kind: &str, name: &str) -> Value {
    json!({"kind": kind, "name": name})
}

async fn audited(app: &TestApp) -> i64 {
    app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'calendar_day'")
        .await
}

async fn overrides(app: &TestApp) -> i64 {
    app.count("SELECT count(*) AS n FROM calendar_overrides")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn makeup_working_days_are_working_days_r9() {
    let app = spawn_app().await;
    let days = calendar(&app, &app.admin_token, "2026-02-13", "2026-02-28").await;
    assert_eq!(days.len(), 16);
    let by_date: BTreeMap<&str, &Value> = days
        .iter()
        .map(|d| (d["date"].as_str().unwrap(), d))
        .collect();
    for date in ["2026-02-14", "2026-02-28"] {
        let d = by_date[date];
        assert_eq!(d["kind"], "makeup_workday", "{date}");
        assert_eq!(d["name"], "春节");
        assert_eq!(d["source"], "statutory");
        assert_eq!(d["working"], true);
    }
    for n in 15..=23 {
        let date = format!("2026-02-{n}");
        let d = by_date[date.as_str()];
        assert_eq!(d["kind"], "holiday", "{date}");
        assert_eq!(d["name"], "春节");
        assert_eq!(d["working"], false);
    }
    let fri = by_date["2026-02-13"];
    assert_eq!(fri["kind"], "workday");
    assert!(fri["name"].is_null());
    assert_eq!(fri["source"], "weekday_rule");
    assert_eq!(by_date["2026-02-24"]["kind"], "workday");
    assert_eq!(by_date["2026-02-27"]["kind"], "workday");
    // Dates come in order.
    let dates: Vec<_> = by_date.keys().copied().collect();
    let listed: Vec<_> = days.iter().map(|d| d["date"].as_str().unwrap()).collect();
    assert_eq!(listed, dates);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statutory_holidays_are_off_and_weekends_follow_the_weekday_rule_r9() {
    let app = spawn_app().await;
    let (kind, name, source) = day(&app, &app.admin_token, "2026-10-01").await;
    assert_eq!((kind.as_str(), source.as_str()), ("holiday", "statutory"));
    assert_eq!(name, "国庆节");
    let (kind, name, _) = day(&app, &app.admin_token, "2026-03-07").await;
    assert_eq!(kind, "weekend");
    assert!(name.is_null());
}

/// Every statutory row the migration loaded is in the data file and the other way round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statutory_days_match_the_data_file_r9() {
    let app = spawn_app().await;
    let raw = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/cn-statutory-holidays.json"),
    )
    .unwrap();
    let data: Value = serde_json::from_str(&raw).unwrap();
    let mut expected = BTreeMap::new();
    for groups in data["years"].as_object().unwrap().values() {
        for g in groups.as_array().unwrap() {
            for (key, kind) in [("off", "holiday"), ("work", "makeup_workday")] {
                for date in g[key].as_array().unwrap() {
                    let entry = format!("{kind} {}", g["name"].as_str().unwrap());
                    expected.insert(date.as_str().unwrap().to_owned(), entry);
                }
            }
        }
    }
    let mut got = BTreeMap::new();
    for (from, to) in [("2025-01-01", "2025-12-31"), ("2026-01-01", "2026-12-31")] {
        for d in calendar(&app, &app.admin_token, from, to).await {
            if d["source"] == "statutory" {
                let entry = format!(
                    "{} {}",
                    d["kind"].as_str().unwrap(),
                    d["name"].as_str().unwrap()
                );
                got.insert(d["date"].as_str().unwrap().to_owned(), entry);
            }
        }
    }
    assert_eq!(got, expected);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM statutory_days").await,
        expected.len() as i64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn center_overrides_change_the_answer_for_that_center_only_r9() {
    let app = spawn_app().await;
    let beta = app.other_center_admin().await;
    // A closure on a Wednesday, an extra opening on a Saturday, a holiday made a working day.
    let t = &app.admin_token;
    let r = put_day(&app, t, "2026-03-04", &set("closure", "台风停业")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["location"], "/api/v1/calendar/days/2026-03-04");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({"date": "2026-03-04", "kind": "closure", "name": "台风停业", "source": "override", "working": false})
    );
    for date in ["2026-03-07", "2026-10-02"] {
        let r = put_day(&app, t, date, &set("extra_workday", "专项活动")).await;
        assert_eq!(r.status(), 201);
    }
    let days = calendar(&app, t, "2026-03-02", "2026-03-08").await;
    let week = "workday workday closure workday workday extra_workday weekend";
    assert_eq!(kinds(&app, t, "2026-03-02", "2026-03-08").await, week);
    assert_eq!(days[5]["working"], true);
    assert_eq!(days[5]["name"], "专项活动");
    assert_eq!(day(&app, t, "2026-10-02").await.0, "extra_workday");

    // The other center still sees the defaults and cannot touch alpha's overrides.
    let week = "workday workday workday workday workday weekend weekend";
    assert_eq!(kinds(&app, &beta, "2026-03-02", "2026-03-08").await, week);
    assert_eq!(day(&app, &beta, "2026-10-02").await.0, "holiday");
    let r = delete_day(&app, &beta, "2026-03-04").await;
    assert_problem(r, 404, "not_found").await;
    let one = app.get("/api/v1/calendar/days/2026-03-04", &beta).await;
    assert_eq!(one.status(), 200);
    assert!(one.headers().get("etag").is_none());
    let v: Value = one.json().await.unwrap();
    assert_eq!(v["kind"], "workday");
    assert_eq!(overrides(&app).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_override_restores_the_default_r9() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    for (date, kind) in [("2026-10-01", "extra_workday"), ("2026-05-09", "closure")] {
        let r = put_day(&app, t, date, &set(kind, "调整")).await;
        assert_eq!(r.status(), 201);
        assert_eq!(day(&app, t, date).await.0, kind);
    }
    let r = delete_day(&app, t, "2026-10-01").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({"date": "2026-10-01", "kind": "holiday", "name": "国庆节", "source": "statutory", "working": false})
    );
    assert_eq!(
        day(&app, t, "2026-10-01").await,
        ("holiday".into(), json!("国庆节"), "statutory".into())
    );
    let r = delete_day(&app, t, "2026-05-09").await;
    assert_eq!(r.status(), 200);
    assert_eq!(day(&app, t, "2026-05-09").await.0, "makeup_workday");
    // Nothing left to delete.
    assert_problem(delete_day(&app, t, "2026-10-01").await, 404, "not_found").await;
    assert_problem(delete_day(&app, t, "2026-03-03").await, 404, "not_found").await;
    assert_eq!(overrides(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_upsert_sets_next_years_days_all_or_nothing() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let year = json!({"days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-06", "kind": "makeup_workday", "name": "春节"},
        {"date": "2027-02-08", "kind": "holiday", "name": "春节"},
    ]});
    let r = put_days(&app, t, &year).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(counts(&v), (3, 0, 0));
    assert_eq!(v["days"][1]["date"], "2027-02-06");
    assert_eq!(v["days"][1]["kind"], "makeup_workday");
    assert_eq!(day(&app, t, "2027-02-06").await.0, "makeup_workday");
    assert_eq!(day(&app, t, "2027-01-01").await.1, "元旦");

    // The same again changes nothing; one changed name is one update.
    let v: Value = put_days(&app, t, &year).await.json().await.unwrap();
    assert_eq!(counts(&v), (0, 0, 3));
    let v: Value = put_days(
        &app,
        t,
        &json!({"days": [
            {"date": "2027-01-01", "kind": "holiday", "name": "元旦节"},
            {"date": "2027-02-08", "kind": "holiday", "name": "春节"},
            {"date": "2027-02-09", "kind": "holiday", "name": "春节"},
        ]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(counts(&v), (1, 1, 1));
    assert_eq!(overrides(&app).await, 4);

    // One bad item: nothing is written.
    let r = put_days(
        &app,
        t,
        &json!({"days": [
            {"date": "2027-03-01", "kind": "closure", "name": "停业"},
            {"date": "2027-03-02", "kind": "weekend", "name": "x"},
        ]}),
    )
    .await;
    let p = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(p["errors"][0]["field"], "days[1].kind");
    assert_eq!(overrides(&app).await, 4);
    assert_eq!(day(&app, t, "2027-03-01").await.0, "workday");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_reads_are_validated() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let cases: [(&str, &[&str]); 7] = [
        ("", &["from required", "to required"]),
        ("?from=2026-01-01", &["to required"]),
        ("?from=2026-1-1&to=2026-01-31", &["from invalid_date"]),
        ("?from=2026-01-01&to=2026-02-30", &["to invalid_date"]),
        ("?from=2026-02-01&to=2026-01-31", &["to before_from"]),
        ("?from=2025-01-01&to=2026-01-02", &["to range_too_long"]),
        ("/2026-13-01", &["date invalid_date"]),
    ];
    for (q, expected) in cases {
        let path = if q.starts_with('/') {
            format!("/api/v1/calendar/days{q}")
        } else {
            format!("/api/v1/calendar{q}")
        };
        let p = assert_problem(app.get(&path, t).await, 400, "validation_failed").await;
        assert_eq!(errors(&p), expected, "{q}");
    }
    // At most 366 days, both ends included: a leap year, or 2025-01-01 to 2026-01-01.
    assert_eq!(
        calendar(&app, t, "2024-01-01", "2024-12-31").await.len(),
        366
    );
    assert_eq!(
        calendar(&app, t, "2025-01-01", "2026-01-01").await.len(),
        366
    );
    let r = app
        .req(
            Method::GET,
            "/api/v1/calendar?from=2026-01-01&to=2026-01-02",
            None,
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "unauthorized").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_writes_are_validated() {
    let app = spawn_with(|c| c.body_limit_bytes = 64 * 1024).await;
    let t = &app.admin_token;
    // (date, body, problem code, field error)
    const D: &str = "2026-03-04";
    const V: &str = "validation_failed";
    let day_cases = [
        (D, r#"{"kind":"workday","name":"x"}"#, V, "kind invalid"),
        (D, r#"{"kind":"weekend","name":"x"}"#, V, "kind invalid"),
        (D, r#"{"kind":"party","name":"x"}"#, V, "kind invalid"),
        (D, r#"{"kind":"closure","name":" "}"#, V, "name required"),
        (
            "04-03-2026",
            r#"{"kind":"closure","name":"x"}"#,
            V,
            "date invalid_date",
        ),
        (
            D,
            r#"{"kind":"closure","name":"x","a":1}"#,
            "unknown_field",
            "a unknown_field",
        ),
        (
            D,
            r#"{"kind":"closure"}"#,
            "malformed_request",
            "name required",
        ),
    ];
    for (date, body, code, expected) in day_cases {
        let body: Value = serde_json::from_str(body).unwrap();
        let p = assert_problem(put_day(&app, t, date, &body).await, 400, code).await;
        assert_eq!(errors(&p), [expected], "{body}");
    }
    let long = json!({"kind": "closure", "name": "字".repeat(101)});
    let p = assert_problem(
        put_day(&app, t, "2026-03-04", &long).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errors(&p), ["name too_long"]);
    let item = |date: &str, kind: &str| json!({"date": date, "kind": kind, "name": "x"});
    let bulk_cases: [(Value, &str, &[&str]); 3] = [
        (
            json!([{"date": "2026-03-04", "kind": "closure", "name": "x", "why": 1}]),
            "unknown_field",
            &["days[0].why unknown_field"],
        ),
        (json!([]), "validation_failed", &["days required"]),
        (
            json!([
                item("2026-03-04", "closure"),
                item("2026-03-04", "holiday"),
                item("2026-02-30", "holiday")
            ]),
            "validation_failed",
            &["days[1].date duplicate", "days[2].date invalid_date"],
        ),
    ];
    for (days, code, expected) in bulk_cases {
        let p = assert_problem(put_days(&app, t, &json!({"days": days})).await, 400, code).await;
        assert_eq!(errors(&p), expected, "{days}");
    }
    let first = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let too_many: Vec<Value> = (0..401)
        .map(|i| item(&(first + chrono::Days::new(i)).to_string(), "holiday"))
        .collect();
    let r = put_days(&app, t, &json!({"days": too_many})).await;
    let p = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(errors(&p), ["days too_many"]);
    assert_eq!(overrides(&app).await, 0);
    let r = put_days(&app, t, &json!({"days": &too_many[..400]})).await;
    assert_eq!(r.status(), 200, "400 days are accepted");
    assert_eq!(overrides(&app).await, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_office_admins_write_the_calendar_but_every_role_reads_it() {
    let app = spawn_app().await;
    let (_, supervisor) = app
        .create_staff("sup1", &["supervisor", "window_staff"], None)
        .await;
    let (_, window) = app.create_staff("win1", &["window_staff"], None).await;
    let (_, auditor) = app.create_staff("aud1", &["auditor"], None).await;
    let r = put_day(
        &app,
        &app.admin_token,
        "2026-03-04",
        &set("closure", "停电"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let bulk = json!({"days": [{"date": "2026-03-06", "kind": "closure", "name": "x"}]});
    for t in [&supervisor, &window, &auditor] {
        assert_eq!(
            calendar(&app, t, "2026-03-01", "2026-03-31").await.len(),
            31
        );
        assert_eq!(day(&app, t, "2026-03-04").await.0, "closure");
        let one = app.get("/api/v1/calendar/days/2026-03-04", t).await;
        assert_eq!(one.status(), 200);
        let writes = [
            put_day(&app, t, "2026-03-05", &set("closure", "x")).await,
            put_day(&app, t, "2026-03-04", &set("holiday", "x")).await,
            delete_day(&app, t, "2026-03-04").await,
            put_days(&app, t, &bulk).await,
        ];
        for r in writes {
            assert_problem(r, 403, "forbidden").await;
        }
    }
    assert_eq!(overrides(&app).await, 1);
    assert_eq!(day(&app, &app.admin_token, "2026-03-04").await.0, "closure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_calendar_write_is_audited_per_changed_day() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let (body, changed) = (set("closure", "停电"), set("closure", "停电检修"));
    assert_eq!(put_day(&app, t, "2026-03-04", &body).await.status(), 201);
    let again = put_day(&app, t, "2026-03-04", &body).await;
    assert_eq!(again.status(), 200, "same again");
    assert_eq!(put_day(&app, t, "2026-03-04", &changed).await.status(), 200);
    assert_eq!(delete_day(&app, t, "2026-03-04").await.status(), 200);
    let r = app
        .get("/api/v1/audit-events?entity_type=calendar_day", t)
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let events = v["items"].as_array().unwrap();
    // Newest first: deleted, updated, created (the repeated PUT recorded nothing).
    let actions: Vec<_> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["deleted", "updated", "created"]);
    let entity = &events[0]["entity_id"];
    let admin = app.admin_id.to_string();
    assert!(
        events
            .iter()
            .all(|e| &e["entity_id"] == entity && e["actor_id"] == admin)
    );
    assert!(events[2]["before"].is_null());
    assert_eq!(events[2]["after"]["kind"], "closure");
    assert_eq!(events[2]["after"]["date"], "2026-03-04");
    assert_eq!(events[1]["before"]["name"], "停电");
    assert_eq!(events[1]["after"]["name"], "停电检修");
    assert_eq!(events[1]["after"]["version"], 2);
    assert_eq!(events[0]["before"]["name"], "停电检修");
    assert!(events[0]["after"].is_null());
    // The date's history is one entity_id filter away; re-creating it continues that history.
    assert_eq!(put_day(&app, t, "2026-03-04", &body).await.status(), 201);
    let history = format!(
        "/api/v1/audit-events?entity_id={}",
        entity.as_str().unwrap()
    );
    let v: Value = app.get(&history, t).await.json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 4);

    // Bulk: one event per created or updated day, none for unchanged ones.
    let r = put_days(
        &app,
        t,
        &json!({"days": [
            {"date": "2026-03-04", "kind": "closure", "name": "停电"},
            {"date": "2026-03-05", "kind": "closure", "name": "停电"},
            {"date": "2026-03-07", "kind": "extra_workday", "name": "补班"},
        ]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(audited(&app).await, 6);
    let v: Value = app
        .get("/api/v1/audit-events/verify", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], true);
    // A refused write records nothing.
    let bad = json!({"days": [{"date": "2026-03-09", "kind": "x", "name": "y"}]});
    assert_problem(put_days(&app, t, &bad).await, 400, "validation_failed").await;
    assert_eq!(audited(&app).await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn if_match_guards_single_day_writes() {
    let app = spawn_app().await;
    let t = &app.admin_token;
    let (put, del, path) = (Method::PUT, Method::DELETE, "days/2026-03-04");
    let (v1, v2) = (Some("\"1\""), Some("\"2\""));
    let r = put_day(&app, t, "2026-03-04", &set("closure", "a")).await;
    assert_eq!(etag(&r), "\"1\"");
    let r = app.get("/api/v1/calendar/days/2026-03-04", t).await;
    assert_eq!(etag(&r), "\"1\"");
    let r = send(&app, put.clone(), path, t, v1, Some(&set("closure", "b"))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag(&r), "\"2\"");
    let c = set("closure", "c");
    let stale = [
        send(&app, put.clone(), path, t, v1, Some(&c)).await,
        send(&app, del.clone(), path, t, v1, None).await,
        // A date without an override can never match.
        send(&app, put, "days/2026-03-05", t, v1, Some(&c)).await,
    ];
    for r in stale {
        assert_problem(r, 412, "stale_etag").await;
    }
    assert_eq!(day(&app, t, "2026-03-04").await.1, "b");
    let r = send(&app, del, path, t, v2, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(overrides(&app).await, 0);
}
