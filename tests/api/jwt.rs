//! Tokens this service did not issue, or issued wrongly, are refused with 401.

use crate::helpers::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(app: &TestApp, iss: &str, aud: &str, exp: i64, nbf: i64) -> Value {
    json!({
        "sub": app.admin_id.to_string(),
        "center_id": app.center_id,
        "roles": ["office_admin"],
        "iat": now(),
        "nbf": nbf,
        "exp": exp,
        "iss": iss,
        "aud": aud,
    })
}

fn own(app: &TestApp, c: &Value) -> String {
    let _ = app;
    encode(
        &Header::new(Algorithm::HS256),
        c,
        &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

fn idp(c: &Value) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(IDP_KID.into());
    encode(
        &h,
        c,
        &EncodingKey::from_rsa_pem(&idp_private_pem()).unwrap(),
    )
    .unwrap()
}

async fn status_with(app: &TestApp, token: &str) -> u16 {
    let r = app.get("/api/v1/centers/current", token).await;
    let s = r.status().as_u16();
    if s == 401 {
        assert_problem(r, 401, "unauthorized").await;
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_own_and_identity_provider_tokens_are_accepted() {
    let app = spawn_app().await;
    let c = claims(&app, "dutydesk", "dutydesk-api", now() + 300, now());
    assert_eq!(status_with(&app, &own(&app, &c)).await, 200);
    let c = claims(&app, IDP_ISSUER, IDP_AUDIENCE, now() + 300, now());
    assert_eq!(status_with(&app, &idp(&c)).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_not_yet_valid_wrong_issuer_or_audience_are_refused() {
    let app = spawn_app().await;
    let cases = [
        claims(&app, "dutydesk", "dutydesk-api", now() - 120, now() - 600),
        claims(&app, "dutydesk", "dutydesk-api", now() + 900, now() + 300),
        claims(&app, "someone-else", "dutydesk-api", now() + 300, now()),
        claims(&app, "dutydesk", "another-api", now() + 300, now()),
    ];
    for c in &cases {
        assert_eq!(status_with(&app, &own(&app, c)).await, 401, "own token {c}");
    }
    let cases = [
        claims(&app, IDP_ISSUER, IDP_AUDIENCE, now() - 120, now() - 600),
        claims(&app, IDP_ISSUER, IDP_AUDIENCE, now() + 900, now() + 300),
        claims(&app, "dutydesk", IDP_AUDIENCE, now() + 300, now()),
        claims(&app, IDP_ISSUER, "dutydesk-api", now() + 300, now()),
    ];
    for c in &cases {
        assert_eq!(status_with(&app, &idp(c)).await, 401, "idp token {c}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alg_none_and_algorithm_confusion_are_refused() {
    let app = spawn_app().await;
    let c = claims(&app, "dutydesk", "dutydesk-api", now() + 300, now());
    let payload = URL_SAFE_NO_PAD.encode(c.to_string());
    // alg: none, with and without a trailing signature part.
    for header in [
        json!({"alg": "none", "typ": "JWT"}),
        json!({"alg": "None"}),
        json!({"alg": "none", "kid": IDP_KID}),
    ] {
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        assert_eq!(status_with(&app, &format!("{h}.{payload}.")).await, 401);
        assert_eq!(status_with(&app, &format!("{h}.{payload}")).await, 401);
    }
    // HS256 "signed" with the identity provider's public key, naming its key id.
    let ci = claims(&app, IDP_ISSUER, IDP_AUDIENCE, now() + 300, now());
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(IDP_KID.into());
    let forged = encode(&h, &ci, &EncodingKey::from_secret(&idp_public_pem())).unwrap();
    assert_eq!(status_with(&app, &forged).await, 401);
    // ... and without the key id (falls to our own HS256 key, which it does not match).
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &ci,
        &EncodingKey::from_secret(&idp_public_pem()),
    )
    .unwrap();
    assert_eq!(status_with(&app, &forged).await, 401);
    // An RS256 token without a key id is not ours either.
    let plain = encode(
        &Header::new(Algorithm::RS256),
        &c,
        &EncodingKey::from_rsa_pem(&idp_private_pem()).unwrap(),
    )
    .unwrap();
    assert_eq!(status_with(&app, &plain).await, 401);
    // Wrong secret, tampered payload, garbage.
    let wrong = encode(
        &Header::new(Algorithm::HS256),
        &c,
        &EncodingKey::from_secret(b"another-secret-another-secret-0123"),
    )
    .unwrap();
    assert_eq!(status_with(&app, &wrong).await, 401);
    let good = own(&app, &c);
    let mut parts: Vec<&str> = good.split('.').collect();
    let mut tampered = c.clone();
    tampered["roles"] = json!(["office_admin", "auditor"]);
    let tp = URL_SAFE_NO_PAD.encode(tampered.to_string());
    parts[1] = &tp;
    assert_eq!(status_with(&app, &parts.join(".")).await, 401);
    assert_eq!(status_with(&app, "not-a-jwt").await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_provider_roles_and_center_scope_apply() {
    let app = spawn_app().await;
    let mut c = claims(&app, IDP_ISSUER, IDP_AUDIENCE, now() + 300, now());
    c["sub"] = json!("portal-user-42");
    c["roles"] = json!(["auditor", "unknown_role"]);
    let t = idp(&c);
    assert_eq!(app.get("/api/v1/audit-events", &t).await.status(), 200);
    let r = app
        .post(
            "/api/v1/departments",
            &t,
            &json!({"name": "x", "code": "x", "rotation_order": 1}),
        )
        .await;
    assert_problem(r, 403, "forbidden").await;
    // A subject that is not a staff record has no profile.
    assert_problem(app.get("/api/v1/me", &t).await, 404, "not_found").await;
}

/// An identity provider's token naming a staff member by employee number.
fn idp_staff(app: &TestApp, employee_no: Value) -> String {
    let mut c = claims(app, IDP_ISSUER, IDP_AUDIENCE, now() + 300, now());
    c["sub"] = json!("portal-user-7");
    // The token's own roles do not count for a matched staff member.
    c["roles"] = json!(["office_admin"]);
    c[IDP_STAFF_CLAIM] = employee_no;
    idp(&c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_provider_staff_claim_matches_an_active_staff_member_or_is_refused() {
    let app = spawn_app().await;
    let (s, _) = app.create_staff("20481", &["supervisor"], None).await;
    let staff_id = s["id"].as_str().unwrap();

    // Matched: acts as that staff member, with the staff record's roles.
    let t = idp_staff(&app, json!("20481"));
    let r = app.get("/api/v1/me", &t).await;
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["id"], staff_id);
    assert_eq!(me["roles"], json!(["supervisor"]));
    let r = app
        .post(
            "/api/v1/departments",
            &t,
            &json!({"name": "x", "code": "x", "rotation_order": 1}),
        )
        .await;
    assert_problem(r, 403, "forbidden").await;
    // A numeric claim names the same employee number.
    let r = app.get("/api/v1/me", &idp_staff(&app, json!(20481))).await;
    assert_eq!(r.status(), 200);

    // Nobody with that employee number in the token's center.
    let r = app
        .get("/api/v1/me", &idp_staff(&app, json!("99999")))
        .await;
    assert_problem(r, 401, "unknown_staff_claim").await;
    let r = app
        .req(
            reqwest::Method::GET,
            "/api/v1/me",
            Some(&idp_staff(&app, json!("99999"))),
        )
        .header("Accept-Language", "zh")
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 401, "unknown_staff_claim").await;
    assert!(p["detail"].as_str().unwrap().contains("工号"), "{p}");

    // A claim of another shape names nobody: the token is refused.
    let r = app
        .get("/api/v1/me", &idp_staff(&app, json!({"no": 1})))
        .await;
    assert_problem(r, 401, "unauthorized").await;

    // A deactivated staff member's identity-provider token stops working.
    let r = app
        .post(
            &format!("/api/v1/staff/{staff_id}/deactivate"),
            &app.admin_token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app.get("/api/v1/me", &t).await;
    assert_problem(r, 401, "unknown_staff_claim").await;
}
