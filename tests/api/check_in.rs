//! Check-in on the duty day (R7): the roster gives the day's powers (after substitutions), the
//! server's clock decides on-time, offline records are flagged for review, retries replay.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::{Value, json};

fn path(date: NaiveDate) -> String {
    format!("/api/v1/duty-days/{date}/check-in")
}

async fn check_in(app: &TestApp, date: NaiveDate, token: &str, body: Value) -> reqwest::Response {
    app.post(&path(date), token, &body).await
}

async fn day(app: &TestApp, date: NaiveDate, token: &str) -> Value {
    app.get(&format!("/api/v1/duty-days/{date}"), token)
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_supervisors_check_in_on_time_and_late_by_the_servers_clock() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    // 08:05:30: due at 08:20, so 14 whole minutes early.
    set_clock(&app, mon, 8, 5, 30);
    let r = check_in(
        &app,
        mon,
        h.token(&on[0]),
        json!({"note": "到岗，已请保安开门"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["staff_id"], h.id(&on[0]));
    assert_eq!(first["staff_name"], format!("员工 {}", on[0]));
    assert_eq!(first["date"], mon.to_string());
    assert_eq!(first["on_time"], true);
    assert_eq!(first["minutes_early_or_late"], -14);
    assert_eq!(first["needs_review"], false);
    assert_eq!(first["observed_at"], Value::Null);
    assert_eq!(first["note"], "到岗，已请保安开门");
    let due = Shanghai
        .from_local_datetime(&mon.and_time(NaiveTime::from_hms_opt(8, 20, 0).unwrap()))
        .unwrap()
        .with_timezone(&Utc);
    let got: chrono::DateTime<Utc> = first["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(got, due);
    // 08:39:30: 19.5 minutes after the due time counts as 20 minutes late.
    set_clock(&app, mon, 8, 39, 30);
    let second: Value = check_in(&app, mon, h.token(&on[1]), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["staff_id"], h.id(&on[1]));
    assert_eq!(second["on_time"], false);
    assert_eq!(second["minutes_early_or_late"], 20);
    assert_eq!(second["needs_review"], false);
    // Once a day each.
    let again = assert_problem(
        check_in(&app, mon, h.token(&on[0]), json!({})).await,
        409,
        "already_checked_in",
    )
    .await;
    assert!(
        again["detail"]
            .as_str()
            .unwrap()
            .contains("already checked in")
    );
    // The day shows both, beside the names; audited once each.
    let d = day(&app, mon, h.token("w1")).await;
    for (i, who) in on.iter().enumerate() {
        let entry = d["on_duty"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["staff_id"] == h.id(who))
            .unwrap();
        let c = &entry["check_in"];
        assert_eq!(c["staff_name"], format!("员工 {who}"));
        assert_eq!(c["on_time"], i == 0);
    }
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'duty_check_in' AND action = 'checked_in'")
            .await,
        2
    );
    // A date other than the center's today is refused, even for its supervisors.
    let tue_on: Vec<String> = day(&app, mon + Duration::days(1), &app.admin_token).await["on_duty"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| h.no_of(e["staff_id"].as_str().unwrap()))
        .collect();
    let v = assert_problem(
        check_in(
            &app,
            mon + Duration::days(1),
            h.token(&tue_on[0]),
            json!({}),
        )
        .await,
        422,
        "check_in_not_today",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains(&mon.to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_days_supervisors_check_in_and_refusals_speak_chinese() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    set_clock(&app, mon, 8, 10, 0);
    let off = ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2"]
        .into_iter()
        .find(|n| !on.iter().any(|o| o == n))
        .unwrap();
    // A supervisor not on duty today, window staff, the office admin: 403 not_on_duty.
    for token in [h.token(off), h.token("w1"), app.admin_token.as_str()] {
        assert_problem(
            check_in(&app, mon, token, json!({})).await,
            403,
            "not_on_duty",
        )
        .await;
    }
    let zh = app
        .req(reqwest::Method::POST, &path(mon), Some(h.token(off)))
        .header("Accept-Language", "zh-CN,zh;q=0.9")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let v = assert_problem(zh, 403, "not_on_duty").await;
    assert!(v["detail"].as_str().unwrap().contains("值班督导员"), "{v}");
    // Nothing was written; the day shows no check-ins yet.
    let d = day(&app, mon, h.token(off)).await;
    assert!(
        d["on_duty"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["check_in"].is_null())
    );
    // Bad input: not a timestamp, an unknown field.
    let v = assert_problem(
        check_in(&app, mon, h.token(&on[0]), json!({"observed_at": "08:15"})).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "observed_at");
    assert_problem(
        check_in(&app, mon, h.token(&on[0]), json!({"at": "now"})).await,
        400,
        "unknown_field",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substitute_gains_the_day_and_the_original_loses_it() {
    let app = spawn_app().await;
    let (h, mon, on, roster) = duty_week(&app, 1).await;
    let a = roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["date"] == mon.to_string())
        .unwrap();
    let sub = ["d3-2", "d3-1", "d2-2"]
        .into_iter()
        .find(|n| *n != on[0])
        .unwrap();
    let s: Value = app
        .post(
            "/api/v1/substitutions",
            h.token(&on[0]),
            &json!({"assignment_id": a["id"], "substitute_id": h.id(sub), "reason": "家中有事"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .post(
            &format!("/api/v1/substitutions/{}/accept", s["id"].as_str().unwrap()),
            h.token(sub),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    set_clock(&app, mon, 8, 0, 0);
    assert_problem(
        check_in(&app, mon, h.token(&on[0]), json!({})).await,
        403,
        "not_on_duty",
    )
    .await;
    let r = check_in(&app, mon, h.token(sub), json!({})).await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["staff_id"], h.id(sub));
    assert_eq!(c["assignment_id"], a["id"]);
    let today = day(&app, mon, &app.admin_token).await;
    let entry = &today["on_duty"][0];
    assert_eq!(entry["substitute"], true);
    assert_eq!(entry["staff_id"], h.id(sub));
    assert_eq!(entry["check_in"]["staff_name"], format!("员工 {sub}"));
    let via_today: Value = app
        .get("/api/v1/duty-days/today", h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(via_today["on_duty"][0]["check_in"]["id"], c["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_replay_and_offline_records_are_reviewed_not_marked_late() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    set_clock(&app, mon, 8, 12, 0);
    let send = |key: &'static str| {
        app.req(reqwest::Method::POST, &path(mon), Some(h.token(&on[0])))
            .header("Idempotency-Key", key)
            .json(&json!({}))
            .send()
    };
    let first = send("ci-1").await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let replay = send("ci-1").await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.json::<Value>().await.unwrap(), first);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM duty_check_ins").await,
        1
    );
    // The phone saw the arrival at 08:15 (on time) but the network came back at 09:00.
    set_clock(&app, mon, 9, 0, 0);
    let observed = format!("{mon}T08:15:00+08:00");
    // A time ahead of the server, or before the day, is refused.
    let ahead = format!("{mon}T09:10:00+08:00");
    assert_problem(
        check_in(&app, mon, h.token(&on[1]), json!({"observed_at": ahead})).await,
        422,
        "observed_in_future",
    )
    .await;
    let before = format!("{}T23:50:00+08:00", mon - Duration::days(1));
    assert_problem(
        check_in(&app, mon, h.token(&on[1]), json!({"observed_at": before})).await,
        422,
        "observed_before_day",
    )
    .await;
    let r = check_in(&app, mon, h.token(&on[1]), json!({"observed_at": observed})).await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    assert_eq!(c["on_time"], false);
    assert_eq!(c["minutes_early_or_late"], 40);
    assert_eq!(c["needs_review"], true);
    let kept: chrono::DateTime<Utc> = c["observed_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        kept,
        chrono::DateTime::parse_from_rfc3339(&observed).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_in_follows_the_hours_the_office_set_for_the_date_r9_r11() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    let hours = format!("/api/v1/calendar/{mon}/hours");
    let put = |token: &str, body: Value| {
        app.req(reqwest::Method::PUT, &hours, Some(token))
            .json(&body)
            .send()
    };
    let body = json!({"opening_time": "09:00:00", "closing_time": "20:00:00", "reason": "社保集中办理活动延时"});
    // Office admins only; hours must make sense.
    assert_problem(
        put(h.token(&on[0]), body.clone()).await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    let v = assert_problem(
        put(
            &app.admin_token,
            json!({"opening_time": "18:00:00", "closing_time": "09:00:00", "reason": " "}),
        )
        .await
        .unwrap(),
        400,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["closing_time", "reason"]);
    let r = put(&app.admin_token, body.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let set: Value = r.json().await.unwrap();
    assert_eq!(set["overridden"], true);
    assert_eq!(set["opening_time"], "09:00:00");
    assert_eq!(set["reason"], "社保集中办理活动延时");
    // Setting the same again changes nothing.
    assert_eq!(put(&app.admin_token, body).await.unwrap().status(), 200);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'day_hours'")
            .await,
        1
    );
    // Due at 09:00 - 10 min: at 08:45:30 the supervisor is 4 whole minutes early.
    set_clock(&app, mon, 8, 45, 30);
    let c: Value = check_in(&app, mon, h.token(&on[0]), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["on_time"], true);
    assert_eq!(c["minutes_early_or_late"], -4);
    // Removing the date's hours brings back the center's (08:30): the next arrival is late.
    let r = app
        .req(reqwest::Method::DELETE, &hours, Some(&app.admin_token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let back: Value = r.json().await.unwrap();
    assert_eq!(back["overridden"], false);
    assert_eq!(back["opening_time"], "08:30:00");
    assert_eq!(back["reason"], Value::Null);
    let got: Value = app.get(&hours, h.token("w1")).await.json().await.unwrap();
    assert_eq!(got, back);
    let c: Value = check_in(&app, mon, h.token(&on[1]), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["on_time"], false);
    assert_eq!(c["minutes_early_or_late"], 26);
    assert_problem(
        app.req(reqwest::Method::DELETE, &hours, Some(&app.admin_token))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
}
