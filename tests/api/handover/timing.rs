//! When a handover is made: on time, late after closing, refused after the grace period or without a
//! receiving duty; retries replay.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_closing_it_is_late_after_the_grace_period_refused_and_retries_replay_r8() {
    let app = spawn_app().await;
    let (h, mon, roster) = setup(&app, 12).await;
    let (thu, fri) = (mon + Duration::days(3), mon + Duration::days(4));
    let givers = on(&h, &roster, fri);
    // 17:45: after the 17:30 closing, within the duty end (18:00) plus 120 minutes.
    set_clock(&app, fri, 17, 45);
    let send = |key: &'static str| {
        app.req(Method::POST, &give_path(fri), Some(h.token(&givers[1])))
            .header("Idempotency-Key", key)
            .json(&json!({"notes": ["门禁卡已交值班室"]}))
            .send()
    };
    let first = send("ho-1").await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["on_time"], false);
    assert!(about(&first["made_at"], fri, 17, 45));
    let replay = send("ho-1").await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.json::<Value>().await.unwrap(), first);
    assert_eq!(app.count("SELECT count(*) AS n FROM handovers").await, 1);
    // Another key is another request: the day has its handover.
    assert_problem(send("ho-2").await.unwrap(), 409, "handover_exists").await;
    // Thursday's grace period ended at 20:00 on Thursday.
    let thu_on = on(&h, &roster, thu);
    set_clock(&app, thu, 20, 1);
    let v = assert_problem(
        give(&app, thu, h.token(&thu_on[0]), json!([])).await,
        409,
        "duty_day_closed",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains(&thu.to_string()));
    // A minute before it is still accepted (late).
    set_clock(&app, thu, 19, 59);
    let r = give(&app, thu, h.token(&thu_on[0]), json!([])).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["on_time"].as_bool(), v["to_date"].as_str()),
        (Some(false), Some(fri.to_string().as_str()))
    );
    // Bad notes: too many, blank.
    let many: Vec<String> = (0..21).map(|i| format!("事项{i}")).collect();
    let v = assert_problem(
        give(&app, fri, h.token(&givers[0]), json!(many)).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "notes");
    let v = assert_problem(
        give(&app, fri, h.token(&givers[0]), json!(["ok", " "])).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "notes[1]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_published_duty_on_the_next_working_day_is_refused_in_chinese_too_r12() {
    let app = spawn_app().await;
    // Only the first week is published: nobody is on duty on the Tuesday after the holiday.
    let (h, mon, roster) = setup(&app, 5).await;
    let fri = mon + Duration::days(4);
    let tue = mon + Duration::days(8);
    let givers = on(&h, &roster, fri);
    set_clock(&app, fri, 16, 0);
    let v = assert_problem(
        give(&app, fri, h.token(&givers[0]), json!([])).await,
        422,
        "handover_no_next_duty",
    )
    .await;
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains(&tue.to_string()) && detail.contains(&fri.to_string()),
        "{detail}"
    );
    let zh = app
        .req(Method::POST, &give_path(fri), Some(h.token(&givers[0])))
        .header("Accept-Language", "zh-CN,zh;q=0.9")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let v = assert_problem(zh, 422, "handover_no_next_duty").await;
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("下一个工作日") && detail.contains(&tue.to_string()),
        "{detail}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM handovers").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_days_two_supervisors_at_once_make_one_handover_r12() {
    let app = spawn_app().await;
    let (h, mon, roster) = setup(&app, 12).await;
    let fri = mon + Duration::days(4);
    let givers = on(&h, &roster, fri);
    set_clock(&app, fri, 16, 30);
    let (a, b) = tokio::join!(
        give(&app, fri, h.token(&givers[0]), json!(["甲"])),
        give(&app, fri, h.token(&givers[1]), json!(["乙"])),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    let lost = if a.status() == 409 { a } else { b };
    assert_problem(lost, 409, "handover_exists").await;
    assert_eq!(app.count("SELECT count(*) AS n FROM handovers").await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM handover_items").await,
        3
    );
}
