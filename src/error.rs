//! The one error type of the service, rendered as RFC 9457 `application/problem+json`.
//!
//! Every handler returns `Result<_, ApiError>`. Errors are built from the [`catalogue`] of codes
//! (`ApiError::of(Code::NotFound)`, `FieldError::of("limit", FieldCode::OutOfRange)`), which
//! holds their text in English and Chinese; the [`localize`] middleware picks the language from
//! `Accept-Language`.

use actix_web::body::BoxBody;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

pub mod catalogue;
mod conversions;
mod fields;
mod localize;
pub mod parse;

pub use catalogue::{Code, FieldCode, Phrase};
use catalogue::{fill, unfilled};
pub use conversions::json_error;
pub use localize::{localize, preferred_lang};

/// One invalid input field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field (JSON name, or query/path parameter) that was rejected.
    pub field: String,
    /// Stable machine code, e.g. `required`, `too_long`, `invalid`.
    pub code: String,
    /// Human-readable explanation.
    message: String,
    #[serde(skip)]
    #[schema(ignore)]
    message_zh: String,
    /// The catalogue entry it was made from.
    #[serde(skip)]
    #[schema(ignore)]
    kind: FieldCode,
}

impl FieldError {
    /// The field error `kind` of the catalogue about `field`; fill its parameters with
    /// [`FieldError::param`].
    pub fn of(field: &str, kind: FieldCode) -> Self {
        let e = kind.entry();
        FieldError {
            field: field.to_owned(),
            code: e.code.to_owned(),
            message: e.en.to_owned(),
            message_zh: e.zh.to_owned(),
            kind,
        }
    }

    /// Fills the parameter `name` in both languages.
    pub fn param(mut self, name: &str, value: impl fmt::Display) -> Self {
        let v = value.to_string();
        fill(&mut self.message, name, &v);
        fill(&mut self.message_zh, name, &v);
        self
    }

    /// Fills the parameter `name` with a list (`a, b` in English, `a、b` in Chinese).
    pub fn list<T: fmt::Display>(mut self, name: &str, items: impl IntoIterator<Item = T>) -> Self {
        let (en, zh) = join(items);
        fill(&mut self.message, name, &en);
        fill(&mut self.message_zh, name, &zh);
        self
    }

    /// Fills the parameter `name` with a composed text (e.g. a [`Phrase`]), each language
    /// with its own.
    pub fn text(mut self, name: &str, value: &catalogue::Text) -> Self {
        fill(&mut self.message, name, &value.en);
        fill(&mut self.message_zh, name, &value.zh);
        self
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.message,
            Lang::Zh => &self.message_zh,
        }
    }

    /// The catalogue entry it was made from.
    pub fn kind(&self) -> FieldCode {
        self.kind
    }

    /// Declared parameters left unfilled.
    pub fn unfilled(&self) -> Vec<&'static str> {
        unfilled(&self.kind.entry(), &self.message)
    }
}

fn join<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> (String, String) {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    (items.join(", "), items.join("、"))
}

/// A problem in one row of an import (row numbers as the clerk sees them: header = row 1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub code: String,
    message: String,
    #[serde(skip)]
    #[schema(ignore)]
    message_zh: String,
}

impl RowError {
    /// The field error `f` (made from the catalogue) in row `row`.
    pub fn of(row: usize, f: FieldError) -> Self {
        debug_assert!(f.unfilled().is_empty(), "{}: parameters not filled", f.code);
        RowError {
            row,
            field: f.field,
            code: f.code,
            message: f.message,
            message_zh: f.message_zh,
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.message,
            Lang::Zh => &self.message_zh,
        }
    }

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
    detail_en: String,
    detail_zh: String,
    pub errors: Vec<FieldError>,
    pub conflicts: Vec<uuid::Uuid>,
    pub retry_after_secs: Option<u64>,
    /// For 405: the methods the resource accepts (the `Allow` header).
    pub allow: Option<String>,
    pub row_errors: Vec<RowError>,
    /// The catalogue entry it was made from.
    entry: Code,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    En,
    Zh,
}

impl ApiError {
    /// The problem `code` of the catalogue; fill its parameters with [`ApiError::param`].
    pub fn of(code: Code) -> Self {
        let e = code.entry();
        ApiError {
            status: StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: e.code,
            detail_en: e.en.to_owned(),
            detail_zh: e.zh.to_owned(),
            errors: Vec::new(),
            conflicts: Vec::new(),
            retry_after_secs: None,
            allow: None,
            row_errors: Vec::new(),
            entry: code,
        }
    }

    /// The catalogue entry it was made from.
    pub fn entry(&self) -> Code {
        self.entry
    }

    /// The detail in `lang`.
    pub fn detail(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.detail_en,
            Lang::Zh => &self.detail_zh,
        }
    }

    /// Fills the parameter `name` in both languages.
    pub fn param(mut self, name: &str, value: impl fmt::Display) -> Self {
        let v = value.to_string();
        fill(&mut self.detail_en, name, &v);
        fill(&mut self.detail_zh, name, &v);
        self
    }

    /// Fills the parameter `name` with a list (`a, b` in English, `a、b` in Chinese).
    pub fn list<T: fmt::Display>(mut self, name: &str, items: impl IntoIterator<Item = T>) -> Self {
        let (en, zh) = join(items);
        fill(&mut self.detail_en, name, &en);
        fill(&mut self.detail_zh, name, &zh);
        self
    }

    /// Fills the parameter `name` with phrases (`a; b` in English, `a；b` in Chinese).
    pub fn phrases(mut self, name: &str, items: impl IntoIterator<Item = catalogue::Text>) -> Self {
        let (en, zh): (Vec<String>, Vec<String>) = items.into_iter().map(|t| (t.en, t.zh)).unzip();
        fill(&mut self.detail_en, name, &en.join("; "));
        fill(&mut self.detail_zh, name, &zh.join("；"));
        self
    }

    /// Fills the parameter `name` with a composed text (e.g. a [`Phrase`]), each language
    /// with its own.
    pub fn text(mut self, name: &str, value: &catalogue::Text) -> Self {
        fill(&mut self.detail_en, name, &value.en);
        fill(&mut self.detail_zh, name, &value.zh);
        self
    }

    /// The invalid fields (`errors`).
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// The records standing in the way (`conflicts`).
    pub fn with_conflicts(mut self, conflicts: Vec<uuid::Uuid>) -> Self {
        self.conflicts = conflicts;
        self
    }

    /// The invalid rows of an import (`row_errors`).
    pub fn with_row_errors(mut self, row_errors: Vec<RowError>) -> Self {
        self.row_errors = row_errors;
        self
    }

    /// Declared parameters left unfilled, in the detail or in a field error.
    pub fn unfilled(&self) -> Vec<&'static str> {
        let mut out = unfilled(&self.entry.entry(), &self.detail_en);
        out.extend(self.errors.iter().flat_map(FieldError::unfilled));
        out
    }

    /// `validation_failed` with the invalid fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        ApiError::of(Code::ValidationFailed).with_errors(errors)
    }

    /// `validation_failed` with one invalid field.
    pub fn invalid(field: FieldError) -> Self {
        ApiError::validation(vec![field])
    }

    pub fn unauthorized() -> Self {
        ApiError::of(Code::Unauthorized)
    }

    pub fn forbidden() -> Self {
        ApiError::of(Code::Forbidden)
    }

    pub fn not_found() -> Self {
        ApiError::of(Code::NotFound)
    }

    pub fn method_not_allowed(allow: &[String]) -> Self {
        let list = allow.join(", ");
        let mut e = ApiError::of(Code::MethodNotAllowed).param("methods", &list);
        e.allow = Some(list);
        e
    }

    pub fn precondition_failed() -> Self {
        ApiError::of(Code::StaleEtag)
    }

    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut e = ApiError::of(Code::TooManyAttempts);
        e.retry_after_secs = Some(retry_after_secs.max(1));
        e
    }

    /// 503 `database_unavailable` with `Retry-After: 1`: the database is down, restarting or
    /// out of reach (or the pool waited too long for a connection). The pool replaces dead
    /// connections on their next use, so a retry a second later is served as soon as the
    /// database is back.
    pub fn unavailable() -> Self {
        let mut e = ApiError::of(Code::DatabaseUnavailable);
        e.retry_after_secs = Some(1);
        e
    }

    pub fn internal() -> Self {
        ApiError::of(Code::InternalError)
    }

    pub fn problem(&self, lang: Lang) -> Problem {
        debug_assert!(
            self.unfilled().is_empty(),
            "{}: parameters {:?} not filled",
            self.code,
            self.unfilled()
        );
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
        (428, false) => "Precondition required",
        (428, true) => "缺少前提条件",
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

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalogue_entry_is_filled_in_both_languages() {
        let e = ApiError::of(Code::HolidaysNotLoaded).param("years", "2027, 2028");
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.code, "holidays_not_loaded");
        assert!(
            e.detail_en
                .starts_with("No statutory holidays are loaded for 2027, 2028:")
        );
        assert!(
            e.detail_zh
                .starts_with("尚未载入 2027, 2028 年的法定节假日")
        );
        assert!(e.unfilled().is_empty());
        let p = serde_json::to_value(e.problem(Lang::Zh)).unwrap();
        assert_eq!(p["type"], "urn:dutydesk:problem:holidays_not_loaded");
        assert_eq!(p["status"], 422);
        assert_eq!(p["code"], "holidays_not_loaded");
        assert_eq!(p["detail"], e.detail_zh);
        assert!(p.get("errors").is_none());

        let e = ApiError::of(Code::LeaveOverlapsDuty).list("dates", ["2027-01-04", "2027-01-05"]);
        assert!(e.detail_en.contains("on 2027-01-04, 2027-01-05;"));
        assert!(e.detail_zh.contains("（2027-01-04、2027-01-05）"));

        let f = FieldError::of("limit", FieldCode::OutOfRange)
            .param("min", 1)
            .param("max", 200);
        assert_eq!(
            (f.code.as_str(), f.message.as_str()),
            ("out_of_range", "Must be between 1 and 200.")
        );
        let p = serde_json::to_value(ApiError::validation(vec![f]).problem(Lang::En)).unwrap();
        assert_eq!(p["errors"][0]["field"], "limit");
        assert_eq!(p["errors"][0]["message"], "Must be between 1 and 200.");
        assert!(p["errors"][0].get("message_zh").is_none() && p["errors"][0].get("kind").is_none());
    }

    #[test]
    fn a_text_composed_of_phrases_comes_from_the_catalogue() {
        let e = ApiError::of(Code::DraftStale).param("id", "r1").phrases(
            "changes",
            [
                Phrase::PreviousRosterChanged.text(),
                Phrase::WorkingDaysChanged
                    .text()
                    .param("dates", "2027-03-02"),
            ],
        );
        assert!(e.unfilled().is_empty());
        assert!(
            e.detail_en
                .starts_with("The draft is out of date: the roster before")
        );
        assert!(
            e.detail_en
                .contains("point; working days changed on 2027-03-02. Regenerate")
        );
        assert!(e.detail_en.contains("/api/v1/rosters/r1/regenerate"));
        assert!(
            e.detail_zh
                .contains("不同；工作日已变化：2027-03-02。请重新生成")
        );
    }

    #[test]
    fn a_missing_parameter_is_reported() {
        assert_eq!(
            ApiError::of(Code::MalformedJson)
                .param("line", 1)
                .unfilled(),
            ["column"]
        );
        let f = FieldError::of("x", FieldCode::OutOfRange).param("min", 1);
        assert_eq!(f.unfilled(), ["max"]);
        assert_eq!(ApiError::validation(vec![f]).unfilled(), ["max"]);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "not filled")]
    fn rendering_with_a_missing_parameter_fails_in_debug_builds() {
        ApiError::of(Code::TooManyRows).problem(Lang::En);
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
