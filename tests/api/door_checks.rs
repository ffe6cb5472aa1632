//! Door and closing checks (R7): the center's list, when each item is due (the day's hours, the
//! closing lead, the grace period), who records them (the day's supervisors after
//! substitutions), missing/late/early/needs-review, retries, and the office's amendments.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::{Value, json};

mod items;
mod office;

fn at(date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    Shanghai
        .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap()))
        .unwrap()
        .with_timezone(&Utc)
}

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

fn path(date: NaiveDate) -> String {
    format!("/api/v1/duty-days/{date}/door-checks")
}

/// A published week with `per_day` supervisors a day; the hall's hours 08:30–17:30, duty until
/// 18:00, the security door closed 10 minutes before closing, two hours' grace.
async fn doors_week(app: &TestApp, per_day: i32) -> (Hall, NaiveDate, Vec<String>, Value) {
    let week = duty_week(app, per_day).await;
    app.exec(
        "UPDATE centers SET closing_time = '17:30', duty_end_time = '18:00', \
         closing_lead_minutes = 10, duty_grace_minutes = 120",
    )
    .await;
    week
}

async fn record(app: &TestApp, date: NaiveDate, token: &str, body: Value) -> reqwest::Response {
    app.post(&path(date), token, &body).await
}

async fn recorded(app: &TestApp, date: NaiveDate, token: &str, item: &str) -> Value {
    let r = record(app, date, token, json!({"item": item})).await;
    assert_eq!(r.status(), 201, "record {item}");
    r.json().await.unwrap()
}

async fn day(app: &TestApp, date: NaiveDate, token: &str) -> Value {
    let r = app.get(&path(date), token).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn item<'a>(d: &'a Value, code: &str) -> &'a Value {
    d["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {d}"))
}

fn codes(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect()
}

async fn put_items(
    app: &TestApp,
    token: &str,
    etag: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/door-check-items",
            Some(token),
        )
        .json(&body);
    if let Some(e) = etag {
        r = r.header("If-Match", e);
    }
    r.send().await.unwrap()
}

/// The default list as a PUT body, without `drop` and with `extra` items appended.
fn list_body(items: &Value, drop: &str, extra: &[Value]) -> Value {
    let mut out: Vec<Value> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["code"] != drop && i["active"] == true)
        .map(|i| json!({"code": i["code"], "name_zh": i["name_zh"], "name_en": i["name_en"], "due": i["due"]}))
        .collect();
    out.extend(extra.iter().cloned());
    json!({"items": out})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_item_is_due_by_its_rule_and_the_day_shows_missing_late_and_early_r7() {
    let app = spawn_app().await;
    let (h, mon, on, _) = doors_week(&app, 2).await;
    // Before the opening: the security door opened, on time.
    app.clock.set(at(mon, 8, 25));
    let opened = recorded(&app, mon, h.token(&on[0]), "security_door_opened").await;
    assert_eq!(instant(&opened["due_at"]), at(mon, 8, 30));
    assert_eq!(opened["recorded_by"], h.id(&on[0]));
    assert_eq!(opened["recorded_by_name"], format!("员工 {}", on[0]));
    assert_eq!(
        (opened["early"].as_bool(), opened["late"].as_bool()),
        (Some(false), Some(false))
    );
    // At noon nothing else is due yet: pending, not missing.
    app.clock.set(at(mon, 12, 0));
    let noon = day(&app, mon, h.token("w1")).await;
    assert_eq!(noon["working"], true);
    assert_eq!(noon["summary"]["expected"], 7);
    assert_eq!(noon["summary"]["recorded"], 1);
    assert_eq!(noon["summary"]["missing"], json!([]));
    assert_eq!(item(&noon, "security_door_closed")["status"], "pending");
    assert_eq!(
        instant(&item(&noon, "security_door_closed")["due_at"]),
        at(mon, 17, 20)
    );
    assert_eq!(
        instant(&item(&noon, "main_gate_closed")["due_at"]),
        at(mon, 18, 0)
    );
    // 17:05 is before closing − 2 × lead (17:10): accepted, flagged early.
    app.clock.set(at(mon, 17, 5));
    let closed = recorded(&app, mon, h.token(&on[1]), "security_door_closed").await;
    assert_eq!(
        (closed["early"].as_bool(), closed["late"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(closed["recorded_by"], h.id(&on[1]));
    // An after-closing item before the closing is early; after it, on time; after the duty end, late.
    app.clock.set(at(mon, 17, 25));
    assert_eq!(
        recorded(&app, mon, h.token(&on[0]), "lights_off").await["early"],
        true
    );
    app.clock.set(at(mon, 17, 45));
    let w = recorded(&app, mon, h.token(&on[1]), "water_dispensers_off").await;
    assert_eq!(
        (w["early"].as_bool(), w["late"].as_bool()),
        (Some(false), Some(false))
    );
    app.clock.set(at(mon, 18, 5));
    let late = recorded(&app, mon, h.token(&on[0]), "other_power_off").await;
    assert_eq!(
        (late["late"].as_bool(), late["needs_review"].as_bool()),
        (Some(true), Some(false))
    );
    // 18:10: the two items nobody recorded are missing.
    app.clock.set(at(mon, 18, 10));
    let d = day(&app, mon, &app.admin_token).await;
    assert_eq!(
        codes(&d["summary"]["missing"]),
        ["glass_doors_windows_shut", "main_gate_closed"]
    );
    assert_eq!(codes(&d["summary"]["late"]), ["other_power_off"]);
    assert_eq!(
        codes(&d["summary"]["early"]),
        ["security_door_closed", "lights_off"]
    );
    assert_eq!(d["summary"]["recorded"], 5);
    assert_eq!(item(&d, "main_gate_closed")["status"], "missing");
    assert_eq!(item(&d, "main_gate_closed")["record"], Value::Null);
    assert_eq!(
        item(&d, "lights_off")["record"]["recorded_by_name"],
        format!("员工 {}", on[0])
    );
    // The duty-day view carries the same summary.
    let view: Value = app
        .get(&format!("/api/v1/duty-days/{mon}"), h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["door_checks"], d["summary"]);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'door_check' AND action = 'recorded'")
            .await,
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_days_supervisors_record_and_a_substitute_takes_the_day_over() {
    let app = spawn_app().await;
    let (h, mon, on, roster) = doors_week(&app, 1).await;
    app.clock.set(at(mon, 8, 20));
    let off = ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2"]
        .into_iter()
        .find(|n| *n != on[0])
        .unwrap();
    for token in [h.token(off), h.token("w1"), app.admin_token.as_str()] {
        assert_problem(
            record(&app, mon, token, json!({"item": "security_door_opened"})).await,
            403,
            "not_on_duty",
        )
        .await;
    }
    // The original supervisor hands the day to a substitute.
    let a = roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["date"] == mon.to_string())
        .unwrap();
    let s: Value = app
        .post(
            "/api/v1/substitutions",
            h.token(&on[0]),
            &json!({"assignment_id": a["id"], "substitute_id": h.id(off), "reason": "家中有事"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .post(
            &format!("/api/v1/substitutions/{}/accept", s["id"].as_str().unwrap()),
            h.token(off),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_problem(
        record(
            &app,
            mon,
            h.token(&on[0]),
            json!({"item": "security_door_opened"}),
        )
        .await,
        403,
        "not_on_duty",
    )
    .await;
    let c = recorded(&app, mon, h.token(off), "security_door_opened").await;
    assert_eq!(c["recorded_by"], h.id(off));
    assert_eq!(c["assignment_id"], a["id"]);
    assert_eq!(app.count("SELECT count(*) AS n FROM door_checks").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_record_per_item_retries_replay_and_offline_records_are_reviewed() {
    let app = spawn_app().await;
    let (h, mon, on, _) = doors_week(&app, 2).await;
    app.clock.set(at(mon, 17, 15));
    let send = |key: &'static str| {
        app.req(reqwest::Method::POST, &path(mon), Some(h.token(&on[0])))
            .header("Idempotency-Key", key)
            .json(&json!({"item": "security_door_closed", "note": "已请保安关门"}))
            .send()
    };
    let first = send("door-1").await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["note"], "已请保安关门");
    let replay = send("door-1").await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.json::<Value>().await.unwrap(), first);
    // The other supervisor records the same item: 409, in Chinese when asked.
    let v = assert_problem(
        record(
            &app,
            mon,
            h.token(&on[1]),
            json!({"item": "security_door_closed"}),
        )
        .await,
        409,
        "door_check_already_recorded",
    )
    .await;
    assert!(
        v["detail"].as_str().unwrap().contains("already recorded"),
        "{v}"
    );
    let zh = app
        .req(reqwest::Method::POST, &path(mon), Some(h.token(&on[1])))
        .header("Accept-Language", "zh-CN,zh;q=0.9")
        .json(&json!({"item": "security_door_closed"}))
        .send()
        .await
        .unwrap();
    let v = assert_problem(zh, 409, "door_check_already_recorded").await;
    assert!(v["detail"].as_str().unwrap().contains("已有记录"), "{v}");
    assert_eq!(app.count("SELECT count(*) AS n FROM door_checks").await, 1);
    // Seen at 08:25 on the phone, received at 09:00: late, for the office to review.
    app.clock.set(at(mon, 17, 20));
    let r = record(
        &app,
        mon,
        h.token(&on[1]),
        json!({"item": "security_door_opened", "observed_at": format!("{mon}T08:25:00+08:00")}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let o: Value = r.json().await.unwrap();
    // Waited more than 4 hours on the phone: simply late.
    assert_eq!(
        (o["late"].as_bool(), o["needs_review"].as_bool()),
        (Some(true), Some(false))
    );
    app.clock.set(at(mon, 18, 30));
    let r = record(
        &app,
        mon,
        h.token(&on[1]),
        json!({"item": "main_gate_closed", "observed_at": format!("{mon}T17:58:00+08:00")}),
    )
    .await;
    let g: Value = r.json().await.unwrap();
    assert_eq!(
        (g["late"].as_bool(), g["needs_review"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(instant(&g["observed_at"]), at(mon, 17, 58));
    let d = day(&app, mon, h.token("w1")).await;
    assert_eq!(codes(&d["summary"]["needs_review"]), ["main_gate_closed"]);
    // Plausible times only.
    assert_problem(
        record(
            &app,
            mon,
            h.token(&on[1]),
            json!({"item": "lights_off", "observed_at": format!("{mon}T18:45:00+08:00")}),
        )
        .await,
        422,
        "observed_in_future",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dates_own_hours_move_the_due_times_r9() {
    let app = spawn_app().await;
    let (h, mon, on, _) = doors_week(&app, 2).await;
    let r = app
        .req(reqwest::Method::PUT, &format!("/api/v1/calendar/{mon}/hours"), Some(&app.admin_token))
        .json(&json!({"opening_time": "09:00:00", "closing_time": "20:00:00", "reason": "社保集中办理活动延时"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.clock.set(at(mon, 8, 0));
    let d = day(&app, mon, h.token("w1")).await;
    assert_eq!(
        instant(&item(&d, "security_door_opened")["due_at"]),
        at(mon, 9, 0)
    );
    assert_eq!(
        instant(&item(&d, "security_door_closed")["due_at"]),
        at(mon, 19, 50)
    );
    // The duty runs to the later closing: after-closing items are due at 20:00.
    assert_eq!(
        instant(&item(&d, "main_gate_closed")["due_at"]),
        at(mon, 20, 0)
    );
    // 18:30 would be after the center's closing, but is before this day's: early.
    app.clock.set(at(mon, 18, 30));
    let g = recorded(&app, mon, h.token(&on[0]), "main_gate_closed").await;
    assert_eq!(
        (g["early"].as_bool(), g["late"].as_bool()),
        (Some(true), Some(false))
    );
    // And the day stays writable until 20:00 + 2 hours.
    app.clock.set(at(mon, 21, 55));
    let l = recorded(&app, mon, h.token(&on[1]), "lights_off").await;
    assert_eq!(l["late"], true);
}
