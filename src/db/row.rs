//! A row read by column name, whichever way it came: SeaORM's `QueryResult` (every backend, and
//! SQLite inside a transaction) or a row of the direct SQLite path (`sqlite_direct`). Listings turn
//! rows into cells through this one reading, so both ways give the same cells.

use chrono::NaiveDateTime;
use sea_orm::{ColIdx, QueryResult};

use crate::error::{Error, Result};

pub trait RowRead {
    /// An integer column, whatever width the backend gives it (`COUNT` is 64-bit, ids 32-bit).
    fn integer(&self, column: &str) -> Result<i64>;
    /// A text column; `None` for NULL.
    fn text(&self, column: &str) -> Result<Option<String>>;
    fn timestamp(&self, column: &str) -> Result<NaiveDateTime>;

    /// A text column that the schema says is never NULL.
    fn required_text(&self, column: &str) -> Result<String> {
        self.text(column)?
            .ok_or_else(|| Error::new(format!("column {column} is NULL where text was expected")))
    }
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
    match row.try_get_by::<i64, I>(column) {
        Ok(n) => Ok(n),
        Err(_) => Ok(i64::from(row.try_get_by::<i32, I>(column)?)),
    }
}
