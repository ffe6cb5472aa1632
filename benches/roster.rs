//! Benchmark: generate and publish a one-year roster for a center with 10 departments and
//! 300 eligible supervisors, against a real PostgreSQL (`DATABASE_URL`, as set by `make bench`).
//!
//! Each run happens in a transaction that is rolled back, so every run starts from the same
//! state. Prints the median, min and max over the runs, for generation alone and for
//! generation + publication (the figure; target < 200 ms).

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use dutydesk::error::ApiError;
use dutydesk::org::store::{self as org, NewDepartment, NewStaff};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How a measured run ends: always rolled back, unless generating or publishing failed.
enum Run {
    RolledBack,
    Failed(ApiError),
}

impl From<ApiError> for Run {
    fn from(e: ApiError) -> Self {
        Run::Failed(e)
    }
}

impl From<diesel::result::Error> for Run {
    fn from(e: diesel::result::Error) -> Self {
        Run::Failed(e.into())
    }
}

const RUNS: usize = 15;

fn median(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

#[tokio::main]
async fn main() {
    let admin = std::env::var("DATABASE_URL").expect("DATABASE_URL (run `make bench`)");
    let db = format!("dutydesk_bench_{}", Uuid::new_v4().simple());
    let (base, _) = admin.rsplit_once('/').unwrap();
    let url = format!("{base}/{db}");
    let mut a = AsyncPgConnection::establish(&admin).await.unwrap();
    diesel::sql_query(format!("CREATE DATABASE {db}"))
        .execute(&mut a)
        .await
        .unwrap();
    dutydesk::db::migrate(&url).await.unwrap();
    dutydesk::seed::create_admin(&url, "bench", "Bench", "admin", "Admin", "bench-password-1")
        .await
        .unwrap();
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    let center = org::center_by_code(&mut conn, "bench")
        .await
        .unwrap()
        .unwrap()
        .id;
    let hash = dutydesk::auth::password::hash_sync("bench-password-1");
    for d in 0..10 {
        let dept = org::insert_department(
            &mut conn,
            NewDepartment {
                id: Uuid::now_v7(),
                center_id: center,
                name: format!("部门{d}"),
                code: format!("d{d}"),
                rotation_order: d,
            },
        )
        .await
        .unwrap();
        for p in 0..30 {
            org::insert_staff(
                &mut conn,
                NewStaff {
                    id: Uuid::now_v7(),
                    center_id: center,
                    department_id: Some(dept.id),
                    employee_no: format!("d{d}-{p:02}"),
                    name: format!("员工{d}-{p}"),
                    position: Some(
                        if p % 2 == 0 {
                            "front_desk"
                        } else {
                            "back_office"
                        }
                        .into(),
                    ),
                    roles: vec!["supervisor".into(), "window_staff".into()],
                    leader: false,
                    phone: None,
                    password_hash: hash.clone(),
                },
            )
            .await
            .unwrap();
        }
    }
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let (mut gen_times, mut total_times, mut days) = (Vec::new(), Vec::new(), 0);
    for _ in 0..RUNS {
        let mut g = Duration::ZERO;
        let mut n = 0;
        let t0 = Instant::now();
        let res = conn
            .transaction::<(), Run, _>(async |conn| {
                let (row, assignments) =
                    dutydesk::roster::generation::generate(conn, center, None, start, end, false)
                        .await?;
                g = t0.elapsed();
                n = assignments.len();
                dutydesk::roster::generation::publish(conn, center, row.id, None, None, &[])
                    .await?;
                Err(Run::RolledBack)
            })
            .await;
        let total = t0.elapsed();
        match res {
            Err(Run::RolledBack) => {}
            Err(Run::Failed(e)) => panic!("generate/publish failed: {e}"),
            Ok(()) => unreachable!("the run always rolls back"),
        }
        gen_times.push(g);
        total_times.push(total);
        days = n;
    }
    drop(conn);
    diesel::sql_query(format!("DROP DATABASE {db} WITH (FORCE)"))
        .execute(&mut a)
        .await
        .unwrap();
    let (gm, gmin, gmax) = median(gen_times);
    let (tm, tmin, tmax) = median(total_times);
    println!(
        "one-year roster, 10 departments, 300 eligible supervisors, {days} assignments, {RUNS} runs"
    );
    println!("  generate:           median {gm:>9.2?}  min {gmin:>9.2?}  max {gmax:>9.2?}");
    println!(
        "  generate + publish: median {tm:>9.2?}  min {tmin:>9.2?}  max {tmax:>9.2?}  (target < 200 ms)"
    );
}
