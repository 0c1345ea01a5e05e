//! `describe user|post`: a table's columns, indexes and foreign keys, read from the live database's
//! catalog (not from the entities, so drift shows). Each backend spells types its own way; they are
//! normalized here so the same schema describes the same everywhere.

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use crate::entities::EntityKind;
use crate::error::{Error, Result};
use crate::output::{Cell, Outcome, Rows};
use crate::raw_sql::cell_at;

struct Catalog {
    /// name, type, max length (PostgreSQL only), nullable ("YES"/"NO" or 0/1), primary key
    columns: &'static str,
    /// name, unique, comma-separated columns
    indexes: &'static str,
    /// column, referenced table, referenced column
    foreign_keys: &'static str,
}

const SQLITE: Catalog = Catalog {
    columns: "SELECT name, type, NULL, CASE \"notnull\" WHEN 1 THEN 'NO' ELSE 'YES' END, pk > 0 \
              FROM pragma_table_info(?) ORDER BY cid",
    indexes: "SELECT il.name, il.\"unique\", group_concat(ii.name, ',') FROM pragma_index_list(?) il \
              JOIN pragma_index_info(il.name) ii WHERE il.origin <> 'pk' GROUP BY il.name, il.\"unique\" \
              ORDER BY il.name",
    foreign_keys: "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq",
};

const POSTGRES: Catalog = Catalog {
    columns: "SELECT c.column_name::text, c.data_type::text, c.character_maximum_length::int8, \
              c.is_nullable::text, EXISTS (SELECT 1 FROM information_schema.table_constraints tc \
              JOIN information_schema.key_column_usage k ON k.constraint_name = tc.constraint_name \
              AND k.table_schema = tc.table_schema WHERE tc.constraint_type = 'PRIMARY KEY' \
              AND tc.table_schema = c.table_schema AND tc.table_name = c.table_name \
              AND k.column_name = c.column_name) \
              FROM information_schema.columns c WHERE c.table_schema = current_schema() \
              AND c.table_name = $1 ORDER BY c.ordinal_position",
    indexes: "SELECT i.relname::text, ix.indisunique, string_agg(a.attname::text, ',' ORDER BY \
              array_position(ix.indkey::int2[], a.attnum)) FROM pg_index ix \
              JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid \
              JOIN pg_namespace n ON n.oid = t.relnamespace \
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey) \
              WHERE t.relname = $1 AND n.nspname = current_schema() AND NOT ix.indisprimary \
              GROUP BY i.relname, ix.indisunique ORDER BY i.relname",
    foreign_keys: "SELECT a.attname::text, r.relname::text, ra.attname::text FROM pg_constraint c \
              JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
              JOIN pg_class r ON r.oid = c.confrelid \
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
              JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] \
              WHERE c.contype = 'f' AND t.relname = $1 AND n.nspname = current_schema() \
              ORDER BY c.conname",
};

const MYSQL: Catalog = Catalog {
    columns: "SELECT CAST(COLUMN_NAME AS CHAR), CAST(COLUMN_TYPE AS CHAR), NULL, \
              CAST(IS_NULLABLE AS CHAR), COLUMN_KEY = 'PRI' FROM information_schema.COLUMNS \
              WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
    indexes: "SELECT CAST(INDEX_NAME AS CHAR), NON_UNIQUE = 0, \
              CAST(GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ',') AS CHAR) \
              FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
              AND INDEX_NAME <> 'PRIMARY' GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME",
    foreign_keys: "SELECT CAST(COLUMN_NAME AS CHAR), CAST(REFERENCED_TABLE_NAME AS CHAR), \
              CAST(REFERENCED_COLUMN_NAME AS CHAR) FROM information_schema.KEY_COLUMN_USAGE \
              WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL \
              ORDER BY CONSTRAINT_NAME",
};

async fn query<C: ConnectionTrait>(db: &C, sql: &str, table: &str) -> Result<Vec<QueryResult>> {
    let backend = db.get_database_backend();
    let stmt = Statement::from_sql_and_values(backend, sql, [table.into()]);
    Ok(db.query_all_raw(stmt).await?)
}

fn text(row: &QueryResult, i: usize) -> String {
    match cell_at(row, i) {
        Cell::Null => String::new(),
        Cell::Text(s) => s,
        Cell::Int(n) => n.to_string(),
        Cell::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

fn truthy(row: &QueryResult, i: usize) -> bool {
    matches!(cell_at(row, i), Cell::Bool(true) | Cell::Int(1..))
}

/// One spelling per type across backends: `integer`, `varchar(64)`, `datetime`, ...
pub fn normalize_type(raw: &str, max_length: Option<i64>) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let base = lower.split('(').next().unwrap_or(&lower).trim();
    match base {
        "int" | "integer" | "int4" | "serial" | "mediumint" => "integer".to_string(),
        "bigint" | "int8" | "bigserial" => "bigint".to_string(),
        "smallint" | "int2" => "smallint".to_string(),
        "datetime" | "timestamp" | "timestamp without time zone" => "datetime".to_string(),
        "character varying" | "varchar" => match max_length {
            Some(n) => format!("varchar({n})"),
            None => lower.replace("character varying", "varchar"),
        },
        _ => lower,
    }
}

pub async fn describe<C: ConnectionTrait>(db: &C, entity: EntityKind) -> Result<Outcome> {
    let catalog = match db.get_database_backend() {
        DbBackend::Sqlite => &SQLITE,
        DbBackend::Postgres => &POSTGRES,
        _ => &MYSQL,
    };
    let table = entity.table_name();

    let columns = query(db, catalog.columns, table).await?;
    if columns.is_empty() {
        return Err(Error::new(format!(
            "table {table:?} does not exist: run migrate up"
        )));
    }
    let mut column_rows = Rows::new(&["column", "type", "nullable", "primary key"]);
    for row in &columns {
        let max_length = match cell_at(row, 2) {
            Cell::Int(n) => Some(n),
            _ => None,
        };
        column_rows.push(vec![
            text(row, 0).into(),
            normalize_type(&text(row, 1), max_length).into(),
            (text(row, 3) == "YES").into(),
            truthy(row, 4).into(),
        ]);
    }

    let mut index_rows = Rows::new(&["index", "columns", "unique"]);
    for row in query(db, catalog.indexes, table).await? {
        index_rows.push(vec![
            text(&row, 0).into(),
            text(&row, 2).into(),
            truthy(&row, 1).into(),
        ]);
    }

    let mut key_rows = Rows::new(&["foreign key", "references"]);
    for row in query(db, catalog.foreign_keys, table).await? {
        key_rows.push(vec![
            text(&row, 0).into(),
            format!("{}.{}", text(&row, 1), text(&row, 2)).into(),
        ]);
    }

    Ok(Outcome::Sections(vec![
        (format!("columns of {table}"), column_rows),
        ("indexes".to_string(), index_rows),
        ("foreign keys".to_string(), key_rows),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_spelled_the_same_on_every_backend() {
        assert_eq!(normalize_type("INTEGER", None), "integer");
        assert_eq!(normalize_type("int(11)", None), "integer");
        assert_eq!(normalize_type("character varying", Some(64)), "varchar(64)");
        assert_eq!(normalize_type("varchar(64)", None), "varchar(64)");
        assert_eq!(normalize_type("VARCHAR(140)", None), "varchar(140)");
        assert_eq!(
            normalize_type("timestamp without time zone", None),
            "datetime"
        );
        assert_eq!(normalize_type("DATETIME", None), "datetime");
        assert_eq!(normalize_type("text", None), "text");
    }
}
