//! Reading change requests (substitutions, swaps, leave) through the one list/get plumbing: the
//! names beside the ids on every answer, and who sees which requests.

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

async fn body(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status(), status, "{}", r.url());
    r.json().await.unwrap()
}

fn name(no: &str) -> String {
    format!("员工 {no}")
}

/// A published week (its Monday and roster), its first duty's holder, someone else free that
/// day, and the holder's proposal that they take it.
struct Proposed {
    mon: chrono::NaiveDate,
    roster: Value,
    duty: Value,
    me: String,
    sub: &'static str,
    substitution: Value,
}

async fn proposed(app: &TestApp, h: &Hall) -> Proposed {
    let (mon, roster, duty, me, sub) = duty_and_substitute(app, h).await;
    let substitution = body(
        app.post(
            "/api/v1/substitutions",
            h.token(&me),
            &json!({"assignment_id": duty["id"], "substitute_id": h.id(sub)}),
        )
        .await,
        201,
    )
    .await;
    Proposed {
        mon,
        roster,
        duty,
        me,
        sub,
        substitution,
    }
}

async fn duty_and_substitute(
    app: &TestApp,
    h: &Hall,
) -> (chrono::NaiveDate, Value, Value, String, &'static str) {
    let mon = plain_weeks(app, 1).await;
    let r = published(app, &plus(mon, 0), &plus(mon, 4)).await;
    let a = r["assignments"][0].clone();
    let me = h.no_of(a["staff_id"].as_str().unwrap());
    let sub = ["d3-2", "d3-1", "d2-2"]
        .into_iter()
        .find(|n| h.id(n) != a["staff_id"].as_str().unwrap())
        .unwrap();
    (mon, r, a, me, sub)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_requests_carry_the_names_beside_their_ids() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let Proposed {
        mon,
        roster: r,
        duty: a,
        me,
        sub,
        substitution: s,
    } = proposed(&app, &h).await;

    // Substitution: on the proposal, the move, the request and the list.
    assert_eq!(s["original_staff_name"], name(&me));
    assert_eq!(s["substitute_name"], name(sub));
    let sid = s["id"].as_str().unwrap();
    let accepted = body(
        app.post(
            &format!("/api/v1/substitutions/{sid}/accept"),
            h.token(sub),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(accepted["status"], "registered");
    assert_eq!(accepted["substitute_name"], name(sub));
    let got = body(
        app.get(&format!("/api/v1/substitutions/{sid}"), h.token(sub))
            .await,
        200,
    )
    .await;
    assert_eq!(got["original_staff_name"], name(&me));
    let listed = body(
        app.get("/api/v1/substitutions", &app.admin_token).await,
        200,
    )
    .await;
    assert_eq!(listed["items"][0]["id"], sid);
    assert_eq!(listed["items"][0]["substitute_name"], name(sub));

    // Swap: both sides named.
    let assignments = r["assignments"].as_array().unwrap();
    let (x, y) = assignments
        .iter()
        .flat_map(|x| assignments.iter().map(move |y| (x, y)))
        .find(|(x, y)| {
            x["id"] != a["id"]
                && y["id"] != a["id"]
                && x["date"] != y["date"]
                && x["staff_id"] != y["staff_id"]
                && x["date"] != a["date"]
                && y["date"] != a["date"]
        })
        .expect("two more duties of different people on different days");
    let (xa, yb) = (
        h.no_of(x["staff_id"].as_str().unwrap()),
        h.no_of(y["staff_id"].as_str().unwrap()),
    );
    let w = body(
        app.post(
            "/api/v1/swaps",
            h.token(&xa),
            &json!({"assignment_id": x["id"], "other_assignment_id": y["id"]}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        (&w["staff_a_name"], &w["staff_b_name"]),
        (&json!(name(&xa)), &json!(name(&yb)))
    );
    let listed = body(app.get("/api/v1/swaps", h.token(&yb)).await, 200).await;
    assert_eq!(listed["items"][0]["staff_a_name"], name(&xa));

    // Leave: the applicant's name.
    let l = body(
        app.post(
            "/api/v1/leave-requests",
            h.token("w1"),
            &json!({"kind": "time_off_in_lieu", "start_date": plus(mon, 30), "end_date": plus(mon, 31)}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(l["staff_name"], name("w1"));
    assert_eq!(l["kind"], "time_off_in_lieu");
    let lid = l["id"].as_str().unwrap();
    let approved = body(
        app.post(
            &format!("/api/v1/leave-requests/{lid}/approve"),
            &app.admin_token,
            &json!({"note": "同意"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (&approved["status"], &approved["staff_name"]),
        (&json!("approved"), &json!(name("w1")))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_requests_are_seen_by_their_parties_and_the_office_only() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let Proposed {
        mon,
        me,
        sub,
        substitution: s,
        ..
    } = proposed(&app, &h).await;
    let sid = s["id"].as_str().unwrap();
    let third = ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2"]
        .into_iter()
        .find(|n| *n != me && *n != sub)
        .unwrap();
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };

    // Both parties see it; someone else gets a 404 and an empty list, whoever they ask for.
    for who in [me.as_str(), sub] {
        let page = body(app.get("/api/v1/substitutions", h.token(who)).await, 200).await;
        assert_eq!(ids(&page), [sid]);
    }
    assert_problem(
        app.get(&format!("/api/v1/substitutions/{sid}"), h.token(third))
            .await,
        404,
        "not_found",
    )
    .await;
    let page = body(
        app.get(
            &format!("/api/v1/substitutions?staff_id={}", h.id(&me)),
            h.token(third),
        )
        .await,
        200,
    )
    .await;
    assert!(ids(&page).is_empty());

    // The office sees all and may narrow to one person; statuses filter, unknown ones match nothing.
    let admin = |q: String| {
        let app = &app;
        async move {
            body(
                app.get(&format!("/api/v1/substitutions{q}"), &app.admin_token)
                    .await,
                200,
            )
            .await
        }
    };
    assert_eq!(ids(&admin(format!("?staff_id={}", h.id(sub))).await), [sid]);
    assert!(ids(&admin(format!("?staff_id={}", h.id(third))).await).is_empty());
    assert_eq!(ids(&admin("?status=proposed".into()).await), [sid]);
    assert!(ids(&admin("?status=registered".into()).await).is_empty());
    assert!(ids(&admin("?status=nonsense".into()).await).is_empty());

    // Leave pages newest first with a cursor; the applicant's own only.
    let mut leave = Vec::new();
    for i in 0..3 {
        let l = body(
            app.post(
                "/api/v1/leave-requests",
                h.token(third),
                &json!({"kind": "personal", "start_date": plus(mon, 40 + i), "end_date": plus(mon, 40 + i)}),
            )
            .await,
            201,
        )
        .await;
        leave.push(l["id"].as_str().unwrap().to_owned());
    }
    leave.reverse();
    let first = body(
        app.get("/api/v1/leave-requests?limit=2", h.token(third))
            .await,
        200,
    )
    .await;
    assert_eq!(ids(&first), leave[..2]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = body(
        app.get(
            &format!("/api/v1/leave-requests?limit=2&cursor={cursor}"),
            h.token(third),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ids(&second), leave[2..]);
    assert!(second["next_cursor"].is_null());
    let mine = body(app.get("/api/v1/leave-requests", h.token(&me)).await, 200).await;
    assert!(ids(&mine).is_empty());
    assert_problem(
        app.get(
            &format!("/api/v1/leave-requests/{}", leave[0]),
            h.token(&me),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let got = body(
        app.get(
            &format!("/api/v1/leave-requests/{}", leave[0]),
            &app.admin_token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(got["staff_name"], name(third));
}
