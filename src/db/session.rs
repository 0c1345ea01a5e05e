//! The shell context, like `flask shell`'s app context: the open connection, the transaction a
//! user began (if any), and what the database has beyond the entities (the vocabulary read from
//! its catalog). Data commands come in through `execute` (`db::execute`); this module keeps
//! what they run on: the connection, transactions and savepoints, a lost node left for the next.
//!
//! Every command runs atomically: a write in its own transaction or in a savepoint of the user's
//! open transaction, so a failing command writes nothing and leaves an open transaction usable; a
//! read outside a transaction is one atomic statement by itself, and so is a single-row INSERT on
//! SQLite, which runs with no savepoint on the transaction's own connection, borrowed on the
//! shell's thread (`borrowed`, kept in `Open` with the transaction).
//!
//! On an SQLite file, reads outside a transaction go through the shell's own read-only reader
//! where they can (`route`), and sqlx's connection is opened by the first command that needs it,
//! never in place of a file that has gone since.

use std::cell::OnceCell;
use std::time::{Duration, Instant};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::command::{
    Condition, EntityKind, Format, ReadCommand, SqlCommand, TransactionCommand, UserRef, Vocabulary,
};
use crate::db::asking::Person;
use crate::db::connection::config::{Backend, DatabaseTarget};
use crate::db::connection::connect::{self, CreateFile, LOCK_WAIT, Settings};
use crate::db::connection::error::{is_locked, lost_in_use};
use crate::db::connection::replica::{self, Role, Standby};
use crate::db::execute::Read;
use crate::db::queued::Queue;
use crate::db::sql::conn::Conn;
use crate::db::sql::echo;
use crate::db::sqlite::borrowed::{Borrowed, HandleSlot, Lender};
use crate::db::sqlite::sqlite_direct::Reader;
use crate::db::{commands::changes, commands::queries, commands::raw_sql, commands::tables};
use crate::entities::{self, post};
use crate::error::{Error, Result};
use crate::migrate::schema::{BOOKKEEPING_TABLES, live};
use crate::render::{Outcome, PageSource, Rows};

pub struct Session {
    pub target: DatabaseTarget,
    /// sqlx's connection: opened at once on the servers; for an SQLite file that the start-up
    /// read through the reader, opened by the first command that needs it (a write, a
    /// transaction, a listing, `sql`...), so that a single read needs none.
    db: OnceCell<DatabaseConnection>,
    /// On SQLite, the handle of that connection, set with it (see `sqlite::borrowed`).
    handle: OnceCell<HandleSlot>,
    /// How to open it then.
    settings: Settings,
    transaction: Option<Open>,
    /// `--read-only`: shown in `context`; the database itself enforces it.
    pub read_only: bool,
    /// How long a command waits for another session's lock (`--lock-wait`): told when it gives up.
    pub lock_wait: Duration,
    /// A transaction the session was started in and that the user may not end: the whole script's
    /// (`--single-transaction`) or the sandbox's (`--sandbox`).
    locked: Option<Lock>,
    /// A `--single-transaction` script that stops at its first failure (no
    /// `--continue-on-error`): its writes need no savepoint each (see `writing`).
    all_or_nothing: bool,
    /// Where `sql` statements are prepared to learn whether they return rows: connected on the
    /// first `sql` (if that failed, the statement's words decide).
    describer: OnceCell<Tried<DatabaseConnection>>,
    /// SQLite: the read-only connection that reads outside a transaction go through (see
    /// `route` and `sqlite_direct`), opened at start-up or on first use.
    reader: OnceCell<Tried<Reader>>,
    /// What the database has beyond the entities (columns, tables, the follow relation), read
    /// from the catalog at start-up and again after a schema change.
    pub(super) vocabulary: Vocabulary,
    /// SQLite: the file's `PRAGMA schema_version` when the vocabulary was read, and when it was
    /// last compared, so a schema another program changed is read again.
    schema_seen: Option<(i64, Instant)>,
    /// The database is a standby (`replica`): read-only by nature, writes refused before they
    /// are tried; asked again before refusing, since it may have been promoted.
    standby: Option<Standby>,
    /// What the session has to say beside a command's outcome (a standby promoted meanwhile):
    /// taken and shown by the prompt loop.
    notes: Vec<String>,
    /// When the connection last answered: a URL with several hosts checks one idle for longer
    /// than [`IDLE_CHECK`] before a command (see `ready`).
    last_used: Instant,
    /// A script's `add post` lines waiting to go in together (`queued`).
    pub(super) queue: Queue,
}

/// The open transaction, and on SQLite its connection borrowed on the shell's thread with the
/// statements it prepared (`sqlite::borrowed`): declared first, so dropped first, before the
/// connection can go back to the pool and be closed.
struct Open {
    borrowed: OnceCell<Option<Borrowed>>,
    transaction: DatabaseTransaction,
}

impl Open {
    fn new(transaction: DatabaseTransaction) -> Self {
        Open {
            borrowed: OnceCell::new(),
            transaction,
        }
    }

    /// The transaction, to end it: the borrowed connection's statements finalized first.
    fn end(self) -> DatabaseTransaction {
        let Open {
            borrowed,
            transaction,
        } = self;
        drop(borrowed);
        transaction
    }
}

/// A connection of the session's own beside sqlx's, once it was tried: open, or not to be had
/// (an in-memory database has no reader; a server that refuses a second connection no describer).
enum Tried<T> {
    Open(T),
    Unavailable,
}

impl<T> Tried<T> {
    fn open(&self) -> Option<&T> {
        match self {
            Tried::Open(open) => Some(open),
            Tried::Unavailable => None,
        }
    }

    fn of(result: Option<T>) -> Self {
        result.map_or(Tried::Unavailable, Tried::Open)
    }
}

/// How long a connection to one of several nodes may sit idle before a command checks it first.
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// How long that check waits for the node's answer. A node that is up answers in milliseconds;
/// one that is gone is not answered for by the pool until it has tried to dial it again for the
/// whole connect timeout (the connection it had was given back after the last command, and is
/// found dead then), which kept the person waiting three seconds more before the next node.
const IDLE_CHECK_ANSWER: Duration = Duration::from_secs(1);

/// How often, at most, an SQLite file's schema version is compared (a statement of its own):
/// a script of 100,000 lines must not pay for it on every line.
const SCHEMA_CHECK_EVERY: Duration = Duration::from_millis(250);

/// Who holds the session's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// `--single-transaction`: committed at the end if every line succeeded.
    Script,
    /// `--sandbox`: always rolled back at the end.
    Sandbox,
}

impl Session {
    /// A session on a connection already open.
    pub fn new(target: DatabaseTarget, db: DatabaseConnection) -> Self {
        Session {
            db: OnceCell::from(db),
            ..Session::new_unconnected(target)
        }
    }

    /// A session on the node `connect::open_node` opened, with a note for each host it passed
    /// over and the one it is on (only when it passed one over).
    pub fn opened(opened: connect::Opened) -> Self {
        let mut session = Session::new(opened.target, opened.db);
        session.handle = OnceCell::from(opened.handle);
        for passed in &opened.passed_over {
            session.notes.push(format!("note: passed over {passed}"));
        }
        if !opened.passed_over.is_empty() {
            let on = session.target.node_name(session.target.node());
            session.notes.push(format!("note: connected to {on}"));
        }
        session
    }

    /// A session on an SQLite file that `reader` has already read: sqlx's connection is opened
    /// with `settings` when a command first needs it.
    pub(super) fn reading_through(
        target: DatabaseTarget,
        reader: Reader,
        settings: Settings,
    ) -> Self {
        Session {
            db: OnceCell::new(),
            // The reader has read the file: no probe when sqlx opens it, and it is not made
            // again if it has gone since.
            settings: Settings {
                probe: false,
                create_file: CreateFile::Never,
                ..settings
            },
            lock_wait: settings.lock_wait,
            reader: OnceCell::from(Tried::Open(reader)),
            ..Session::new_unconnected(target)
        }
    }

    fn new_unconnected(target: DatabaseTarget) -> Self {
        Session {
            target,
            db: OnceCell::new(),
            handle: OnceCell::new(),
            settings: Settings::default(),
            transaction: None,
            read_only: false,
            lock_wait: LOCK_WAIT,
            locked: None,
            all_or_nothing: false,
            describer: OnceCell::new(),
            reader: OnceCell::new(),
            vocabulary: Vocabulary::default(),
            schema_seen: None,
            standby: None,
            notes: Vec::new(),
            last_used: Instant::now(),
            queue: Queue::default(),
        }
    }

    /// Asks the server whether it is a standby (at start-up); a note says so when it is.
    pub async fn learn_role(&mut self) -> Result<()> {
        if self.target.backend == Backend::Sqlite {
            return Ok(());
        }
        let role = replica::role(self.connection().await?, self.target.backend).await?;
        if let Role::NotSynced { .. } = role {
            return role
                .refusal(&self.target.display(), "commands")
                .map_or(Ok(()), Err);
        }
        if let Role::Standby(standby) = role {
            self.notes.push(format!(
                "note: {} is {}: read-only, every write refused",
                self.target.display(),
                standby.described()
            ));
            self.standby = Some(standby);
        }
        Ok(())
    }

    /// The standby the session is on, if it is.
    pub fn standby(&self) -> Option<&Standby> {
        self.standby.as_ref()
    }

    /// What the session has to say, once.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Refuses `what` (a write, `begin`, a migration) on a standby, in one line, before anything
    /// is tried; lets it through (with a note) if the standby has been promoted since.
    pub async fn refuse_on_standby(&mut self, what: &str) -> Result<()> {
        if self.standby.is_none() {
            return Ok(());
        }
        match replica::role(self.connection().await?, self.target.backend).await? {
            Role::Primary => {
                self.standby = None;
                self.notes.push(format!(
                    "note: {} is a primary now (the standby was promoted): writes go through",
                    self.target.display()
                ));
                Ok(())
            }
            role => {
                let refused = role.refusal(&self.target.display(), what);
                if let Role::Standby(standby) = role {
                    self.standby = Some(standby);
                }
                refused.map_or(Ok(()), Err)
            }
        }
    }

    /// Reads the live catalog again: what the commands know beyond the entities. Through the
    /// SQLite reader when there is one and no transaction is open (start-up needs no sqlx),
    /// else where commands run. A database with nothing readable yet has nothing beyond them.
    pub(super) async fn load_vocabulary(&mut self) -> Result<()> {
        let tables = match (&self.transaction, self.reader.get().and_then(Tried::open)) {
            (None, Some(reader)) => {
                self.schema_seen = reader.schema_version().ok().map(|v| (v, Instant::now()));
                match reader.declared_only(&live::declared_tables(), &BOOKKEEPING_TABLES) {
                    Ok(true) => Ok(Vec::new()),
                    _ => live::tables(reader).await,
                }
            }
            // In a savepoint of an open transaction: a catalog read that fails must not abort it.
            (Some(_), _) => self.atomically(async |db| live::tables(db).await).await,
            (None, _) => live::tables(&Conn::connection(self.connection().await?)).await,
        };
        match tables {
            Ok(tables) => {
                self.vocabulary = live::vocabulary(tables);
                Ok(())
            }
            Err(error) if is_locked(&error) => Err(error),
            // Unreadable now (a connection lost): what was known stays, the next read tries again.
            Err(_) => Ok(()),
        }
    }

    /// What the database has beyond the entities, now: on SQLite, read again if another program
    /// changed the schema since (compared at most every quarter second).
    pub async fn vocabulary(&mut self) -> Vocabulary {
        if let (Some((seen, checked)), None, Some(reader)) = (
            self.schema_seen,
            &self.transaction,
            self.reader.get().and_then(Tried::open),
        ) && checked.elapsed() >= SCHEMA_CHECK_EVERY
        {
            match reader.schema_version() {
                Ok(now) if now != seen => {
                    let _ = self.load_vocabulary().await;
                }
                _ => self.schema_seen = Some((seen, Instant::now())),
            }
        }
        self.vocabulary.clone()
    }

    /// sqlx's connection, opened now if it is not yet.
    pub(super) async fn connection(&self) -> Result<&DatabaseConnection> {
        if let Some(db) = self.db.get() {
            return Ok(db);
        }
        // What the reader read and what would be written must be the same file.
        if let Some(Tried::Open(reader)) = self.reader.get()
            && !reader.still_at_its_path()
        {
            return Err(connect::cannot_open(
                &self.target,
                "the file was deleted, moved or replaced after the shell opened it; start the \
                 shell again",
            ));
        }
        let settings = Settings {
            lock_wait: self.lock_wait,
            ..self.settings
        };
        let opened = connect::open_node(&self.target, settings).await?;
        self.handle.get_or_init(|| opened.handle);
        Ok(self.db.get_or_init(|| opened.db))
    }

    /// The SQLite reader, opened on first use; `None` on the servers, for an in-memory database,
    /// or if it could not be opened (then listings go through sqlx as everything else does).
    pub(super) async fn reader(&self) -> Option<&Reader> {
        if self.target.backend != Backend::Sqlite {
            return None;
        }
        if self.reader.get().is_none() {
            let Ok(db) = self.connection().await else {
                return None;
            };
            let pool = db.get_sqlite_connection_pool();
            let reader = Reader::beside(pool, self.lock_wait).await.ok().flatten();
            let _ = self.reader.set(Tried::of(reader));
        }
        self.reader.get().and_then(Tried::open)
    }

    /// Whether sqlx's connection is open.
    pub(super) fn is_connected(&self) -> bool {
        self.db.get().is_some()
    }

    /// The transaction the user (or the script, or the sandbox) has open.
    pub(super) fn open_transaction(&self) -> Option<&DatabaseTransaction> {
        self.transaction.as_ref().map(|open| &open.transaction)
    }

    /// Who holds the open transaction, if the user may not end it.
    pub(super) fn locked(&self) -> Option<Lock> {
        self.locked
    }

    pub fn in_transaction(&self) -> bool {
        self.transaction.is_some()
    }

    /// Opens the transaction that `--single-transaction` wraps around a whole script, or that
    /// `--sandbox` wraps around the session.
    pub async fn begin_locked(&mut self, lock: Lock) -> Result<()> {
        self.refuse_on_standby(match lock {
            Lock::Script => "--single-transaction",
            Lock::Sandbox => "--sandbox",
        })
        .await?;
        self.transaction = Some(Open::new(match lock {
            // A script's transaction is there to write: it takes the write lock first (see
            // `atomically`).
            Lock::Script => self.begin_anew(write_lock_first()).await?,
            // A sandbox may only look around: no lock until it writes.
            Lock::Sandbox => self.begin_anew(TransactionOptions::default()).await?,
        }));
        self.locked = Some(lock);
        Ok(())
    }

    /// The script in the session's transaction stops at its first failing line, and then
    /// nothing of it is kept.
    pub fn stop_at_the_first_failure(&mut self) {
        self.all_or_nothing = self.locked == Some(Lock::Script);
    }

    pub fn sandboxed(&self) -> bool {
        self.locked == Some(Lock::Sandbox)
    }

    /// Commits the open transaction; `false` when there is none.
    pub async fn commit(&mut self) -> Result<bool> {
        match self.transaction.take().map(Open::end) {
            Some(t) => {
                // The transaction is over either way: a commit the server refused (a deadlock
                // victim, a Galera certification conflict) kept nothing; one whose answer never
                // came may have been made.
                t.commit().await.map_err(|e| match Error::from(e) {
                    lost if lost.is_connection_lost() => unsure(&lost, None),
                    refused => Error::transaction_lost(format!(
                        "the commit failed ({refused}): nothing in the transaction was written"
                    )),
                })?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Rolls the open transaction back; `false` when there is none.
    pub async fn rollback(&mut self) -> Result<bool> {
        match self.transaction.take().map(Open::end) {
            Some(t) => {
                t.rollback().await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// `begin`, `commit`, `rollback` typed by the user.
    pub(super) async fn transaction_command(
        &mut self,
        command: TransactionCommand,
    ) -> Result<Outcome> {
        match self.locked {
            Some(Lock::Script) => {
                return Err(Error::new(
                    "begin, commit and rollback are not allowed with --single-transaction: the \
                     whole script is already one transaction",
                ));
            }
            Some(Lock::Sandbox) => {
                return Err(Error::new(
                    "begin, commit and rollback are not allowed in a sandbox: everything done in \
                     it is rolled back when you leave",
                ));
            }
            None => {}
        }
        let message = match command {
            TransactionCommand::Begin => {
                self.ready().await;
                self.refuse_on_standby("begin").await?;
                if self.transaction.is_some() {
                    return Err(Error::new(
                        "a transaction is already open: commit or rollback first",
                    ));
                }
                let begun = self.begin_anew(TransactionOptions::default()).await?;
                self.transaction = Some(Open::new(begun));
                "Transaction open: commit or rollback to end it"
            }
            TransactionCommand::Commit => match self.commit().await? {
                true => "Committed",
                false => return Err(Error::new("no transaction is open: nothing to commit")),
            },
            TransactionCommand::Rollback => match self.rollback().await? {
                true => "Rolled back",
                false => return Err(Error::new("no transaction is open: nothing to roll back")),
            },
        };
        // A rollback takes back what `sql` changed of the schema inside the transaction.
        if command != TransactionCommand::Begin {
            let _ = self.load_vocabulary().await;
        }
        Ok(Outcome::Message(message.to_string()))
    }

    /// The connection for migrations, which manage their own transactions.
    pub(super) async fn outside_transaction(&self) -> Result<&DatabaseConnection> {
        if self.sandboxed() {
            return Err(Error::new(
                "migrations do not run in a sandbox (some databases commit schema changes at \
                 once): leave it and run them outside",
            ));
        }
        match self.transaction {
            Some(_) => Err(Error::new(
                "a transaction is open: commit or rollback before migrating",
            )),
            None => self.connection().await,
        }
    }

    /// On SQLite, the connection of the open transaction borrowed on this thread
    /// (`sqlite::borrowed`), borrowed with the transaction's first use of it; `None` outside a
    /// transaction, on the servers, or where the pool's handle was not recorded (then everything
    /// goes through sqlx).
    pub(super) fn borrowed(&self) -> Option<&Borrowed> {
        self.lender(&self.transaction.as_ref()?.borrowed)?
            .borrowed()
    }

    /// How `kept`, a transaction's, borrows its connection; `None` where there is none to borrow
    /// (the servers, an SQLite pool that recorded no handle).
    fn lender<'a>(&'a self, kept: &'a OnceCell<Option<Borrowed>>) -> Option<Lender<'a>> {
        if self.target.backend != Backend::Sqlite {
            return None;
        }
        let handle = self.handle.get()?;
        // SAFETY: `kept` is the open transaction's (`Open`) or a command's own unit's
        // (`atomically_unsure`): each holds the pool's only connection (so it is the one
        // recorded) and drops what it kept before it ends. Nothing runs on it at the same time
        // as sqlx: the session sends sqlx's statements one at a time and awaits each, and the
        // borrowed connection's run between them (a batch on the inserting thread is waited for
        // before the session goes on).
        Some(unsafe { Lender::new(kept, handle) })
    }

    /// With `--single-transaction`, once the database has ended the script's transaction nothing
    /// more may run: outside it, every statement would commit on its own.
    pub(super) fn still_in_the_scripts_transaction(&self) -> Result<()> {
        if self.locked.is_some() && self.transaction.is_none() {
            return Err(Error::transaction_lost(match self.locked {
                Some(Lock::Sandbox) => "the sandbox's transaction has ended: nothing more runs",
                _ => "the script's transaction has ended: nothing more runs",
            }));
        }
        Ok(())
    }

    /// A write, atomically, its lock wait explained and a transaction the database ended
    /// forgotten. A commit whose answer never came (the connection lost as it was sent) is told
    /// apart by the row `made` names, read again once the session has a connection.
    pub(super) async fn writing<T>(
        &mut self,
        work: impl AsyncFnOnce(&Conn<'_>, Option<Lender<'_>>) -> Result<T>,
        made: impl FnOnce(&T) -> Option<MadeRow>,
    ) -> Result<T> {
        self.still_in_the_scripts_transaction()?;
        self.ready().await;
        self.refuse_on_standby("a write").await?;
        let started = Instant::now();
        let unit = match self.all_or_nothing {
            true => self.in_the_scripts_transaction(work).await,
            false => self.atomically_unsure(work).await,
        };
        let result = match unit {
            Ok(Committed::Yes(value)) => Ok(value),
            Ok(Committed::Unsure(value, lost)) => {
                let row = made(&value);
                // The connection first (with several hosts, the next node's).
                self.leave_a_lost_node().await;
                return match row {
                    Some(row) => self.find_out(row, lost).await.map(|()| value),
                    None => Err(unsure(&lost, None)),
                };
            }
            // Its own transaction, lost before COMMIT was sent: the server rolls back a
            // transaction whose connection ends, so nothing of it stays.
            Err(error) if error.is_connection_lost() && self.transaction.is_none() => {
                Err(Error::connection_lost(format!(
                    "the connection was lost before the commit ({error}): nothing was written"
                )))
            }
            Err(error) => Err(error),
        };
        let result = self.explain_lock(result, started);
        self.settle(result).await
    }

    /// Whether a commit whose answer was lost happened, read from the row it made: told as
    /// written (a note beside the outcome) or as not written (the command's failure).
    async fn find_out(&mut self, row: MadeRow, lost: Error) -> Result<()> {
        self.ready().await;
        let node = self.target.node_name(self.target.node());
        let read = match self.db.get() {
            Some(db) => row.is_there(db).await,
            None => return Err(unsure(&lost, Some(&row))),
        };
        self.last_used = Instant::now();
        match read {
            Ok(true) => {
                self.notes.push(format!(
                    "note: the connection was lost as the commit was sent ({lost}), and {row} is \
                     in the database (read on {node}): it was written"
                ));
                Ok(())
            }
            Ok(false) => Err(Error::connection_lost(format!(
                "the connection was lost as the commit was sent ({lost}), and {row} is not in \
                 the database (read on {node}): nothing was written"
            ))),
            Err(_) => Err(unsure(&lost, Some(&row))),
        }
    }

    /// "database is locked", told truly: how long the shell waited, or why it could not wait
    /// (in a transaction that read before it wrote, SQLite answers at once).
    fn explain_lock<T>(&self, result: Result<T>, started: Instant) -> Result<T> {
        match result {
            Err(error) if is_locked(&error) => {
                let waited = started.elapsed();
                Err(Error::new(if waited >= self.lock_wait.mul_f32(0.9) {
                    // It waited the bound it was given (a little more, to notice).
                    let seconds = format!("{:.3}", self.lock_wait.as_secs_f64());
                    let seconds = seconds.trim_end_matches('0');
                    let seconds = seconds.trim_end_matches('.');
                    format!(
                        "{} (waited {seconds} second{}, see --lock-wait); nothing was written, \
                         try again when it is done",
                        error.message(),
                        if seconds == "1" { "" } else { "s" }
                    )
                } else if self.transaction.is_some() {
                    format!(
                        "{}: this transaction read the database before writing, and then SQLite \
                         cannot wait for the other writer; roll back and run it again",
                        error.message()
                    )
                } else {
                    format!("{}; nothing was written, try again", error.message())
                }))
            }
            other => other,
        }
    }

    /// Raw SQL. Outside a transaction it runs as typed: one statement is atomic by itself, and some
    /// (PostgreSQL's CREATE DATABASE, VACUUM) refuse to run inside a transaction block.
    /// `sql ...` as typed: asked first of a person there if it destroys rows, run, and the
    /// vocabulary read again if it may have changed the schema.
    pub(super) async fn run_sql(
        &mut self,
        sql: &SqlCommand,
        person: &mut dyn Person,
    ) -> Result<Outcome> {
        if !self.agreed_to_sql(sql, person)? {
            return Ok(Outcome::Message(
                "Cancelled: nothing was changed".to_string(),
            ));
        }
        let outcome = self.sql(&sql.statement).await;
        // What the commands know follows (a catalog that cannot be read now is read again later).
        if raw_sql::may_change_schema(&sql.statement) {
            let _ = self.load_vocabulary().await;
        }
        outcome
    }

    async fn sql(&mut self, statement: &str) -> Result<Outcome> {
        self.still_in_the_scripts_transaction()?;
        if self.sandboxed()
            && self.target.backend == Backend::MySql
            && raw_sql::commits_implicitly(statement)
        {
            return Err(Error::new(
                "MySQL/MariaDB commit this statement at once, which would end the sandbox: it \
                 does not run here",
            ));
        }
        self.ready().await;
        if crate::command::sql_words::writes(statement) {
            self.refuse_on_standby("a statement that writes").await?;
        }
        let started = Instant::now();
        if self.describer.get().is_none() {
            // A read-only connection of its own, where statements are only prepared, never run.
            let settings = Settings {
                read_only: true,
                ..Settings::default()
            };
            let describer = connect::connect(&self.target, settings).await.ok();
            let _ = self.describer.set(Tried::of(describer));
        }
        let describer = self.describer.get().and_then(Tried::open);
        let result = match &self.transaction {
            None => raw_sql::run(self.connection().await?, describer, statement).await,
            Some(_) => {
                self.atomically(async |db| raw_sql::run(db, describer, statement).await)
                    .await
            }
        };
        let result = self.explain_lock(result, started);
        // A write these words missed, refused by the standby itself: said as the shell says it.
        let result = match result {
            Err(error)
                if self.standby.is_some()
                    && error.to_string().contains("read-only transaction") =>
            {
                let ours = self.refuse_on_standby("a statement that writes").await;
                Err(ours.err().unwrap_or(error))
            }
            other => other,
        };
        self.settle(result).await
    }

    /// A transaction on the connection, begun on a new one if the server ended the idle one: BEGIN
    /// that fails there has started nothing (see `sql::conn`).
    async fn begin_anew(&self, options: TransactionOptions) -> Result<DatabaseTransaction> {
        let db = self.connection().await?;
        Ok(match db.begin_with_options(options).await {
            Err(error) if lost_in_use(&error) => db.begin_with_options(options).await,
            begun => begun,
        }?)
    }

    /// Runs `work` in a transaction of its own, or a savepoint of the open one: committed when it
    /// succeeds, else rolled back with the work's error reported (the one worth showing, even if
    /// the rollback fails too).
    pub(super) async fn atomically<T>(
        &self,
        work: impl AsyncFnOnce(&Conn<'_>) -> Result<T>,
    ) -> Result<T> {
        match self.atomically_unsure(async |db, _| work(db).await).await? {
            Committed::Yes(value) => Ok(value),
            Committed::Unsure(_, lost) => Err(unsure(&lost, None)),
        }
    }

    /// A write of an all-or-nothing script, straight in the script's transaction: no savepoint,
    /// two round trips fewer on the servers. A failure stops the script, and its transaction is
    /// rolled back whole, so what the command wrote before failing is not kept either way. A
    /// failure with which the database ended the transaction itself (SQLite on a full disk) is
    /// said so, as a savepoint's failed rollback says it.
    async fn in_the_scripts_transaction<T>(
        &self,
        work: impl AsyncFnOnce(&Conn<'_>, Option<Lender<'_>>) -> Result<T>,
    ) -> Result<Committed<T>> {
        let Some(open) = &self.transaction else {
            return Err(Error::transaction_lost(
                "the script's transaction has ended",
            ));
        };
        let lender = self.lender(&open.borrowed);
        match work(&Conn::transaction(&open.transaction).data(), lender).await {
            Ok(value) => Ok(Committed::Yes(value)),
            Err(error) if !error.ends_transaction() && self.transaction_ended_itself() => {
                Err(transaction_gone(error, None))
            }
            Err(error) => Err(error),
        }
    }

    /// Whether the database has ended the open transaction without being asked: on SQLite, the
    /// connection is back in autocommit mode (asked of the borrowed connection); elsewhere the
    /// driver's error says so.
    fn transaction_ended_itself(&self) -> bool {
        self.borrowed().is_some_and(Borrowed::transaction_ended)
    }

    /// `atomically`, with a commit whose answer never came handed back as such.
    async fn atomically_unsure<T>(
        &self,
        work: impl AsyncFnOnce(&Conn<'_>, Option<Lender<'_>>) -> Result<T>,
    ) -> Result<Committed<T>> {
        let unit = match &self.transaction {
            Some(open) => open.transaction.begin().await?,
            // Only writes open a unit of their own: on SQLite they take the write lock at BEGIN,
            // where the busy timeout applies. A deferred transaction that has read and then
            // writes gets SQLITE_BUSY at once instead (SQLite will not wait there).
            None => self.begin_anew(write_lock_first()).await?,
        };
        let nested = self.transaction.is_some();
        // On SQLite, the unit's connection as borrowed on this thread: the open transaction's,
        // or kept here for this unit alone and dropped before it ends.
        let own = OnceCell::new();
        let kept = match &self.transaction {
            Some(open) => &open.borrowed,
            None => &own,
        };
        let lender = self.lender(kept);
        let done = work(&Conn::transaction(&unit).data(), lender).await;
        drop(own);
        match done {
            Ok(value) => match unit.commit().await {
                Ok(()) => Ok(Committed::Yes(value)),
                Err(e) if nested => Err(transaction_gone(Error::from(e), None)),
                Err(e) => match Error::from(e) {
                    // COMMIT was sent and no answer came: the server may have committed it.
                    lost if lost.is_connection_lost() => Ok(Committed::Unsure(value, lost)),
                    // A write's own transaction the server refused at commit: nothing stays.
                    refused => Err(Error::new(format!("{refused}: nothing was written"))),
                },
            },
            Err(error) => match unit.rollback().await {
                // The savepoint is gone with the whole transaction: the database rolled it back
                // (SQLite on SQLITE_FULL, MariaDB's deadlock victim, a session the server ended).
                // From here on every statement would run in autocommit mode.
                Err(rollback) if nested && !error.is_connection_lost() => {
                    Err(transaction_gone(error, Some(Error::from(rollback))))
                }
                _ => Err(error),
            },
        }
    }

    /// A command's result, once the session has caught up with it: a transaction the database
    /// ended is forgotten (`forget_lost_transaction`), and with several hosts a node that stopped
    /// answering is left for the next that answers, with a note (`fail_over`).
    pub(super) async fn settle<T>(&mut self, result: Result<T>) -> Result<T> {
        let result = self.forget_lost_transaction(result);
        match &result {
            Err(error) if error.is_connection_lost() => self.leave_a_lost_node().await,
            _ => self.last_used = Instant::now(),
        }
        result
    }

    /// With several hosts, the node whose connection was lost is left for the next that answers
    /// (the command's error says how it was lost); with one, the pool reconnects by itself.
    async fn leave_a_lost_node(&mut self) {
        if self.target.node_count() > 1 {
            self.fail_over(None).await;
        }
    }

    /// Several hosts, outside a transaction: a connection idle for a while is checked before a
    /// command is sent on it, so a node that stopped meanwhile is left before anything is tried.
    pub(super) async fn ready(&mut self) {
        if self.target.node_count() == 1 || self.transaction.is_some() {
            return;
        }
        let lost = match self.db.get() {
            None => "no connection".to_string(),
            Some(_) if self.last_used.elapsed() < IDLE_CHECK => return,
            Some(db) => match tokio::time::timeout(IDLE_CHECK_ANSWER, db.ping()).await {
                Ok(Ok(())) => {
                    self.last_used = Instant::now();
                    return;
                }
                Ok(Err(error)) => Error::from(error).to_string(),
                Err(_) => format!(
                    "no answer in {} second{}",
                    IDLE_CHECK_ANSWER.as_secs(),
                    if IDLE_CHECK_ANSWER.as_secs() == 1 {
                        ""
                    } else {
                        "s"
                    }
                ),
            },
        };
        self.fail_over(Some(&lost)).await;
    }

    /// Leaves the node the session is on for the next of the URL's hosts that answers and is
    /// synced (this one last), and says so; if none does, says that, and the next command tries
    /// again from the next node.
    async fn fail_over(&mut self, why: Option<&str>) {
        let was = self.target.node_name(self.target.node());
        let lost = why.map_or_else(String::new, |why| format!(" ({why})"));
        // Dropped, not closed: closing would wait on a server that is not there.
        self.db = OnceCell::new();
        self.handle = OnceCell::new();
        self.describer = OnceCell::new();
        let settings = Settings {
            read_only: self.read_only,
            lock_wait: self.lock_wait,
            ..self.settings
        };
        let next = self
            .target
            .on_node((self.target.node() + 1) % self.target.node_count());
        match connect::open_node(&next, settings).await {
            Ok(opened) => {
                let now = opened.target.node_name(opened.target.node());
                self.target = opened.target;
                self.db = OnceCell::from(opened.db);
                self.handle = OnceCell::from(opened.handle);
                self.last_used = Instant::now();
                let passed = match opened.passed_over.as_slice() {
                    [] => String::new(),
                    over => format!(" (passed over {})", over.join("; ")),
                };
                self.notes.push(format!(
                    "note: the connection to {was} was lost{lost}: now on {now}, the next host \
                     of the URL that answers{passed}"
                ));
                // The node taken over may be a standby (or no longer one).
                self.standby = None;
                if let Err(error) = self.learn_role().await {
                    self.notes.push(format!("note: {error}"));
                }
            }
            Err(error) => {
                self.target = next;
                self.notes.push(format!(
                    "note: the connection to {was} was lost{lost}, and {error}; the next \
                     command tries again"
                ));
            }
        }
    }

    /// If the connection was lost, the open transaction is forgotten (the server already threw it
    /// away) and the user is told; the next command gets a new connection.
    fn forget_lost_transaction<T>(&mut self, result: Result<T>) -> Result<T> {
        match result {
            Err(error) if error.ends_transaction() && !error.is_connection_lost() => {
                // Only the client's record of it: the database already ended it.
                self.transaction = None;
                Err(error)
            }
            Err(error) if error.is_connection_lost() && self.transaction.take().is_some() => {
                Err(Error::connection_lost(format!(
                    "the connection to the server was lost ({error}), and the open transaction \
                     with it: nothing in it was committed; the next command reconnects"
                )))
            }
            other => other,
        }
    }

    /// `explain COMMAND`: the read runs (its first page, for a listing) with its statements kept,
    /// then the database's plan for each: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` elsewhere.
    pub async fn explain(&mut self, command: &ReadCommand) -> Result<Outcome> {
        let echoing = echo::is_on();
        echo::take();
        echo::start();
        let ran = match self.read_here(command).await {
            // A page by itself (its own LIMIT), as the SQLite reader and a transaction read:
            // the plan shown is for the statement that ran.
            Ok(Read::Listing(listing)) => match self.pages_one_by_one(*listing).await {
                Ok(mut pages) => pages.next_page().await.map(drop),
                Err(error) => Err(error),
            },
            Ok(Read::Done(_)) => Ok(()),
            Err(error) => Err(error),
        };
        let statements = if echoing { echo::take() } else { echo::stop() };
        ran?;
        let mut sections = Vec::new();
        for statement in statements {
            let prefix = match statement.db_backend {
                DbBackend::Sqlite => "EXPLAIN QUERY PLAN ",
                _ => "EXPLAIN ",
            };
            let explain = Statement {
                sql: format!("{prefix}{}", statement.sql),
                ..statement.clone()
            };
            let plan = match self.conn().await {
                Ok(db) => db.query_all_raw(explain).await.map_err(Error::from),
                Err(error) => Err(error),
            };
            let plan = self.settle(plan).await?;
            sections.push((echo::shown(&statement), raw_sql::to_rows(&plan)));
        }
        Ok(Outcome::Sections(sections))
    }

    /// How many posts a user has (asked before `delete user ... cascade`).
    pub(super) async fn count_posts_of(&mut self, user: &UserRef) -> Result<u64> {
        let counted = changes::Counted {
            entity: EntityKind::Post,
            of: Some(user),
            follows: None,
            filter: None,
        };
        let result = match self.conn().await {
            Ok(db) => changes::how_many(&db, counted, &self.vocabulary).await,
            Err(error) => Err(error),
        };
        self.settle(result).await
    }

    /// How many rows an `update` or `delete` with this condition would change (asked first).
    pub(super) async fn count_matching(
        &self,
        entity: EntityKind,
        filter: &Condition,
    ) -> Result<u64> {
        let db = self.conn().await?.data();
        changes::count_matching(&db, entity, filter, &self.vocabulary).await
    }

    /// `context`: the connection and each entity with its table, columns and row count.
    pub async fn context(&self, format: Format) -> Result<Outcome> {
        let mut connection = Rows::new(&["setting", "value"]);
        connection.push(vec!["backend".into(), self.target.backend.name().into()]);
        connection.push(vec!["database".into(), self.target.display().into()]);
        // Only with several hosts (a row every other session would carry for nothing).
        let (node, nodes) = (self.target.node(), self.target.node_count());
        if nodes > 1 {
            let on = format!(
                "{} (host {} of {nodes})",
                self.target.node_name(node),
                node + 1
            );
            connection.push(vec!["connected to".into(), on.into()]);
        }
        let access = if self.standby.is_some() {
            "read-only (a standby)"
        } else if self.read_only {
            "read-only"
        } else {
            "read-write"
        };
        connection.push(vec!["access".into(), access.into()]);
        if self.standby.is_some() {
            // Asked now: how far behind changes by the second (a primary, as on every backend,
            // has no row of its own).
            let role = match self.conn().await {
                Ok(db) => replica::role(&db, self.target.backend).await,
                Err(error) => Err(error),
            };
            let role = match role {
                Ok(Role::Standby(standby)) => standby.described(),
                Ok(Role::NotSynced { status }) => format!("a Galera node not synced ({status})"),
                Ok(Role::Primary) => "a primary now (the standby was promoted)".to_string(),
                Err(e) => format!("unknown ({e})"),
            };
            connection.push(vec!["replication".into(), role.into()]);
        }
        let transaction = if self.in_transaction() {
            "open"
        } else {
            "none"
        };
        connection.push(vec!["transaction".into(), transaction.into()]);
        connection.push(vec!["format".into(), format.name().into()]);

        let mut rows = Rows::new(&["entity", "table", "columns", "rows"]);
        for entity in entities::descriptions_in(&self.vocabulary) {
            let count = match self.conn().await {
                Ok(db) => queries::row_count(&db, entity.kind).await,
                Err(error) => Err(error),
            };
            rows.push(vec![
                entity.kind.class_name().into(),
                entity.table.into(),
                entity.columns.join(", ").into(),
                match count {
                    Ok(n) => (n as i64).into(),
                    Err(_) => "missing: run migrate up".into(),
                },
            ]);
        }
        let mut sections = vec![("connection".into(), connection), ("entities".into(), rows)];
        if !self.vocabulary.tables().is_empty() {
            let tables = tables::listed(&self.conn().await?, &self.vocabulary).await;
            sections.push(("tables beyond the entities".into(), tables));
        }
        Ok(Outcome::Sections(sections))
    }
}

/// A write's own transaction at its end.
enum Committed<T> {
    Yes(T),
    /// COMMIT was sent and the connection was lost before the answer came.
    Unsure(T, Error),
}

/// A row a write made, by which a commit whose answer was lost is told to have happened or not.
#[derive(Debug, Clone)]
pub(super) enum MadeRow {
    /// Its id and username.
    User(i32, String),
    Post(i32),
}

impl MadeRow {
    async fn is_there(&self, db: &DatabaseConnection) -> Result<bool> {
        use sea_orm::PaginatorTrait;
        // A Galera node other than the one that took the commit applies it a moment later: the
        // read waits for every write the node has received (an error elsewhere: not Galera).
        if db.get_database_backend() == DbBackend::MySql {
            let _ = db
                .execute_unprepared("SET SESSION wsrep_sync_wait = 1")
                .await;
        }
        let found = match self {
            MadeRow::User(id, _) => entities::user::Entity::find_by_id(*id).count(db).await,
            MadeRow::Post(id) => post::Entity::find_by_id(*id).count(db).await,
        };
        if db.get_database_backend() == DbBackend::MySql {
            let _ = db
                .execute_unprepared("SET SESSION wsrep_sync_wait = 0")
                .await;
        }
        Ok(found? == 1)
    }
}

impl std::fmt::Display for MadeRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MadeRow::User(id, _) => write!(f, "user {id}"),
            MadeRow::Post(id) => write!(f, "post {id}"),
        }
    }
}

/// A commit whose answer was lost, and could not be checked: said as unknown, with how to look.
fn unsure(lost: &Error, row: Option<&MadeRow>) -> Error {
    let look = match row {
        Some(MadeRow::User(id, _)) => format!("`get user {id}` tells"),
        Some(MadeRow::Post(id)) => format!("`get post {id}` tells"),
        None => "look before running it again".to_string(),
    };
    Error::connection_lost(format!(
        "the connection was lost as the commit was sent ({lost}): whether it was written is \
         unknown; {look}"
    ))
}

/// The error of a command after which the open transaction turned out to be gone.
pub(super) fn transaction_gone(error: Error, rollback: Option<Error>) -> Error {
    let how = rollback.map_or_else(String::new, |r| format!(" ({r})"));
    Error::transaction_lost(format!(
        "{error}; the database ended the open transaction itself{how}: nothing in it was \
         committed, and nothing more runs in it"
    ))
}

/// BEGIN IMMEDIATE on SQLite (ignored elsewhere): the write lock first, waiting for it.
fn write_lock_first() -> TransactionOptions {
    TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    }
}
