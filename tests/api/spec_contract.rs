//! The OpenAPI document states what the server enforces: a client generated from it sends no
//! request that is refused for a reason the document does not give.

use crate::helpers::*;
use serde_json::Value;

fn spec() -> Value {
    serde_json::to_value(dutydesk::openapi::spec()).unwrap()
}

/// The operations of the document as (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("operationId").is_some() {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

fn param<'a>(op: &'a Value, name: &str, place: &str) -> Option<&'a Value> {
    op["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name && p["in"] == place)
}

/// A precondition (412) can only fail when the client may send one, and the other way round.
#[test]
fn every_operation_that_answers_412_takes_if_match() {
    let doc = spec();
    let mut wrong = Vec::new();
    let mut with = 0;
    for (method, path, op) in operations(&doc) {
        let answers = op["responses"].get("412").is_some();
        let takes = param(&op, "If-Match", "header").is_some();
        with += usize::from(takes);
        if answers != takes {
            wrong.push(format!("{method} {path}: 412 {answers}, If-Match {takes}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(with >= 10, "only {with} operations take If-Match");
}

/// Every read over a date range (`from`, `to` as dates) is asked for a range of 400 days and
/// for one of 366 days counting both ends: where the server refuses the long one, the document
/// says so on `to`, and the longest range it states is accepted; where it does not, the
/// document states no limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_limited_date_range_is_declared() {
    let app = spawn_app().await;
    let doc = spec();
    let today = app.today();
    let date = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let stated = "366 days counting both ends";
    let (mut limited, mut wrong) = (Vec::new(), Vec::new());
    for (method, path, op) in operations(&doc) {
        let (Some(_), Some(to)) = (param(&op, "from", "query"), param(&op, "to", "query")) else {
            continue;
        };
        if method != "get" || to["schema"]["format"] != "date" {
            continue;
        }
        let mut p = path.clone();
        for prm in op["parameters"].as_array().unwrap() {
            if prm["in"] == "path" {
                let name = prm["name"].as_str().unwrap();
                p = p.replace(&format!("{{{name}}}"), &uuid::Uuid::nil().to_string());
            }
        }
        let ask = |days: i64| {
            let url = format!(
                "{p}?from={}&to={}",
                date(today),
                date(today + chrono::Duration::days(days))
            );
            let app = &app;
            async move {
                let r = app.get(&url, &app.admin_token).await;
                let status = r.status().as_u16();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                let range_error = status == 400
                    && body["errors"].as_array().is_some_and(|errs| {
                        errs.iter().any(|e| {
                            e["field"] == "to"
                                && (e["code"] == "too_long" || e["code"] == "range_too_long")
                        })
                    });
                (status, range_error)
            }
        };
        let text = to["description"].as_str().unwrap_or_default();
        let says = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(stated);
        let (_, refused_long) = ask(400).await;
        let (status_max, refused_max) = ask(365).await;
        if refused_long {
            limited.push(path.clone());
        }
        if refused_long != says {
            wrong.push(format!(
                "{path}: 400 days refused {refused_long}, `to` states the limit {says}"
            ));
        }
        if refused_max {
            wrong.push(format!(
                "{path}: the longest stated range is refused ({status_max})"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(limited.len() >= 6, "only {limited:?} limit their range");
}
