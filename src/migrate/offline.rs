//! The SQL that migrations run, written out instead of run (`migrate up --sql`, `down --sql`,
//! `show`), as Alembic's offline mode writes it for `flask db upgrade --sql`: each migration's
//! `up` or `down` runs against SeaORM's mock connection, which executes nothing and keeps every
//! statement, in the dialect of the backend asked for. A DBA can read the script or feed it to
//! `sqlite3`, `psql` or `mariadb`; it keeps the bookkeeping table as `shell migrate` would.

use migration::MigrationTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{DbBackend, MockDatabase, MockExecResult, Schema};
use sea_orm_migration::{SchemaManager, seaql_migrations};

use crate::error::{Error, Result};

/// Which way a migration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    /// `up` or `down`, as the migration's methods are named.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// The most statements one migration may run; the mock connection needs an answer for each.
const MOST_STATEMENTS: usize = 10_000;

const BOOKKEEPING_TABLE: &str = "seaql_migrations";

/// The statements of one migration's `up` or `down`, each ending in `;`, nothing run.
pub async fn statements(
    backend: DbBackend,
    migration: &dyn MigrationTrait,
    direction: Direction,
) -> Result<Vec<String>> {
    let recorder = MockDatabase::new(backend)
        .append_exec_results((0..MOST_STATEMENTS).map(|_| MockExecResult {
            last_insert_id: 0,
            rows_affected: 0,
        }))
        .into_connection();
    let manager = SchemaManager::new(&recorder);
    let ran = match direction {
        Direction::Up => migration.up(&manager).await,
        Direction::Down => migration.down(&manager).await,
    };
    ran.map_err(|e| {
        Error::new(format!(
            "cannot write out the SQL of {} (it must only run statements, not read the database): {}",
            migration.name(),
            Error::from(e)
        ))
    })?;
    Ok(recorder
        .into_transaction_log()
        .iter()
        .flat_map(|t| t.statements().iter().map(|s| format!("{s};")))
        .collect())
}

/// A whole script: the bookkeeping table when it may be missing, then per migration a comment
/// naming it, its statements and its bookkeeping row, all in one transaction where the backend's
/// DDL is transactional (SQLite, PostgreSQL; MySQL/MariaDB commit each DDL statement at once).
pub async fn script(
    backend: DbBackend,
    steps: &[(&dyn MigrationTrait, Direction)],
    install: bool,
) -> Result<Vec<String>> {
    let transactional = backend != DbBackend::MySql;
    let mut lines = Vec::new();
    if steps.is_empty() {
        lines.push("-- Nothing to run: no migration in that range".to_string());
        return Ok(lines);
    }
    if transactional {
        lines.push("BEGIN;".to_string());
    } else {
        lines.push(
            "-- MySQL/MariaDB commit each schema statement at once: no transaction around them"
                .to_string(),
        );
    }
    if install {
        lines.push(String::new());
        lines.push(format!(
            "-- {BOOKKEEPING_TABLE}: the migrations applied, as `shell migrate` records them"
        ));
        lines.push(install_statement(backend));
    }
    for (migration, direction) in steps {
        let name = migration.name();
        lines.push(String::new());
        let verb = match direction {
            Direction::Up => "apply",
            Direction::Down => "revert",
        };
        lines.push(format!(
            "-- {verb} {name} ({})",
            migration::message_of(name)
        ));
        lines.extend(statements(backend, *migration, *direction).await?);
        lines.push(bookkeeping(backend, name, *direction)?);
    }
    if transactional {
        lines.push(String::new());
        lines.push("COMMIT;".to_string());
    }
    Ok(lines)
}

/// `CREATE TABLE IF NOT EXISTS seaql_migrations ...`, as sea-orm-migration creates it.
fn install_statement(backend: DbBackend) -> String {
    let mut create = Schema::new(backend).create_table_from_entity(seaql_migrations::Entity);
    create.if_not_exists();
    format!("{};", backend.build(&create))
}

/// The row that records a migration as applied (stamped with the time the script runs), or
/// its removal.
fn bookkeeping(backend: DbBackend, name: &str, direction: Direction) -> Result<String> {
    let table = Alias::new(BOOKKEEPING_TABLE);
    let statement = match direction {
        Direction::Up => {
            let now = match backend {
                DbBackend::Sqlite => "CAST(strftime('%s', 'now') AS INTEGER)",
                DbBackend::Postgres => "CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)",
                DbBackend::MySql => "UNIX_TIMESTAMP()",
                other => return Err(Error::new(format!("no SQL for {other:?} here"))),
            };
            backend.build(
                &Query::insert()
                    .into_table(table)
                    .columns([Alias::new("version"), Alias::new("applied_at")])
                    .values_panic([Expr::val(name), Expr::cust(now)])
                    .to_owned(),
            )
        }
        Direction::Down => backend.build(
            &Query::delete()
                .from_table(table)
                .and_where(Expr::col(Alias::new("version")).eq(name))
                .to_owned(),
        ),
    };
    Ok(format!("{statement};"))
}
