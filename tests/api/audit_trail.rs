//! The trail against someone with database access (R22): TRUNCATE refused, a keyed chain, signed
//! checkpoints taken by the tick, and verification against stored and outside checkpoints.

use crate::fixtures::crew;
use crate::helpers::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

async fn verify(app: &TestApp) -> Value {
    let r = app
        .get("/api/v1/audit-events/verify", &app.admin_token)
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn verify_with(app: &TestApp, checkpoints: &[Value]) -> reqwest::Response {
    app.post(
        "/api/v1/audit-events/verify",
        &app.admin_token,
        &json!({ "checkpoints": checkpoints }),
    )
    .await
}

async fn tick(app: &TestApp) -> usize {
    let report = dutydesk::tick::run(&app.db_url).await.unwrap();
    assert!(!report.skipped);
    report.steps["audit_checkpoints"]
}

/// The newest checkpoint of the caller's center, as served (what an auditor keeps).
async fn newest_checkpoint(app: &TestApp, token: &str) -> Value {
    let v: Value = app
        .get("/api/v1/audit/checkpoints?limit=1", token)
        .await
        .json()
        .await
        .unwrap();
    let mut cp = v["items"][0].clone();
    cp.as_object_mut().unwrap().remove("id");
    cp
}

async fn head_seq(app: &TestApp) -> i64 {
    app.count(&format!(
        "SELECT seq AS n FROM audit_heads WHERE center_id = '{}'",
        app.center_id
    ))
    .await
}

/// What someone with table-owner rights does: switch the triggers off, delete the newest events
/// down to `keep`, and rewind the head to the event `keep`.
async fn delete_tail_and_rewind_head(app: &TestApp, keep: i64) {
    app.exec("ALTER TABLE audit_events DISABLE TRIGGER USER")
        .await;
    app.exec("ALTER TABLE audit_heads DISABLE TRIGGER USER")
        .await;
    let c = app.center_id;
    app.exec(&format!(
        "DELETE FROM audit_events WHERE center_id = '{c}' AND seq > {keep}"
    ))
    .await;
    app.exec(&format!(
        "UPDATE audit_heads SET seq = {keep}, hash = (SELECT hash FROM audit_events WHERE center_id = '{c}' AND seq = {keep}) WHERE center_id = '{c}'"
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncation_and_rewinding_are_refused_by_the_database() {
    let app = spawn_app().await;
    assert_eq!(tick(&app).await, 1);
    let mut c = app.db().await;
    for table in ["audit_events", "audit_heads", "audit_checkpoints"] {
        let e = diesel::sql_query(format!("TRUNCATE {table}"))
            .execute(&mut c)
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("may not be truncated"),
            "{table}: {e}"
        );
    }
    for sql in [
        "UPDATE audit_checkpoints SET seq = seq + 1",
        "DELETE FROM audit_checkpoints",
        "DELETE FROM audit_events",
        "UPDATE audit_heads SET seq = seq - 1",
        "UPDATE audit_heads SET keyed_from = keyed_from + 100",
        "DELETE FROM audit_heads",
    ] {
        let e = diesel::sql_query(sql).execute(&mut c).await;
        assert!(e.is_err(), "{sql} was allowed");
    }
    assert!(head_seq(&app).await >= 2);
    assert_eq!(verify(&app).await["valid"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_tail_and_rewinding_the_head_is_caught_by_the_checkpoint() {
    let app = spawn_app().await;
    for (i, code) in ["a", "b", "c"].iter().enumerate() {
        app.create_department(code, i as i32).await;
    }
    assert_eq!(tick(&app).await, 1);
    let checkpointed = head_seq(&app).await;
    let v = verify(&app).await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["checkpoints_checked"], 1);
    assert_eq!(v["events_checked"], checkpointed);

    delete_tail_and_rewind_head(&app, checkpointed - 2).await;
    let v = verify(&app).await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["first_broken"]["reason"], "checkpoint_beyond_head");
    assert_eq!(v["first_broken"]["seq"], checkpointed);
    assert_eq!(v["broken_checkpoint"]["source"], "stored");
    assert_eq!(v["broken_checkpoint"]["seq"], checkpointed);
    assert!(v["broken_checkpoint"]["id"].is_string());

    // New writes fill the rewound numbers with other events: the checkpoint still disagrees,
    // and the tick signs nothing for a head behind its last checkpoint.
    app.create_department("d", 9).await;
    let v = verify(&app).await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["broken_checkpoint"]["seq"], checkpointed);
    assert_eq!(tick(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewriting_an_event_is_caught_even_with_a_recomputed_unkeyed_link() {
    let app = spawn_app().await;
    app.create_department("a", 1).await;
    assert_eq!(tick(&app).await, 1);
    let last = head_seq(&app).await;
    // The attacker knows the code but not the key: rewrite the newest event and give it the
    // plain SHA-256 link, and the head too.
    let mut conn = app.db().await;
    let mut rows =
        dutydesk::audit::store::chain_batch(&mut conn, app.center_id, last - 1, last, 10)
            .await
            .unwrap();
    let mut row = rows.pop().unwrap();
    row.after = Some(json!({"name": "forged", "code": "a", "rotation_order": 99}));
    let plain = row.computed_hash(i64::MAX, b"");
    app.exec("ALTER TABLE audit_events DISABLE TRIGGER USER")
        .await;
    app.exec("ALTER TABLE audit_heads DISABLE TRIGGER USER")
        .await;
    app.exec(&format!(
        "UPDATE audit_events SET after = '{}'::jsonb, hash = '{plain}' WHERE id = '{}'",
        row.after.as_ref().unwrap(),
        row.id
    ))
    .await;
    app.exec(&format!(
        "UPDATE audit_heads SET hash = '{plain}' WHERE center_id = '{}'",
        app.center_id
    ))
    .await;
    let v = verify(&app).await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["first_broken"]["reason"], "content_altered");
    assert_eq!(v["first_broken"]["seq"], last);
    // Moving the cut-over so that the plain link would be accepted: the signed checkpoint
    // carries the cut-over.
    app.exec(&format!(
        "UPDATE audit_heads SET keyed_from = {} WHERE center_id = '{}'",
        last + 1,
        app.center_id
    ))
    .await;
    let v = verify(&app).await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["first_broken"]["reason"], "checkpoint_mismatch");
    assert_eq!(v["broken_checkpoint"]["seq"], last);
    // The tick refuses to vouch for the altered chain.
    app.create_department("b", 2).await;
    assert_eq!(tick(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outside_checkpoint_newer_than_the_tail_makes_verification_fail() {
    let app = spawn_app().await;
    for (i, code) in ["a", "b"].iter().enumerate() {
        app.create_department(code, i as i32).await;
    }
    assert_eq!(tick(&app).await, 1);
    let kept = newest_checkpoint(&app, &app.admin_token).await;
    let r = verify_with(&app, std::slice::from_ref(&kept)).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["checkpoints_checked"], 2, "stored and submitted");

    // The attacker deletes the tail, rewinds the head and removes the stored checkpoints too.
    let seq = kept["seq"].as_i64().unwrap();
    delete_tail_and_rewind_head(&app, seq - 1).await;
    app.exec("ALTER TABLE audit_checkpoints DISABLE TRIGGER USER")
        .await;
    app.exec("DELETE FROM audit_checkpoints").await;
    // What the database alone can say: nothing is missing (the documented limit).
    assert_eq!(verify(&app).await["valid"], true);
    // The checkpoint kept outside says otherwise.
    let v: Value = verify_with(&app, &[kept]).await.json().await.unwrap();
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["first_broken"]["reason"], "checkpoint_beyond_head");
    assert_eq!(v["broken_checkpoint"]["source"], "submitted");
    assert_eq!(v["broken_checkpoint"]["seq"], seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_foreign_checkpoints_are_refused() {
    let app = spawn_app().await;
    let beta = app.other_center_admin().await;
    assert_eq!(tick(&app).await, 2, "alpha and beta");
    let kept = newest_checkpoint(&app, &app.admin_token).await;
    for (field, value) in [
        ("seq", json!(kept["seq"].as_i64().unwrap() + 5)),
        ("head_hash", json!("00".repeat(32))),
        ("signature", json!(B64.encode([7u8; 64]))),
        ("signature", json!("not base64")),
    ] {
        let mut forged = kept.clone();
        forged[field] = value;
        let r = verify_with(&app, &[forged]).await;
        assert_problem(r, 422, "checkpoint_signature_invalid").await;
    }
    let theirs = newest_checkpoint(&app, &beta).await;
    assert_ne!(theirs["center_id"], kept["center_id"]);
    assert_problem(
        verify_with(&app, &[theirs]).await,
        422,
        "checkpoint_other_center",
    )
    .await;
    let mut extra = kept.clone();
    extra["note"] = json!("x");
    assert_problem(verify_with(&app, &[extra]).await, 400, "unknown_field").await;
    let r = app
        .req(
            reqwest::Method::POST,
            "/api/v1/audit-events/verify",
            Some(&app.admin_token),
        )
        .header("Accept-Language", "zh")
        .json(&json!({"checkpoints": [{"signature": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // A checkpoint forged into the table (no valid signature) is reported, not trusted.
    app.exec(&format!(
        "INSERT INTO audit_checkpoints (id, center_id, seq, head_hash, keyed_from, taken_at, signature)
         SELECT gen_random_uuid(), center_id, seq + 100, hash, keyed_from, now(), 'AAAA' FROM audit_heads WHERE center_id = '{}'",
        app.center_id
    ))
    .await;
    let v = verify(&app).await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["first_broken"]["reason"], "checkpoint_forged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tick_signs_a_checkpoint_only_when_the_head_moved_and_logs_it() {
    let app = spawn_app().await;
    assert_eq!(tick(&app).await, 1);
    assert_eq!(tick(&app).await, 0, "head unchanged: no new checkpoint");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_checkpoints")
            .await,
        1
    );
    app.create_department("a", 1).await;
    assert_eq!(tick(&app).await, 1);
    assert_eq!(tick(&app).await, 0);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_checkpoints")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM (SELECT center_id, seq FROM audit_checkpoints GROUP BY 1, 2 HAVING count(*) > 1) d")
            .await,
        0
    );
    let newest = newest_checkpoint(&app, &app.admin_token).await;
    assert_eq!(newest["seq"], head_seq(&app).await);
    // The log carries the signed checkpoint (base64 of the JSON that verification takes).
    let log = std::fs::read_to_string(log_file()).unwrap();
    let logged: Vec<Value> = log
        .lines()
        .filter(|l| l.contains("audit checkpoint"))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| {
            let field = v["fields"]["checkpoint"]
                .as_str()
                .or(v["checkpoint"].as_str())?
                .to_owned();
            serde_json::from_slice(&B64.decode(field).ok()?).ok()
        })
        .collect();
    assert!(logged.contains(&newest), "{logged:?} lacks {newest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_verify_with_the_published_key_and_are_served_to_auditors_only() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    assert_eq!(tick(&app).await, 1);
    app.create_department("zz", 5).await;
    assert_eq!(tick(&app).await, 1);

    // Auditors read them, a page at a time, newest first.
    let r = app
        .get("/api/v1/audit/checkpoints?limit=1", &c.auditor)
        .await;
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    let first = page["items"][0].clone();
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let page2: Value = app
        .get(
            &format!("/api/v1/audit/checkpoints?limit=1&cursor={cursor}"),
            &c.auditor,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(page2["items"][0]["seq"].as_i64() < first["seq"].as_i64());
    assert!(page2["next_cursor"].is_null());

    // The published key verifies a checkpoint outside the service.
    let key: Value = app
        .get("/api/v1/audit/checkpoints/key", &c.auditor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(key["algorithm"], "Ed25519");
    let public: [u8; 32] = B64
        .decode(key["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
    let taken_at: chrono::DateTime<chrono::Utc> =
        first["taken_at"].as_str().unwrap().parse().unwrap();
    let mut message = key["message_template"].as_str().unwrap().to_owned();
    for (field, value) in [
        ("center_id", first["center_id"].as_str().unwrap().to_owned()),
        ("seq", first["seq"].to_string()),
        ("head_hash", first["head_hash"].as_str().unwrap().to_owned()),
        ("keyed_from", first["keyed_from"].to_string()),
        (
            "taken_at",
            taken_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        ),
    ] {
        message = message.replace(&format!("{{{field}}}"), &value);
    }
    let sig: [u8; 64] = B64
        .decode(first["signature"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    public
        .verify_strict(
            message.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .expect("the checkpoint verifies with the published key");

    // Window staff, supervisors and the portal may not; another center sees only its own.
    let portal = portal_token("portal-a", &["alpha"]);
    for token in [&c.window, &c.supervisor, &portal] {
        for path in [
            "/api/v1/audit/checkpoints",
            "/api/v1/audit/checkpoints/key",
            "/api/v1/audit-events/verify",
        ] {
            assert_eq!(app.get(path, token).await.status(), 403, "{path}");
        }
        let r = app
            .post(
                "/api/v1/audit-events/verify",
                token,
                &json!({"checkpoints": []}),
            )
            .await;
        assert_eq!(r.status(), 403);
    }
    let beta = app.other_center_admin().await;
    let theirs: Value = app
        .get("/api/v1/audit/checkpoints", &beta)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["items"], json!([]), "beta has no checkpoint yet");
}
