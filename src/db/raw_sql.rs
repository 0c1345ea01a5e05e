//! `sql STATEMENT`: the escape hatch. Statements that return rows print them as a table; others print
//! how many rows they changed. Cells are decoded by trying the types a backend may hand back.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use sea_orm::{ConnectionTrait, QueryResult, Statement};

use crate::error::Result;
use crate::render::{Cell, Outcome, Rows};

/// Whether a statement produces rows (by its first word, or a `RETURNING` clause).
pub fn returns_rows(sql: &str) -> bool {
    let first = sql
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "select"
            | "with"
            | "values"
            | "pragma"
            | "show"
            | "explain"
            | "describe"
            | "desc"
            | "table"
    ) || sql.to_ascii_lowercase().contains("returning")
}

pub async fn run<C: ConnectionTrait>(db: &C, sql: &str) -> Result<Outcome> {
    if returns_rows(sql) {
        let backend = db.get_database_backend();
        let results = db
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        return Ok(Outcome::Rows(to_rows(&results)));
    }
    let result = db.execute_unprepared(sql).await?;
    let n = result.rows_affected();
    Ok(Outcome::Message(format!(
        "{n} row{} affected",
        if n == 1 { "" } else { "s" }
    )))
}

fn to_rows(results: &[QueryResult]) -> Rows {
    let Some(first) = results.first() else {
        return Rows::default();
    };
    let columns = first.column_names();
    let rows = results
        .iter()
        .map(|row| (0..columns.len()).map(|i| cell_at(row, i)).collect())
        .collect();
    Rows { columns, rows }
}

/// The value at column `i`, as the first type that decodes it.
fn cell_at(row: &QueryResult, i: usize) -> Cell {
    macro_rules! attempt {
        ($t:ty, $into:expr) => {
            if let Ok(v) = row.try_get_by_index::<Option<$t>>(i) {
                return v.map_or(Cell::Null, $into);
            }
        };
    }
    attempt!(i64, Cell::Int);
    attempt!(i32, |v| Cell::Int(v.into()));
    attempt!(i16, |v| Cell::Int(v.into()));
    attempt!(i8, |v| Cell::Int(v.into()));
    attempt!(u32, |v| Cell::Int(v.into()));
    attempt!(f64, Cell::Float);
    attempt!(f32, |v| Cell::Float(v.into()));
    attempt!(bool, Cell::Bool);
    attempt!(String, Cell::Text);
    attempt!(NaiveDateTime, Cell::Timestamp);
    attempt!(chrono::DateTime<chrono::Utc>, |v| Cell::Timestamp(
        v.naive_utc()
    ));
    attempt!(NaiveDate, |v| Cell::Text(v.to_string()));
    attempt!(NaiveTime, |v| Cell::Text(v.to_string()));
    attempt!(Vec<u8>, |v| Cell::Text(
        String::from_utf8_lossy(&v).into_owned()
    ));
    Cell::Text("(value of an unsupported type)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_that_return_rows() {
        for sql in [
            "SELECT 1",
            "  select * from user",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "(select 1)",
            "PRAGMA table_info(user)",
            "show tables",
            "EXPLAIN SELECT 1",
            "DELETE FROM post RETURNING id",
        ] {
            assert!(returns_rows(sql), "{sql}");
        }
        for sql in [
            "DELETE FROM post",
            "update user set email = 'x'",
            "CREATE TABLE t (x int)",
            "selector",
        ] {
            assert!(!returns_rows(sql), "{sql}");
        }
    }
}
