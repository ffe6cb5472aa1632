//! The weekly compliance report over real HTTP (R15).

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compliance_names_departments_that_did_not_plan_on_time_or_sit_r15() {
    let app = spawn_app().await;
    let a = app.create_department("a", 10).await;
    let b = app.create_department("b", 20).await;
    let c = app.create_department("c", 30).await;
    let (a1, a1t) = leader(&app, "a-head", a["id"].as_str().unwrap()).await;
    let (a2, _) = leader(&app, "a-deputy", a["id"].as_str().unwrap()).await;
    let (b1, b1t) = leader(&app, "b-head", b["id"].as_str().unwrap()).await;
    let week = past_week(&app).await;
    // a-head planned two weeks ahead (the plan is backdated here, as the test cannot wait);
    // a-deputy sat on Wednesday. b-head filed late but sat; department c has no leader.
    let r = app
        .post(
            PLANS,
            &a1t,
            &json!({"week": week.to_string(), "days": [day(week, 1)]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    app.exec(&format!(
        "UPDATE sit_in_plans SET filed_at = (DATE '{}' + TIME '09:00') AT TIME ZONE 'Asia/Shanghai', \
         first_filed_at = (DATE '{}' + TIME '09:00') AT TIME ZONE 'Asia/Shanghai', late = false \
         WHERE leader_id = '{a1}'",
        week - Days::new(14),
        week - Days::new(14),
    ))
    .await;
    assert_eq!(
        app.post(
            PLANS,
            &b1t,
            &json!({"week": week.to_string(), "days": [day(week, 2)]})
        )
        .await
        .status(),
        201
    );
    for (l, d) in [(&a2, 2), (&b1, 2), (&b1, 3)] {
        let r = app
            .post(
                ATTENDANCE,
                &app.admin_token,
                &json!({"leader_id": l, "date": day(week, d)}),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let r = app
        .get(
            &format!("/api/v1/leader-sit-ins/compliance?week={week}"),
            &b1t,
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["week"], week.to_string());
    assert_eq!(v["working_days"].as_array().unwrap().len(), 5);
    assert_eq!(
        (
            v["compliant_count"].as_u64(),
            v["non_compliant_count"].as_u64()
        ),
        (Some(1), Some(2))
    );
    let depts = v["departments"].as_array().unwrap();
    assert_eq!(depts.len(), 3);
    let (da, db, dc) = (&depts[0], &depts[1], &depts[2]);
    assert_eq!(da["department_id"], a["id"]);
    assert_eq!(da["compliant"], true);
    assert_eq!(da["reasons"], json!([]));
    assert_eq!(da["planned_on_time"], true);
    assert_eq!(da["days_sat"], json!([day(week, 2)]));
    let leaders: Vec<&str> = da["leaders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["employee_no"].as_str().unwrap())
        .collect();
    assert_eq!(leaders, ["a-deputy", "a-head"]);
    assert_eq!(da["leaders"][1]["plan"]["late"], false);
    assert!(da["leaders"][0]["plan"].is_null());

    assert_eq!(db["compliant"], false);
    assert_eq!(db["reasons"], json!(["plan_late"]));
    assert_eq!(db["late_plans"], 1);
    assert_eq!(db["days_sat"], json!([day(week, 2), day(week, 3)]));
    assert_eq!(db["leaders"][0]["leader_id"], b1.as_str());
    assert_eq!(db["leaders"][0]["plan"]["late"], true);

    assert_eq!(dc["department_id"], c["id"]);
    assert_eq!(dc["compliant"], false);
    assert_eq!(dc["reasons"], json!(["no_leaders"]));
    assert!(dc["leaders"].as_array().unwrap().is_empty());

    // The same report as a spreadsheet-friendly CSV (UTF-8 with BOM), one row per department.
    let csv = app
        .get(
            &format!("/api/v1/leader-sit-ins/compliance?week={week}&format=csv"),
            &b1t,
        )
        .await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let rows: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(rows.len(), 1 + 3 + 1);
    assert!(
        rows[2].contains("plan_late") && rows[2].contains("否 no"),
        "{}",
        rows[2]
    );
    assert!(rows[3].contains("no_leaders"), "{}", rows[3]);

    // A week nobody acted in: every department with leaders is named for both failures.
    let other = week - Days::new(7);
    let v: Value = app
        .get(
            &format!("/api/v1/leader-sit-ins/compliance?week={other}"),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    if !v["working_days"].as_array().unwrap().is_empty() {
        assert_eq!(
            v["departments"][0]["reasons"],
            json!(["no_plan", "not_sat"])
        );
    }
    let errs = field_codes(
        app.get("/api/v1/leader-sit-ins/compliance", &app.admin_token)
            .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(errs, [("week".into(), "required".into())]);
}
