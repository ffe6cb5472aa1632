//! One whole duty day driven through the HTTP API, as the two supervisors on a phone and the
//! office live it: check-in, door checks, a finding with rectification, a fault, the hall's
//! attendance, the log autosaved and submitted before the closing, the handover with its pending
//! matters, the after-hours checks, the office's acknowledgement, and the next day's duty
//! confirming receipt item by item. Every step is read back in `GET /duty-days/{date}`.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};

async fn ok(r: reqwest::Response, status: u16, what: &str) -> Value {
    let s = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(s, status, "{what}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_duty_day_from_check_in_to_confirmed_handover_r4_r5_r7_r8_r12() {
    let app = spawn_app().await;
    let (h, mon, on, roster) = duty_week(&app, 2).await;
    let tue = mon + Duration::days(1);
    let next: Vec<String> = roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["date"] == tue.to_string())
        .map(|a| h.no_of(a["staff_id"].as_str().unwrap()))
        .collect();
    let (a, b) = (h.token(&on[0]), h.token(&on[1]));
    let day = |p: &str| format!("/api/v1/duty-days/{mon}{p}");

    // 08:05 both supervisors arrive; the security door is opened with the guard.
    set_clock(&app, mon, 8, 5, 0);
    for t in [a, b] {
        let c = ok(
            app.post(&day("/check-in"), t, &json!({})).await,
            201,
            "check-in",
        )
        .await;
        assert_eq!(c["on_time"], true);
    }
    let door = |item: &str| json!({"item": item});
    ok(
        app.post(&day("/door-checks"), a, &door("security_door_opened"))
            .await,
        201,
        "door opened",
    )
    .await;

    // 10:00 a finding about a window clerk, to be rectified in 2 working days; a fault.
    set_clock(&app, mon, 10, 0, 0);
    let finding = ok(
        app.post(
            "/api/v1/inspections",
            b,
            &json!({"staff_id": h.id("w1"), "category": "attitude", "result": "problem",
                    "severity": "minor", "description": "对群众态度生硬",
                    "rectify_within_working_days": 2}),
        )
        .await,
        201,
        "inspection",
    )
    .await;
    let fault = ok(
        app.post(
            "/api/v1/facility-faults",
            a,
            &json!({"what": "叫号机黑屏", "location": "一楼大厅", "reported_to": "物业"}),
        )
        .await,
        201,
        "fault",
    )
    .await;

    // 11:00 the hall's attendance in one request.
    set_clock(&app, mon, 11, 0, 0);
    let entries: Vec<Value> = ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2", "w1"]
        .iter()
        .map(|n| match *n {
            "w1" => json!({"staff_id": h.id(n), "status": "late", "minutes": 12}),
            _ => json!({"staff_id": h.id(n), "status": "present"}),
        })
        .collect();
    let sheet = ok(
        app.req(Method::PUT, &day("/attendance"), Some(a))
            .json(&json!({"entries": entries}))
            .send()
            .await
            .unwrap(),
        200,
        "attendance",
    )
    .await;
    assert_eq!(sheet["counts"]["recorded"], 7, "{sheet}");

    // 15:00 the log is autosaved, then completed by the other supervisor with If-Match.
    set_clock(&app, mon, 15, 0, 0);
    let log = json!({"attendance_summary": "前台 7 人到岗，1 人迟到 12 分钟",
                     "service_quality": "办件规范", "service_attitude": "热情",
                     "problems": [{"problem": "窗口人员态度生硬", "resolution": "当场提醒，限期整改"}]});
    let r = app
        .req(Method::PUT, &day("/log"), Some(a))
        .json(&log)
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    ok(r, 201, "log draft").await;
    let mut more = log.clone();
    more["service_attitude"] = json!("热情周到");
    let r = app
        .req(Method::PUT, &day("/log"), Some(b))
        .header("If-Match", etag)
        .json(&more)
        .send()
        .await
        .unwrap();
    ok(r, 200, "log update").await;

    // 17:20 the security door is closed; 17:25 the log is submitted; 17:28 the handover.
    set_clock(&app, mon, 17, 20, 0);
    ok(
        app.post(&day("/door-checks"), b, &door("security_door_closed"))
            .await,
        201,
        "door closed",
    )
    .await;
    set_clock(&app, mon, 17, 25, 0);
    let submitted = ok(
        app.post(&day("/log/submit"), a, &json!({})).await,
        200,
        "submit",
    )
    .await;
    assert_eq!(submitted["submitted_on_time"], true, "{submitted}");
    set_clock(&app, mon, 17, 28, 0);
    let handover = ok(
        app.post(
            &day("/handover"),
            b,
            &json!({"notes": ["窗口 3 号电脑待维修"]}),
        )
        .await,
        201,
        "handover",
    )
    .await;
    assert_eq!(handover["on_time"], true);
    let kinds: Vec<&str> = handover["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["desk_sign", "badge", "problem", "facility_fault", "note"]
    );
    let problem = &handover["items"][2];
    assert_eq!(problem["ref_id"], finding["id"]);
    assert_eq!(handover["items"][3]["ref_id"], fault["id"]);

    // 17:40 after hours: power, doors and windows, the main gate.
    set_clock(&app, mon, 17, 40, 0);
    for item in [
        "lights_off",
        "water_dispensers_off",
        "other_power_off",
        "glass_doors_windows_shut",
        "main_gate_closed",
    ] {
        ok(
            app.post(&day("/door-checks"), a, &door(item)).await,
            201,
            item,
        )
        .await;
    }
    // The office acknowledges the log.
    ok(
        app.post(&day("/log/acknowledge"), &app.admin_token, &json!({}))
            .await,
        200,
        "acknowledge",
    )
    .await;

    // The day in one answer.
    let d = ok(app.get(&day(""), a).await, 200, "duty day").await;
    assert!(
        d["on_duty"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["check_in"]["on_time"] == true),
        "{d}"
    );
    assert_eq!(d["door_checks"]["expected"], 7, "{d}");
    assert_eq!(d["door_checks"]["recorded"], 7);
    assert_eq!(d["door_checks"]["missing"], json!([]));
    assert_eq!(d["door_checks"]["late"], json!([]));
    assert_eq!(d["inspections"].as_array().unwrap().len(), 1);
    assert_eq!(d["log"]["status"], "acknowledged");
    assert_eq!(d["attendance"]["recorded"], 7);
    assert_eq!(d["attendance"]["late"], 1);
    assert_eq!(d["handover"]["given"]["status"], "unconfirmed");

    // Tuesday 08:00 one of the next day's supervisors confirms receipt, item by item.
    set_clock(&app, tue, 8, 0, 0);
    let id = handover["id"].as_str().unwrap();
    let ids: Vec<Value> = handover["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    let confirm = format!("/api/v1/handovers/{id}/confirm");
    let part = ok(
        app.post(&confirm, h.token(&next[0]), &json!({"items": ids[..2]}))
            .await,
        200,
        "confirm desk sign and badge",
    )
    .await;
    assert_eq!(part["status"], "unconfirmed");
    let all = ok(
        app.post(&confirm, h.token(&next[1]), &json!({"items": ids}))
            .await,
        200,
        "confirm the rest",
    )
    .await;
    assert_eq!(all["status"], "confirmed");
    let d = ok(app.get(&day(""), &app.admin_token).await, 200, "duty day").await;
    assert_eq!(d["handover"]["given"]["status"], "confirmed");
    let t = ok(
        app.get(&format!("/api/v1/duty-days/{tue}"), h.token(&next[0]))
            .await,
        200,
        "next day",
    )
    .await;
    assert_eq!(t["handover"]["received"]["status"], "confirmed");

    // The window clerk sees the finding about them and their own attendance only.
    let mine = ok(
        app.get(
            &format!("/api/v1/inspections/{}", finding["id"].as_str().unwrap()),
            h.token("w1"),
        )
        .await,
        200,
        "own finding",
    )
    .await;
    assert_eq!(mine["staff_id"], h.id("w1"));
    let own = ok(
        app.get(&day("/attendance"), h.token("w1")).await,
        200,
        "own sheet",
    )
    .await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1, "{own}");

    // Every write left its audit event.
    for (entity, n) in [
        ("duty_check_in", 2),
        ("door_check", 7),
        ("inspection", 1),
        ("handover", 3),
    ] {
        assert!(
            app.count(&format!(
                "SELECT count(*) AS n FROM audit_events WHERE entity_type = '{entity}'"
            ))
            .await
                >= n,
            "audit of {entity}"
        );
    }
}
