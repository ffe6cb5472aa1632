//! The field errors a request that cannot be read becomes: one per kind of failure, in English
//! and Chinese, named with the API's field names.

use super::FieldError;

/// What a field expected, in the API's words.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expected {
    Object,
    Array,
    Text,
    Integer,
    Number,
    Boolean,
    Uuid,
    Choice,
    Date,
    DateTime,
    Time,
    Other,
}

impl Expected {
    pub(super) fn from_serde(x: &str) -> Expected {
        let x = x.to_ascii_lowercase();
        if x.contains("date and time") || x.contains("datetime") {
            Expected::DateTime
        } else if x.contains("date") {
            Expected::Date
        } else if x.contains("time") {
            Expected::Time
        } else if x.contains("uuid") {
            Expected::Uuid
        } else if x.starts_with("struct") || x.starts_with("a map") || x.contains("object") {
            Expected::Object
        } else if x.contains("sequence") || x.contains("tuple") || x.contains("vec") {
            Expected::Array
        } else if x.starts_with("enum") || x.contains("variant") {
            Expected::Choice
        } else if x.contains("bool") {
            Expected::Boolean
        } else if x.contains("string") || x.contains("char") {
            Expected::Text
        } else if x.starts_with('u') || x.starts_with('i') || x.contains("integer") {
            Expected::Integer
        } else if x.starts_with('f') || x.contains("number") {
            Expected::Number
        } else {
            Expected::Other
        }
    }

    fn words(self) -> (&'static str, &'static str) {
        match self {
            Expected::Object => ("an object", "对象"),
            Expected::Array => ("an array", "数组"),
            Expected::Text => ("a string", "字符串"),
            Expected::Integer => ("an integer", "整数"),
            Expected::Number => ("a number", "数字"),
            Expected::Boolean => ("true or false", "true 或 false"),
            Expected::Uuid => ("a UUID", "UUID"),
            Expected::Choice => ("one of the allowed values", "允许的取值之一"),
            Expected::Date => ("a date YYYY-MM-DD", "YYYY-MM-DD 格式的日期"),
            Expected::DateTime => (
                "an RFC 3339 date-time with offset",
                "带时区偏移的 RFC 3339 日期时间",
            ),
            Expected::Time => ("a time HH:MM:SS", "HH:MM:SS 格式的时间"),
            Expected::Other => ("a value of another type", "其他类型的值"),
        }
    }
}

pub(super) fn required(field: &str) -> FieldError {
    FieldError::new(
        field,
        "required",
        "This field is required.",
        "此字段为必填项。",
    )
}

pub(super) fn invalid_choice(field: &str, allowed: &[String]) -> FieldError {
    let list = allowed.join(", ");
    FieldError::new(
        field,
        "invalid_choice",
        format!("Use one of: {list}."),
        format!("请使用以下值之一：{list}。"),
    )
}

pub(super) fn invalid_date(field: &str) -> FieldError {
    FieldError::new(
        field,
        "invalid_date",
        "Expected a valid date in the format YYYY-MM-DD.",
        "应为 YYYY-MM-DD 格式的有效日期。",
    )
}

pub(super) fn invalid_datetime(field: &str) -> FieldError {
    FieldError::new(
        field,
        "invalid_datetime",
        "Expected an RFC 3339 date-time with offset, e.g. 2026-01-05T09:00:00+08:00.",
        "应为带时区偏移的 RFC 3339 日期时间，例如 2026-01-05T09:00:00+08:00。",
    )
}

pub(super) fn invalid_time(field: &str) -> FieldError {
    FieldError::new(
        field,
        "invalid_time",
        "Expected a time in the format HH:MM:SS.",
        "应为 HH:MM:SS 格式的时间。",
    )
}

pub(super) fn invalid_type(field: &str, expected: Expected) -> FieldError {
    let (en, zh) = expected.words();
    FieldError::new(
        field,
        "invalid_type",
        format!("Expected {en}."),
        format!("应为{zh}。"),
    )
}
