//! Reads outside a transaction survive a server session that ended between commands. The pool
//! hands out its idle connection without a ping first (that ping was a third of a small query's
//! round trips on PostgreSQL), so a session the server ended while the shell sat idle (restart,
//! `pg_terminate_backend`, MariaDB's `wait_timeout`) is only found out by the next statement. A
//! read is then sent once more, on a new connection: the statement changed nothing, so running it
//! again is the same as running it once. Writes are never sent twice; they start with BEGIN (see
//! `session::begin_anew`), which is what is retried for them.

use sea_orm::entity::prelude::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

use crate::db::connection::error::lost_in_use;

/// The session's connection outside a transaction, with its reads retried once on a lost session.
pub struct Reconnecting<'a>(pub &'a DatabaseConnection);

#[async_trait::async_trait]
impl ConnectionTrait for Reconnecting<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.0.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.0.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.0.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self.0.query_one_raw(stmt.clone()).await {
            Err(error) if lost_in_use(&error) => self.0.query_one_raw(stmt).await,
            done => done,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self.0.query_all_raw(stmt.clone()).await {
            Err(error) if lost_in_use(&error) => self.0.query_all_raw(stmt).await,
            done => done,
        }
    }

    fn support_returning(&self) -> bool {
        self.0.support_returning()
    }
}
