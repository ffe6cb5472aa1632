//! The duty log (R4.5, R8, R22): a draft autosaved with If-Match, submitted before the closing
//! (freezing the log and the attendance), amended with the original kept, acknowledged by the
//! office; only the day's supervisors write it.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{Value, json};

fn path(date: NaiveDate) -> String {
    format!("/api/v1/duty-days/{date}/log")
}

async fn save(
    app: &TestApp,
    date: NaiveDate,
    token: &str,
    if_match: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut r = app.req(Method::PUT, &path(date), Some(token)).json(body);
    if let Some(m) = if_match {
        r = r.header("if-match", m);
    }
    r.send().await.unwrap()
}

fn draft() -> Value {
    json!({
        "attendance_summary": "前台人员均到岗，一人迟到",
        "service_quality": "办件规范",
        "service_attitude": "热情",
        "problems": [{"problem": "叫号机故障", "resolution": "已重启"}],
        "escalations": [{"to": "中心办公室", "at": "2026-01-05T10:00:00+08:00", "matter": "群众投诉", "outcome": "已协调"}],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draft_is_autosaved_with_if_match_r8() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    set_clock(&app, mon, 9, 0, 0);
    // Nothing written: an empty log, version 0.
    let r = app.get(&path(mon), h.token(&on[0])).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"0\"");
    let none: Value = r.json().await.unwrap();
    assert_eq!(none["status"], "none");
    assert_eq!(none["version"], 0);
    // The first save creates the draft.
    let r = save(&app, mon, h.token(&on[0]), None, &draft()).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "draft");
    assert_eq!(v["written_by"], h.id(&on[0]));
    assert_eq!(v["problems"][0]["problem"], "叫号机故障");
    // The other supervisor saves: without If-Match 428, with a stale one 412, then 200.
    let mut next = draft();
    next["service_quality"] = json!("办件规范，无差错");
    assert_problem(
        save(&app, mon, h.token(&on[1]), None, &next).await,
        428,
        "if_match_required",
    )
    .await;
    assert_problem(
        save(&app, mon, h.token(&on[1]), Some("\"0\""), &next).await,
        412,
        "stale_etag",
    )
    .await;
    let r = save(&app, mon, h.token(&on[1]), Some("\"1\""), &next).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["service_quality"], "办件规范，无差错");
    assert_eq!(v["written_by"], h.id(&on[1]));
    assert_eq!(v["written_by_name"], format!("员工 {}", on[1]));
    // Content rules name the place.
    let mut bad = draft();
    bad["problems"] = json!([{"problem": " "}]);
    let e = assert_problem(
        save(&app, mon, h.token(&on[1]), Some("\"2\""), &bad).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(e["errors"][0]["field"], "problems[0].problem");
    // Window staff do not read logs; the day view shows the draft.
    assert_problem(app.get(&path(mon), h.token("w1")).await, 403, "forbidden").await;
    let d: Value = app
        .get(&format!("/api/v1/duty-days/{mon}"), h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["log"]["status"], "draft");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'duty_log'")
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submission_freezes_the_log_and_attendance_and_amendments_keep_the_original() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    set_clock(&app, mon, 9, 0, 0);
    let submit = format!("{}/submit", path(mon));
    let ack = format!("{}/acknowledge", path(mon));
    assert_problem(
        app.post(&submit, h.token(&on[0]), &json!({})).await,
        409,
        "log_not_started",
    )
    .await;
    assert_problem(
        app.post(&ack, &app.admin_token, &json!({})).await,
        409,
        "log_not_submitted",
    )
    .await;
    assert_eq!(
        save(&app, mon, h.token(&on[0]), None, &draft())
            .await
            .status(),
        201
    );
    let att = format!("/api/v1/duty-days/{mon}/attendance");
    let r = app
        .req(Method::PUT, &att, Some(h.token(&on[0])))
        .json(&json!({"entries": [{"staff_id": h.id("w1"), "status": "present"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Submitted in the afternoon, before the closing.
    set_clock(&app, mon, 16, 0, 0);
    let r = app.post(&submit, h.token(&on[1]), &json!({})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["submitted_on_time"], true);
    assert_eq!(v["submitted_by"], h.id(&on[1]));
    assert_problem(
        app.post(&submit, h.token(&on[0]), &json!({})).await,
        409,
        "log_submitted",
    )
    .await;
    // Frozen: the log and the attendance.
    assert_problem(
        save(&app, mon, h.token(&on[0]), Some("\"3\""), &draft()).await,
        409,
        "log_submitted",
    )
    .await;
    let zh = app
        .req(Method::PUT, &path(mon), Some(h.token(&on[0])))
        .header("Accept-Language", "zh-CN,zh;q=0.9")
        .header("if-match", "\"3\"")
        .json(&draft())
        .send()
        .await
        .unwrap();
    let z = assert_problem(zh, 409, "log_submitted").await;
    let detail = z["detail"].as_str().unwrap();
    assert!(
        detail.contains("已提交") && !detail.contains("submitted"),
        "{z}"
    );
    let r = app
        .req(Method::PUT, &att, Some(h.token(&on[0])))
        .json(&json!({"entries": [{"staff_id": h.id("w1"), "status": "absent"}]}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 409, "attendance_frozen").await;
    let s: Value = app.get(&att, &app.admin_token).await.json().await.unwrap();
    assert_eq!(s["frozen"], true);
    // Amendments: a reason is required; the original is kept.
    let amend = format!("{}/amendments", path(mon));
    let e = assert_problem(
        app.post(
            &amend,
            h.token(&on[0]),
            &json!({"reason": "  ", "service_quality": "x"}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(e["errors"][0]["field"], "reason");
    let r = app
        .post(
            &amend,
            h.token(&on[0]),
            &json!({"reason": "补充说明", "service_quality": "办件规范，一件退回补正"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["service_quality"], "办件规范，一件退回补正");
    assert_eq!(v["attendance_summary"], "前台人员均到岗，一人迟到");
    assert_eq!(v["amendments"][0]["before"]["service_quality"], "办件规范");
    assert_eq!(v["amendments"][0]["reason"], "补充说明");
    assert_eq!(v["status"], "submitted");
    let r = app
        .post(
            &format!("{att}/amendments"),
            &app.admin_token,
            &json!({"reason": "监控核实为缺勤", "entries": [{"staff_id": h.id("w1"), "status": "absent"}]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let s: Value = r.json().await.unwrap();
    let w1 = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["staff_id"] == h.id("w1"))
        .unwrap();
    assert_eq!(w1["status"], "absent");
    assert_eq!(w1["amendments"][0]["before"]["status"], "present");
    let e = assert_problem(
        app.post(
            &format!("{att}/amendments"),
            &app.admin_token,
            &json!({"reason": "", "entries": []}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(e["errors"].as_array().unwrap().len(), 2);
    // The office acknowledges (a supervisor may not), once.
    assert_problem(
        app.post(&ack, h.token(&on[0]), &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    let r = app.post(&ack, &app.admin_token, &json!({})).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "acknowledged");
    assert_eq!(v["acknowledged_by"], app.admin_id.to_string());
    assert_problem(
        app.post(&ack, &app.admin_token, &json!({})).await,
        409,
        "log_acknowledged",
    )
    .await;
    let d: Value = app
        .get(&format!("/api/v1/duty-days/{mon}"), h.token(&on[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["log"]["status"], "acknowledged");
    assert_eq!(d["log"]["submitted_on_time"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_after_the_closing_is_accepted_and_marked_late() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    set_clock(&app, mon, 9, 0, 0);
    let r = save(&app, mon, h.token(&on[0]), None, &json!({})).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let closing: DateTime<Utc> = v["closing_at"].as_str().unwrap().parse().unwrap();
    app.clock.set(closing + Duration::minutes(10));
    let r = app
        .post(
            &format!("{}/submit", path(mon)),
            h.token(&on[0]),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["submitted_on_time"], false);
    // Past the duty end plus the grace period the day is closed: a supervisor's amendment is
    // refused, the office's is not.
    app.clock.set(closing + Duration::hours(6));
    let amend = format!("{}/amendments", path(mon));
    let body = json!({"reason": "补记", "service_attitude": "良好"});
    assert_problem(
        app.post(&amend, h.token(&on[0]), &body).await,
        409,
        "duty_day_closed",
    )
    .await;
    assert_eq!(
        app.post(&amend, &app.admin_token, &body).await.status(),
        201
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_days_supervisors_write_the_log_and_a_substitute_gains_it() {
    let app = spawn_app().await;
    let (h, mon, on, roster) = duty_week(&app, 1).await;
    let off = ["d3-2", "d3-1", "d2-2"]
        .into_iter()
        .find(|n| *n != on[0])
        .unwrap();
    set_clock(&app, mon, 9, 0, 0);
    for token in [h.token(off), h.token("w1"), app.admin_token.as_str()] {
        assert_problem(
            save(&app, mon, token, None, &draft()).await,
            403,
            "not_on_duty",
        )
        .await;
    }
    // The rostered supervisor hands the day to a substitute: the substitute writes, they do not.
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
        save(&app, mon, h.token(&on[0]), None, &draft()).await,
        403,
        "not_on_duty",
    )
    .await;
    let r = save(&app, mon, h.token(off), None, &draft()).await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(
            &format!("{}/submit", path(mon)),
            h.token(&on[0]),
            &json!({}),
        )
        .await;
    assert_problem(r, 403, "not_on_duty").await;
}
