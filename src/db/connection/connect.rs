//! Opening the database: one connection, checked as it opens (an SQLite file by a first read), and
//! any failure reported as one line that names the backend, the database (password masked) and the
//! reason. A URL that names several hosts (a cluster's nodes) is opened on the first that answers
//! and is synced, trying them in order from the one the target is on.

use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, sqlx};

use crate::db::connection::config::{Backend, DatabaseTarget};
use crate::db::connection::error::{describe_db_err, describe_sqlx_err};
use crate::db::sqlite::borrowed::HandleSlot;
use crate::error::{Error, Result};

/// How long to wait for a server that does not answer before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The same for each node of a URL that names several: another node may answer at once, and a
/// command after a node stopped waits this long before the next is tried (libpq's
/// `connect_timeout` applies per host too).
const NODE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a command waits for another writer's lock before giving up, unless `--lock-wait` says
/// otherwise: SQLite's busy timeout, PostgreSQL's `lock_timeout`, MySQL/MariaDB's lock wait timeouts.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The name the shell's sessions carry on PostgreSQL (`pg_stat_activity.application_name`).
pub const APPLICATION_NAME: &str = "microblog-shell";

/// How to open the database, beyond its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub missing: Missing,
    /// Every write refused by the database itself: a read-only SQLite connection, read-only
    /// transactions on PostgreSQL and MySQL/MariaDB.
    pub read_only: bool,
    /// The bound on waiting for another session's lock (whole seconds on MySQL/MariaDB, at least 1).
    pub lock_wait: Duration,
    /// Read an SQLite file at once, so that one that is not a database fails here (sqlx opens it
    /// lazily). Off for a caller whose first statement reads it anyway (the shell's migration
    /// check, see [`cannot_open`]): one statement fewer at start-up.
    pub probe: bool,
    /// Whether an SQLite file that is not there is created.
    pub create_file: CreateFile,
}

/// When a missing SQLite file is made: never behind the user's back (a mistyped path would
/// otherwise become an empty database, and SQLAlchemy's relative `sqlite:///` one at the root).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CreateFile {
    /// Only if the URL says `?mode=rwc`; otherwise a missing file is an error naming the ways to
    /// create it.
    #[default]
    IfTheUrlAsks,
    /// The embedded default's first run, `migrate up`, `--create-database`: the caller says so.
    Yes,
    /// A file the shell has already read: one deleted or moved while the shell runs is reported,
    /// not made again, empty.
    Never,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            missing: Missing::default(),
            read_only: false,
            lock_wait: LOCK_WAIT,
            probe: true,
            create_file: CreateFile::default(),
        }
    }
}

/// A failure to open the database, as `connect` words it.
pub fn cannot_open(target: &DatabaseTarget, reason: &str) -> Error {
    Error::new(format!(
        "cannot open {} database {}: {}",
        target.backend.name(),
        target.display(),
        target.scrub(reason)
    ))
}

/// What to do when the server is up but the database is not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// Say so, and name the flag that would create it.
    #[default]
    Fail,
    /// Create it (`--create-database`), as `upgrade` creates an SQLite file.
    Create,
}

pub async fn connect(target: &DatabaseTarget, settings: Settings) -> Result<DatabaseConnection> {
    Ok(open_node(target, settings).await?.db)
}

/// A connection on one node of the URL, and what was found on the others tried before it.
pub struct Opened {
    pub db: DatabaseConnection,
    /// On SQLite, the handle of the pool's connection (see `sqlite::borrowed`).
    pub handle: HandleSlot,
    /// The target, on the node that answered.
    pub target: DatabaseTarget,
    /// One line for each node passed over, with why (`HOST:PORT: connection refused`).
    pub passed_over: Vec<String>,
}

/// Opens the target's node, or, for a URL that names several hosts, the first from it on (in the
/// URL's order, wrapping round) that answers and is synced with its cluster.
pub async fn open_node(target: &DatabaseTarget, settings: Settings) -> Result<Opened> {
    let count = target.node_count();
    if count == 1 {
        let (db, handle) = connect_node(target, settings, CONNECT_TIMEOUT)
            .await
            .map_err(|reason| cannot_open(target, &reason))?;
        let target = target.clone();
        return Ok(Opened {
            db,
            handle,
            target,
            passed_over: Vec::new(),
        });
    }
    let mut passed_over = Vec::new();
    for node in (0..count).map(|i| (target.node() + i) % count) {
        let on_node = target.on_node(node);
        let name = target.node_name(node);
        let reason = match connect_node(&on_node, settings, NODE_TIMEOUT).await {
            Ok((db, handle)) => {
                match crate::db::connection::replica::role(&db, target.backend).await {
                    Ok(crate::db::connection::replica::Role::NotSynced { status }) => {
                        let _ = db.close().await;
                        format!("not synced with its cluster (wsrep_ready OFF, status {status})")
                    }
                    Ok(_) => {
                        return Ok(Opened {
                            db,
                            handle,
                            target: on_node,
                            passed_over,
                        });
                    }
                    Err(error) => error.to_string(),
                }
            }
            Err(reason) => reason,
        };
        passed_over.push(format!("{name}: {reason}"));
    }
    Err(cannot_open(
        target,
        &format!("no host answers ({})", passed_over.join("; ")),
    ))
}

/// One host's connection (on SQLite with its handle), or why there is none (said by the caller
/// with the whole URL).
async fn connect_node(
    target: &DatabaseTarget,
    settings: Settings,
    timeout: Duration,
) -> std::result::Result<(DatabaseConnection, HandleSlot), String> {
    let missing = settings.missing;
    let fail = |reason: String| target.scrub(&reason);
    match target.backend {
        Backend::Sqlite => {
            if let Some(path) = target.sqlite_path() {
                let problem = check_sqlite_path(&path).err().or_else(|| {
                    (!path.exists() && !creates_file(target, settings))
                        .then(|| missing_file(&path, settings))
                });
                if let Some(mut reason) = problem {
                    if let Some(hint) = target.absolute_form_hint() {
                        reason.push_str("; ");
                        reason.push_str(&hint);
                    }
                    return Err(fail(reason));
                }
            }
        }
        Backend::Postgres | Backend::MySql => match probe_server(target, timeout).await {
            Ok(()) => {}
            Err(Probe::UnknownDatabase(reason)) if missing == Missing::Create => {
                create_database(target)
                    .await
                    .map_err(|e| fail(format!("{reason}, and creating it failed: {e}")))?;
                eprintln!("Created database {}", target.display());
            }
            Err(Probe::UnknownDatabase(reason)) => {
                return Err(fail(format!(
                    "{reason} (add --create-database to create it)"
                )));
            }
            Err(Probe::Failed(reason)) => return Err(fail(reason)),
        },
    }

    let mut options = ConnectOptions::new(target.connect_url());
    options
        .sqlx_logging(false)
        // A shell is one user: a single connection keeps `begin`..`commit` on the same session.
        .max_connections(1)
        .connect_timeout(timeout)
        .acquire_timeout(timeout);
    // No ping before each command (sqlx's default): on SQLite it cost about a sixth of a small
    // query's time, on the servers one round trip of three. A server session that ended while
    // the shell sat idle is found by the next statement instead, and reads are then sent again
    // on a new connection (`sql::conn`).
    options.test_before_acquire(false);
    // With several hosts the session pings an idle connection itself (`Session::ready`), so
    // that a node that stopped is left at once instead of being dialled again until the timeout.
    if target.backend != Backend::Sqlite && target.node_count() == 1 {
        // After a pause (a person thinking, not a script running) a ping costs nothing anyone
        // notices and finds a session the server ended meanwhile (MariaDB's `wait_timeout`)
        // before a statement that is not sent twice (`sql` outside a transaction) meets it.
        options.test_before_acquire_if_idle_for(Duration::from_secs(1));
    }
    let read_only = settings.read_only;
    let create_file = creates_file(target, settings);
    let lock_wait = settings.lock_wait;
    options.map_sqlx_sqlite_opts(move |o| {
        // Rows cross from SQLite's worker thread through a channel: room for a whole listing page
        // lets the worker run ahead instead of handing over (and waking us) row by row.
        let o = o
            .busy_timeout(lock_wait)
            // `contains` and `starts with` ignore case beyond ASCII there (see `filter`).
            .with_regexp()
            .row_buffer_size(crate::db::sql::listing::PAGE_ROWS as usize);
        if read_only {
            o.read_only(true).create_if_missing(false)
        } else {
            o.create_if_missing(create_file)
        }
    });
    options.map_sqlx_postgres_opts(move |o| {
        let o = o.application_name(APPLICATION_NAME).options([(
            "lock_timeout",
            format!("{}ms", lock_wait.as_millis().max(1)),
        )]);
        if read_only {
            o.options([("default_transaction_read_only", "on")])
        } else {
            o
        }
    });
    // The handle of each SQLite connection the pool opens, for a script's rows (`sqlite::borrowed`).
    let handle = HandleSlot::default();
    let recorded = handle.clone();
    options.map_sqlx_sqlite_pool_opts(move |pool| {
        let recorded = recorded.clone();
        pool.after_connect(move |conn, _| {
            let recorded = recorded.clone();
            Box::pin(async move {
                recorded.record(conn.lock_handle().await?.as_raw_handle());
                Ok(())
            })
        })
    });
    // Every connection the pool opens (reconnects too) gets the bound on lock waits, and starts
    // read-only when asked. Both timeouts count whole seconds, from 1.
    let seconds = lock_wait.as_secs().max(1);
    options.map_sqlx_mysql_pool_opts(move |pool| {
        pool.after_connect(move |conn, _| {
            Box::pin(async move {
                use sqlx::Executor;
                let bound = format!(
                    "SET SESSION innodb_lock_wait_timeout = {seconds}, \
                     SESSION lock_wait_timeout = {seconds}"
                );
                conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(bound)))
                    .await?;
                if read_only {
                    conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
                }
                Ok(())
            })
        })
    });
    let db = Database::connect(options)
        .await
        .map_err(|e| fail(describe_db_err(&e)))?;

    // sqlx opens an SQLite file lazily: read its header now so a garbage file fails here.
    let probe = match target.backend {
        Backend::Sqlite if !settings.probe => None,
        Backend::Sqlite => Some("SELECT count(*) FROM sqlite_master"),
        Backend::Postgres | Backend::MySql => Some("SELECT 1"),
    };
    if let Some(probe) = probe {
        db.execute_unprepared(probe)
            .await
            .map_err(|e| fail(describe_db_err(&e)))?;
    }
    debug_assert_eq!(db.get_database_backend(), dialect(target.backend));
    Ok((db, handle))
}

/// SeaORM's name for a backend's SQL dialect.
pub fn dialect(backend: Backend) -> DbBackend {
    match backend {
        Backend::Sqlite => DbBackend::Sqlite,
        Backend::Postgres => DbBackend::Postgres,
        Backend::MySql => DbBackend::MySql,
    }
}

enum Probe {
    UnknownDatabase(String),
    Failed(String),
}

fn sqlx_reason(error: sqlx::Error) -> String {
    describe_sqlx_err(&error)
}

/// One direct connection before the pool is built: sqlx's pool retries a refused connection until its
/// timeout and then only says "timed out", where the user needs "connection refused" at once.
async fn probe_server(
    target: &DatabaseTarget,
    timeout: Duration,
) -> std::result::Result<(), Probe> {
    use sea_orm::sqlx::{Connection, mysql::MySqlConnection, postgres::PgConnection};
    let url = target.connect_url();
    let attempt = async {
        match target.backend {
            Backend::Postgres => PgConnection::connect(url).await?.close().await,
            _ => MySqlConnection::connect(url).await?.close().await,
        }
    };
    let error = match tokio::time::timeout(timeout, attempt).await {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(e)) => e,
        Err(_) => {
            return Err(Probe::Failed(format!(
                "no answer within {} seconds",
                timeout.as_secs()
            )));
        }
    };
    // PostgreSQL's invalid_catalog_name (3D000), MySQL's ER_BAD_DB_ERROR (1049, SQLSTATE 42000).
    let unknown_database = match &error {
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("3D000") => true,
            Some("42000") => db.message().starts_with("Unknown database"),
            _ => false,
        },
        _ => false,
    };
    let reason = sqlx_reason(error);
    Err(if unknown_database {
        Probe::UnknownDatabase(reason)
    } else {
        Probe::Failed(reason)
    })
}

/// `CREATE DATABASE`, issued from a database that every user may open on the same server.
async fn create_database(target: &DatabaseTarget) -> std::result::Result<(), String> {
    use sea_orm::sqlx::{
        ConnectOptions as _, mysql::MySqlConnectOptions, postgres::PgConnectOptions,
    };
    use std::str::FromStr;
    let url = target.connect_url();
    match target.backend {
        Backend::Postgres => {
            let options = PgConnectOptions::from_str(url).map_err(sqlx_reason)?;
            let name = options
                .get_database()
                .unwrap_or_default()
                .replace('"', "\"\"");
            let sql = format!("CREATE DATABASE \"{name}\"");
            execute_once(options.database("postgres").connect(), sql).await
        }
        _ => {
            let options = MySqlConnectOptions::from_str(url).map_err(sqlx_reason)?;
            let name = options
                .get_database()
                .unwrap_or_default()
                .replace('`', "``");
            let sql = format!("CREATE DATABASE `{name}`");
            execute_once(options.database("information_schema").connect(), sql).await
        }
    }
}

/// One statement on a connection of its own, closed afterwards; errors name the statement.
async fn execute_once<C>(
    connect: impl std::future::Future<Output = std::result::Result<C, sqlx::Error>>,
    sql: String,
) -> std::result::Result<(), String>
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
{
    use sea_orm::sqlx::Executor as _;
    let mut admin = connect.await.map_err(sqlx_reason)?;
    // The name in it is quoted; sqlx asks for the assertion on SQL built at run time.
    let statement = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()));
    let result = admin
        .execute(statement)
        .await
        .map(drop)
        .map_err(sqlx_reason);
    let _ = admin.close().await;
    result.map_err(|e| format!("{sql}: {e}"))
}

/// Whether `connect` may make the SQLite file if it is missing.
fn creates_file(target: &DatabaseTarget, settings: Settings) -> bool {
    !settings.read_only
        && match settings.create_file {
            CreateFile::Yes => true,
            CreateFile::IfTheUrlAsks => target.asks_to_create(),
            CreateFile::Never => false,
        }
}

/// A missing SQLite file, said with where it was looked for and the ways to create it.
fn missing_file(path: &std::path::Path, settings: Settings) -> String {
    let mut reason = format!("there is no file {}", path.display());
    if path.is_relative()
        && let Ok(here) = std::env::current_dir()
    {
        reason.push_str(&format!(" in {}", here.display()));
    }
    if settings.read_only {
        reason.push_str(", and --read-only does not create it");
    } else if settings.create_file == CreateFile::IfTheUrlAsks {
        reason.push_str(
            " (`shell migrate up` creates it with the microblog's tables; --create-database or \
             ?mode=rwc in the URL creates it empty)",
        );
    }
    reason
}

/// Where a new SQLite file is, said when one is created: absolute, whatever the URL said.
pub fn created_file(target: &DatabaseTarget) -> Option<String> {
    let path = target.sqlite_path()?;
    let path = std::path::absolute(&path).unwrap_or(path);
    Some(format!("Created the SQLite database {}", path.display()))
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
