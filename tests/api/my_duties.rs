//! `/me/duties` keeps a duty handed to a substitute, marked as handed away with the substitute
//! beside it; the substitute sees the same duty as theirs, with whom they stand in for.

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

async fn my_duty(app: &TestApp, token: &str, from: &str, to: &str, aid: &str) -> Option<Value> {
    let r = app
        .get(&format!("/api/v1/me/duties?from={from}&to={to}"), token)
        .await;
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == aid)
        .cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_duties_mark_a_duty_handed_to_a_substitute_and_show_it_to_the_substitute() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let (from, to) = (plus(mon, 0), plus(mon, 4));
    let r = published(&app, &from, &to).await;
    let a = &r["assignments"][0];
    let aid = a["id"].as_str().unwrap();
    let me = h.no_of(a["staff_id"].as_str().unwrap());
    let sub = ["d3-2", "d3-1", "d2-2"]
        .into_iter()
        .find(|n| h.id(n) != a["staff_id"].as_str().unwrap())
        .unwrap();

    // Before any substitution: the rostered supervisor's own duty, the substitute has none of it.
    let mine = my_duty(&app, h.token(&me), &from, &to, aid).await.unwrap();
    assert_eq!(mine["handed_away"], false);
    assert_eq!(mine["substitute_id"], Value::Null);
    assert_eq!(mine["substituting_for_id"], Value::Null);
    assert!(my_duty(&app, h.token(sub), &from, &to, aid).await.is_none());

    let s: Value = app
        .post(
            "/api/v1/substitutions",
            h.token(&me),
            &json!({"assignment_id": aid, "substitute_id": h.id(sub), "reason": "家中有事"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let accept = format!("/api/v1/substitutions/{}/accept", s["id"].as_str().unwrap());
    assert_eq!(
        app.post(&accept, h.token(sub), &json!({})).await.status(),
        200
    );

    // The original supervisor still sees it, handed away, with who took it.
    let mine = my_duty(&app, h.token(&me), &from, &to, aid).await.unwrap();
    assert_eq!(mine["handed_away"], true, "{mine}");
    assert_eq!(mine["substitute_id"], h.id(sub));
    assert_eq!(mine["substitute_name"], format!("员工 {sub}"));
    assert_eq!(mine["on_duty_staff_id"], h.id(sub));
    assert_eq!(mine["substituting_for_id"], Value::Null);
    assert_eq!(mine["substituting_for_name"], Value::Null);

    // The substitute sees it as theirs to serve, standing in for the rostered supervisor.
    let theirs = my_duty(&app, h.token(sub), &from, &to, aid).await.unwrap();
    assert_eq!(theirs["handed_away"], false, "{theirs}");
    assert_eq!(theirs["on_duty_staff_id"], h.id(sub));
    assert_eq!(theirs["substituting_for_id"], h.id(&me));
    assert_eq!(theirs["substituting_for_name"], format!("员工 {me}"));
}
