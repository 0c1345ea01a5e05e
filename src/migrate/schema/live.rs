//! The live schema, read from each backend's catalog (never written to: works read-only).

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::{BOOKKEEPING_TABLES, Column, ForeignKey, Index, Schema, Table, normalize_type};
use crate::error::Result;

struct Catalog {
    /// table names of the current database/schema
    tables: &'static str,
    /// name, type, max length (PostgreSQL only), nullable ("YES"/"NO"), primary key
    columns: &'static str,
    /// name, unique, comma-separated columns
    indexes: &'static str,
    /// column, referenced table, referenced column
    foreign_keys: &'static str,
}

const SQLITE: Catalog = Catalog {
    tables: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
    columns: "SELECT name, type, NULL, CASE \"notnull\" WHEN 1 THEN 'NO' ELSE 'YES' END, pk > 0 \
              FROM pragma_table_info(?) ORDER BY cid",
    indexes: "SELECT il.name, il.\"unique\", group_concat(ii.name, ',') FROM pragma_index_list(?) il \
              JOIN pragma_index_info(il.name) ii WHERE il.origin <> 'pk' GROUP BY il.name, il.\"unique\" \
              ORDER BY il.name",
    foreign_keys: "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq",
};

const POSTGRES: Catalog = Catalog {
    tables: "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
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
    tables: "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
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

fn catalog(backend: DbBackend) -> &'static Catalog {
    match backend {
        DbBackend::Sqlite => &SQLITE,
        DbBackend::Postgres => &POSTGRES,
        _ => &MYSQL,
    }
}

async fn query<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    table: Option<&str>,
) -> Result<Vec<QueryResult>> {
    let backend = db.get_database_backend();
    let values = table.map(|t| t.into()).into_iter();
    let stmt = Statement::from_sql_and_values(backend, sql, values);
    Ok(db.query_all_raw(stmt).await?)
}

/// A catalog value as text, whichever type the backend hands back (NULL as empty).
fn text(row: &QueryResult, i: usize) -> String {
    if let Ok(v) = row.try_get_by_index::<Option<String>>(i) {
        return v.unwrap_or_default();
    }
    if let Some(n) = number(row, i) {
        return n.to_string();
    }
    match row.try_get_by_index::<Option<Vec<u8>>>(i) {
        Ok(v) => String::from_utf8_lossy(&v.unwrap_or_default()).into_owned(),
        Err(_) => String::new(),
    }
}

/// A catalog number (a length, a flag), whichever integer type the backend uses.
fn number(row: &QueryResult, i: usize) -> Option<i64> {
    if let Ok(v) = row.try_get_by_index::<Option<i64>>(i) {
        return v;
    }
    if let Ok(v) = row.try_get_by_index::<Option<i32>>(i) {
        return v.map(i64::from);
    }
    if let Ok(v) = row.try_get_by_index::<Option<i8>>(i) {
        return v.map(i64::from);
    }
    if let Ok(v) = row.try_get_by_index::<Option<u32>>(i) {
        return v.map(i64::from);
    }
    None
}

/// A catalog flag: a boolean, or a number that is not 0.
fn truthy(row: &QueryResult, i: usize) -> bool {
    match row.try_get_by_index::<Option<bool>>(i) {
        Ok(v) => v.unwrap_or(false),
        Err(_) => number(row, i).is_some_and(|n| n > 0),
    }
}

/// Every table of the database, bookkeeping ones included.
pub async fn table_names<C: ConnectionTrait>(db: &C) -> Result<Vec<String>> {
    let rows = query(db, catalog(db.get_database_backend()).tables, None).await?;
    Ok(rows.iter().map(|r| text(r, 0)).collect())
}

/// One table, or `None` when it does not exist.
pub async fn read_table<C: ConnectionTrait>(db: &C, name: &str) -> Result<Option<Table>> {
    let catalog = catalog(db.get_database_backend());
    let columns: Vec<Column> = query(db, catalog.columns, Some(name))
        .await?
        .iter()
        .map(|row| {
            let max_length = number(row, 2);
            Column {
                name: text(row, 0),
                kind: normalize_type(&text(row, 1), max_length),
                nullable: text(row, 3) == "YES",
                primary_key: truthy(row, 4),
            }
        })
        .collect();
    if columns.is_empty() {
        return Ok(None);
    }
    let indexes = query(db, catalog.indexes, Some(name))
        .await?
        .iter()
        .map(|row| Index {
            name: text(row, 0),
            unique: truthy(row, 1),
            columns: text(row, 2).split(',').map(str::to_string).collect(),
        })
        .collect();
    let foreign_keys = query(db, catalog.foreign_keys, Some(name))
        .await?
        .iter()
        .map(|row| ForeignKey {
            column: text(row, 0),
            table: text(row, 1),
            references: text(row, 2),
        })
        .collect();
    Ok(Some(Table {
        columns,
        indexes,
        foreign_keys,
    }))
}

/// Every table of the model's kind: bookkeeping tables left out.
pub async fn read<C: ConnectionTrait>(db: &C) -> Result<Schema> {
    let mut schema = Schema::default();
    for name in table_names(db).await? {
        if BOOKKEEPING_TABLES.contains(&name.as_str()) {
            continue;
        }
        if let Some(table) = read_table(db, &name).await? {
            schema.tables.insert(name, table);
        }
    }
    Ok(schema)
}
