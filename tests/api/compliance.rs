//! The office's duty-compliance report (R7, R8, R12): per day and supervisor, the check-ins,
//! door checks, the log and the handover over a range, driven through the HTTP API; today and
//! later days are pending; CSV and XLSX exports; who may read; the range check.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::{Duration, NaiveDate};
use reqwest::Method;
use serde_json::{Value, json};

/// Every item of the default door-check list, with the time of day it is recorded on time.
const DOORS: [(&str, u32, u32); 7] = [
    ("security_door_opened", 8, 15),
    ("security_door_closed", 17, 15),
    ("lights_off", 17, 40),
    ("water_dispensers_off", 17, 40),
    ("other_power_off", 17, 40),
    ("glass_doors_windows_shut", 17, 40),
    ("main_gate_closed", 17, 45),
];

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

async fn ok(r: reqwest::Response, status: u16, what: &str) -> Value {
    let s = r.status();
    let body = r.text().await.unwrap();
    assert_eq!(s, status, "{what}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn check_in(app: &TestApp, date: NaiveDate, token: &str, h: u32, m: u32) {
    clock_at(app, date, h, m);
    let r = app
        .post(
            &format!("/api/v1/duty-days/{date}/check-in"),
            token,
            &json!({}),
        )
        .await;
    ok(r, 201, "check in").await;
}

async fn door(app: &TestApp, date: NaiveDate, token: &str, item: &str, h: u32, m: u32) {
    clock_at(app, date, h, m);
    let r = app
        .post(
            &format!("/api/v1/duty-days/{date}/door-checks"),
            token,
            &json!({"item": item}),
        )
        .await;
    ok(r, 201, item).await;
}

/// Saves a draft of the day's log at 09:00.
async fn draft(app: &TestApp, date: NaiveDate, token: &str) {
    clock_at(app, date, 9, 0);
    let r = app
        .req(
            Method::PUT,
            &format!("/api/v1/duty-days/{date}/log"),
            Some(token),
        )
        .json(&json!({"service_quality": "办件规范"}))
        .send()
        .await
        .unwrap();
    ok(r, 201, "log draft").await;
}

/// Submits the day's log at `h:m`.
async fn submit(app: &TestApp, date: NaiveDate, token: &str, h: u32, m: u32) {
    clock_at(app, date, h, m);
    let r = app
        .post(
            &format!("/api/v1/duty-days/{date}/log/submit"),
            token,
            &json!({}),
        )
        .await;
    ok(r, 200, "log submit").await;
}

/// Hands the day over at 17:00; answers the handover.
async fn hand_over(app: &TestApp, date: NaiveDate, token: &str) -> Value {
    clock_at(app, date, 17, 0);
    let r = app
        .post(
            &format!("/api/v1/duty-days/{date}/handover"),
            token,
            &json!({"notes": ["打印机已报修"]}),
        )
        .await;
    ok(r, 201, "handover").await
}

fn day(report: &Value, date: NaiveDate) -> &Value {
    report["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == date.to_string())
        .unwrap_or_else(|| panic!("{date} in {report}"))
}

fn supervisor<'a>(d: &'a Value, id: &str) -> &'a Value {
    d["supervisors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["staff_id"] == id)
        .unwrap_or_else(|| panic!("{id} in {d}"))
}

/// A published week (Monday–Friday, two supervisors a day, hours 08:30–17:30, duty until
/// 18:00, two hours' grace). Monday is fully compliant; Tuesday has a late and a missing
/// check-in, a missing door item, a late log and a handover nobody confirms; Wednesday nothing
/// at all; the clock ends on Thursday at 10:00.
async fn week(app: &TestApp) -> (Hall, NaiveDate, Value) {
    let (h, mon, _, roster) = duty_week(app, 2).await;
    app.exec(
        "UPDATE centers SET closing_time = '17:30', duty_end_time = '18:00', \
         closing_lead_minutes = 10, duty_grace_minutes = 120",
    )
    .await;
    let tue = mon + Duration::days(1);
    let (m, t) = (on(&h, &roster, mon), on(&h, &roster, tue));
    // Monday, in the order of the day: both on time (due 08:20), every door check on time,
    // the log before the closing, the handover before it and confirmed by Tuesday's
    // supervisors.
    let (opened, closing) = DOORS.split_at(1);
    check_in(app, mon, h.token(&m[0]), 8, 10).await;
    door(app, mon, h.token(&m[1]), opened[0].0, 8, 15).await;
    check_in(app, mon, h.token(&m[1]), 8, 19).await;
    draft(app, mon, h.token(&m[0])).await;
    submit(app, mon, h.token(&m[1]), 16, 0).await;
    let given = hand_over(app, mon, h.token(&m[0])).await;
    for (i, (item, hh, mm)) in closing.iter().enumerate() {
        door(app, mon, h.token(&m[i % 2]), item, *hh, *mm).await;
    }
    clock_at(app, tue, 8, 5);
    let ids: Vec<Value> = given["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    let r = app
        .post(
            &format!(
                "/api/v1/handovers/{}/confirm",
                given["id"].as_str().unwrap()
            ),
            h.token(&t[1]),
            &json!({"items": ids}),
        )
        .await;
    assert_eq!(ok(r, 200, "confirm").await["status"], "confirmed");
    // Tuesday: the first supervisor 5 minutes late, the second never checks in; the main gate
    // is not recorded; the handover is made on time but never confirmed; the log comes after
    // the closing.
    door(app, tue, h.token(&t[1]), opened[0].0, 8, 15).await;
    check_in(app, tue, h.token(&t[0]), 8, 25).await;
    draft(app, tue, h.token(&t[0])).await;
    hand_over(app, tue, h.token(&t[1])).await;
    for (item, hh, mm) in closing.iter().filter(|d| d.0 != "main_gate_closed") {
        door(app, tue, h.token(&t[0]), item, *hh, *mm).await;
    }
    submit(app, tue, h.token(&t[0]), 17, 45).await;
    clock_at(app, mon + Duration::days(3), 10, 0);
    (h, mon, roster)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_judges_each_day_and_counts_per_supervisor_r7_r8_r12() {
    let app = spawn_app().await;
    let (h, mon, roster) = week(&app).await;
    let days: Vec<NaiveDate> = (0..5).map(|i| mon + Duration::days(i)).collect();
    let (tue, wed, thu) = (days[1], days[2], days[3]);
    let r = app
        .get(
            &format!(
                "/api/v1/duty-compliance?from={}&to={}",
                plus(mon, -2),
                plus(mon, 6)
            ),
            &app.admin_token,
        )
        .await;
    let v = ok(r, 200, "report").await;
    let dates: Vec<&str> = v["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    let want: Vec<String> = days.iter().map(|d| d.to_string()).collect();
    assert_eq!(dates, want, "working days with duties only");

    let m = day(&v, mon);
    assert_eq!(m["status"], "compliant");
    for s in m["supervisors"].as_array().unwrap() {
        assert_eq!(s["check_in"], "on_time");
        assert_eq!(s["minutes_late"], Value::Null);
    }
    assert_eq!(
        m["door_checks"],
        json!({"status": "complete", "missing": [], "late": []})
    );
    assert_eq!(m["log"], "on_time");
    assert_eq!(m["handover"]["status"], "confirmed");
    assert_eq!(m["handover"]["to_date"], tue.to_string());

    let t_on = on(&h, &roster, tue);
    let t = day(&v, tue);
    assert_eq!(t["status"], "not_compliant");
    let late = supervisor(t, h.id(&t_on[0]));
    assert_eq!(late["check_in"], "late");
    assert_eq!(late["minutes_late"], 5);
    assert_eq!(late["staff_name"], format!("员工 {}", t_on[0]));
    assert_eq!(supervisor(t, h.id(&t_on[1]))["check_in"], "missing");
    assert_eq!(t["door_checks"]["status"], "incomplete");
    assert_eq!(t["door_checks"]["missing"], json!(["main_gate_closed"]));
    assert_eq!(t["door_checks"]["late"], json!([]));
    assert_eq!(t["log"], "submitted_late");
    assert_eq!(t["handover"]["status"], "not_confirmed");
    assert_eq!(t["handover"]["late"], false);

    let w = day(&v, wed);
    assert_eq!(w["status"], "not_compliant");
    assert_eq!(w["door_checks"]["missing"].as_array().unwrap().len(), 7);
    assert_eq!(w["log"], "not_submitted");
    assert_eq!(w["handover"]["status"], "not_made");

    // Thursday is today (before its duty end plus grace), Friday is later: pending.
    for d in [thu, days[4]] {
        let p = day(&v, d);
        assert_eq!(p["status"], "pending", "{d}");
        assert_eq!(p["log"], "pending");
        assert_eq!(p["handover"]["status"], "pending");
        assert_eq!(p["door_checks"]["status"], "pending");
        for s in p["supervisors"].as_array().unwrap() {
            assert_eq!(s["check_in"], "pending");
        }
    }

    // Per supervisor: the counts follow from who was on duty which day.
    let people = v["supervisors"].as_array().unwrap();
    let on_days: Vec<Vec<String>> = days.iter().map(|d| on(&h, &roster, *d)).collect();
    let all: std::collections::BTreeSet<&String> = on_days.iter().flatten().collect();
    assert_eq!(people.len(), all.len());
    for no in all {
        let p = people
            .iter()
            .find(|p| p["staff_id"] == h.id(no))
            .unwrap_or_else(|| panic!("{no} in {v}"));
        let at = |i: usize| i64::from(on_days[i].contains(no));
        let is = |b: bool| i64::from(b);
        assert_eq!(p["staff_name"], format!("员工 {no}"));
        let got: Vec<i64> = [
            "duty_days",
            "pending_days",
            "check_ins_on_time",
            "check_ins_late",
            "check_ins_missing",
            "check_ins_to_review",
            "door_checks_incomplete",
            "logs_not_submitted",
            "logs_late",
            "handovers_not_made",
            "handovers_late",
            "handovers_not_confirmed",
        ]
        .iter()
        .map(|k| p[*k].as_i64().unwrap())
        .collect();
        let want = vec![
            (0..5).map(at).sum::<i64>(),
            at(3) + at(4),
            at(0),
            is(*no == t_on[0]),
            is(*no == t_on[1]) + at(2),
            0,
            at(1) + at(2),
            at(2),
            at(1),
            at(2),
            0,
            at(1),
        ];
        assert_eq!(got, want, "{no}: {p}");
    }

    // An auditor reads it too.
    let (_, auditor) = app.create_staff("aud1", &["auditor"], None).await;
    let r = app
        .get(
            &format!("/api/v1/duty-compliance?from={mon}&to={thu}"),
            &auditor,
        )
        .await;
    assert_eq!(
        ok(r, 200, "auditor").await["days"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_exports_csv_and_xlsx_with_one_row_per_day_and_supervisor() {
    use calamine::{Data, Reader, Xlsx};
    let app = spawn_app().await;
    let (h, mon, roster) = week(&app).await;
    let tue = mon + Duration::days(1);
    let base = format!("/api/v1/duty-compliance?from={mon}&to={}", plus(mon, 4));
    let csv = app
        .get(&format!("{base}&format=csv"), &app.admin_token)
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "BOM for Excel");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines[0],
        "日期 date,督导员 supervisor,签到 check_in,迟到分钟 minutes_late,门岗缺项 door_missing,门岗迟项 door_late,值班日志 log,交接 handover"
    );
    assert_eq!(
        lines.len(),
        1 + 5 * 2 + 1,
        "header, 5 days × 2, trailing empty"
    );
    let t_on = on(&h, &roster, tue);
    assert!(
        lines.contains(&format!(
            "{tue},员工 {},迟到 late,5,main_gate_closed,,逾时提交 submitted_late,未确认 not_confirmed",
            t_on[0]
        )
        .as_str()),
        "{text}"
    );

    let xlsx = app
        .get(&format!("{base}&format=xlsx"), &app.admin_token)
        .await;
    assert_eq!(xlsx.status(), 200);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Sheet1").unwrap();
    assert_eq!(sheet.height(), 1 + 5 * 2);
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("日期 date".into())));
    assert_eq!(
        sheet.get((0, 7)),
        Some(&Data::String("交接 handover".into()))
    );
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    for row in 1..sheet.height() {
        match sheet.get((row, 0)) {
            Some(Data::DateTime(dt)) => {
                let d = epoch + Duration::days(dt.as_f64() as i64);
                assert!(d >= mon && d <= mon + Duration::days(4), "{d}");
            }
            other => panic!("row {row}: not a date: {other:?}"),
        }
    }
    match sheet.get((1, 0)) {
        Some(Data::DateTime(dt)) => assert_eq!(dt.as_f64(), (mon - epoch).num_days() as f64),
        other => panic!("not a date: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_office_and_auditors_read_the_report_and_the_range_is_checked() {
    let app = spawn_app().await;
    let (h, mon, on, _) = duty_week(&app, 2).await;
    let path = format!("/api/v1/duty-compliance?from={mon}&to={}", plus(mon, 4));
    assert_problem(app.get(&path, h.token("w1")).await, 403, "forbidden").await;
    assert_problem(app.get(&path, h.token(&on[0])).await, 403, "forbidden").await;
    let backwards = format!("/api/v1/duty-compliance?from={}&to={mon}", plus(mon, 1));
    let v = assert_problem(
        app.get(&backwards, &app.admin_token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "to");
    assert_eq!(v["errors"][0]["code"], "before_from");
    let long = format!("/api/v1/duty-compliance?from={mon}&to={}", plus(mon, 366));
    let v = assert_problem(
        app.get(&long, &app.admin_token).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "to");
    assert_eq!(v["errors"][0]["code"], "too_long");
    let bad = format!("/api/v1/duty-compliance?from=2026-13-01&to={mon}");
    assert_eq!(app.get(&bad, &app.admin_token).await.status(), 400);
    let fmt = format!("{path}&format=pdf");
    assert_eq!(app.get(&fmt, &app.admin_token).await.status(), 400);
}

/// A year's range answers with a fixed number of queries: three months of published duties,
/// every day judged, well under a bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_range_answers_in_one_go() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 1).await;
    hall(&app).await;
    app.req(Method::PUT, "/api/v1/rotation", Some(&app.admin_token))
        .json(
            &json!({"unit": "day", "supervisors_per_day": 2, "substitutions_need_approval": false}),
        )
        .send()
        .await
        .unwrap();
    let end = mon + Duration::days(7 * 13 - 3);
    published(&app, &mon.to_string(), &end.to_string()).await;
    clock_at(&app, end + Duration::days(10), 9, 0);
    let started = std::time::Instant::now();
    let r = app
        .get(
            &format!("/api/v1/duty-compliance?from={mon}&to={}", plus(mon, 365)),
            &app.admin_token,
        )
        .await;
    let v = ok(r, 200, "a year").await;
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let days = v["days"].as_array().unwrap();
    assert!(
        days.len() >= 50,
        "about 13 weeks of working days: {}",
        days.len()
    );
    assert!(days.iter().all(|d| d["status"] == "not_compliant"));
    assert_eq!(v["supervisors"].as_array().unwrap().len(), 6);
}

/// The day's supervisors are those after substitutions: the substitute's check-in counts, the
/// supervisor they replaced is not on the day and does not count it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_follows_substitutions_r6() {
    let app = spawn_app().await;
    let (h, mon, _, roster) = duty_week(&app, 2).await;
    let wed = mon + Duration::days(2);
    let on_wed = on(&h, &roster, wed);
    let sub = ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2"]
        .into_iter()
        .find(|n| !on_wed.iter().any(|o| o == n))
        .unwrap();
    let assignment = roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["date"] == wed.to_string() && a["staff_id"] == h.id(&on_wed[0]))
        .unwrap()["id"]
        .clone();
    let s = app
        .post(
            "/api/v1/substitutions",
            h.token(&on_wed[0]),
            &json!({"assignment_id": assignment, "substitute_id": h.id(sub), "reason": "家中有事"}),
        )
        .await;
    let s = ok(s, 201, "substitution").await;
    let r = app
        .post(
            &format!("/api/v1/substitutions/{}/accept", s["id"].as_str().unwrap()),
            h.token(sub),
            &json!({}),
        )
        .await;
    ok(r, 200, "accept").await;
    check_in(&app, wed, h.token(sub), 8, 0).await;
    clock_at(&app, wed + Duration::days(1), 10, 0);
    let r = app
        .get(
            &format!("/api/v1/duty-compliance?from={wed}&to={wed}"),
            &app.admin_token,
        )
        .await;
    let v = ok(r, 200, "report").await;
    let d = day(&v, wed);
    let ids: Vec<&str> = d["supervisors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["staff_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&h.id(sub)) && !ids.contains(&h.id(&on_wed[0])),
        "{d}"
    );
    assert_eq!(supervisor(d, h.id(sub))["check_in"], "on_time");
    assert_eq!(supervisor(d, h.id(&on_wed[1]))["check_in"], "missing");
    let people = v["supervisors"].as_array().unwrap();
    assert_eq!(people.len(), 2);
    assert!(people.iter().all(|p| p["staff_id"] != h.id(&on_wed[0])));
}
