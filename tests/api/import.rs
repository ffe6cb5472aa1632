//! Bulk staff import: JSON, CSV and XLSX; dry run reports every row, a real run is all or nothing.

use crate::helpers::{assert_problem, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn send(
    app: &crate::helpers::TestApp,
    token: &str,
    dry_run: bool,
    ct: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.req(
        Method::POST,
        &format!("/api/v1/staff/import?dry_run={dry_run}"),
        Some(token),
    )
    .header("content-type", ct)
    .body(body)
    .send()
    .await
    .unwrap()
}

fn row(no: &str, dept: &str) -> Value {
    json!({"name": format!("员工 {no}"), "employee_no": no, "department_code": dept,
           "position": "front_desk", "roles": ["window_staff"], "phone": "13800000000"})
}

fn errs(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["row"],
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_import_dry_run_reports_every_row_then_creates_all_or_none() {
    let app = spawn_app().await;
    app.create_department("D1", 1).await;
    let t = app.admin_token.clone();
    let staff_before = app.count("SELECT count(*) AS n FROM staff").await;
    let audited =
        "SELECT count(*) AS n FROM audit_events WHERE entity_type = 'staff' AND action = 'created'";
    let audited_before = app.count(audited).await;

    let mut bad_role = row("a3", "D1");
    bad_role["roles"] = json!(["boss"]);
    let mut short = row("a4", "D1");
    short["password"] = json!("short");
    let rows = json!([
        row("a1", "D1"),
        row("admin", "D1"),
        bad_role,
        short,
        row("a1", "NOPE"),
        {"employee_no": "a6", "roles": "supervisor", "name": ""},
    ]);
    let r = send(
        &app,
        &t,
        true,
        "application/json",
        rows.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["rows"], 6);
    assert_eq!(
        errs(&v, "errors"),
        [
            "2 employee_no taken",
            "3 roles invalid_choice",
            "4 password too_short",
            "5 department_code unknown",
            "5 employee_no duplicate",
            "6 name required",
        ]
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM staff").await,
        staff_before
    );

    // A real run with one bad row creates none, in the caller's language.
    let rows = json!([row("b1", "D1"), row("b2", "NOPE")]);
    let r = app
        .req(Method::POST, "/api/v1/staff/import?dry_run=false", Some(&t))
        .header("accept-language", "zh-CN")
        .json(&rows)
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 422, "import_invalid").await;
    assert_eq!(errs(&p, "row_errors"), ["2 department_code unknown"]);
    assert!(
        p["row_errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("部门")
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM staff").await,
        staff_before
    );

    // A real run creates all, audited, with generated passwords returned once.
    let mut given = row("c2", "D1");
    given["password"] = json!("given-password-123");
    let rows = json!([row("c1", "D1"), given]);
    let r = send(
        &app,
        &t,
        false,
        "application/json",
        rows.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["created"].as_array().unwrap().len(), 2);
    assert_eq!(v["created"][0]["department_code"], "D1");
    assert_eq!(v["created"][0]["department_name"], "部门 D1");
    let generated = v["created"][0]["initial_password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 16);
    assert!(v["created"][1]["initial_password"].is_null());
    assert_eq!(
        app.count("SELECT count(*) AS n FROM staff").await,
        staff_before + 2
    );
    assert_eq!(app.count(audited).await, audited_before + 2);
    app.token("alpha", "c1", &generated).await;
    app.token("alpha", "c2", "given-password-123").await;
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM staff WHERE password_hash LIKE '%{generated}%'"
        ))
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_with_bom_and_chinese_names_and_xlsx_are_imported() {
    let app = spawn_app().await;
    app.create_department("D1", 1).await;
    let t = app.admin_token.clone();
    let csv = "\u{feff}name,employee_no,department_code,position,roles,leader,phone\r\n\
               张三,z1,D1,front_desk,supervisor;window_staff,是,13800000001\r\n\
               \"李, 四\",z2,,back_office,window_staff|auditor,false,\r\n";
    let r = send(
        &app,
        &t,
        true,
        "text/csv; charset=utf-8",
        csv.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"], json!([]));
    let r = send(&app, &t, false, "text/csv", csv.as_bytes().to_vec()).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["created"][0]["name"], "张三");
    assert_eq!(v["created"][0]["leader"], true);
    assert_eq!(
        v["created"][0]["roles"],
        json!(["supervisor", "window_staff"])
    );
    assert_eq!(v["created"][1]["name"], "李, 四");

    // Row numbers are the sheet's: header row 1.
    let bad = "name,employee_no,roles\n王五,z3,window_staff\n赵六,z3,nobody\n";
    let v: Value = send(&app, &t, true, "text/csv", bad.as_bytes().to_vec())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        errs(&v, "errors"),
        ["3 roles invalid_choice", "3 employee_no duplicate"]
    );

    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["name", "employee_no", "department_code", "roles", "phone"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "钱七").unwrap();
    sheet.write_number(1, 1, 1001).unwrap();
    sheet.write_string(1, 2, "D1").unwrap();
    sheet.write_string(1, 3, "supervisor").unwrap();
    sheet.write_number(1, 4, 13800000002.0).unwrap();
    sheet.write_string(2, 0, "孙八").unwrap();
    sheet.write_string(2, 1, "x2").unwrap();
    sheet.write_string(2, 2, "D9").unwrap();
    sheet.write_string(2, 3, "window_staff").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let v: Value = send(&app, &t, true, XLSX, bytes.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(errs(&v, "errors"), ["3 department_code unknown"]);
    sheet_fix_and_import(&app, &t).await;
}

async fn sheet_fix_and_import(app: &crate::helpers::TestApp, t: &str) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["name", "employee_no", "roles", "phone"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "钱七").unwrap();
    sheet.write_number(1, 1, 1001).unwrap();
    sheet.write_string(1, 2, "supervisor").unwrap();
    sheet.write_number(1, 3, 13800000002.0).unwrap();
    let r = send(app, t, false, XLSX, book.save_to_buffer().unwrap()).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["created"][0]["employee_no"], "1001");
    assert_eq!(v["created"][0]["phone"], "13800000002");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_is_for_admins_of_the_center_and_limited() {
    let app = spawn_app().await;
    app.create_department("D1", 1).await;
    let (_, staff_token) = app.create_staff("w1", &["window_staff"], None).await;
    let rows = json!([row("n1", "D1")]).to_string().into_bytes();
    let r = send(&app, &staff_token, true, "application/json", rows.clone()).await;
    assert_problem(r, 403, "forbidden").await;

    // Another center's department codes are unknown here.
    let beta = app.other_center_admin().await;
    let r = app
        .post(
            "/api/v1/departments",
            &beta,
            &json!({"name": "Beta 部门", "code": "B1", "rotation_order": 1}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = send(
        &app,
        &app.admin_token,
        true,
        "application/json",
        json!([row("n1", "B1")]).to_string().into_bytes(),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(errs(&v, "errors"), ["1 department_code unknown"]);
    let v: Value = send(&app, &beta, true, "application/json", rows.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(errs(&v, "errors"), ["1 department_code unknown"]);

    let many: Vec<Value> = (0..1001).map(|i| row(&format!("m{i}"), "D1")).collect();
    let r = send(
        &app,
        &app.admin_token,
        true,
        "application/json",
        json!(many).to_string().into_bytes(),
    )
    .await;
    assert_problem(r, 422, "too_many_rows").await;
    let r = send(
        &app,
        &app.admin_token,
        true,
        "application/json",
        vec![b' '; 3 * 1024 * 1024],
    )
    .await;
    assert_problem(r, 413, "payload_too_large").await;
    let r = send(&app, &app.admin_token, true, "text/plain", rows).await;
    assert_problem(r, 415, "unsupported_media_type").await;
}
