//! Listings on PostgreSQL and MySQL/MariaDB outside a transaction: one statement whose rows are
//! read as the server sends them (sqlx decodes a result off the socket row by row), where keyset
//! pages were a new statement every few thousand rows, each planned and started again while the
//! shell waited, and the shell then decoded while the server waited. Memory stays that of a page:
//! the listing turns rows into cells as they arrive and hands them on a page at a time.
//!
//! A listing left before its end (Ctrl-C, a pager or pipe closed) closes its connection rather
//! than reading the rest of the result off it: the pool opens a new one for the next command.

use chrono::NaiveDateTime;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sea_orm::sqlx::mysql::MySqlRow;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{self, Executor, Row};
use sea_orm::{DatabaseConnection, Statement, Values};
use sea_query_sqlx::SqlxValues;

use crate::command::vocabulary::ColumnKind;
use crate::db::connection::config::Backend;
use crate::db::sql::row::{RowRead, at_its_width, server_cell};
use crate::error::{Error, Result};
use crate::render::Cell;

/// A row as the server's driver gave it.
pub enum ServerRow {
    Postgres(PgRow),
    MySql(MySqlRow),
}

/// The rows of one listing statement, opened on first use.
pub struct ServerStream<'a> {
    db: &'a DatabaseConnection,
    server: Server,
    rows: Option<BoxStream<'a, Result<ServerRow>>>,
    /// The statement, until its first row: sent once more if the connection turns out to be gone
    /// before any row came (see `sql::conn`).
    unanswered: Option<Statement>,
}

enum Server {
    Postgres,
    MySql,
}

impl<'a> ServerStream<'a> {
    /// `None` on SQLite, which has its own way (`sqlite_direct`).
    pub fn on(db: &'a DatabaseConnection, backend: Backend) -> Option<Self> {
        let server = match backend {
            Backend::Postgres => Server::Postgres,
            Backend::MySql => Server::MySql,
            Backend::Sqlite => return None,
        };
        Some(ServerStream {
            db,
            server,
            rows: None,
            unanswered: None,
        })
    }

    /// The next row of the statement `statement` builds (built only when nothing is open).
    pub async fn next(
        &mut self,
        statement: impl FnOnce() -> Statement,
    ) -> Option<Result<ServerRow>> {
        if self.rows.is_none() {
            let statement = statement();
            self.unanswered = Some(statement.clone());
            self.rows = Some(self.open(statement));
        }
        let row = self.rows.as_mut()?.next().await;
        match (row, self.unanswered.take()) {
            (Some(Err(error)), Some(statement)) if error.is_connection_lost() => {
                let rows = self.rows.insert(self.open(statement));
                rows.next().await
            }
            (row, _) => row,
        }
    }

    fn open(&self, statement: Statement) -> BoxStream<'a, Result<ServerRow>> {
        let db = self.db;
        match self.server {
            Server::Postgres => read(
                db.get_postgres_connection_pool(),
                statement,
                ServerRow::Postgres,
            ),
            Server::MySql => read(db.get_mysql_connection_pool(), statement, ServerRow::MySql),
        }
    }

    /// The statement changed (the author found by another spelling): the next row starts it anew.
    pub fn restart(&mut self) {
        self.rows = None;
    }
}

/// A pooled connection that is closed, not given back, unless its result was read to the end.
struct CloseUnlessDone<DB: sqlx::Database> {
    connection: PoolConnection<DB>,
    done: bool,
}

impl<DB: sqlx::Database> Drop for CloseUnlessDone<DB> {
    fn drop(&mut self) {
        if !self.done {
            self.connection.close_on_drop();
        }
    }
}

fn read<'a, DB>(
    pool: &'a sqlx::Pool<DB>,
    statement: Statement,
    wrap: fn(DB::Row) -> ServerRow,
) -> BoxStream<'a, Result<ServerRow>>
where
    DB: sqlx::Database,
    SqlxValues: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let statement = crate::db::sqlite::flask_sqlite::adapted(statement);
    Box::pin(async_stream::try_stream! {
        let mut held = CloseUnlessDone {
            connection: pool.acquire().await.map_err(Error::from)?,
            done: false,
        };
        {
            let values = SqlxValues(statement.values.unwrap_or(Values(Vec::new())));
            let query = sqlx::query_with(sqlx::AssertSqlSafe(statement.sql), values);
            let mut rows = held.connection.fetch(query);
            while let Some(row) = rows.next().await {
                yield wrap(row.map_err(Error::from)?);
            }
        }
        held.done = true;
    })
}

impl RowRead for ServerRow {
    fn integer(&self, column: &str) -> Result<i64> {
        match self {
            ServerRow::Postgres(row) => at_its_width(row, column),
            ServerRow::MySql(row) => at_its_width(row, column),
        }
    }

    fn text(&self, column: &str) -> Result<Option<String>> {
        match self {
            ServerRow::Postgres(row) => row.try_get(column),
            ServerRow::MySql(row) => row.try_get(column),
        }
        .map_err(Error::from)
    }

    fn timestamp(&self, column: &str) -> Result<NaiveDateTime> {
        match self {
            ServerRow::Postgres(row) => row.try_get(column),
            ServerRow::MySql(row) => row.try_get(column),
        }
        .map_err(Error::from)
    }

    fn cell(&self, column: &str, kind: &ColumnKind) -> Result<Cell> {
        match self {
            ServerRow::Postgres(row) => server_cell!(row, column, kind),
            ServerRow::MySql(row) => server_cell!(row, column, kind),
        }
    }
}
