//! Substitutes, swaps and leave: the workflows, their refusals and their races (R6, R14).

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

fn on(r: &Value, i: usize) -> (String, String) {
    let a = &r["assignments"][i];
    (
        a["id"].as_str().unwrap().to_owned(),
        a["staff_id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_approval_gate_the_office_registers_the_substitution_r6() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 4).await;
    let h = hall(&app).await;
    approval_gate(&app, true).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let (aid, staff) = on(&r, 0); // d1-1 on 12-07
    let me = h.no_of(&staff);
    let sub = "d2-2";
    let body = json!({"assignment_id": aid, "substitute_id": h.id(sub), "reason": "家中有事"});
    // Only the person on duty may hand it over.
    assert_problem(
        app.post("/api/v1/substitutions", h.token("d3-1"), &body)
            .await,
        403,
        "not_on_duty",
    )
    .await;
    let bad = json!({"assignment_id": aid, "substitute_id": h.id("w1")});
    assert_problem(
        app.post("/api/v1/substitutions", h.token(&me), &bad).await,
        422,
        "not_eligible",
    )
    .await;
    let r1 = app.post("/api/v1/substitutions", h.token(&me), &body).await;
    assert_eq!(r1.status(), 201);
    let s: Value = r1.json().await.unwrap();
    assert_eq!(s["status"], "proposed");
    assert_eq!(s["same_day"], false);
    let sid = s["id"].as_str().unwrap();
    assert_problem(
        app.post("/api/v1/substitutions", h.token(&me), &body).await,
        409,
        "change_open",
    )
    .await;
    // Not the substitute: refused. The office cannot register before the substitute agrees.
    assert_problem(
        app.post(
            &format!("/api/v1/substitutions/{sid}/accept"),
            h.token("d3-1"),
            &json!({}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            &format!("/api/v1/substitutions/{sid}/register"),
            &app.admin_token,
            &json!({}),
        )
        .await,
        409,
        "invalid_state",
    )
    .await;
    assert_eq!(
        app.post(
            &format!("/api/v1/substitutions/{sid}/accept"),
            h.token(sub),
            &json!({})
        )
        .await
        .status(),
        200
    );
    assert_problem(
        app.post(
            &format!("/api/v1/substitutions/{sid}/register"),
            h.token(sub),
            &json!({}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let reg = app
        .post(
            &format!("/api/v1/substitutions/{sid}/register"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(reg.status(), 200);
    let day: Value = app
        .get(
            &format!("/api/v1/duty-days/{}", plus(mon, 0)),
            h.token("w1"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        day["on_duty"][0]["staff_id"],
        h.id(sub),
        "the substitute is on duty"
    );
    assert_eq!(day["on_duty"][0]["rostered_staff_id"], h.id(&me));
    assert_eq!(day["on_duty"][0]["substitute"], true);
    let mine: Value = app
        .get(
            &format!(
                "/api/v1/me/duties?from={}&to={}",
                plus(mon, -6),
                plus(mon, 24)
            ),
            h.token(sub),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == aid.as_str())
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'substitution'")
            .await,
        3
    );
    // The suggestion for another duty names someone free that day.
    let (other, _) = on(&r, 1);
    let sug: Value = app
        .get(
            &format!("/api/v1/duty-assignments/{other}/suggested-substitute"),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(sug["suggestion"]["staff_id"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_records_offline_substitution_in_one_step_r6() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 1).await;
    let h = hall(&app).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let (aid, _) = on(&r, 2);
    let body = json!({"assignment_id": aid, "substitute_id": h.id("d1-2")});
    assert_problem(
        app.post("/api/v1/substitutions/record", h.token("d1-1"), &body)
            .await,
        403,
        "forbidden",
    )
    .await;
    let res = app
        .post("/api/v1/substitutions/record", &app.admin_token, &body)
        .await;
    assert_eq!(res.status(), 201);
    let s: Value = res.json().await.unwrap();
    assert_eq!(
        (s["status"].as_str(), s["offline"].as_bool()),
        (Some("registered"), Some(true))
    );
    assert_eq!(app.count(&format!("SELECT count(*) AS n FROM duty_assignments WHERE id = '{aid}' AND substitute_id IS NOT NULL")).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_let_exactly_one_win() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 1).await;
    let h = hall(&app).await;
    approval_gate(&app, true).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let (aid, staff) = on(&r, 0);
    let me = h.no_of(&staff);
    let s: Value = app
        .post(
            "/api/v1/substitutions",
            h.token(&me),
            &json!({"assignment_id": aid, "substitute_id": h.id("d3-2")}),
        )
        .await
        .json()
        .await
        .unwrap();
    let sid = s["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/substitutions/{sid}/accept"),
        h.token("d3-2"),
        &json!({}),
    )
    .await;
    // A swap of the same duty waits: one open change request per duty.
    let (other, _) = on(&r, 3);
    assert_problem(
        app.post(
            "/api/v1/swaps",
            h.token(&me),
            &json!({"assignment_id": aid, "other_assignment_id": other}),
        )
        .await,
        409,
        "change_open",
    )
    .await;
    // Two registrations and the office's rejection race: exactly one decides it.
    let reg = format!("/api/v1/substitutions/{sid}/register");
    let reject = format!("/api/v1/substitutions/{sid}/reject");
    let empty = json!({});
    let (a, b, c) = tokio::join!(
        app.post(&reg, &app.admin_token, &empty),
        app.post(&reg, &app.admin_token, &empty),
        app.post(&reject, &app.admin_token, &empty),
    );
    let statuses = [
        a.status().as_u16(),
        b.status().as_u16(),
        c.status().as_u16(),
    ];
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "exactly one outcome wins: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    // Nobody is on duty twice on any day.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM (SELECT date, coalesce(substitute_id, staff_id) FROM duty_assignments WHERE published GROUP BY 1, 2 HAVING count(*) > 1) x").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swap_exchanges_two_duties_after_both_agree() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 1).await;
    let h = hall(&app).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let (a, sa) = on(&r, 0);
    let (b, sb) = on(&r, 1);
    let (na, nb) = (h.no_of(&sa), h.no_of(&sb));
    let body = json!({"assignment_id": a, "other_assignment_id": b});
    assert_problem(
        app.post("/api/v1/swaps", h.token(&nb), &body).await,
        403,
        "not_on_duty",
    )
    .await;
    let s: Value = app
        .post("/api/v1/swaps", h.token(&na), &body)
        .await
        .json()
        .await
        .unwrap();
    let id = s["id"].as_str().unwrap();
    assert_problem(
        app.post(
            &format!("/api/v1/swaps/{id}/accept"),
            h.token(&na),
            &json!({}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.post(
            &format!("/api/v1/swaps/{id}/accept"),
            h.token(&nb),
            &json!({})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/swaps/{id}/register"),
            &app.admin_token,
            &json!({})
        )
        .await
        .status(),
        200
    );
    assert_problem(
        app.post(
            &format!("/api/v1/swaps/{id}/register"),
            &app.admin_token,
            &json!({}),
        )
        .await,
        409,
        "invalid_state",
    )
    .await;
    let d0: Value = app
        .get(
            &format!("/api/v1/duty-days/{}", plus(mon, 0)),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    let d1: Value = app
        .get(
            &format!("/api/v1/duty-days/{}", plus(mon, 1)),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d0["on_duty"][0]["staff_id"], sb.as_str());
    assert_eq!(d1["on_duty"][0]["staff_id"], sa.as_str());
    let list: Value = app
        .get("/api/v1/swaps", h.token("d3-2"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "others' swaps are not listed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_overlapping_duty_is_refused_until_covered_r14() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 4).await;
    let h = hall(&app).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let (aid, staff) = on(&r, 0);
    let me = h.no_of(&staff);
    let l: Value = app
        .post("/api/v1/leave-requests", h.token(&me), &json!({"kind": "time_off_in_lieu", "start_date": plus(mon, 0), "end_date": plus(mon, 0), "reason": "调休"}))
        .await
        .json()
        .await
        .unwrap();
    let lid = l["id"].as_str().unwrap();
    assert_problem(
        app.post(
            &format!("/api/v1/leave-requests/{lid}/approve"),
            h.token(&me),
            &json!({}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let p = assert_problem(
        app.post(
            &format!("/api/v1/leave-requests/{lid}/approve"),
            &app.admin_token,
            &json!({}),
        )
        .await,
        409,
        "leave_overlaps_duty",
    )
    .await;
    assert_eq!(p["conflicts"], json!([aid]));
    let rec = app
        .post(
            "/api/v1/substitutions/record",
            &app.admin_token,
            &json!({"assignment_id": aid, "substitute_id": h.id("d2-2")}),
        )
        .await;
    assert_eq!(rec.status(), 201);
    let ok = app
        .post(
            &format!("/api/v1/leave-requests/{lid}/approve"),
            &app.admin_token,
            &json!({"note": "同意"}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let v: Value = ok.json().await.unwrap();
    assert_eq!(v["status"], "approved");
    assert_problem(
        app.post(
            &format!("/api/v1/leave-requests/{lid}/cancel"),
            h.token(&me),
            &json!({}),
        )
        .await,
        409,
        "invalid_state",
    )
    .await;
    // The next roster skips the person on leave.
    let l2: Value = app
        .post(
            "/api/v1/leave-requests",
            h.token("d1-2"),
            &json!({"kind": "annual", "start_date": plus(mon, 7), "end_date": plus(mon, 24)}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r2 = app
        .post(
            &format!(
                "/api/v1/leave-requests/{}/approve",
                l2["id"].as_str().unwrap()
            ),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r2.status(), 200);
    let next: Value = app
        .post(
            "/api/v1/rosters",
            &app.admin_token,
            &json!({"start": plus(mon, 7), "cycle": "two_weeks"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        next["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["staff_id"] != h.id("d1-2"))
    );
    // Validation and visibility.
    assert_problem(
        app.post(
            "/api/v1/leave-requests",
            h.token(&me),
            &json!({"kind": "nap", "start_date": plus(mon, 0), "end_date": plus(mon, 0)}),
        )
        .await,
        400,
        "malformed_request",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/leave-requests",
            h.token(&me),
            &json!({"kind": "sick", "start_date": plus(mon, 0), "end_date": plus(mon, -6)}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/leave-requests/{lid}"), h.token("d3-1"))
            .await,
        404,
        "not_found",
    )
    .await;
}
