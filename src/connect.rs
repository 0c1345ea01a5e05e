//! Opening the database: one connection, checked before use, and any failure reported as one line that
//! names the backend, the database (password masked) and the reason.

use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use crate::config::{Backend, DatabaseTarget};
use crate::error::{Error, Result, describe_db_err};

/// How long to wait for a server that does not answer before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn connect(target: &DatabaseTarget) -> Result<DatabaseConnection> {
    let fail = |reason: String| {
        Error::new(format!(
            "cannot open {} database {}: {}",
            target.backend.name(),
            target.display(),
            target.scrub(&reason)
        ))
    };
    match target.backend {
        Backend::Sqlite => {
            if let Some(path) = target.sqlite_path() {
                check_sqlite_path(&path).map_err(fail)?;
            }
        }
        Backend::Postgres | Backend::MySql => probe_server(target).await.map_err(fail)?,
    }

    let mut options = ConnectOptions::new(target.connect_url());
    options
        .sqlx_logging(false)
        // A shell is one user: a single connection keeps `begin`..`commit` on the same session.
        .max_connections(1)
        .connect_timeout(CONNECT_TIMEOUT)
        .acquire_timeout(CONNECT_TIMEOUT);
    let db = Database::connect(options)
        .await
        .map_err(|e| fail(describe_db_err(&e)))?;

    // sqlx opens an SQLite file lazily: read its header now so a garbage file fails here.
    let probe = match target.backend {
        Backend::Sqlite => "SELECT count(*) FROM sqlite_master",
        Backend::Postgres | Backend::MySql => "SELECT 1",
    };
    db.execute_unprepared(probe)
        .await
        .map_err(|e| fail(describe_db_err(&e)))?;
    debug_assert_eq!(
        db.get_database_backend(),
        match target.backend {
            Backend::Sqlite => DbBackend::Sqlite,
            Backend::Postgres => DbBackend::Postgres,
            Backend::MySql => DbBackend::MySql,
        }
    );
    Ok(db)
}

/// One direct connection before the pool is built: sqlx's pool retries a refused connection until its
/// timeout and then only says "timed out", where the user needs "connection refused" at once.
async fn probe_server(target: &DatabaseTarget) -> std::result::Result<(), String> {
    use sea_orm::sqlx::{Connection, mysql::MySqlConnection, postgres::PgConnection};
    let url = target.connect_url();
    let attempt = async {
        match target.backend {
            Backend::Postgres => PgConnection::connect(url).await?.close().await,
            _ => MySqlConnection::connect(url).await?.close().await,
        }
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(describe_db_err(&sea_orm::DbErr::Conn(
            sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(e)),
        ))),
        Err(_) => Err(format!(
            "no answer within {} seconds",
            CONNECT_TIMEOUT.as_secs()
        )),
    }
}

/// The reasons SQLite would only call "unable to open database file", said plainly.
fn check_sqlite_path(path: &std::path::Path) -> std::result::Result<(), String> {
    if path.is_dir() {
        return Err(format!(
            "'{}' is a directory, not a database file",
            path.display()
        ));
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            Err(format!("directory '{}' does not exist", dir.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_directory_or_a_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_sqlite_path(&dir.path().join("nope/app.db")).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        let err = check_sqlite_path(dir.path()).unwrap_err();
        assert!(err.contains("is a directory"), "{err}");
        assert!(check_sqlite_path(&dir.path().join("app.db")).is_ok());
        assert!(check_sqlite_path(std::path::Path::new("app.db")).is_ok());
    }
}
