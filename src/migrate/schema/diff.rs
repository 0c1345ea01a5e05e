//! What differs between the entities and the live schema, one [`Change`] per difference, in the
//! words `flask db migrate` prints them ("Detected added table 'post'"). What the database has and
//! the entities do not declare (a later chapter's columns, tables and indexes: the app's own) is
//! not drift: [`Differences`] keeps it apart, to be reported as kept and never dropped.

use std::fmt;

use super::{Column, ForeignKey, Index, Schema, Table};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AddedTable {
        table: String,
        definition: Table,
    },
    RemovedTable {
        table: String,
        definition: Table,
    },
    AddedColumn {
        table: String,
        column: Column,
    },
    RemovedColumn {
        table: String,
        column: Column,
    },
    ChangedType {
        table: String,
        column: String,
        from: String,
        to: String,
    },
    ChangedNullable {
        table: String,
        column: String,
        nullable: bool,
    },
    ChangedPrimaryKey {
        table: String,
        column: String,
        primary_key: bool,
    },
    AddedIndex {
        table: String,
        index: Index,
    },
    RemovedIndex {
        table: String,
        index: Index,
    },
    AddedForeignKey {
        table: String,
        key: ForeignKey,
    },
    RemovedForeignKey {
        table: String,
        key: ForeignKey,
    },
}

/// The changes that turn `live` into `expected`: "added" is what the entities have and the
/// database lacks. Indexes of added or removed tables come with their table.
pub fn diff(expected: &Schema, live: &Schema) -> Vec<Change> {
    let mut changes = Vec::new();
    for (name, want) in &expected.tables {
        match live.tables.get(name) {
            None => changes.push(Change::AddedTable {
                table: name.clone(),
                definition: want.clone(),
            }),
            Some(have) => table_changes(name, want, have, &mut changes),
        }
    }
    for (name, have) in &live.tables {
        if !expected.tables.contains_key(name) {
            changes.push(Change::RemovedTable {
                table: name.clone(),
                definition: have.clone(),
            });
        }
    }
    changes
}

fn table_changes(table: &str, want: &Table, have: &Table, changes: &mut Vec<Change>) {
    let t = || table.to_string();
    for column in &want.columns {
        let Some(existing) = have.column(&column.name) else {
            changes.push(Change::AddedColumn {
                table: t(),
                column: column.clone(),
            });
            continue;
        };
        if existing.kind != column.kind {
            changes.push(Change::ChangedType {
                table: t(),
                column: column.name.clone(),
                from: existing.kind.clone(),
                to: column.kind.clone(),
            });
        }
        if existing.nullable != column.nullable {
            changes.push(Change::ChangedNullable {
                table: t(),
                column: column.name.clone(),
                nullable: column.nullable,
            });
        }
        if existing.primary_key != column.primary_key {
            changes.push(Change::ChangedPrimaryKey {
                table: t(),
                column: column.name.clone(),
                primary_key: column.primary_key,
            });
        }
    }
    for column in &have.columns {
        if want.column(&column.name).is_none() {
            changes.push(Change::RemovedColumn {
                table: t(),
                column: column.clone(),
            });
        }
    }
    // An index that changed columns or uniqueness is dropped and created again, as Alembic does.
    for index in &have.indexes {
        if want.index(&index.name) != Some(index) {
            changes.push(Change::RemovedIndex {
                table: t(),
                index: index.clone(),
            });
        }
    }
    for index in &want.indexes {
        if have.index(&index.name) != Some(index) {
            changes.push(Change::AddedIndex {
                table: t(),
                index: index.clone(),
            });
        }
    }
    for key in &have.foreign_keys {
        if !want.foreign_keys.contains(key) {
            changes.push(Change::RemovedForeignKey {
                table: t(),
                key: key.clone(),
            });
        }
    }
    for key in &want.foreign_keys {
        if !have.foreign_keys.contains(key) {
            changes.push(Change::AddedForeignKey {
                table: t(),
                key: key.clone(),
            });
        }
    }
}

/// The changes of a diff, split: `drift` is what the entities declare and the database lacks or
/// has otherwise; `kept` is what the database has beyond the entities, which no command touches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Differences {
    pub drift: Vec<Change>,
    pub kept: Vec<Change>,
}

/// [`diff`], split into drift and what is kept.
pub fn differences(expected: &Schema, live: &Schema) -> Differences {
    let (kept, drift) = diff(expected, live)
        .into_iter()
        .partition(|change| change.undeclared(expected));
    Differences { drift, kept }
}

impl Change {
    /// Whether the change would take away something the entities never declared: a table, a
    /// column, an index (by a name the entities do not use) or a foreign key of the database's
    /// own. Those belong to whoever made them (the Flask app, a later chapter), never drift.
    pub fn undeclared(&self, expected: &Schema) -> bool {
        match self {
            Change::RemovedTable { .. }
            | Change::RemovedColumn { .. }
            | Change::RemovedForeignKey { .. } => true,
            Change::RemovedIndex { table, index } => expected
                .tables
                .get(table)
                .is_none_or(|t| t.index(&index.name).is_none()),
            Change::AddedTable { .. }
            | Change::AddedColumn { .. }
            | Change::ChangedType { .. }
            | Change::ChangedNullable { .. }
            | Change::ChangedPrimaryKey { .. }
            | Change::AddedIndex { .. }
            | Change::AddedForeignKey { .. } => false,
        }
    }

    /// A kept change in a person's words: `column 'user.about_me' (varchar(140))`.
    pub fn kept_text(&self) -> String {
        match self {
            Change::RemovedTable { table, .. } => format!("table '{table}'"),
            Change::RemovedColumn { table, column } => {
                format!("column '{table}.{}' ({})", column.name, column.kind)
            }
            Change::RemovedIndex { table, index } => {
                format!("index '{}' on '{table}' {:?}", index.name, index.columns)
            }
            Change::RemovedForeignKey { table, key } => format!(
                "foreign key ({}) -> ({}.{}) on table '{table}'",
                key.column, key.table, key.references
            ),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let index_text = |i: &Index| {
            let unique = if i.unique { "unique " } else { "" };
            format!("{unique}index '{}' on {:?}", i.name, i.columns)
        };
        match self {
            Change::AddedTable { table, .. } => write!(f, "Detected added table '{table}'"),
            Change::RemovedTable { table, .. } => write!(f, "Detected removed table '{table}'"),
            Change::AddedColumn { table, column } => write!(
                f,
                "Detected added column '{table}.{}' ({})",
                column.name, column.kind
            ),
            Change::RemovedColumn { table, column } => {
                write!(f, "Detected removed column '{table}.{}'", column.name)
            }
            Change::ChangedType {
                table,
                column,
                from,
                to,
            } => write!(
                f,
                "Detected type change from {from} to {to} on '{table}.{column}'"
            ),
            Change::ChangedNullable {
                table,
                column,
                nullable,
            } => {
                let now = if *nullable { "NULL" } else { "NOT NULL" };
                write!(f, "Detected {now} on column '{table}.{column}'")
            }
            Change::ChangedPrimaryKey {
                table,
                column,
                primary_key,
            } => {
                let what = if *primary_key {
                    "added to"
                } else {
                    "removed from"
                };
                write!(f, "Detected '{table}.{column}' {what} the primary key")
            }
            Change::AddedIndex { index, .. } => write!(f, "Detected added {}", index_text(index)),
            Change::RemovedIndex { index, .. } => {
                write!(f, "Detected removed {}", index_text(index))
            }
            Change::AddedForeignKey { table, key } => write!(
                f,
                "Detected added foreign key ({}) -> ({}.{}) on table '{table}'",
                key.column, key.table, key.references
            ),
            Change::RemovedForeignKey { table, key } => write!(
                f,
                "Detected removed foreign key ({}) -> ({}.{}) on table '{table}'",
                key.column, key.table, key.references
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::schema::expected;

    fn lines(changes: &[Change]) -> Vec<String> {
        changes.iter().map(Change::to_string).collect()
    }

    #[test]
    fn the_same_schema_has_no_changes() {
        assert_eq!(diff(&expected::schema(), &expected::schema()), vec![]);
    }

    #[test]
    fn a_missing_table_is_added_and_an_extra_one_removed() {
        let mut live = expected::schema();
        let post = live.tables.remove("post").unwrap();
        live.tables.insert("comment".into(), post);
        assert_eq!(
            lines(&diff(&expected::schema(), &live)),
            [
                "Detected added table 'post'",
                "Detected removed table 'comment'"
            ]
        );
    }

    #[test]
    fn what_the_entities_do_not_declare_is_kept_not_drift() {
        let mut live = expected::schema();
        let user = live.tables.get_mut("user").unwrap();
        user.columns.push(Column {
            name: "about_me".into(),
            kind: "varchar(140)".into(),
            nullable: true,
            primary_key: false,
        });
        user.indexes.push(Index {
            name: "ix_user_token".into(),
            columns: vec!["token".into()],
            unique: true,
        });
        // A declared index with other columns is drift: it is dropped and made again.
        assert_eq!(user.indexes[0].name, "ix_user_username");
        user.indexes[0].columns = vec!["email".into()];
        live.tables.insert("followers".into(), Table::default());
        let split = differences(&expected::schema(), &live);
        let kept: Vec<String> = split.kept.iter().map(Change::kept_text).collect();
        assert_eq!(
            kept,
            [
                "column 'user.about_me' (varchar(140))",
                "index 'ix_user_token' on 'user' [\"token\"]",
                "table 'followers'",
            ]
        );
        assert_eq!(
            lines(&split.drift),
            [
                "Detected removed unique index 'ix_user_username' on [\"email\"]",
                "Detected added unique index 'ix_user_username' on [\"username\"]",
            ]
        );
    }

    #[test]
    fn column_and_index_changes_are_each_listed() {
        let mut live = expected::schema();
        let user = live.tables.get_mut("user").unwrap();
        user.columns.retain(|c| c.name != "password_hash");
        user.columns.push(Column {
            name: "about_me".into(),
            kind: "varchar(140)".into(),
            nullable: true,
            primary_key: false,
        });
        user.columns[1].kind = "varchar(32)".into();
        user.columns[2].nullable = true;
        user.indexes.retain(|i| i.name != "ix_user_email");
        user.indexes[0].unique = false;
        let post = live.tables.get_mut("post").unwrap();
        post.foreign_keys.clear();
        assert_eq!(
            lines(&diff(&expected::schema(), &live)),
            [
                "Detected added foreign key (user_id) -> (user.id) on table 'post'",
                "Detected type change from varchar(32) to varchar(64) on 'user.username'",
                "Detected NOT NULL on column 'user.email'",
                "Detected added column 'user.password_hash' (varchar(256))",
                "Detected removed column 'user.about_me'",
                "Detected removed index 'ix_user_username' on [\"username\"]",
                "Detected added unique index 'ix_user_username' on [\"username\"]",
                "Detected added unique index 'ix_user_email' on [\"email\"]",
            ]
        );
    }
}
