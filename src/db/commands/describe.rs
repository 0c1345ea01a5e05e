//! `describe user|post|TABLE`: a table's columns, indexes and foreign keys, read from the live
//! database's catalog (not from the entities, so drift shows, and the columns a later chapter
//! added are there), in the one spelling of types that [`crate::migrate::schema`] gives every
//! backend.

use sea_orm::ConnectionTrait;

use crate::command::EntityKind;
use crate::entities;
use crate::error::{Error, Result};
use crate::migrate::schema::live;
use crate::render::{Outcome, Rows};

pub async fn describe<C: ConnectionTrait>(db: &C, entity: EntityKind) -> Result<Outcome> {
    describe_table(db, entities::table_name(entity)).await
}

/// Any table (or view) of the database, by its name in the catalog.
pub async fn describe_table<C: ConnectionTrait>(db: &C, table: &str) -> Result<Outcome> {
    let Some(live) = live::read_table(db, table).await? else {
        return Err(Error::new(format!(
            "table {table:?} does not exist: run migrate up"
        )));
    };
    let mut column_rows = Rows::new(&["column", "type", "nullable", "primary key"]);
    for c in &live.columns {
        column_rows.push(vec![
            c.name.clone().into(),
            c.kind.clone().into(),
            c.nullable.into(),
            c.primary_key.into(),
        ]);
    }
    let mut index_rows = Rows::new(&["index", "columns", "unique"]);
    for i in &live.indexes {
        index_rows.push(vec![
            i.name.clone().into(),
            i.columns.join(",").into(),
            i.unique.into(),
        ]);
    }
    let mut key_rows = Rows::new(&["foreign key", "references"]);
    for k in &live.foreign_keys {
        key_rows.push(vec![
            k.column.clone().into(),
            format!("{}.{}", k.table, k.references).into(),
        ]);
    }
    Ok(Outcome::Sections(vec![
        (format!("columns of {table}"), column_rows),
        ("indexes".to_string(), index_rows),
        ("foreign keys".to_string(), key_rows),
    ]))
}
