//! What the live database holds beyond the entities, as plain data the command layer is handed:
//! the columns a later chapter added to `user` and `post` (`about_me`, `last_seen`, `language`,
//! ...), the tables the shell does not declare (`followers`, `message`, `task`, ...) with their
//! columns and foreign keys, and the follow relation when the tutorial's `followers` table is
//! there. The database layer reads it from the catalog once (and again after a schema change);
//! parsing, completion, hints and help take it as a value, so this layer stays free of I/O.

use std::sync::Arc;

use super::EntityKind;

/// How the query language treats a column the catalog describes, from its SQL type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    Integer,
    /// `varchar(N)` (with its length) or `text`.
    Text {
        max: Option<u32>,
    },
    Boolean,
    Float,
    /// `datetime`, `timestamp`: naive UTC, as SQLAlchemy writes it.
    Timestamp,
    Date,
    /// A type the shell does not know (`json`, `numeric`, `blob`, ...): shown and compared as text.
    Other,
}

impl ColumnKind {
    /// The kind of a type in the catalog's normalized spelling (`varchar(140)`, `datetime`,
    /// `boolean`, ...); SQLite's type affinity rules decide what a free-form name means there.
    pub fn of_type(normalized: &str) -> ColumnKind {
        let lower = normalized.trim().to_ascii_lowercase();
        let base = lower.split('(').next().unwrap_or(&lower).trim();
        let length = || {
            lower
                .split_once('(')
                .and_then(|(_, rest)| rest.trim_end_matches(')').trim().parse::<u32>().ok())
        };
        match base {
            "integer" | "int" | "bigint" | "smallint" | "tinyint" | "mediumint" | "serial"
            | "bigserial" | "int2" | "int4" | "int8" => ColumnKind::Integer,
            "varchar" | "character varying" | "char" | "character" | "nvarchar" | "nchar" => {
                ColumnKind::Text { max: length() }
            }
            "text" | "tinytext" | "mediumtext" | "longtext" | "clob" | "string" => {
                ColumnKind::Text { max: None }
            }
            "boolean" | "bool" => ColumnKind::Boolean,
            "float" | "double" | "double precision" | "real" | "float4" | "float8" => {
                ColumnKind::Float
            }
            "datetime" | "timestamp" | "timestamp without time zone" => ColumnKind::Timestamp,
            "date" => ColumnKind::Date,
            _ => ColumnKind::Other,
        }
    }
}

/// A column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LiveColumn {
    pub name: String,
    /// The type in one spelling across backends (`varchar(140)`, `datetime`, `boolean`).
    pub sql_type: String,
    pub kind: ColumnKind,
    pub nullable: bool,
    /// The database fills it when an insert leaves it out (a DEFAULT, an identity, a serial id).
    pub has_default: bool,
    pub primary_key: bool,
}

impl LiveColumn {
    /// Whether an insert that does not name it fails: NOT NULL, no default, not the row's id.
    pub fn required(&self) -> bool {
        !self.nullable && !self.has_default && !self.primary_key
    }
}

/// A foreign key: `column` holds values of `table.references`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LiveKey {
    pub column: String,
    pub table: String,
    pub references: String,
}

/// A table (or a view) the shell does not declare.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LiveTable {
    pub name: String,
    pub columns: Vec<Arc<LiveColumn>>,
    pub foreign_keys: Vec<LiveKey>,
    /// A view: read, never written.
    pub view: bool,
}

impl LiveTable {
    pub fn column(&self, name: &str) -> Option<&Arc<LiveColumn>> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The key of a column, if it has one.
    pub fn key_of(&self, column: &str) -> Option<&LiveKey> {
        self.foreign_keys.iter().find(|k| k.column == column)
    }

    /// The columns that hold an id of `table` (`user`: `message.sender_id`, `task.user_id`, ...).
    pub fn columns_to(&self, table: &str) -> Vec<&str> {
        self.foreign_keys
            .iter()
            .filter(|k| k.table == table)
            .map(|k| k.column.as_str())
            .collect()
    }

    /// The columns a listing's rows are continued after: the primary key's, else every column.
    pub fn primary_key(&self) -> Vec<&Arc<LiveColumn>> {
        let keys: Vec<&Arc<LiveColumn>> = self.columns.iter().filter(|c| c.primary_key).collect();
        match keys.is_empty() {
            true => self.columns.iter().collect(),
            false => keys,
        }
    }
}

/// The tutorial's follow relation (chapter 8): a table of (follower, followed) user ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Follows {
    pub table: String,
    /// The user who follows.
    pub follower: String,
    /// The user who is followed.
    pub followed: String,
}

/// The tables the entities declare, as the catalog names them.
pub const USER_TABLE: &str = "user";
pub const POST_TABLE: &str = "post";

/// What the database has beyond the entities. Cheap to clone; the default is a database with
/// nothing beyond them (chapter 4's schema).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    inner: Arc<Inner>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Inner {
    user: Vec<Arc<LiveColumn>>,
    post: Vec<Arc<LiveColumn>>,
    tables: Vec<Arc<LiveTable>>,
    follows: Option<Follows>,
}

impl Vocabulary {
    /// From what the catalog says: the extra columns of `user` and `post` (in the table's order),
    /// and the other tables. The follow relation is the tutorial's `followers` table: two columns
    /// `follower_id` and `followed_id`, each a foreign key to `user`.
    pub fn new(user: Vec<LiveColumn>, post: Vec<LiveColumn>, tables: Vec<LiveTable>) -> Vocabulary {
        let follows = tables.iter().find_map(|t| {
            let to_user = |name: &str| t.key_of(name).is_some_and(|k| k.table == USER_TABLE);
            (!t.view && to_user("follower_id") && to_user("followed_id")).then(|| Follows {
                table: t.name.clone(),
                follower: "follower_id".into(),
                followed: "followed_id".into(),
            })
        });
        Vocabulary {
            inner: Arc::new(Inner {
                user: user.into_iter().map(Arc::new).collect(),
                post: post.into_iter().map(Arc::new).collect(),
                tables: tables.into_iter().map(Arc::new).collect(),
                follows,
            }),
        }
    }

    /// The columns of an entity's table that the entity does not declare.
    pub fn extras(&self, entity: EntityKind) -> &[Arc<LiveColumn>] {
        match entity {
            EntityKind::User => &self.inner.user,
            EntityKind::Post => &self.inner.post,
        }
    }

    /// The tables the shell does not declare, by name.
    pub fn tables(&self) -> &[Arc<LiveTable>] {
        &self.inner.tables
    }

    /// The table called `name`: exactly, else the one name that differs only in case.
    pub fn table(&self, name: &str) -> Option<&Arc<LiveTable>> {
        let tables = &self.inner.tables;
        tables.iter().find(|t| t.name == name).or_else(|| {
            let mut twins = tables.iter().filter(|t| t.name.eq_ignore_ascii_case(name));
            match (twins.next(), twins.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        })
    }

    pub fn follows(&self) -> Option<&Follows> {
        self.inner.follows.as_ref()
    }

    /// Every (table, column) whose foreign key points at `table` (`user` or `post`), in the
    /// tables' order.
    pub fn referencing(&self, table: &str) -> Vec<(Arc<LiveTable>, String)> {
        self.inner
            .tables
            .iter()
            .flat_map(|t| {
                t.foreign_keys
                    .iter()
                    .filter(|k| k.table == table)
                    .map(|k| (t.clone(), k.column.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn column(name: &str, sql_type: &str, nullable: bool) -> LiveColumn {
        LiveColumn {
            name: name.into(),
            sql_type: sql_type.into(),
            kind: ColumnKind::of_type(sql_type),
            nullable,
            has_default: false,
            primary_key: false,
        }
    }

    fn key(column: &str, table: &str) -> LiveKey {
        LiveKey {
            column: column.into(),
            table: table.into(),
            references: "id".into(),
        }
    }

    /// The tutorial's chapter 8 and a `message` table of chapter 21, as the catalog gives them.
    pub fn chapter_8() -> Vocabulary {
        let mut id = column("id", "integer", false);
        id.primary_key = true;
        Vocabulary::new(
            vec![
                column("about_me", "varchar(140)", true),
                column("last_seen", "datetime", true),
            ],
            vec![column("language", "varchar(5)", true)],
            vec![
                LiveTable {
                    name: "followers".into(),
                    columns: vec![
                        Arc::new(column("follower_id", "integer", false)),
                        Arc::new(column("followed_id", "integer", false)),
                    ],
                    foreign_keys: vec![key("follower_id", "user"), key("followed_id", "user")],
                    view: false,
                },
                LiveTable {
                    name: "message".into(),
                    columns: vec![
                        Arc::new(id),
                        Arc::new(column("sender_id", "integer", false)),
                        Arc::new(column("recipient_id", "integer", false)),
                        Arc::new(column("body", "varchar(140)", false)),
                        Arc::new(column("timestamp", "datetime", false)),
                        Arc::new(column("read", "boolean", true)),
                        Arc::new(column("score", "float", true)),
                        Arc::new(column("payload", "json", true)),
                    ],
                    foreign_keys: vec![key("sender_id", "user"), key("recipient_id", "user")],
                    view: false,
                },
            ],
        )
    }

    #[test]
    fn types_become_kinds() {
        assert_eq!(
            ColumnKind::of_type("varchar(140)"),
            ColumnKind::Text { max: Some(140) }
        );
        assert_eq!(ColumnKind::of_type("text"), ColumnKind::Text { max: None });
        assert_eq!(ColumnKind::of_type("datetime"), ColumnKind::Timestamp);
        assert_eq!(ColumnKind::of_type("boolean"), ColumnKind::Boolean);
        assert_eq!(ColumnKind::of_type("float"), ColumnKind::Float);
        assert_eq!(ColumnKind::of_type("date"), ColumnKind::Date);
        assert_eq!(ColumnKind::of_type("bigint"), ColumnKind::Integer);
        assert_eq!(ColumnKind::of_type("json"), ColumnKind::Other);
        assert_eq!(ColumnKind::of_type(""), ColumnKind::Other);
    }

    #[test]
    fn the_follow_relation_and_what_references_a_user() {
        let vocabulary = chapter_8();
        let follows = vocabulary.follows().unwrap();
        assert_eq!(follows.table, "followers");
        assert_eq!(
            vocabulary
                .referencing("user")
                .iter()
                .map(|(t, c)| format!("{}.{c}", t.name))
                .collect::<Vec<_>>(),
            [
                "followers.follower_id",
                "followers.followed_id",
                "message.sender_id",
                "message.recipient_id"
            ]
        );
        assert_eq!(vocabulary.table("MESSAGE").unwrap().name, "message");
        assert!(vocabulary.table("nothing").is_none());
        assert!(Vocabulary::default().follows().is_none());
    }
}
