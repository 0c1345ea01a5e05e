//! The database's failures in the user's words: SeaORM's and sqlx's errors become the shell's
//! one-line [`Error`], without SeaORM's wrapping ("Execution Error: error returned from database:
//! ..."), and marked when they mean the connection is gone.

use sea_orm::{DbErr, RuntimeErr, sqlx};

use crate::error::Error;

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        let message = describe_db_err(&err);
        if is_connection_lost(&err) {
            Error::connection_lost(message)
        } else {
            Error::new(message)
        }
    }
}

/// Whether a connection in hand turned out to be gone (not: none could be had, which trying again
/// would only wait for a second time): what `sql::conn` sends a read again for.
pub fn lost_in_use(err: &DbErr) -> bool {
    !matches!(err, DbErr::ConnectionAcquire(_)) && is_connection_lost(err)
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

/// What went wrong in a database call, in the driver's own words.
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

/// The driver's failure, carried as SeaORM carries it (so a lost connection is marked alike).
impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(err))).into()
    }
}

/// Whether a command failed because another session held a lock for longer than it waited (on
/// every backend: SQLite's SQLITE_BUSY, PostgreSQL's and MySQL/MariaDB's lock timeouts).
pub fn is_locked(error: &Error) -> bool {
    error.message().starts_with(LOCKED)
}

/// The start of the message every lock wait that gave up becomes.
const LOCKED: &str = "database is locked";

/// SQLite's own message, as the shell tells it (sqlx's connection and the direct reader alike).
pub fn describe_sqlite_message(message: &str) -> String {
    // How long it waited, the session says (`Session::explain_lock`): not always the timeout.
    if message == "database is locked" {
        "database is locked: another program is writing to it".to_string()
    } else {
        message.to_string()
    }
}

pub fn describe_sqlx_err(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) if db.message() == "database is locked" => {
            describe_sqlite_message(db.message())
        }
        // PostgreSQL's lock_timeout, MySQL/MariaDB's lock wait timeouts (error 1205): another
        // session holds the rows or the table, and the shell stopped waiting.
        sqlx::Error::Database(db)
            if db.code().as_deref() == Some("55P03")
                || db.message().starts_with("Lock wait timeout exceeded") =>
        {
            "database is locked: another session holds a lock on what this command needs"
                .to_string()
        }
        // Another session's conflicting write came first: MySQL/MariaDB's deadlock victim (error
        // 1213, also a Galera cluster's certification conflict, reported as one) loses its whole
        // transaction; PostgreSQL's (40P01) and its serialization failures (40001) lose the
        // statement, which the shell's savepoint undoes.
        sqlx::Error::Database(db) if db.message().starts_with("Deadlock found") => {
            "deadlock: another session's conflicting write came first (on a Galera cluster, one \
             certified first on another node), and the server rolled back the whole transaction \
             this ran in"
                .to_string()
        }
        sqlx::Error::Database(db) if db.code().as_deref() == Some("40P01") => {
            "deadlock: another session's conflicting write came first, and the server rolled \
             this statement back"
                .to_string()
        }
        sqlx::Error::Database(db) if db.code().as_deref() == Some("40001") => {
            "serialization failure: another session's concurrent write came first, and the \
             server rolled this statement back"
                .to_string()
        }
        // A Galera node that lost its cluster meanwhile (error 1047).
        sqlx::Error::Database(db)
            if db.message().starts_with("WSREP has not yet prepared node") =>
        {
            "this Galera node is not synced with its cluster (WSREP has not yet prepared node for \
             application use): connect to a synced node"
                .to_string()
        }
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
    fn db_errors_lose_seaorms_prefix() {
        let e: Error = DbErr::Custom("table is locked".into()).into();
        assert_eq!(e.message(), "table is locked");
        assert!(!e.is_connection_lost());
    }
}
