//! Refusals of sit-in writes over real HTTP: wrong people, bad input, other centers (R15).

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sit_in_writes_are_refused_to_the_wrong_people_and_bad_input_r15() {
    let app = spawn_app().await;
    let dept = app.create_department("yb", 10).await;
    let d = dept["id"].as_str().unwrap();
    let (lid, lt) = leader(&app, "yb-head", d).await;
    let (clerk, clerk_t) = app.create_staff("w1", &["window_staff"], Some(d)).await;
    let week = future_week(&app).await;
    let ok_days = json!([day(week, 1)]);
    // A window clerk who is not a leader files nothing, for themself or for a leader.
    let body = json!({"week": week.to_string(), "days": ok_days});
    assert_problem(app.post(PLANS, &clerk_t, &body).await, 403, "not_a_leader").await;
    let for_leader = json!({"week": week.to_string(), "days": ok_days, "leader_id": lid});
    assert_problem(
        app.post(PLANS, &clerk_t, &for_leader).await,
        403,
        "forbidden",
    )
    .await;
    // The office names a leader; a non-leader is refused.
    let for_clerk = json!({"week": week.to_string(), "days": ok_days, "leader_id": clerk["id"]});
    let errs = field_codes(
        app.post(PLANS, &app.admin_token, &for_clerk).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errs, [("leader_id".into(), "not_a_leader".into())]);
    // Weeks are Mondays; days lie in the week and are working days.
    let tuesday = json!({"week": day(week, 1), "days": ok_days});
    let errs = field_codes(
        app.post(PLANS, &lt, &tuesday).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errs, [("week".into(), "not_monday".into())]);
    let outside =
        json!({"week": week.to_string(), "days": [day(week, 7), day(week, 6), "2026-02-30"]});
    let errs = field_codes(
        app.post(PLANS, &lt, &outside).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errs, [("days[2]".into(), "invalid_date".into())]);
    let outside = json!({"week": week.to_string(), "days": [day(week, 7), day(week, 6), day(week, 1), day(week, 1)]});
    let errs = field_codes(
        app.post(PLANS, &lt, &outside).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(
        errs,
        [
            ("days[0]".into(), "outside_week".into()),
            ("days[1]".into(), "not_working_day".into()),
            ("days[3]".into(), "duplicate".into()),
        ]
    );
    let errs = field_codes(
        app.post(PLANS, &lt, &json!({"week": week.to_string(), "days": []}))
            .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errs, [("days".into(), "length".into())]);
    // A Monday beyond the 53 weeks ahead that plans may reach, from the tests' clock.
    let far_monday = this_monday() + Days::new(60 * 7);
    let far = json!({"week": far_monday, "days": [far_monday + Days::new(1)]});
    let errs = field_codes(app.post(PLANS, &lt, &far).await, 400, "validation_failed").await;
    assert_eq!(errs, [("week".into(), "out_of_range".into())]);
    assert_problem(
        app.post(
            PLANS,
            &lt,
            &json!({"week": week.to_string(), "days": ok_days, "note": "x"}),
        )
        .await,
        400,
        "unknown_field",
    )
    .await;
    let errs = field_codes(app.get(PLANS, &lt).await, 400, "validation_failed").await;
    assert_eq!(errs, [("week".into(), "required".into())]);

    // Another center sees nothing of this one, and cannot name its leaders.
    let r = app.post(PLANS, &lt, &body).await;
    assert_eq!(r.status(), 201);
    let plan: Value = r.json().await.unwrap();
    let beta = app.other_center_admin().await;
    assert_problem(
        app.get(&format!("{PLANS}/{}", id_of(&plan)), &beta).await,
        404,
        "not_found",
    )
    .await;
    let list: Value = app
        .get(&format!("{PLANS}?week={week}"), &beta)
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    let errs = field_codes(
        app.post(PLANS, &beta, &for_leader).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errs, [("leader_id".into(), "unknown".into())]);
    let past = past_week(&app).await;
    let sat = json!({"leader_id": lid, "date": day(past, 1)});
    let errs = field_codes(
        app.post(ATTENDANCE, &beta, &sat).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errs, [("leader_id".into(), "unknown".into())]);
    let pattern = format!("/api/v1/leader-sit-ins/patterns/{lid}");
    assert_problem(
        send(
            &app,
            Method::PUT,
            &pattern,
            &beta,
            Some(&json!({"weekdays": [1]})),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let v: Value = app
        .get(
            &format!("/api/v1/leader-sit-ins/compliance?week={week}"),
            &beta,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(v["departments"].as_array().unwrap().is_empty());
    // Refusals leave no trace; the one accepted plan does.
    assert_eq!(app.count("SELECT count(*) AS n FROM sit_in_plans").await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sit_in_attendance")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM sit_in_patterns").await,
        0
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type LIKE 'sit_in%'")
            .await,
        1
    );
}
