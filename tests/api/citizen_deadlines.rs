//! Deadlines of citizens' requests (限时办结, R20): one overdue rule for the view, the list's
//! `overdue=true` and the tick's escalation; resuming and reopening recount the due date and
//! clear a stale escalation, which the tick raises again should the request become late again.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use dutydesk::citizen::deadline;
use dutydesk::citizen::model::State;
use dutydesk::db::schema::citizen_requests as cr;
use serde_json::{Value, json};
use uuid::Uuid;

const LIST: &str = "/api/v1/citizen-requests";

/// Records a consultation (3 working days by default) as `token` and returns it.
async fn consultation(app: &TestApp, token: &str) -> Value {
    let r = app
        .post(
            LIST,
            token,
            &json!({
                "kind": "consultation",
                "channel": "visit",
                "citizen_name": "赵六",
                "citizen_phone": "13700001111",
                "concerns": "hall",
                "subject": "医保报销",
                "description": "问报销材料",
            }),
        )
        .await;
    let s = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert_eq!(s, 201, "{v}");
    v["request"].clone()
}

async fn ok(app: &TestApp, token: &str, id: &str, m: &str) -> Value {
    let r = app
        .post(
            &format!("{LIST}/{id}/{m}"),
            token,
            &json!({"note": format!("{m} 说明")}),
        )
        .await;
    let s = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert_eq!(s, 200, "{m}: {v}");
    v
}

async fn one(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("{LIST}/{id}"), token)
        .await
        .json()
        .await
        .unwrap()
}

/// The ids a list query returns (one page is enough here).
async fn ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let v: Value = app
        .get(&format!("{LIST}?{query}&limit=100"), token)
        .await
        .json()
        .await
        .unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The tick's escalation step at the app's clock; how many it escalated.
async fn tick(app: &TestApp) -> usize {
    let mut conn = app.db().await;
    dutydesk::citizen::overdue::escalate(&mut conn, app.clock.now())
        .await
        .unwrap()
}

async fn audited(app: &TestApp, action: &str, id: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM audit_events WHERE action = '{action}' AND entity_id = '{id}'"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_due_on_friday_is_overdue_on_saturday_in_the_view_the_list_and_the_tick() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let mon = plain_weeks(&app, 3).await;
    // Received on Tuesday: Wednesday, Thursday, Friday → due on Friday.
    set_clock(&app, mon + Duration::days(1), 9, 0, 0);
    let r = consultation(&app, &c.window).await;
    let id = r["id"].as_str().unwrap().to_owned();
    assert_eq!(r["deadline"]["due_on"], plus(mon, 4));
    assert_eq!(r["deadline"]["remaining_working_days"], 3);

    // Friday: due today, not overdue anywhere.
    set_clock(&app, mon + Duration::days(4), 17, 0, 0);
    let v = one(&app, &c.auditor, &id).await;
    assert_eq!(v["deadline"]["overdue"], false);
    assert_eq!(v["deadline"]["remaining_working_days"], 0);
    assert!(ids(&app, &c.auditor, "overdue=true").await.is_empty());
    assert_eq!(tick(&app).await, 0);

    // Saturday: overdue in the view, in the list and for the tick alike.
    set_clock(&app, mon + Duration::days(5), 10, 0, 0);
    let v = one(&app, &c.auditor, &id).await;
    assert_eq!(v["deadline"]["overdue"], true);
    assert_eq!(v["deadline"]["remaining_working_days"], -1);
    assert_eq!(ids(&app, &c.auditor, "overdue=true").await, [id.as_str()]);
    assert!(
        ids(&app, &app.admin_token, "escalated=true")
            .await
            .is_empty()
    );
    assert_eq!(tick(&app).await, 1);
    assert_eq!(
        ids(&app, &app.admin_token, "escalated=true").await,
        [id.as_str()]
    );
    assert_eq!(audited(&app, "overdue_escalated", &id).await, 1);

    // Monday: still -1 (one working day late), Tuesday -2.
    set_clock(&app, mon + Duration::days(7), 10, 0, 0);
    let v = one(&app, &c.auditor, &id).await;
    assert_eq!(v["deadline"]["remaining_working_days"], -1);
    set_clock(&app, mon + Duration::days(8), 10, 0, 0);
    let v = one(&app, &c.auditor, &id).await;
    assert_eq!(v["deadline"]["remaining_working_days"], -2);
    assert_eq!(v["deadline"]["overdue"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_that_moves_the_due_date_past_today_clears_the_escalation_until_late_again() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let mon = plain_weeks(&app, 3).await;
    set_clock(&app, mon + Duration::days(1), 9, 0, 0);
    let r = consultation(&app, &c.window).await;
    let id = r["id"].as_str().unwrap().to_owned();
    ok(&app, &c.window, &id, "start").await;
    // Due Friday; escalated on Saturday.
    set_clock(&app, mon + Duration::days(5), 9, 0, 0);
    assert_eq!(tick(&app).await, 1);
    assert_eq!(
        ids(&app, &app.admin_token, "escalated=true").await,
        [id.as_str()]
    );
    // The citizen is asked for materials on Saturday: no longer overdue while waiting.
    let v = ok(&app, &c.window, &id, "wait").await;
    assert_eq!(v["deadline"]["overdue"], false);
    assert!(ids(&app, &c.auditor, "overdue=true").await.is_empty());
    // Back on Tuesday: Monday and Tuesday were waited, the due date moves to Tuesday.
    set_clock(&app, mon + Duration::days(8), 10, 0, 0);
    let v = ok(&app, &c.window, &id, "resume").await;
    assert_eq!(v["deadline"]["due_on"], plus(mon, 8));
    assert_eq!(v["deadline"]["paused_days"], 2);
    assert_eq!(v["deadline"]["overdue"], false);
    assert_eq!(v["deadline"]["remaining_working_days"], 0);
    assert!(v["overdue_escalated_at"].is_null(), "{v}");
    assert!(
        ids(&app, &app.admin_token, "escalated=true")
            .await
            .is_empty()
    );
    assert!(ids(&app, &c.auditor, "overdue=true").await.is_empty());
    assert_eq!(audited(&app, "overdue_cleared", &id).await, 1);
    assert_eq!(tick(&app).await, 0);
    // Wednesday: late again, escalated again.
    set_clock(&app, mon + Duration::days(9), 10, 0, 0);
    assert_eq!(ids(&app, &c.auditor, "overdue=true").await, [id.as_str()]);
    assert_eq!(tick(&app).await, 1);
    assert_eq!(
        ids(&app, &app.admin_token, "escalated=true").await,
        [id.as_str()]
    );
    assert_eq!(audited(&app, "overdue_escalated", &id).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_that_leaves_the_due_date_past_keeps_the_escalation() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let mon = plain_weeks(&app, 3).await;
    set_clock(&app, mon + Duration::days(1), 9, 0, 0);
    let r = consultation(&app, &c.window).await;
    let id = r["id"].as_str().unwrap().to_owned();
    ok(&app, &c.window, &id, "start").await;
    // Escalated on Monday, one working day late; the wait begins then.
    set_clock(&app, mon + Duration::days(7), 9, 0, 0);
    assert_eq!(tick(&app).await, 1);
    ok(&app, &c.window, &id, "wait").await;
    set_clock(&app, mon + Duration::days(8), 9, 0, 0);
    let v = ok(&app, &c.window, &id, "resume").await;
    // Tuesday waited: due Monday, still late on Tuesday.
    assert_eq!(v["deadline"]["due_on"], plus(mon, 7));
    assert_eq!(v["deadline"]["overdue"], true);
    assert!(v["overdue_escalated_at"].is_string());
    assert_eq!(
        ids(&app, &app.admin_token, "escalated=true").await,
        [id.as_str()]
    );
    assert_eq!(audited(&app, "overdue_cleared", &id).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_gives_a_fresh_deadline_from_the_reopening_day() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let mon = plain_weeks(&app, 3).await;
    set_clock(&app, mon + Duration::days(1), 9, 0, 0);
    let r = consultation(&app, &c.window).await;
    let id = r["id"].as_str().unwrap().to_owned();
    ok(&app, &c.window, &id, "start").await;
    // Late on Monday and escalated; answered and closed that day.
    set_clock(&app, mon + Duration::days(7), 9, 0, 0);
    assert_eq!(tick(&app).await, 1);
    let body = json!({"note": "答复", "answer": "请带身份证原件"});
    let a = app
        .post(&format!("{LIST}/{id}/answer"), &c.window, &body)
        .await;
    assert_eq!(a.status(), 200);
    ok(&app, &c.window, &id, "close").await;
    // Reopened by the office on Wednesday: 3 working days from then (Thu, Fri, Mon).
    set_clock(&app, mon + Duration::days(9), 11, 0, 0);
    let v = ok(&app, &app.admin_token, &id, "reopen").await;
    assert_eq!(v["state"], "in_progress");
    assert_eq!(v["deadline"]["due_on"], plus(mon, 14));
    assert_eq!(v["deadline"]["working_days"], 3);
    // Receipt (Tuesday) to reopening (Wednesday of the next week): 6 working days not counted.
    assert_eq!(v["deadline"]["paused_days"], 6);
    assert_eq!(v["deadline"]["remaining_working_days"], 3);
    assert_eq!(v["deadline"]["overdue"], false);
    assert!(v["overdue_escalated_at"].is_null());
    assert_eq!(audited(&app, "overdue_cleared", &id).await, 1);
    assert!(
        ids(&app, &app.admin_token, "escalated=true")
            .await
            .is_empty()
    );
    // The tick escalates again once the fresh due date has passed.
    set_clock(&app, mon + Duration::days(14), 11, 0, 0);
    assert_eq!(tick(&app).await, 0);
    set_clock(&app, mon + Duration::days(15), 11, 0, 0);
    assert_eq!(ids(&app, &c.auditor, "overdue=true").await, [id.as_str()]);
    assert_eq!(tick(&app).await, 1);
    assert_eq!(
        ids(&app, &app.admin_token, "escalated=true").await,
        [id.as_str()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overdue_rule_in_rust_and_in_sql_agree_on_every_row() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let today = app.today();
    cover_years(
        &app,
        today - Duration::days(30),
        today + Duration::days(400),
    )
    .await;
    // (state, paused on, due on) as days from today.
    let cases: [(&str, Option<i64>, Option<i64>); 14] = [
        ("received", None, Some(-1)),
        ("accepted", None, Some(-3)),
        ("forwarded", None, Some(-1)),
        ("escalated", None, Some(0)),
        ("in_progress", None, Some(-1)),
        ("in_progress", None, Some(0)),
        ("in_progress", None, Some(1)),
        ("in_progress", None, None),
        ("in_progress", Some(-2), Some(-1)),
        ("waiting_citizen", Some(-2), Some(-1)),
        ("waiting_citizen", None, Some(-1)),
        ("answered", None, Some(-1)),
        ("closed", None, Some(-1)),
        ("refused", None, Some(-1)),
    ];
    let day = |n: Option<i64>| match n {
        Some(n) => format!("'{}'", today + Duration::days(n)),
        None => "NULL".to_owned(),
    };
    for (state, paused, due) in cases {
        let r = consultation(&app, &c.window).await;
        app.exec(&format!(
            "UPDATE citizen_requests SET state = '{state}', paused_on = {}, due_on = {} \
             WHERE id = '{}'",
            day(paused),
            day(due),
            r["id"].as_str().unwrap()
        ))
        .await;
    }
    let mut conn = app.db().await;
    let rows: Vec<(Uuid, State, Option<NaiveDate>, Option<NaiveDate>)> = cr::table
        .select((cr::id, cr::state, cr::paused_on, cr::due_on))
        .order(cr::id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), cases.len());
    for on in [today - Duration::days(1), today, today + Duration::days(1)] {
        let mut sql: Vec<Uuid> = cr::table
            .filter(deadline::overdue_sql(on))
            .select(cr::id)
            .order(cr::id)
            .load(&mut conn)
            .await
            .unwrap();
        sql.sort();
        let mut rust: Vec<Uuid> = rows
            .iter()
            .filter(|(_, s, p, d)| deadline::overdue(*s, *p, *d, on))
            .map(|r| r.0)
            .collect();
        rust.sort();
        assert_eq!(sql, rust, "on {on}");
        if on == today {
            assert_eq!(rust.len(), 4, "received, accepted, forwarded, in progress");
        }
    }
}
