//! On SQLite in a transaction, the very connection sqlx holds for it, borrowed by its handle so
//! that statements run on a thread of ours: reads (`route`), `add user` (`queued`), and the rows
//! of a script's queued posts and of an import, a prepared single-row INSERT each (here, run on
//! the session's inserting thread: `inserter`).
//!
//! Why: sqlx runs an SQLite connection on a worker thread, and each statement is a hand-off there
//! and back (about 15 µs: more than SQLite takes to insert a row). A batch of rows as one
//! multi-row INSERT saves the hand-offs, but SQLite runs such a statement at two thirds of its
//! single-row rate, and in a savepoint it copies every page it first changes into the statement
//! journal (129,000 of the bulk benchmark's 189,000 file writes). SQLite's own floor (the
//! benchmark's `examples/sqlite_floor.rs`) is one prepared single-row INSERT per row: that is what
//! runs here, a batch at a time, with no hand-off at all. A single-row INSERT is atomic by itself,
//! so a line needs no savepoint of its own, and a line that fails leaves nothing behind. Reads
//! likewise: the read-only reader's code (`sqlite_direct`), on the transaction's connection.
//!
//! The transaction, its lock (taken at BEGIN IMMEDIATE, with the busy timeout), the foreign keys
//! and every other setting are the connection's: nothing here begins, commits or configures
//! anything. The pool records its connection's handle when it opens one ([`HandleSlot`], filled
//! by `connection::connect`); with one connection at most (`max_connections(1)`), the one an open
//! transaction holds is the last one opened.

use std::cell::OnceCell;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use sea_orm::sea_query::{Expr, InsertStatement};
use sea_orm::{DbBackend, Statement};

use crate::db::commands::bulk::PendingPost;
use crate::db::sqlite::flask_sqlite::{adapted, to_flask_text};
use crate::db::sqlite::sqlite_direct::{Reader, bound, failure};
use crate::error::{Error, Result};
use crate::render::timestamp::write_sqlalchemy_text;

/// The raw handle of the SQLite connection sqlx's pool opened last; empty on the servers.
#[derive(Clone, Default)]
pub struct HandleSlot(Arc<Mutex<Option<Handle>>>);

#[derive(Clone, Copy)]
pub(super) struct Handle(NonNull<rusqlite::ffi::sqlite3>);

// SAFETY: a handle is only an address here; it is used (`HandleSlot::borrow`) on one thread at a
// time, while no statement of sqlx's is running on it.
unsafe impl Send for Handle {}

impl HandleSlot {
    /// Called by the pool for each connection it opens.
    pub fn record(&self, handle: NonNull<rusqlite::ffi::sqlite3>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(Handle(handle));
    }

    /// The connection, to run statements on this thread.
    ///
    /// # Safety
    /// Only while the session's open transaction holds the pool's connection (so it is the one
    /// recorded, and alive), used only between sqlx's statements (never during one), and
    /// dropped before the transaction ends (dropping it finalizes its statements, which sqlx's
    /// close requires).
    pub unsafe fn borrow(&self) -> Option<Borrowed> {
        let handle = (*self.0.lock().unwrap_or_else(|p| p.into_inner()))?;
        // SAFETY: as the caller promises; `from_handle` never closes the connection.
        let connection = unsafe { Connection::from_handle(handle.0.as_ptr()) }.ok()?;
        Some(Borrowed {
            reader: Reader::over(connection),
            handle,
        })
    }
}

/// Where a transaction's borrowed connection is kept, and how it is borrowed when first wanted.
#[derive(Clone, Copy)]
pub struct Lender<'a> {
    kept: &'a OnceCell<Option<Borrowed>>,
    handle: &'a HandleSlot,
}

impl<'a> Lender<'a> {
    /// # Safety
    /// `kept` must belong to a transaction (or savepoint) that holds the pool's connection, and
    /// be dropped before that transaction ends; the connection borrowed is used only between
    /// sqlx's statements (see [`HandleSlot::borrow`]).
    pub unsafe fn new(kept: &'a OnceCell<Option<Borrowed>>, handle: &'a HandleSlot) -> Self {
        Lender { kept, handle }
    }

    /// The connection, borrowed now if it is not yet; `None` if the pool recorded no handle.
    pub fn borrowed(&self) -> Option<&'a Borrowed> {
        // SAFETY: as `new`'s caller promised.
        self.kept
            .get_or_init(|| unsafe { self.handle.borrow() })
            .as_ref()
    }
}

/// The connection of the open transaction, borrowed: read through as the reader reads its own
/// (`sqlite_direct`), and written through here. The session keeps it (with the statements it
/// prepared) while the transaction is open, and drops it before the transaction ends, so its
/// statements are finalized before the connection can be closed (sqlx's close requires it).
pub struct Borrowed {
    reader: Reader,
    handle: Handle,
}

/// What became of one INSERT.
pub enum Inserted<T> {
    /// The new row (its id, or what the statement returned).
    Added(T),
    /// SQLite refused it (it wrote nothing); the transaction is still open.
    Refused,
    /// SQLite refused it and ended the transaction with it (SQLITE_FULL, an I/O error).
    TransactionEnded(Error),
}

impl Borrowed {
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    pub(super) fn handle(&self) -> Handle {
        self.handle
    }

    /// The same connection again, for another thread (`inserter`).
    ///
    /// # Safety
    /// As [`HandleSlot::borrow`]: `handle` is a `Borrowed`'s whose user waits while this one is
    /// used, and this one is dropped before that user goes on.
    pub(super) unsafe fn again(handle: Handle) -> Result<Borrowed> {
        // SAFETY: as the caller promises; `from_handle` never closes the connection.
        let connection = unsafe { Connection::from_handle(handle.0.as_ptr()) }.map_err(failure)?;
        Ok(Borrowed {
            reader: Reader::over(connection),
            handle,
        })
    }

    /// Inserts `posts`, one prepared single-row INSERT each (the statement SeaORM builds for the
    /// entity, values bound as the Flask app writes them), up to and including the first the
    /// database refuses; what became of each.
    pub fn insert_posts(&self, posts: &[PendingPost]) -> Result<Vec<Inserted<i64>>> {
        let Some(first) = posts.first() else {
            return Ok(Vec::new());
        };
        let connection = self.reader.connection();
        let sql = DbBackend::Sqlite.build(&statement_of(first)).sql;
        let mut insert = connection.prepare(&sql).map_err(failure)?;
        let mut timestamp = String::with_capacity(26);
        let mut rows = Vec::with_capacity(posts.len());
        for post in posts {
            timestamp.clear();
            write_sqlalchemy_text(&post.timestamp, &mut timestamp);
            let row = match insert.execute((post.body.as_str(), timestamp.as_str(), post.author.id))
            {
                Ok(_) => Inserted::Added(connection.last_insert_rowid()),
                Err(error) => self.refused(error),
            };
            let last = !matches!(row, Inserted::Added(_));
            rows.push(row);
            if last {
                break;
            }
        }
        Ok(rows)
    }

    /// One `INSERT ... RETURNING` of entity `E` (as sent: `flask_sqlite::adapted`): the new
    /// row's id, and its model unless the reader declines to decode it (then the row is in all
    /// the same, to be read through sqlx).
    pub fn insert_returning<E>(&self, statement: &Statement) -> Inserted<(i64, Option<E::Model>)>
    where
        E: sea_orm::EntityTrait,
        E::ActiveModel: sea_orm::TryIntoModel<E::Model>,
    {
        match self.reader.models::<E>(statement) {
            Ok(models) => {
                let id = self.reader.connection().last_insert_rowid();
                Inserted::Added((id, models.and_then(|m| m.into_iter().next())))
            }
            Err(error) => match self.transaction_ended() {
                true => Inserted::TransactionEnded(error),
                false => Inserted::Refused,
            },
        }
    }

    /// Inserts `rows` from the `from`th on, one prepared single-row INSERT each, up to the first
    /// the database refuses: its index, `None` if every row went in. A refusal that ended the
    /// transaction is the error.
    pub fn insert_rows(&self, rows: &Rows, from: usize) -> Result<Option<usize>> {
        if from >= rows.values.len() {
            return Ok(None);
        }
        let mut statement = self
            .reader
            .connection()
            .prepare(&rows.sql)
            .map_err(failure)?;
        for (i, values) in rows.values.iter().enumerate().skip(from) {
            if let Err(error) = statement.execute(rusqlite::params_from_iter(values)) {
                return match self.refused::<()>(error) {
                    Inserted::TransactionEnded(error) => Err(error),
                    _ => Ok(Some(i)),
                };
            }
        }
        Ok(None)
    }

    /// Whether the transaction holds SQLite's write lock (it has written, or began IMMEDIATE):
    /// then no other connection can write until it ends.
    pub fn holds_the_write_lock(&self) -> bool {
        // SAFETY: the handle is this open connection's; a null schema asks about all of them.
        let state =
            unsafe { rusqlite::ffi::sqlite3_txn_state(self.handle.0.as_ptr(), std::ptr::null()) };
        state == rusqlite::ffi::SQLITE_TXN_WRITE
    }

    /// Whether SQLite ended the transaction as it refused a statement.
    pub fn transaction_ended(&self) -> bool {
        self.reader.connection().is_autocommit()
    }

    fn refused<T>(&self, error: rusqlite::Error) -> Inserted<T> {
        match self.transaction_ended() {
            true => Inserted::TransactionEnded(failure(error)),
            false => Inserted::Refused,
        }
    }
}

/// Rows of one INSERT, ready for SQLite: its SQL with a placeholder per column, and each row's
/// values as SQLite stores them. Made on the shell's thread (which records them for `echo sql`),
/// inserted on the inserting thread.
pub struct Rows {
    sql: String,
    values: Vec<Vec<rusqlite::types::Value>>,
}

impl Rows {
    /// `rows` of `insert` (a statement with its table and columns, no values): bound values, or
    /// the NULL `import` writes as SQL.
    pub fn of(insert: &InsertStatement, rows: &[Vec<Expr>]) -> Result<Rows> {
        let mut placeholders = insert.clone();
        if let Some(first) = rows.first() {
            placeholders.values_panic(first.iter().map(|_| Expr::val(0)));
        }
        if crate::db::sql::echo::is_on() {
            for row in rows {
                let mut one = insert.clone();
                one.values_panic(row.iter().cloned());
                adapted(DbBackend::Sqlite.build(&one));
            }
        }
        Ok(Rows {
            sql: DbBackend::Sqlite.build(&placeholders).sql,
            values: rows
                .iter()
                .map(|row| row.iter().map(bound_expr).collect())
                .collect::<Result<_>>()?,
        })
    }
}

/// A value of an INSERT's row as SQLite stores it: timestamps as the Flask app writes them.
fn bound_expr(expr: &Expr) -> Result<rusqlite::types::Value> {
    match expr {
        Expr::Value(value) => {
            let mut value = value.clone();
            to_flask_text(&mut value);
            bound(&value)
        }
        Expr::Custom(sql) if sql.eq_ignore_ascii_case("NULL") => Ok(rusqlite::types::Value::Null),
        other => Err(Error::new(format!(
            "internal error: {other:?} is not a value to bind"
        ))),
    }
}

/// One post's INSERT, as the multi-row batch builds it on the servers.
fn statement_of(post: &PendingPost) -> sea_orm::sea_query::InsertStatement {
    crate::db::commands::bulk::insert_statement(std::slice::from_ref(post))
}

/// Records what `insert_posts` ran for these posts, for `echo sql` (kept on the shell's thread).
pub fn record_posts(posts: &[PendingPost]) {
    if crate::db::sql::echo::is_on() {
        for post in posts {
            adapted(DbBackend::Sqlite.build(&statement_of(post)));
        }
    }
}
