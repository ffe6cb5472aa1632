//! Ratings (好差评, R21): by the portal and by one-time links, one per request or service event,
//! bad ratings' follow-ups through to a re-rating, who sees what.

use crate::fixtures::{cover_years, crew};
use crate::helpers::*;
use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};

async fn staff_id_of(app: &TestApp, token: &str) -> String {
    let me: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    me["id"].as_str().unwrap().to_owned()
}

/// A help request the portal `portal` sent in to center alpha; its id.
async fn portal_request(app: &TestApp, portal: &str) -> String {
    let r = app
        .post(
            "/api/v1/citizen-requests",
            portal,
            &json!({
                "center_code": "alpha",
                "kind": "help",
                "channel": "portal",
                "citizen_name": "李四",
                "citizen_phone": "139 0000 1111",
                "concerns": "matter",
                "matter": "社保卡补办",
                "subject": "社保卡补办进度",
                "description": "提交材料后两周未收到通知。",
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["request"]["id"].as_str().unwrap().to_owned()
}

async fn rate(app: &TestApp, portal: &str, key: &str, body: &Value) -> reqwest::Response {
    app.req(Method::POST, "/api/v1/ratings", Some(portal))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn by_link(app: &TestApp, body: &Value) -> reqwest::Response {
    app.req(Method::POST, "/api/v1/ratings/by-link", None)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn link(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.post("/api/v1/rating-links", token, body).await
}

async fn move_follow_up(
    app: &TestApp,
    token: &str,
    id: &str,
    m: &str,
    note: &str,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/rating-follow-ups/{id}/{m}"),
        token,
        &json!({ "note": note }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_portal_rating_is_followed_up_audited_and_rated_again() {
    let app = spawn_app().await;
    cover_years(&app, app.today(), app.today() + Duration::days(400)).await;
    let c = crew(&app).await;
    let portal = portal_token("gov-portal", &["alpha"]);
    let id = portal_request(&app, &portal).await;
    let body = json!({ "center_code": "alpha", "request_id": id, "level": 1, "comment": "等了两周没人理" });
    // Not answered yet.
    assert_problem(
        rate(&app, &portal, "r-0", &body).await,
        409,
        "request_not_answered",
    )
    .await;
    app.exec(&format!(
        "UPDATE citizen_requests SET state = 'answered', answer = '已补办', owner_id = '{}' WHERE id = '{id}'",
        c.staff_id
    ))
    .await;
    // The scale has five levels; a center the token does not list; staff do not post here.
    let mut bad = body.clone();
    bad["level"] = json!(6);
    let p = assert_problem(
        rate(&app, &portal, "r-1", &bad).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "level");
    let mut beta = body.clone();
    beta["center_code"] = json!("beta");
    assert_problem(
        rate(&app, &portal, "r-2", &beta).await,
        403,
        "center_not_served",
    )
    .await;
    assert_problem(
        rate(&app, &c.supervisor, "r-3", &body).await,
        403,
        "forbidden",
    )
    .await;
    // Another portal cannot rate what it did not send in.
    let other = portal_token("other-portal", &["alpha"]);
    assert_problem(rate(&app, &other, "r-4", &body).await, 404, "not_found").await;

    let r = rate(&app, &portal, "r-5", &body).await;
    assert_eq!(r.status(), 201);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["level"], 1);
    assert_eq!(first["scale"], "very_dissatisfied");
    assert_eq!(first["round"], 1);
    assert_eq!(first["follow_up_opened"], true);
    // The portal's retry replays; a second rating is refused.
    let again: Value = rate(&app, &portal, "r-5", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_problem(
        rate(&app, &portal, "r-6", &body).await,
        409,
        "already_rated",
    )
    .await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM outbox_events WHERE kind = 'rating.follow_up_opened' AND portal = 'gov-portal'").await,
        1
    );

    // The request's owner calls back, within 2 working days.
    let page: Value = app
        .get(
            "/api/v1/rating-follow-ups?assignee=me&state=open",
            &c.supervisor,
        )
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let f = &items[0];
    assert_eq!(f["assignee_id"], c.staff_id.as_str());
    assert_eq!(f["level"], 1);
    let due = f["due_on"].as_str().unwrap();
    assert!(due > app.today().to_string().as_str(), "{due}");
    let fid = f["id"].as_str().unwrap().to_owned();
    // Others do not see it; moves go in order; each needs a note.
    assert_problem(
        move_follow_up(&app, &c.window, &fid, "call-back", "x").await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        move_follow_up(&app, &c.supervisor, &fid, "close", "x").await,
        409,
        "invalid_state",
    )
    .await;
    assert_problem(
        move_follow_up(&app, &c.supervisor, &fid, "call-back", " ").await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        move_follow_up(&app, &app.admin_token, &fid, "call-back", "x").await,
        403,
        "forbidden",
    )
    .await;
    for (m, state) in [
        ("call-back", "called_back"),
        ("rectify", "rectified"),
        ("close", "closed"),
    ] {
        let r = move_follow_up(&app, &c.supervisor, &fid, m, "已电话回访并整改").await;
        assert_eq!(r.status(), 200, "{m}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["state"], state);
    }
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_type = 'rating_follow_up' AND entity_id = '{fid}' \
             AND action IN ('opened', 'called_back', 'rectified', 'closed')"
        ))
        .await,
        4
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM outbox_events WHERE kind = 'rating.follow_up_closed'")
            .await,
        1
    );
    let payloads = app
        .count("SELECT count(*) AS n FROM outbox_events WHERE payload::text LIKE '%13900001111%' OR payload::text LIKE '%李四%'")
        .await;
    assert_eq!(payloads, 0, "no personal data in the events");

    // Closed: the citizen may rate again; both ratings are kept.
    let mut better = body.clone();
    better["level"] = json!(4);
    let r = rate(&app, &portal, "r-7", &better).await;
    assert_eq!(r.status(), 201);
    let second: Value = r.json().await.unwrap();
    assert_eq!(second["round"], 2);
    assert_eq!(second["follow_up_opened"], false);
    let all: Value = app
        .get("/api/v1/ratings", &c.auditor)
        .await
        .json()
        .await
        .unwrap();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], second["id"]);
    assert_eq!(items[1]["superseded_by"], second["id"]);
    assert_eq!(items[1]["follow_up"]["state"], "closed");
    assert_eq!(items[0]["scale"], "satisfied");
    assert_problem(
        rate(&app, &portal, "r-8", &better).await,
        409,
        "already_rated",
    )
    .await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'rating' AND action = 'rated'").await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_link_rates_a_window_service_once() {
    let app = spawn_app().await;
    cover_years(&app, app.today(), app.today() + Duration::days(400)).await;
    let c = crew(&app).await;
    let win = staff_id_of(&app, &c.window).await;
    let served_at = (app.clock.now() - Duration::hours(1)).to_rfc3339();
    let service = json!({ "service": { "staff_id": win, "department_id": c.dept_id, "matter": "医保关系转移", "served_at": served_at } });
    // Only the staff member who served makes a link for it.
    assert_problem(link(&app, &c.supervisor, &service).await, 403, "forbidden").await;
    let mut future = service.clone();
    future["service"]["served_at"] = json!((app.clock.now() + Duration::hours(1)).to_rfc3339());
    assert_problem(
        link(&app, &c.window, &future).await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        link(&app, &c.window, &json!({})).await,
        400,
        "validation_failed",
    )
    .await;
    let r = link(&app, &c.window, &service).await;
    assert_eq!(r.status(), 201);
    let l: Value = r.json().await.unwrap();
    let token = l["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 40);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM rating_links WHERE token_hash::text LIKE '%{token}%'"
        ))
        .await,
        0
    );
    // No token, a bad level; an unknown token.
    assert_problem(
        by_link(&app, &json!({ "token": token, "level": 0 })).await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        by_link(&app, &json!({ "token": "nope", "level": 5 })).await,
        404,
        "not_found",
    )
    .await;
    let r = by_link(
        &app,
        &json!({ "token": token, "level": 5, "comment": "很好" }),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["scale"], "very_satisfied");
    assert_eq!(v["follow_up_opened"], false);
    assert!(v.get("staff_id").is_none() && v.get("comment").is_none());
    // Used once; the same service event gets no second link.
    assert_problem(
        by_link(&app, &json!({ "token": token, "level": 1 })).await,
        409,
        "rating_link_used",
    )
    .await;
    assert_problem(link(&app, &c.window, &service).await, 409, "already_rated").await;

    // Two phones use one link at once: one wins.
    let mut other = service.clone();
    other["service"]["matter"] = json!("社保卡补办");
    let l: Value = link(&app, &c.window, &other).await.json().await.unwrap();
    let t = l["token"].as_str().unwrap().to_owned();
    let (four, three) = (
        json!({ "token": t, "level": 4 }),
        json!({ "token": t, "level": 3 }),
    );
    let (a, b) = tokio::join!(by_link(&app, &four), by_link(&app, &three));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);

    // A link expires after 7 days.
    let mut third = service.clone();
    third["service"]["matter"] = json!("公积金提取");
    let l: Value = link(&app, &c.window, &third).await.json().await.unwrap();
    let t = l["token"].as_str().unwrap().to_owned();
    app.clock.set(app.clock.now() + Duration::days(8));
    assert_problem(
        by_link(&app, &json!({ "token": t, "level": 4 })).await,
        410,
        "rating_link_expired",
    )
    .await;

    // Window staff see their own ratings only; the office all.
    let mine: Value = app
        .get("/api/v1/ratings", &c.window)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    assert_eq!(mine["items"][0]["staff_name"], "员工 win1");
    assert_eq!(mine["items"][0]["via"], "link");
    let theirs: Value = app
        .get("/api/v1/ratings", &c.supervisor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);
    let five: Value = app
        .get("/api/v1/ratings?level=5", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(five["items"].as_array().unwrap().len(), 1);
    let paged: Value = app
        .get("/api/v1/ratings?limit=1", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let cursor = paged["next_cursor"].as_str().unwrap();
    let next: Value = app
        .get(
            &format!("/api/v1/ratings?limit=1&cursor={cursor}"),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert_ne!(next["items"][0]["id"], paged["items"][0]["id"]);
    assert_eq!(next["next_cursor"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_window_rating_waits_for_the_office_to_name_who_calls_back() {
    let app = spawn_app().await;
    cover_years(&app, app.today(), app.today() + Duration::days(400)).await;
    let c = crew(&app).await;
    let win = staff_id_of(&app, &c.window).await;
    let served_at = (app.clock.now() - Duration::minutes(5)).to_rfc3339();
    let service =
        json!({ "service": { "staff_id": win, "matter": "营业执照变更", "served_at": served_at } });
    let l: Value = link(&app, &c.window, &service).await.json().await.unwrap();
    let r = by_link(
        &app,
        &json!({ "token": l["token"], "level": 2, "comment": "态度一般" }),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["scale"], "dissatisfied");
    assert_eq!(v["follow_up_opened"], true);
    // Not from the portal: no webhook.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM outbox_events").await,
        0
    );
    let bad: Value = app
        .get("/api/v1/ratings?has_follow_up=true", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let fid = bad["items"][0]["follow_up"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(bad["items"][0]["follow_up"]["assignee_id"], Value::Null);
    let good: Value = app
        .get("/api/v1/ratings?has_follow_up=false", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(good["items"].as_array().unwrap().len(), 0);
    // Nobody's yet: only the office assigns.
    let assign = |token: String, who: String| {
        let app = &app;
        let fid = fid.clone();
        async move {
            app.post(
                &format!("/api/v1/rating-follow-ups/{fid}/assign"),
                &token,
                &json!({ "assignee_id": who, "note": "请督导员回访" }),
            )
            .await
        }
    };
    assert_problem(
        assign(c.window.clone(), c.staff_id.clone()).await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        assign(app.admin_token.clone(), uuid::Uuid::now_v7().to_string()).await,
        400,
        "validation_failed",
    )
    .await;
    let r = assign(app.admin_token.clone(), c.staff_id.clone()).await;
    assert_eq!(r.status(), 200);
    let f: Value = r.json().await.unwrap();
    assert_eq!(f["assignee_name"], "员工 sup1");
    assert_eq!(f["state"], "open");
    let mine: Value = app
        .get(
            "/api/v1/rating-follow-ups?assignee=me&state=open",
            &c.supervisor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["id"], fid.as_str());
    // The assignee now sees the rating too; the rated window staff their own.
    let seen: Value = app
        .get("/api/v1/ratings", &c.supervisor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["items"].as_array().unwrap().len(), 1);
    let none: Value = app
        .get("/api/v1/rating-follow-ups?state=closed", &c.supervisor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    assert_problem(
        move_follow_up(&app, &c.window, &fid, "call-back", "x").await,
        404,
        "not_found",
    )
    .await;
    let r = move_follow_up(&app, &c.supervisor, &fid, "call-back", "已回访").await;
    assert_eq!(r.status(), 200);
    assert_problem(
        assign(app.admin_token.clone(), c.staff_id.clone()).await,
        409,
        "invalid_state",
    )
    .await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_type = 'rating_follow_up' AND entity_id = '{fid}'"
        ))
        .await,
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoever_calls_back_reads_the_citizens_contact_until_the_follow_up_closes() {
    let app = spawn_app().await;
    cover_years(&app, app.today(), app.today() + Duration::days(400)).await;
    let c = crew(&app).await;
    let portal = portal_token("gov-portal", &["alpha"]);
    let id = portal_request(&app, &portal).await;
    app.exec(&format!(
        "UPDATE citizen_requests SET state = 'answered', answer = '已补办', owner_id = '{}' WHERE id = '{id}'",
        c.staff_id
    ))
    .await;
    let r = rate(
        &app,
        &portal,
        "c-1",
        &json!({ "center_code": "alpha", "request_id": id, "level": 2 }),
    )
    .await;
    assert_eq!(r.status(), 201);
    let page: Value = app
        .get("/api/v1/rating-follow-ups?assignee=me", &c.supervisor)
        .await
        .json()
        .await
        .unwrap();
    let fid = page["items"][0]["id"].as_str().unwrap().to_owned();
    let contact = format!("/api/v1/citizen-requests/{id}/contact");
    let one = format!("/api/v1/rating-follow-ups/{fid}");
    let viewed = format!(
        "SELECT count(*) AS n FROM audit_events WHERE entity_type = 'citizen_request' \
         AND entity_id = '{id}' AND action = 'contact_viewed'"
    );
    // Before the office names the window staff member, they cannot see the request; another
    // supervisor sees it masked but not the contact.
    let win = staff_id_of(&app, &c.window).await;
    let (_, sup2) = app.create_staff("sup2", &["supervisor"], None).await;
    let (_, win2) = app.create_staff("win2", &["window_staff"], None).await;
    assert_problem(app.get(&contact, &c.window).await, 404, "not_found").await;
    assert_problem(app.get(&one, &c.window).await, 404, "not_found").await;
    assert_problem(app.get(&contact, &sup2).await, 403, "forbidden").await;
    let r = app
        .post(
            &format!("/api/v1/rating-follow-ups/{fid}/assign"),
            &app.admin_token,
            &json!({ "assignee_id": win, "note": "请窗口回访" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    // The assignee reads the follow-up and the clear contact, audited once, without the values.
    let f: Value = app.get(&one, &c.window).await.json().await.unwrap();
    assert_eq!(f["assignee_id"], win.as_str());
    assert_eq!(f["request_id"], id.as_str());
    let r = app.get(&contact, &c.window).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["name"], "李四");
    assert_eq!(v["phone"], "13900001111");
    assert_eq!(app.count(&viewed).await, 1);
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM audit_events WHERE before::text LIKE '%13900001111%' \
             OR after::text LIKE '%13900001111%' OR before::text LIKE '%李四%' OR after::text LIKE '%李四%'"
        )
        .await,
        0
    );
    // Nobody else gains anything: the other staff as before.
    assert_problem(app.get(&contact, &sup2).await, 403, "forbidden").await;
    assert_problem(app.get(&contact, &win2).await, 404, "not_found").await;
    assert_problem(app.get(&one, &win2).await, 404, "not_found").await;
    assert_problem(app.get(&contact, &c.auditor).await, 403, "forbidden").await;
    // Through the call back and the rectification; once closed, masked only again.
    for m in ["call-back", "rectify"] {
        let r = move_follow_up(&app, &c.window, &fid, m, "已电话回访").await;
        assert_eq!(r.status(), 200, "{m}");
        assert_eq!(app.get(&contact, &c.window).await.status(), 200, "{m}");
    }
    assert_eq!(app.count(&viewed).await, 3);
    let r = move_follow_up(&app, &c.window, &fid, "close", "已反馈整改结果").await;
    assert_eq!(r.status(), 200);
    assert_problem(app.get(&contact, &c.window).await, 404, "not_found").await;
    assert_eq!(app.count(&viewed).await, 3);
    // The owner and the office still read it.
    assert_eq!(app.get(&contact, &c.supervisor).await.status(), 200);
    assert_eq!(app.get(&contact, &app.admin_token).await.status(), 200);
}
