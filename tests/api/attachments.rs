//! Attachments: typed by their bytes, limited apart from JSON, served only to whoever may see a
//! record referencing them (or to the uploader while unreferenced).

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_typed_by_their_bytes_and_limited_apart_from_json() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let r = upload(&app, &c.window, "image/png", png()).await;
    assert_eq!(r.status(), 201);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/api/v1/attachments/")
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["content_type"], "image/png");
    assert_eq!(v["size"], png().len());
    assert_eq!(v["sha256"], hex::encode(Sha256::digest(png())));
    // Not an image, PDF or JPEG by its bytes: 415, whatever it claims to be.
    assert_problem(
        upload(&app, &c.window, "image/png", b"GIF89a\x01\x00".to_vec()).await,
        415,
        "unsupported_attachment_type",
    )
    .await;
    // The bytes are a PNG but it says JPEG: 415.
    let v = assert_problem(
        upload(&app, &c.window, "image/jpeg", png()).await,
        415,
        "unsupported_attachment_type",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("image/png"), "{v}");
    // Over the attachment limit (64 KiB in tests; the JSON limit is 16 KiB): 413, with or
    // without an Idempotency-Key. A 20 KiB photo (over the JSON limit) is fine.
    let mut big = jpeg();
    big.resize(64 * 1024 + 1, 0);
    assert_problem(
        upload(&app, &c.window, "image/jpeg", big.clone()).await,
        413,
        "attachment_too_large",
    )
    .await;
    let r = app
        .req(
            reqwest::Method::POST,
            "/api/v1/attachments",
            Some(&c.window),
        )
        .header("Content-Type", "image/jpeg")
        .header("Idempotency-Key", "big-1")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(r, 413, "attachment_too_large").await;
    let mut mid = jpeg();
    mid.resize(20 * 1024, 7);
    let send = || {
        app.req(
            reqwest::Method::POST,
            "/api/v1/attachments",
            Some(&c.window),
        )
        .header("Content-Type", "image/jpeg")
        .header("Idempotency-Key", "mid-1")
        .body(mid.clone())
        .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let again: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(first["id"], again["id"], "a retried upload replays");
    assert_eq!(app.count("SELECT count(*) AS n FROM attachments").await, 2);
    // In Chinese.
    let r = app
        .req(
            reqwest::Method::POST,
            "/api/v1/attachments",
            Some(&c.window),
        )
        .header("Content-Type", "application/pdf")
        .header("Accept-Language", "zh")
        .body(b"hello".to_vec())
        .send()
        .await
        .unwrap();
    let v = assert_problem(r, 415, "unsupported_attachment_type").await;
    assert!(v["detail"].as_str().unwrap().contains("文件不是"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreferenced_upload_is_its_uploaders_only() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let id = uploaded(&app, &c.window, "application/pdf", pdf()).await;
    let path = format!("/api/v1/attachments/{id}");
    let r = app.get(&path, &c.window).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", hex::encode(Sha256::digest(pdf()))));
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf());
    let r = app
        .req(reqwest::Method::GET, &path, Some(&c.window))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    // Nobody else, not even the office, until a record references it; other centers never.
    for token in [
        c.supervisor.as_str(),
        c.auditor.as_str(),
        app.admin_token.as_str(),
    ] {
        assert_problem(app.get(&path, token).await, 404, "not_found").await;
    }
    let beta = app.other_center_admin().await;
    assert_problem(app.get(&path, &beta).await, 404, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_of_a_finding_are_images_of_the_writer_seen_as_the_finding_is() {
    let app = spawn_app().await;
    let f = floor(&app, 1, 2).await;
    let h = &f.h;
    let t = h.token(&f.on[0]);
    let (_, w2_token) = app
        .create_staff("w2", &["window_staff"], Some(&h.depts[0]))
        .await;
    let body = |ids: Vec<&str>| {
        json!({"staff_id": h.id("w1"), "category": "conduct", "result": "problem",
               "severity": "minor", "description": "工位上玩手机", "attachment_ids": ids})
    };
    // A PDF where a photo is required: 422.
    let doc = uploaded(&app, t, "application/pdf", pdf()).await;
    let v = assert_problem(
        app.post("/api/v1/inspections", t, &body(vec![&doc])).await,
        422,
        "attachment_not_image",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains(&doc));
    // Someone else's upload, or an id that does not exist: 422.
    let foreign = uploaded(&app, &w2_token, "image/png", png()).await;
    assert_problem(
        app.post("/api/v1/inspections", t, &body(vec![&foreign]))
            .await,
        422,
        "attachment_unavailable",
    )
    .await;
    let r = app
        .req(reqwest::Method::POST, "/api/v1/inspections", Some(t))
        .header("Accept-Language", "zh-CN")
        .json(&body(vec![&uuid::Uuid::now_v7().to_string()]))
        .send()
        .await
        .unwrap();
    let v = assert_problem(r, 422, "attachment_unavailable").await;
    assert!(
        v["detail"].as_str().unwrap().contains("不是您上传的"),
        "{v}"
    );
    assert_eq!(app.count("SELECT count(*) AS n FROM inspections").await, 0);
    // Two photos: stored with the finding, served as the finding is seen.
    let p1 = uploaded(&app, t, "image/png", png()).await;
    let p2 = uploaded(&app, t, "image/jpeg", jpeg()).await;
    let r = app
        .post("/api/v1/inspections", t, &body(vec![&p1, &p2]))
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let mut ids: Vec<&str> = v["attachment_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    ids.sort();
    let mut want = vec![p1.as_str(), p2.as_str()];
    want.sort();
    assert_eq!(ids, want);
    let path = format!("/api/v1/attachments/{p1}");
    for token in [h.token("w1"), t, h.token(&f.off), app.admin_token.as_str()] {
        let r = app.get(&path, token).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline;")
        );
    }
    // Another window staff member: 404, like the finding.
    assert_problem(app.get(&path, &w2_token).await, 404, "not_found").await;
}
