//! A row read by column name, whichever way it came: SeaORM's `QueryResult` (every backend, and
//! SQLite inside a transaction) or a row of the direct SQLite path (`sqlite_direct`). Listings turn
//! rows into cells through this one reading, so both ways give the same cells.

use chrono::NaiveDateTime;
use sea_orm::{ColIdx, QueryResult, sqlx};

use crate::error::{Error, Result};

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
