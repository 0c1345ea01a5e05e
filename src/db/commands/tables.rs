//! The tables the shell does not declare (a later chapter's `followers`, `message`, `task`, ...),
//! as the live catalog describes them: `tables` lists them with their columns, foreign keys and
//! row counts, and `context` shows the same beside the entities.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, Func, Query};

use crate::command::vocabulary::{LiveTable, Vocabulary};
use crate::db::sql::row::integer;
use crate::error::Result;
use crate::render::{Cell, Outcome, Rows};

/// How many rows a table holds, as a cell (a table that cannot be read says why, in one word).
pub async fn row_count<C: ConnectionTrait>(db: &C, table: &LiveTable) -> Cell {
    let select = Query::select()
        .expr(Func::count(Expr::cust("*")))
        .from(Alias::new(&table.name))
        .to_owned();
    match db.query_one(&select).await {
        Ok(Some(row)) => integer(&row, 0).map_or(Cell::Null, Cell::Int),
        Ok(None) => Cell::Null,
        Err(_) => "unreadable".into(),
    }
}

/// `follower_id -> user.id, followed_id -> user.id`.
fn keys(table: &LiveTable) -> String {
    table
        .foreign_keys
        .iter()
        .map(|k| format!("{} -> {}.{}", k.column, k.table, k.references))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The tables beyond the entities, a row each: name, kind, columns, foreign keys, rows.
pub async fn listed<C: ConnectionTrait>(db: &C, vocabulary: &Vocabulary) -> Rows {
    let mut rows = Rows::new(&["table", "kind", "columns", "foreign keys", "rows"]);
    for table in vocabulary.tables() {
        let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        rows.push(vec![
            table.name.clone().into(),
            if table.view { "view" } else { "table" }.into(),
            columns.join(", ").into(),
            keys(table).into(),
            row_count(db, table).await,
        ]);
    }
    rows
}

/// `tables`.
pub async fn tables<C: ConnectionTrait>(db: &C, vocabulary: &Vocabulary) -> Result<Outcome> {
    if vocabulary.tables().is_empty() {
        return Ok(Outcome::Message(
            "No tables beyond user and post: this is the tutorial's chapter 4 schema".into(),
        ));
    }
    Ok(Outcome::Rows(listed(db, vocabulary).await))
}
