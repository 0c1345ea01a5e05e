//! `sql STATEMENT`: the escape hatch. Statements that return rows print them as a table; others print
//! how many rows they changed. Which is which, the database says when it prepares the statement
//! (text such as `'returning@x'` misled a guess from the words). Cells are decoded by trying the
//! types a backend may hand back.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement};

use crate::command::sql_words::keywords;
use crate::error::Result;
use crate::render::{Cell, Outcome, Rows};

/// The columns the statement returns (none: it returns no rows), as the database says when it
/// prepares it: a prepared statement knows its result columns (`sqlite3_column_count`, PostgreSQL's and MySQL's describe).
/// Prepared on `describer`, a read-only connection of its own, so nothing runs and the session's
/// transaction is not touched. `None` when it cannot be prepared alone (several statements, a
/// table the open transaction created, a statement the server will not prepare).
pub async fn database_says_rows(describer: &DatabaseConnection, sql: &str) -> Option<Vec<String>> {
    use sea_orm::sqlx::{AssertSqlSafe, Column, Executor, SqlSafeStr, Statement as _};
    fn names<C: Column>(columns: &[C]) -> Vec<String> {
        columns.iter().map(|c| c.name().to_string()).collect()
    }
    // The same for each driver's pool; only the pool's type differs.
    macro_rules! columns_from {
        ($pool:expr) => {{
            let mut conn = $pool.acquire().await.ok()?;
            let prepared = conn
                .prepare(AssertSqlSafe(sql.to_string()).into_sql_str())
                .await
                .ok()?;
            names(prepared.columns())
        }};
    }
    let columns = match describer.get_database_backend() {
        DbBackend::Sqlite => columns_from!(describer.get_sqlite_connection_pool()),
        DbBackend::Postgres => columns_from!(describer.get_postgres_connection_pool()),
        DbBackend::MySql => columns_from!(describer.get_mysql_connection_pool()),
        _ => return None,
    };
    Some(columns)
}

/// When the database cannot say: the statement's first keyword, or a `RETURNING` keyword, read
/// outside string literals, quoted identifiers and comments.
pub fn looks_like_rows(sql: &str) -> bool {
    let words = keywords(sql);
    let first = words.first().map(String::as_str).unwrap_or("");
    matches!(
        first,
        "select"
            | "with"
            | "values"
            | "pragma"
            | "show"
            | "explain"
            | "describe"
            | "desc"
            | "table"
    ) || words.iter().any(|w| w == "returning")
}

/// Whether a statement may change the schema (or end a transaction that did): after it, the
/// shell reads the catalog again. Reads and plain writes need not.
pub fn may_change_schema(sql: &str) -> bool {
    let words = keywords(sql);
    matches!(
        words.first().map(String::as_str),
        Some(
            "create"
                | "alter"
                | "drop"
                | "rename"
                | "attach"
                | "detach"
                | "commit"
                | "rollback"
                | "end"
                | "do"
                | "call"
        )
    )
}

/// Whether MySQL/MariaDB commit the open transaction before running this statement (schema
/// changes, locks, grants, ...): in a sandbox it would make everything before it permanent.
pub fn commits_implicitly(sql: &str) -> bool {
    let words = keywords(sql);
    // `SET autocommit = 1` commits what is open too.
    if words.first().is_some_and(|w| w == "set") && words.iter().any(|w| w == "autocommit") {
        return true;
    }
    matches!(
        words.first().map(String::as_str),
        Some(
            "create"
                | "alter"
                | "drop"
                | "truncate"
                | "rename"
                | "grant"
                | "revoke"
                | "lock"
                | "unlock"
                | "analyze"
                | "optimize"
                | "repair"
                | "flush"
                | "install"
                | "uninstall"
                | "begin"
                | "start"
                | "commit"
                | "cache"
                | "reset"
        )
    )
}

/// Runs a statement: its rows as a table if it returns rows (asked of `describer` when there is
/// one), else how many rows it changed.
pub async fn run<C: ConnectionTrait>(
    db: &C,
    describer: Option<&DatabaseConnection>,
    sql: &str,
) -> Result<Outcome> {
    let columns = match describer {
        Some(describer) => database_says_rows(describer, sql).await,
        None => None,
    };
    let rows = match &columns {
        Some(columns) => !columns.is_empty(),
        None => looks_like_rows(sql),
    };
    if rows {
        let backend = db.get_database_backend();
        let results = db
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        let mut rows = to_rows(&results);
        // No row to read the names from: the prepared statement's.
        if results.is_empty() {
            rows.columns = columns.unwrap_or_default();
        }
        return Ok(Outcome::Rows(rows));
    }
    let result = db.execute_unprepared(sql).await?;
    let n = result.rows_affected();
    Ok(Outcome::Message(format!(
        "{n} row{} affected",
        if n == 1 { "" } else { "s" }
    )))
}

pub fn to_rows(results: &[QueryResult]) -> Rows {
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
    fn keywords_inside_literals_comments_and_identifiers_do_not_count() {
        for sql in [
            "update user set email = 'returning@x' where id = 1",
            "update \"returning\" set x = 1",
            "update user set email = 'x' -- returning id",
            "/* select */ delete from post",
            "update `select` set x = 'it''s returning'",
        ] {
            assert!(!looks_like_rows(sql), "{sql}");
        }
        assert!(looks_like_rows("/* a comment */ SELECT 1"));
        assert!(looks_like_rows("-- first\nselect 1"));
    }

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
            assert!(looks_like_rows(sql), "{sql}");
        }
        for sql in [
            "DELETE FROM post",
            "update user set email = 'x'",
            "CREATE TABLE t (x int)",
            "selector",
        ] {
            assert!(!looks_like_rows(sql), "{sql}");
        }
    }
}
