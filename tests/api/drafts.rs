//! Drafts that stay right: rotation continuity across drafts, stale drafts, years without holiday
//! data, loading a year's schedule, corrupt rotation state (R1, R2, R3, R11).

use crate::fixtures::*;
use crate::helpers::*;
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

fn who(h: &Hall, r: &Value) -> Vec<String> {
    r["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| h.no_of(a["staff_id"].as_str().unwrap()))
        .collect()
}

async fn regenerate(app: &TestApp, r: &Value, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/rosters/{}/regenerate", r["id"].as_str().unwrap()),
        &app.admin_token,
        &body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_generated_before_the_previous_week_was_published_is_stale_r11() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 2).await;
    let whole = roster(&app, &plus(mon, 0), &plus(mon, 11)).await;
    let week1 = roster(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let week2 = roster(&app, &plus(mon, 7), &plus(mon, 11)).await;
    assert_eq!(
        who(&h, &week1)[..3],
        who(&h, &week2)[..3],
        "both drafts start from the same point"
    );
    assert_eq!(publish(&app, &week1).await.status(), 200);
    let p = assert_problem(publish(&app, &week2).await, 409, "draft_stale").await;
    assert_eq!(p["conflicts"].as_array().unwrap().len(), 5, "every day");
    // Nothing was published.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM rosters WHERE id = '{}' AND status = 'draft'",
            week2["id"].as_str().unwrap()
        ))
        .await,
        1
    );
    // A stale If-Match is refused; the right one regenerates.
    let r = app
        .req(
            reqwest::Method::POST,
            &format!(
                "/api/v1/rosters/{}/regenerate",
                week2["id"].as_str().unwrap()
            ),
            Some(&app.admin_token),
        )
        .header("if-match", "\"9\"")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 412, "stale_etag").await;
    let fresh = regenerate(&app, &week2, json!({})).await;
    assert_eq!(fresh.status(), 200);
    assert_eq!(fresh.headers()["etag"], "\"2\"");
    let fresh: Value = fresh.json().await.unwrap();
    assert_eq!(fresh["id"], week2["id"], "the same draft");
    let mut joined = who(&h, &week1);
    joined.extend(who(&h, &fresh));
    assert_eq!(joined, who(&h, &whole), "week 2 continues week 1");
    assert_eq!(publish(&app, &fresh).await.status(), 200);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE action = 'regenerated' AND entity_type = 'roster'")
            .await,
        1
    );
    // Only drafts are regenerated, only by the office.
    assert_problem(
        regenerate(&app, &fresh, json!({})).await,
        409,
        "roster_published",
    )
    .await;
    let other = roster(&app, &plus(mon, 14), &plus(mon, 18)).await;
    assert_problem(
        app.post(
            &format!(
                "/api/v1/rosters/{}/regenerate",
                other["id"].as_str().unwrap()
            ),
            h.token("d1-1"),
            &json!({}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        regenerate(&app, &other, json!({"confirm": true})).await,
        400,
        "unknown_field",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rosters_are_published_in_date_order() {
    let app = spawn_app().await;
    let _h = hall(&app).await;
    let mon = plain_weeks(&app, 2).await;
    let week1 = roster(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let week2 = roster(&app, &plus(mon, 7), &plus(mon, 11)).await;
    assert_eq!(publish(&app, &week2).await.status(), 200);
    assert_problem(publish(&app, &week1).await, 409, "roster_out_of_order").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closure_entered_after_generation_makes_the_draft_stale_r9() {
    let app = spawn_app().await;
    let _h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = roster(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let wed = plus(mon, 2);
    let put = app
        .req(
            reqwest::Method::PUT,
            &format!("/api/v1/calendar/days/{wed}"),
            Some(&app.admin_token),
        )
        .json(&json!({"kind": "closure", "name": "停电"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    let p = app
        .req(
            reqwest::Method::POST,
            &format!("/api/v1/rosters/{}/publish", r["id"].as_str().unwrap()),
            Some(&app.admin_token),
        )
        .header("accept-language", "zh-CN")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(p, 409, "draft_stale").await;
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("工作日已变化") && detail.contains(&wed),
        "{detail}"
    );
    let fresh: Value = regenerate(&app, &r, json!({})).await.json().await.unwrap();
    assert_eq!(fresh["assignments"].as_array().unwrap().len(), 4);
    assert_eq!(publish(&app, &fresh).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_without_holiday_data_needs_an_explicit_confirmation_r3() {
    let app = spawn_app().await;
    let _h = hall(&app).await;
    let year = app.today().year() + 3;
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    let body = json!({"start": start, "cycle": "two_weeks"});
    let p = assert_problem(
        app.post("/api/v1/rosters", &app.admin_token, &body).await,
        422,
        "holidays_not_loaded",
    )
    .await;
    assert!(
        p["detail"].as_str().unwrap().contains(&year.to_string()),
        "{p}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM rosters").await, 0);
    // The calendar says so too.
    let cal: Value = app
        .get(
            &format!("/api/v1/calendar?from={start}&to={start}"),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cal["years_without_holiday_data"], json!([year]));
    // Confirmed: generated, and the confirmation is recorded with the roster and in the trail.
    let r = app
        .post(
            "/api/v1/rosters",
            &app.admin_token,
            &json!({"start": start, "cycle": "two_weeks", "confirm_missing_holidays": true}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r: Value = r.json().await.unwrap();
    assert_eq!(r["confirmed_missing_holidays"], json!([year]));
    let audit: Value = app
        .get("/api/v1/audit-events?entity_type=roster", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let generated = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "generated")
        .expect("generation audited");
    assert_eq!(
        generated["after"]["confirmed_missing_holidays"],
        json!([year])
    );
    assert_eq!(publish(&app, &r).await.status(), 200);
    // Covered years need no confirmation and record none.
    let mon = plain_weeks(&app, 1).await;
    let r = roster(&app, &plus(mon, 0), &plus(mon, 4)).await;
    assert_eq!(r["confirmed_missing_holidays"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_years_schedule_loads_from_a_file_without_a_code_change() {
    let app = spawn_app().await;
    let year = app.today().year() + 4;
    let file =
        std::env::temp_dir().join(format!("dutydesk-holidays-{}.json", uuid::Uuid::new_v4()));
    let text = fixture_year(year);
    std::fs::write(&file, &text).unwrap();
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dutydesk"))
            .arg("load-holidays")
            .arg(&file)
            .args(extra)
            .env("DATABASE_URL", &app.db_url)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("{year}: loaded 14 days")), "{said}");
    assert!(said.contains("TEST FIXTURE"), "{said}");
    let oct1 = NaiveDate::from_ymd_opt(year, 10, 1).unwrap();
    let cal: Value = app
        .get(
            &format!("/api/v1/calendar?from={oct1}&to={oct1}"),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cal["days"][0]["kind"], "holiday");
    assert_eq!(cal["days"][0]["source"], "statutory");
    assert_eq!(cal["years_without_holiday_data"], json!([]));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM statutory_years WHERE year = {year} AND fixture"
        ))
        .await,
        1
    );
    // Again: unchanged. Other days for the same year: refused unless --replace, nothing written.
    let out = run(&[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("unchanged"));
    let changed = text.replace(&format!("{year}-01-01"), &format!("{year}-01-02"));
    std::fs::write(&file, changed).unwrap();
    let out = run(&[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--replace"));
    let jan = |d: u32| NaiveDate::from_ymd_opt(year, 1, d).unwrap();
    let q = |d: NaiveDate| format!("SELECT count(*) AS n FROM statutory_days WHERE day = '{d}'");
    assert_eq!(app.count(&q(jan(1))).await, 1, "kept");
    let out = run(&["--replace"]);
    assert!(out.status.success());
    assert_eq!(app.count(&q(jan(1))).await, 0);
    assert_eq!(app.count(&q(jan(2))).await, 1);
    // A bad file says why.
    std::fs::write(
        &file,
        r#"{"source":"x","years":{"2031":[{"name":"元旦","off":["2030-12-31"]}]}}"#,
    )
    .unwrap();
    let out = run(&[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not in 2031"));
    let _ = std::fs::remove_file(&file);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_rotation_state_is_an_error_not_a_fresh_start_r11() {
    let app = spawn_app().await;
    let _h = hall(&app).await;
    let mon = plain_weeks(&app, 2).await;
    let first = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    app.exec(&format!(
        "UPDATE rosters SET end_state = '{{\"rounds\": 5}}' WHERE id = '{}'",
        first["id"].as_str().unwrap()
    ))
    .await;
    let r = app
        .post(
            "/api/v1/rosters",
            &app.admin_token,
            &json!({"start": plus(mon, 7), "end": plus(mon, 11)}),
        )
        .await;
    assert_problem(r, 500, "rotation_state_corrupt").await;
    assert_eq!(app.count("SELECT count(*) AS n FROM rosters").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn days_below_the_minimum_on_duty_are_published_only_when_confirmed_each_r10() {
    let app = spawn_app().await;
    let _h = hall(&app).await;
    // Seven a day, with six supervisors in the hall: every day is one short.
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/rotation",
            Some(&app.admin_token),
        )
        .json(&json!({"unit": "day", "supervisors_per_day": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mon = plain_weeks(&app, 1).await;
    let r = roster(&app, &plus(mon, 0), &plus(mon, 4)).await;
    assert_eq!(r["shortfalls"].as_array().unwrap().len(), 5);
    let path = format!("/api/v1/rosters/{}/publish", r["id"].as_str().unwrap());
    let p = assert_problem(
        app.post(&path, &app.admin_token, &json!({})).await,
        422,
        "below_minimum",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains(&plus(mon, 4)));
    let four: Vec<String> = (0..4).map(|i| plus(mon, i)).collect();
    let p = assert_problem(
        app.post(
            &path,
            &app.admin_token,
            &json!({"confirm_short_days": four}),
        )
        .await,
        422,
        "below_minimum",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "confirm_short_days");
    assert!(p["detail"].as_str().unwrap().contains(&plus(mon, 4)));
    assert!(!p["detail"].as_str().unwrap().contains(&plus(mon, 0)));
    let all: Vec<String> = (0..5).map(|i| plus(mon, i)).collect();
    let ok = app
        .post(&path, &app.admin_token, &json!({"confirm_short_days": all}))
        .await;
    assert_eq!(ok.status(), 200);
    let v: Value = ok.json().await.unwrap();
    assert_eq!(v["confirmed_short_days"], json!(all));
    // The center has no second minimum setting any more.
    let c: Value = app
        .get("/api/v1/centers/current", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert!(c.get("min_on_duty").is_none(), "{c}");
}
