//! Rotation, rosters, substitutions, swaps and leave over real HTTP (R1–R3, R6, R10, R11, R14).

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

fn dates(r: &Value) -> Vec<String> {
    r["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["date"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_follows_department_order_and_office_choices_r1_r2() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let v: Value = app
        .get("/api/v1/rotation", h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    let depts: Vec<&str> = v["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["department_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        depts,
        h.depts.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let first: Vec<&str> = v["departments"][0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["employee_no"].as_str().unwrap())
        .collect();
    assert_eq!(
        first,
        ["d1-1", "d1-2"],
        "window staff without the supervisor role are not in the queue"
    );
    let body = json!({
        "unit": "day",
        "supervisors_per_day": 1,
        "department_order": [h.depts[2], h.depts[0], h.depts[1]],
        "choices": [{"staff_id": h.id("w1"), "included": true, "queue_position": 0}, {"staff_id": h.id("d1-2"), "included": false}],
    });
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/rotation",
            Some(h.token("d1-1")),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(r, 403, "forbidden").await;
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/rotation",
            Some(&app.admin_token),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["departments"][0]["department_id"], h.depts[2]);
    let d1: Vec<&str> = v["departments"][1]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["employee_no"].as_str().unwrap())
        .collect();
    assert_eq!(d1, ["w1", "d1-1"]);
    let bad = json!({"unit": "day", "supervisors_per_day": 1, "department_order": ["00000000-0000-0000-0000-000000000000"]});
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/rotation",
            Some(&app.admin_token),
        )
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_problem(r, 400, "validation_failed").await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'rotation'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_covers_every_working_day_and_skips_holidays_r3_r9() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    // Spring Festival 2026: 02-14 (Sat) is a make-up working day; 02-15..02-23 are off.
    let r = roster(&app, "2026-02-09", "2026-02-27").await;
    let d = dates(&r);
    assert!(
        d.contains(&"2026-02-14".to_owned()),
        "make-up working day has duty"
    );
    for off in [
        "2026-02-15",
        "2026-02-16",
        "2026-02-20",
        "2026-02-23",
        "2026-02-21",
    ] {
        assert!(!d.contains(&off.to_owned()), "{off} is a holiday");
    }
    assert_eq!(d.len(), 6 + 4, "02-09..13, 02-14, 02-24..27");
    // Rotation by department order, one supervisor a day, each department's queue in turn.
    let firsts: Vec<String> = r["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .take(4)
        .map(|a| h.no_of(a["staff_id"].as_str().unwrap()))
        .collect();
    assert_eq!(firsts, ["d1-1", "d2-1", "d3-1", "d1-2"]);
    assert_eq!(r["assignments"][0]["reason"]["code"], "holder_turn");
    assert_eq!(r["status"], "draft");
    // Deterministic: a second draft for the same period is the same.
    let again = roster(&app, "2026-02-09", "2026-02-27").await;
    let people = |r: &Value| {
        r["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["date"].clone(), a["staff_id"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(people(&r), people(&again));
    // Drafts are not duty yet.
    let v: Value = app
        .get(
            "/api/v1/duty-assignments?from=2026-02-01&to=2026-02-28",
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(v["items"].as_array().unwrap().is_empty());
    assert_eq!(publish(&app, &r).await.status(), 200);
    let v: Value = app
        .get(
            "/api/v1/duty-assignments?from=2026-02-01&to=2026-02-28&limit=4",
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 4);
    assert!(v["next_cursor"].is_string());
    let day: Value = app
        .get("/api/v1/duty-days/2026-02-14", h.token("w1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(day["on_duty"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_roster_continues_the_rotation_r11() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 4).await;
    let h = hall(&app).await;
    let whole = roster(&app, &plus(mon, 0), &plus(mon, 11)).await;
    let first = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let second = roster(&app, &plus(mon, 7), &plus(mon, 11)).await;
    let who = |r: &Value| {
        r["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| h.no_of(a["staff_id"].as_str().unwrap()))
            .collect::<Vec<_>>()
    };
    let mut joined = who(&first);
    joined.extend(who(&second));
    assert_eq!(
        joined,
        who(&whole),
        "two consecutive rosters equal one roster over both weeks"
    );
    // Published rosters never overlap; a draft over a published period is refused.
    let r = app
        .post(
            "/api/v1/rosters",
            &app.admin_token,
            &json!({"start": plus(mon, 3), "cycle": "week"}),
        )
        .await;
    assert_problem(r, 409, "roster_overlap").await;
    let a = roster(&app, &plus(mon, 14), &plus(mon, 18)).await;
    let b = roster(&app, &plus(mon, 17), &plus(mon, 24)).await;
    assert_eq!(publish(&app, &a).await.status(), 200);
    assert_problem(publish(&app, &b).await, 409, "roster_overlap").await;
    assert_problem(publish(&app, &a).await, 409, "roster_published").await;
    let r = app
        .req(
            reqwest::Method::DELETE,
            &format!("/api/v1/rosters/{}", a["id"].as_str().unwrap()),
            Some(&app.admin_token),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, 409, "roster_published").await;
    let stats: Value = app
        .get(
            &format!(
                "/api/v1/duty-statistics?from={}&to={}",
                plus(mon, -6),
                plus(mon, 24)
            ),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    let total: i64 = stats["staff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["duty_days"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 10, "two published weeks");
    let counts: Vec<i64> = stats["staff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["duty_days"].as_i64().unwrap())
        .collect();
    assert!(
        counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1,
        "fair: {counts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_requests_are_validated_and_office_only() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 4).await;
    let h = hall(&app).await;
    let t = &app.admin_token;
    assert_problem(
        app.post(
            "/api/v1/rosters",
            h.token("d1-1"),
            &json!({"start": plus(mon, 0), "cycle": "week"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/rosters",
            t,
            &json!({"start": plus(mon, 0), "end": plus(mon, -6)}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post("/api/v1/rosters", t, &json!({"start": plus(mon, 0)}))
            .await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/rosters",
            t,
            &json!({"start": plus(mon, 0), "end": plus(mon, 1), "cycle": "week"}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/rosters",
            t,
            &json!({"start": "2026-01-01", "end": "2027-06-01"}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/rosters",
            t,
            &json!({"start": plus(mon, 0), "cycle": "fortnight"}),
        )
        .await,
        400,
        "malformed_request",
    )
    .await;
    let r = app
        .post(
            "/api/v1/rosters",
            t,
            &json!({"start": plus(mon, 0), "cycle": "two_weeks"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r: Value = r.json().await.unwrap();
    assert_eq!(r["end_date"], plus(mon, 13));
    let beta = app.other_center_admin().await;
    assert_problem(
        app.get(
            &format!("/api/v1/rosters/{}", r["id"].as_str().unwrap()),
            &beta,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let r2 = app
        .post(
            &format!("/api/v1/rosters/{}/publish", r["id"].as_str().unwrap()),
            &beta,
            &json!({}),
        )
        .await;
    assert_problem(r2, 404, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draft_edits_refuse_ineligible_and_double_duty() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 4).await;
    let h = hall(&app).await;
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/rotation",
            Some(&app.admin_token),
        )
        .json(&json!({"unit": "day", "supervisors_per_day": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = roster(&app, &plus(mon, 0), &plus(mon, 4)).await;
    assert_eq!(
        r["assignments"].as_array().unwrap().len(),
        10,
        "two a day (R10)"
    );
    let rid = r["id"].as_str().unwrap();
    let a0 = r["assignments"][0].clone();
    let a1 = r["assignments"][1].clone();
    assert_eq!(a0["date"], a1["date"]);
    let path = format!(
        "/api/v1/rosters/{rid}/assignments/{}",
        a0["id"].as_str().unwrap()
    );
    let put = |staff: Value| {
        app.req(reqwest::Method::PUT, &path, Some(&app.admin_token))
            .json(&json!({"staff_id": staff, "confirm": ["other_department", "consecutive_days"]}))
            .send()
    };
    assert_problem(put(json!(h.id("w1"))).await.unwrap(), 422, "not_eligible").await;
    assert_problem(
        put(a1["staff_id"].clone()).await.unwrap(),
        422,
        "already_on_duty",
    )
    .await;
    let free = ["d1-1", "d1-2", "d2-1", "d2-2", "d3-1", "d3-2"]
        .into_iter()
        .find(|n| json!(h.id(n)) != a0["staff_id"] && json!(h.id(n)) != a1["staff_id"])
        .unwrap();
    let ok = put(json!(h.id(free))).await.unwrap();
    assert_eq!(ok.status(), 200);
    let v: Value = ok.json().await.unwrap();
    assert_eq!(v["staff_id"], h.id(free));
    assert_eq!(v["reason"]["code"], "replaced_by_office");
    // d2-1 is of another department and on duty on Tuesday (d2 holds it): both confirmed.
    assert_eq!(free, "d2-1");
    assert_eq!(
        v["overrides"],
        json!(["other_department", "consecutive_days"])
    );
    assert_eq!(publish(&app, &r).await.status(), 200);
    assert_problem(
        put(a0["staff_id"].clone()).await.unwrap(),
        409,
        "roster_published",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_refuses_people_now_on_leave_r14() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 4).await;
    let h = hall(&app).await;
    let r = roster(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let first = r["assignments"][0].clone();
    let who = h.no_of(first["staff_id"].as_str().unwrap());
    let date = first["date"].as_str().unwrap();
    let l: Value = app
        .post(
            "/api/v1/leave-requests",
            h.token(&who),
            &json!({"kind": "sick", "start_date": date, "end_date": date}),
        )
        .await
        .json()
        .await
        .unwrap();
    // The duty is only in a draft, so the leave can be approved...
    let ok = app
        .post(
            &format!(
                "/api/v1/leave-requests/{}/approve",
                l["id"].as_str().unwrap()
            ),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    // ...and publishing then says the draft is stale, naming the day.
    let p = assert_problem(publish(&app, &r).await, 409, "draft_stale").await;
    assert!(p["conflicts"].as_array().unwrap().contains(&first["id"]));
    assert!(p["detail"].as_str().unwrap().contains(date), "{p}");
    // A draft edit honours If-Match, but does not make a stale draft publishable.
    let path = format!(
        "/api/v1/rosters/{}/assignments/{}",
        r["id"].as_str().unwrap(),
        first["id"].as_str().unwrap()
    );
    let stale = app
        .req(reqwest::Method::PUT, &path, Some(&app.admin_token))
        .header("if-match", "\"7\"")
        .json(&json!({"staff_id": h.id("d3-2")}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "stale_etag").await;
    let fixed = app
        .req(reqwest::Method::PUT, &path, Some(&app.admin_token))
        .header("if-match", "\"1\"")
        .json(&json!({"staff_id": h.id("d3-2"), "confirm": ["other_department"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(fixed.status(), 200);
    assert_eq!(fixed.headers()["etag"], "\"2\"");
    assert_problem(publish(&app, &r).await, 409, "draft_stale").await;
    // Regenerating is one call; the person on leave is no longer on that day.
    let again = app
        .post(
            &format!("/api/v1/rosters/{}/regenerate", r["id"].as_str().unwrap()),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert!(
        again["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| !(a["date"] == date && a["staff_id"] == h.id(&who))),
        "{again}"
    );
    assert_eq!(publish(&app, &again).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_settings_refuse_duplicates_and_honour_the_first_etag() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let r = app.get("/api/v1/rotation", &app.admin_token).await;
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let put = |body: Value| {
        app.req(
            reqwest::Method::PUT,
            "/api/v1/rotation",
            Some(&app.admin_token),
        )
        .header("if-match", etag.clone())
        .json(&body)
        .send()
    };
    let dup = put(json!({"unit": "day", "supervisors_per_day": 1, "department_order": [h.depts[0], h.depts[1], h.depts[0]]})).await.unwrap();
    let p = assert_problem(dup, 400, "validation_failed").await;
    assert_eq!(p["errors"][0]["code"], "duplicate");
    let dup = put(json!({"unit": "day", "supervisors_per_day": 1, "choices": [{"staff_id": h.id("d1-1"), "included": false}, {"staff_id": h.id("d1-1"), "included": true}]})).await.unwrap();
    assert_problem(dup, 400, "validation_failed").await;
    let ok = put(json!({"unit": "week", "supervisors_per_day": 1}))
        .await
        .unwrap();
    assert_eq!(
        ok.status(),
        200,
        "the ETag of the default settings is accepted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duty_statistics_export_as_csv_and_xlsx() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 4).await;
    let h = hall(&app).await;
    published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let base = &format!(
        "/api/v1/duty-statistics?from={}&to={}",
        plus(mon, -6),
        plus(mon, 24)
    );
    let v: Value = app.get(base, &app.admin_token).await.json().await.unwrap();
    assert_eq!(v["departments"].as_array().unwrap().len(), 3);
    assert_eq!(v["staff"][0]["employee_no"], "d1-1");
    let csv = app.get(&format!("{base}&format=csv"), h.token("w1")).await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "BOM for Excel");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines[1], "部门 department,d1,部门 d1,2");
    assert_eq!(
        lines.len(),
        1 + 3 + 5 + 1,
        "header, 3 departments, 5 people on duty, trailing empty"
    );
    let xlsx = app
        .get(&format!("{base}&format=xlsx"), &app.admin_token)
        .await;
    assert_eq!(xlsx.status(), 200);
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(&xlsx.bytes().await.unwrap()[..2], b"PK");
    assert_problem(
        app.get(&format!("{base}&format=pdf"), &app.admin_token)
            .await,
        400,
        "malformed_request",
    )
    .await;
}
