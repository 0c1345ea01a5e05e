//! Reads on SQLite without crossing threads. sqlx runs each SQLite connection on a worker thread:
//! every statement is sent there and its rows come back through a channel, waking this thread
//! each time; a profile of a script of small queries was a third kernel hand-offs. So listings
//! outside a transaction are read through a connection of the shell's own to the same file,
//! opened read-only here with rusqlite and used on this thread: outside a transaction both
//! connections see the same committed data, and between statements the reader holds no lock. It
//! gets the same busy timeout (`--lock-wait`) and the same REGEXP function as sqlx's connection,
//! and keeps its prepared statements from one command to the next. On a file that exists it is
//! opened first, at start-up: the migration check, `get user` and `count` are read through it, and
//! sqlx's connection waits for the first command that needs it (see `db::open`).
//!
//! Values are read as sqlx reads them (`RowRead`), so both ways give the same cells.

use std::borrow::Cow;
use std::ffi::{CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags};
use sea_orm::Statement;
use sea_orm::sea_query::Value;
use sea_orm::sqlx::{self, SqlitePool};

use crate::command::clause::plain_timestamp;
use crate::command::vocabulary::ColumnKind;
use crate::db::connection::error::{describe_sqlite_message, describe_sqlx_err};
use crate::db::sql::row::{RowRead, Stored, null_where};
use crate::error::{Error, Result};
use crate::render::Cell;

/// The read-only second connection.
pub struct Reader {
    connection: Connection,
    /// The file it reads: its path and which file that was then (device, inode).
    path: PathBuf,
    file: Option<(u64, u64)>,
}

impl Reader {
    /// A reader of the very file sqlx's connection has open (its name asked of that connection,
    /// once); `None` for an in-memory database, which a second connection cannot see.
    pub async fn beside(pool: &SqlitePool, lock_wait: Duration) -> Result<Option<Reader>> {
        let driver = |e: sqlx::Error| Error::new(describe_sqlx_err(&e));
        let mut pooled = pool.acquire().await.map_err(driver)?;
        let mut handle = pooled.lock_handle().await.map_err(driver)?;
        let raw = handle.as_raw_handle();
        // SAFETY: the handle is sqlx's open connection, locked away from its worker thread while
        // `handle` lives; the file name SQLite returns lives as long as the connection, and is
        // copied (byte for byte: a file name need not be UTF-8) before the lock ends.
        let file = unsafe {
            let name = rusqlite::ffi::sqlite3_db_filename(raw.as_ptr(), c"main".as_ptr());
            (!name.is_null()).then(|| OsStr::from_bytes(CStr::from_ptr(name).to_bytes()).to_owned())
        };
        drop(handle);
        match file {
            Some(file) if !file.is_empty() => Ok(Some(Reader::open(Path::new(&file), lock_wait)?)),
            _ => Ok(None),
        }
    }

    /// A reader of the file at `path`, which must exist (a read-only connection creates nothing).
    /// SQLite reads nothing yet: a file that is not a database fails at the first read.
    pub fn open(path: &Path, lock_wait: Duration) -> Result<Reader> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(path, flags).map_err(failure)?;
        connection.busy_timeout(lock_wait).map_err(failure)?;
        connection.set_prepared_statement_cache_capacity(64);
        register_regexp(&connection).map_err(failure)?;
        Ok(Reader {
            connection,
            file: identity(path),
            path: path.to_path_buf(),
        })
    }

    /// A reader over a connection opened elsewhere (sqlx's, borrowed: `borrowed`), as it is
    /// configured there (its busy timeout, its REGEXP).
    pub(super) fn over(connection: Connection) -> Reader {
        Reader {
            connection,
            file: None,
            path: PathBuf::new(),
        }
    }

    pub(super) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Whether its path still names the file it reads (not deleted, moved or replaced since).
    pub fn still_at_its_path(&self) -> bool {
        self.file.is_some() && identity(&self.path) == self.file
    }

    /// Runs `statement` (the one SeaORM would have run, timestamps already as the Flask app writes
    /// them: see `flask_sqlite::adapted`), handing each row to `each` until it says to stop;
    /// returns how many rows it was given.
    pub fn each_row(
        &self,
        statement: &Statement,
        mut each: impl FnMut(&DirectRow<'_>) -> Result<bool>,
    ) -> Result<usize> {
        let (sql, values) = limits_written_in(statement);
        let mut prepared = self.connection.prepare_cached(&sql).map_err(failure)?;
        let values = values.iter().map(bound).collect::<Result<Vec<_>>>()?;
        let mut rows = prepared
            .query(rusqlite::params_from_iter(values))
            .map_err(failure)?;
        let mut count = 0;
        while let Some(row) = rows.next().map_err(failure)? {
            count += 1;
            if !each(&DirectRow { row })? {
                break;
            }
        }
        Ok(count)
    }
}

/// `statement` with its closing `LIMIT ?` (and `OFFSET ?`) written into the SQL as numbers, as
/// sqlite3 users write them. SQLite's planner looks at a bound LIMIT, so binding one expires the
/// prepared statement and every run prepared it again (`SQLITE_STMTSTATUS_REPREPARE` rose by one
/// a run: a third of `get post`'s time); with the numbers written in, the cached statement is
/// run as it is. Only the statement's own clause at its end: a subquery's stays bound.
fn limits_written_in(statement: &Statement) -> (Cow<'_, str>, &[Value]) {
    let values = statement.values.as_ref().map_or(&[][..], |v| &v.0[..]);
    let number = |value: &Value| match value {
        Value::BigUnsigned(Some(n)) => Some(n.to_string()),
        Value::Unsigned(Some(n)) => Some(n.to_string()),
        Value::BigInt(Some(n)) => Some(n.to_string()),
        Value::Int(Some(n)) => Some(n.to_string()),
        _ => None,
    };
    let sql = statement.sql.as_str();
    if let (Some(head), [rest @ .., limit, offset]) =
        (sql.strip_suffix(" LIMIT ? OFFSET ?"), values)
        && let (Some(limit), Some(offset)) = (number(limit), number(offset))
    {
        return (format!("{head} LIMIT {limit} OFFSET {offset}").into(), rest);
    }
    if let (Some(head), [rest @ .., limit]) = (sql.strip_suffix(" LIMIT ?"), values)
        && let Some(limit) = number(limit)
    {
        return (format!("{head} LIMIT {limit}").into(), rest);
    }
    (sql.into(), values)
}

/// The catalog read on this thread, so start-up learns the live schema without sqlx.
impl crate::migrate::schema::live::CatalogRows for Reader {
    fn catalog_backend(&self) -> sea_orm::DbBackend {
        sea_orm::DbBackend::Sqlite
    }

    async fn text_rows(&self, sql: &'static str, width: usize) -> Result<Vec<Vec<String>>> {
        let mut rows = Vec::new();
        let statement = Statement::from_string(sea_orm::DbBackend::Sqlite, sql);
        self.each_row(&statement, |row| {
            // By position: a lookup by name compares every column's name, for every value.
            let cells = (0..width)
                .map(|i| {
                    Ok(match row.row.get_ref(i).map_err(failure)? {
                        ValueRef::Null => String::new(),
                        ValueRef::Integer(n) => n.to_string(),
                        ValueRef::Real(f) => f.to_string(),
                        ValueRef::Text(t) | ValueRef::Blob(t) => {
                            String::from_utf8_lossy(t).into_owned()
                        }
                    })
                })
                .collect::<Result<Vec<String>>>()?;
            rows.push(cells);
            Ok(true)
        })?;
        Ok(rows)
    }
}

impl Reader {
    /// Whether the file holds only the entities' tables (with exactly their columns) and
    /// bookkeeping tables: then there is nothing beyond the entities, and the catalog's longer
    /// statements (a third of start-up, measured with callgrind) need not run. Asked with
    /// statements SQLite prepares in a few microseconds: the table names, and each entity
    /// table's column names from a statement that is prepared, never run.
    pub fn declared_only(
        &self,
        tables: &[(&str, Vec<String>)],
        bookkeeping: &[&str],
    ) -> Result<bool> {
        let mut names = self
            .connection
            .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
            .map_err(failure)?;
        let mut rows = names.query([]).map_err(failure)?;
        while let Some(row) = rows.next().map_err(failure)? {
            let name: String = row.get(0).map_err(failure)?;
            let known = tables.iter().any(|(table, _)| *table == name)
                || bookkeeping.contains(&name.as_str())
                || name.starts_with("sqlite_");
            if !known {
                return Ok(false);
            }
        }
        for (table, declared) in tables {
            let quoted = table.replace('"', "\"\"");
            let statement = match self
                .connection
                .prepare(&format!("SELECT * FROM \"{quoted}\""))
            {
                Ok(statement) => statement,
                Err(_) => return Ok(false),
            };
            if statement.column_names() != *declared {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `PRAGMA schema_version`: changes whenever anyone changes the file's schema.
    pub fn schema_version(&self) -> Result<i64> {
        self.connection
            .query_row("PRAGMA schema_version", [], |row| row.get(0))
            .map_err(failure)
    }

    /// The models of entity `E` that `statement` (a select of `E`'s columns) reads, built from the
    /// entity declaration (`direct_models`); `None` if a row holds something only sqlx should
    /// decode, and then the caller reads it through sqlx.
    pub fn models<E>(&self, statement: &Statement) -> Result<Option<Vec<E::Model>>>
    where
        E: sea_orm::EntityTrait,
        E::ActiveModel: sea_orm::TryIntoModel<E::Model>,
    {
        let mut models = Vec::new();
        let mut declined = false;
        self.each_row(statement, |row| {
            match crate::db::sqlite::direct_models::model_of::<E>(row.row) {
                Some(model) => models.push(model),
                None => declined = true,
            }
            Ok(!declined)
        })?;
        Ok((!declined).then_some(models))
    }

    /// The first column of the first row `statement` reads, if it is an integer (a count):
    /// `Some(None)` for no row, `None` for a value only sqlx should decode.
    pub fn first_integer(&self, statement: &Statement) -> Result<Option<Option<i64>>> {
        let mut first = Some(None);
        self.each_row(statement, |row| {
            first = match row.row.get_ref(0).map_err(failure)? {
                ValueRef::Integer(n) => Some(Some(n)),
                _ => None,
            };
            Ok(false)
        })?;
        Ok(first)
    }

    /// The versions recorded in the migration table `table` (sea-orm-migration's), or `None` if
    /// the database has no such table: what the shell checks at start-up.
    pub fn applied_migrations(&self, table: &str) -> Result<Option<Vec<String>>> {
        let quoted = table.replace('"', "\"\"");
        let sql = format!("SELECT \"version\" FROM \"{quoted}\"");
        let mut statement = match self.connection.prepare(&sql) {
            Ok(statement) => statement,
            // Another program's lock: waited for once (`--lock-wait`), not again to ask the
            // catalog.
            Err(error) if busy(&error) => return Err(failure(error)),
            // The one failure that is an answer: nothing migrated here yet.
            Err(_) if !self.has_table(table)? => return Ok(None),
            Err(error) => return Err(failure(error)),
        };
        let versions = statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(failure)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(failure)?;
        Ok(Some(versions))
    }

    fn has_table(&self, table: &str) -> Result<bool> {
        self.connection
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(failure)
    }
}

fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// `text REGEXP pattern` as sqlx's `with_regexp` defines it: the `regex` crate's syntax, the
/// pattern compiled once per statement, NULL for a NULL text.
fn register_regexp(connection: &Connection) -> rusqlite::Result<()> {
    connection.create_scalar_function(
        "regexp",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |context| {
            let pattern: Arc<regex::Regex> = context.get_or_create_aux(0, |pattern| {
                regex::Regex::new(pattern.as_str()?)
                    .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
            })?;
            Ok(match context.get_raw(1) {
                ValueRef::Null => None,
                ValueRef::Text(text) | ValueRef::Blob(text) => {
                    let text = std::str::from_utf8(text)
                        .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
                    Some(pattern.is_match(text))
                }
                ValueRef::Integer(n) => Some(pattern.is_match(&n.to_string())),
                ValueRef::Real(f) => Some(pattern.is_match(&f.to_string())),
            })
        },
    )
}

/// A statement's value as SQLite stores it (as sqlx binds it).
pub(super) fn bound(value: &Value) -> Result<SqlValue> {
    let integer = |n: Option<i64>| n.map_or(SqlValue::Null, SqlValue::Integer);
    Ok(match value {
        Value::Bool(v) => integer(v.map(i64::from)),
        Value::TinyInt(v) => integer(v.map(i64::from)),
        Value::SmallInt(v) => integer(v.map(i64::from)),
        Value::Int(v) => integer(v.map(i64::from)),
        Value::BigInt(v) => integer(*v),
        Value::TinyUnsigned(v) => integer(v.map(i64::from)),
        Value::SmallUnsigned(v) => integer(v.map(i64::from)),
        Value::Unsigned(v) => integer(v.map(i64::from)),
        Value::BigUnsigned(v) => match v {
            Some(n) => SqlValue::Integer(
                i64::try_from(*n).map_err(|_| Error::new(format!("{n} is too large")))?,
            ),
            None => SqlValue::Null,
        },
        Value::Float(v) => v.map_or(SqlValue::Null, |f| SqlValue::Real(f64::from(f))),
        Value::Double(v) => v.map_or(SqlValue::Null, SqlValue::Real),
        Value::String(v) => v.clone().map_or(SqlValue::Null, SqlValue::Text),
        Value::Char(v) => v.map_or(SqlValue::Null, |c| SqlValue::Text(c.to_string())),
        Value::Bytes(v) => v.clone().map_or(SqlValue::Null, SqlValue::Blob),
        other => {
            return Err(Error::new(format!(
                "a value of this kind cannot be sent to SQLite directly: {other:?}"
            )));
        }
    })
}

fn busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// A failure in SQLite's own words, as sqlx reports it (`error::describe_sqlx_err`).
pub(super) fn failure(error: rusqlite::Error) -> Error {
    match error {
        rusqlite::Error::SqliteFailure(code, message) => {
            let message = message.unwrap_or_else(|| code.to_string());
            Error::new(describe_sqlite_message(&message))
        }
        other => Error::new(other.to_string()),
    }
}

/// One row of a direct read.
pub struct DirectRow<'a> {
    row: &'a rusqlite::Row<'a>,
}

impl DirectRow<'_> {
    fn value(&self, column: &str) -> Result<ValueRef<'_>> {
        self.row.get_ref(column).map_err(failure)
    }
}

impl RowRead for DirectRow<'_> {
    fn integer(&self, column: &str) -> Result<i64> {
        match self.value(column)? {
            ValueRef::Integer(n) => Ok(n),
            // As SQLite converts them (`sqlite3_value_int64`), which is what sqlx reads.
            ValueRef::Real(f) => Ok(f as i64),
            ValueRef::Text(t) | ValueRef::Blob(t) => Ok(std::str::from_utf8(t)
                .ok()
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(0)),
            ValueRef::Null => Err(null_where(column, "an integer")),
        }
    }

    fn text(&self, column: &str) -> Result<Option<String>> {
        match self.value(column)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) | ValueRef::Blob(t) => Ok(Some(utf8(column, t)?.to_string())),
            ValueRef::Integer(n) => Ok(Some(n.to_string())),
            ValueRef::Real(f) => Ok(Some(f.to_string())),
        }
    }

    fn timestamp(&self, column: &str) -> Result<NaiveDateTime> {
        let parsed = match self.value(column)? {
            ValueRef::Text(t) | ValueRef::Blob(t) => timestamp_text(utf8(column, t)?),
            ValueRef::Integer(n) => DateTime::from_timestamp(n, 0).map(|t| t.naive_utc()),
            ValueRef::Real(days) => julian_day(days),
            ValueRef::Null => return Err(null_where(column, "a timestamp")),
        };
        parsed.ok_or_else(|| {
            Error::new(format!(
                "column {column} holds no date and time SQLite knows"
            ))
        })
    }

    fn cell(&self, column: &str, kind: &ColumnKind) -> Result<Cell> {
        let stored = match self.value(column)? {
            ValueRef::Null => Stored::Null,
            ValueRef::Integer(n) => Stored::Integer(n),
            ValueRef::Real(f) => Stored::Real(f),
            ValueRef::Text(t) => Stored::Text(t),
            ValueRef::Blob(b) => Stored::Blob(b),
        };
        Ok(stored.cell(kind))
    }
}

fn utf8<'t>(column: &str, bytes: &'t [u8]) -> Result<&'t str> {
    std::str::from_utf8(bytes).map_err(|e| {
        Error::new(format!(
            "error occurred while decoding column \"{column}\": {e}"
        ))
    })
}

/// A timestamp stored as text: the Flask app's `YYYY-MM-DD HH:MM:SS.ffffff` read by hand (what
/// almost every row holds), anything else as sqlx reads it (RFC 3339, then SQLite's date-time
/// forms, with `T` or a space, with or without seconds, fractions and offsets; an offset is
/// dropped, the wall time kept).
pub fn timestamp_text(text: &str) -> Option<NaiveDateTime> {
    if let Some(t) = plain_timestamp(text.as_bytes()) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.naive_local());
    }
    // sqlx's list and order (its `decode_datetime_from_text`).
    const FORMATS: [&str; 12] = [
        "%F %T%.f",
        "%F %R",
        "%F %RZ",
        "%F %R%:z",
        "%F %T%.fZ",
        "%F %T%.f%:z",
        "%FT%R",
        "%FT%RZ",
        "%FT%R%:z",
        "%FT%T%.f",
        "%FT%T%.fZ",
        "%FT%T%.f%:z",
    ];
    FORMATS.iter().find_map(|format| {
        DateTime::parse_from_str(text, format)
            .map(|t| t.naive_local())
            .or_else(|_| NaiveDateTime::parse_from_str(text, format))
            .ok()
    })
}

/// A Julian day number (SQLite's `julianday()`), as sqlx reads a REAL timestamp.
fn julian_day(days: f64) -> Option<NaiveDateTime> {
    let seconds = (days - 2_440_587.5) * 86_400.0;
    if !seconds.is_finite() {
        return None;
    }
    let nanos = (seconds.fract() * 1e9).abs() as u32;
    DateTime::from_timestamp(seconds.trunc() as i64, nanos).map(|t| t.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_read_timestamps_are_what_chrono_reads() {
        for text in [
            "2026-01-02 03:04:05.123456",
            "2026-01-02 03:04:05",
            "2026-01-02 03:04:05.1",
            "2026-01-02 03:04:05.123456789",
            "0987-12-31 23:59:59.000001",
        ] {
            assert_eq!(
                plain_timestamp(text.as_bytes()),
                NaiveDateTime::parse_from_str(text, "%F %T%.f").ok(),
                "{text}"
            );
            assert_eq!(timestamp_text(text), plain_timestamp(text.as_bytes()));
        }
    }

    #[test]
    fn other_forms_fall_back_to_sqlxs_reading() {
        let at = |text: &str| timestamp_text(text).map(|t| t.to_string());
        assert_eq!(plain_timestamp(b"2026-01-02T03:04:05"), None);
        assert_eq!(
            at("2026-01-02T03:04:05").as_deref(),
            Some("2026-01-02 03:04:05")
        );
        assert_eq!(
            at("2026-01-02 03:04").as_deref(),
            Some("2026-01-02 03:04:00")
        );
        assert_eq!(
            at("2026-01-02T03:04:05+02:00").as_deref(),
            Some("2026-01-02 03:04:05")
        );
        for wrong in [
            "2026-02-30 00:00:00",
            "2026-01-02 03:04:05.",
            "2026-01-02 03:04:05.1234567890",
            "2026-01-02 03:04:05x",
            "not a time",
            "",
        ] {
            assert_eq!(plain_timestamp(wrong.as_bytes()), None, "{wrong}");
        }
        assert_eq!(at("not a time"), None);
    }

    /// A bound LIMIT made SQLite prepare the cached statement again at every run.
    #[test]
    fn a_statement_with_a_limit_is_prepared_once_however_often_it_runs() {
        use sea_orm::sea_query::{Expr, ExprTrait, Query, SqliteQueryBuilder};
        let dir = std::env::temp_dir().join(format!("reader-limit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('a'), ('b'), ('c');")
            .unwrap();
        let reader = Reader::open(&path, Duration::from_secs(1)).unwrap();
        let mut select = Query::select();
        select
            .column("v")
            .from("t")
            .and_where(Expr::col("id").gt(0))
            .order_by("id", sea_orm::sea_query::Order::Asc);
        for (limit, offset) in [(Some(2), None), (Some(2), Some(1)), (None, None)] {
            let mut select = select.clone();
            if let Some(limit) = limit {
                select.limit(limit);
            }
            if let Some(offset) = offset {
                select.offset(offset);
            }
            let (sql, values) = select.build(SqliteQueryBuilder);
            let statement = Statement::from_sql_and_values(sea_orm::DbBackend::Sqlite, sql, values);
            let mut seen = Vec::new();
            for _ in 0..3 {
                seen.clear();
                reader
                    .each_row(&statement, |row| {
                        seen.push(row.row.get::<_, String>(0).unwrap());
                        Ok(true)
                    })
                    .unwrap();
            }
            let expected = match (limit, offset) {
                (Some(_), None) => vec!["a", "b"],
                (Some(_), Some(_)) => vec!["b", "c"],
                _ => vec!["a", "b", "c"],
            };
            assert_eq!(seen, expected, "{}", statement.sql);
            let (ran, _) = limits_written_in(&statement);
            let cached = reader.connection.prepare_cached(&ran).unwrap();
            assert_eq!(
                cached.get_status(rusqlite::StatementStatus::RePrepare),
                0,
                "{ran}"
            );
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
