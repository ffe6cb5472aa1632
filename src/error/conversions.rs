//! What other errors (database, pool, tasks, actix's JSON extractor) become.

use super::{ApiError, Code, parse};

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::not_found(),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::info!(constraint = ?info.constraint_name(), "unique violation");
                ApiError::of(Code::AlreadyExists)
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::of(Code::ConcurrentUpdate)
            }
            // Input the database cannot store or that breaks a rule validation missed: the
            // client's fault, never a 500.
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().starts_with("invalid byte sequence")
                    || info.message().contains("0x00") =>
            {
                ApiError::of(Code::MalformedText)
            }
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().starts_with("deadlock detected") =>
            {
                ApiError::of(Code::ConcurrentUpdate)
            }
            Error::DatabaseError(DatabaseErrorKind::CheckViolation, info) => {
                tracing::warn!(constraint = ?info.constraint_name(), "check violation");
                ApiError::of(Code::ValueNotAllowed)
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                tracing::warn!(constraint = ?info.constraint_name(), "foreign key violation");
                ApiError::of(Code::ReferenceMissing)
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

/// Maps actix's JSON body errors to problems (400 malformed/unknown field with field errors,
/// 413 too large, 415).
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    req: &actix_web::HttpRequest,
) -> ApiError {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => {
            ApiError::of(Code::PayloadTooLarge).param("limit", limit)
        }
        J::ContentType => {
            ApiError::of(Code::UnsupportedMediaType).param("accepted", "application/json")
        }
        J::Deserialize(e) => parse::body_error(&e, req),
        _ => ApiError::of(Code::MalformedRequest),
    }
}
