//! A citizen's request the caller may not see is as good as absent for every endpoint that
//! names it: moves, notices, contact and history answer 404 exactly as for an id that does not
//! exist, so that trying ids reveals nothing.

use crate::fixtures::*;
use crate::helpers::*;
use reqwest::{Method, Response};
use serde_json::{Value, json};

const LIST: &str = "/api/v1/citizen-requests";

/// The problem without `instance` (which names the path asked for).
async fn problem(r: Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let mut v: Value = r.json().await.unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("instance");
    }
    (status, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_and_reads_of_a_request_the_caller_cannot_see_answer_404_like_a_missing_one() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let beta = app.other_center_admin().await;
    // The supervisor records a request: the window clerk (not its receiver, owner or a
    // supervisor) does not see it.
    let r = app
        .post(
            LIST,
            &c.supervisor,
            &json!({
                "kind": "help",
                "channel": "visit",
                "citizen_name": "钱七",
                "citizen_phone": "13600002222",
                "concerns": "hall",
                "subject": "窗口服务",
                "description": "情况说明",
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let id = v["request"]["id"].as_str().unwrap().to_owned();
    // Recorded in the hall, it is the supervisor's at once (not in the queue).
    let state = v["request"]["state"].as_str().unwrap().to_owned();
    assert_ne!(state, "received");
    assert_eq!(
        app.get(&format!("{LIST}/{id}"), &c.window).await.status(),
        404,
        "the window clerk does not see it"
    );
    let note = json!({"note": "试试"});
    let hand_on = json!({"note": "试试", "to_staff_id": c.staff_id});
    let moves: Vec<(&str, Value)> = vec![
        ("accept", note.clone()),
        ("forward", hand_on.clone()),
        ("escalate", hand_on),
        ("start", note.clone()),
        ("wait", note.clone()),
        ("resume", note.clone()),
        ("answer", json!({"note": "试试", "answer": "答复"})),
        ("close", note.clone()),
        (
            "refuse",
            json!({"note": "试试", "reason": "理由", "guidance": "建议"}),
        ),
        ("reopen", note),
        (
            "notices",
            json!({"materials": ["身份证"], "procedure": "流程", "time_limit": "5 个工作日内办结"}),
        ),
    ];
    let missing = "0190f0e0-0000-7000-8000-000000000000";
    for (who, token) in [
        ("window clerk", &c.window),
        ("another center's admin", &beta),
    ] {
        for (m, body) in &moves {
            let mut answers = Vec::new();
            for target in [id.as_str(), missing] {
                let r = app
                    .req(Method::POST, &format!("{LIST}/{target}/{m}"), Some(token))
                    .header("accept-language", "zh")
                    .json(body)
                    .send()
                    .await
                    .unwrap();
                answers.push(problem(r).await);
            }
            assert_eq!(
                answers[0].0, 404,
                "{who}: {m} on the hidden request: {:?}",
                answers[0]
            );
            assert_eq!(
                answers[0], answers[1],
                "{who}: {m}: hidden and missing answer alike"
            );
        }
        for read in ["", "/contact", "/history", "/notices"] {
            let mut answers = Vec::new();
            for target in [id.as_str(), missing] {
                let r = app
                    .req(Method::GET, &format!("{LIST}/{target}{read}"), Some(token))
                    .header("accept-language", "zh")
                    .send()
                    .await
                    .unwrap();
                answers.push(problem(r).await);
            }
            assert_eq!(answers[0].0, 404, "{who}: GET {read}: {:?}", answers[0]);
            assert_eq!(
                answers[0], answers[1],
                "{who}: GET {read}: hidden and missing alike"
            );
        }
    }
    // Nothing moved.
    let v: Value = app
        .get(&format!("{LIST}/{id}"), &c.supervisor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["state"], state);
}
