//! Entity models built from rows the SQLite reader read itself (`sqlite_direct`), so that a single
//! read (`get user`, the start-up check) needs no sqlx connection at all. The decoding comes from
//! the entity declaration: each column's declared type says which value to read, and the model is
//! assembled through SeaORM's own `ActiveModel::try_set`, so a column added to an entity is read
//! with no change here.
//!
//! Only what sqlx would read the same way is decoded: a stored value of another kind, a number out
//! of range, a NULL where the model has no room for one, a column type not listed here, and the
//! row is declined (`None`). The caller then reads it through sqlx, which gives its own answer or
//! its own error, exactly as before.

use rusqlite::types::ValueRef;
use sea_orm::sea_query::{ColumnType, Value};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IdenStatic, Iterable, TryIntoModel};

use crate::db::sqlite::sqlite_direct::timestamp_text;

/// The model of entity `E` in `row` (its columns by name), or `None` where sqlx should read it.
pub fn model_of<E>(row: &rusqlite::Row<'_>) -> Option<E::Model>
where
    E: EntityTrait,
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let mut model = <E::ActiveModel as ActiveModelTrait>::default();
    for column in E::Column::iter() {
        let stored = row.get_ref(column.as_str()).ok()?;
        let value = value_of(column.def().get_column_type(), stored)?;
        model.try_set(column, value).ok()?;
    }
    model.try_into_model().ok()
}

/// A stored value as the model field of this declared type holds it (sqlx's reading).
fn value_of(declared: &ColumnType, stored: ValueRef<'_>) -> Option<Value> {
    use ColumnType as T;
    use ValueRef as S;
    let text = |t: &[u8]| std::str::from_utf8(t).ok().map(str::to_owned);
    Some(match (declared, stored) {
        (T::TinyInteger, S::Integer(n)) => Value::TinyInt(Some(n.try_into().ok()?)),
        (T::TinyInteger, S::Null) => Value::TinyInt(None),
        (T::SmallInteger, S::Integer(n)) => Value::SmallInt(Some(n.try_into().ok()?)),
        (T::SmallInteger, S::Null) => Value::SmallInt(None),
        (T::Integer, S::Integer(n)) => Value::Int(Some(n.try_into().ok()?)),
        (T::Integer, S::Null) => Value::Int(None),
        (T::BigInteger, S::Integer(n)) => Value::BigInt(Some(n)),
        (T::BigInteger, S::Null) => Value::BigInt(None),
        (T::Boolean, S::Integer(n)) => Value::Bool(Some(n != 0)),
        (T::Boolean, S::Null) => Value::Bool(None),
        (T::Double, S::Real(f)) => Value::Double(Some(f)),
        (T::Double, S::Null) => Value::Double(None),
        (T::String(_) | T::Text | T::Char(_), S::Text(t)) => Value::String(Some(text(t)?)),
        (T::String(_) | T::Text | T::Char(_), S::Null) => Value::String(None),
        (T::DateTime | T::Timestamp, S::Text(t)) => {
            Value::ChronoDateTime(Some(timestamp_text(std::str::from_utf8(t).ok()?)?))
        }
        (T::DateTime | T::Timestamp, S::Null) => Value::ChronoDateTime(None),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn first<E>(connection: &Connection, sql: &str) -> Option<E::Model>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        let mut statement = connection.prepare(sql).unwrap();
        let mut rows = statement.query([]).unwrap();
        model_of::<E>(rows.next().unwrap().unwrap())
    }

    #[test]
    fn rows_as_the_flask_app_stores_them_become_models() {
        let connection = Connection::open_in_memory().unwrap();
        let user = first::<crate::entities::User>(
            &connection,
            "SELECT 'x' AS email, 7 AS id, NULL AS password_hash, 'ann' AS username",
        )
        .unwrap();
        assert_eq!(
            (user.id, user.username.as_str(), user.email.as_str()),
            (7, "ann", "x")
        );
        assert_eq!(user.password_hash, None);
        let post = first::<crate::entities::Post>(
            &connection,
            "SELECT 3 AS id, 'hi' AS body, '2026-01-02 03:04:05.123456' AS timestamp, 7 AS user_id",
        )
        .unwrap();
        assert_eq!(post.id, 3);
        assert_eq!(post.timestamp.to_string(), "2026-01-02 03:04:05.123456");
    }

    #[test]
    fn what_sqlx_might_read_otherwise_is_declined() {
        let connection = Connection::open_in_memory().unwrap();
        for sql in [
            // A NULL where the model has no room for one.
            "SELECT NULL AS id, 'a' AS username, 'x' AS email, NULL AS password_hash",
            // A number stored as text, a text stored as a number, an id beyond 32 bits.
            "SELECT '7' AS id, 'a' AS username, 'x' AS email, NULL AS password_hash",
            "SELECT 7 AS id, 12 AS username, 'x' AS email, NULL AS password_hash",
            "SELECT 4294967296 AS id, 'a' AS username, 'x' AS email, NULL AS password_hash",
            // Bytes that are not UTF-8, and a column missing.
            "SELECT 7 AS id, CAST(x'ff' AS TEXT) AS username, 'x' AS email, NULL AS password_hash",
            "SELECT 7 AS id, 'a' AS username, NULL AS password_hash",
        ] {
            assert_eq!(
                first::<crate::entities::User>(&connection, sql),
                None,
                "{sql}"
            );
        }
        let post = "SELECT 3 AS id, 'hi' AS body, 'yesterday' AS timestamp, 7 AS user_id";
        assert!(first::<crate::entities::Post>(&connection, post).is_none());
    }
}
