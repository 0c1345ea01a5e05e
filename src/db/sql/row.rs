//! A row read by column name, whichever way it came: SeaORM's `QueryResult` (every backend, and
//! SQLite inside a transaction) or a row of the direct SQLite path (`sqlite_direct`). Listings turn
//! rows into cells through this one reading, so both ways give the same cells.

use chrono::NaiveDateTime;
use sea_orm::{ColIdx, QueryResult, sqlx};

use crate::command::vocabulary::ColumnKind;
use crate::error::{Error, Result};
use crate::render::Cell;

/// A value as SQLite stored it: its storage class decides how it reads, whichever way it came
/// (the reader on this thread or sqlx), so both give the same cell.
pub enum Stored<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

impl Stored<'_> {
    /// The cell of a column the catalog describes: its kind says how to show what is stored
    /// (an integer in a boolean column is true or false, a timestamp's text a timestamp), and a
    /// value of another class is shown as it is, never refused.
    pub fn cell(&self, kind: &ColumnKind) -> Cell {
        match (self, kind) {
            (Stored::Null, _) => Cell::Null,
            (Stored::Integer(n), ColumnKind::Boolean) => Cell::Bool(*n != 0),
            (Stored::Integer(n), _) => Cell::Int(*n),
            (Stored::Real(f), _) => Cell::Float(*f),
            (Stored::Text(t), ColumnKind::Timestamp) => {
                let text = String::from_utf8_lossy(t);
                match crate::db::sqlite::sqlite_direct::timestamp_text(&text) {
                    Some(time) => Cell::Timestamp(time),
                    None => Cell::Text(text.into_owned()),
                }
            }
            (Stored::Text(t) | Stored::Blob(t), _) => match std::str::from_utf8(t) {
                Ok(text) => Cell::Text(text.to_string()),
                // Bytes that are no text: as SQLite writes a blob literal, not half-decoded.
                Err(_) => Cell::Text(format!(
                    "x'{}'",
                    t.iter().map(|b| format!("{b:02x}")).collect::<String>()
                )),
            },
        }
    }
}

pub trait RowRead {
    /// An integer column, whatever width the backend gives it (`COUNT` is 64-bit, ids 32-bit).
    fn integer(&self, column: &str) -> Result<i64>;
    /// A text column; `None` for NULL.
    fn text(&self, column: &str) -> Result<Option<String>>;
    fn timestamp(&self, column: &str) -> Result<NaiveDateTime>;

    /// A text column that the schema says is never NULL.
    fn required_text(&self, column: &str) -> Result<String> {
        self.text(column)?.ok_or_else(|| null_where(column, "text"))
    }

    /// A column the catalog describes (one the entities do not declare), read as its kind says
    /// and shown as it is when it holds something else; NULL as an empty cell.
    fn cell(&self, column: &str, kind: &ColumnKind) -> Result<Cell>;
}

/// A catalog column's cell from a server's row (PostgreSQL, MySQL/MariaDB), whose value the
/// listing's statement cast to the kind's one type (see `filter::read_live_column`).
macro_rules! server_cell {
    ($row:expr, $column:expr, $kind:expr) => {{
        use sea_orm::sqlx::{Row, ValueRef};
        let row = $row;
        let column: &str = $column;
        if row.try_get_raw(column)?.is_null() {
            Ok::<Cell, Error>(Cell::Null)
        } else {
            Ok(match $kind {
                ColumnKind::Integer => Cell::Int(row.try_get::<i64, _>(column)?),
                ColumnKind::Float => Cell::Float(row.try_get::<f64, _>(column)?),
                // PostgreSQL's boolean; MySQL's tinyint(1), read as the number it is there.
                ColumnKind::Boolean => Cell::Bool(match row.try_get::<bool, _>(column) {
                    Ok(b) => b,
                    Err(_) => row.try_get::<i64, _>(column)? != 0,
                }),
                ColumnKind::Timestamp => Cell::Timestamp(row.try_get::<NaiveDateTime, _>(column)?),
                ColumnKind::Text { .. } | ColumnKind::Date | ColumnKind::Other => {
                    Cell::Text(row.try_get::<String, _>(column)?)
                }
            })
        }
    }};
}
pub(crate) use server_cell;

/// The stored value of a column of sqlx's SQLite row, by its storage class.
fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, column: &str, kind: &ColumnKind) -> Result<Cell> {
    use sqlx::{Row, TypeInfo, ValueRef};
    let raw = row.try_get_raw(column)?;
    // A NULL's type is the column's declared one: asked first.
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    let class = raw.type_info().name().to_string();
    let stored = match class.as_str() {
        "NULL" => return Ok(Cell::Null),
        "INTEGER" => Stored::Integer(row.try_get::<i64, _>(column)?),
        "REAL" => Stored::Real(row.try_get::<f64, _>(column)?),
        "BLOB" => {
            let bytes = row.try_get::<Vec<u8>, _>(column)?;
            return Ok(Stored::Blob(&bytes).cell(kind));
        }
        _ => {
            let bytes = row.try_get::<Vec<u8>, _>(column)?;
            return Ok(Stored::Text(&bytes).cell(kind));
        }
    };
    Ok(stored.cell(kind))
}

/// A NULL read where the schema promises a value.
pub fn null_where(column: &str, what: &str) -> Error {
    Error::new(format!("column {column} is NULL where {what} was expected"))
}

impl RowRead for QueryResult {
    fn integer(&self, column: &str) -> Result<i64> {
        integer(self, column)
    }

    fn text(&self, column: &str) -> Result<Option<String>> {
        Ok(self.try_get("", column)?)
    }

    fn timestamp(&self, column: &str) -> Result<NaiveDateTime> {
        Ok(self.try_get("", column)?)
    }

    fn cell(&self, column: &str, kind: &ColumnKind) -> Result<Cell> {
        if let Some(row) = self.try_as_pg_row() {
            return server_cell!(row, column, kind);
        }
        if let Some(row) = self.try_as_mysql_row() {
            return server_cell!(row, column, kind);
        }
        match self.try_as_sqlite_row() {
            Some(row) => sqlite_cell(row, column, kind),
            None => Ok(Cell::Null),
        }
    }
}

/// An integer column (by name or position), whatever width the backend gives it.
pub fn integer<I: ColIdx>(row: &QueryResult, column: I) -> Result<i64> {
    if let Some(row) = row.try_as_pg_row() {
        return at_its_width(row, column.as_sqlx_postgres_index());
    }
    if let Some(row) = row.try_as_mysql_row() {
        return at_its_width(row, column.as_sqlx_mysql_index());
    }
    // SQLite stores every integer in 64 bits.
    match row.try_get_by::<i64, I>(column) {
        Ok(n) => Ok(n),
        Err(_) => Ok(i64::from(row.try_get_by::<i32, I>(column)?)),
    }
}

/// An integer of either width from a server's row, the width asked of the column's type first:
/// a failed decode formats an error message, which was a tenth of an export's time.
pub fn at_its_width<R, I>(row: &R, column: I) -> Result<i64>
where
    R: sqlx::Row,
    I: sqlx::ColumnIndex<R>,
    usize: sqlx::ColumnIndex<R>,
    i32: sqlx::Type<R::Database> + for<'r> sqlx::Decode<'r, R::Database>,
    i64: sqlx::Type<R::Database> + for<'r> sqlx::Decode<'r, R::Database>,
{
    use sqlx::{TypeInfo, ValueRef};
    let column = column.index(row)?;
    let narrow = {
        let raw = row.try_get_raw(column)?;
        let type_info = raw.type_info();
        !type_info.is_null() && <i32 as sqlx::Type<R::Database>>::compatible(&type_info)
    };
    if narrow {
        Ok(i64::from(row.try_get::<i32, usize>(column)?))
    } else {
        Ok(row.try_get::<i64, usize>(column)?)
    }
}
