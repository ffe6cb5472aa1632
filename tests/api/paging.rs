//! Every list reads `limit` and `cursor` through one parameter type: the same checks and the
//! same problems on each, and unknown query parameters are ignored as before.

use crate::helpers::*;
use chrono::{Datelike, Duration};
use serde_json::Value;

/// `(path with its required filters, operationId)` of every GET taking `limit`, from the spec.
fn lists(monday: &str) -> Vec<(String, String)> {
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let limit = params.iter().find(|p| p["name"] == "limit");
        let Some(limit) = limit else { continue };
        let id = op["operationId"].as_str().unwrap().to_owned();
        assert_eq!(limit["in"], "query", "{id}");
        assert_eq!(limit["schema"]["minimum"], 1, "{id}");
        assert_eq!(limit["schema"]["maximum"], 200, "{id}");
        assert!(
            params
                .iter()
                .any(|p| p["name"] == "cursor" && p["in"] == "query"),
            "{id} takes a cursor"
        );
        assert!(!path.contains('{'), "{id}: lists have no path parameters");
        // Required filters are dates (`from`, `to`, `week`): this week's Monday fits them all.
        let required: Vec<String> = params
            .iter()
            .filter(|p| p["in"] == "query" && p["required"] == true)
            .map(|p| {
                assert_eq!(p["schema"]["format"], "date", "{id}: {}", p["name"]);
                format!("{}={monday}", p["name"].as_str().unwrap())
            })
            .collect();
        out.push((format!("{path}?{}", required.join("&")), id));
    }
    out
}

#[tokio::test]
async fn every_list_checks_limit_and_cursor_alike_and_ignores_unknown_parameters() {
    let app = spawn_app().await;
    let today = app.today();
    let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    let lists = lists(&monday.to_string());
    assert!(lists.len() >= 13, "lists found: {lists:?}");
    let t = &app.admin_token;
    for (path, id) in &lists {
        let sep = if path.ends_with('?') { "" } else { "&" };
        let url = |q: &str| format!("{path}{sep}{q}");

        let r = app.get(&url("limit=1&no_such_parameter=x"), t).await;
        assert_eq!(r.status(), 200, "{id}: unknown parameters are ignored");
        let page: Value = r.json().await.unwrap();
        assert!(page["items"].is_array(), "{id}: {page}");

        let p = assert_problem(
            app.get(&url("limit=abc"), t).await,
            400,
            "malformed_request",
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "limit", "{id}: {p}");
        assert_eq!(p["errors"][0]["code"], "invalid_type", "{id}: {p}");

        for bad in ["limit=0", "limit=999"] {
            let p = assert_problem(app.get(&url(bad), t).await, 400, "validation_failed").await;
            assert_eq!(p["errors"][0]["field"], "limit", "{id} {bad}: {p}");
            assert_eq!(p["errors"][0]["code"], "out_of_range", "{id} {bad}: {p}");
        }

        let p = assert_problem(
            app.get(&url("cursor=garbage"), t).await,
            400,
            "validation_failed",
        )
        .await;
        assert_eq!(p["errors"][0]["field"], "cursor", "{id}: {p}");
        assert_eq!(p["errors"][0]["code"], "invalid", "{id}: {p}");
    }
}
