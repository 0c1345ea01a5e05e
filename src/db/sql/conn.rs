//! Where a command's statements are sent through sqlx: the user's open transaction (or a command's
//! own transaction or savepoint), or the connection outside any. One type for both, so a command is
//! written once whichever it runs in.
//!
//! - A data command's statements ([`Conn::data`]) are sent as the Flask app would write them: on
//!   SQLite every date-time parameter becomes SQLAlchemy's text (`flask_sqlite::adapted`), and the
//!   statement is kept for `echo sql` and `explain`. The shell's own reads (the catalog, `context`'s
//!   counts, plans) go as they are, unrecorded.
//! - Reads on the connection survive a server session that ended between commands. The pool
//!   hands out its idle connection without a ping first (that ping was a third of a small query's
//!   round trips on PostgreSQL), so a session the server ended while the shell sat idle (restart,
//!   `pg_terminate_backend`, MariaDB's `wait_timeout`) is only found out by the next statement. A
//!   read is then sent once more, on a new connection: the statement changed nothing, so running
//!   it again is the same as running it once. Writes are never sent twice; they start with BEGIN
//!   (see `session::begin_anew`), which is what is retried for them.

use sea_orm::entity::prelude::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};

use crate::db::connection::error::lost_in_use;
use crate::db::sqlite::flask_sqlite::adapted;

/// Where statements go, and whether they are a data command's.
#[derive(Clone, Copy)]
pub struct Conn<'a> {
    on: On<'a>,
    /// A data command's: adapted to the Flask app's storage and kept for `echo sql`.
    data: bool,
}

#[derive(Clone, Copy)]
enum On<'a> {
    Transaction(&'a DatabaseTransaction),
    /// Outside a transaction: a read that met a session the server ended is sent once more.
    Connection(&'a DatabaseConnection),
}

impl<'a> Conn<'a> {
    /// In a transaction: the user's, or a command's own (or its savepoint).
    pub fn transaction(transaction: &'a DatabaseTransaction) -> Self {
        Conn {
            on: On::Transaction(transaction),
            data: false,
        }
    }

    /// On the connection, outside any transaction.
    pub fn connection(db: &'a DatabaseConnection) -> Self {
        Conn {
            on: On::Connection(db),
            data: false,
        }
    }

    /// The same, for a data command's statements.
    pub fn data(self) -> Self {
        Conn { data: true, ..self }
    }

    /// The statement as it is sent.
    fn sent(&self, statement: Statement) -> Statement {
        match self.data {
            true => adapted(statement),
            false => statement,
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Conn<'_> {
    fn get_database_backend(&self) -> DbBackend {
        match self.on {
            On::Transaction(t) => t.get_database_backend(),
            On::Connection(db) => db.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let stmt = self.sent(stmt);
        match self.on {
            On::Transaction(t) => t.execute_raw(stmt).await,
            On::Connection(db) => db.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self.on {
            On::Transaction(t) => t.execute_unprepared(sql).await,
            On::Connection(db) => db.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let stmt = self.sent(stmt);
        match self.on {
            On::Transaction(t) => t.query_one_raw(stmt).await,
            On::Connection(db) => match db.query_one_raw(stmt.clone()).await {
                Err(error) if lost_in_use(&error) => db.query_one_raw(stmt).await,
                done => done,
            },
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let stmt = self.sent(stmt);
        match self.on {
            On::Transaction(t) => t.query_all_raw(stmt).await,
            On::Connection(db) => match db.query_all_raw(stmt.clone()).await {
                Err(error) if lost_in_use(&error) => db.query_all_raw(stmt).await,
                done => done,
            },
        }
    }

    fn support_returning(&self) -> bool {
        match self.on {
            On::Transaction(t) => t.support_returning(),
            On::Connection(db) => db.support_returning(),
        }
    }
}
