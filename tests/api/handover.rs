//! The handover (R8, R12): the day's supervisors hand the desk sign and badge to the next
//! working day's duty (after substitutions), listing the pending matters and their notes; any of
//! the next day's supervisors confirms item by item; the office sees what is unconfirmed.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use reqwest::Method;
use serde_json::{Value, json};

mod office;
mod timing;

/// Sets the app's clock to `h:m` on `date` in the center's zone (Asia/Shanghai).
fn set_clock(app: &TestApp, date: NaiveDate, h: u32, m: u32) {
    let local = date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap());
    app.clock.set(
        Shanghai
            .from_local_datetime(&local)
            .unwrap()
            .with_timezone(&Utc),
    );
}

/// True when `t` (RFC 3339) is within a minute after `h:m` on `date`: the app's clock runs on
/// from where a test sets it.
fn about(t: &Value, date: NaiveDate, h: u32, m: u32) -> bool {
    let t: chrono::DateTime<Utc> = t.as_str().unwrap().parse().unwrap();
    let at = local(date, h, m);
    at <= t && t < at + Duration::minutes(1)
}

/// The instant `h:m` on `date` in the center's zone.
fn local(date: NaiveDate, h: u32, m: u32) -> chrono::DateTime<Utc> {
    Shanghai
        .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()))
        .unwrap()
        .with_timezone(&Utc)
}

/// A hall open 08:30–17:30 (duty until 18:00, 120 minutes' grace) with two supervisors a day,
/// two plain weeks from the returned Monday, the second Monday made a holiday by the office, and
/// a roster published from the first Monday for `days` days. The Friday of the first week hands
/// over to the Tuesday after (a weekend and a holiday between).
async fn setup(app: &TestApp, days: i64) -> (Hall, NaiveDate, Value) {
    let h = hall(app).await;
    app.exec(
        "UPDATE centers SET opening_time = '08:30', closing_time = '17:30', \
         duty_end_time = '18:00', duty_grace_minutes = 120",
    )
    .await;
    let r = app
        .req(Method::PUT, "/api/v1/rotation", Some(&app.admin_token))
        .json(
            &json!({"unit": "day", "supervisors_per_day": 2, "substitutions_need_approval": false}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mon = plain_weeks(app, 2).await;
    let r = app
        .req(
            Method::PUT,
            &format!("/api/v1/calendar/days/{}", plus(mon, 7)),
            Some(&app.admin_token),
        )
        .json(&json!({"kind": "holiday", "name": "测试假日"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let roster = published(app, &plus(mon, 0), &plus(mon, days - 1)).await;
    (h, mon, roster)
}

/// The employee numbers on duty on `date` as published.
fn on(h: &Hall, roster: &Value, date: NaiveDate) -> Vec<String> {
    roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["date"] == date.to_string())
        .map(|a| h.no_of(a["staff_id"].as_str().unwrap()))
        .collect()
}

/// The published assignment of `no` on `date`.
fn duty_of(h: &Hall, roster: &Value, date: NaiveDate, no: &str) -> String {
    roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["date"] == date.to_string() && a["staff_id"] == h.id(no))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Supervisors on duty on none of `days`.
fn off(h: &Hall, roster: &Value, days: &[NaiveDate]) -> Vec<String> {
    ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2"]
        .into_iter()
        .filter(|n| {
            days.iter()
                .all(|d| !on(h, roster, *d).iter().any(|o| o == n))
        })
        .map(str::to_owned)
        .collect()
}

/// `sub` takes over `no`'s duty on `date` (filed, accepted).
async fn substitute(app: &TestApp, h: &Hall, roster: &Value, date: NaiveDate, no: &str, sub: &str) {
    let s: Value = app
        .post(
            "/api/v1/substitutions",
            h.token(no),
            &json!({"assignment_id": duty_of(h, roster, date, no), "substitute_id": h.id(sub), "reason": "家中有事"}),
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
    assert_eq!(r.status(), 200, "substitution accepted");
}

fn give_path(date: NaiveDate) -> String {
    format!("/api/v1/duty-days/{date}/handover")
}

async fn give(app: &TestApp, date: NaiveDate, token: &str, notes: Value) -> reqwest::Response {
    app.post(&give_path(date), token, &json!({"notes": notes}))
        .await
}

async fn confirm(app: &TestApp, id: &str, token: &str, items: Vec<Value>) -> reqwest::Response {
    app.post(
        &format!("/api/v1/handovers/{id}/confirm"),
        token,
        &json!({"items": items}),
    )
    .await
}

fn item_ids(h: &Value) -> Vec<Value> {
    h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect()
}

async fn json_of(app: &TestApp, path: &str, token: &str) -> Value {
    let r = app.get(path, token).await;
    assert_eq!(r.status(), 200, "GET {path}");
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn friday_hands_over_past_the_weekend_and_a_holiday_and_tuesday_confirms_item_by_item_r8_r12()
{
    let app = spawn_app().await;
    let (h, mon, roster) = setup(&app, 12).await;
    let (fri, tue) = (mon + Duration::days(4), mon + Duration::days(8));
    let (givers, receivers) = (on(&h, &roster, fri), on(&h, &roster, tue));
    assert_eq!((givers.len(), receivers.len()), (2, 2));
    set_clock(&app, fri, 16, 0);
    let r = give(
        &app,
        fri,
        h.token(&givers[0]),
        json!(["3号窗口打印机卡纸，已报修", "  下周二上午社保局来检查  "]),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let made: Value = r.json().await.unwrap();
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/handovers/{id}"));
    assert_eq!(made["date"], fri.to_string());
    assert_eq!(
        made["to_date"],
        tue.to_string(),
        "weekend and holiday skipped"
    );
    assert_eq!(made["made_by"], h.id(&givers[0]));
    assert_eq!(made["made_by_name"], format!("员工 {}", givers[0]));
    assert_eq!(made["on_time"], true);
    let due: chrono::DateTime<Utc> = made["due_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(due, local(fri, 17, 30));
    assert_eq!(made["status"], "unconfirmed");
    assert_eq!(
        (
            made["items_total"].as_i64(),
            made["items_confirmed"].as_i64()
        ),
        (Some(4), Some(0))
    );
    let kinds: Vec<&str> = made["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["desk_sign", "badge", "note", "note"]);
    assert_eq!(made["items"][0]["summary"], Value::Null);
    assert_eq!(made["items"][3]["summary"], "下周二上午社保局来检查");
    let mut got: Vec<&str> = made["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["staff_id"].as_str().unwrap())
        .collect();
    let mut want: Vec<&str> = receivers.iter().map(|n| h.id(n)).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    // One handover a day: the other supervisor of the day is told it exists.
    let v = assert_problem(
        give(&app, fri, h.token(&givers[1]), json!([])).await,
        409,
        "handover_exists",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains(&id));
    // Before confirmation the day's other supervisor replaces the notes (If-Match honoured).
    let notes = format!("/api/v1/handovers/{id}/notes");
    let put = |tag: &'static str, body: Value| {
        app.req(Method::PUT, &notes, Some(h.token(&givers[1])))
            .header("If-Match", tag)
            .json(&body)
            .send()
    };
    let r = put("\"1\"", json!({"notes": ["3号窗口打印机已修好，无遗留"]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let made: Value = r.json().await.unwrap();
    assert_eq!(made["items_total"], 3);
    assert_eq!(made["items"][2]["summary"], "3号窗口打印机已修好，无遗留");
    assert_eq!(made["items"][2]["position"], 3);
    assert_problem(
        put("\"1\"", json!({"notes": []})).await.unwrap(),
        412,
        "stale_etag",
    )
    .await;
    // Both days show it: given on Friday, received on Tuesday.
    let day: Value = json_of(&app, &give_path(fri), h.token(&givers[1])).await;
    assert_eq!(day["given"]["id"], id.as_str());
    assert_eq!(day["received"], Value::Null);
    let day: Value = json_of(&app, &give_path(tue), h.token(&receivers[0])).await;
    assert_eq!(day["received"]["id"], id.as_str());
    assert_eq!(day["given"], Value::Null);
    let view = json_of(&app, &format!("/api/v1/duty-days/{fri}"), &app.admin_token).await;
    assert_eq!(
        view["handover"]["given"],
        json!({"id": id, "status": "unconfirmed", "on_time": true, "items_confirmed": 0, "items_total": 3})
    );
    assert_eq!(view["handover"]["received"], Value::Null);

    // Tuesday morning: one receiver confirms the desk sign and badge, the other the rest.
    set_clock(&app, tue, 8, 10);
    let ids = item_ids(&made);
    let r = confirm(&app, &id, h.token(&receivers[0]), ids[0..2].to_vec()).await;
    assert_eq!(r.status(), 200);
    let part: Value = r.json().await.unwrap();
    assert_eq!(part["status"], "unconfirmed");
    assert_eq!(part["items_confirmed"], 2);
    assert_eq!(part["confirmed_at"], Value::Null);
    assert_eq!(part["items"][1]["confirmed_by"], h.id(&receivers[0]));
    assert_eq!(
        part["items"][1]["confirmed_by_name"],
        format!("员工 {}", receivers[0])
    );
    assert_eq!(part["items"][2]["confirmed"], false);
    let view = json_of(
        &app,
        &format!("/api/v1/duty-days/{tue}"),
        h.token(&receivers[1]),
    )
    .await;
    assert_eq!(view["handover"]["received"]["items_confirmed"], 2);
    assert_eq!(view["handover"]["received"]["status"], "unconfirmed");
    // The desk sign again (a no-op for it) with the note.
    set_clock(&app, tue, 8, 20);
    let r = confirm(
        &app,
        &id,
        h.token(&receivers[1]),
        vec![ids[0].clone(), ids[2].clone()],
    )
    .await;
    assert_eq!(r.status(), 200);
    let full: Value = r.json().await.unwrap();
    assert_eq!(full["status"], "confirmed");
    assert_eq!(full["items_confirmed"], 3);
    assert!(about(&full["confirmed_at"], tue, 8, 20));
    assert_eq!(
        full["items"][0]["confirmed_by"],
        h.id(&receivers[0]),
        "first confirmer kept"
    );
    assert!(about(&full["items"][0]["confirmed_at"], tue, 8, 10));
    assert_eq!(full["items"][2]["confirmed_by"], h.id(&receivers[1]));
    // Confirming everything again changes nothing.
    let again: Value = confirm(&app, &id, h.token(&receivers[1]), ids.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, full);
    let one = app
        .get(&format!("/api/v1/handovers/{id}"), &app.admin_token)
        .await;
    assert_eq!(one.headers()["etag"], format!("\"{}\"", full["version"]));
    assert_eq!(one.json::<Value>().await.unwrap(), full);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM handover_items WHERE handover_id = '{id}' AND confirmed_by IS NOT NULL"
        ))
        .await,
        3
    );
    for (action, n) in [("handed_over", 1), ("notes_replaced", 1), ("confirmed", 2)] {
        assert_eq!(
            app.count(&format!(
                "SELECT count(*) AS n FROM audit_events WHERE entity_type = 'handover' AND action = '{action}'"
            ))
            .await,
            n,
            "{action}"
        );
    }
    // Notes can no longer be replaced once receipt is confirmed... and Friday is closed anyway.
    assert_problem(
        put("\"4\"", json!({"notes": []})).await.unwrap(),
        409,
        "duty_day_closed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn powers_follow_the_roster_after_substitutions_on_both_days_r6_r12() {
    let app = spawn_app().await;
    let (h, mon, roster) = setup(&app, 12).await;
    let (fri, tue) = (mon + Duration::days(4), mon + Duration::days(8));
    let (givers, receivers) = (on(&h, &roster, fri), on(&h, &roster, tue));
    let free = off(&h, &roster, &[fri, tue]);
    assert!(free.len() >= 2, "{free:?}");
    // Before the days: givers[0] hands Friday to free[0], receivers[0] hands Tuesday to free[1].
    substitute(&app, &h, &roster, fri, &givers[0], &free[0]).await;
    substitute(&app, &h, &roster, tue, &receivers[0], &free[1]).await;
    set_clock(&app, fri, 15, 0);
    // The original lost the day; someone on duty neither day, window staff: 403.
    for token in [h.token(&givers[0]), h.token(&free[1]), h.token("w1")] {
        assert_problem(give(&app, fri, token, json!([])).await, 403, "not_on_duty").await;
    }
    let r = give(&app, fri, h.token(&free[0]), json!([])).await;
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    let id = made["id"].as_str().unwrap();
    assert_eq!(made["made_by"], h.id(&free[0]));
    let receiving: Vec<&str> = made["receivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["staff_id"].as_str().unwrap())
        .collect();
    assert!(receiving.contains(&h.id(&free[1])) && !receiving.contains(&h.id(&receivers[0])));
    // Window staff read nothing of it.
    for path in [
        format!("/api/v1/handovers/{id}"),
        give_path(fri),
        format!("/api/v1/handovers?from={fri}&to={tue}"),
    ] {
        assert_problem(app.get(&path, h.token("w1")).await, 403, "forbidden").await;
    }
    // Tuesday: the original receiver and a Friday supervisor may not confirm; the substitute may.
    set_clock(&app, tue, 8, 0);
    let ids = item_ids(&made);
    for token in [h.token(&receivers[0]), h.token(&givers[1]), h.token("w1")] {
        assert_problem(
            confirm(&app, id, token, ids.clone()).await,
            403,
            "not_on_duty",
        )
        .await;
    }
    let v = assert_problem(
        confirm(&app, id, h.token(&free[1]), vec![json!(made["id"])]).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "items[0]");
    assert_eq!(v["errors"][0]["code"], "unknown");
    assert_problem(
        confirm(&app, id, h.token(&free[1]), vec![]).await,
        400,
        "validation_failed",
    )
    .await;
    let r = confirm(&app, id, h.token(&free[1]), ids).await;
    assert_eq!(r.status(), 200);
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["status"], "confirmed");
    assert_eq!(done["items"][0]["confirmed_by"], h.id(&free[1]));
    // After the receiving day's grace period, no more confirmations.
    set_clock(&app, tue, 20, 1);
    assert_problem(
        confirm(&app, id, h.token(&receivers[1]), item_ids(&made)).await,
        409,
        "duty_day_closed",
    )
    .await;
}
