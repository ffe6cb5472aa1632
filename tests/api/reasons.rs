//! Why each person is on a duty: a code with parameters and department names, which a client
//! renders in its own language (R1, R2, R10).

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_assignments_carry_reason_codes_with_department_names_r2() {
    let app = spawn_app().await;
    let mon = plain_weeks(&app, 2).await;
    let h = hall(&app).await;
    // Three a day from departments of two: the holder gives two, the next department fills one.
    let r = app
        .req(
            reqwest::Method::PUT,
            "/api/v1/rotation",
            Some(&app.admin_token),
        )
        .json(&json!({"unit": "day", "supervisors_per_day": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = roster(&app, &plus(mon, 0), &plus(mon, 1)).await;
    let a = |i: usize| r["assignments"][i]["reason"].clone();
    assert_eq!(
        a(0),
        json!({"code": "holder_turn", "params": {
            "department_id": h.depts[0], "department_name": "部门 d1",
            "rotation_order": 1, "span": "day", "round": 1}})
    );
    assert_eq!(a(1)["code"], "holder_turn");
    assert_eq!(
        a(2),
        json!({"code": "filled_from_other_department", "params": {
            "department_id": h.depts[1], "department_name": "部门 d2", "round": 1,
            "holder_department_id": h.depts[0], "holder_department_name": "部门 d1",
            "holder_gave_some": true}})
    );
    // Tuesday is d2's: its remaining member, then a new round.
    assert_eq!(a(3)["params"]["rotation_order"], 2);
    assert_eq!(a(3)["params"]["department_name"], "部门 d2");
    // Stored as codes, without names (names come from the departments when shown).
    let stored = app
        .count("SELECT count(*) AS n FROM duty_assignments WHERE reason->>'code' IN ('holder_turn', 'filled_from_other_department') AND NOT reason->'params' ? 'department_name'")
        .await;
    assert_eq!(stored, r["assignments"].as_array().unwrap().len() as i64);
    // The same codes in the published list of assignments.
    assert_eq!(publish(&app, &r).await.status(), 200);
    let list: Value = app
        .get(
            &format!(
                "/api/v1/duty-assignments?from={}&to={}",
                plus(mon, 0),
                plus(mon, 1)
            ),
            &app.admin_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][2]["reason"], a(2), "{list}");
}
