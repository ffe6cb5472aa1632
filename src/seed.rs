//! Command-line set-up: the first office admin of a new center, and the demo data.

use crate::audit::{self, AuditEntry};
use crate::auth::password;
use crate::error::{ApiError, Code, Lang};
use crate::org::store::{self, NewDepartment, NewStaff};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

pub const DEMO_CENTER: &str = "demo";
pub const DEMO_PASSWORD: &str = "dutydesk-demo";

/// R2's departments, in rotation order: (code, name).
pub const DEMO_DEPARTMENTS: [(&str, &str); 5] = [
    ("ldjy", "劳动就业中心"),
    ("yb", "医保中心"),
    ("jgsb", "机关社保中心"),
    ("cxjm", "城乡居民社保中心"),
    ("ldsb", "劳动社保中心窗口"),
];

async fn connect(url: &str) -> Result<AsyncPgConnection, String> {
    AsyncPgConnection::establish(url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))
}

fn err(e: ApiError) -> String {
    e.detail(Lang::En).to_owned()
}

/// Creates a center and its first office admin. Fails if the center code is taken.
pub async fn create_admin(
    database_url: &str,
    center_code: &str,
    center_name: &str,
    employee_no: &str,
    name: &str,
    password_text: &str,
) -> Result<Uuid, String> {
    if let Some(e) = password::check_strength("password", password_text) {
        return Err(format!("password: {}", e.message(Lang::En)));
    }
    for (field, v) in [
        ("center code", center_code),
        ("employee number", employee_no),
    ] {
        if crate::org::rules::code(field, v).is_some() {
            return Err(format!(
                "{field} must be 1 to 32 letters, digits, '-', '_' or '.'"
            ));
        }
    }
    let hash = password::hash_sync(password_text);
    let mut conn = connect(database_url).await?;
    if store::center_by_code(&mut conn, center_code)
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Err(format!("a center with code {center_code} already exists"));
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        let center_id = new_center(conn, center_code, center_name).await?;
        let id = add_staff(
            conn,
            center_id,
            None,
            employee_no,
            name,
            None,
            &["office_admin"],
            false,
            &hash,
        )
        .await?;
        Ok(id)
    })
    .await
    .map_err(err)
}

async fn new_center(
    conn: &mut AsyncPgConnection,
    code: &str,
    name: &str,
) -> Result<Uuid, ApiError> {
    let c = store::insert_center(conn, Uuid::now_v7(), code, name).await?;
    crate::dutyday::doors::items::insert_defaults(conn, c.id, crate::clock::Clock::system().now())
        .await?;
    audit::store::init_head(conn, c.id).await?;
    audit::record(
        conn,
        AuditEntry::system(c.id, "created", "center", c.id).after(&c),
    )
    .await?;
    Ok(c.id)
}

#[allow(clippy::too_many_arguments)]
async fn add_staff(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    department_id: Option<Uuid>,
    employee_no: &str,
    name: &str,
    position: Option<&str>,
    roles: &[&str],
    leader: bool,
    hash: &str,
) -> Result<Uuid, ApiError> {
    let row = store::insert_staff(
        conn,
        NewStaff {
            id: Uuid::now_v7(),
            center_id,
            department_id,
            employee_no: employee_no.into(),
            name: name.into(),
            position: position.map(Into::into),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            leader,
            phone: Some(format!(
                "0597-84{:05}",
                employee_no.len() * 1000 + name.chars().count()
            )),
            password_hash: hash.into(),
        },
    )
    .await?;
    audit::record(
        conn,
        AuditEntry::system(center_id, "created", "staff", row.id).after(row.audit_value()),
    )
    .await?;
    Ok(row.id)
}

const SURNAMES: [&str; 10] = ["陈", "林", "黄", "张", "李", "王", "吴", "刘", "蔡", "杨"];
const GIVEN: [&str; 12] = [
    "晓明", "丽华", "建国", "秀英", "志强", "海燕", "文杰", "静", "伟", "芳", "俊", "敏",
];

/// Loads the demo center (five departments of R2, 32 staff). Does nothing if it exists.
/// Returns the lines describing how to log in.
pub async fn seed_demo(database_url: &str) -> Result<Vec<String>, String> {
    let mut conn = connect(database_url).await?;
    let exists = store::center_by_code(&mut conn, DEMO_CENTER)
        .await
        .map_err(|e| e.to_string())?
        .is_some();
    if !exists {
        let hash = password::hash_sync(DEMO_PASSWORD);
        conn.transaction::<_, ApiError, _>(async |conn| {
            let center_id = new_center(conn, DEMO_CENTER, "上杭县社会保障服务中心（演示）").await?;
            add_staff(
                conn,
                center_id,
                None,
                "admin",
                "办公室管理员",
                None,
                &["office_admin"],
                false,
                &hash,
            )
            .await?;
            add_staff(
                conn,
                center_id,
                None,
                "auditor",
                "统计员",
                None,
                &["auditor"],
                false,
                &hash,
            )
            .await?;
            let mut n = 0usize;
            for (i, (code, name)) in DEMO_DEPARTMENTS.iter().enumerate() {
                let d = store::insert_department(
                    conn,
                    NewDepartment {
                        id: Uuid::now_v7(),
                        center_id,
                        name: (*name).into(),
                        code: (*code).into(),
                        rotation_order: (i as i32 + 1) * 10,
                    },
                )
                .await?;
                audit::record(
                    conn,
                    AuditEntry::system(center_id, "created", "department", d.id).after(&d),
                )
                .await?;
                for j in 0..6 {
                    n += 1;
                    let person = format!(
                        "{}{}",
                        SURNAMES[n % SURNAMES.len()],
                        GIVEN[(n * 7) % GIVEN.len()]
                    );
                    let (position, roles, leader): (&str, &[&str], bool) = match j {
                        0 | 1 => ("front_desk", &["supervisor", "window_staff"], false),
                        2 => ("back_office", &["supervisor", "window_staff"], false),
                        3 | 4 => ("front_desk", &["window_staff"], false),
                        _ => ("back_office", &["window_staff"], true),
                    };
                    let no = format!("{code}{:02}", j + 1);
                    add_staff(
                        conn,
                        center_id,
                        Some(d.id),
                        &no,
                        &person,
                        Some(position),
                        roles,
                        leader,
                        &hash,
                    )
                    .await?;
                }
            }
            Ok(())
        })
        .await
        .map_err(err)?;
    }
    let mut lines = demo_duty(&mut conn, !exists).await.map_err(err)?;
    lines.extend(demo_sit_ins(&mut conn).await.map_err(err)?);
    lines.extend([
        format!(
            "Demo center code: {DEMO_CENTER}   password for every demo account: {DEMO_PASSWORD}"
        ),
        "  office admin: employee_no admin     auditor: auditor".into(),
        "  supervisors:  ldjy01 ldjy02 ldjy03, yb01 …, jgsb01 …, cxjm01 …, ldsb01 …".into(),
        "  window staff: ldjy04 ldjy05, yb04 …  (department leaders: ldjy06, yb06, …)".into(),
    ]);
    Ok(lines)
}

/// Keeps the demo center live: a published roster from this week's Monday to four weeks ahead
/// (continuing the last published one), and, the first time, a pending substitution and a
/// pending leave request. Years without holiday data are confirmed explicitly, with a warning.
async fn demo_duty(
    conn: &mut AsyncPgConnection,
    first_time: bool,
) -> Result<Vec<String>, ApiError> {
    use crate::changes::store as rs;
    use crate::roster::{generation, store as roster_store};
    use chrono::{Datelike, Duration};
    let clock = crate::clock::Clock::system();
    let center = store::center_by_code(conn, DEMO_CENTER)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let today = center.today(&clock);
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let end = today + Duration::days(28);
    let mut lines = Vec::new();
    conn.transaction::<_, ApiError, _>(async |conn| {
        let last =
            roster_store::last_published_before(conn, center.id, end + Duration::days(1)).await?;
        let start = match last {
            Some(r) if r.end_date >= monday => r.end_date + Duration::days(1),
            _ => monday,
        };
        if start > end {
            return Ok(());
        }
        let cal = crate::calendar::store::load(conn, center.id, start, end).await?;
        let missing = cal.years_without_holidays(start, end);
        if !missing.is_empty() {
            let years: Vec<String> = missing.iter().map(|y| y.to_string()).collect();
            lines.push(format!(
                "WARNING: no statutory holidays are loaded for {}; the demo roster was confirmed \
                 without them, so their holidays are scheduled as working days \
                 (load the official schedule with `dutydesk load-holidays`).",
                years.join(", ")
            ));
        }
        let (row, _) = generation::generate(conn, center.id, None, start, end, true).await?;
        audit::record(
            conn,
            AuditEntry::system(center.id, "generated", "roster", row.id).after(row.view()),
        )
        .await?;
        // The demo confirms any day it cannot fully staff, and says so.
        let short: Vec<chrono::NaiveDate> = row.view().shortfalls.iter().map(|s| s.date).collect();
        if !short.is_empty() {
            lines.push(format!(
                "WARNING: {} day(s) of the demo roster are below the minimum on duty; confirmed.",
                short.len()
            ));
        }
        let (before, after) =
            generation::publish(conn, center.id, row.id, None, None, &short).await?;
        audit::record(
            conn,
            AuditEntry::system(center.id, "published", "roster", after.id)
                .before(before.view())
                .after(after.view()),
        )
        .await?;
        lines.push(format!(
            "Demo roster published for {} to {}.",
            after.start_date, after.end_date
        ));
        Ok(())
    })
    .await?;
    if !first_time {
        return Ok(lines);
    }
    conn.transaction::<_, ApiError, _>(async |conn| {
        // A pending substitution: the first duty after today, handed to someone free that day.
        let duties = roster_store::list_assignments(
            conn,
            roster_store::AssignmentFilter {
                center_id: center.id,
                from: today + Duration::days(1),
                to: end,
                staff_id: None,
                department_id: None,
                after: None,
                limit: 200,
            },
        )
        .await?;
        let queues = crate::roster::settings::load(conn, center.id, false)
            .await?
            .queues;
        let everyone: Vec<Uuid> = queues.iter().flat_map(|q| q.members.clone()).collect();
        if let Some(duty) = duties.first() {
            let busy: Vec<Uuid> = duties
                .iter()
                .filter(|a| a.date == duty.date)
                .map(|a| a.on_duty())
                .collect();
            if let Some(sub) = everyone.iter().find(|p| !busy.contains(p)) {
                let s = rs::insert_substitution(
                    conn,
                    rs::NewSubstitution {
                        id: Uuid::now_v7(),
                        center_id: center.id,
                        assignment_id: duty.id,
                        original_staff_id: duty.on_duty(),
                        substitute_id: *sub,
                        status: crate::changes::workflow::SubstitutionStatus::Proposed,
                        same_day: false,
                        offline: false,
                        reason: "家中有事（演示数据）".into(),
                        assignment_version: duty.version,
                        requested_by: Some(duty.on_duty()),
                        decided_by: None,
                    },
                )
                .await?;
                audit::record(
                    conn,
                    AuditEntry::system(center.id, "proposed", "substitution", s.id).after(&s),
                )
                .await?;
            }
        }
        // A pending leave request, past the published roster, by a supervisor.
        if let Some(person) = everyone.last() {
            let l = rs::insert_leave(
                conn,
                rs::NewLeave {
                    id: Uuid::now_v7(),
                    center_id: center.id,
                    staff_id: *person,
                    kind: crate::changes::model::LeaveKind::Annual,
                    start: end + Duration::days(3),
                    end: end + Duration::days(5),
                    reason: "年休假（演示数据）".into(),
                },
            )
            .await?;
            audit::record(
                conn,
                AuditEntry::system(center.id, "requested", "leave_request", l.id).after(&l),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    lines.push("Demo: a pending substitution and a pending leave request are waiting.".into());
    Ok(lines)
}

/// This week's leader sit-ins (R15, R16): a plan for the current week from each department
/// leader (two weekdays each, spread so that every weekday has a leader, the hall's closed days
/// dropped), filed now, so its deadline and lateness follow the center's setting as for any
/// filing; and, when a planned day has come, the week's first one recorded as attended. A
/// leader's existing plan for the week is kept, and a week with a recorded sit-in gets no other,
/// so running the demo again adds nothing twice (a later week gets its own plans).
async fn demo_sit_ins(conn: &mut AsyncPgConnection) -> Result<Vec<String>, ApiError> {
    use crate::sitins::model::{AttendanceRow, PlanRow};
    use crate::sitins::{checks, compliance, store as sit_store};
    let clock = crate::clock::Clock::system();
    let center = store::center_by_code(conn, DEMO_CENTER)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let (tz, now, today) = (center.tz(), clock.now(), center.today(&clock));
    let week = compliance::monday_of(today);
    let week_end = compliance::week_end(week);
    conn.transaction::<_, ApiError, _>(async |conn| {
        let cal = crate::calendar::store::load(conn, center.id, week, week_end).await?;
        let days_before = checks::deadline_days_before(conn, center.id).await?;
        let timing = compliance::timing(now, tz, week, days_before);
        let mut plans = Vec::new();
        let mut filed = 0;
        for (i, (leader_id, department_id, _, _)) in sit_store::current_leaders(conn, center.id)
            .await?
            .into_iter()
            .enumerate()
        {
            // Locks the leader, as every sit-in write does.
            sit_store::staff_for_sit_in(conn, center.id, leader_id).await?;
            if let Some(plan) =
                sit_store::plan_of_week_for_update(conn, center.id, week, leader_id).await?
            {
                plans.push(plan);
                continue;
            }
            let weekdays = [(i % 5) as i32 + 1, ((i + 2) % 5) as i32 + 1];
            let days = compliance::expand_pattern(week, &weekdays, &cal);
            if days.is_empty() {
                continue;
            }
            let row = sit_store::insert_plan(
                conn,
                &PlanRow {
                    id: Uuid::now_v7(),
                    center_id: center.id,
                    leader_id,
                    department_id,
                    week,
                    days,
                    from_pattern: false,
                    deadline: timing.deadline,
                    late: timing.late,
                    filed_at: now,
                    first_filed_at: now,
                    filed_by: None,
                    version: 1,
                },
            )
            .await?;
            audit::record(
                conn,
                AuditEntry::system(center.id, "filed", "sit_in_plan", row.id).after(&row),
            )
            .await?;
            filed += 1;
            plans.push(row);
        }
        let mut lines = vec![format!(
            "Demo: {} leader sit-in plan(s) for the week of {week} ({filed} filed now).",
            plans.len()
        )];
        if !sit_store::attendance_between(conn, center.id, week, week_end)
            .await?
            .is_empty()
        {
            return Ok(lines);
        }
        // The earliest planned day that has come, and the first leader planning it.
        let come = plans
            .iter()
            .filter_map(|p| p.days.iter().find(|d| **d <= today).map(|d| (*d, p)))
            .min_by_key(|(d, _)| *d);
        if let Some((date, plan)) = come {
            let row = sit_store::insert_attendance(
                conn,
                &AttendanceRow {
                    id: Uuid::now_v7(),
                    center_id: center.id,
                    leader_id: plan.leader_id,
                    department_id: plan.department_id,
                    date,
                    recorded_by: None,
                    recorded_at: now,
                },
            )
            .await?;
            audit::record(
                conn,
                AuditEntry::system(center.id, "recorded", "sit_in_attendance", row.id).after(&row),
            )
            .await?;
            lines.push(format!("Demo: a leader's sit-in on {date} is recorded."));
        }
        Ok(lines)
    })
    .await
}

/// Loads a statutory holiday schedule file (format in [`crate::calendar::statutory`]) in one
/// transaction: all its years or none. A year already loaded with other days is refused unless
/// `replace` is set. Returns one line per year saying what happened.
pub async fn load_holidays(
    database_url: &str,
    text: &str,
    replace: bool,
) -> Result<Vec<String>, String> {
    use crate::calendar::{statutory, store::YearLoad};
    let schedules = statutory::parse(text)?;
    let mut conn = connect(database_url).await?;
    let now = crate::clock::Clock::system().now();
    let loads = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let loads =
                crate::calendar::store::load_statutory_years(conn, &schedules, replace, now)
                    .await?;
            let differing: Vec<String> = loads
                .iter()
                .filter_map(|l| match l {
                    YearLoad::Differs { year } => Some(year.to_string()),
                    _ => None,
                })
                .collect();
            if !differing.is_empty() {
                return Err(ApiError::of(Code::HolidaysDiffer).param("years", differing.join(", ")));
            }
            Ok(loads)
        })
        .await
        .map_err(err)?;
    let fixture = schedules.first().is_some_and(|s| s.fixture);
    Ok(loads
        .into_iter()
        .map(|l| match l {
            YearLoad::Loaded { year, days } => format!("{year}: loaded {days} days"),
            YearLoad::Replaced { year, days } => format!("{year}: replaced, now {days} days"),
            YearLoad::Unchanged { year } => format!("{year}: already loaded, unchanged"),
            YearLoad::Differs { year } => format!("{year}: differs, not loaded"),
        })
        .map(|l| {
            if fixture {
                format!("{l} (TEST FIXTURE, not official data)")
            } else {
                l
            }
        })
        .collect())
}
