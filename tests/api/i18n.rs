//! Every problem the service emits speaks the caller's language, and parse failures are field
//! errors named with the API's field names.

use crate::fixtures::{hall, plain_weeks, plus, published, roster};
use crate::helpers::{TestApp, assert_problem, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Title, detail and every field message are Chinese (zh) or free of Chinese (en).
fn assert_lang(p: &Value, zh: bool, what: &str) {
    let mut texts = vec![
        p["title"].as_str().unwrap().to_owned(),
        p["detail"].as_str().unwrap().to_owned(),
    ];
    for e in p["errors"].as_array().into_iter().flatten() {
        texts.push(e["message"].as_str().unwrap().to_owned());
    }
    for t in texts {
        assert_eq!(has_cjk(&t), zh, "{what}: {t:?} in {p}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_problem_speaks_the_callers_language() {
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    let staff = json!({
        "name": "张三", "employee_no": "z001", "roles": ["window_staff"],
        "password": "long-enough-password",
    });
    let mut no_name = staff.clone();
    no_name.as_object_mut().unwrap().remove("name");
    let mut bad_role = staff.clone();
    bad_role["roles"] = json!(["window_staff", "boss"]);
    let mut short_pw = staff.clone();
    short_pw["password"] = json!("short");

    for (lang, zh) in [("zh-CN,zh;q=0.9,en;q=0.5", true), ("en-US,zh;q=0.5", false)] {
        let send = |method: Method, path: &str, auth: bool| {
            app.req(method, path, auth.then_some(token.as_str()))
                .header("accept-language", lang)
        };
        // Malformed JSON.
        let r = send(Method::POST, "/api/v1/staff", true)
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "malformed_request").await;
        assert_lang(&p, zh, "malformed JSON");

        // Missing field.
        let r = send(Method::POST, "/api/v1/staff", true)
            .json(&no_name)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "malformed_request").await;
        assert_eq!(p["errors"][0]["field"], "name");
        assert_eq!(p["errors"][0]["code"], "required");
        assert_lang(&p, zh, "missing field");

        // Unknown field: the problem code stays `unknown_field`.
        let mut extra = staff.clone();
        extra["colour"] = json!("red");
        let r = send(Method::POST, "/api/v1/staff", true)
            .json(&extra)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "unknown_field").await;
        assert_eq!(p["errors"][0]["field"], "colour");
        assert_eq!(p["errors"][0]["code"], "unknown_field");
        assert_lang(&p, zh, "unknown field");

        // Bad enum value in a list: the JSON path and the allowed values.
        let r = send(Method::POST, "/api/v1/staff", true)
            .json(&bad_role)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "malformed_request").await;
        assert_eq!(p["errors"][0]["field"], "roles[1]");
        assert_eq!(p["errors"][0]["code"], "invalid_choice");
        let msg = p["errors"][0]["message"].as_str().unwrap();
        assert!(
            msg.contains("office_admin") && msg.contains("window_staff"),
            "{msg}"
        );
        assert!(!msg.contains("Role"), "no Rust type names: {msg}");
        assert_lang(&p, zh, "bad enum");

        // Wrong type.
        let mut wrong = staff.clone();
        wrong["leader"] = json!("yes");
        let r = send(Method::POST, "/api/v1/staff", true)
            .json(&wrong)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "malformed_request").await;
        assert_eq!(p["errors"][0]["field"], "leader");
        assert_eq!(p["errors"][0]["code"], "invalid_type");
        assert_lang(&p, zh, "wrong type");

        // Validation rules.
        let r = send(Method::POST, "/api/v1/staff", true)
            .json(&short_pw)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "validation_failed").await;
        assert_lang(&p, zh, "validation");

        // Bad date in a query.
        let r = send(
            Method::GET,
            "/api/v1/duty-assignments?from=2026-02-30&to=2026-03-01",
            true,
        )
        .send()
        .await
        .unwrap();
        let p = assert_problem(r, 400, "malformed_request").await;
        assert_eq!(p["errors"][0]["field"], "from");
        assert_eq!(p["errors"][0]["code"], "invalid_date");
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("YYYY-MM-DD")
        );
        assert_lang(&p, zh, "bad query date");

        // Bad enum in a query.
        let r = send(Method::GET, "/api/v1/staff?role=boss", true)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "malformed_request").await;
        assert_eq!(p["errors"][0]["field"], "role");
        assert_eq!(p["errors"][0]["code"], "invalid_choice");
        assert_lang(&p, zh, "bad query enum");

        // Bad UUID and bad date in a path.
        let r = send(Method::GET, "/api/v1/staff/not-a-uuid", true)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "malformed_request").await;
        assert_eq!(p["errors"][0]["field"], "id");
        assert_eq!(p["errors"][0]["code"], "invalid_type");
        assert_lang(&p, zh, "bad path uuid");
        let r = send(Method::GET, "/api/v1/duty-days/2026-13-01", true)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "malformed_request").await;
        assert_eq!(p["errors"][0]["field"], "date");
        assert_eq!(p["errors"][0]["code"], "invalid_date");
        assert_lang(&p, zh, "bad path date");

        // Unknown route, wrong method, no token.
        let r = send(Method::GET, "/api/v1/nothing-here", true)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 404, "not_found").await;
        assert_lang(&p, zh, "404");
        let r = send(Method::DELETE, "/api/v1/staff", true)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["allow"], "GET, POST");
        let p = assert_problem(r, 405, "method_not_allowed").await;
        assert_lang(&p, zh, "405");
        let r = send(Method::GET, "/api/v1/staff", false)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 401, "unauthorized").await;
        assert_lang(&p, zh, "401");

        // Idempotency: invalid key, key reused with another body.
        let r = send(Method::POST, "/api/v1/staff", true)
            .header("idempotency-key", "k".repeat(300))
            .json(&staff)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "validation_failed").await;
        assert_eq!(p["errors"][0]["field"], "Idempotency-Key");
        assert_lang(&p, zh, "invalid idempotency key");
        // The key of a write that succeeded, sent again with another body.
        let key = format!("reuse-{zh}");
        let mut first = staff.clone();
        first["employee_no"] = json!(format!("reuse-{zh}"));
        let r = send(Method::POST, "/api/v1/staff", true)
            .header("idempotency-key", &key)
            .json(&first)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let mut other = first.clone();
        other["employee_no"] = json!(format!("other-{zh}"));
        let r = send(Method::POST, "/api/v1/staff", true)
            .header("idempotency-key", &key)
            .json(&other)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 422, "idempotency_key_reused").await;
        assert_lang(&p, zh, "idempotency conflict");
    }

    // A failed attempt frees its key: the retry runs again and answers in its own language
    // (nothing is replayed).
    let first = app
        .req(Method::POST, "/api/v1/staff", Some(&token))
        .header("idempotency-key", "retry-1")
        .header("accept-language", "en")
        .json(&short_pw)
        .send()
        .await
        .unwrap();
    let p = assert_problem(first, 400, "validation_failed").await;
    assert_lang(&p, false, "first attempt");
    for (lang, zh) in [("zh-CN", true), ("en", false)] {
        let r = app
            .req(Method::POST, "/api/v1/staff", Some(&token))
            .header("idempotency-key", "retry-1")
            .header("accept-language", lang)
            .json(&short_pw)
            .send()
            .await
            .unwrap();
        assert!(r.headers().get("idempotent-replayed").is_none());
        let p = assert_problem(r, 400, "validation_failed").await;
        assert_eq!(p["errors"][0]["field"], "password");
        assert_lang(&p, zh, "retry");
    }
}

/// What a client reads is the catalogue's text filled with the case's values, in the language
/// asked for: the same code says the same thing wherever it comes from.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problem_texts_are_the_catalogues_filled_in() {
    use dutydesk::error::catalogue::Entry;
    use dutydesk::error::{Code, FieldCode};
    let app = spawn_app().await;
    let token = app.admin_token.clone();
    for (lang, zh) in [("zh-CN,zh;q=0.9", true), ("en", false)] {
        let text = |e: Entry| if zh { e.zh } else { e.en };
        let send = |method: Method, path: &str| {
            app.req(method, path, Some(&token))
                .header("accept-language", lang)
        };

        // A page size out of range (pagination): min and max filled in.
        let r = send(Method::GET, "/api/v1/staff?limit=0")
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "validation_failed").await;
        assert_eq!(p["detail"], text(Code::ValidationFailed.entry()));
        assert_eq!(p["errors"][0]["field"], "limit");
        assert_eq!(p["errors"][0]["code"], "out_of_range");
        let want = text(FieldCode::OutOfRange.entry())
            .replace("{min}", "1")
            .replace("{max}", "200");
        assert_eq!(p["errors"][0]["message"], want);

        // A cursor this service did not issue.
        let r = send(Method::GET, "/api/v1/staff?cursor=bm90LWEtY3Vyc29y")
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "validation_failed").await;
        assert_eq!(p["errors"][0]["field"], "cursor");
        assert_eq!(p["errors"][0]["code"], "invalid");
        assert_eq!(
            p["errors"][0]["message"],
            text(FieldCode::InvalidCursor.entry())
        );

        // The wrong method: the accepted ones filled in, as in the `Allow` header.
        let r = send(Method::DELETE, "/api/v1/staff").send().await.unwrap();
        let p = assert_problem(r, 405, "method_not_allowed").await;
        let want = text(Code::MethodNotAllowed.entry()).replace("{methods}", "GET, POST");
        assert_eq!(p["detail"], want);

        // A blank name (org rules) and an unknown field (the body parser).
        let r = send(Method::POST, "/api/v1/departments")
            .json(&json!({"name": " ", "code": "ok", "rotation_order": 1}))
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "validation_failed").await;
        assert_eq!(p["errors"][0]["code"], "required");
        assert_eq!(p["errors"][0]["message"], text(FieldCode::Blank.entry()));
        let r = send(Method::POST, "/api/v1/departments")
            .json(&json!({"name": "D", "code": "ok", "rotation_order": 1, "colour": 1}))
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, 400, "unknown_field").await;
        let want = text(Code::UnknownField.entry()).replace("{field}", "colour");
        assert_eq!(p["detail"], want);
        assert_eq!(p["errors"][0]["code"], "unknown_field");
        let message = p["errors"][0]["message"].as_str().unwrap();
        let accepted = text(FieldCode::UnknownFieldAccepted.entry());
        let (before, after) = accepted.split_once("{accepted}").unwrap();
        assert!(
            message.starts_with(before) && message.ends_with(after) && message.contains("name"),
            "{message}"
        );
    }
}

/// The words of ASCII letters in `text` once `ids` are taken out, other than `allowed` (codes,
/// paths and field names the text quotes).
fn english_words(text: &str, ids: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut text = text.to_owned();
    for id in ids {
        text = text.replace(id, " ");
    }
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty() && !allowed.contains(w))
        .map(str::to_owned)
        .collect()
}

async fn zh_post(app: &TestApp, path: &str, token: &str, body: Value) -> reqwest::Response {
    app.req(Method::POST, path, Some(token))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Refusals of the roster and of change requests, composed of lists and phrases, are all
/// Chinese under `Accept-Language: zh`: the only ASCII words left are ids, dates, codes and the
/// API path the text quotes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_and_change_request_refusals_carry_no_english_in_chinese() {
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 5).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 11)).await;
    let first = &r["assignments"][0];
    let (aid, staff) = (
        first["id"].as_str().unwrap(),
        first["staff_id"].as_str().unwrap(),
    );
    let me = h.no_of(staff);

    // leave_overlaps_duty: every duty of the leave's days listed, the Chinese way.
    let days: Vec<String> = r["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["staff_id"] == staff)
        .map(|a| a["date"].as_str().unwrap().to_owned())
        .collect();
    assert!(days.len() >= 2, "{days:?}");
    let l: Value = app
        .post(
            "/api/v1/leave-requests",
            h.token(&me),
            &json!({"kind": "time_off_in_lieu", "start_date": plus(mon, 0), "end_date": plus(mon, 11), "reason": "调休"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let approve = format!(
        "/api/v1/leave-requests/{}/approve",
        l["id"].as_str().unwrap()
    );
    let p = assert_problem(
        zh_post(&app, &approve, &app.admin_token, json!({})).await,
        409,
        "leave_overlaps_duty",
    )
    .await;
    assert_lang(&p, true, "leave_overlaps_duty");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains(&days.join("、")), "{detail}");
    assert_eq!(
        english_words(detail, &[], &[]),
        Vec::<String>::new(),
        "{detail}"
    );

    // change_open: a second substitution for the same duty.
    let sub = ["d3-2", "d3-1", "d2-2"]
        .into_iter()
        .find(|n| h.id(n) != staff)
        .unwrap();
    let body = json!({"assignment_id": aid, "substitute_id": h.id(sub), "reason": "家中有事"});
    let first_try = zh_post(&app, "/api/v1/substitutions", h.token(&me), body.clone()).await;
    assert_eq!(first_try.status(), 201);
    let p = assert_problem(
        zh_post(&app, "/api/v1/substitutions", h.token(&me), body).await,
        409,
        "change_open",
    )
    .await;
    assert_lang(&p, true, "change_open");
    let detail = p["detail"].as_str().unwrap();
    assert_eq!(
        english_words(detail, &[], &[]),
        Vec::<String>::new(),
        "{detail}"
    );

    // draft_stale: new rotation settings change who serves on all 15 days of a draft; the
    // first ten are shown and all are counted, in Chinese.
    let draft = roster(&app, &plus(mon, 14), &plus(mon, 32)).await;
    let id = draft["id"].as_str().unwrap();
    let put = app
        .req(Method::PUT, "/api/v1/rotation", Some(&app.admin_token))
        .json(&json!({"unit": "day", "supervisors_per_day": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let publish = format!("/api/v1/rosters/{id}/publish");
    let p = assert_problem(
        zh_post(&app, &publish, &app.admin_token, json!({})).await,
        409,
        "draft_stale",
    )
    .await;
    assert_lang(&p, true, "draft_stale");
    assert_eq!(p["conflicts"].as_array().unwrap().len(), 15);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{}、{}", plus(mon, 14), plus(mon, 15))),
        "{detail}"
    );
    assert!(detail.contains("共 15 个日期"), "{detail}");
    assert!(
        detail.contains(&format!("POST /api/v1/rosters/{id}/regenerate")),
        "{detail}"
    );
    assert_eq!(
        english_words(
            detail,
            &[id],
            &["POST", "api", "v", "rosters", "regenerate"]
        ),
        Vec::<String>::new(),
        "{detail}"
    );
}
