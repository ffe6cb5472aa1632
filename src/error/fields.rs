//! The field errors a request that cannot be read becomes: one per kind of failure (texts in the
//! catalogue), named with the API's field names.

use super::{FieldCode, FieldError};

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

    fn field_code(self) -> FieldCode {
        match self {
            Expected::Object => FieldCode::ExpectedObject,
            Expected::Array => FieldCode::ExpectedArray,
            Expected::Text => FieldCode::ExpectedText,
            Expected::Integer => FieldCode::ExpectedInteger,
            Expected::Number => FieldCode::ExpectedNumber,
            Expected::Boolean => FieldCode::ExpectedBoolean,
            Expected::Uuid => FieldCode::ExpectedUuid,
            Expected::Choice => FieldCode::ExpectedChoice,
            Expected::Date => FieldCode::ExpectedDate,
            Expected::DateTime => FieldCode::ExpectedDateTime,
            Expected::Time => FieldCode::ExpectedTime,
            Expected::Other => FieldCode::ExpectedOther,
        }
    }
}

pub(super) fn required(field: &str) -> FieldError {
    FieldError::of(field, FieldCode::Required)
}

pub(super) fn invalid_choice(field: &str, allowed: &[String]) -> FieldError {
    FieldError::of(field, FieldCode::InvalidChoice).param("allowed", allowed.join(", "))
}

pub(super) fn invalid_date(field: &str) -> FieldError {
    FieldError::of(field, FieldCode::InvalidDate)
}

pub(super) fn invalid_datetime(field: &str) -> FieldError {
    FieldError::of(field, FieldCode::InvalidDatetime)
}

pub(super) fn invalid_time(field: &str) -> FieldError {
    FieldError::of(field, FieldCode::InvalidTime)
}

pub(super) fn invalid_type(field: &str, expected: Expected) -> FieldError {
    FieldError::of(field, expected.field_code())
}
