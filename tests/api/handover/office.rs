//! What the office sees: the handovers whose receipt is not confirmed.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_lists_unconfirmed_handovers_r12() {
    let app = spawn_app().await;
    let (h, mon, roster) = setup(&app, 12).await;
    let (tue, wed) = (mon + Duration::days(1), mon + Duration::days(2));
    // Monday hands to Tuesday, Tuesday to Wednesday; Tuesday confirms Monday's fully.
    set_clock(&app, mon, 17, 0);
    let a: Value = give(
        &app,
        mon,
        h.token(&on(&h, &roster, mon)[0]),
        json!(["一号柜钥匙在抽屉"]),
    )
    .await
    .json()
    .await
    .unwrap();
    // A Tuesday supervisor comes by that evening and takes the desk sign: from then on the
    // notes stay as they are.
    set_clock(&app, mon, 17, 10);
    let a_id = a["id"].as_str().unwrap();
    let r = confirm(
        &app,
        a_id,
        h.token(&on(&h, &roster, tue)[0]),
        vec![item_ids(&a)[0].clone()],
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = app
        .req(
            Method::PUT,
            &format!("/api/v1/handovers/{a_id}/notes"),
            Some(h.token(&on(&h, &roster, mon)[1])),
        )
        .json(&json!({"notes": []}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 409, "handover_confirmation_started").await;
    set_clock(&app, tue, 17, 0);
    let b: Value = give(
        &app,
        tue,
        h.token(&on(&h, &roster, tue)[0]),
        json!(["明天有领导视察"]),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(b["to_date"], wed.to_string());
    let r = confirm(
        &app,
        a["id"].as_str().unwrap(),
        h.token(&on(&h, &roster, tue)[1]),
        item_ids(&a),
    )
    .await;
    assert_eq!(r.status(), 200);
    let (_, auditor) = app.create_staff("aud1", &["auditor"], None).await;
    let range = format!("from={}&to={}", plus(mon, 0), plus(mon, 11));
    for token in [app.admin_token.as_str(), auditor.as_str()] {
        let open = json_of(
            &app,
            &format!("/api/v1/handovers?status=unconfirmed&{range}"),
            token,
        )
        .await;
        let items = open["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["id"], b["id"]);
        assert_eq!(items[0]["date"], tue.to_string());
        assert_eq!(items[0]["to_date"], wed.to_string());
        assert_eq!(items[0]["made_by_name"], b["made_by_name"]);
        assert_eq!(
            (
                items[0]["items_confirmed"].as_i64(),
                items[0]["items_total"].as_i64()
            ),
            (Some(0), Some(3))
        );
    }
    let done = json_of(
        &app,
        &format!("/api/v1/handovers?status=confirmed&{range}"),
        &app.admin_token,
    )
    .await;
    assert_eq!(done["items"].as_array().unwrap().len(), 1);
    assert_eq!(done["items"][0]["id"], a["id"]);
    // All of them, a page at a time, by giving day.
    let p1 = json_of(
        &app,
        &format!("/api/v1/handovers?limit=1&{range}"),
        &app.admin_token,
    )
    .await;
    assert_eq!(p1["items"][0]["id"], a["id"]);
    let cursor = p1["next_cursor"].as_str().unwrap();
    let p2 = json_of(
        &app,
        &format!("/api/v1/handovers?limit=1&cursor={cursor}&{range}"),
        &app.admin_token,
    )
    .await;
    assert_eq!(p2["items"][0]["id"], b["id"]);
    assert_eq!(p2["next_cursor"], Value::Null);
    assert_problem(
        app.get(
            &format!("/api/v1/handovers?status=open&{range}"),
            &app.admin_token,
        )
        .await,
        400,
        "malformed_request",
    )
    .await;
}
