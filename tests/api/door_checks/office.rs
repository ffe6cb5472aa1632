//! Door checks after the closing, the grace period and the office's amendments; refusals of bad
//! input (R7).

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_closing_checks_are_accepted_within_the_grace_period_then_only_the_office_amends() {
    let app = spawn_app().await;
    let (h, mon, on, _) = doors_week(&app, 2).await;
    // Duty end 18:00 + 120 minutes' grace: writable until 20:00.
    app.clock.set(at(mon, 19, 55));
    let gate = recorded(&app, mon, h.token(&on[1]), "main_gate_closed").await;
    assert_eq!(gate["late"], true);
    app.clock.set(at(mon, 20, 1));
    let v = assert_problem(
        record(
            &app,
            mon,
            h.token(&on[0]),
            json!({"item": "glass_doors_windows_shut"}),
        )
        .await,
        409,
        "duty_day_closed",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains(&mon.to_string()));
    let amend = |code: &str| format!("{}/{code}/amendments", path(mon));
    // Supervisors do not amend, not even the day's.
    assert_problem(
        app.post(
            &amend("main_gate_closed"),
            h.token(&on[1]),
            &json!({"reason": "保安确认按时关门", "late": false}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // The office's verdict: not late after all.
    let r = app
        .post(
            &amend("main_gate_closed"),
            &app.admin_token,
            &json!({"reason": "保安确认按时关门", "late": false}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["status"], "recorded");
    assert_eq!(a["late"], false);
    assert_eq!(a["record"]["id"], gate["id"]);
    assert_eq!(a["record"]["recorded_by"], h.id(&on[1]));
    assert_eq!(a["amendments"].as_array().unwrap().len(), 1);
    assert_eq!(a["amendments"][0]["before"]["late"], true);
    assert_eq!(a["amendments"][0]["after"]["late"], false);
    assert_eq!(a["amendments"][0]["amended_by"], app.admin_id.to_string());
    assert_eq!(a["amendments"][0]["amended_by_name"], "Admin");
    // The same again changes nothing.
    assert_problem(
        app.post(
            &amend("main_gate_closed"),
            &app.admin_token,
            &json!({"reason": "再次确认", "late": false}),
        )
        .await,
        422,
        "nothing_to_amend",
    )
    .await;
    // A missing item: the office adds the record, with the time it was done.
    let v = assert_problem(
        app.post(
            &amend("glass_doors_windows_shut"),
            &app.admin_token,
            &json!({"reason": "值班人员漏记"}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "observed_at");
    assert_problem(
        app.post(
            &amend("no_such_item"),
            &app.admin_token,
            &json!({"reason": "x", "late": true}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let done = format!("{mon}T17:50:00+08:00");
    let r = app
        .post(
            &amend("glass_doors_windows_shut"),
            &app.admin_token,
            &json!({"reason": "值班人员漏记，经核实已关好", "observed_at": done}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let g: Value = r.json().await.unwrap();
    assert_eq!(g["status"], "recorded");
    assert_eq!(g["late"], false);
    assert_eq!(g["record"]["recorded_by"], app.admin_id.to_string());
    assert_eq!(g["record"]["assignment_id"], Value::Null);
    assert_eq!(g["amendments"][0]["before"], Value::Null);
    let d = day(&app, mon, h.token(&on[0])).await;
    assert_eq!(item(&d, "glass_doors_windows_shut")["status"], "recorded");
    assert_eq!(
        item(&d, "main_gate_closed")["amendments"][0]["reason"],
        "保安确认按时关门"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'door_check' AND action = 'amended'")
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_door_check_requests_are_refused_with_field_errors() {
    let app = spawn_app().await;
    let (h, mon, on, _) = doors_week(&app, 2).await;
    app.clock.set(at(mon, 17, 40));
    let me = h.token(&on[0]);
    let v = assert_problem(
        record(&app, mon, me, json!({"item": "no_such_item"})).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(
        (
            v["errors"][0]["field"].as_str(),
            v["errors"][0]["code"].as_str()
        ),
        (Some("item"), Some("unknown"))
    );
    let v = assert_problem(
        record(
            &app,
            mon,
            me,
            json!({"item": "lights_off", "note": "长".repeat(501)}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(
        (
            v["errors"][0]["field"].as_str(),
            v["errors"][0]["code"].as_str()
        ),
        (Some("note"), Some("too_long"))
    );
    let v = assert_problem(
        record(
            &app,
            mon,
            me,
            json!({"item": "lights_off", "observed_at": "17:40"}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(
        (
            v["errors"][0]["field"].as_str(),
            v["errors"][0]["code"].as_str()
        ),
        (Some("observed_at"), Some("invalid_datetime"))
    );
    assert_problem(
        record(&app, mon, me, json!({"item": "lights_off", "at": "now"})).await,
        400,
        "unknown_field",
    )
    .await;
    // Under Accept-Language: zh the field errors are Chinese too.
    let zh = app
        .req(reqwest::Method::POST, &path(mon), Some(me))
        .header("Accept-Language", "zh")
        .json(&json!({"item": "no_such_item"}))
        .send()
        .await
        .unwrap();
    let v = assert_problem(zh, 400, "validation_failed").await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("门岗检查项"),
        "{v}"
    );
    // A day that has not started (for its own supervisor), and a date the hall is closed.
    let tue = mon + chrono::Duration::days(1);
    let tue_view: Value = app
        .get(&format!("/api/v1/duty-days/{tue}"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    let tue_sup = h.no_of(tue_view["on_duty"][0]["staff_id"].as_str().unwrap());
    assert_problem(
        record(&app, tue, h.token(&tue_sup), json!({"item": "lights_off"})).await,
        422,
        "duty_day_not_started",
    )
    .await;
    assert_problem(
        record(
            &app,
            mon + chrono::Duration::days(5),
            me,
            json!({"item": "lights_off"}),
        )
        .await,
        422,
        "not_working_day",
    )
    .await;
    assert_eq!(app.count("SELECT count(*) AS n FROM door_checks").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_correction_of_the_observed_time_is_judged_by_the_check_in_rule() {
    let app = spawn_app().await;
    let (h, mon, on, _) = doors_week(&app, 2).await;
    // Received at 09:00 without an observed time: simply late.
    app.clock.set(at(mon, 9, 0));
    let r = recorded(&app, mon, h.token(&on[0]), "security_door_opened").await;
    assert_eq!(
        (r["late"].as_bool(), r["needs_review"].as_bool()),
        (Some(true), Some(false))
    );
    let amend = format!("{}/security_door_opened/amendments", path(mon));
    // The phone had it at 08:25: late by receipt, now for review.
    let a: Value = app
        .post(
            &amend,
            &app.admin_token,
            &json!({"reason": "手机离线，08:25 已开门", "observed_at": format!("{mon}T08:25:00+08:00")}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (a["late"].as_bool(), a["needs_review"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(instant(&a["record"]["observed_at"]), at(mon, 8, 25));
    assert_eq!(a["record"]["received_at"], r["received_at"]);
    // The office's verdict settles the review.
    let a: Value = app
        .post(
            &amend,
            &app.admin_token,
            &json!({"reason": "核实按时开门", "late": false}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (a["late"].as_bool(), a["needs_review"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(a["amendments"].as_array().unwrap().len(), 2);
    // A blank reason, a malformed time: field errors, nothing changes.
    let v = assert_problem(
        app.post(
            &amend,
            &app.admin_token,
            &json!({"reason": " ", "observed_at": "08:25"}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["reason", "observed_at"]);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM amendments WHERE entity_type = 'door_check'")
            .await,
        2
    );
}
