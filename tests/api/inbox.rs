//! The phone's inbox (`GET /me/tasks`): each source's tasks appear for the person they wait on,
//! disappear once that person acts, never appear for others; newest first across sources.

use crate::fixtures::*;
use crate::helpers::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

/// The caller's tasks; asserts the answer's shape and that they come newest first.
async fn tasks(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.get("/api/v1/me/tasks", token).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["truncated"], false);
    let items = v["items"].as_array().unwrap().clone();
    let since: Vec<DateTime<Utc>> = items
        .iter()
        .map(|t| t["since"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        since.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {since:?}"
    );
    items
}

/// The tasks of `kind` about record `id` among the caller's.
async fn find(app: &TestApp, token: &str, kind: &str, id: &str) -> Vec<Value> {
    tasks(app, token)
        .await
        .into_iter()
        .filter(|t| t["kind"] == kind && t["id"] == id)
        .collect()
}

fn on(r: &Value, i: usize) -> (String, String, String) {
    let a = &r["assignments"][i];
    (
        a["id"].as_str().unwrap().to_owned(),
        a["staff_id"].as_str().unwrap().to_owned(),
        a["date"].as_str().unwrap().to_owned(),
    )
}

/// A supervisor with no duty on `date` in `roster`.
fn free(h: &Hall, roster: &Value, date: &str) -> String {
    ["d3-2", "d3-1", "d2-2", "d2-1", "d1-2", "d1-1"]
        .into_iter()
        .find(|n| {
            !roster["assignments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["date"] == date && a["staff_id"] == h.id(n))
        })
        .unwrap()
        .to_owned()
}

async fn propose_substitution(
    app: &TestApp,
    h: &Hall,
    r: &Value,
) -> (String, String, String, String) {
    let (aid, staff, date) = on(r, 0);
    let me = h.no_of(&staff);
    let sub = free(h, r, &date);
    let s = app
        .post(
            "/api/v1/substitutions",
            h.token(&me),
            &json!({"assignment_id": aid, "substitute_id": h.id(&sub), "reason": "家中有事"}),
        )
        .await;
    assert_eq!(s.status(), 201);
    let s: Value = s.json().await.unwrap();
    (s["id"].as_str().unwrap().to_owned(), me, sub, date)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substitution_waits_on_the_substitute_until_they_answer() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let (sid, me, sub, date) = propose_substitution(&app, &h, &r).await;
    let found = find(&app, h.token(&sub), "substitution_to_answer", &sid).await;
    assert_eq!(found.len(), 1);
    let t = &found[0];
    assert_eq!(t["from_id"], h.id(&me));
    assert_eq!(t["from_name"], format!("员工 {me}"));
    assert_eq!(t["date"], date);
    assert_eq!(t["due"], date);
    assert_eq!(t["title"], format!("员工 {me} · {date}"));
    assert_eq!(t["link"], format!("/api/v1/substitutions/{sid}"));
    let d = NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap();
    let today = app.today();
    let weekdays = (1..=(d - today).num_days())
        .map(|i| today + Duration::days(i))
        .filter(|x| chrono::Datelike::weekday(x).num_days_from_monday() < 5)
        .count();
    // Counted on the calendar: at most the weekdays in between (holidays before the plain week
    // may take some), at least one.
    let left = t["remaining_working_days"].as_i64().unwrap();
    assert!(left >= 1 && left <= weekdays as i64, "{left} of {weekdays}");
    // Nobody else is asked: not the requester, not another supervisor, not the office (the
    // approval gate is off).
    for other in [h.token(&me), h.token("w1"), app.admin_token.as_str()] {
        assert!(
            tasks(&app, other)
                .await
                .iter()
                .all(|t| t["id"] != sid.as_str())
        );
    }
    let r = app
        .post(
            &format!("/api/v1/substitutions/{sid}/decline"),
            h.token(&sub),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        find(&app, h.token(&sub), "substitution_to_answer", &sid)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_approval_gate_an_accepted_substitution_waits_on_the_office() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    approval_gate(&app, true).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let (sid, me, sub, _) = propose_substitution(&app, &h, &r).await;
    assert!(
        find(&app, &app.admin_token, "substitution_to_register", &sid)
            .await
            .is_empty()
    );
    let r = app
        .post(
            &format!("/api/v1/substitutions/{sid}/accept"),
            h.token(&sub),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        find(&app, h.token(&sub), "substitution_to_answer", &sid)
            .await
            .is_empty()
    );
    let found = find(&app, &app.admin_token, "substitution_to_register", &sid).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["from_name"], format!("员工 {me}"));
    assert!(tasks(&app, h.token(&me)).await.is_empty());
    let r = app
        .post(
            &format!("/api/v1/substitutions/{sid}/register"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        find(&app, &app.admin_token, "substitution_to_register", &sid)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_waits_on_the_other_side_then_on_the_office() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let (a, sa, da) = on(&r, 0);
    let (b, sb, db) = on(&r, 1);
    let (na, nb) = (h.no_of(&sa), h.no_of(&sb));
    let s = app
        .post(
            "/api/v1/swaps",
            h.token(&na),
            &json!({"assignment_id": a, "other_assignment_id": b}),
        )
        .await;
    assert_eq!(s.status(), 201);
    let id = s.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let found = find(&app, h.token(&nb), "swap_to_answer", &id).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["from_id"], sa);
    assert_eq!(found[0]["date"], da);
    assert_eq!(found[0]["due"], da.clone().min(db));
    assert_eq!(found[0]["link"], format!("/api/v1/swaps/{id}"));
    assert!(tasks(&app, h.token(&na)).await.is_empty());
    assert!(
        find(&app, &app.admin_token, "swap_to_register", &id)
            .await
            .is_empty()
    );
    let r = app
        .post(
            &format!("/api/v1/swaps/{id}/accept"),
            h.token(&nb),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        find(&app, h.token(&nb), "swap_to_answer", &id)
            .await
            .is_empty()
    );
    assert_eq!(
        find(&app, &app.admin_token, "swap_to_register", &id)
            .await
            .len(),
        1
    );
    let r = app
        .post(
            &format!("/api/v1/swaps/{id}/register"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        find(&app, &app.admin_token, "swap_to_register", &id)
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_waits_on_the_receiving_days_supervisors_until_confirmed() {
    let app = spawn_app().await;
    app.exec(
        "UPDATE centers SET closing_time = '17:30', duty_end_time = '18:00', \
         duty_grace_minutes = 120",
    )
    .await;
    let f = floor(&app, 2, 0).await;
    let (mon, tue) = (f.mon, f.mon + Duration::days(1));
    let receivers: Vec<String> = f.roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["date"] == tue.to_string())
        .map(|a| f.h.no_of(a["staff_id"].as_str().unwrap()))
        .collect();
    let bystander = ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2"]
        .into_iter()
        .find(|n| !receivers.iter().any(|r| r == n) && !f.on.iter().any(|o| o == n))
        .unwrap();
    clock_at(&app, mon, 16, 0);
    let r = app
        .post(
            &format!("/api/v1/duty-days/{mon}/handover"),
            f.h.token(&f.on[0]),
            &json!({"notes": ["打印机卡纸"]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    let id = made["id"].as_str().unwrap().to_owned();
    for no in &receivers {
        let found = find(&app, f.h.token(no), "handover_to_confirm", &id).await;
        assert_eq!(found.len(), 1, "{no}");
        assert_eq!(found[0]["from_name"], format!("员工 {}", f.on[0]));
        assert_eq!(found[0]["date"], tue.to_string());
        assert_eq!(found[0]["remaining_working_days"], 1);
        assert_eq!(found[0]["link"], format!("/api/v1/handovers/{id}"));
    }
    for no in [f.on[0].as_str(), f.on[1].as_str(), bystander] {
        assert!(
            find(&app, f.h.token(no), "handover_to_confirm", &id)
                .await
                .is_empty(),
            "{no}"
        );
    }
    clock_at(&app, tue, 9, 0);
    let items: Vec<Value> = made["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    let r = app
        .post(
            &format!("/api/v1/handovers/{id}/confirm"),
            f.h.token(&receivers[0]),
            &json!({"items": items}),
        )
        .await;
    assert_eq!(r.status(), 200);
    for no in &receivers {
        assert!(
            find(&app, f.h.token(no), "handover_to_confirm", &id)
                .await
                .is_empty()
        );
    }
}

/// A problem about `w1` found by today's supervisor, due in `days` working days; the
/// rectification's id.
async fn problem(app: &TestApp, f: &Floor, staff: Option<&str>, days: i32) -> String {
    let r = app
        .post(
            "/api/v1/inspections",
            f.h.token(&f.on[0]),
            &json!({"staff_id": staff, "category": "case_quality", "result": "problem",
                    "severity": "major", "description": "材料审核遗漏",
                    "rectify_within_working_days": days}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["rectification"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rectification_waits_on_its_staff_member_then_on_the_verifiers() {
    let app = spawn_app().await;
    let f = floor(&app, 1, 1).await;
    let (h, sup) = (&f.h, f.on[0].as_str());
    let id = problem(&app, &f, Some(h.id("w1")), 3).await;
    let found = find(&app, h.token("w1"), "rectification_to_answer", &id).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["due"], plus(f.mon, 4), "Tuesday + 3 working days");
    assert_eq!(found[0]["remaining_working_days"], 3);
    assert_eq!(found[0]["link"], format!("/api/v1/rectifications/{id}"));
    for t in [h.token(sup), app.admin_token.as_str(), h.token(&f.off)] {
        assert!(tasks(&app, t).await.iter().all(|t| t["id"] != id.as_str()));
    }
    let r = app
        .post(
            &format!("/api/v1/rectifications/{id}/answer"),
            h.token("w1"),
            &json!({"note": "已补齐材料"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(tasks(&app, h.token("w1")).await.is_empty());
    // Today's supervisor and the office verify; a supervisor off duty today does not.
    for t in [h.token(sup), app.admin_token.as_str()] {
        let found = find(&app, t, "rectification_to_verify", &id).await;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["from_name"], "员工 w1");
    }
    assert!(tasks(&app, h.token(&f.off)).await.is_empty());
    let r = app
        .post(
            &format!("/api/v1/rectifications/{id}/verify"),
            h.token(sup),
            &json!({"note": "已核实"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    for t in [h.token(sup), app.admin_token.as_str()] {
        assert!(
            find(&app, t, "rectification_to_verify", &id)
                .await
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hall_wide_rectification_waits_on_the_office() {
    let app = spawn_app().await;
    let f = floor(&app, 1, 1).await;
    let id = problem(&app, &f, None, 2).await;
    assert_eq!(
        find(&app, &app.admin_token, "rectification_to_answer", &id)
            .await
            .len(),
        1
    );
    for no in [f.on[0].as_str(), "w1"] {
        assert!(tasks(&app, f.h.token(no)).await.is_empty(), "{no}");
    }
}

/// Stores a citizen's request owned by `owner` (the intake endpoint comes separately), which
/// came to them at `since`.
async fn citizen_request(
    app: &TestApp,
    n: u32,
    owner: &str,
    state: &str,
    due: NaiveDate,
    since: DateTime<Utc>,
) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    let center = app.center_id;
    let today = app.today();
    let since = since.to_rfc3339();
    app.exec(&format!(
        "INSERT INTO citizen_requests (id, center_id, tracking_no, kind, channel, state, concerns, \
         subject, description, owner_id, received_by, received_at, received_on, deadline_days, \
         due_on, created_at, updated_at) VALUES ('{id}', '{center}', 'TS20260101-0000{n}', \
         'complaint', 'visit', '{state}', 'hall', '等候时间过长', '排队两小时', '{owner}', \
         '{owner}', '{since}', '{today}', 10, '{due}', '{since}', '{since}')"
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO citizen_request_owners (request_id, seq, owner_id, how, since) \
         VALUES ('{id}', 1, '{owner}', 'received', '{since}')"
    ))
    .await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizen_requests_wait_on_their_owner_with_remaining_working_days_newest_first() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 3).await;
    let r = published(&app, &plus(mon, 14), &plus(mon, 18)).await;
    let (aid, staff, date) = on(&r, 0);
    let owner_no = free(&h, &r, &date);
    let other_no = h.no_of(&staff);
    let (owner, other) = (h.id(&owner_no).to_owned(), h.id(&other_no).to_owned());
    let mon2 = mon + Duration::days(7);
    clock_at(&app, mon2, 8, 0);
    // A substitution proposed to the owner; two requests came to them before and after it: the
    // inbox mixes sources by time.
    let s = app
        .post(
            "/api/v1/substitutions",
            h.token(&other_no),
            &json!({"assignment_id": aid, "substitute_id": owner, "reason": "家中有事"}),
        )
        .await;
    assert_eq!(s.status(), 201);
    let s: Value = s.json().await.unwrap();
    let sid = s["id"].as_str().unwrap().to_owned();
    let at: DateTime<Utc> = s["updated_at"].as_str().unwrap().parse().unwrap();
    let older = citizen_request(
        &app,
        1,
        &owner,
        "in_progress",
        mon + Duration::days(4),
        at - Duration::hours(2),
    )
    .await;
    let newer = citizen_request(
        &app,
        2,
        &owner,
        "accepted",
        mon2 + Duration::days(4),
        at + Duration::minutes(30),
    )
    .await;
    let answered = citizen_request(&app, 3, &owner, "answered", mon2, at).await;
    let others = citizen_request(&app, 4, &other, "in_progress", mon2, at).await;
    clock_at(&app, mon2, 9, 0);
    let mine = tasks(&app, h.token(&owner_no)).await;
    let ids: Vec<&str> = mine.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![newer.as_str(), sid.as_str(), older.as_str()]);
    assert_eq!(mine[0]["kind"], "citizen_request_owned");
    assert_eq!(mine[0]["title"], "TS20260101-00002 等候时间过长");
    assert_eq!(mine[0]["due"], plus(mon2, 4));
    assert_eq!(mine[0]["remaining_working_days"], 4);
    assert_eq!(mine[0]["from_id"], Value::Null);
    assert_eq!(mine[0]["link"], format!("/api/v1/citizen-requests/{newer}"));
    assert_eq!(mine[1]["kind"], "substitution_to_answer");
    // Due the Friday before: overdue by one working day (today, Monday).
    assert_eq!(mine[2]["due"], plus(mon, 4));
    assert_eq!(mine[2]["remaining_working_days"], -1);
    assert!(!ids.contains(&answered.as_str()) && !ids.contains(&others.as_str()));
    // Handed on: it leaves the old owner's inbox and reaches the new one's.
    app.exec(&format!(
        "UPDATE citizen_requests SET owner_id = '{other}' WHERE id = '{newer}'"
    ))
    .await;
    assert!(
        find(&app, h.token(&owner_no), "citizen_request_owned", &newer)
            .await
            .is_empty()
    );
    assert_eq!(
        find(&app, h.token(&other_no), "citizen_request_owned", &newer)
            .await
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auditors_get_an_empty_inbox_and_portal_tokens_are_refused() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    assert!(tasks(&app, &c.auditor).await.is_empty());
    assert!(tasks(&app, &app.admin_token).await.is_empty());
    let now = Utc::now().timestamp();
    let claims = json!({"sub": "portal-1", "roles": ["portal"], "centers": ["alpha"],
                        "iat": now, "nbf": now, "exp": now + 300,
                        "iss": IDP_ISSUER, "aud": IDP_AUDIENCE});
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(IDP_KID.into());
    let portal = encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(&idp_private_pem()).unwrap(),
    )
    .unwrap();
    assert_problem(app.get("/api/v1/me/tasks", &portal).await, 403, "forbidden").await;
    let r = app
        .req(reqwest::Method::GET, "/api/v1/me/tasks", None)
        .send()
        .await
        .unwrap();
    assert_problem(r, 401, "unauthorized").await;
}

/// A bad rating, through a one-time link, of a service `window` gave a few minutes ago: its
/// follow-up's id (nobody is named to call back yet).
async fn bad_window_rating(app: &TestApp, window: &str) -> String {
    let me: Value = app.get("/api/v1/me", window).await.json().await.unwrap();
    let served_at = (app.clock.now() - Duration::minutes(5)).to_rfc3339();
    let service = json!({ "service": { "staff_id": me["id"], "matter": "营业执照变更", "served_at": served_at } });
    let l = app.post("/api/v1/rating-links", window, &service).await;
    assert_eq!(l.status(), 201);
    let l: Value = l.json().await.unwrap();
    let r = app
        .req(reqwest::Method::POST, "/api/v1/ratings/by-link", None)
        .json(&json!({ "token": l["token"], "level": 1, "comment": "态度差" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let bad: Value = app
        .get("/api/v1/ratings?has_follow_up=true", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    bad["items"][0]["follow_up"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_ratings_follow_up_waits_on_the_office_then_on_who_calls_back_until_closed() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let mon = plain_weeks(&app, 1).await;
    clock_at(&app, mon, 9, 0);
    let fid = bad_window_rating(&app, &c.window).await;
    // Nobody named: the office must name one; the call back is due in two working days.
    let office = find(&app, &app.admin_token, "follow_up_to_assign", &fid).await;
    assert_eq!(office.len(), 1);
    assert_eq!(office[0]["due"], plus(mon, 2));
    assert_eq!(office[0]["remaining_working_days"], 2);
    assert_eq!(office[0]["title"], "营业执照变更");
    assert_eq!(office[0]["from_id"], Value::Null);
    let link = office[0]["link"].as_str().unwrap().to_owned();
    assert_eq!(link, format!("/api/v1/rating-follow-ups/{fid}"));
    let f: Value = app.get(&link, &app.admin_token).await.json().await.unwrap();
    assert_eq!(f["id"], fid.as_str());
    for token in [&c.supervisor, &c.window, &c.auditor] {
        assert!(!tasks(&app, token).await.iter().any(|t| t["id"] == fid));
    }
    let r = app
        .post(
            &format!("/api/v1/rating-follow-ups/{fid}/assign"),
            &app.admin_token,
            &json!({ "assignee_id": c.staff_id, "note": "请督导员回访" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    // Named: it leaves the office's inbox and waits on the assignee, due as before.
    assert!(
        find(&app, &app.admin_token, "follow_up_to_assign", &fid)
            .await
            .is_empty()
    );
    let mine = find(&app, &c.supervisor, "follow_up_to_call_back", &fid).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["due"], plus(mon, 2));
    assert_eq!(mine[0]["remaining_working_days"], 2);
    assert!(!tasks(&app, &c.window).await.iter().any(|t| t["id"] == fid));
    // Not called back by Thursday: overdue by one working day.
    clock_at(&app, mon + Duration::days(3), 9, 0);
    let late = find(&app, &c.supervisor, "follow_up_to_call_back", &fid).await;
    assert_eq!(late[0]["remaining_working_days"], -1);
    // Called back, then rectified: still the assignee's to finish (no date); closed: gone.
    for m in ["call-back", "rectify", "close"] {
        let r = app
            .post(
                &format!("/api/v1/rating-follow-ups/{fid}/{m}"),
                &c.supervisor,
                &json!({ "note": "已回访整改" }),
            )
            .await;
        assert_eq!(r.status(), 200, "{m}");
        let left: Vec<Value> = tasks(&app, &c.supervisor)
            .await
            .into_iter()
            .filter(|t| t["id"] == fid)
            .collect();
        if m == "close" {
            assert!(left.is_empty());
        } else {
            assert_eq!(left.len(), 1, "{m}");
            assert_eq!(left[0]["kind"], "follow_up_to_finish");
            assert_eq!(left[0]["due"], Value::Null);
            assert_eq!(left[0]["remaining_working_days"], Value::Null);
        }
    }
    assert!(
        !tasks(&app, &app.admin_token)
            .await
            .iter()
            .any(|t| t["id"] == fid)
    );
}
