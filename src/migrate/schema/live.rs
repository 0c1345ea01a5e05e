//! The live schema, read from each backend's catalog (never written to: works read-only): every
//! table's columns and foreign keys in two statements ([`tables`], which the shell's vocabulary
//! is made from too), and for the migrations, each table's indexes.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::{BOOKKEEPING_TABLES, Column, ForeignKey, Index, Schema, Table, normalize_type};
use crate::command::EntityKind;
use crate::command::vocabulary::{ColumnKind, LiveColumn, LiveKey, LiveTable, Vocabulary};
use crate::entities;
use crate::error::Result;

struct Catalog {
    /// table names of the current database/schema
    tables: &'static str,
    /// Every column of every table and view, in one statement, all as text: table, column, type,
    /// nullable ("YES"/"NO"), primary key ("1"), has a default ("1"), "view" or "table"; a
    /// table's columns together and in their order (SQLite's without ORDER BY: its sorter was a
    /// sixth of start-up on a later chapter's file; the tables are sorted after).
    columns: &'static str,
    /// name, unique, comma-separated columns (of the table bound as the one parameter)
    indexes: &'static str,
    /// Every foreign key, as text: table, column, referenced table, referenced column.
    foreign_keys: &'static str,
}

const SQLITE: Catalog = Catalog {
    tables: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
    columns: "SELECT m.name AS c0, p.name AS c1, p.type AS c2, \
              CASE p.\"notnull\" WHEN 1 THEN 'NO' ELSE 'YES' END AS c3, \
              CASE WHEN p.pk > 0 THEN '1' ELSE '0' END AS c4, \
              CASE WHEN p.dflt_value IS NOT NULL THEN '1' ELSE '0' END AS c5, m.type AS c6 \
              FROM sqlite_master m JOIN pragma_table_info(m.name) p \
              WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'",
    indexes: "SELECT il.name, il.\"unique\", group_concat(ii.name, ',') FROM pragma_index_list(?) il \
              JOIN pragma_index_info(il.name) ii WHERE il.origin <> 'pk' GROUP BY il.name, il.\"unique\" \
              ORDER BY il.name",
    foreign_keys: "SELECT m.name AS c0, f.\"from\" AS c1, f.\"table\" AS c2, \
              coalesce(f.\"to\", 'id') AS c3 \
              FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
              WHERE m.type = 'table'",
};

const POSTGRES: Catalog = Catalog {
    tables: "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    columns: "SELECT cl.relname::text AS c0, a.attname::text AS c1, \
              format_type(a.atttypid, a.atttypmod)::text AS c2, \
              CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END AS c3, \
              CASE WHEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = cl.oid \
              AND i.indisprimary AND a.attnum = ANY(i.indkey)) THEN '1' ELSE '0' END AS c4, \
              CASE WHEN a.atthasdef OR a.attidentity <> '' THEN '1' ELSE '0' END AS c5, \
              CASE WHEN cl.relkind = 'v' THEN 'view' ELSE 'table' END AS c6 \
              FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace \
              JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped \
              WHERE n.nspname = current_schema() AND cl.relkind IN ('r', 'p', 'v') \
              ORDER BY cl.relname COLLATE \"C\", a.attnum",
    indexes: "SELECT i.relname::text, ix.indisunique, string_agg(a.attname::text, ',' ORDER BY \
              array_position(ix.indkey::int2[], a.attnum)) FROM pg_index ix \
              JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid \
              JOIN pg_namespace n ON n.oid = t.relnamespace \
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey) \
              WHERE t.relname = $1 AND n.nspname = current_schema() AND NOT ix.indisprimary \
              GROUP BY i.relname, ix.indisunique ORDER BY i.relname",
    foreign_keys: "SELECT t.relname::text AS c0, a.attname::text AS c1, r.relname::text AS c2, \
              ra.attname::text AS c3 FROM pg_constraint c \
              JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
              JOIN pg_class r ON r.oid = c.confrelid \
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
              JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] \
              WHERE c.contype = 'f' AND n.nspname = current_schema() \
              ORDER BY t.relname COLLATE \"C\", c.conname",
};

const MYSQL: Catalog = Catalog {
    tables: "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    columns: "SELECT CAST(c.TABLE_NAME AS CHAR) AS c0, CAST(c.COLUMN_NAME AS CHAR) AS c1, \
              CAST(c.COLUMN_TYPE AS CHAR) AS c2, CAST(c.IS_NULLABLE AS CHAR) AS c3, \
              CAST(IF(c.COLUMN_KEY = 'PRI', '1', '0') AS CHAR) AS c4, \
              CAST(IF((c.COLUMN_DEFAULT IS NOT NULL AND NOT (c.IS_NULLABLE = 'YES' AND \
              c.COLUMN_DEFAULT = 'NULL')) OR c.EXTRA LIKE '%auto_increment%', '1', '0') AS CHAR) AS c5, \
              CAST(IF(t.TABLE_TYPE = 'VIEW', 'view', 'table') AS CHAR) AS c6 \
              FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
              ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
              WHERE c.TABLE_SCHEMA = DATABASE() \
              ORDER BY CAST(c.TABLE_NAME AS BINARY), c.ORDINAL_POSITION",
    indexes: "SELECT CAST(INDEX_NAME AS CHAR), NON_UNIQUE = 0, \
              CAST(GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ',') AS CHAR) \
              FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
              AND INDEX_NAME <> 'PRIMARY' GROUP BY INDEX_NAME, NON_UNIQUE ORDER BY INDEX_NAME",
    foreign_keys: "SELECT CAST(TABLE_NAME AS CHAR) AS c0, CAST(COLUMN_NAME AS CHAR) AS c1, \
              CAST(REFERENCED_TABLE_NAME AS CHAR) AS c2, CAST(REFERENCED_COLUMN_NAME AS CHAR) AS c3 \
              FROM information_schema.KEY_COLUMN_USAGE \
              WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL \
              ORDER BY CAST(TABLE_NAME AS BINARY), CONSTRAINT_NAME",
};

fn catalog(backend: DbBackend) -> &'static Catalog {
    match backend {
        DbBackend::Sqlite => &SQLITE,
        DbBackend::Postgres => &POSTGRES,
        _ => &MYSQL,
    }
}

/// Where the catalog is read from: any SeaORM connection, or the shell's own SQLite reader (so
/// start-up needs no sqlx connection). Each catalog statement is written once, above.
pub trait CatalogRows {
    fn catalog_backend(&self) -> DbBackend;

    /// The rows of a statement without parameters whose columns are all text, named `c0`, `c1`,
    /// ...; `width` of them.
    fn text_rows(
        &self,
        sql: &'static str,
        width: usize,
    ) -> impl Future<Output = Result<Vec<Vec<String>>>>;
}

impl<C: ConnectionTrait> CatalogRows for C {
    fn catalog_backend(&self) -> DbBackend {
        self.get_database_backend()
    }

    async fn text_rows(&self, sql: &'static str, width: usize) -> Result<Vec<Vec<String>>> {
        let rows = query(self, sql, None).await?;
        Ok(rows
            .iter()
            .map(|row| (0..width).map(|i| text(row, i)).collect())
            .collect())
    }
}

/// Every table and view of the database (bookkeeping tables left out), with its columns and
/// foreign keys, in two statements whatever the number of tables.
pub async fn tables<S: CatalogRows>(db: &S) -> Result<Vec<LiveTable>> {
    let catalog = catalog(db.catalog_backend());
    let mut tables: Vec<LiveTable> = Vec::new();
    for row in db.text_rows(catalog.columns, 7).await? {
        let [table, name, kind, nullable, primary, default, view] = <[String; 7]>::try_from(row)
            .map_err(|_| crate::error::Error::new("the catalog gave a short row"))?;
        if BOOKKEEPING_TABLES.contains(&table.as_str()) {
            continue;
        }
        // A table's columns come together, in their order: the newest table is the one to add to.
        let at = match tables.iter().rposition(|t| t.name == table) {
            Some(at) => at,
            None => {
                tables.push(LiveTable {
                    name: table,
                    columns: Vec::new(),
                    foreign_keys: Vec::new(),
                    view: view == "view",
                });
                tables.len() - 1
            }
        };
        let sql_type = normalize_type(&kind, None);
        tables[at].columns.push(Arc::new(LiveColumn {
            name,
            kind: ColumnKind::of_type(&sql_type),
            sql_type,
            nullable: nullable == "YES",
            has_default: default == "1",
            primary_key: primary == "1",
        }));
    }
    for row in db.text_rows(catalog.foreign_keys, 4).await? {
        let [table, column, target, references] = <[String; 4]>::try_from(row)
            .map_err(|_| crate::error::Error::new("the catalog gave a short row"))?;
        if let Some(t) = tables.iter_mut().find(|t| t.name == table) {
            t.foreign_keys.push(LiveKey {
                column,
                table: target,
                references,
            });
        }
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    // In the order of their columns (SQLite numbers a table's keys from the last one declared).
    for table in &mut tables {
        let position = |column: &str| table.columns.iter().position(|c| c.name == column);
        let mut keys = std::mem::take(&mut table.foreign_keys);
        keys.sort_by_key(|k| position(&k.column));
        table.foreign_keys = keys;
    }
    Ok(tables)
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

/// One table as the migrations compare it: its columns and foreign keys from [`tables`], its
/// indexes read for it alone.
async fn with_indexes<C: ConnectionTrait>(db: &C, live: &LiveTable) -> Result<Table> {
    let catalog = catalog(db.get_database_backend());
    let columns = live
        .columns
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            kind: c.sql_type.clone(),
            nullable: c.nullable,
            primary_key: c.primary_key,
        })
        .collect();
    let mysql = db.get_database_backend() == DbBackend::MySql;
    let indexes = query(db, catalog.indexes, Some(&live.name))
        .await?
        .iter()
        .map(|row| Index {
            name: text(row, 0),
            unique: truthy(row, 1),
            columns: text(row, 2).split(',').map(str::to_string).collect(),
        })
        // MySQL makes an index of its own for a foreign key no index covers, named after the
        // column: not the model's (Alembic leaves them out too), so every backend reads alike.
        .filter(|index: &Index| {
            !(mysql
                && !index.unique
                && index.columns.len() == 1
                && index.name == index.columns[0]
                && live.key_of(&index.name).is_some())
        })
        .collect();
    let foreign_keys = live
        .foreign_keys
        .iter()
        .map(|k| ForeignKey {
            column: k.column.clone(),
            table: k.table.clone(),
            references: k.references.clone(),
        })
        .collect();
    Ok(Table {
        columns,
        indexes,
        foreign_keys,
    })
}

/// One table (or view), or `None` when it does not exist.
pub async fn read_table<C: ConnectionTrait>(db: &C, name: &str) -> Result<Option<Table>> {
    match tables(db).await?.iter().find(|t| t.name == name) {
        Some(live) => Ok(Some(with_indexes(db, live).await?)),
        None => Ok(None),
    }
}

/// Every table of the model's kind: bookkeeping tables and views left out.
pub async fn read<C: ConnectionTrait>(db: &C) -> Result<Schema> {
    let mut schema = Schema::default();
    for live in tables(db).await?.iter().filter(|t| !t.view) {
        schema
            .tables
            .insert(live.name.clone(), with_indexes(db, live).await?);
    }
    Ok(schema)
}

/// What the shell's commands know of the database beyond what they name: the columns of `user`
/// and `post` other than the named ones (`entities::named_columns`; an entity may declare more,
/// which are data like a later chapter's), and every other table (views included).
pub fn vocabulary(tables: Vec<LiveTable>) -> Vocabulary {
    let mut user = Vec::new();
    let mut post = Vec::new();
    let mut others = Vec::new();
    for table in tables {
        let entity = EntityKind::ALL
            .into_iter()
            .find(|e| entities::table_name(*e) == table.name && !table.view);
        match entity {
            Some(entity) => {
                let named = entities::named_columns(entity);
                let extras = table
                    .columns
                    .iter()
                    .filter(|c| !named.contains(&c.name))
                    .map(|c| LiveColumn::clone(c));
                match entity {
                    EntityKind::User => user.extend(extras),
                    EntityKind::Post => post.extend(extras),
                }
            }
            None => others.push(table),
        }
    }
    Vocabulary::new(user, post, others)
}

/// The entities' tables with the columns the command language names, in the entities' order: a
/// database with exactly these has nothing beyond them to read from its catalog.
pub fn declared_tables() -> Vec<(&'static str, Vec<String>)> {
    EntityKind::ALL
        .into_iter()
        .map(|e| (entities::table_name(e), entities::named_columns(e)))
        .collect()
}
