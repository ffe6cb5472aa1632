//! The generated Python client (openapi-python-client, from the committed openapi/openapi.json;
//! scripts/clients.sh, run by `make test` before this suite) drives a short scenario against the
//! running service: log in, read the roster, propose a substitution (tests/clients/scenario.py).

use crate::fixtures::*;
use crate::helpers::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// Where scripts/clients.sh put the generated package: `DUTYDESK_PYTHON_CLIENT` (set by
/// `make test`), else `$CARGO_TARGET_DIR/clients/python`, else `target/clients/python`.
fn client_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("DUTYDESK_PYTHON_CLIENT") {
        return dir.into();
    }
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest.join("target"));
    manifest.join(target).join("clients/python")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_python_client_logs_in_reads_the_roster_and_proposes_a_substitution() {
    let dir = client_dir();
    // Missing is a failure, never a skip: CI must prove the client is generated and works.
    assert!(
        dir.join("dutydesk_client/__init__.py").is_file(),
        "no generated client in {} (run scripts/clients.sh; `make test` does)",
        dir.display()
    );
    let app = spawn_app().await;
    let h = hall(&app).await;
    let mon = plain_weeks(&app, 1).await;
    let r = published(&app, &plus(mon, 0), &plus(mon, 4)).await;
    let a = &r["assignments"][0];
    let me = h.no_of(a["staff_id"].as_str().unwrap());
    // Five days, six supervisors: someone else has no duty on the first day.
    let sub = ["d3-2", "d3-1", "d2-2"]
        .into_iter()
        .find(|n| h.id(n) != a["staff_id"].as_str().unwrap())
        .unwrap();
    let python = std::env::var("DUTYDESK_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/scenario.py");
    let args = [
        app.base.clone(),
        "alpha".into(),
        me.clone(),
        STAFF_PASSWORD.into(),
        r["id"].as_str().unwrap().to_owned(),
        h.id(sub).to_owned(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(script)
            .args(args)
            .env("PYTHONPATH", &dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {python}: {e}"))
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scenario.py failed ({}): {stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let said: Value = serde_json::from_str(stdout.trim()).unwrap();
    // The database holds the one substitution the client proposed (the replay made none).
    assert_eq!(
        app.count("SELECT count(*) AS n FROM substitutions").await,
        1
    );
    let sql = format!(
        "SELECT count(*) AS n FROM substitutions WHERE id = '{}' AND assignment_id = '{}' \
         AND original_staff_id = '{}' AND substitute_id = '{}' AND status = 'proposed' \
         AND reason = '家中有事' AND requested_by = original_staff_id",
        said["substitution_id"].as_str().unwrap(),
        a["id"].as_str().unwrap(),
        h.id(&me),
        h.id(sub),
    );
    assert_eq!(app.count(&sql).await, 1, "{sql}");
}
