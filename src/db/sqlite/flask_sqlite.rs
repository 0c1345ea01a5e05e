//! Timestamps on SQLite, written the way the Flask app writes them.
//!
//! SQLite has no date type: SQLAlchemy stores a naive UTC `DateTime` as the text
//! `YYYY-MM-DD HH:MM:SS.ffffff`, always six fraction digits. sqlx would write `%F %T%.f` (0, 3, 6 or 9
//! digits), which sorts and compares wrongly beside the Flask app's rows. Every data command's
//! statement passes through [`adapted`] (by `sql::conn::Conn::data`, or the direct SQLite reads),
//! which rewrites every date-time parameter (inserts, updates and `WHERE timestamp < ?` alike) into
//! SQLAlchemy's text. On other backends statements pass untouched: they have a real timestamp type.

use sea_orm::sea_query::{Value, Values};
use sea_orm::{DbBackend, Statement};

use crate::render::timestamp::sqlalchemy_text;

/// A statement as it is sent: on SQLite its date-time parameters as SQLAlchemy's text. Every data
/// command's statement passes here (through `Conn::data`, or the direct SQLite reads): kept for
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

pub(super) fn to_flask_text(value: &mut Value) {
    if let Value::ChronoDateTime(Some(dt)) = value {
        *value = Value::String(Some(sqlalchemy_text(dt)));
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
