//! What people see of duty days: names beside ids, today's duty, days that stopped being working
//! days after publication, and one open change request per duty (R3, R6, R9).

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duty_days_carry_names_and_today_follows_the_centers_clock() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let first = &r["assignments"][0];
    let no = h.no_of(first["staff_id"].as_str().unwrap());
    assert_eq!(first["staff_name"], format!("员工 {no}"));
    assert_eq!(first["on_duty_name"], format!("员工 {no}"));
    assert!(
        first["department_name"]
            .as_str()
            .unwrap()
            .starts_with("部门")
    );
    assert_eq!(r["not_working_days"], json!([]));
    let day: Value = app
        .get(
            &format!("/api/v1/duty-days/{}", plus(mon, 0)),
            h.token("w1"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(day["working"], true);
    assert_eq!(day["kind"], "workday");
    assert!(day.get("conflict").is_none());
    assert_eq!(day["on_duty"][0]["staff_name"], format!("员工 {no}"));
    assert_eq!(
        day["on_duty"][0]["rostered_staff_name"],
        format!("员工 {no}")
    );
    assert!(day["on_duty"][0]["department_name"].is_string());
    // Today: the application's clock decides; move it onto the roster's Monday.
    let today: Value = app
        .get("/api/v1/duty-days/today", h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(today["date"], app.today().to_string());
    app.clock
        .set(dutydesk::clock::morning(mon, chrono_tz::Asia::Shanghai));
    let today: Value = app
        .get("/api/v1/duty-days/today", h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(today["date"], plus(mon, 0));
    assert_eq!(today["on_duty"], day["on_duty"]);
    // The list views carry the names too.
    let mine: Value = app
        .get(
            &format!(
                "/api/v1/me/duties?from={}&to={}",
                plus(mon, 0),
                plus(mon, 4)
            ),
            h.token(&no),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["staff_name"], format!("员工 {no}"));
    assert_problem(
        app.get("/api/v1/duty-days/tomorrow", h.token("w1")).await,
        400,
        "malformed_request",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_closed_after_publication_shows_as_a_conflict_r9() {
    let app = spawn_app().await;
    let _h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let wed = plus(mon, 2);
    let put = app
        .req(
            reqwest::Method::PUT,
            &format!("/api/v1/calendar/days/{wed}"),
            Some(&app.admin_token),
        )
        .json(&json!({"kind": "closure", "name": "台风停业"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    let day: Value = app
        .get(&format!("/api/v1/duty-days/{wed}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(day["working"], false);
    assert_eq!(day["kind"], "closure");
    assert_eq!(day["day_name"], "台风停业");
    assert_eq!(day["conflict"], "not_working_day");
    assert_eq!(day["on_duty"].as_array().unwrap().len(), 1, "still listed");
    let roster: Value = app
        .get(
            &format!("/api/v1/rosters/{}", r["id"].as_str().unwrap()),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(roster["not_working_days"], json!([wed]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_open_change_request_per_duty_r6() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let duty = |i: usize| {
        let a = &r["assignments"][i];
        (
            a["id"].as_str().unwrap().to_owned(),
            h.no_of(a["staff_id"].as_str().unwrap()),
        )
    };
    let (a0, p0) = duty(0);
    let (a1, p1) = duty(1);
    let (a2, _) = duty(2);
    // A swap is open on duties 0 and 1: no substitution on either, no second swap.
    let s = app
        .post(
            "/api/v1/swaps",
            h.token(&p0),
            &json!({"assignment_id": a0, "other_assignment_id": a1}),
        )
        .await;
    assert_eq!(s.status(), 201);
    let free = ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2"]
        .into_iter()
        .find(|n| {
            r["assignments"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["staff_id"] != h.id(n))
        })
        .unwrap_or("d3-2");
    let p = assert_problem(
        app.post(
            "/api/v1/substitutions",
            h.token(&p1),
            &json!({"assignment_id": a1, "substitute_id": h.id(free)}),
        )
        .await,
        409,
        "change_open",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("swap"));
    let zh = app
        .req(reqwest::Method::POST, "/api/v1/swaps", Some(h.token(&p1)))
        .header("accept-language", "zh")
        .json(&json!({"assignment_id": a1, "other_assignment_id": a2}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(zh, 409, "change_open").await;
    assert!(p["detail"].as_str().unwrap().contains("换班"));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM substitutions").await,
        0
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM swaps").await, 1);
    // Once the swap is withdrawn, the duty is free for a substitution.
    let sid = s.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.post(
            &format!("/api/v1/swaps/{sid}/cancel"),
            h.token(&p0),
            &json!({})
        )
        .await
        .status(),
        200
    );
    let ok = app
        .post(
            "/api/v1/substitutions",
            h.token(&p1),
            &json!({"assignment_id": a1, "substitute_id": h.id(free)}),
        )
        .await;
    assert_eq!(ok.status(), 201, "{}", ok.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_next_duty_says_who_is_with_me_and_skips_duties_handed_away() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 2).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 11)).await;
    let first = &r["assignments"][0];
    let no = h.no_of(first["staff_id"].as_str().unwrap());
    let next: Value = app
        .get("/api/v1/me/next-duty", h.token(&no))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["duty"]["id"], first["id"]);
    assert_eq!(next["duty"]["staff_name"], format!("员工 {no}"));
    assert_eq!(next["day"]["date"], plus(mon, 0));
    assert_eq!(next["day"]["on_duty"][0]["staff_id"], h.id(&no));
    // Handed away (in effect at acceptance): the next duty is a later one.
    let sub = if no == "d3-2" { "d3-1" } else { "d3-2" };
    let s: Value = app
        .post(
            "/api/v1/substitutions",
            h.token(&no),
            &json!({"assignment_id": first["id"], "substitute_id": h.id(sub)}),
        )
        .await
        .json()
        .await
        .unwrap();
    let ok = app
        .post(
            &format!("/api/v1/substitutions/{}/accept", s["id"].as_str().unwrap()),
            h.token(sub),
            &json!({}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let next: Value = app
        .get("/api/v1/me/next-duty", h.token(&no))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(next["duty"]["id"], first["id"]);
    assert!(next["duty"]["date"].as_str().unwrap() > plus(mon, 0).as_str());
    // Nobody without duties: nulls. The office admin has no duty.
    let none: Value = app
        .get("/api/v1/me/next-duty", h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none, json!({"duty": null, "day": null}));
}
