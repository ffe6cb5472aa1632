//! Office replacements in a draft that break the rotation's rules (R2): another department's
//! person on a day, or someone on duty the working day before or after, is refused until the
//! office confirms each rule broken; a confirmed replacement stays marked on the assignment.

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

async fn rotation(app: &TestApp, unit: &str, per_day: u32) {
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/rotation",
            Some(&app.admin_token),
        )
        .json(&json!({"unit": unit, "supervisors_per_day": per_day}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "rotation settings");
}

/// PUT one assignment of a draft, optionally in Chinese.
async fn put(app: &TestApp, a: &Value, body: Value, lang: &str) -> reqwest::Response {
    app.req(
        reqwest::Method::PUT,
        &format!(
            "/api/v1/rosters/{}/assignments/{}",
            a["roster_id"].as_str().unwrap(),
            a["id"].as_str().unwrap()
        ),
        Some(&app.admin_token),
    )
    .header("accept-language", lang)
    .json(&body)
    .send()
    .await
    .unwrap()
}

/// The assignment with this id in a roster's detail.
async fn in_roster(app: &TestApp, a: &Value) -> Value {
    let r: Value = app
        .get(
            &format!("/api/v1/rosters/{}", a["roster_id"].as_str().unwrap()),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    r["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == a["id"])
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_departments_person_needs_confirmation_and_stays_marked_r2() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 2).await;
    let h = hall(&app).await;
    // One a day, by day: Mon d1-1, Tue d2-1, Wed d3-1, Thu d1-2, Fri d2-2.
    let r = roster(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let wed = r["assignments"][2].clone();
    assert_eq!(wed["staff_id"], h.id("d3-1"));
    assert_eq!(wed["department_id"], h.depts[2]);
    assert_eq!(wed["overrides"], json!([]));

    // d1-1 (Monday only, so no neighbouring day) is of department d1, not d3.
    let body = json!({"staff_id": h.id("d1-1")});
    let p = assert_problem(
        put(&app, &wed, body.clone(), "en").await,
        422,
        "other_department",
    )
    .await;
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("部门 d1") && detail.contains("部门 d3"),
        "{p}"
    );
    assert_eq!(
        p["errors"],
        json!([{"field": "confirm", "code": "other_department", "message": p["errors"][0]["message"]}])
    );
    let zh = assert_problem(
        put(&app, &wed, body, "zh-CN").await,
        422,
        "other_department",
    )
    .await;
    let detail = zh["detail"].as_str().unwrap();
    assert!(
        detail.contains("轮到部门 d3值班") && detail.contains("confirm"),
        "{zh}"
    );

    // Confirmed: the day stays d3's turn; the person's own department is in the reason.
    let ok = put(
        &app,
        &wed,
        json!({"staff_id": h.id("d1-1"), "confirm": ["other_department"]}),
        "en",
    )
    .await;
    assert_eq!(ok.status(), 200);
    let v: Value = ok.json().await.unwrap();
    assert_eq!(v["staff_id"], h.id("d1-1"));
    assert!(!v["staff_name"].as_str().unwrap().is_empty());
    assert_eq!(v["department_id"], h.depts[2]);
    assert_eq!(v["overrides"], json!(["other_department"]));
    assert_eq!(v["reason"]["code"], "replaced_by_office");
    assert_eq!(v["reason"]["params"]["department_id"], h.depts[0]);
    assert_eq!(v["reason"]["params"]["department_name"], "部门 d1");
    let shown = in_roster(&app, &wed).await;
    assert_eq!(shown["overrides"], json!(["other_department"]));
    assert_eq!(shown["department_name"], "部门 d3");
    assert_eq!(shown["reason"]["params"]["department_name"], "部门 d1");
    let ev: Value = app
        .get(
            &format!(
                "/api/v1/audit-events?entity_type=duty_assignment&entity_id={}",
                wed["id"].as_str().unwrap()
            ),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ev["items"][0]["action"], "replaced");
    assert_eq!(
        ev["items"][0]["after"]["overrides"],
        json!(["other_department"])
    );
    assert_eq!(ev["items"][0]["before"]["overrides"], json!([]));

    // Back to someone of d3 with no duty next to Wednesday: nothing to confirm, mark cleared.
    let back = put(&app, &wed, json!({"staff_id": h.id("d3-2")}), "en").await;
    assert_eq!(back.status(), 200);
    let v: Value = back.json().await.unwrap();
    assert_eq!(v["overrides"], json!([]));
    assert_eq!(in_roster(&app, &wed).await["overrides"], json!([]));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM duty_assignments WHERE overrides <> '{}'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consecutive_days_across_rosters_need_their_own_confirmation_r2() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 3).await;
    let h = hall(&app).await;
    rotation(&app, "week", 1).await;
    // Week 1 (published): d1 holds it, d1-1 on Mon, Wed, Fri. Week 2 (draft): d2 holds it.
    let first = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    assert_eq!(first["assignments"][4]["staff_id"], h.id("d1-1"));
    let next = roster(&app, &plus(mon, 7), &plus(mon, 11)).await;
    let monday = next["assignments"][0].clone();
    assert_eq!(monday["department_id"], h.depts[1]);

    // d1-1 on week 2's Monday: another department, and on duty the Friday before (the working
    // day before, in the published roster). Both rules are named; each needs confirming.
    let p = assert_problem(
        put(&app, &monday, json!({"staff_id": h.id("d1-1")}), "en").await,
        422,
        "other_department",
    )
    .await;
    let codes: Vec<&Value> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["code"])
        .collect();
    assert_eq!(
        codes,
        [&json!("other_department"), &json!("consecutive_days")]
    );
    let p = assert_problem(
        put(
            &app,
            &monday,
            json!({"staff_id": h.id("d1-1"), "confirm": ["other_department"]}),
            "en",
        )
        .await,
        422,
        "consecutive_days",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains(&plus(mon, 4)), "{p}");
    assert_eq!(p["errors"].as_array().unwrap().len(), 1);
    let zh = assert_problem(
        put(
            &app,
            &monday,
            json!({"staff_id": h.id("d1-1"), "confirm": ["other_department"]}),
            "zh",
        )
        .await,
        422,
        "consecutive_days",
    )
    .await;
    assert!(zh["detail"].as_str().unwrap().contains("连续值班"), "{zh}");
    let ok = put(
        &app,
        &monday,
        json!({"staff_id": h.id("d1-1"), "confirm": ["consecutive_days", "other_department"]}),
        "en",
    )
    .await;
    assert_eq!(ok.status(), 200);
    let v: Value = ok.json().await.unwrap();
    assert_eq!(
        v["overrides"],
        json!(["other_department", "consecutive_days"])
    );

    // Within one draft and one department: week 2 runs d2-1, d2-2, d2-1, d2-2, d2-1, so
    // Tuesday's d2-2 on Wednesday would serve Tuesday to Thursday.
    let tue = next["assignments"][1].clone();
    let wed = next["assignments"][2].clone();
    let p = assert_problem(
        put(&app, &wed, json!({"staff_id": tue["staff_id"]}), "en").await,
        422,
        "consecutive_days",
    )
    .await;
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains(&plus(mon, 8)) && detail.contains(&plus(mon, 10)),
        "{p}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_confirmation_is_a_field_error() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 2).await;
    let h = hall(&app).await;
    let r = roster(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let wed = r["assignments"][2].clone();
    let p = assert_problem(
        put(
            &app,
            &wed,
            json!({"staff_id": h.id("d1-1"), "confirm": ["other_department", "everything"]}),
            "en",
        )
        .await,
        400,
        "malformed_request",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "confirm[1]", "{p}");
    assert_eq!(p["errors"][0]["code"], "invalid_choice", "{p}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM duty_assignments WHERE reason->>'code' = 'replaced_by_office'")
            .await,
        0
    );
}
