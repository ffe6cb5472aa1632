//! The one error type of the service, rendered as RFC 9457 `application/problem+json`.
//!
//! Every handler returns `Result<_, ApiError>`. Text is kept in English and Chinese; the
//! [`localize`] middleware picks the language from `Accept-Language`.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

mod fields;
pub mod parse;

/// One invalid input field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field (JSON name, or query/path parameter) that was rejected.
    pub field: String,
    /// Stable machine code, e.g. `required`, `too_long`, `invalid`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub message_zh: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, en: impl Into<String>, zh: impl Into<String>) -> Self {
        FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message: en.into(),
            message_zh: zh.into(),
        }
    }
}

/// A problem in one row of an import (row numbers as the clerk sees them: header = row 1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub code: String,
    pub message: String,
    #[serde(skip)]
    #[schema(ignore)]
    pub message_zh: String,
}

impl RowError {
    fn localized(&self, zh: bool) -> RowError {
        RowError {
            message: if zh {
                self.message_zh.clone()
            } else {
                self.message.clone()
            },
            ..self.clone()
        }
    }
}

/// RFC 9457 problem details, as sent to clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI identifying the problem type (`urn:dutydesk:problem:<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code; clients switch on this, not on text.
    pub code: String,
    /// Invalid fields, for `validation_failed` and `malformed_request`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Ids of the records standing in the way (e.g. the duties a leave request overlaps).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<uuid::Uuid>,
    /// Invalid rows of an import (`import_invalid`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub row_errors: Vec<RowError>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail_en: String,
    pub detail_zh: String,
    pub errors: Vec<FieldError>,
    pub conflicts: Vec<uuid::Uuid>,
    pub retry_after_secs: Option<u64>,
    /// For 405: the methods the resource accepts (the `Allow` header).
    pub allow: Option<String>,
    pub row_errors: Vec<RowError>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    En,
    Zh,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        en: impl Into<String>,
        zh: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            detail_en: en.into(),
            detail_zh: zh.into(),
            errors: Vec::new(),
            conflicts: Vec::new(),
            retry_after_secs: None,
            allow: None,
            row_errors: Vec::new(),
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            "validation_failed",
            "One or more fields are invalid.",
            "一个或多个字段无效。",
        );
        e.errors = errors;
        e
    }

    pub fn field(field: &str, code: &str, en: impl Into<String>, zh: impl Into<String>) -> Self {
        ApiError::validation(vec![FieldError::new(field, code, en, zh)])
    }

    pub fn malformed(en: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_request",
            en,
            "请求格式错误。",
        )
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Missing, invalid or expired credentials.",
            "缺少凭据，或凭据无效、已过期。",
        )
    }

    pub fn forbidden() -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Your role does not allow this action.",
            "您的角色无权执行此操作。",
        )
    }

    pub fn not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "The resource does not exist.",
            "资源不存在。",
        )
    }

    pub fn method_not_allowed(allow: &[String]) -> Self {
        let list = allow.join(", ");
        let mut e = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("This resource accepts only: {list}."),
            format!("该资源仅支持：{list}。"),
        );
        e.allow = Some(list);
        e
    }

    pub fn conflict(code: &'static str, en: impl Into<String>, zh: impl Into<String>) -> Self {
        ApiError::new(StatusCode::CONFLICT, code, en, zh)
    }

    pub fn unprocessable(code: &'static str, en: impl Into<String>, zh: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, en, zh)
    }

    pub fn precondition_failed() -> Self {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "stale_etag",
            "The resource was changed by someone else (If-Match does not match its ETag). Reload and retry.",
            "资源已被他人修改（If-Match 与 ETag 不符），请刷新后重试。",
        )
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Too many failed attempts. Try again later.",
            "失败次数过多，请稍后再试。",
        );
        e.retry_after_secs = Some(retry_after_secs.max(1));
        e
    }

    pub fn unavailable() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "The database is unavailable. Try again shortly.",
            "数据库暂不可用，请稍后重试。",
        )
    }

    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "An unexpected error occurred.",
            "发生意外错误。",
        )
    }

    pub fn problem(&self, lang: Lang) -> Problem {
        let zh = lang == Lang::Zh;
        Problem {
            type_: format!("urn:dutydesk:problem:{}", self.code),
            title: title(self.status, zh).to_owned(),
            status: self.status.as_u16(),
            detail: if zh {
                self.detail_zh.clone()
            } else {
                self.detail_en.clone()
            },
            code: self.code.to_owned(),
            errors: self
                .errors
                .iter()
                .map(|f| FieldError {
                    message: if zh {
                        f.message_zh.clone()
                    } else {
                        f.message.clone()
                    },
                    ..f.clone()
                })
                .collect(),
            conflicts: self.conflicts.clone(),
            row_errors: self.row_errors.iter().map(|r| r.localized(zh)).collect(),
        }
    }

    pub fn render(&self, lang: Lang) -> HttpResponse {
        let mut b = HttpResponse::build(self.status);
        b.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Some(secs) = self.retry_after_secs {
            b.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = &self.allow {
            b.insert_header((header::ALLOW, allow.as_str()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            b.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        b.json(self.problem(lang))
    }
}

fn title(status: StatusCode, zh: bool) -> &'static str {
    match (status.as_u16(), zh) {
        (400, false) => "Bad request",
        (400, true) => "请求无效",
        (401, false) => "Unauthorized",
        (401, true) => "未认证",
        (403, false) => "Forbidden",
        (403, true) => "无权限",
        (404, false) => "Not found",
        (404, true) => "未找到",
        (405, false) => "Method not allowed",
        (405, true) => "方法不允许",
        (409, false) => "Conflict",
        (409, true) => "状态冲突",
        (412, false) => "Precondition failed",
        (412, true) => "前提条件不满足",
        (413, false) => "Payload too large",
        (413, true) => "请求体过大",
        (415, false) => "Unsupported media type",
        (415, true) => "不支持的媒体类型",
        (422, false) => "Rule violated",
        (422, true) => "违反业务规则",
        (429, false) => "Too many requests",
        (429, true) => "请求过于频繁",
        (503, false) => "Service unavailable",
        (503, true) => "服务暂不可用",
        (_, false) => "Internal server error",
        (_, true) => "服务器内部错误",
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.detail_en
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }
    fn error_response(&self) -> HttpResponse<BoxBody> {
        self.render(Lang::En)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::not_found(),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::info!(constraint = ?info.constraint_name(), "unique violation");
                ApiError::conflict(
                    "already_exists",
                    "A record with the same unique value already exists.",
                    "已存在具有相同唯一值的记录。",
                )
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => ApiError::conflict(
                "concurrent_update",
                "A concurrent change won; retry the request.",
                "并发修改冲突，请重试。",
            ),
            // Input the database cannot store or that breaks a rule validation missed: the
            // client's fault, never a 500.
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().starts_with("invalid byte sequence")
                    || info.message().contains("0x00") =>
            {
                ApiError::malformed("Text must not contain NUL or invalid characters.")
            }
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().starts_with("deadlock detected") =>
            {
                ApiError::conflict(
                    "concurrent_update",
                    "A concurrent change won; retry the request.",
                    "并发修改冲突，请重试。",
                )
            }
            Error::DatabaseError(DatabaseErrorKind::CheckViolation, info) => {
                tracing::warn!(constraint = ?info.constraint_name(), "check violation");
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "validation_failed",
                    "A value is outside what is allowed.",
                    "某个值超出允许范围。",
                )
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                tracing::warn!(constraint = ?info.constraint_name(), "foreign key violation");
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "validation_failed",
                    "A referenced record does not exist.",
                    "引用的记录不存在。",
                )
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => {
                tracing::error!(error = %e, "database connection lost");
                ApiError::unavailable()
            }
            other => {
                tracing::error!(error = %other, "database error");
                ApiError::internal()
            }
        }
    }
}

impl From<crate::db::PoolError> for ApiError {
    fn from(e: crate::db::PoolError) -> Self {
        tracing::error!(error = %e, "database pool error");
        ApiError::unavailable()
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        tracing::error!(error = %e, "blocking task failed");
        ApiError::internal()
    }
}

/// Picks the response language: Chinese when the highest-weighted `Accept-Language` entry is `zh*`.
pub fn preferred_lang(accept_language: Option<&str>) -> Lang {
    let Some(value) = accept_language else {
        return Lang::En;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in value.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
        if tag.is_empty() {
            continue;
        }
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let lang = if tag == "zh" || tag.starts_with("zh-") {
            Lang::Zh
        } else {
            Lang::En
        };
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::En)
}

/// Middleware: renders every `ApiError` response in the caller's language, whether a handler,
/// an extractor or an inner middleware (idempotency) produced it. It also keeps a copy of JSON
/// request bodies as they stream through ([`parse::BodyCopy`]), so that a body that does not
/// parse can be reported field by field.
pub async fn localize(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    use actix_web::HttpMessage;
    use futures_util::StreamExt;
    let lang = preferred_lang(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    if json {
        let copy = parse::BodyCopy::default();
        req.extensions_mut().insert(copy.clone());
        let stream = req.take_payload().inspect(move |chunk| {
            if let Ok(bytes) = chunk {
                let mut buf = copy.0.borrow_mut();
                if buf.len() + bytes.len() <= parse::BODY_COPY_CAP {
                    buf.extend_from_slice(bytes);
                }
            }
        });
        req.set_payload(actix_web::dev::Payload::Stream {
            payload: Box::pin(stream),
        });
    }
    // Errors that come back as `Err` (not as a response) have lost their request and are
    // rendered in English by actix: inner middleware answers with `req.error_response(..)`.
    let res = next.call(req).await?;
    if lang == Lang::Zh
        && let Some(api) = res
            .response()
            .error()
            .and_then(|e| e.as_error::<ApiError>())
    {
        let rendered = api.render(Lang::Zh);
        return Ok(res.into_response(rendered).map_into_right_body());
    }
    Ok(res.map_into_left_body())
}

/// Maps actix's JSON body errors to problems (400 malformed/unknown field with field errors,
/// 413 too large, 415).
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    req: &actix_web::HttpRequest,
) -> ApiError {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The request body is larger than {limit} bytes."),
            format!("请求体超过 {limit} 字节。"),
        ),
        J::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as application/json.",
            "请求体须为 application/json。",
        ),
        J::Deserialize(e) => parse::body_error(&e, req),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_request",
            "Could not read the request body.",
            "无法读取请求体。",
        ),
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_chinese_only_when_preferred() {
        assert_eq!(preferred_lang(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Zh);
        assert_eq!(preferred_lang(Some("en-US,zh;q=0.5")), Lang::En);
        assert_eq!(preferred_lang(Some("en;q=0.3, zh-Hans;q=0.9")), Lang::Zh);
        assert_eq!(preferred_lang(None), Lang::En);
        assert_eq!(preferred_lang(Some("")), Lang::En);
    }

    #[test]
    fn every_problem_has_chinese_text() {
        let e = ApiError::method_not_allowed(&["GET".to_owned()]);
        let p = e.problem(Lang::Zh);
        assert!(
            p.title
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
        assert!(p.detail.contains("GET"));
    }
}
