//! Leader sit-ins over real HTTP (领导坐班, R15, R16): plans and their deadline, weekday
//! patterns, recorded attendance, the weekly compliance report, and the refusals.
//!
//! Weeks are chosen relative to today (in Asia/Shanghai) and checked against the center's
//! calendar, so the tests hold whatever the date they run on.

use crate::helpers::*;
use chrono::{Datelike, Days, NaiveDate};
use reqwest::{Method, Response};
use serde_json::{Value, json};

mod compliance;
mod refusals;

const PLANS: &str = "/api/v1/leader-sit-ins/plans";
const ATTENDANCE: &str = "/api/v1/leader-sit-ins/attendance";

fn today() -> NaiveDate {
    test_today()
}

fn this_monday() -> NaiveDate {
    let t = today();
    t - Days::new(u64::from(t.weekday().num_days_from_monday()))
}

fn day(week: NaiveDate, n: u64) -> String {
    (week + Days::new(n)).to_string()
}

/// Whether each of the week's seven days is a working day, per the center's calendar.
async fn working(app: &TestApp, week: NaiveDate) -> Vec<bool> {
    let path = format!("/api/v1/calendar?from={week}&to={}", day(week, 6));
    let v: Value = app.get(&path, &app.admin_token).await.json().await.unwrap();
    v["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["working"].as_bool().unwrap())
        .collect()
}

/// The first week, `from` or later (`step` weeks at a time), whose Monday–Friday are all
/// working days and whose weekend is off.
async fn plain_week(app: &TestApp, from: NaiveDate, step: i64) -> NaiveDate {
    let mut week = from;
    for _ in 0..20 {
        let w = working(app, week).await;
        if w == [true, true, true, true, true, false, false] {
            return week;
        }
        week = if step > 0 {
            week + Days::new(7 * step.unsigned_abs())
        } else {
            week - Days::new(7 * step.unsigned_abs())
        };
    }
    panic!("no plain week near {from}");
}

/// A plain week whose plans are still on time (default deadline: 7 days before its Monday).
async fn future_week(app: &TestApp) -> NaiveDate {
    plain_week(app, this_monday() + Days::new(14), 1).await
}

/// A plain week that is over (its plans are late, its days may be recorded).
async fn past_week(app: &TestApp) -> NaiveDate {
    plain_week(app, this_monday() - Days::new(7), -1).await
}

/// Creates a staff member of `dept` and makes them a department leader.
async fn leader(app: &TestApp, no: &str, dept: &str) -> (String, String) {
    let (s, token) = app.create_staff(no, &["window_staff"], Some(dept)).await;
    let id = s["id"].as_str().unwrap().to_owned();
    let r = app
        .patch(
            &format!("/api/v1/staff/{id}"),
            &app.admin_token,
            &json!({"leader": true}),
        )
        .await;
    assert_eq!(r.status(), 200, "make {no} a leader");
    (id, token)
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn send(app: &TestApp, m: Method, path: &str, token: &str, body: Option<&Value>) -> Response {
    let mut r = app.req(m, path, Some(token));
    if let Some(b) = body {
        r = r.json(b);
    }
    r.send().await.unwrap()
}

async fn field_codes(r: Response, status: u16, code: &str) -> Vec<(String, String)> {
    let v = assert_problem(r, status, code).await;
    v["errors"]
        .as_array()
        .map(|es| {
            es.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn audits(app: &TestApp, entity: &str, action: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM audit_events WHERE entity_type = '{entity}' AND action = '{action}'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_files_next_weeks_days_on_time_and_may_refile_r15() {
    let app = spawn_app().await;
    let dept = app.create_department("yb", 10).await;
    let (lid, lt) = leader(&app, "yb-head", dept["id"].as_str().unwrap()).await;
    let (_, clerk) = app
        .create_staff("w1", &["window_staff"], dept["id"].as_str())
        .await;
    let week = future_week(&app).await;
    let body = json!({"week": week.to_string(), "days": [day(week, 3), day(week, 1)]});
    let r = app.post(PLANS, &lt, &body).await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(r.headers()["etag"], "\"1\"");
    let p: Value = r.json().await.unwrap();
    assert_eq!(location, format!("{PLANS}/{}", id_of(&p)));
    assert_eq!(p["leader_id"], lid.as_str());
    assert_eq!(p["department_id"], dept["id"]);
    assert_eq!(p["days"], json!([day(week, 1), day(week, 3)]), "sorted");
    assert_eq!(p["late"], false);
    assert_eq!(p["from_pattern"], false);
    assert_eq!(p["deadline"], (week - Days::new(7)).to_string());
    assert_eq!(p["leader_name"], "员工 yb-head");
    // Every role of the center reads the week's plans.
    let list: Value = app
        .get(&format!("{PLANS}?week={week}"), &clerk)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["next_cursor"].is_null());
    let one = app.get(&location, &clerk).await;
    assert_eq!(one.status(), 200);
    // Re-filing replaces the plan: same id, new days, first filing time kept.
    let again = app
        .post(
            PLANS,
            &lt,
            &json!({"week": week.to_string(), "days": [day(week, 4)]}),
        )
        .await;
    assert_eq!(again.status(), 200);
    let q: Value = again.json().await.unwrap();
    assert_eq!(q["id"], p["id"]);
    assert_eq!(q["version"], 2);
    assert_eq!(q["days"], json!([day(week, 4)]));
    assert_eq!(q["first_filed_at"], p["first_filed_at"]);
    assert_eq!(app.count("SELECT count(*) AS n FROM sit_in_plans").await, 1);
    assert_eq!(audits(&app, "sit_in_plan", "filed").await, 1);
    assert_eq!(audits(&app, "sit_in_plan", "refiled").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_plan_is_accepted_and_marked_late_and_the_deadline_is_configurable_r15() {
    let app = spawn_app().await;
    let dept = app.create_department("ldjy", 10).await;
    let (lid, lt) = leader(&app, "ldjy-head", dept["id"].as_str().unwrap()).await;
    let past = past_week(&app).await;
    let r = app
        .post(
            PLANS,
            &lt,
            &json!({"week": past.to_string(), "days": [day(past, 0)]}),
        )
        .await;
    assert_eq!(r.status(), 201, "a late plan is still accepted");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["late"], true);
    // The office may move the deadline: 0 days = by the week's Monday itself.
    let s = app.get("/api/v1/leader-sit-ins/settings", &lt).await;
    assert_eq!(s.headers()["etag"], "\"0\"");
    let v: Value = s.json().await.unwrap();
    assert_eq!(v["deadline_days_before"], 7);
    let path = "/api/v1/leader-sit-ins/settings";
    let body = json!({"deadline_days_before": 0});
    assert_problem(
        send(&app, Method::PUT, path, &lt, Some(&body)).await,
        403,
        "forbidden",
    )
    .await;
    let bad = json!({"deadline_days_before": 29});
    let errs = field_codes(
        send(&app, Method::PUT, path, &app.admin_token, Some(&bad)).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(
        errs,
        [("deadline_days_before".into(), "out_of_range".into())]
    );
    let stale = app
        .req(Method::PUT, path, Some(&app.admin_token))
        .header("If-Match", "\"3\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "stale_etag").await;
    let ok = app
        .req(Method::PUT, path, Some(&app.admin_token))
        .header("If-Match", "\"0\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["etag"], "\"1\"");
    // Next week's Monday is not before today: on time under the new setting.
    let next = this_monday() + Days::new(7);
    let w = working(&app, next).await;
    let d = (0..7).find(|i| w[*i]).expect("a working day next week") as u64;
    let r = app
        .post(
            PLANS,
            &app.admin_token,
            &json!({"week": next.to_string(), "days": [day(next, d)], "leader_id": lid}),
        )
        .await;
    assert_eq!(r.status(), 201, "an office admin files for a leader");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["late"], false);
    assert_eq!(p["deadline"], next.to_string());
    assert_eq!(p["filed_by"], app.admin_id.to_string());
    assert_eq!(audits(&app, "sit_in_settings", "updated").await, 1);
    assert_eq!(audits(&app, "sit_in_plan", "filed").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_without_days_follows_the_leaders_weekday_pattern_r16() {
    let app = spawn_app().await;
    let dept = app.create_department("sb", 10).await;
    let d = dept["id"].as_str().unwrap();
    let (deputy, deputy_t) = leader(&app, "sb-deputy", d).await;
    let (head, head_t) = leader(&app, "sb-head", d).await;
    let (clerk, clerk_t) = app.create_staff("w1", &["window_staff"], Some(d)).await;
    let pattern = |id: &str| format!("/api/v1/leader-sit-ins/patterns/{id}");
    // Deputy head Monday–Wednesday (set by themself), head Thursday–Friday (set by the office).
    let r = send(
        &app,
        Method::PUT,
        &pattern(&deputy),
        &deputy_t,
        Some(&json!({"weekdays": [3, 1, 2]})),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["weekdays"], json!([1, 2, 3]));
    let r = send(
        &app,
        Method::PUT,
        &pattern(&head),
        &app.admin_token,
        Some(&json!({"weekdays": [4, 5]})),
    )
    .await;
    assert_eq!(r.status(), 201);
    // Only the leader or the office; only for leaders; weekdays 1–5 once each.
    let body = json!({"weekdays": [1]});
    assert_problem(
        send(&app, Method::PUT, &pattern(&head), &deputy_t, Some(&body)).await,
        403,
        "forbidden",
    )
    .await;
    let clerk_id = clerk["id"].as_str().unwrap();
    assert_problem(
        send(&app, Method::PUT, &pattern(clerk_id), &clerk_t, Some(&body)).await,
        403,
        "not_a_leader",
    )
    .await;
    assert_problem(
        send(
            &app,
            Method::PUT,
            &pattern(clerk_id),
            &app.admin_token,
            Some(&body),
        )
        .await,
        422,
        "not_a_leader",
    )
    .await;
    let errs = field_codes(
        send(
            &app,
            Method::PUT,
            &pattern(&head),
            &head_t,
            Some(&json!({"weekdays": [0, 6, 4, 4]})),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    let codes: Vec<&str> = errs.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(codes, ["out_of_range", "out_of_range", "duplicate"]);
    // Stale If-Match is refused; the current ETag is accepted.
    let r = app.get(&pattern(&head), &clerk_t).await;
    assert_eq!(r.headers()["etag"], "\"1\"");
    let stale = app
        .req(Method::PUT, &pattern(&head), Some(&head_t))
        .header("If-Match", "\"7\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "stale_etag").await;
    let list: Value = app
        .get("/api/v1/leader-sit-ins/patterns", &clerk_t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // The office closes the Wednesday of a future week: the deputy's plan drops it.
    let week = future_week(&app).await;
    let closure = json!({"kind": "closure", "name": "台风停业"});
    let r = send(
        &app,
        Method::PUT,
        &format!("/api/v1/calendar/days/{}", day(week, 2)),
        &app.admin_token,
        Some(&closure),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(PLANS, &deputy_t, &json!({"week": week.to_string()}))
        .await;
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["days"], json!([day(week, 0), day(week, 1)]));
    assert_eq!(p["from_pattern"], true);
    let p: Value = app
        .post(
            PLANS,
            &head_t,
            &json!({"week": week.to_string(), "days": null}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["days"], json!([day(week, 3), day(week, 4)]));
    // A pattern that gives no working day that week is refused: name the days instead.
    let r = send(
        &app,
        Method::PUT,
        &pattern(&head),
        &head_t,
        Some(&json!({"weekdays": [3]})),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_problem(
        app.post(PLANS, &head_t, &json!({"week": week.to_string()}))
            .await,
        422,
        "pattern_gives_no_day",
    )
    .await;
    // Without a pattern, days are required.
    let r = send(&app, Method::DELETE, &pattern(&head), &head_t, None).await;
    assert_eq!(r.status(), 204);
    let errs = field_codes(
        app.post(PLANS, &head_t, &json!({"week": week.to_string()}))
            .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errs, [("days".into(), "required".into())]);
    assert_problem(
        send(&app, Method::DELETE, &pattern(&head), &head_t, None).await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(audits(&app, "sit_in_pattern", "created").await, 2);
    assert_eq!(audits(&app, "sit_in_pattern", "updated").await, 1);
    assert_eq!(audits(&app, "sit_in_pattern", "deleted").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_records_who_sat_once_per_leader_and_day_r15() {
    let app = spawn_app().await;
    let dept = app.create_department("yb", 10).await;
    let (lid, lt) = leader(&app, "yb-head", dept["id"].as_str().unwrap()).await;
    let week = past_week(&app).await;
    let body = json!({"leader_id": lid, "date": day(week, 1)});
    assert_problem(app.post(ATTENDANCE, &lt, &body).await, 403, "forbidden").await;
    let r = app.post(ATTENDANCE, &app.admin_token, &body).await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["department_id"], dept["id"]);
    assert_eq!(a["date"], day(week, 1));
    // Recording the same day again answers with the record already there.
    let r = app.post(ATTENDANCE, &app.admin_token, &body).await;
    assert_eq!(r.status(), 200);
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["id"], a["id"]);
    assert_eq!(audits(&app, "sit_in_attendance", "recorded").await, 1);
    // Not a working day; not yet come.
    let weekend = json!({"leader_id": lid, "date": day(week, 5)});
    let errs = field_codes(
        app.post(ATTENDANCE, &app.admin_token, &weekend).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errs, [("date".into(), "not_working_day".into())]);
    let future = json!({"leader_id": lid, "date": (today() + Days::new(30)).to_string()});
    assert_problem(
        app.post(ATTENDANCE, &app.admin_token, &future).await,
        422,
        "date_in_future",
    )
    .await;
    let list: Value = app
        .get(&format!("{ATTENDANCE}?week={week}"), &lt)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["leader_name"], "员工 yb-head");
    // A mistaken record is undone.
    let path = format!("{ATTENDANCE}/{}", id_of(&a));
    assert_problem(
        send(&app, Method::DELETE, &path, &lt, None).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        send(&app, Method::DELETE, &path, &app.admin_token, None)
            .await
            .status(),
        204
    );
    assert_problem(
        send(&app, Method::DELETE, &path, &app.admin_token, None).await,
        404,
        "not_found",
    )
    .await;
    let list: Value = app
        .get(&format!("{ATTENDANCE}?week={week}"), &lt)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_eq!(audits(&app, "sit_in_attendance", "deleted").await, 1);
}
