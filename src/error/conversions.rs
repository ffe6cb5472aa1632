//! What other errors (database, pool, tasks, actix's JSON extractor) become.

use super::{ApiError, Code, parse};

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        if database_gone(&e) {
            tracing::error!(error = %e, "database connection lost");
            return ApiError::unavailable();
        }
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
            other => {
                tracing::error!(error = %other, "database error");
                ApiError::internal()
            }
        }
    }
}

/// What PostgreSQL says (as `message`) when it ends a session or refuses one for a while: a
/// restart or stop (SQLSTATE 57P01 admin shutdown, `pg_terminate_backend` too), another backend's
/// crash (57P02), start-up, shutdown or recovery (57P03), the postmaster's death, a conflict with
/// recovery on a standby, the idle timeouts. diesel files them all under
/// `DatabaseErrorKind::Unknown` and diesel-async's error keeps no SQLSTATE (only the message, the
/// detail and the hint), so they are recognised by their text: the server's own English, and its
/// Simplified Chinese translation (`lc_messages = 'zh_CN.UTF-8'`), from PostgreSQL 15's
/// `postgres-15.mo`. A server set to another language must use `lc_messages = 'C'` (the README
/// says so) or these errors stay 500.
const GONE_MESSAGES: [&str; 19] = [
    "terminating connection due to administrator command",
    "terminating connection because of crash of another server process",
    "terminating connection due to unexpected postmaster exit",
    "terminating connection due to conflict with recovery",
    "terminating connection due to idle-in-transaction timeout",
    "terminating connection due to idle-session timeout",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "the database system is not yet accepting connections",
    "the database system is not accepting connections",
    "由于管理员命令中断联接",
    "中断联接, 因为其它服务器进程崩溃",
    "由于意外的 postmaster 退出而终止连接",
    "由于与恢复操作相冲突而中断连接",
    "由于空载事务超时而终止连接",
    "数据库系统停止中",
    "数据库系统启动中",
    "数据库系统在恢复模式中",
];

/// Whether `e` says the database went away (or the connection to it broke), as opposed to a
/// fault of the query or the data: answered 503 `database_unavailable` with `Retry-After`, so
/// that clients retry (with the same `Idempotency-Key`, a write then happens at most once).
///
/// - the connection closed or a command could not be sent (diesel-async reports a dead socket
///   and a failed background task as `UnableToSendCommand`);
/// - PostgreSQL ended the session or refuses it for now ([`GONE_MESSAGES`]), also when the
///   message arrives with a class-08 (connection exception) text;
/// - the transaction manager is broken (the connection broke inside a transaction), or
///   `COMMIT`/`ROLLBACK` failed for one of these reasons: whether the commit landed is unknown,
///   which the retry with the same key settles (it replays or runs).
pub fn database_gone(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error};
    match e {
        Error::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _) => true,
        Error::DatabaseError(K::Unknown, info) => {
            let m = info.message();
            GONE_MESSAGES.iter().any(|g| m.starts_with(g))
                || m.starts_with("connection to server")
                || m.starts_with("server closed the connection")
        }
        Error::BrokenTransactionManager => true,
        Error::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => database_gone(commit_error) || database_gone(rollback_error),
        _ => false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind as K, Error};

    /// A database error as diesel-async builds one: a message and nothing else.
    struct Info(&'static str);
    impl DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn db(kind: K, message: &'static str) -> Error {
        Error::DatabaseError(kind, Box::new(Info(message)))
    }

    fn answer(e: Error) -> (&'static str, Option<u64>, u16) {
        let a = ApiError::from(e);
        (a.code, a.retry_after_secs, a.status.as_u16())
    }

    #[test]
    fn every_way_the_database_goes_away_is_503_with_retry_after() {
        let gone = [
            db(
                K::Unknown,
                "terminating connection due to administrator command",
            ),
            db(
                K::Unknown,
                "terminating connection because of crash of another server process",
            ),
            db(K::Unknown, "the database system is shutting down"),
            db(K::Unknown, "the database system is starting up"),
            db(K::Unknown, "the database system is in recovery mode"),
            db(
                K::Unknown,
                "terminating connection due to idle-in-transaction timeout",
            ),
            db(K::Unknown, "由于管理员命令中断联接"),
            db(K::Unknown, "数据库系统停止中"),
            db(K::Unknown, "数据库系统启动中"),
            db(K::ClosedConnection, "connection closed"),
            db(K::UnableToSendCommand, "connection closed"),
            db(
                K::UnableToSendCommand,
                "error communicating with the server",
            ),
            Error::BrokenTransactionManager,
            Error::RollbackErrorOnCommit {
                rollback_error: Box::new(db(K::UnableToSendCommand, "connection closed")),
                commit_error: Box::new(db(
                    K::Unknown,
                    "terminating connection due to administrator command",
                )),
            },
        ];
        for e in gone {
            let shown = format!("{e:?}");
            assert_eq!(answer(e), ("database_unavailable", Some(1), 503), "{shown}");
        }
    }

    #[test]
    fn faults_of_the_query_or_the_data_are_not_taken_for_a_lost_database() {
        assert_eq!(
            answer(db(K::Unknown, "deadlock detected")).0,
            "concurrent_update"
        );
        assert_eq!(
            answer(db(K::UniqueViolation, "duplicate key value")).0,
            "already_exists"
        );
        assert_eq!(
            answer(db(
                K::Unknown,
                "invalid byte sequence for encoding \"UTF8\": 0x00"
            ))
            .0,
            "malformed_request"
        );
        let (code, retry, status) = answer(db(K::Unknown, "syntax error at or near \"x\""));
        assert_eq!((code, retry, status), ("internal_error", None, 500));
        assert_eq!(answer(Error::NotFound).0, "not_found");
        let (code, _, status) = answer(Error::RollbackErrorOnCommit {
            rollback_error: Box::new(Error::NotInTransaction),
            commit_error: Box::new(db(K::SerializationFailure, "could not serialize access")),
        });
        assert_eq!((code, status), ("internal_error", 500));
    }
}
