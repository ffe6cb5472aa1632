//! The center's list of door and closing checks over real HTTP (R7): defaults for every
//! center, the office's replacement of the list, dropped and deactivated items.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_center_starts_with_the_default_list_and_the_office_replaces_it_r7() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let r = app.get("/api/v1/door-check-items", h.token("w1")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let list: Value = r.json().await.unwrap();
    assert_eq!(
        codes(&list["items"]),
        [
            "security_door_opened",
            "security_door_closed",
            "lights_off",
            "water_dispensers_off",
            "other_power_off",
            "glass_doors_windows_shut",
            "main_gate_closed"
        ]
    );
    let due: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["due"].as_str().unwrap())
        .collect();
    assert_eq!(due[..3], ["on_arrival", "before_closing", "after_closing"]);
    assert_eq!(
        item(&list, "main_gate_closed")["name_zh"],
        "下班后联系保安关闭大楼大门"
    );
    // A center created later gets the list too.
    let beta = app.other_center_admin().await;
    let b: Value = app
        .get("/api/v1/door-check-items", &beta)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(b["items"].as_array().unwrap().len(), 7);
    assert_ne!(b["items"][0]["id"], list["items"][0]["id"]);

    let body = list_body(
        &list["items"],
        "water_dispensers_off",
        &[
            json!({"code": "fire_exits_clear", "name_zh": "检查消防通道畅通", "name_en": "Fire exits clear", "due": "before_closing"}),
        ],
    );
    // Office admins only; a stale version is refused; the list is checked.
    assert_problem(
        put_items(&app, h.token("d1-1"), None, body.clone()).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        put_items(&app, &app.admin_token, Some("\"7\""), body.clone()).await,
        412,
        "stale_etag",
    )
    .await;
    let bad = json!({"items": [
        {"code": "Main-Gate", "name_zh": "大门", "name_en": "Gate", "due": "after_closing"},
        {"code": "lights_off", "name_zh": " ", "name_en": "Lights", "due": "after_closing"},
        {"code": "lights_off", "name_zh": "灯", "name_en": "Lights", "due": "after_closing"},
    ]});
    let v = assert_problem(
        put_items(&app, &app.admin_token, None, bad).await,
        400,
        "validation_failed",
    )
    .await;
    let fields: Vec<(&str, &str)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("items[0].code", "invalid"),
            ("items[1].name_zh", "required"),
            ("items[2].code", "duplicate")
        ]
    );
    let r = put_items(&app, &app.admin_token, Some("\"1\""), body.clone()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let after: Value = r.json().await.unwrap();
    assert_eq!(after["version"], 2);
    let c = codes(&after["items"]);
    assert!(!c.contains(&"water_dispensers_off"), "{c:?}");
    assert_eq!(c.last(), Some(&"fire_exits_clear"));
    // Kept items keep their ids.
    assert_eq!(
        item(&after, "lights_off")["id"],
        item(&list, "lights_off")["id"]
    );
    // The same list again changes nothing.
    let r = put_items(&app, &app.admin_token, Some("\"2\""), body).await;
    assert_eq!(r.headers()["etag"], "\"2\"");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_events WHERE entity_type = 'door_check_items'")
            .await,
        1
    );
    // Beta's list is its own.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM door_check_items WHERE code = 'water_dispensers_off'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_the_center_dropped_is_no_longer_missing_and_a_recorded_one_is_kept() {
    let app = spawn_app().await;
    let (h, mon, on, _) = doors_week(&app, 2).await;
    app.clock.set(at(mon, 17, 40));
    recorded(&app, mon, h.token(&on[0]), "lights_off").await;
    let list: Value = app
        .get("/api/v1/door-check-items", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    // A hall without water dispensers drops that item; lights_off goes too, but was recorded.
    let body = list_body(&list["items"], "water_dispensers_off", &[]);
    let body = json!({"items": body["items"].as_array().unwrap().iter().filter(|i| i["code"] != "lights_off").cloned().collect::<Vec<_>>()});
    let r = put_items(&app, &app.admin_token, Some("\"1\""), body).await;
    assert_eq!(r.status(), 200);
    let after: Value = r.json().await.unwrap();
    assert!(!codes(&after["items"]).contains(&"water_dispensers_off"));
    let lights = item(&after, "lights_off");
    assert_eq!(lights["active"], false);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM door_check_items WHERE code = 'water_dispensers_off'")
            .await,
        0
    );
    // A deactivated item is no longer recorded.
    let v = assert_problem(
        record(&app, mon, h.token(&on[1]), json!({"item": "lights_off"})).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "item");
    assert_eq!(v["errors"][0]["code"], "unknown");
    app.clock.set(at(mon, 18, 30));
    let d = day(&app, mon, h.token("w1")).await;
    let listed = codes(&d["items"]);
    assert!(!listed.contains(&"water_dispensers_off"), "{listed:?}");
    // The recorded item of the day stays on the day.
    assert_eq!(item(&d, "lights_off")["status"], "recorded");
    assert_eq!(d["summary"]["expected"], 6);
    assert_eq!(
        codes(&d["summary"]["missing"]),
        [
            "security_door_opened",
            "security_door_closed",
            "other_power_off",
            "glass_doors_windows_shut",
            "main_gate_closed"
        ]
    );
}
