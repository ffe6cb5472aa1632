//! The center's list of door and closing checks (`GET/PUT /door-check-items`) and the default
//! list every new center starts with.
//!
//! Audit: entity type `door_check_items` (the center's id), action `updated` (`before`, `after`:
//! the whole list).

use super::model::{
    DoorCheckItem, DoorCheckItemInput, DoorCheckItems, DoorCheckItemsUpdate, ItemRow,
};
use super::rules::DueWhen;
use super::store;
use crate::AppState;
use crate::audit::{self, AuditEntry};
use crate::error::{ApiError, ApiResult, FieldCode, FieldError, Problem};
use crate::idempotency::{self, Idem, Reply};
use crate::org::rules as org_rules;
use crate::principal::CurrentUser;
use crate::web::{check_version, if_match, with_etag};
use actix_web::{HttpRequest, HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Most items a center's list holds.
pub const MAX_ITEMS: usize = 50;
/// Longest item name, in characters.
const MAX_NAME: usize = 100;

/// The list a new center starts with (R7): code, Chinese name, English name, when due.
pub const DEFAULTS: &[(&str, &str, &str, DueWhen)] = &[
    (
        "security_door_opened",
        "联系保安开启窗口区域安全门",
        "Window-area security door opened with the guard",
        DueWhen::OnArrival,
    ),
    (
        "security_door_closed",
        "联系保安关闭窗口区域安全门",
        "Window-area security door closed with the guard",
        DueWhen::BeforeClosing,
    ),
    (
        "lights_off",
        "关闭灯光电源",
        "Lights off",
        DueWhen::AfterClosing,
    ),
    (
        "water_dispensers_off",
        "关闭饮水机电源",
        "Water dispensers off",
        DueWhen::AfterClosing,
    ),
    (
        "other_power_off",
        "关闭其他电源",
        "Other power off",
        DueWhen::AfterClosing,
    ),
    (
        "glass_doors_windows_shut",
        "关好玻璃门窗",
        "Glass doors and windows shut",
        DueWhen::AfterClosing,
    ),
    (
        "main_gate_closed",
        "下班后联系保安关闭大楼大门",
        "Main gate of the building closed after hours",
        DueWhen::AfterClosing,
    ),
];

/// Gives a new center the default list (in the transaction that creates it).
pub async fn insert_defaults(
    conn: &mut AsyncPgConnection,
    center_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    store::lock_list(conn, center_id, now).await?;
    let rows: Vec<ItemRow> = DEFAULTS
        .iter()
        .zip(0..)
        .map(|(&(code, zh, en, due), position)| ItemRow {
            id: Uuid::now_v7(),
            center_id,
            code: code.to_owned(),
            name_zh: zh.to_owned(),
            name_en: en.to_owned(),
            due,
            position,
            active: true,
        })
        .collect();
    store::insert_items(conn, &rows).await?;
    Ok(())
}

/// `^[a-z_]{1,40}$`.
pub fn valid_code(code: &str) -> bool {
    (1..=40).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

fn check(items: &[DoorCheckItemInput]) -> Result<(), ApiError> {
    if items.len() > MAX_ITEMS {
        return Err(ApiError::invalid(
            FieldError::of("items", FieldCode::TooManyItems).param("max", MAX_ITEMS),
        ));
    }
    let mut errs = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if !valid_code(&item.code) {
            errs.push(FieldError::of(
                &format!("items[{i}].code"),
                FieldCode::InvalidItemCode,
            ));
        } else if items[..i].iter().any(|x| x.code == item.code) {
            errs.push(FieldError::of(
                &format!("items[{i}].code"),
                FieldCode::DuplicateItemCode,
            ));
        }
        errs.extend(org_rules::text(
            &format!("items[{i}].name_zh"),
            &item.name_zh,
            MAX_NAME,
        ));
        errs.extend(org_rules::text(
            &format!("items[{i}].name_en"),
            &item.name_en,
            MAX_NAME,
        ));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errs))
    }
}

fn view(version: i32, rows: &[ItemRow]) -> DoorCheckItems {
    DoorCheckItems {
        version,
        items: rows.iter().map(DoorCheckItem::from).collect(),
    }
}

/// The center's door and closing checks (every role of the center).
#[utoipa::path(
    operation_id = "listDoorCheckItems",
    tag = "duty",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The whole list (active items first, at most 50 in all); `ETag` carries its version", body = DoorCheckItems),
    )
)]
#[get("/door-check-items")]
pub async fn get_items(user: CurrentUser, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.pool.get().await?;
    let version = store::version(&mut conn, user.center_id).await?;
    let rows = store::items(&mut conn, user.center_id).await?;
    Ok(with_etag(&view(version, &rows), version))
}

/// Replace the center's door and closing checks (office admin). Honours `If-Match`.
///
/// The body is the whole list in order. An item whose code exists keeps its id and records
/// (renamed, moved, re-timed, deactivated with `active: false`); a new code adds an item; an
/// item left out is deleted, or deactivated when it was ever recorded (records are never lost).
/// Records already made keep the due time they were judged by. The same list again changes
/// nothing (no new version, no audit event).
#[utoipa::path(
    operation_id = "setDoorCheckItems",
    tag = "duty",
    request_body = DoorCheckItemsUpdate,
    params(("If-Match" = Option<String>, Header, description = "ETag from a previous read; 412 if stale")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new list; `ETag` carries its version", body = DoorCheckItems),
        (status = 400, description = "`validation_failed`: a code not `^[a-z_]{1,40}$` (`invalid`), a code twice (`duplicate`), a name blank or too long (`required`, `too_long`), more than 50 items (`too_long`), `due` not one of the values (`invalid_type`); `unknown_field`; or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only office admins", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_etag`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/door-check-items")]
pub async fn put_items(
    user: CurrentUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    idem: Idem,
    body: web::Json<DoorCheckItemsUpdate>,
) -> ApiResult<HttpResponse> {
    user.require_admin()?;
    let expected = if_match(&req)?;
    let b = body.into_inner();
    check(&b.items)?;
    let mut conn = state.pool.get().await?;
    idempotency::transaction(&mut conn, &idem, async |conn| {
        let center_id = user.center_id;
        let now = state.clock.now();
        let version = store::lock_list(conn, center_id, now).await?;
        check_version(expected, version)?;
        let before = store::items(conn, center_id).await?;
        let mut inserts = Vec::new();
        for (position, input) in (0..).zip(&b.items) {
            let wanted = |id| ItemRow {
                id,
                center_id,
                code: input.code.clone(),
                name_zh: input.name_zh.trim().to_owned(),
                name_en: input.name_en.trim().to_owned(),
                due: input.due,
                position,
                active: input.active,
            };
            match before.iter().find(|r| r.code == input.code) {
                Some(old) => {
                    let new = wanted(old.id);
                    if new != *old {
                        store::update_item(conn, &new).await?;
                    }
                }
                None => inserts.push(wanted(Uuid::now_v7())),
            }
        }
        if !inserts.is_empty() {
            store::insert_items(conn, &inserts).await?;
        }
        let dropped: Vec<&ItemRow> = before
            .iter()
            .filter(|r| !b.items.iter().any(|i| i.code == r.code))
            .collect();
        let ids: Vec<Uuid> = dropped.iter().map(|r| r.id).collect();
        let kept = store::ever_recorded(conn, &ids).await?;
        let gone: Vec<Uuid> = ids
            .iter()
            .copied()
            .filter(|id| !kept.contains(id))
            .collect();
        store::delete_items(conn, &gone).await?;
        for (position, old) in
            (b.items.len()..).zip(dropped.iter().filter(|r| kept.contains(&r.id)))
        {
            let new = ItemRow {
                position: i32::try_from(position).unwrap_or(i32::MAX),
                active: false,
                ..(*old).clone()
            };
            if new != **old {
                store::update_item(conn, &new).await?;
            }
        }
        let after = store::items(conn, center_id).await?;
        let version = if after == before {
            version
        } else {
            let v = store::bump_version(conn, center_id, now).await?;
            audit::record(
                conn,
                AuditEntry::new(&user, "updated", "door_check_items", center_id)
                    .before(view(version, &before))
                    .after(view(v, &after)),
            )
            .await?;
            v
        };
        Ok(Reply::with_etag(&view(version, &after), version))
    })
    .await
}
