//! Column definitions shared by the migrations, written so that each backend gets the column type that
//! SQLAlchemy gives it (a Flask-Migrate database and ours must be indistinguishable).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// `id` integer primary key: a rowid alias on SQLite (as SQLAlchemy writes it, without
/// AUTOINCREMENT), `serial` on PostgreSQL, `int AUTO_INCREMENT` on MySQL/MariaDB.
pub fn id_column<T: IntoIden>(backend: DbBackend, name: T) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.integer().not_null().primary_key();
    if backend != DbBackend::Sqlite {
        column.auto_increment();
    }
    column
}

/// A naive UTC date-time: `DATETIME` on SQLite (sea-query would say `datetime_text`, which changes the
/// column's affinity), `timestamp without time zone` on PostgreSQL, `datetime` on MySQL/MariaDB.
pub fn timestamp_column<T: IntoIden>(backend: DbBackend, name: T) -> ColumnDef {
    let mut column = datetime_column(backend, name);
    column.not_null();
    column
}

/// The same type, nullability left to the caller (generated migrations use it).
pub fn datetime_column<T: IntoIden>(backend: DbBackend, name: T) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    if backend == DbBackend::Sqlite {
        column.custom("DATETIME");
    } else {
        column.date_time();
    }
    column
}
