//! Every filter of `GET /citizen-requests` is served by an index: on a few thousand requests,
//! after `ANALYZE`, the plan of each filter (as an office admin, who sees the whole center, and
//! as a window clerk, whose visibility adds conditions) scans no table sequentially. The search
//! term is a selective one (a search matching a tenth of the center may rightly be a scan). The
//! plans are printed (`--no-capture`) for the record.

use crate::fixtures::crew;
use crate::helpers::*;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel_async::RunQueryDsl;
use dutydesk::citizen::list::{self, Filter};
use dutydesk::citizen::model::{Kind, State};
use dutydesk::principal::{CurrentUser, Role};
use serde_json::Value;
use uuid::Uuid;

/// `EXPLAIN` of a query, as text lines.
struct Explain<Q>(Q);

impl<Q> QueryId for Explain<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Explain<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_sql("EXPLAIN ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> Query for Explain<Q> {
    type SqlType = diesel::sql_types::Text;
}

async fn me(app: &TestApp, token: &str) -> (Uuid, Uuid) {
    let v: Value = app.get("/api/v1/me", token).await.json().await.unwrap();
    let id = |k: &str| v[k].as_str().unwrap().parse::<Uuid>().unwrap();
    (id("id"), id("center_id"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_filter_is_served_by_an_index() {
    let app = spawn_app().await;
    let c = crew(&app).await;
    let (admin_id, center) = me(&app, &app.admin_token).await;
    let (clerk_id, _) = me(&app, &c.window).await;
    let dept: Uuid = c.dept_id.parse().unwrap();
    // 6 000 requests of every kind and state, a tenth in the department, a few owned by the
    // clerk, a few about 医保, each with its owner chain and a contact whose phone index differs.
    app.exec(&format!(
        "INSERT INTO citizen_requests (id, center_id, tracking_no, kind, channel, state, concerns,
             department_id, subject, description, owner_id, received_by, received_at, received_on,
             deadline_days, paused_days, due_on, overdue_escalated_at, version, created_at, updated_at)
         SELECT gen_random_uuid(), '{center}', 'ZX19990101-' || lpad(g::text, 5, '0'),
                (ARRAY['consultation','complaint','help','suggestion'])[g % 4 + 1], 'visit',
                (ARRAY['received','accepted','in_progress','waiting_citizen','answered','closed','refused'])[g % 7 + 1],
                'hall', CASE WHEN g % 10 = 0 THEN '{dept}'::uuid END,
                CASE WHEN g % 500 = 0 THEN '医保转移' ELSE '事项' || g END, '群众反映第' || g || '号问题',
                CASE WHEN g % 7 = 0 THEN NULL WHEN g % 50 = 1 THEN '{clerk_id}'::uuid ELSE '{admin_id}'::uuid END,
                '{admin_id}', now(), current_date, 5, 0, current_date + (g % 30 - 15),
                CASE WHEN g % 40 = 0 THEN now() END, 1, now(), now()
           FROM generate_series(1, 6000) g"
    ))
    .await;
    app.exec(&format!(
        "INSERT INTO citizen_contacts (request_id, center_id, phone_index)
         SELECT id, '{center}', sha256(tracking_no::bytea) FROM citizen_requests"
    ))
    .await;
    app.exec(
        "INSERT INTO citizen_request_owners (request_id, seq, owner_id, how, since)
         SELECT id, 1, owner_id, 'received', now() FROM citizen_requests WHERE owner_id IS NOT NULL",
    )
    .await;
    // VACUUM also moves the search index's pending entries (GIN fast update) into the index, as
    // autovacuum does in a running service; with them pending, the planner may prefer a scan.
    app.exec("VACUUM ANALYZE citizen_requests, citizen_contacts, citizen_request_owners")
        .await;
    let admin = CurrentUser {
        staff_id: Some(admin_id),
        subject: admin_id.to_string(),
        center_id: center,
        roles: vec![Role::OfficeAdmin],
        external: false,
    };
    let clerk = CurrentUser {
        staff_id: Some(clerk_id),
        subject: clerk_id.to_string(),
        center_id: center,
        roles: vec![Role::WindowStaff],
        external: false,
    };
    let base = || Filter {
        fetch: 51,
        ..Filter::default()
    };
    let filters: Vec<(&str, Filter)> = vec![
        ("none", base()),
        (
            "kind",
            Filter {
                kind: Some(Kind::Complaint),
                ..base()
            },
        ),
        (
            "state",
            Filter {
                states: Some(vec![State::WaitingCitizen]),
                ..base()
            },
        ),
        (
            "department",
            Filter {
                department_id: Some(dept),
                ..base()
            },
        ),
        (
            "owner",
            Filter {
                owner_id: Some(clerk_id),
                ..base()
            },
        ),
        (
            "overdue",
            Filter {
                overdue_on: Some(app.today()),
                ..base()
            },
        ),
        (
            "escalated",
            Filter {
                escalated: true,
                ..base()
            },
        ),
        (
            "tracking_no",
            Filter {
                tracking_no: Some("ZX19990101-00042".into()),
                ..base()
            },
        ),
        (
            "phone",
            Filter {
                phone_index: Some(sha256_of("ZX19990101-00042")),
                ..base()
            },
        ),
        (
            "q (2 characters)",
            Filter {
                q: Some("医保".into()),
                ..base()
            },
        ),
        (
            "next page",
            Filter {
                before: Some(Uuid::max()),
                ..base()
            },
        ),
    ];
    let mut conn = app.db().await;
    let mut seq = Vec::new();
    for (who, user) in [("office admin", &admin), ("window clerk", &clerk)] {
        for (name, f) in &filters {
            let plan: Vec<String> = Explain(list::query(user, f)).load(&mut conn).await.unwrap();
            let plan = plan.join("\n");
            eprintln!("-- {name}, as {who}:\n{plan}\n");
            if plan.contains("Seq Scan") {
                seq.push(format!("{name} as {who}"));
            }
        }
    }
    assert!(seq.is_empty(), "sequential scans: {seq:?}");
}

fn sha256_of(s: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes()).to_vec()
}
