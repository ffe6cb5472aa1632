//! Who sees which citizen's request: the Rust rule (one request, `GET /citizen-requests/{id}`)
//! and its SQL twin (the list, `GET /citizen-requests`) agree for every request and caller.

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const LIST: &str = "/api/v1/citizen-requests";

async fn intake(app: &TestApp, token: &str, extra: Value) -> String {
    let mut body = json!({
        "kind": "help",
        "channel": "visit",
        "citizen_name": "钱七",
        "citizen_phone": "13600002222",
        "concerns": "hall",
        "subject": "窗口服务",
        "description": "情况说明",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app.post(LIST, token, &body).await;
    let s = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert_eq!(s, 201, "{v}");
    v["request"]["id"].as_str().unwrap().to_owned()
}

async fn forward(app: &TestApp, token: &str, id: &str, to: &str) {
    let r = app
        .post(
            &format!("{LIST}/{id}/forward"),
            token,
            &json!({"note": "转交", "to_staff_id": to}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

/// The ids the list shows `token` (every page).
async fn listed(app: &TestApp, token: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let v: Value = app
            .get(&format!("{LIST}?limit=2{cursor}"), token)
            .await
            .json()
            .await
            .unwrap();
        for r in v["items"].as_array().unwrap() {
            out.insert(r["id"].as_str().unwrap().to_owned());
        }
        match v["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

/// The ids of `all` that `token` may read one by one.
async fn readable(app: &TestApp, token: &str, all: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for id in all {
        let s = app.get(&format!("{LIST}/{id}"), token).await.status();
        assert!(s == 200 || s == 404, "{s}");
        if s == 200 {
            out.insert(id.clone());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_for_one_request_and_the_list_agree_for_every_caller() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let (x, x_token) = app
        .create_staff("fwd1", &["window_staff"], Some(&c.dept_id))
        .await;
    let (y, y_token) = app
        .create_staff("fwd2", &["window_staff"], Some(&c.dept_id))
        .await;
    let (z, z_token) = app
        .create_staff("oth1", &["window_staff"], Some(&c.dept_id))
        .await;
    let (x, y, z) = (
        x["id"].as_str().unwrap().to_owned(),
        y["id"].as_str().unwrap().to_owned(),
        z["id"].as_str().unwrap().to_owned(),
    );
    let about = |s: &str| json!({"kind": "complaint", "concerns": "staff", "staff_id": s});
    let portal = portal_token("portal-a", &["alpha"]);
    let queue = json!({"center_code": "alpha", "channel": "portal"});
    let mut queue_about_z = about(&z);
    queue_about_z["center_code"] = json!("alpha");
    queue_about_z["channel"] = json!("portal");

    // Received and owned by the window clerk.
    let plain = intake(&app, &c.window, json!({})).await;
    // A complaint about the supervisor.
    let about_sup = intake(&app, &c.window, about(&c.staff_id)).await;
    // A complaint about staff member z.
    let about_z = intake(&app, &c.window, about(&z)).await;
    // Received by the window clerk, forwarded to x, then by x to y: x owned it, y owns it.
    let handed = intake(&app, &c.window, json!({})).await;
    forward(&app, &c.window, &handed, &x).await;
    forward(&app, &x_token, &handed, &y).await;
    // The center's queue, once about no one, once about z.
    let queued = intake(&app, &portal, queue).await;
    let queued_about_z = intake(&app, &portal, queue_about_z).await;
    // Received by the supervisor about themselves.
    let own_about_sup = intake(&app, &c.supervisor, about(&c.staff_id)).await;
    let all = vec![
        plain.clone(),
        about_sup.clone(),
        about_z.clone(),
        handed.clone(),
        queued.clone(),
        queued_about_z.clone(),
        own_about_sup.clone(),
    ];
    let set = |ids: &[&String]| ids.iter().map(|s| (*s).clone()).collect::<BTreeSet<_>>();
    let callers = [
        (
            "office admin",
            app.admin_token.clone(),
            set(&all.iter().collect::<Vec<_>>()),
        ),
        (
            "auditor",
            c.auditor.clone(),
            set(&all.iter().collect::<Vec<_>>()),
        ),
        (
            "supervisor",
            c.supervisor.clone(),
            set(&[
                &plain,
                &about_z,
                &handed,
                &queued,
                &queued_about_z,
                &own_about_sup,
            ]),
        ),
        (
            "receiver",
            c.window.clone(),
            set(&[
                &plain,
                &about_sup,
                &about_z,
                &handed,
                &queued,
                &queued_about_z,
            ]),
        ),
        (
            "former owner",
            x_token,
            set(&[&handed, &queued, &queued_about_z]),
        ),
        ("owner", y_token, set(&[&handed, &queued, &queued_about_z])),
        ("other staff", z_token, set(&[&queued])),
    ];
    for (who, token, expected) in callers {
        let one = readable(&app, &token, &all).await;
        let list = listed(&app, &token).await;
        assert_eq!(one, list, "{who}: the rule and the list disagree");
        assert_eq!(one, expected, "{who}");
    }
}
