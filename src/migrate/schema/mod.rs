//! The schema as plain data, from two sides: what the entities declare (`expected`) and what the
//! live database holds (`live`); `diff` lists the differences (for `migrate check`, `status` and
//! `generate --autogenerate`) and `codegen` writes a migration that removes them.
//!
//! Types are compared in one spelling across backends (`integer`, `varchar(64)`, `datetime`), and
//! indexes by name with SQLAlchemy's naming (`ix_<table>_<column>`), so a database that
//! Flask-Migrate created and one that `shell migrate up` created compare equal.

pub mod codegen;
pub mod diff;
pub mod expected;
pub mod live;

use std::collections::BTreeMap;

/// Tables that belong to the migration tools, never to the model.
pub const BOOKKEEPING_TABLES: [&str; 3] =
    ["seaql_migrations", "alembic_version", "sqlite_sequence"];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// In declaration order.
    pub columns: Vec<Column>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// Normalized: see [`normalize_type`].
    pub kind: String,
    pub nullable: bool,
    pub primary_key: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// Compared by what it links, not by name: each backend names unnamed constraints its own way.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    pub column: String,
    pub table: String,
    pub references: String,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }
}

/// SQLAlchemy's name for the index of `index=True` columns, which the migrations use too.
pub fn index_name(table: &str, column: &str) -> String {
    format!("ix_{table}_{column}")
}

/// One spelling per type across backends: `integer`, `varchar(64)`, `datetime`, ...
pub fn normalize_type(raw: &str, max_length: Option<i64>) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    let base = lower.split('(').next().unwrap_or(&lower).trim();
    match base {
        "tinyint" if lower.starts_with("tinyint(1)") => "boolean".to_string(),
        "bool" | "boolean" => "boolean".to_string(),
        "int" | "integer" | "int4" | "serial" | "mediumint" => "integer".to_string(),
        "bigint" | "int8" | "bigserial" => "bigint".to_string(),
        "smallint" | "int2" => "smallint".to_string(),
        "datetime" | "timestamp" | "timestamp without time zone" => "datetime".to_string(),
        "double" | "double precision" | "float8" | "real" | "float" => "float".to_string(),
        "character varying" | "varchar" => match max_length {
            Some(n) => format!("varchar({n})"),
            None => lower.replace("character varying", "varchar"),
        },
        _ => lower,
    }
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
        assert_eq!(normalize_type("tinyint(1)", None), "boolean");
        assert_eq!(normalize_type("tinyint(4)", None), "tinyint(4)");
    }
}
