//! A citizen follows their request without an account (tracking number and code, locked after
//! repeated wrong codes), and their personal data is anonymised after the retention period.

use crate::fixtures::{crew, uploaded};
use crate::helpers::*;
use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const LOOKUP: &str = "/api/v1/citizen-requests/lookup";

/// A complaint recorded by `token` (optionally with attachments): (id, tracking number, code).
async fn intake(app: &TestApp, token: &str, attachments: &[String]) -> (String, String, String) {
    let r = app
        .post(
            "/api/v1/citizen-requests",
            token,
            &json!({
                "kind": "complaint",
                "channel": "visit",
                "citizen_name": "王小明",
                "citizen_phone": "13912345678",
                "concerns": "hall",
                "subject": "大厅叫号屏长时间不更新",
                "description": "下午两点后叫号屏一直显示同一号码。",
                "attachment_ids": attachments,
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    (
        v["request"]["id"].as_str().unwrap().to_owned(),
        v["tracking_no"].as_str().unwrap().to_owned(),
        v["verification_code"].as_str().unwrap().to_owned(),
    )
}

/// A lookup without any token.
async fn look(app: &TestApp, tracking_no: &str, code: &str) -> reqwest::Response {
    app.req(Method::POST, LOOKUP, None)
        .json(&json!({"tracking_no": tracking_no, "code": code}))
        .send()
        .await
        .unwrap()
}

/// Another 6-digit code than `code`.
fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

async fn failures(app: &TestApp, id: &str) -> i64 {
    app.count(&format!(
        "SELECT failures::bigint AS n FROM citizen_request_lookups WHERE request_id = '{id}'"
    ))
    .await
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_code_shows_the_state_and_public_answer_and_nothing_else() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let (id, tracking, code) = intake(&app, &c.supervisor, &[]).await;

    let r = look(&app, &tracking, &code).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let expected: BTreeSet<&str> = [
        "tracking_no",
        "kind",
        "state",
        "received_on",
        "due_on",
        "answer",
        "refusal_reason",
        "refusal_guidance",
        "updated_at",
    ]
    .into();
    assert_eq!(keys(&v), expected, "{v}");
    assert_eq!(v["tracking_no"], tracking.as_str());
    assert_eq!(v["kind"], "complaint");
    assert_eq!(v["state"], "accepted");
    assert_eq!(v["received_on"], app.today().to_string());
    assert_eq!(v["answer"], Value::Null);
    let text = v.to_string();
    for personal in ["王", "13912345678", "139****5678", "叫号屏"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }

    // An internal draft of the answer is not shown before the request is answered; once it is,
    // the public answer is.
    app.exec(&format!(
        "UPDATE citizen_requests SET answer = '已联系厂家维修' WHERE id = '{id}'"
    ))
    .await;
    let v: Value = look(&app, &tracking, &code).await.json().await.unwrap();
    assert_eq!(v["answer"], Value::Null);
    app.exec(&format!(
        "UPDATE citizen_requests SET state = 'answered' WHERE id = '{id}'"
    ))
    .await;
    let v: Value = look(&app, &tracking, &code).await.json().await.unwrap();
    assert_eq!(v["state"], "answered");
    assert_eq!(v["answer"], "已联系厂家维修");
    assert_eq!(v["refusal_reason"], Value::Null);

    // Refused: the reason and the guidance, not the answer.
    app.exec(&format!(
        "UPDATE citizen_requests SET state = 'refused', refusal_reason = '不属于本中心受理范围',
             refusal_guidance = '请向市医保局反映' WHERE id = '{id}'"
    ))
    .await;
    // The portal may look up too, on the citizen's behalf (its token is not needed).
    let v: Value = app
        .req(
            Method::POST,
            LOOKUP,
            Some(&portal_token("gov-portal", &["alpha"])),
        )
        .json(&json!({"tracking_no": tracking, "code": code}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys(&v), expected);
    assert_eq!(v["state"], "refused");
    assert_eq!(v["answer"], Value::Null);
    assert_eq!(v["refusal_reason"], "不属于本中心受理范围");
    assert_eq!(v["refusal_guidance"], "请向市医保局反映");

    // Unknown fields are refused.
    let r = app
        .req(Method::POST, LOOKUP, None)
        .json(&json!({"tracking_no": tracking, "code": code, "phone": "13912345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_lock_the_tracking_number_and_an_unknown_number_answers_the_same() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let (id, tracking, code) = intake(&app, &c.supervisor, &[]).await;
    let bad = wrong(&code);

    // A wrong code: 404 lookup_failed, counted on the tracking number.
    let r = look(&app, &tracking, &bad).await;
    let wrong_body = assert_problem(r, 404, "lookup_failed").await;
    assert_eq!(failures(&app, &id).await, 1);

    // An unknown (well-formed) tracking number answers exactly the same.
    let unknown = if tracking.ends_with("00000") {
        tracking.replace("-00000", "-00001")
    } else {
        format!("{}-00000", &tracking[..10])
    };
    let r = look(&app, &unknown, &code).await;
    let unknown_body = assert_problem(r, 404, "lookup_failed").await;
    assert_eq!(unknown_body, wrong_body);
    let r = look(&app, "nonsense", &code).await;
    assert_eq!(assert_problem(r, 404, "lookup_failed").await, wrong_body);

    // In Chinese under Accept-Language: zh.
    let r = app
        .req(Method::POST, LOOKUP, None)
        .header("Accept-Language", "zh")
        .json(&json!({"tracking_no": tracking, "code": bad}))
        .send()
        .await
        .unwrap();
    let zh = assert_problem(r, 404, "lookup_failed").await;
    assert!(zh["detail"].as_str().unwrap().contains("受理编号"), "{zh}");
    assert_eq!(failures(&app, &id).await, 2);

    // The right code resets the count.
    assert_eq!(look(&app, &tracking, &code).await.status(), 200);
    assert_eq!(failures(&app, &id).await, 0);

    // Five wrong codes within the window lock it, for the right code too.
    for _ in 0..5 {
        assert_problem(look(&app, &tracking, &bad).await, 404, "lookup_failed").await;
    }
    assert_eq!(failures(&app, &id).await, 5);
    let r = look(&app, &tracking, &code).await;
    let retry: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((890..=900).contains(&retry), "Retry-After {retry}");
    assert_problem(r, 429, "too_many_attempts").await;
    let r = look(&app, &tracking, &bad).await;
    assert_problem(r, 429, "too_many_attempts").await;
    assert_eq!(failures(&app, &id).await, 5, "no counting while locked");

    // Another tracking number is not affected (the lock is per number, not per address).
    let (_, other, other_code) = intake(&app, &c.supervisor, &[]).await;
    assert_eq!(look(&app, &other, &other_code).await.status(), 200);

    // After the window the right code works again and resets the count.
    app.clock.set(app.clock.now() + Duration::minutes(16));
    assert_eq!(look(&app, &tracking, &code).await.status(), 200);
    assert_eq!(failures(&app, &id).await, 0);

    // Failures further apart than the window do not add up to a lock.
    for _ in 0..4 {
        assert_problem(look(&app, &tracking, &bad).await, 404, "lookup_failed").await;
    }
    app.clock.set(app.clock.now() + Duration::minutes(16));
    assert_problem(look(&app, &tracking, &bad).await, 404, "lookup_failed").await;
    assert_eq!(failures(&app, &id).await, 1);
    assert_eq!(look(&app, &tracking, &code).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_codes_are_counted_exactly() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let (id, tracking, code) = intake(&app, &c.supervisor, &[]).await;
    let bad = wrong(&code);
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let req = app
                .req(Method::POST, LOOKUP, None)
                .json(&json!({"tracking_no": tracking, "code": bad}));
            tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for a in attempts {
        statuses.push(a.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [404, 404, 404, 404, 404, 429, 429, 429]);
    assert_eq!(failures(&app, &id).await, 5);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM citizen_request_lookups
              WHERE request_id = '{id}' AND locked_until IS NOT NULL"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tick_anonymises_personal_data_after_the_retention_period_and_keeps_the_request() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let photo = uploaded(&app, &c.supervisor, "image/png", crate::fixtures::png()).await;
    let (old, old_tracking, old_code) =
        intake(&app, &c.supervisor, std::slice::from_ref(&photo)).await;
    let (recent, _, _) = intake(&app, &c.supervisor, &[]).await;
    let (month_old, _, _) = intake(&app, &c.supervisor, &[]).await;
    let (open, _, _) = intake(&app, &c.supervisor, &[]).await;
    // Closed long ago (beyond the default 1095 days), 10 days ago and 40 days ago (the tick
    // runs on the system clock: these times are relative to it). Refused counts as finished too.
    for sql in [
        format!(
            "UPDATE citizen_requests SET state = 'closed', answer = '已处理',
                 closed_at = now() - interval '1100 days' WHERE id = '{old}'"
        ),
        format!(
            "UPDATE citizen_requests SET state = 'closed', closed_at = now() - interval '10 days'
              WHERE id = '{recent}'"
        ),
        format!(
            "UPDATE citizen_requests SET state = 'refused', refusal_reason = '重复反映',
                 refusal_guidance = '请查看原诉求', closed_at = now() - interval '40 days'
              WHERE id = '{month_old}'"
        ),
        format!(
            "UPDATE citizen_requests SET updated_at = now() - interval '2000 days' WHERE id = '{open}'"
        ),
    ] {
        app.exec(&sql).await;
    }
    let audits_before = app
        .count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{old}'"
        ))
        .await;

    let report = dutydesk::tick::run(&app.db_url).await.unwrap();
    assert_eq!(report.steps["anonymise_citizens"], 1, "{report:?}");

    // The contact is empty, the masked view shows nothing, the attachment is gone.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM citizen_contacts WHERE request_id = '{old}'
                AND name_enc IS NULL AND phone_enc IS NULL AND name_masked IS NULL
                AND phone_masked IS NULL AND phone_index IS NULL AND anonymised_at IS NOT NULL"
        ))
        .await,
        1
    );
    let v: Value = app
        .get(&format!("/api/v1/citizen-requests/{old}"), &c.supervisor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["citizen"]["name"], Value::Null);
    assert_eq!(v["citizen"]["phone"], Value::Null);
    assert!(v["citizen"]["anonymised_at"].is_string(), "{v}");
    assert_eq!(v["attachment_ids"], json!([]));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM attachments WHERE id = '{photo}'"
        ))
        .await,
        0
    );
    // The request, its owner chain and its history stay; the trail says so, by the system.
    assert_eq!(v["state"], "closed");
    assert_eq!(v["subject"], "大厅叫号屏长时间不更新");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM citizen_request_owners WHERE request_id = '{old}'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{old}'"
        ))
        .await,
        audits_before + 1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{old}'
                AND action = 'anonymised' AND actor_id IS NULL
                AND after::text NOT LIKE '%139%' AND after::text NOT LIKE '%王%'"
        ))
        .await,
        1
    );
    // The citizen can still follow it.
    let r = look(&app, &old_tracking, &old_code).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["answer"], "已处理");

    // The others keep their contact; a second tick does nothing.
    let kept = |id: &str| {
        format!(
            "SELECT count(*) AS n FROM citizen_contacts WHERE request_id = '{id}'
                AND phone_enc IS NOT NULL AND phone_index IS NOT NULL AND anonymised_at IS NULL"
        )
    };
    for id in [&recent, &month_old, &open] {
        assert_eq!(app.count(&kept(id)).await, 1, "{id}");
    }
    let again = dutydesk::tick::run(&app.db_url).await.unwrap();
    assert_eq!(again.steps["anonymise_citizens"], 0, "{again:?}");

    // The center's own retention period (30 days) takes the 40-day-old refusal on the next tick.
    app.exec(&format!(
        "INSERT INTO citizen_request_settings (center_id, retention_days, updated_at)
         SELECT center_id, 30, now() FROM citizen_requests WHERE id = '{old}'"
    ))
    .await;
    let next = dutydesk::tick::run(&app.db_url).await.unwrap();
    assert_eq!(next.steps["anonymise_citizens"], 1, "{next:?}");
    assert_eq!(app.count(&kept(&month_old)).await, 0);
    for id in [&recent, &open] {
        assert_eq!(app.count(&kept(id)).await, 1, "{id}");
    }
}
