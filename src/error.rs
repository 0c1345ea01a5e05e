//! The shell's error type. Its `Display` is exactly the one line a user sees after `error: `, so every
//! failure (configuration, connection, database, input) ends as a readable sentence, never a dump.

use std::fmt;

use sea_orm::{DbErr, RuntimeErr, sqlx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    /// The connection to the server went away (killed, server restarted, network): what was in an
    /// open transaction is gone, and the next command reconnects.
    connection_lost: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        // One line, whatever the driver said: multi-line messages are joined.
        let message: String = message.into();
        let message = message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        Error {
            message,
            connection_lost: false,
        }
    }

    pub fn is_connection_lost(&self) -> bool {
        self.connection_lost
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        Error {
            connection_lost: is_connection_lost(&err),
            ..Error::new(describe_db_err(&err))
        }
    }
}

/// Whether a failure means the session with the server is gone, rather than a statement failing.
fn is_connection_lost(err: &DbErr) -> bool {
    let sqlx_err = match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::ConnectionAcquire(_) => return true,
        _ => return false,
    };
    match sqlx_err.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // PostgreSQL: connection exceptions (08...) and operator intervention (57P...);
            // MySQL/MariaDB: ER_CONNECTION_KILLED (SQLSTATE 70100).
            code.starts_with("08") || code.starts_with("57P") || code == "70100"
        }
        _ => false,
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::new(err.to_string())
    }
}

/// A value typed by the user, quoted for an error message: escaped like a Rust string and cut short,
/// so a 1 MB line cannot make a 1 MB error.
pub fn quoted(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head:?}...")
    }
}

/// What went wrong in a database call, in the driver's own words but without SeaORM's wrapping
/// ("Execution Error: error returned from database: ...").
pub fn describe_db_err(err: &DbErr) -> String {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => describe_sqlx_err(e),
        DbErr::Conn(RuntimeErr::Internal(s))
        | DbErr::Exec(RuntimeErr::Internal(s))
        | DbErr::Query(RuntimeErr::Internal(s)) => s.clone(),
        DbErr::ConnectionAcquire(e) => format!("could not get a connection: {e}"),
        DbErr::Migration(s) | DbErr::Custom(s) => s.clone(),
        other => other.to_string(),
    }
}

fn describe_sqlx_err(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) if db.message() == "database is locked" => format!(
            "database is locked: another program is writing to it (waited {} seconds); \
             nothing was written, try again when it is done",
            crate::connect::LOCK_WAIT.as_secs()
        ),
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Tls(tls) => format!("TLS: {tls}"),
        sqlx::Error::Configuration(c) => format!("invalid connection settings: {c}"),
        sqlx::Error::PoolTimedOut => "timed out waiting for the database".to_string(),
        sqlx::Error::PoolClosed => "the connection is closed".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_line_message_becomes_one_line() {
        let e = Error::new("first\n\n  second  \nthird");
        assert_eq!(e.to_string(), "first; second; third");
    }

    #[test]
    fn quoted_values_are_escaped_and_cut_short() {
        assert_eq!(quoted("john"), "\"john\"");
        assert_eq!(quoted("a\"b\nc"), "\"a\\\"b\\nc\"");
        let long = "x".repeat(1_000_000);
        assert_eq!(quoted(&long), format!("{:?}...", "x".repeat(40)));
    }

    #[test]
    fn db_errors_lose_seaorms_prefix() {
        let e: Error = DbErr::Custom("table is locked".into()).into();
        assert_eq!(e.message(), "table is locked");
    }
}
