//! Finding citizens' requests: filters, Chinese substring search, exact phone and tracking
//! number, visibility in SQL, the overdue queue and its escalation by the tick, and the center's
//! deadline settings.

use crate::fixtures::{cover_years, crew};
use crate::helpers::*;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};
use std::collections::BTreeSet;

async fn staff_id_of(app: &TestApp, token: &str) -> String {
    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    me["id"].as_str().unwrap().to_owned()
}

/// Records a request as `token` (staff intake); returns its view.
async fn intake(app: &TestApp, token: &str, kind: &str, subject: &str, description: &str) -> Value {
    intake_with(app, token, kind, subject, description, "139 0000 2222").await
}

async fn intake_with(
    app: &TestApp,
    token: &str,
    kind: &str,
    subject: &str,
    description: &str,
    phone: &str,
) -> Value {
    let r = app
        .post(
            "/api/v1/citizen-requests",
            token,
            &json!({
                "kind": kind,
                "channel": "visit",
                "citizen_name": "王五",
                "citizen_phone": phone,
                "concerns": "hall",
                "subject": subject,
                "description": description,
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["request"].clone()
}

/// Every page of `path` (which has a query string) with `limit`, as the set of tracking numbers.
async fn all_pages(app: &TestApp, token: &str, path: &str, limit: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}&limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = app.get(&url, token).await;
        assert_eq!(r.status(), 200, "{url}");
        let v: Value = r.json().await.unwrap();
        let items = v["items"].as_array().unwrap();
        assert!(items.len() as i64 <= limit);
        match v["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len() as i64, limit, "a page before the last is full");
                cursor = Some(c.to_owned());
            }
            None => cursor = None,
        }
        out.extend(
            items
                .iter()
                .map(|i| i["tracking_no"].as_str().unwrap().to_owned()),
        );
        if cursor.is_none() {
            return out;
        }
    }
}

fn set(v: &[&Value]) -> BTreeSet<String> {
    v.iter()
        .map(|r| r["tracking_no"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_search_finds_two_and_one_character_chinese_substrings_literally_with_filters_and_pages()
 {
    let app = spawn_app().await;
    cover_years(&app, app.today(), app.today() + Duration::days(400)).await;
    let c = crew(&app).await;
    let a = intake(
        &app,
        &c.supervisor,
        "consultation",
        "医保报销需要哪些材料",
        "咨询门诊费用报销。",
    )
    .await;
    let b = intake(
        &app,
        &c.supervisor,
        "complaint",
        "排队时间太长",
        "异地医保备案窗口等了两个小时。",
    )
    .await;
    let d = intake(
        &app,
        &c.supervisor,
        "consultation",
        "社保卡补办",
        "询问社保卡补办进度。",
    )
    .await;
    let e = intake(
        &app,
        &c.supervisor,
        "suggestion",
        "增加自助机",
        "建议大厅增设 100% 覆盖的自助终端，A_B 区各一台。",
    )
    .await;
    let f = intake(
        &app,
        &c.supervisor,
        "consultation",
        "医疗保险转移",
        "医 保 两字分开写的不算。",
    )
    .await;
    let list = "/api/v1/citizen-requests?";
    let found = |q: &'static str| {
        let app = &app;
        let token = c.supervisor.clone();
        async move {
            all_pages(app, &token, &format!("{list}q={}", urlencode(q)), 1)
                .await
                .into_iter()
                .collect::<BTreeSet<_>>()
        }
    };
    // Two characters: in the subject of one, the description of another; not split apart.
    assert_eq!(found("医保").await, set(&[&a, &b]));
    // One character and a longer phrase.
    assert_eq!(found("保").await, set(&[&a, &b, &d, &f]));
    assert_eq!(found("社保卡补办").await, set(&[&d]));
    assert_eq!(found("ａ").await, BTreeSet::new());
    // `%` and `_` are literal, letters match case-insensitively.
    assert_eq!(found("%").await, set(&[&e]));
    assert_eq!(found("100%").await, set(&[&e]));
    assert_eq!(found("_").await, set(&[&e]));
    assert_eq!(found("a_b").await, set(&[&e]));
    assert_eq!(found("医%").await, BTreeSet::new());
    assert_eq!(found("不存在的词").await, BTreeSet::new());
    // Combined with a filter, newest first, pages of one.
    let got = all_pages(
        &app,
        &c.supervisor,
        &format!("{list}q={}&kind=consultation", urlencode("医")),
        1,
    )
    .await;
    assert_eq!(
        got,
        vec![
            f["tracking_no"].as_str().unwrap().to_owned(),
            a["tracking_no"].as_str().unwrap().to_owned()
        ]
    );
    let got = all_pages(
        &app,
        &c.supervisor,
        &format!("{list}state=accepted,answered&kind=complaint"),
        5,
    )
    .await;
    assert_eq!(got, vec![b["tracking_no"].as_str().unwrap().to_owned()]);
    // Refusals, field by field.
    let p = assert_problem(
        app.get(&format!("{list}q=%20%20&state=open"), &c.supervisor)
            .await,
        400,
        "validation_failed",
    )
    .await;
    let fields: BTreeSet<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, BTreeSet::from(["q", "state"]));
    let long = "字".repeat(101);
    assert_problem(
        app.get(&format!("{list}q={}", urlencode(&long)), &c.supervisor)
            .await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.get(&format!("{list}owner=you"), &c.supervisor).await,
        400,
        "validation_failed",
    )
    .await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_and_tracking_number_find_exact_matches_and_a_bad_phone_is_refused_without_echo() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let a = intake_with(
        &app,
        &c.supervisor,
        "help",
        "求助一",
        "说明一。",
        "138 1234 5678",
    )
    .await;
    let b = intake_with(
        &app,
        &c.supervisor,
        "help",
        "求助二",
        "说明二。",
        "139 0000 2222",
    )
    .await;
    let _ = intake_with(
        &app,
        &c.supervisor,
        "help",
        "求助三",
        "说明三。",
        "138 1234 5679",
    )
    .await;
    let list = "/api/v1/citizen-requests?";
    let got = all_pages(
        &app,
        &c.supervisor,
        &format!("{list}phone={}", urlencode("+86 138-1234-5678")),
        10,
    )
    .await;
    assert_eq!(got, vec![a["tracking_no"].as_str().unwrap().to_owned()]);
    let got = all_pages(
        &app,
        &c.supervisor,
        &format!("{list}phone=13900002222&kind=help"),
        10,
    )
    .await;
    assert_eq!(got, vec![b["tracking_no"].as_str().unwrap().to_owned()]);
    let got = all_pages(
        &app,
        &c.supervisor,
        &format!("{list}phone=13900002222&kind=complaint"),
        10,
    )
    .await;
    assert!(got.is_empty());
    let tn = b["tracking_no"].as_str().unwrap();
    let got = all_pages(&app, &c.supervisor, &format!("{list}tracking_no={tn}"), 10).await;
    assert_eq!(got, vec![tn.to_owned()]);
    // A malformed phone: a field error that does not repeat it.
    let r = app
        .get(&format!("{list}phone=138abc99887"), &c.supervisor)
        .await;
    let p = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(p["errors"][0]["field"], "phone");
    assert!(!p.to_string().contains("99887"), "{p}");
    // Under Accept-Language: zh the problem is Chinese.
    let r = app
        .req(
            reqwest::Method::GET,
            &format!("{list}phone=12"),
            Some(&c.supervisor),
        )
        .header("Accept-Language", "zh")
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 400, "validation_failed").await;
    assert_eq!(p["errors"][0]["message"], "电话号码格式不正确。");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_shows_each_caller_what_they_may_see_in_full_pages() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let win = staff_id_of(&app, &c.window).await;
    let sup = c.staff_id.clone();
    let (_, other) = app
        .create_staff("win2", &["window_staff"], Some(&c.dept_id))
        .await;
    // The window clerk receives two; the other clerk one; the supervisor one complaint about
    // the clerk; the admin records a complaint about the supervisor; the portal one (queue).
    let w1 = intake(&app, &c.window, "consultation", "窗口一", "甲。").await;
    let w2 = intake(&app, &c.window, "help", "窗口二", "乙。").await;
    let o1 = intake(&app, &other, "consultation", "他人", "丙。").await;
    let about_win = app
        .post(
            "/api/v1/citizen-requests",
            &c.supervisor,
            &json!({"kind": "complaint", "channel": "visit", "citizen_name": "赵六", "citizen_phone": "13700001111",
                    "concerns": "staff", "staff_id": win, "subject": "态度", "description": "丁。"}),
        )
        .await;
    assert_eq!(about_win.status(), 201);
    let about_win: Value = about_win.json::<Value>().await.unwrap()["request"].clone();
    let about_sup = app
        .post(
            "/api/v1/citizen-requests",
            &app.admin_token,
            &json!({"kind": "complaint", "channel": "visit", "citizen_name": "赵六", "citizen_phone": "13700001111",
                    "concerns": "staff", "staff_id": sup, "subject": "督导", "description": "戊。"}),
        )
        .await;
    assert_eq!(about_sup.status(), 201);
    let about_sup: Value = about_sup.json::<Value>().await.unwrap()["request"].clone();
    let portal = portal_token("gov-portal", &["alpha"]);
    let q = app
        .post(
            "/api/v1/citizen-requests",
            &portal,
            &json!({"center_code": "alpha", "kind": "help", "channel": "portal", "citizen_name": "李四",
                    "citizen_phone": "13900001111", "concerns": "hall", "subject": "排队", "description": "己。"}),
        )
        .await;
    assert_eq!(q.status(), 201);
    let queued: Value = q.json::<Value>().await.unwrap()["request"].clone();

    let list = "/api/v1/citizen-requests?x=1";
    let seen = |token: String| {
        let app = &app;
        async move {
            all_pages(app, &token, list, 1)
                .await
                .into_iter()
                .collect::<BTreeSet<_>>()
        }
    };
    let everything = set(&[&w1, &w2, &o1, &about_win, &about_sup, &queued]);
    assert_eq!(seen(c.auditor.clone()).await, everything);
    assert_eq!(seen(app.admin_token.clone()).await, everything);
    assert_eq!(
        seen(c.supervisor.clone()).await,
        set(&[&w1, &w2, &o1, &about_win, &queued]),
        "supervisors: all but complaints about themselves"
    );
    assert_eq!(
        seen(c.window.clone()).await,
        set(&[&w1, &w2, &queued]),
        "the clerk: what they received and the queue"
    );
    // owner=me and owner_id.
    let mine = all_pages(&app, &c.window, &format!("{list}&owner=me"), 10).await;
    assert_eq!(mine.into_iter().collect::<BTreeSet<_>>(), set(&[&w1, &w2]));
    let by_owner = all_pages(&app, &c.auditor, &format!("{list}&owner_id={sup}"), 10).await;
    assert_eq!(
        by_owner.into_iter().collect::<BTreeSet<_>>(),
        set(&[&about_win])
    );
    let queue = all_pages(&app, &c.window, &format!("{list}&state=received"), 10).await;
    assert_eq!(queue.into_iter().collect::<BTreeSet<_>>(), set(&[&queued]));
    // The portal has no list.
    assert_eq!(app.get(list, &portal).await.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_requests_are_listed_and_escalated_to_the_office_once_by_the_tick() {
    let app = spawn_app().await;
    cover_years(
        &app,
        app.today() - Duration::days(40),
        app.today() + Duration::days(400),
    )
    .await;
    let c = crew(&app).await;
    let late = intake(&app, &c.window, "consultation", "逾期", "逾期的咨询。").await;
    let paused = intake(&app, &c.window, "consultation", "等待", "等待群众补材料。").await;
    let answered = intake(&app, &c.window, "consultation", "已答复", "已经答复。").await;
    let fresh = intake(&app, &c.window, "consultation", "新的", "还没到期。").await;
    // Ten days back: at least one working day lies between it and today.
    let yesterday = app.today() - Duration::days(10);
    for r in [&late, &paused, &answered] {
        let id = r["id"].as_str().unwrap();
        app.exec(&format!(
            "UPDATE citizen_requests SET due_on = '{yesterday}' WHERE id = '{id}'"
        ))
        .await;
    }
    let id = |r: &Value| r["id"].as_str().unwrap().to_owned();
    app.exec(&format!(
        "UPDATE citizen_requests SET state = 'waiting_citizen', paused_on = '{yesterday}' WHERE id = '{}'",
        id(&paused)
    ))
    .await;
    app.exec(&format!(
        "UPDATE citizen_requests SET state = 'answered' WHERE id = '{}'",
        id(&answered)
    ))
    .await;
    let list = "/api/v1/citizen-requests?";
    let overdue = all_pages(&app, &c.auditor, &format!("{list}overdue=true"), 10).await;
    assert_eq!(
        overdue,
        vec![late["tracking_no"].as_str().unwrap().to_owned()]
    );
    let v: Value = app
        .get(&format!("{list}overdue=true"), &c.auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"][0]["deadline"]["overdue"], true);
    assert!(
        all_pages(&app, &c.auditor, &format!("{list}escalated=true"), 10)
            .await
            .is_empty()
    );
    let _ = fresh;

    // The tick's step, run at the app's clock: escalates once, audited without personal data.
    let mut conn = app.db().await;
    let n = dutydesk::citizen::overdue::escalate(&mut conn, app.clock.now())
        .await
        .unwrap();
    assert_eq!(n, 1);
    let again = dutydesk::citizen::overdue::escalate(&mut conn, app.clock.now())
        .await
        .unwrap();
    assert_eq!(again, 0, "safe to run again");
    let queue = all_pages(&app, &app.admin_token, &format!("{list}escalated=true"), 10).await;
    assert_eq!(
        queue,
        vec![late["tracking_no"].as_str().unwrap().to_owned()]
    );
    let audit = app
        .count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE action = 'overdue_escalated' AND entity_id = '{}' AND after::text NOT LIKE '%139%' AND after::text NOT LIKE '%王%'",
            id(&late)
        ))
        .await;
    assert_eq!(audit, 1);
    let one: Value = app
        .get(
            &format!("/api/v1/citizen-requests/{}", id(&late)),
            &c.window,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(one["overdue_escalated_at"].is_string());
    // The steps are part of every tick.
    let report = dutydesk::tick::run(&app.db_url).await.unwrap();
    assert!(report.steps.contains_key("citizen_overdue_escalated"));
    assert!(report.steps.contains_key("citizen_due_dates"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tick_fills_a_due_date_once_the_years_holidays_are_loaded() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    // A year far enough ahead that no holidays are loaded for it in the test database.
    let year = app.today().year() + 31;
    crate::fixtures::set_clock(&app, NaiveDate::from_ymd_opt(year, 6, 1).unwrap(), 9, 0, 0);
    let r = intake(&app, &c.window, "complaint", "跨年", "假日未载入。").await;
    assert_eq!(r["deadline"]["due_on"], Value::Null);
    let mut conn = app.db().await;
    assert_eq!(
        dutydesk::citizen::overdue::fill_due_dates(&mut conn)
            .await
            .unwrap(),
        0
    );
    cover_years(
        &app,
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap(),
    )
    .await;
    assert_eq!(
        dutydesk::citizen::overdue::fill_due_dates(&mut conn)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        dutydesk::citizen::overdue::fill_due_dates(&mut conn)
            .await
            .unwrap(),
        0
    );
    let v: Value = app
        .get(
            &format!("/api/v1/citizen-requests/{}", r["id"].as_str().unwrap()),
            &c.window,
        )
        .await
        .json()
        .await
        .unwrap();
    // 1 June + 10 working days: the fixture has no holidays in June, so the 10th weekday after.
    let mut expected = NaiveDate::from_ymd_opt(year, 6, 1).unwrap();
    let mut n = 0;
    while n < 10 {
        expected = expected.succ_opt().unwrap();
        if expected.weekday().number_from_monday() <= 5 {
            n += 1;
        }
    }
    assert_eq!(v["deadline"]["due_on"], expected.to_string());
    assert_eq!(v["deadline"]["holidays_not_loaded"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_admins_set_the_deadlines_and_only_new_requests_take_them() {
    let app = spawn_app().await;
    cover_years(&app, app.today(), app.today() + Duration::days(400)).await;
    let c = crew(&app).await;
    let path = "/api/v1/citizen-request-settings";
    for token in [&c.window, &c.auditor, &app.admin_token] {
        let r = app.get(path, token).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["etag"], "\"1\"");
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            (
                v["consultation_days"].clone(),
                v["help_days"].clone(),
                v["complaint_days"].clone(),
                v["suggestion_days"].clone(),
                v["retention_days"].clone()
            ),
            (json!(3), json!(5), json!(10), json!(15), json!(1095))
        );
    }
    let old = intake(&app, &c.window, "complaint", "旧的", "按旧时限。").await;
    let body = json!({"consultation_days": 2, "help_days": 5, "complaint_days": 12, "suggestion_days": 20, "retention_days": 730});
    let put = |token: &str, b: &Value, etag: &str| {
        app.req(reqwest::Method::PUT, path, Some(token))
            .header("If-Match", etag.to_owned())
            .json(b)
            .send()
    };
    assert_problem(
        put(&c.supervisor, &body, "\"1\"").await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    let bad = json!({"consultation_days": 0, "help_days": 61, "complaint_days": 10, "suggestion_days": 15, "retention_days": 29});
    let p = assert_problem(
        put(&app.admin_token, &bad, "\"1\"").await.unwrap(),
        400,
        "validation_failed",
    )
    .await;
    let fields: BTreeSet<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["consultation_days", "help_days", "retention_days"])
    );
    assert_problem(
        put(&app.admin_token, &body, "\"7\"").await.unwrap(),
        412,
        "stale_etag",
    )
    .await;
    let r = put(&app.admin_token, &body, "\"1\"").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["complaint_days"], 12);
    assert_eq!(v["version"], 2);
    // The same values again: no new version, no audit event.
    let r = put(&app.admin_token, &body, "\"2\"").await.unwrap();
    assert_eq!(r.headers()["etag"], "\"2\"");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'citizen_request_settings' AND action = 'updated'").await,
        1
    );
    // New requests take the new deadline; the old one keeps its own.
    let new = intake(&app, &c.window, "complaint", "新的", "按新时限。").await;
    assert_eq!(new["deadline"]["working_days"], 12);
    let again: Value = app
        .get(
            &format!("/api/v1/citizen-requests/{}", old["id"].as_str().unwrap()),
            &c.window,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["deadline"]["working_days"], 10);
}
