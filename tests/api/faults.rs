//! Facility faults reported for repair (R13): open faults carry over to the next days' logs
//! until repaired.

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_open_yesterday_shows_in_todays_log_until_repaired_r13() {
    let app = spawn_app().await;
    let (h, mon, on, roster) = duty_week(&app, 1).await;
    let tue = chrono::NaiveDate::parse_from_str(&plus(mon, 1), "%Y-%m-%d").unwrap();
    let tue_on = roster["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["date"] == tue.to_string())
        .map(|a| h.no_of(a["staff_id"].as_str().unwrap()))
        .unwrap();
    set_clock(&app, mon, 10, 0, 0);
    let fault =
        json!({"what": "3号窗口叫号屏不亮", "location": "一楼大厅3号窗口", "reported_to": "物业"});
    assert_problem(
        app.post("/api/v1/facility-faults", h.token("w1"), &fault)
            .await,
        403,
        "not_on_duty",
    )
    .await;
    let e = assert_problem(
        app.post(
            "/api/v1/facility-faults",
            h.token(&on[0]),
            &json!({"what": "", "location": "大厅", "reported_to": "物业"}),
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(e["errors"][0]["field"], "what");
    let r = app
        .post("/api/v1/facility-faults", h.token(&on[0]), &fault)
        .await;
    assert_eq!(r.status(), 201);
    let f: Value = r.json().await.unwrap();
    let id = f["id"].as_str().unwrap().to_owned();
    assert_eq!(f["open"], true);
    assert_eq!(f["reported_on"], mon.to_string());
    assert_eq!(f["reported_by_name"], format!("员工 {}", on[0]));
    // Tuesday: the log shows it, carried over.
    set_clock(&app, tue, 9, 0, 0);
    let log: Value = app
        .get(&format!("/api/v1/duty-days/{tue}/log"), h.token(&tue_on))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["open_faults"].as_array().unwrap().len(), 1);
    assert_eq!(log["open_faults"][0]["id"], id.as_str());
    let open: Value = app
        .get("/api/v1/facility-faults?open=true", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    // Repaired on Tuesday by Tuesday's supervisor (Monday's is not on duty today).
    let repaired = format!("/api/v1/facility-faults/{id}/repaired");
    let note = json!({"note": "物业更换电源"});
    if on[0] != tue_on {
        assert_problem(
            app.post(&repaired, h.token(&on[0]), &note).await,
            403,
            "not_on_duty",
        )
        .await;
    }
    let r = app.post(&repaired, h.token(&tue_on), &note).await;
    assert_eq!(r.status(), 200);
    let f: Value = r.json().await.unwrap();
    assert_eq!(f["open"], false);
    assert_eq!(f["repaired_on"], tue.to_string());
    assert_problem(
        app.post(&repaired, &app.admin_token, &note).await,
        409,
        "fault_repaired",
    )
    .await;
    let log: Value = app
        .get(&format!("/api/v1/duty-days/{tue}/log"), h.token(&tue_on))
        .await
        .json()
        .await
        .unwrap();
    assert!(log["open_faults"].as_array().unwrap().is_empty());
    // Monday's log still shows it open that day.
    let log: Value = app
        .get(&format!("/api/v1/duty-days/{mon}/log"), &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["open_faults"].as_array().unwrap().len(), 1);
    let open: Value = app
        .get("/api/v1/facility-faults?open=true", &app.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert!(open["items"].as_array().unwrap().is_empty());
    let all: Value = app
        .get(
            &format!("/api/v1/facility-faults?from={mon}&to={tue}"),
            h.token("w1"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    assert_problem(
        app.get(
            &format!("/api/v1/facility-faults?from={tue}&to={mon}"),
            &app.admin_token,
        )
        .await,
        400,
        "validation_failed",
    )
    .await;
}
