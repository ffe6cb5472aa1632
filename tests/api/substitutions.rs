//! R6 as the seed says it: a substitution is filed with the office (报中心办公室备案), not approved
//! by it. It takes effect when the substitute accepts — also on the same day — and the office
//! acknowledges it or voids it with a reason.

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

async fn on_duty(app: &TestApp, date: &str) -> Value {
    let day: Value = app
        .get(&format!("/api/v1/duty-days/{date}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    day["on_duty"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_substitution_takes_effect_when_the_substitute_accepts_and_is_filed_r6() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let a = &r["assignments"][0];
    let (aid, date) = (a["id"].as_str().unwrap(), a["date"].as_str().unwrap());
    let me = h.no_of(a["staff_id"].as_str().unwrap());
    // Someone free that day: not on duty in this roster's first day.
    let sub = ["d3-2", "d3-1", "d2-2"]
        .into_iter()
        .find(|n| h.id(n) != a["staff_id"].as_str().unwrap())
        .unwrap();
    let s: Value = app
        .post(
            "/api/v1/substitutions",
            h.token(&me),
            &json!({"assignment_id": aid, "substitute_id": h.id(sub), "reason": "家中有事"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let sid = s["id"].as_str().unwrap();
    // A proposal changes nothing yet.
    assert_eq!(on_duty(&app, date).await["staff_id"], h.id(&me));
    let path = |m: &str| format!("/api/v1/substitutions/{sid}/{m}");
    let events = |who: String| {
        let app = &app;
        let h = &h;
        async move {
            let ics = app
                .get("/api/v1/me/duties.ics", h.token(&who))
                .await
                .text()
                .await
                .unwrap();
            ics.matches("BEGIN:VEVENT").count()
        }
    };
    let (mine, theirs) = (events(me.clone()).await, events(sub.into()).await);
    let accepted = app.post(&path("accept"), h.token(sub), &json!({})).await;
    assert_eq!(accepted.status(), 200);
    let accepted: Value = accepted.json().await.unwrap();
    assert_eq!(accepted["status"], "registered", "in effect and on file");
    let now = on_duty(&app, date).await;
    assert_eq!(now["staff_id"], h.id(sub));
    assert_eq!(now["substitute"], true);
    // The duty left the original's calendar feed and is in the substitute's.
    assert_eq!(events(me.clone()).await, mine - 1);
    assert_eq!(events(sub.into()).await, theirs + 1);
    // The requester can no longer withdraw it; the office does not register it.
    assert_problem(
        app.post(&path("cancel"), h.token(&me), &json!({})).await,
        409,
        "invalid_state",
    )
    .await;
    assert_problem(
        app.post(&path("register"), &app.admin_token, &json!({}))
            .await,
        409,
        "invalid_state",
    )
    .await;
    // The office acknowledges the filing; only the office can.
    assert_problem(
        app.post(&path("acknowledge"), h.token(sub), &json!({}))
            .await,
        403,
        "forbidden",
    )
    .await;
    let ack: Value = app
        .post(&path("acknowledge"), &app.admin_token, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ack["status"], "acknowledged");
    assert_eq!(ack["decided_by"], app.admin_id.to_string());
    // Voiding needs a reason, and gives the duty back.
    let p = assert_problem(
        app.post(&path("void"), &app.admin_token, &json!({"note": "  "}))
            .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "note");
    let void: Value = app
        .post(
            &path("void"),
            &app.admin_token,
            &json!({"note": "顶岗人员当天需外出培训"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(void["status"], "voided");
    assert_eq!(void["decision_note"], "顶岗人员当天需外出培训");
    let back = on_duty(&app, date).await;
    assert_eq!(back["staff_id"], h.id(&me));
    assert_eq!(back["substitute"], false);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{aid}' AND action IN ('substituted', 'handed_back')"
        ))
        .await,
        2
    );
    assert_problem(
        app.post(&path("void"), &app.admin_token, &json!({"note": "again"}))
            .await,
        409,
        "invalid_state",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_same_day_substitution_holds_the_day_at_acceptance_r6() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    // It is now the morning of the duty day.
    let monday = chrono::NaiveDate::parse_from_str(&plus(mon, 0), "%Y-%m-%d").unwrap();
    app.clock
        .set(dutydesk::clock::morning(monday, chrono_tz::Asia::Shanghai));
    let a = &r["assignments"][0];
    let me = h.no_of(a["staff_id"].as_str().unwrap());
    let sub = if me == "d3-2" { "d3-1" } else { "d3-2" };
    let s: Value = app
        .post(
            "/api/v1/substitutions",
            h.token(&me),
            &json!({"assignment_id": a["id"], "substitute_id": h.id(sub)}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["same_day"], true, "flagged for the office");
    let ok = app
        .post(
            &format!("/api/v1/substitutions/{}/accept", s["id"].as_str().unwrap()),
            h.token(sub),
            &json!({}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let today: Value = app
        .get("/api/v1/duty-days/today", h.token(sub))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(today["on_duty"][0]["staff_id"], h.id(sub));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_proposals_and_moves_happen_once() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let a = &r["assignments"][0];
    let me = h.no_of(a["staff_id"].as_str().unwrap());
    let sub = if me == "d3-2" { "d3-1" } else { "d3-2" };
    let body = json!({"assignment_id": a["id"], "substitute_id": h.id(sub)});
    let send = |path: String, token: String, key: &'static str, body: Value| {
        let app = &app;
        async move {
            app.req(reqwest::Method::POST, &path, Some(&token))
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = send(
        "/api/v1/substitutions".into(),
        h.token(&me).into(),
        "p-1",
        body.clone(),
    )
    .await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(
        "/api/v1/substitutions".into(),
        h.token(&me).into(),
        "p-1",
        body,
    )
    .await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM substitutions").await,
        1
    );
    let accept = format!(
        "/api/v1/substitutions/{}/accept",
        first["id"].as_str().unwrap()
    );
    let ok = send(accept.clone(), h.token(sub).into(), "a-1", json!({})).await;
    assert_eq!(ok.status(), 200);
    let replay = send(accept, h.token(sub).into(), "a-1", json!({})).await;
    assert_eq!(replay.status(), 200, "replayed, not invalid_state");
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE action = 'substituted'")
            .await,
        1
    );
}
