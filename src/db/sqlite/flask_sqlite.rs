//! Timestamps on SQLite, written the way the Flask app writes them.
//!
//! SQLite has no date type: SQLAlchemy stores a naive UTC `DateTime` as the text
//! `YYYY-MM-DD HH:MM:SS.ffffff`, always six fraction digits. sqlx would write `%F %T%.f` (0, 3, 6 or 9
//! digits), which sorts and compares wrongly beside the Flask app's rows. This wrapper sits between
//! SeaORM and the connection and rewrites every date-time parameter of every statement (inserts,
//! updates and `WHERE timestamp < ?` alike) into SQLAlchemy's text. On other backends it passes
//! statements through untouched: they have a real timestamp type.

use sea_orm::entity::prelude::async_trait;
use sea_orm::sea_query::{Value, Values};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement};

use crate::render::timestamp::sqlalchemy_text;

/// A connection (or transaction) that stores timestamps as the Flask app does.
pub struct FlaskCompat<'a, C>(pub &'a C);

/// A statement as it is sent: on SQLite its date-time parameters as SQLAlchemy's text. Every data
/// command's statement passes here (through `FlaskCompat`, or the direct SQLite reads): kept for
/// `echo sql` and `explain`.
pub fn adapted(mut stmt: Statement) -> Statement {
    if stmt.db_backend == DbBackend::Sqlite
        && let Some(Values(values)) = &mut stmt.values
    {
        values.iter_mut().for_each(to_flask_text);
    }
    crate::db::sql::echo::record(&stmt);
    stmt
}

fn to_flask_text(value: &mut Value) {
    if let Value::ChronoDateTime(Some(dt)) = value {
        *value = Value::String(Some(sqlalchemy_text(dt)));
    }
}

#[async_trait::async_trait]
impl<C: ConnectionTrait> ConnectionTrait for FlaskCompat<'_, C> {
    fn get_database_backend(&self) -> DbBackend {
        self.0.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.0.execute_raw(adapted(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.0.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.0.query_one_raw(adapted(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.0.query_all_raw(adapted(stmt)).await
    }

    fn support_returning(&self) -> bool {
        self.0.support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn datetimes_become_sqlalchemys_text_with_six_fraction_digits() {
        let whole = NaiveDate::from_ymd_opt(2026, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        let mut v = Value::ChronoDateTime(Some(whole));
        to_flask_text(&mut v);
        assert_eq!(v, Value::String(Some("2026-01-02 03:04:05.000000".into())));

        let micro = whole + chrono::Duration::microseconds(1234);
        let mut v = Value::ChronoDateTime(Some(micro));
        to_flask_text(&mut v);
        assert_eq!(v, Value::String(Some("2026-01-02 03:04:05.001234".into())));
    }

    #[test]
    fn other_values_are_left_alone() {
        let mut v = Value::Int(Some(7));
        to_flask_text(&mut v);
        assert_eq!(v, Value::Int(Some(7)));
        let mut v = Value::ChronoDateTime(None);
        to_flask_text(&mut v);
        assert_eq!(v, Value::ChronoDateTime(None));
    }
}
