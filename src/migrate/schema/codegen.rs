//! `migrate generate`: a sea-orm-migration source file from a list of [`Change`]s (or an empty
//! skeleton), and its registration in the migration crate's `lib.rs`. Pure text in, text out; the
//! caller writes the files.

use super::diff::Change;
use super::{Column, Index, Table};

/// What a generated migration does, and what was left for a person to write.
pub struct Generated {
    pub source: String,
    /// Changes that no generated code makes (type, nullability and key changes on existing
    /// tables: SQLite cannot alter those in place).
    pub by_hand: Vec<Change>,
}

/// `m20261125_093000_add_about_me` from a message and a UTC time stamp `20261125_093000`; `None`
/// when the message has no letter or digit to name the file by.
pub fn migration_name(message: &str, stamp: &str) -> Option<String> {
    let mut slug = String::new();
    for c in message.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_end_matches('_');
    (!slug.is_empty()).then(|| format!("m{stamp}_{slug}"))
}

/// The migration's source, written after `after` (the last migration of the list, `None` for the
/// first). An empty `changes` gives a skeleton whose `up` and `down` do nothing.
pub fn migration_source(message: &str, changes: &[Change], after: Option<&str>) -> Generated {
    let mut up = Vec::new();
    let mut down = Vec::new();
    let mut by_hand = Vec::new();
    for change in ordered(changes) {
        match change {
            Change::AddedTable { table, definition } => {
                up.extend(create_table(table, definition));
                down.push(drop_table(table));
            }
            Change::RemovedTable { table, definition } => {
                up.push(drop_table(table));
                down.extend(create_table(table, definition));
            }
            Change::AddedColumn { table, column } => {
                up.push(add_column(table, column));
                down.push(drop_column(table, &column.name));
            }
            Change::RemovedColumn { table, column } => {
                up.push(drop_column(table, &column.name));
                down.push(add_column(table, column));
            }
            Change::AddedIndex { table, index } => {
                up.push(create_index(table, index));
                down.push(drop_index(table, index));
            }
            Change::RemovedIndex { table, index } => {
                up.push(drop_index(table, index));
                down.push(create_index(table, index));
            }
            other => by_hand.push(other.clone()),
        }
    }
    down.reverse();
    let detected: String = changes.iter().map(|c| format!("//! - {c}\n")).collect();
    let header = if changes.is_empty() {
        format!(
            "//! \"{message}\": written by `shell migrate generate`; fill in `up` and `down`.\n"
        )
    } else {
        format!(
            "//! \"{message}\": written by `shell migrate generate --autogenerate`, which found:\n//!\n{detected}"
        )
    };
    let by_hand_note: String = by_hand
        .iter()
        .map(|c| format!("        // Not generated, write it here: {c}\n"))
        .collect();
    let written_after = match after {
        Some(name) => format!("Some({name:?})"),
        None => "None".to_string(),
    };
    let source = format!(
        r#"{header}
use sea_orm_migration::prelude::*;

#[allow(unused_imports)]
use crate::columns::{{datetime_column, id_column}};

/// The migration this one was written after (`migrate check` finds two written after the same one).
pub const WRITTEN_AFTER: Option<&str> = {written_after};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {{
    // SQLite runs DDL outside a transaction unless asked: a failure half-way must leave nothing.
    fn use_transaction(&self) -> Option<bool> {{
        Some(true)
    }}

    #[allow(unused_variables)]
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{
        let backend = manager.get_database_backend();
{by_hand_note}{}        Ok(())
    }}

    #[allow(unused_variables)]
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {{
        let backend = manager.get_database_backend();
{}        Ok(())
    }}
}}
"#,
        up.concat(),
        down.concat()
    );
    Generated { source, by_hand }
}

/// Drops before creates (a dropped index frees its column), referenced tables before the tables
/// that point at them, and the reverse for drops.
fn ordered(changes: &[Change]) -> Vec<&Change> {
    let rank = |c: &Change| match c {
        Change::RemovedIndex { .. } => 0,
        Change::RemovedColumn { .. } => 1,
        Change::RemovedTable { definition, .. } => {
            3 - usize::from(!definition.foreign_keys.is_empty())
        }
        Change::AddedTable { definition, .. } => {
            4 + usize::from(!definition.foreign_keys.is_empty())
        }
        Change::AddedColumn { .. } => 6,
        Change::AddedIndex { .. } => 7,
        _ => 8,
    };
    let mut ordered: Vec<&Change> = changes.iter().collect();
    ordered.sort_by_key(|c| rank(c));
    ordered
}

fn name(s: &str) -> String {
    format!("Alias::new({s:?})")
}

fn column_def(column: &Column) -> String {
    let n = name(&column.name);
    if column.primary_key {
        return format!("id_column(backend, {n})");
    }
    let typed = match column.kind.as_str() {
        "datetime" => format!("datetime_column(backend, {n})"),
        "integer" => format!("ColumnDef::new({n}).integer()"),
        "bigint" => format!("ColumnDef::new({n}).big_integer()"),
        "smallint" => format!("ColumnDef::new({n}).small_integer()"),
        "text" => format!("ColumnDef::new({n}).text()"),
        "boolean" => format!("ColumnDef::new({n}).boolean()"),
        "float" => format!("ColumnDef::new({n}).double()"),
        "varchar" => format!("ColumnDef::new({n}).string()"),
        kind => match kind
            .strip_prefix("varchar(")
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|len| len.parse::<u32>().ok())
        {
            Some(len) => format!("ColumnDef::new({n}).string_len({len})"),
            None => format!("ColumnDef::new({n}).custom(Alias::new({kind:?}))"),
        },
    };
    let null = if column.nullable { "null" } else { "not_null" };
    format!("{typed}.{null}()")
}

fn statement(call: &str, body: String) -> String {
    format!(
        "        manager\n            .{call}(\n                {body}\n            )\n            .await?;\n"
    )
}

fn create_table(table: &str, definition: &Table) -> Vec<String> {
    let mut body = format!(
        "Table::create()\n                    .table({})",
        name(table)
    );
    for column in &definition.columns {
        body += &format!("\n                    .col({})", column_def(column));
    }
    for key in &definition.foreign_keys {
        body += &format!(
            "\n                    .foreign_key(\n                        ForeignKey::create()\n                            .from({}, {})\n                            .to({}, {}),\n                    )",
            name(table),
            name(&key.column),
            name(&key.table),
            name(&key.references)
        );
    }
    body += "\n                    .to_owned()";
    let mut statements = vec![statement("create_table", body)];
    statements.extend(definition.indexes.iter().map(|i| create_index(table, i)));
    statements
}

fn drop_table(table: &str) -> String {
    statement(
        "drop_table",
        format!("Table::drop().table({}).to_owned()", name(table)),
    )
}

fn add_column(table: &str, column: &Column) -> String {
    statement(
        "alter_table",
        format!(
            "Table::alter()\n                    .table({})\n                    .add_column({})\n                    .to_owned()",
            name(table),
            column_def(column)
        ),
    )
}

fn drop_column(table: &str, column: &str) -> String {
    statement(
        "alter_table",
        format!(
            "Table::alter()\n                    .table({})\n                    .drop_column({})\n                    .to_owned()",
            name(table),
            name(column)
        ),
    )
}

fn create_index(table: &str, index: &Index) -> String {
    let mut body = format!(
        "Index::create()\n                    .name({:?})\n                    .table({})",
        index.name,
        name(table)
    );
    for column in &index.columns {
        body += &format!("\n                    .col({})", name(column));
    }
    if index.unique {
        body += "\n                    .unique()";
    }
    body += "\n                    .to_owned()";
    statement("create_index", body)
}

fn drop_index(table: &str, index: &Index) -> String {
    statement(
        "drop_index",
        format!(
            "Index::drop()\n                    .name({:?})\n                    .table({})\n                    .to_owned()",
            index.name,
            name(table)
        ),
    )
}

/// `lib.rs` with the new migration declared after the last `mod m...;` and listed after the last
/// `Box::new(m...)`; `None` when the file does not have that shape.
pub fn register(lib_rs: &str, migration: &str) -> Option<String> {
    let lines: Vec<&str> = lib_rs.lines().collect();
    let last_mod = lines.iter().rposition(|l| names_migration(l, "mod m"))?;
    let last_box = lines
        .iter()
        .rposition(|l| names_migration(l, "Box::new(m"))?;
    let last_lineage = lines.iter().rposition(|l| lineage_entry(l).is_some())?;
    let indent =
        |line: &str| -> String { line.chars().take_while(|c| c.is_whitespace()).collect() };
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 3);
    for (i, line) in lines.iter().enumerate() {
        out.push(line.to_string());
        if i == last_mod {
            out.push(format!("mod {migration};"));
        }
        if i == last_box {
            out.push(format!("{}Box::new({migration}::Migration),", indent(line)));
        }
        if i == last_lineage {
            out.push(format!("{}{migration},", indent(line)));
        }
    }
    Some(out.join("\n") + "\n")
}

/// Migration names are `m` and a date: `mod messages;` is not one.
fn names_migration(line: &str, prefix: &str) -> bool {
    line.trim_start()
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// A line of the `written_after!(...)` list: a migration's name alone, then a comma.
fn lineage_entry(line: &str) -> Option<&str> {
    let name = line.trim().strip_suffix(',')?;
    let digits = name.strip_prefix('m')?;
    (digits.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// The migrations of the crate's `lib.rs`, in its lineage list's order: the last one is what a new
/// migration is written after.
pub fn lineage_names(lib_rs: &str) -> Vec<String> {
    lib_rs
        .lines()
        .filter_map(lineage_entry)
        .map(str::to_string)
        .collect()
}

/// What a migration's source says it was written after: `Some(None)` for `None` (the first),
/// `None` when the file does not say.
pub fn written_after_in(source: &str) -> Option<Option<String>> {
    let line = source
        .lines()
        .find(|l| l.trim_start().starts_with("pub const WRITTEN_AFTER"))?;
    let value = line.split_once('=')?.1.trim().trim_end_matches(';').trim();
    if value == "None" {
        return Some(None);
    }
    let inner = value.strip_prefix("Some(")?.strip_suffix(')')?.trim();
    Some(Some(inner.trim_matches('"').to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::schema::{diff::diff, expected};

    #[test]
    fn names_come_from_the_message() {
        assert_eq!(
            migration_name("Add 'about me' & last_seen!", "20261125_093000").as_deref(),
            Some("m20261125_093000_add_about_me_last_seen")
        );
        assert_eq!(migration_name("  ¡!  ", "20261125_093000"), None);
    }

    #[test]
    fn registration_goes_after_the_last_migration() {
        let lib = "mod columns;\nmod m1_a;\nmod m2_b;\nmod messages;\n\nfn lineage() {\n    written_after!(\n        m1_a,\n        m2_b,\n    )\n}\n\nfn migrations() {\n    vec![\n        Box::new(m1_a::Migration),\n        Box::new(m2_b::Migration),\n    ]\n}\n";
        let registered = register(lib, "m3_c").unwrap();
        assert!(registered.contains("mod m2_b;\nmod m3_c;\nmod messages;"));
        assert!(registered.contains(
            "        Box::new(m2_b::Migration),\n        Box::new(m3_c::Migration),\n    ]"
        ));
        assert!(registered.contains("        m2_b,\n        m3_c,\n    )"));
        assert_eq!(lineage_names(&registered), ["m1_a", "m2_b", "m3_c"]);
        assert_eq!(register("fn main() {}", "m3_c"), None);
        // A list without the lineage (an older crate) is not half-registered.
        assert_eq!(
            register(&lib.replace("        m1_a,\n        m2_b,\n", ""), "m3_c"),
            None
        );
    }

    #[test]
    fn up_creates_what_down_drops() {
        let mut live = expected::schema();
        live.tables.remove("post");
        let user = live.tables.get_mut("user").unwrap();
        user.indexes.clear();
        let changes = diff(&expected::schema(), &live);
        let generated = migration_source("posts table", &changes, Some("m1_a"));
        assert_eq!(
            written_after_in(&generated.source),
            Some(Some("m1_a".to_string()))
        );
        assert_eq!(
            written_after_in(&migration_source("first", &[], None).source),
            Some(None)
        );
        let (up, down) = generated.source.split_once("async fn down").unwrap();
        assert!(up.contains(".create_table(") && up.contains("Alias::new(\"post\")"));
        assert!(up.contains(".name(\"ix_post_timestamp\")") && up.contains(".unique()"));
        assert!(up.contains(".to(Alias::new(\"user\"), Alias::new(\"id\"))"));
        assert!(up.contains("datetime_column(backend, Alias::new(\"timestamp\")).not_null()"));
        assert!(down.contains(".drop_table(") && down.contains(".drop_index("));
        assert!(!down.contains(".create_table("));
        assert!(generated.by_hand.is_empty());
    }

    #[test]
    fn changes_no_code_makes_are_handed_back() {
        let mut live = expected::schema();
        live.tables.get_mut("user").unwrap().columns[1].kind = "varchar(32)".into();
        let generated = migration_source("wider names", &diff(&expected::schema(), &live), None);
        assert_eq!(generated.by_hand.len(), 1);
        assert!(
            generated
                .source
                .contains("// Not generated, write it here: Detected type change")
        );
    }
}
