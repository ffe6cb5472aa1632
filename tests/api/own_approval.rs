//! Nobody decides their own request: an office admin's deciding moves (approve, reject,
//! register, acknowledge, void) on a request they made or are part of answer 403
//! `own_request`; another office admin decides.

use crate::fixtures::*;
use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

/// Gives hall member `no` the office admin role as well; returns their fresh token (a role
/// change revokes the old one).
async fn make_admin(app: &TestApp, h: &Hall, no: &str) -> String {
    let r = app
        .patch(
            &format!("/api/v1/staff/{}", h.id(no)),
            &app.admin_token,
            &json!({"roles": ["supervisor", "window_staff", "office_admin"]}),
        )
        .await;
    assert_eq!(r.status(), 200, "make {no} an office admin");
    app.token("alpha", no, STAFF_PASSWORD).await
}

/// A `POST` with `Accept-Language: zh`, asserted to be 403 `own_request` in Chinese.
async fn refused_as_own(app: &TestApp, path: &str, token: &str) {
    let r = app
        .req(Method::POST, path, Some(token))
        .header("accept-language", "zh")
        .json(&json!({"note": "自己定"}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 403, "own_request").await;
    assert_eq!(
        p["detail"], "不能审批本人的申请，须由其他办公室管理员（或当班督导员）决定。",
        "{path}"
    );
}

async fn created(r: reqwest::Response) -> Value {
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_admin_does_not_approve_or_reject_their_own_leave() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let boss = make_admin(&app, &h, "d1-1").await;
    let l = created(
        app.post(
            "/api/v1/leave-requests",
            &boss,
            &json!({"kind": "annual", "start_date": plus(mon, 14), "end_date": plus(mon, 15)}),
        )
        .await,
    )
    .await;
    let lid = l["id"].as_str().unwrap();
    for m in ["approve", "reject"] {
        refused_as_own(&app, &format!("/api/v1/leave-requests/{lid}/{m}"), &boss).await;
    }
    let still: Value = app
        .get(&format!("/api/v1/leave-requests/{lid}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still["status"], "pending");
    // Another office admin decides.
    let r = app
        .post(
            &format!("/api/v1/leave-requests/{lid}/approve"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neither_side_of_a_swap_registers_or_rejects_it_as_office() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let assignments = r["assignments"].as_array().unwrap();
    let (x, y) = assignments
        .iter()
        .flat_map(|x| assignments.iter().map(move |y| (x, y)))
        .find(|(x, y)| x["date"] != y["date"] && x["staff_id"] != y["staff_id"])
        .expect("two duties of different people on different days");
    let (xa, yb) = (
        h.no_of(x["staff_id"].as_str().unwrap()),
        h.no_of(y["staff_id"].as_str().unwrap()),
    );
    let a_admin = make_admin(&app, &h, &xa).await;
    let b_admin = make_admin(&app, &h, &yb).await;
    let w = created(
        app.post(
            "/api/v1/swaps",
            &a_admin,
            &json!({"assignment_id": x["id"], "other_assignment_id": y["id"]}),
        )
        .await,
    )
    .await;
    let wid = w["id"].as_str().unwrap();
    let path = |m: &str| format!("/api/v1/swaps/{wid}/{m}");
    let r = app.post(&path("accept"), &b_admin, &json!({})).await;
    assert_eq!(r.status(), 200);
    for t in [&a_admin, &b_admin] {
        refused_as_own(&app, &path("register"), t).await;
        refused_as_own(&app, &path("reject"), t).await;
    }
    let r = app
        .post(&path("register"), &app.admin_token, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "registered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_decisions_on_a_substitution_are_not_the_requesters_nor_the_substitutes() {
    let app = spawn_app().await;
    approval_gate(&app, true).await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let a = &r["assignments"][0];
    let me = h.no_of(a["staff_id"].as_str().unwrap());
    let on_that_day: Vec<&str> = r["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["date"] == a["date"])
        .map(|x| x["staff_id"].as_str().unwrap())
        .collect();
    let sub = ["d3-2", "d3-1", "d2-2", "d2-1", "d1-2", "d1-1"]
        .into_iter()
        .find(|n| !on_that_day.contains(&h.id(n)))
        .unwrap();
    let mine = make_admin(&app, &h, &me).await;
    let theirs = make_admin(&app, &h, sub).await;
    // The office's one-step record is a decision too: not on one's own duty, nor as substitute.
    let offline =
        json!({"assignment_id": a["id"], "substitute_id": h.id(sub), "reason": "线下约定"});
    for t in [&mine, &theirs] {
        let r = app.post("/api/v1/substitutions/record", t, &offline).await;
        assert_problem(r, 403, "own_request").await;
    }
    let s = created(
        app.post(
            "/api/v1/substitutions",
            &mine,
            &json!({"assignment_id": a["id"], "substitute_id": h.id(sub), "reason": "家中有事"}),
        )
        .await,
    )
    .await;
    let sid = s["id"].as_str().unwrap();
    let path = |m: &str| format!("/api/v1/substitutions/{sid}/{m}");
    let r = app.post(&path("accept"), &theirs, &json!({})).await;
    assert_eq!(r.status(), 200);
    for t in [&mine, &theirs] {
        refused_as_own(&app, &path("register"), t).await;
        refused_as_own(&app, &path("reject"), t).await;
    }
    let r = app
        .post(&path("register"), &app.admin_token, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    for t in [&mine, &theirs] {
        refused_as_own(&app, &path("acknowledge"), t).await;
        refused_as_own(&app, &path("void"), t).await;
    }
    let r = app
        .post(&path("acknowledge"), &app.admin_token, &json!({}))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_on_duty_does_not_verify_or_reopen_their_own_rectification() {
    let app = spawn_app().await;
    let f = floor(&app, 2, 1).await;
    let (finder, concerned) = (f.h.token(&f.on[0]), f.h.token(&f.on[1]));
    // Today's first supervisor finds a problem with the second, also on duty today.
    let r = app
        .post(
            "/api/v1/inspections",
            finder,
            &json!({"staff_id": f.h.id(&f.on[1]), "category": "case_quality", "result": "problem",
                    "severity": "major", "description": "材料审核遗漏",
                    "rectify_within_working_days": 3}),
        )
        .await;
    let finding = created(r).await;
    let id = finding["rectification"]["id"].as_str().unwrap().to_owned();
    let path = |m: &str| format!("/api/v1/rectifications/{id}/{m}");
    let r = app
        .post(&path("answer"), concerned, &json!({"note": "已补齐材料"}))
        .await;
    assert_eq!(r.status(), 200);
    refused_as_own(&app, &path("verify"), concerned).await;
    let r = app
        .req(Method::POST, &path("reopen"), Some(concerned))
        .json(&json!({"note": "自己再改", "rectify_within_working_days": 2}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "own_request").await;
    // The other supervisor on duty verifies it.
    let r = app
        .post(&path("verify"), finder, &json!({"note": "已整改"}))
        .await;
    assert_eq!(r.status(), 200);
}
