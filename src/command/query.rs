//! The query language's fields and operators: the fields of each entity (its declared columns,
//! relation paths, and the columns the live database adds, handed in as a [`Vocabulary`]), the
//! columns of the tables the shell does not declare, the operators, and what a parsed `where`,
//! `order by` and `set` hold. Each field and operator is declared here once; parsing, errors,
//! completion and help read these tables. The declared columns must match the SeaORM entities',
//! which a test in `src/db/sql/filter.rs` checks.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};

use super::vocabulary::{ColumnKind, LiveColumn, LiveTable, USER_TABLE, Vocabulary};
use super::{EntityKind, Page, UserRef};

/// A column of the user table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserColumn {
    Id,
    Username,
    Email,
    PasswordHash,
}

/// A column of the post table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostColumn {
    Id,
    Body,
    Timestamp,
    UserId,
}

/// What can be named on users: a column, the number of their posts (the user -> posts relation),
/// the numbers of their followers and of those they follow (when the database has the tutorial's
/// `followers` table), or a column the entity does not declare (`about_me`, from the catalog).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserField {
    Column(UserColumn),
    Posts,
    Followers,
    Following,
    Extra(Arc<LiveColumn>),
}

/// What can be named on posts: a column, the author (short for "the author is this user"), a
/// column of the author through the post -> author relation (`author.username`), or a column the
/// entity does not declare (`language`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PostField {
    Column(PostColumn),
    Author,
    AuthorColumn(UserColumn),
    Extra(Arc<LiveColumn>),
}

/// A column of a table the shell does not declare (`rows of message where ...`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableField {
    /// The table's name.
    pub table: Arc<str>,
    pub column: Arc<LiveColumn>,
    /// A foreign key to `user`: its values may be given by username (`sender_id = john`).
    pub to_user: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    User(UserField),
    Post(PostField),
    Table(TableField),
}

/// How a field's values are written and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Integer,
    Text,
    /// `YYYY-MM-DD` or `YYYY-MM-DD HH:MM[:SS]`, in UTC.
    Timestamp,
    /// `YYYY-MM-DD`.
    Date,
    /// `true` or `false`.
    Boolean,
    /// A number, whole or with a fraction.
    Float,
    /// Only ever tested for being set: `password_hash is null`.
    Secret,
    /// A user by name or id: `author = john`.
    User,
    /// A user's id in another table, given by name or id: `sender_id = john`, sortable as the id.
    UserKey,
}

impl FieldType {
    /// The type a catalog column's values take in the language.
    pub fn of_column(kind: &ColumnKind) -> FieldType {
        match kind {
            ColumnKind::Integer => FieldType::Integer,
            ColumnKind::Text { .. } | ColumnKind::Other => FieldType::Text,
            ColumnKind::Boolean => FieldType::Boolean,
            ColumnKind::Float => FieldType::Float,
            ColumnKind::Timestamp => FieldType::Timestamp,
            ColumnKind::Date => FieldType::Date,
        }
    }
}

impl UserColumn {
    pub const ALL: [UserColumn; 4] = [
        UserColumn::Id,
        UserColumn::Username,
        UserColumn::Email,
        UserColumn::PasswordHash,
    ];

    pub fn name(self) -> &'static str {
        match self {
            UserColumn::Id => "id",
            UserColumn::Username => "username",
            UserColumn::Email => "email",
            UserColumn::PasswordHash => "password_hash",
        }
    }

    pub fn field_type(self) -> FieldType {
        match self {
            UserColumn::Id => FieldType::Integer,
            UserColumn::Username | UserColumn::Email => FieldType::Text,
            UserColumn::PasswordHash => FieldType::Secret,
        }
    }
}

impl PostColumn {
    pub const ALL: [PostColumn; 4] = [
        PostColumn::Id,
        PostColumn::Body,
        PostColumn::Timestamp,
        PostColumn::UserId,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PostColumn::Id => "id",
            PostColumn::Body => "body",
            PostColumn::Timestamp => "timestamp",
            PostColumn::UserId => "user_id",
        }
    }

    pub fn field_type(self) -> FieldType {
        match self {
            PostColumn::Id | PostColumn::UserId => FieldType::Integer,
            PostColumn::Body => FieldType::Text,
            PostColumn::Timestamp => FieldType::Timestamp,
        }
    }
}

/// The relation from a post to its author, as it is written in a path.
pub const AUTHOR: &str = "author";
/// The relation from a user to their posts, counted.
pub const POSTS: &str = "posts";
/// The follow relation, counted: who follows the user, and whom the user follows.
pub const FOLLOWERS: &str = "followers";
pub const FOLLOWING: &str = "following";

/// What a clause's fields belong to: an entity, or a table the shell does not declare.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Entity(EntityKind),
    Table(Arc<LiveTable>),
}

impl Subject {
    /// Every field, in the order help and completion list them.
    pub fn fields(&self, vocabulary: &Vocabulary) -> Vec<Field> {
        match self {
            Subject::Entity(entity) => Field::all(*entity, vocabulary),
            Subject::Table(table) => Field::of_table(table),
        }
    }

    /// As messages name it: `users`, `posts`, `rows of message`.
    pub fn shown(&self) -> String {
        match self {
            Subject::Entity(entity) => entity.plural().to_string(),
            Subject::Table(table) => format!("table {}", table.name),
        }
    }
}

impl Field {
    /// Every field of an entity, in the order help and completion list them: the declared ones,
    /// the relations, then the columns the database has beyond the entity.
    pub fn all(entity: EntityKind, vocabulary: &Vocabulary) -> Vec<Field> {
        let extras = vocabulary.extras(entity).iter().cloned();
        match entity {
            EntityKind::User => UserColumn::ALL
                .into_iter()
                .map(|c| Field::User(UserField::Column(c)))
                .chain([Field::User(UserField::Posts)])
                .chain(
                    vocabulary
                        .follows()
                        .map(|_| [UserField::Followers, UserField::Following].map(Field::User))
                        .into_iter()
                        .flatten(),
                )
                .chain(extras.map(|c| Field::User(UserField::Extra(c))))
                .collect(),
            EntityKind::Post => PostColumn::ALL
                .into_iter()
                .map(|c| Field::Post(PostField::Column(c)))
                .chain([Field::Post(PostField::Author)])
                .chain(
                    UserColumn::ALL
                        .into_iter()
                        .map(|c| Field::Post(PostField::AuthorColumn(c))),
                )
                .chain(extras.map(|c| Field::Post(PostField::Extra(c))))
                .collect(),
        }
    }

    /// Every column of a table the shell does not declare.
    pub fn of_table(table: &LiveTable) -> Vec<Field> {
        let name: Arc<str> = table.name.as_str().into();
        table
            .columns
            .iter()
            .map(|c| {
                Field::Table(TableField {
                    table: name.clone(),
                    column: c.clone(),
                    to_user: table.key_of(&c.name).is_some_and(|k| k.table == USER_TABLE),
                })
            })
            .collect()
    }

    /// The field of `subject` called `word`: its exact name, else the one that differs in case.
    pub fn named_in(subject: &Subject, vocabulary: &Vocabulary, word: &str) -> Option<Field> {
        let fields = subject.fields(vocabulary);
        let exact = fields.iter().position(|f| f.name() == word);
        exact
            .or_else(|| {
                fields
                    .iter()
                    .position(|f| f.name().eq_ignore_ascii_case(word))
            })
            .map(|at| fields[at].clone())
    }

    pub fn names(entity: EntityKind, vocabulary: &Vocabulary) -> Vec<String> {
        Field::all(entity, vocabulary)
            .iter()
            .map(Field::name)
            .collect()
    }

    pub fn name(&self) -> String {
        match self {
            Field::User(UserField::Column(c)) => c.name().to_string(),
            Field::User(UserField::Posts) => POSTS.to_string(),
            Field::User(UserField::Followers) => FOLLOWERS.to_string(),
            Field::User(UserField::Following) => FOLLOWING.to_string(),
            Field::User(UserField::Extra(c)) | Field::Post(PostField::Extra(c)) => c.name.clone(),
            Field::Post(PostField::Column(c)) => c.name().to_string(),
            Field::Post(PostField::Author) => AUTHOR.to_string(),
            Field::Post(PostField::AuthorColumn(c)) => format!("{AUTHOR}.{}", c.name()),
            Field::Table(t) => t.column.name.clone(),
        }
    }

    /// The catalog's column behind the field, for one the entities do not declare.
    pub fn live_column(&self) -> Option<&Arc<LiveColumn>> {
        match self {
            Field::User(UserField::Extra(c)) | Field::Post(PostField::Extra(c)) => Some(c),
            Field::Table(t) => Some(&t.column),
            Field::User(_) | Field::Post(_) => None,
        }
    }

    pub fn field_type(&self) -> FieldType {
        match self {
            Field::User(UserField::Column(c)) | Field::Post(PostField::AuthorColumn(c)) => {
                c.field_type()
            }
            Field::User(UserField::Posts | UserField::Followers | UserField::Following) => {
                FieldType::Integer
            }
            Field::User(UserField::Extra(c)) | Field::Post(PostField::Extra(c)) => {
                FieldType::of_column(&c.kind)
            }
            Field::Post(PostField::Column(c)) => c.field_type(),
            Field::Post(PostField::Author) => FieldType::User,
            Field::Table(TableField { to_user: true, .. }) => FieldType::UserKey,
            Field::Table(t) => FieldType::of_column(&t.column.kind),
        }
    }

    /// Whether the field is a number computed from another table (`posts`, `followers`).
    pub fn is_count(&self) -> bool {
        matches!(
            self,
            Field::User(UserField::Posts | UserField::Followers | UserField::Following)
        )
    }

    /// What the field holds, for `help where`, when its name does not say it.
    pub fn note(&self) -> Option<String> {
        match self {
            Field::User(UserField::Posts) => Some("the number of the user's posts".into()),
            Field::User(UserField::Followers) => Some("the number of users who follow them".into()),
            Field::User(UserField::Following) => Some("the number of users they follow".into()),
            Field::User(UserField::Column(UserColumn::PasswordHash))
            | Field::Post(PostField::AuthorColumn(UserColumn::PasswordHash)) => {
                Some("is null or is not null only".into())
            }
            Field::Post(PostField::Author) => Some("= USERNAME|ID: the author".into()),
            Field::Post(PostField::Column(PostColumn::Timestamp)) => Some("UTC".into()),
            Field::User(UserField::Extra(c)) | Field::Post(PostField::Extra(c)) => {
                Some(c.sql_type.clone())
            }
            Field::Table(TableField { to_user: true, .. }) => Some("USERNAME|ID".into()),
            _ => None,
        }
    }

    /// Why this field cannot be sorted on, if it cannot.
    pub fn refuses_order(&self) -> Option<String> {
        match self.field_type() {
            FieldType::Secret => Some(format!(
                "{} cannot be sorted on: it can only be tested with is null or is not null",
                self.name()
            )),
            FieldType::User => Some(format!(
                "sort on a column of the author, such as {AUTHOR}.username or {AUTHOR}.id"
            )),
            FieldType::Integer
            | FieldType::Text
            | FieldType::Timestamp
            | FieldType::Date
            | FieldType::Boolean
            | FieldType::Float
            | FieldType::UserKey => None,
        }
    }

    /// Why `set` cannot change this field, if it cannot.
    pub fn refuses_set(&self) -> Option<String> {
        let name = self.name();
        match self {
            Field::User(UserField::Column(UserColumn::Id))
            | Field::Post(PostField::Column(PostColumn::Id)) => {
                Some("id cannot be changed: it is how the rows are known".into())
            }
            Field::User(UserField::Posts) => Some(format!(
                "{POSTS} is the number of the user's posts: it cannot be set (add or delete posts)"
            )),
            Field::User(UserField::Followers | UserField::Following) => Some(format!(
                "{name} is a number of follows: it cannot be set (follow and unfollow change it)"
            )),
            Field::User(UserField::Column(UserColumn::PasswordHash)) => {
                Some("password_hash cannot be set directly: use set password USER".into())
            }
            Field::Post(PostField::AuthorColumn(_)) => Some(format!(
                "{name} belongs to the author: change it with update user ..."
            )),
            Field::User(UserField::Extra(c)) | Field::Post(PostField::Extra(c))
                if c.primary_key =>
            {
                Some(format!(
                    "{name} is part of the primary key: it cannot be changed"
                ))
            }
            Field::Table(_) => Some(format!(
                "{name} belongs to a table the shell does not declare: change it with sql"
            )),
            Field::User(UserField::Column(_) | UserField::Extra(_))
            | Field::Post(PostField::Column(_) | PostField::Extra(_))
            | Field::Post(PostField::Author) => None,
        }
    }
}

/// The comparison operators, written as symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    pub const ALL: [Comparison; 6] = [
        Comparison::Eq,
        Comparison::Ne,
        Comparison::Lt,
        Comparison::Le,
        Comparison::Gt,
        Comparison::Ge,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Eq => "=",
            Comparison::Ne => "!=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
        }
    }
}

/// Every operator, as written after a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Compare(Comparison),
    Like,
    Contains,
    StartsWith,
    In,
    Between,
    IsNull,
    IsNotNull,
}

impl Operator {
    pub fn all() -> Vec<Operator> {
        Comparison::ALL
            .into_iter()
            .map(Operator::Compare)
            .chain([
                Operator::Like,
                Operator::Contains,
                Operator::StartsWith,
                Operator::In,
                Operator::Between,
                Operator::IsNull,
                Operator::IsNotNull,
            ])
            .collect()
    }

    /// The words of the operator (`starts with` is two).
    pub fn words(self) -> &'static [&'static str] {
        match self {
            Operator::Compare(Comparison::Eq) => &["="],
            Operator::Compare(Comparison::Ne) => &["!="],
            Operator::Compare(Comparison::Lt) => &["<"],
            Operator::Compare(Comparison::Le) => &["<="],
            Operator::Compare(Comparison::Gt) => &[">"],
            Operator::Compare(Comparison::Ge) => &[">="],
            Operator::Like => &["like"],
            Operator::Contains => &["contains"],
            Operator::StartsWith => &["starts", "with"],
            Operator::In => &["in"],
            Operator::Between => &["between"],
            Operator::IsNull => &["is", "null"],
            Operator::IsNotNull => &["is", "not", "null"],
        }
    }

    pub fn shown(self) -> String {
        self.words().join(" ")
    }

    /// The operator with its value, and what it tests, for `help where`.
    pub fn explained(self) -> (&'static str, &'static str) {
        match self {
            Operator::Compare(_) => (
                "= != < <= > >= VALUE",
                "compare; text by its characters' codes, case-sensitive",
            ),
            Operator::Like => (
                "like PATTERN",
                "% is any run of characters, _ any one; case-sensitive",
            ),
            Operator::Contains => (
                "contains TEXT",
                "the text anywhere, ignoring case; % and _ are plain characters",
            ),
            Operator::StartsWith => ("starts with TEXT", "the text at the start, ignoring case"),
            Operator::In => ("in (VALUE, ...)", "one of the values"),
            Operator::Between => ("between LOW and HIGH", "from LOW to HIGH, both included"),
            Operator::IsNull | Operator::IsNotNull => (
                "is null, is not null",
                "whether it has a value (password_hash)",
            ),
        }
    }

    /// Whether `not` may stand before it (`id not in (1, 2)`).
    pub fn negatable(self) -> bool {
        matches!(
            self,
            Operator::Like
                | Operator::Contains
                | Operator::StartsWith
                | Operator::In
                | Operator::Between
        )
    }

    /// Whether it can test a field of this type (and, for `author`, only `=`).
    pub fn applies_to(self, field: &Field) -> bool {
        let column = !field.is_count() && field.field_type() != FieldType::User;
        match (self, field.field_type()) {
            (Operator::IsNull | Operator::IsNotNull, _) => column,
            (_, FieldType::Secret) => false,
            (Operator::Compare(Comparison::Eq), FieldType::User) => true,
            (_, FieldType::User) => false,
            (
                Operator::Compare(Comparison::Eq | Comparison::Ne) | Operator::In,
                FieldType::UserKey,
            ) => true,
            (_, FieldType::UserKey) => false,
            (Operator::Compare(Comparison::Eq | Comparison::Ne), FieldType::Boolean) => true,
            (_, FieldType::Boolean) => false,
            (Operator::Like | Operator::Contains | Operator::StartsWith, t) => t == FieldType::Text,
            (Operator::Compare(_) | Operator::In | Operator::Between, _) => true,
        }
    }

    /// The operators that can test this field.
    pub fn for_field(field: &Field) -> Vec<Operator> {
        Operator::all()
            .into_iter()
            .filter(|o| o.applies_to(field))
            .collect()
    }
}

/// A value typed by the field it is compared with or assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Integer(i64),
    Text(String),
    Timestamp(NaiveDateTime),
    Date(NaiveDate),
    Boolean(bool),
    /// A number as typed, checked to be a finite float (kept as text so literals compare exactly).
    Float(String),
    User(UserRef),
}

/// What a field is tested for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    Compare(Comparison, Literal),
    /// An SQL pattern (`%` any run, `_` one character), case-sensitive on every backend.
    Like(String),
    /// The text anywhere in the value, ignoring case; `%` and `_` are plain characters.
    Contains(String),
    /// The value begins with the text, ignoring case; `%` and `_` are plain characters.
    StartsWith(String),
    In(Vec<Literal>),
    Between(Literal, Literal),
    IsNull,
    IsNotNull,
}

/// A `where` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Test { field: Field, test: Test },
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
}

impl Condition {
    /// Every field the condition names.
    pub fn fields(&self) -> Vec<Field> {
        match self {
            Condition::Test { field, .. } => vec![field.clone()],
            Condition::Not(inner) => inner.fields(),
            Condition::And(all) | Condition::Or(all) => {
                all.iter().flat_map(|c| c.fields()).collect()
            }
        }
    }
}

/// One key of `order by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub field: Field,
    pub descending: bool,
}

/// One `FIELD = VALUE` of `set`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub field: Field,
    pub value: Literal,
}

/// Which side of the follow relation `followers of USER` and `following of USER` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FollowSide {
    /// The users who follow USER.
    Followers,
    /// The users USER follows.
    Following,
}

impl FollowSide {
    pub const ALL: [FollowSide; 2] = [FollowSide::Followers, FollowSide::Following];

    pub fn word(self) -> &'static str {
        match self {
            FollowSide::Followers => FOLLOWERS,
            FollowSide::Following => FOLLOWING,
        }
    }
}

/// Which rows of an entity, in which order, how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub entity: EntityKind,
    /// `posts of USER`: the same as `author = USER`, and read through the timeline index.
    pub of: Option<UserRef>,
    /// `followers of USER`, `following of USER`: users related to USER by the follow relation.
    pub follows: Option<(FollowSide, UserRef)>,
    pub filter: Option<Condition>,
    /// Empty: the entity's own order (users by id, posts newest first).
    pub order: Vec<Sort>,
    pub page: Page,
}

impl Query {
    pub fn all(entity: EntityKind) -> Self {
        Query {
            entity,
            of: None,
            follows: None,
            filter: None,
            order: Vec::new(),
            page: Page::default(),
        }
    }

    /// Whether the query names a field, in its filter or its order.
    pub fn mentions(&self, field: &Field) -> bool {
        self.order.iter().any(|s| s.field == *field)
            || self
                .filter
                .as_ref()
                .is_some_and(|f| f.fields().contains(field))
    }
}

/// Whose rows `rows of TABLE for ...` lists: a user's, or a post's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    User(UserRef),
    Post(i32),
}

/// `rows of TABLE ...`: which rows of a table the shell does not declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableQuery {
    pub table: Arc<LiveTable>,
    /// `for USER`, `for post N`: rows whose any foreign key to `user` (or `post`) holds it.
    pub of: Option<Owner>,
    pub filter: Option<Condition>,
    /// Empty: by the primary key (every column when there is none).
    pub order: Vec<Sort>,
    pub page: Page,
}

/// The one line of help about the language, shared by `help where` and the errors that need it.
pub const CONDITION_SHAPE: &str = "FIELD OPERATOR VALUE, joined with and, or, not and parentheses";
