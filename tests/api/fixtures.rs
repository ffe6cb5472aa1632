//! Shared test fixtures: a hall with departments and supervisors, rosters, and dates that suit
//! the tests on whatever day the suite runs (see `DUTYDESK_TEST_TODAY`).
//!
//! Years without official holiday data get a **test fixture** year (invented dates, marked
//! `fixture` in `statutory_years`) loaded through the same loader as `dutydesk load-holidays`,
//! so the suite can run at any far date. Fixture data never ships.

use crate::helpers::*;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use serde_json::{Value, json};
use std::collections::HashMap;

/// An invented holiday schedule for `year`, clearly marked as a test fixture: 元旦 on 1 January,
/// 劳动节 1–5 May, 国庆节 1–7 October, with the Sunday before 1 October as a make-up working day.
pub fn fixture_year(year: i32) -> String {
    let d = |m, day| NaiveDate::from_ymd_opt(year, m, day).unwrap();
    let mut makeup = d(9, 30);
    while makeup.weekday() != Weekday::Sun {
        makeup = makeup.pred_opt().unwrap();
    }
    let range = |m, a, b| (a..=b).map(|x| d(m, x).to_string()).collect::<Vec<_>>();
    json!({
        "source": format!("TEST FIXTURE for {year}: invented dates, not an official schedule"),
        "fixture": true,
        "years": {
            year.to_string(): [
                {"name": "元旦", "off": [d(1, 1).to_string()], "work": []},
                {"name": "劳动节", "off": range(5, 1, 5), "work": []},
                {"name": "国庆节", "off": range(10, 1, 7), "work": [makeup.to_string()]},
            ]
        }
    })
    .to_string()
}

/// Loads a fixture year for every year of `[from, to]` that has no holiday data.
pub async fn cover_years(app: &TestApp, from: NaiveDate, to: NaiveDate) {
    for year in from.year()..=to.year() {
        let n = app
            .count(&format!(
                "SELECT count(*) AS n FROM statutory_years WHERE year = {year}"
            ))
            .await;
        if n == 0 {
            dutydesk::seed::load_holidays(&app.db_url, &fixture_year(year), false)
                .await
                .expect("load fixture year");
        }
    }
}

pub fn plus(d: NaiveDate, n: i64) -> String {
    (d + Duration::days(n)).to_string()
}

/// The Monday that starts `weeks` consecutive plain weeks (Monday–Friday working, weekend off)
/// at least a week after the app's today: dates a test can book duties on and change them.
pub async fn plain_weeks(app: &TestApp, weeks: i64) -> NaiveDate {
    let today = app.today();
    let first = today + Duration::days(7 + (7 - today.weekday().num_days_from_monday() as i64) % 7);
    let last = first + Duration::days(7 * 20);
    cover_years(app, first, last).await;
    let v: Value = app
        .get(
            &format!("/api/v1/calendar?from={first}&to={last}"),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    let working: Vec<bool> = v["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["working"].as_bool().unwrap())
        .collect();
    let plain = |w: usize| (0..7).all(|i| working[w * 7 + i] == (i < 5));
    (0..20 - weeks as usize)
        .find(|w| (*w..*w + weeks as usize).all(plain))
        .map(|w| first + Duration::days(7 * w as i64))
        .expect("a run of plain weeks within 20 weeks")
}

pub struct Hall {
    /// Department ids in rotation order.
    pub depts: Vec<String>,
    /// employee_no → (staff id, token)
    pub people: HashMap<String, (String, String)>,
}

impl Hall {
    pub fn id(&self, no: &str) -> &str {
        &self.people[no].0
    }
    pub fn token(&self, no: &str) -> &str {
        &self.people[no].1
    }
    pub fn no_of(&self, id: &str) -> String {
        self.people
            .iter()
            .find(|(_, v)| v.0 == id)
            .map(|(k, _)| k.clone())
            .unwrap()
    }
}

/// Three departments (orders 10, 20, 30), each with two supervisors `dN-1`, `dN-2`, plus a
/// window clerk `w1` in the first department.
pub async fn hall(app: &TestApp) -> Hall {
    let mut depts = Vec::new();
    let mut people = HashMap::new();
    for d in 1..=3 {
        let dept = app.create_department(&format!("d{d}"), d * 10).await;
        let id = dept["id"].as_str().unwrap().to_owned();
        for p in 1..=2 {
            let no = format!("d{d}-{p}");
            let (s, t) = app
                .create_staff(&no, &["supervisor", "window_staff"], Some(&id))
                .await;
            people.insert(no, (s["id"].as_str().unwrap().to_owned(), t));
        }
        depts.push(id);
    }
    let (s, t) = app
        .create_staff("w1", &["window_staff"], Some(&depts[0]))
        .await;
    people.insert("w1".into(), (s["id"].as_str().unwrap().to_owned(), t));
    Hall { depts, people }
}

pub async fn roster(app: &TestApp, start: &str, end: &str) -> Value {
    let ymd = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    cover_years(app, ymd(start), ymd(end)).await;
    let r = app
        .post(
            "/api/v1/rosters",
            &app.admin_token,
            &json!({"start": start, "end": end}),
        )
        .await;
    assert_eq!(r.status(), 201, "generate {start}..{end}");
    r.json().await.unwrap()
}

pub async fn publish(app: &TestApp, roster: &Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/rosters/{}/publish", roster["id"].as_str().unwrap()),
        &app.admin_token,
        &json!({}),
    )
    .await
}

/// Generates and publishes; returns the roster with assignments.
pub async fn published(app: &TestApp, start: &str, end: &str) -> Value {
    let r = roster(app, start, end).await;
    assert_eq!(publish(app, &r).await.status(), 200);
    r
}

/// Turns the center's substitution approval gate on or off (R6: off by default).
pub async fn approval_gate(app: &TestApp, on: bool) {
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/rotation",
            Some(&app.admin_token),
        )
        .json(&json!({"unit": "day", "supervisors_per_day": 1, "substitutions_need_approval": on}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "set the approval gate");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["substitutions_need_approval"], on);
}

/// A department with a supervisor (also window staff), a window clerk and an auditor; tokens
/// for each, the supervisor's staff id and the department id.
pub struct Crew {
    pub supervisor: String,
    pub window: String,
    pub auditor: String,
    pub staff_id: String,
    pub dept_id: String,
}

pub async fn crew(app: &TestApp) -> Crew {
    let d = app.create_department("yb", 20).await;
    let dept_id = d["id"].as_str().unwrap().to_owned();
    let (s, supervisor) = app
        .create_staff("sup1", &["supervisor", "window_staff"], Some(&dept_id))
        .await;
    let (_, window) = app
        .create_staff("win1", &["window_staff"], Some(&dept_id))
        .await;
    let (_, auditor) = app.create_staff("aud1", &["auditor"], None).await;
    Crew {
        supervisor,
        window,
        auditor,
        staff_id: s["id"].as_str().unwrap().to_owned(),
        dept_id,
    }
}

/// Sets the app's clock to `h:m:s` on `date` in the center's zone (Asia/Shanghai)
/// (duty-day tests).
pub fn set_clock(app: &TestApp, date: NaiveDate, h: u32, m: u32, s: u32) {
    let local = date.and_time(NaiveTime::from_hms_opt(h, m, s).unwrap());
    let at = Shanghai.from_local_datetime(&local).unwrap();
    app.clock.set(at.with_timezone(&Utc));
}

/// A hall with `per_day` supervisors a day, opening 08:30 with a 10-minute lead, and a
/// published week starting on the returned Monday; the employee numbers on duty that Monday.
pub async fn duty_week(app: &TestApp, per_day: i32) -> (Hall, NaiveDate, Vec<String>, Value) {
    let h = hall(app).await;
    app.exec("UPDATE centers SET opening_time = '08:30', arrival_lead_minutes = 10")
        .await;
    let r = app
        .req(reqwest::Method::PUT, "/api/v1/rotation", Some(&app.admin_token))
        .json(&json!({"unit": "day", "supervisors_per_day": per_day, "substitutions_need_approval": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mon = plain_weeks(app, 1).await;
    let roster = published(app, &plus(mon, 0), &plus(mon, 4)).await;
    let on: Vec<String> = roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["date"] == plus(mon, 0))
        .map(|a| h.no_of(a["staff_id"].as_str().unwrap()))
        .collect();
    assert_eq!(on.len(), per_day as usize);
    (h, mon, on, roster)
}
