//! Attachments encrypted at rest (R23): sealed bytes in the table, the exact file on the way out,
//! old keys still open after a rotation, tampering refused, rows stored in clear sealed at start;
//! and uploads by the portal for its requests (never downloads).

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};

const MARKER: &str = "ID-COPY-MARKER-4711";

/// A PDF whose text holds [`MARKER`] (as an ID copy would hold a name).
fn id_copy() -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj << /Title ({MARKER}) >> endobj\n%%EOF\n").into_bytes()
}

/// The older of the tests' two keys (`t1`), alone.
fn old_key_only() -> String {
    PII_KEYS.split(',').nth(1).unwrap().to_owned()
}

/// How many tables hold [`MARKER`] in clear, as text or as bytes (every table of the schema).
async fn tables_with_marker(app: &TestApp) -> i64 {
    let hex: String = MARKER.bytes().map(|b| format!("{b:02x}")).collect();
    app.count(&format!(
        "SELECT count(*) AS n FROM information_schema.tables t
          WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE'
            AND (xpath('/row/n/text()', query_to_xml(format(
                  'SELECT count(*) AS n FROM %I x WHERE x::text LIKE %L OR x::text LIKE %L',
                  t.table_name, '%{MARKER}%', '%{hex}%'), false, true, '')))[1]::text::int > 0"
    ))
    .await
}

/// Another instance of the service on `app`'s database, with `keys` as `DUTYDESK_PII_KEYS` and
/// `app`'s clock: its base URL.
async fn instance(app: &TestApp, keys: &str) -> String {
    let mut cfg = config(&app.db_url);
    cfg.pii_keys = keys.into();
    let state = dutydesk::AppState::new(cfg).unwrap();
    state.clock.set(app.clock.now());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(dutydesk::start(state, listener).unwrap());
    format!("http://127.0.0.1:{port}")
}

async fn download(base: &str, id: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}/api/v1/attachments/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Uploads `bytes` as the portal for center `code` (`None`: no `center_code`).
async fn portal_upload(
    app: &TestApp,
    token: &str,
    code: Option<&str>,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let path = match code {
        Some(c) => format!("/api/v1/attachments?center_code={c}"),
        None => "/api/v1/attachments".to_owned(),
    };
    app.req(reqwest::Method::POST, &path, Some(token))
        .header("Content-Type", "application/pdf")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

fn portal_request(attachments: &[&str]) -> Value {
    json!({
        "center_code": "alpha",
        "kind": "help",
        "channel": "portal",
        "citizen_name": "李四",
        "citizen_phone": "13900001111",
        "concerns": "hall",
        "subject": "补办身份证明",
        "description": "附身份证复印件。",
        "attachment_ids": attachments,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_sealed_at_rest_and_served_exactly() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let r = app
        .req(
            reqwest::Method::POST,
            "/api/v1/attachments",
            Some(&c.window),
        )
        .header("Content-Type", "application/pdf")
        .header("Idempotency-Key", "id-copy-1")
        .body(id_copy())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let id = v["id"].as_str().unwrap();
    assert_eq!(v["uploaded_by_portal"], Value::Null);
    // The row holds sealed bytes under the current key, nothing in clear.
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM attachments WHERE id = '{id}' AND legacy_data IS NULL
               AND key_id = 't2' AND substring(sealed from 2 for 2) = 't2'
               AND position(convert_to('{MARKER}', 'UTF8') in sealed) = 0
               AND length(sealed) > {}",
            id_copy().len()
        ))
        .await,
        1
    );
    // The download is the exact file.
    let r = app
        .get(&format!("/api/v1/attachments/{id}"), &c.window)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), id_copy());
    // The clear bytes are in no table: not attachments, the audit trail or the stored
    // idempotent answer.
    assert_eq!(
        app.count("SELECT count(*) AS n FROM idempotency_keys")
            .await,
        1
    );
    assert_eq!(tables_with_marker(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_sealed_under_an_older_key_opens_after_the_key_rotates() {
    // Before the rotation: t1 is the only key.
    let app = spawn_with(|c| c.pii_keys = old_key_only()).await;
    let c = crew(&app).await;
    let id = uploaded(&app, &c.window, "application/pdf", id_copy()).await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM attachments WHERE id = '{id}' AND key_id = 't1'"
        ))
        .await,
        1
    );
    // After: t2 is current and t1 still listed; the file opens, new files are sealed under t2.
    let rotated = instance(&app, PII_KEYS).await;
    let r = download(&rotated, &id, &c.window).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), id_copy());
    let r = reqwest::Client::new()
        .post(format!("{rotated}/api/v1/attachments"))
        .bearer_auth(&c.window)
        .header("Content-Type", "image/png")
        .body(png())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM attachments WHERE id = '{}' AND key_id = 't2'",
            v["id"].as_str().unwrap()
        ))
        .await,
        1
    );
    // Once t1 is dropped from the configuration, its files say which key is missing.
    let dropped = instance(&app, PII_KEYS.split(',').next().unwrap()).await;
    let v = assert_problem(
        download(&dropped, &id, &c.window).await,
        500,
        "attachment_key_unknown",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("t1"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn altered_or_swapped_bytes_are_refused_not_served() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let a = uploaded(&app, &c.window, "application/pdf", id_copy()).await;
    let b = uploaded(&app, &c.window, "image/png", png()).await;
    // One bit flipped in the ciphertext.
    app.exec(&format!(
        "UPDATE attachments SET sealed = set_byte(sealed, 30, get_byte(sealed, 30) # 1) WHERE id = '{a}'"
    ))
    .await;
    let v = assert_problem(
        app.get(&format!("/api/v1/attachments/{a}"), &c.window)
            .await,
        500,
        "attachment_corrupt",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains(&a), "{v}");
    // Another row's sealed bytes copied over: bound to their row, they do not open here.
    app.exec(&format!(
        "UPDATE attachments SET sealed = (SELECT sealed FROM attachments WHERE id = '{b}') WHERE id = '{a}'"
    ))
    .await;
    let r = app
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/attachments/{a}"),
            Some(&c.window),
        )
        .header("Accept-Language", "zh")
        .send()
        .await
        .unwrap();
    let v = assert_problem(r, 500, "attachment_corrupt").await;
    assert!(v["detail"].as_str().unwrap().contains("完整性"), "{v}");
    // The untouched row still opens.
    let r = app
        .get(&format!("/api/v1/attachments/{b}"), &c.window)
        .await;
    assert_eq!(r.bytes().await.unwrap().to_vec(), png());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_stored_in_clear_are_sealed_when_the_service_starts() {
    let app = spawn_app().await;
    let id = uuid::Uuid::now_v7();
    let hex: String = id_copy().iter().map(|b| format!("{b:02x}")).collect();
    app.exec(&format!(
        "INSERT INTO attachments (id, center_id, uploaded_by, content_type, size, sha256, legacy_data, created_at)
         VALUES ('{id}', '{}', '{}', 'application/pdf', {}, repeat('0', 64), '\\x{hex}', now())",
        app.center_id,
        app.admin_id,
        id_copy().len()
    ))
    .await;
    assert_eq!(tables_with_marker(&app).await, 1);
    let state = dutydesk::AppState::new(config(&app.db_url)).unwrap();
    assert_eq!(
        dutydesk::attachments::sealed::seal_legacy(&state).await,
        Ok(1)
    );
    assert_eq!(
        dutydesk::attachments::sealed::seal_legacy(&state).await,
        Ok(0)
    );
    assert_eq!(tables_with_marker(&app).await, 0);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM attachments WHERE id = '{id}' AND legacy_data IS NULL AND key_id = 't2'"
        ))
        .await,
        1
    );
    let r = app
        .get(&format!("/api/v1/attachments/{id}"), &app.admin_token)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), id_copy());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_attaches_its_own_fresh_uploads_and_never_downloads() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let _beta = app.other_center_admin().await;
    let portal = portal_token("gov-portal", &["alpha"]);
    let other = portal_token("other-portal", &["alpha"]);
    // The center is named, and must be one the token lists.
    let v = assert_problem(
        portal_upload(&app, &portal, None, id_copy()).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "center_code", "{v}");
    assert_problem(
        portal_upload(&app, &portal, Some("beta"), id_copy()).await,
        403,
        "center_not_served",
    )
    .await;
    // Type-checked like any upload.
    assert_problem(
        portal_upload(&app, &portal, Some("alpha"), b"GIF89a".to_vec()).await,
        415,
        "unsupported_attachment_type",
    )
    .await;
    let r = portal_upload(&app, &portal, Some("alpha"), id_copy()).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let mine = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["uploaded_by"], Value::Null);
    assert_eq!(v["uploaded_by_portal"], "gov-portal");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{mine}' AND action = 'uploaded' AND actor = 'portal:gov-portal'"
        ))
        .await,
        1
    );
    // The portal never downloads, not even its own upload.
    assert_problem(
        app.get(&format!("/api/v1/attachments/{mine}"), &portal)
            .await,
        403,
        "forbidden",
    )
    .await;
    // Another portal's upload, or a staff member's, is not the portal's to attach.
    let theirs = portal_upload(&app, &other, Some("alpha"), png_as_pdf()).await;
    let theirs: Value = theirs.json().await.unwrap();
    let staffs = uploaded(&app, &c.window, "image/png", png()).await;
    for foreign in [theirs["id"].as_str().unwrap(), staffs.as_str()] {
        let r = app
            .post(
                "/api/v1/citizen-requests",
                &portal,
                &portal_request(&[foreign]),
            )
            .await;
        assert_problem(r, 422, "attachment_unavailable").await;
    }
    // Its own: attached to the request, which the office then sees with the file.
    let r = app
        .post(
            "/api/v1/citizen-requests",
            &portal,
            &portal_request(&[&mine]),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["request"]["attachment_ids"], json!([mine]));
    let r = app
        .get(&format!("/api/v1/attachments/{mine}"), &app.admin_token)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), id_copy());
    // Attached once: a second request cannot take it again.
    let r = app
        .post(
            "/api/v1/citizen-requests",
            &portal,
            &portal_request(&[&mine]),
        )
        .await;
    assert_problem(r, 422, "attachment_unavailable").await;
    assert_eq!(tables_with_marker(&app).await, 0);
}

/// A second PDF (other bytes than [`id_copy`]).
fn png_as_pdf() -> Vec<u8> {
    b"%PDF-1.4\n%%EOF\n".to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_may_hold_only_so_many_unattached_uploads() {
    let app = spawn_app().await;
    let portal = portal_token("gov-portal", &["alpha"]);
    for i in 0..100 {
        let r = portal_upload(&app, &portal, Some("alpha"), png_as_pdf()).await;
        assert_eq!(r.status(), 201, "upload {i}");
    }
    let v = assert_problem(
        portal_upload(&app, &portal, Some("alpha"), png_as_pdf()).await,
        429,
        "attachment_quota_exceeded",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("100"), "{v}");
    // Another portal client has its own allowance; uploads older than a day no longer count.
    let other = portal_token("other-portal", &["alpha"]);
    assert_eq!(
        portal_upload(&app, &other, Some("alpha"), png_as_pdf())
            .await
            .status(),
        201
    );
    app.exec("UPDATE attachments SET created_at = created_at - interval '2 days'")
        .await;
    assert_eq!(
        portal_upload(&app, &portal, Some("alpha"), png_as_pdf())
            .await
            .status(),
        201
    );
}
