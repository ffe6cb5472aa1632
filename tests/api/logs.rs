//! The service's logs never carry a phone number. The harness writes this process's logs (the
//! production JSON lines) to a file under `target/test-logs/`, and `make test` searches every
//! such file after the run with `scripts/check-logs.py`. These tests prove that requests are
//! logged there, that phones in query strings and bodies are not, and that the check can fail.

use crate::helpers::{log_file, spawn_app};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The lines of this process's log file that mention `needle`, waiting up to two seconds for
/// them (a request's line is written when its span closes, around the time the answer leaves).
async fn log_lines_with(needle: &str) -> Vec<String> {
    for _ in 0..40 {
        let text = std::fs::read_to_string(log_file()).unwrap_or_default();
        let found: Vec<String> = text
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect();
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Vec::new()
}

fn whole_log() -> String {
    std::fs::read_to_string(log_file()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_logged_with_phones_in_query_strings_redacted() {
    let app = spawn_app().await;
    let r = app
        .get(
            "/api/v1/staff?phone=13800138000&mobile=%2B86%20138%200013%208000&limit=5",
            &app.admin_token,
        )
        .await;
    assert!(r.status().as_u16() < 500);
    let lines = log_lines_with("/api/v1/staff?").await;
    assert_eq!(lines.len(), 1, "one request line: {lines:?}");
    let line: Value = serde_json::from_str(&lines[0]).expect("a JSON log line");
    let target = line["span"]["http.target"]
        .as_str()
        .or_else(|| line["http.target"].as_str())
        .or_else(|| {
            line["spans"]
                .as_array()
                .and_then(|s| s.iter().find_map(|s| s["http.target"].as_str()))
        })
        .unwrap_or_else(|| panic!("http.target in {line}"));
    assert_eq!(
        target,
        "/api/v1/staff?phone=REDACTED&mobile=REDACTED&limit=5"
    );
    assert!(lines[0].contains("\"http.status_code\""), "{}", lines[0]);
    let log = whole_log();
    assert!(!log.contains("13800138000"), "the phone is in the log");
    assert!(!log.contains("138%200013"), "the phone is in the log");
}

/// A rejected body is recorded by its problem code, never by the error's text, which can quote
/// what the client sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_requests_log_their_code_not_the_body() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/staff",
            &app.admin_token,
            &json!({"name": "王芳", "employee_no": "w01", "position": "front_desk",
                    "roles": ["window_staff"], "phone": "13912345678", "password": 5}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    let code = body["code"].as_str().unwrap().to_owned();
    let lines = log_lines_with("\"http.target\":\"/api/v1/staff\"").await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(&format!("\"exception.message\":\"{code}\"")),
        "{}",
        lines[0]
    );
    assert!(!lines[0].contains("exception.details"), "{}", lines[0]);
    assert!(!whole_log().contains("13912345678"));
}

fn python() -> String {
    std::env::var("DUTYDESK_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn checker() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check-logs.py")
}

/// Runs the checker on a directory holding `files` (name, text); answers the exit code and the
/// output.
fn check(files: &[(&str, &str)]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("dutydesk-logcheck-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let known = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/citizen_phones.txt");
    let out = Command::new(python())
        .arg(checker())
        .arg(&dir)
        .arg("--known")
        .arg(known)
        .output()
        .expect("run scripts/check-logs.py");
    std::fs::remove_dir_all(&dir).ok();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), text)
}

const REQUEST: &str = r#"{"fields":{"message":"close"},"span":{"http.target":"/api/v1/me","user_id":"0196c0de-1d2e-7f00-8abc-d13912345678"}}"#;

#[test]
fn the_log_check_passes_clean_logs_and_ignores_digits_inside_uuids() {
    let (code, out) = check(&[("a.jsonl", &format!("{REQUEST}\n{REQUEST}\n"))]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("searched 1 log file(s), 2 line(s), 2 request line(s)"),
        "{out}"
    );
}

#[test]
fn the_log_check_fails_on_a_mobile_number_and_shows_the_line() {
    let leak = r#"{"fields":{"message":"callback to 15012345678 failed"}}"#;
    let (code, out) = check(&[
        ("a.jsonl", REQUEST),
        ("b.jsonl", &format!("{REQUEST}\n{leak}\n")),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("b.jsonl:2:"), "{out}");
    assert!(out.contains("15012345678"), "{out}");
}

#[test]
fn the_log_check_fails_on_a_known_number_in_any_shape() {
    let leak = r#"{"span":{"http.target":"/x?tel=+86 138-0013-8000"}}"#;
    let (code, out) = check(&[("a.jsonl", &format!("{REQUEST}\n{leak}\n"))]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("known number 13800138000"), "{out}");
}

#[test]
fn the_log_check_fails_when_nothing_was_logged() {
    let (code, out) = check(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no logs were written"), "{out}");
    let (code, out) = check(&[("a.jsonl", "{\"fields\":{\"message\":\"started\"}}\n")]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("request logging is off"), "{out}");
}
