//! The query language in SQL: fields as column expressions, tests as conditions, sort keys as
//! expressions that order text the same way everywhere. Every value is bound, never spliced.
//!
//! One meaning on every backend:
//! - text compares and sorts by its characters' codes, case-sensitively (SQLite's and the C
//!   collation's order; MySQL/MariaDB compare case-insensitively by default, so there the text is
//!   compared as bytes, with the plain comparison kept first so that the indexes still answer);
//! - `like` is case-sensitive, `%` and `_` its only wildcards (SQLite runs it as `GLOB`, which is
//!   case-sensitive and can use the indexes);
//! - `contains` and `starts with` ignore case for every letter, not only ASCII (SQLite's `lower`
//!   folds only ASCII, so there they run as a case-insensitive `REGEXP`), and take `%`/`_` as
//!   plain characters.

use std::collections::HashMap;

use sea_orm::DbBackend;
use sea_orm::sea_query::{
    Alias, Condition as SqlCondition, Expr, ExprTrait, Func, Query, SelectStatement,
};

use crate::command::UserRef;
use crate::command::query::{
    Comparison, Condition, Field, FieldType, FollowSide, Literal, PostColumn, PostField, Test,
    UserColumn, UserField,
};
use crate::command::vocabulary::{ColumnKind, Follows, LiveColumn};
use crate::db::sql::case_insensitive::prefix_ranges;
use crate::entities::{post, user};
use crate::error::{Error, Result};

/// How a post's author columns are reached: through the listing's join, or (in `update` and
/// `delete`, which cannot join on every backend) a subquery per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorAccess {
    Joined,
    Correlated,
}

/// Compiles conditions and sort keys for one backend.
pub struct Sql<'a> {
    pub backend: DbBackend,
    pub author: AuthorAccess,
    /// The ids of the users that `author = NAME` names, looked up beforehand.
    pub users: &'a HashMap<String, i32>,
    /// The follow relation, for `followers` and `following` (when the database has it).
    pub follows: Option<&'a Follows>,
}

/// The escape character of every LIKE pattern built here: a backslash would need doubling in
/// MySQL's string literals and means something else in PostgreSQL's.
const ESCAPE: char = '!';

pub fn user_column(column: UserColumn) -> user::Column {
    match column {
        UserColumn::Id => user::Column::Id,
        UserColumn::Username => user::Column::Username,
        UserColumn::Email => user::Column::Email,
        UserColumn::PasswordHash => user::Column::PasswordHash,
    }
}

pub fn post_column(column: PostColumn) -> post::Column {
    match column {
        PostColumn::Id => post::Column::Id,
        PostColumn::Body => post::Column::Body,
        PostColumn::Timestamp => post::Column::Timestamp,
        PostColumn::UserId => post::Column::UserId,
    }
}

fn user_table() -> &'static str {
    crate::command::vocabulary::USER_TABLE
}

fn post_table() -> &'static str {
    crate::command::vocabulary::POST_TABLE
}

/// `(SELECT COUNT(post.id) FROM post WHERE post.user_id = user.id)`: a user's posts.
pub fn post_count() -> Expr {
    let select: SelectStatement = Query::select()
        .expr(Func::count(Expr::col((post::Entity, post::Column::Id))))
        .from(post::Entity)
        .and_where(
            Expr::col((post::Entity, post::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .to_owned();
    Expr::from(select)
}

/// `(SELECT COUNT(*) FROM followers WHERE followers.followed_id = user.id)`: how many follow a
/// user (`Followers`), or how many the user follows (`Following`).
pub fn follow_count(follows: &Follows, side: FollowSide) -> Expr {
    let (mine, _) = follow_columns(follows, side);
    let table = Alias::new(&follows.table);
    let select: SelectStatement = Query::select()
        .expr(Func::count(Expr::col((table.clone(), Alias::new(mine)))))
        .from(table.clone())
        .and_where(Expr::col((table, Alias::new(mine))).equals((user::Entity, user::Column::Id)))
        .to_owned();
    Expr::from(select)
}

/// For one side of the relation: the column that holds the user the list is about, and the one
/// that holds the users listed. `followers of X`: rows whose followed is X, listing followers.
pub fn follow_columns(follows: &Follows, side: FollowSide) -> (&str, &str) {
    match side {
        FollowSide::Followers => (&follows.followed, &follows.follower),
        FollowSide::Following => (&follows.follower, &follows.followed),
    }
}

/// A column the entities do not declare, as an expression of `table`: as text where its type is
/// one the shell does not know (a `json`, a `numeric`), so it compares and reads as text.
pub fn live_column(backend: DbBackend, table: Alias, column: &LiveColumn) -> Expr {
    let expr = Expr::col((table, Alias::new(&column.name)));
    match (&column.kind, backend) {
        (ColumnKind::Other | ColumnKind::Date, DbBackend::Postgres) => {
            custom(backend, "CAST($1 AS TEXT)", [expr])
        }
        (ColumnKind::Other | ColumnKind::Date, DbBackend::MySql) => {
            custom(backend, "CAST($1 AS CHAR)", [expr])
        }
        _ => expr,
    }
}

/// A column the entities do not declare, as a listing selects it: on the servers cast to the one
/// type its kind is read as (`row::server_cell`), whatever width or flavour the column has.
pub fn read_live_column(backend: DbBackend, table: Alias, column: &LiveColumn) -> Expr {
    let expr = live_column(backend, table, column);
    let cast = match (&column.kind, backend) {
        (_, DbBackend::Sqlite) => None,
        (ColumnKind::Integer, DbBackend::Postgres) => Some("CAST($1 AS BIGINT)"),
        (ColumnKind::Integer, _) => Some("CAST($1 AS SIGNED)"),
        (ColumnKind::Float, DbBackend::Postgres) => Some("CAST($1 AS DOUBLE PRECISION)"),
        (ColumnKind::Float, _) => Some("CAST($1 AS DOUBLE)"),
        (ColumnKind::Text { .. }, DbBackend::MySql) => Some("CAST($1 AS CHAR)"),
        _ => None,
    };
    match cast {
        Some(template) => custom(backend, template, [expr]),
        None => expr,
    }
}

/// Every username a condition names as `author = NAME`.
pub fn named_authors(condition: &Condition, names: &mut Vec<UserRef>) {
    match condition {
        Condition::Test { test, .. } => {
            let literals: Vec<&Literal> = match test {
                Test::Compare(_, value) => vec![value],
                Test::In(values) => values.iter().collect(),
                Test::Between(low, high) => vec![low, high],
                Test::Like(_)
                | Test::Contains(_)
                | Test::StartsWith(_)
                | Test::IsNull
                | Test::IsNotNull => vec![],
            };
            for literal in literals {
                if let Literal::User(user) = literal
                    && !names.contains(user)
                {
                    names.push(user.clone());
                }
            }
        }
        Condition::Not(inner) => named_authors(inner, names),
        Condition::And(all) | Condition::Or(all) => {
            all.iter().for_each(|c| named_authors(c, names))
        }
    }
}

impl Sql<'_> {
    /// The field's value in a row.
    pub fn field(&self, field: &Field) -> Expr {
        match field {
            Field::User(UserField::Column(c)) => Expr::col((user::Entity, user_column(*c))),
            Field::User(UserField::Posts) => post_count(),
            Field::User(side @ (UserField::Followers | UserField::Following)) => {
                let side = match side {
                    UserField::Followers => FollowSide::Followers,
                    _ => FollowSide::Following,
                };
                match self.follows {
                    Some(follows) => follow_count(follows, side),
                    // Not reached: the parser offers the field only when the table is there.
                    None => Expr::val(0),
                }
            }
            Field::User(UserField::Extra(c)) => {
                live_column(self.backend, Alias::new(user_table()), c)
            }
            Field::Post(PostField::Extra(c)) => {
                live_column(self.backend, Alias::new(post_table()), c)
            }
            Field::Table(t) => live_column(self.backend, Alias::new(&*t.table), &t.column),
            Field::Post(PostField::Column(c)) => Expr::col((post::Entity, post_column(*c))),
            Field::Post(PostField::Author) => Expr::col((post::Entity, post::Column::UserId)),
            Field::Post(PostField::AuthorColumn(c)) => match self.author {
                AuthorAccess::Joined => Expr::col((user::Entity, user_column(*c))),
                AuthorAccess::Correlated => {
                    let select: SelectStatement = Query::select()
                        .column((user::Entity, user_column(*c)))
                        .from(user::Entity)
                        .and_where(
                            Expr::col((user::Entity, user::Column::Id))
                                .equals((post::Entity, post::Column::UserId)),
                        )
                        .to_owned();
                    Expr::from(select)
                }
            },
        }
    }

    /// A sort key's value: the field, with a missing author's columns as empty text or zero (a
    /// post whose author is gone still has a place in the order).
    pub fn sort_value(&self, field: &Field) -> Expr {
        let value = self.field(field);
        match (field, field.field_type()) {
            (Field::Post(PostField::AuthorColumn(_)), FieldType::Text) => {
                Func::coalesce([value, Expr::val("")]).into()
            }
            (Field::Post(PostField::AuthorColumn(_)), FieldType::Integer) => {
                Func::coalesce([value, Expr::val(0)]).into()
            }
            _ => value,
        }
    }

    /// The expression a field sorts by: its sort value, text in character-code order.
    pub fn sort_key(&self, field: &Field) -> Expr {
        match field.field_type() {
            FieldType::Text => self.ordered_text(self.sort_value(field)),
            _ => self.sort_value(field),
        }
    }

    /// Text compared by character codes: PostgreSQL's C collation, MySQL's bytes.
    pub fn ordered_text(&self, text: Expr) -> Expr {
        ordered_text(self.backend, text)
    }

    /// A literal as a bound value where no `author = NAME` was looked up (a user named by name
    /// is then an error): the values of `add ... with` and of `import`.
    pub fn bound(literal: &Literal) -> Result<Expr> {
        let no_users = HashMap::new();
        let sql = Sql {
            // The value does not depend on it: bound, never spliced.
            backend: DbBackend::Sqlite,
            author: AuthorAccess::Correlated,
            users: &no_users,
            follows: None,
        };
        sql.value(literal)
    }

    /// A bound value typed as its field's.
    pub fn value(&self, literal: &Literal) -> Result<Expr> {
        Ok(match literal {
            Literal::Integer(n) => Expr::val(*n),
            Literal::Text(text) => Expr::val(text.as_str()),
            Literal::Timestamp(t) => Expr::val(*t),
            // Compared as the text the column is read as (see `live_column`), on every backend.
            Literal::Date(d) => Expr::val(d.format("%Y-%m-%d").to_string()),
            Literal::Boolean(b) => Expr::val(*b),
            Literal::Float(text) => Expr::val(
                text.parse::<f64>()
                    .map_err(|_| Error::new(format!("{text:?} is not a number")))?,
            ),
            Literal::User(UserRef::Id(id)) => Expr::val(*id),
            Literal::User(UserRef::Username(name)) => match self.users.get(name) {
                Some(id) => Expr::val(*id),
                None => return Err(Error::new(format!("there is no user {name:?}"))),
            },
        })
    }

    pub fn condition(&self, condition: &Condition) -> Result<SqlCondition> {
        Ok(match condition {
            Condition::Test { field, test } => self.test(field, test)?,
            Condition::Not(inner) => self.condition(inner)?.not(),
            Condition::And(all) => all.iter().try_fold(SqlCondition::all(), |c, term| {
                Ok::<_, Error>(c.add(self.condition(term)?))
            })?,
            Condition::Or(all) => all.iter().try_fold(SqlCondition::any(), |c, term| {
                Ok::<_, Error>(c.add(self.condition(term)?))
            })?,
        })
    }

    fn test(&self, field: &Field, test: &Test) -> Result<SqlCondition> {
        let column = self.field(field);
        let text = field.field_type() == FieldType::Text;
        let expr = match test {
            Test::Compare(comparison, literal) => {
                return self.compare(field, *comparison, literal);
            }
            Test::In(values) if text => {
                return values.iter().try_fold(SqlCondition::any(), |any, v| {
                    Ok(any.add(self.compare(field, Comparison::Eq, v)?))
                });
            }
            Test::In(values) => {
                let values = values
                    .iter()
                    .map(|v| self.value(v))
                    .collect::<Result<Vec<_>>>()?;
                column.is_in(values)
            }
            Test::Between(low, high) => {
                return Ok(SqlCondition::all()
                    .add(self.compare(field, Comparison::Ge, low)?)
                    .add(self.compare(field, Comparison::Le, high)?));
            }
            Test::IsNull => column.is_null(),
            Test::IsNotNull => column.is_not_null(),
            Test::Like(pattern) => self.like(column, pattern),
            Test::Contains(text) => self.ignoring_case(column, text, false),
            Test::StartsWith(text) => {
                let test = self.ignoring_case(column, text, true);
                return Ok(match self.indexed_user_column(field) {
                    // Narrowed first to ranges the column's index answers.
                    Some(indexed) if !prefix_ranges(text).is_empty() => SqlCondition::all()
                        .add(prefix_ranges(text).into_iter().fold(
                            SqlCondition::any(),
                            |any, (from, to)| {
                                any.add(
                                    SqlCondition::all()
                                        .add(Expr::col(indexed).gte(from))
                                        .add_option(to.map(|to| Expr::col(indexed).lt(to))),
                                )
                            },
                        ))
                        .add(test),
                    _ => SqlCondition::all().add(test),
                });
            }
        };
        Ok(SqlCondition::all().add(expr))
    }

    /// `username` and `email` of the user table, which have unique indexes.
    fn indexed_user_column(&self, field: &Field) -> Option<(user::Entity, user::Column)> {
        let column = match field {
            Field::User(UserField::Column(c)) => *c,
            Field::Post(PostField::AuthorColumn(c)) if self.author == AuthorAccess::Joined => *c,
            _ => return None,
        };
        match column {
            UserColumn::Username | UserColumn::Email => Some((user::Entity, user_column(column))),
            UserColumn::Id | UserColumn::PasswordHash => None,
        }
    }

    fn compare(
        &self,
        field: &Field,
        comparison: Comparison,
        literal: &Literal,
    ) -> Result<SqlCondition> {
        let value = self.value(literal)?;
        let column = self.field(field);
        if field.field_type() != FieldType::Text {
            return Ok(SqlCondition::all().add(compared(column, comparison, value)));
        }
        Ok(match (self.backend, comparison) {
            // MySQL's `=` ignores case (and trailing spaces): kept for its index, then made exact.
            (DbBackend::MySql, Comparison::Eq | Comparison::Ne) => {
                let exact = SqlCondition::all()
                    .add(column.clone().eq(value.clone()))
                    .add(self.ordered_text(column).eq(self.ordered_text(value)));
                if comparison == Comparison::Eq {
                    exact
                } else {
                    exact.not()
                }
            }
            (_, Comparison::Eq | Comparison::Ne) => {
                SqlCondition::all().add(compared(column, comparison, value))
            }
            (DbBackend::MySql, _) => SqlCondition::all().add(compared(
                self.ordered_text(column),
                comparison,
                self.ordered_text(value),
            )),
            (_, _) => {
                SqlCondition::all().add(compared(self.ordered_text(column), comparison, value))
            }
        })
    }

    /// A case-sensitive SQL pattern.
    fn like(&self, column: Expr, pattern: &str) -> Expr {
        match self.backend {
            DbBackend::Sqlite => custom(
                self.backend,
                "$1 GLOB $2",
                [column, Expr::val(glob(pattern))],
            ),
            DbBackend::MySql => custom(
                self.backend,
                "CONVERT($1 USING utf8mb4) COLLATE utf8mb4_bin LIKE $2 ESCAPE '!'",
                [column, Expr::val(escaped_pattern(pattern))],
            ),
            _ => custom(
                self.backend,
                "$1 LIKE $2 ESCAPE '!'",
                [column, Expr::val(escaped_pattern(pattern))],
            ),
        }
    }

    /// The text, taken literally, anywhere in the value (or at its start), ignoring case.
    fn ignoring_case(&self, column: Expr, text: &str, at_start: bool) -> Expr {
        let literal = like_literal(text);
        let pattern = if at_start {
            format!("{literal}%")
        } else {
            format!("%{literal}%")
        };
        match self.backend {
            DbBackend::Sqlite => {
                let anchor = if at_start { "^" } else { "" };
                let regex = format!("(?i){anchor}{}", regex::escape(text));
                custom(self.backend, "$1 REGEXP $2", [column, Expr::val(regex)])
            }
            DbBackend::MySql => custom(
                self.backend,
                "LOWER(CONVERT($1 USING utf8mb4)) COLLATE utf8mb4_bin LIKE LOWER($2) ESCAPE '!'",
                [column, Expr::val(pattern)],
            ),
            _ => custom(
                self.backend,
                "LOWER($1) LIKE LOWER($2) ESCAPE '!'",
                [column, Expr::val(pattern)],
            ),
        }
    }
}

/// Text compared by character codes on `backend`: PostgreSQL's C collation, MySQL's bytes.
pub fn ordered_text(backend: DbBackend, text: Expr) -> Expr {
    match backend {
        DbBackend::Postgres => custom(backend, "$1 COLLATE \"C\"", [text]),
        DbBackend::MySql => custom(backend, "CAST($1 AS BINARY)", [text]),
        _ => text,
    }
}

/// SQL around expressions, written with PostgreSQL's `$1`, `$2` (each once, in order); SQLite's
/// and MySQL's builders take `?` there.
fn custom<const N: usize>(backend: DbBackend, template: &'static str, exprs: [Expr; N]) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust_with_exprs(template, exprs),
        _ => {
            let mut sql = template.to_string();
            for n in (1..=N).rev() {
                sql = sql.replace(&format!("${n}"), "?");
            }
            Expr::cust_with_exprs(sql, exprs)
        }
    }
}

fn compared(left: Expr, comparison: Comparison, right: Expr) -> Expr {
    match comparison {
        Comparison::Eq => left.eq(right),
        Comparison::Ne => left.ne(right),
        Comparison::Lt => left.lt(right),
        Comparison::Le => left.lte(right),
        Comparison::Gt => left.gt(right),
        Comparison::Ge => left.gte(right),
    }
}

/// Text matched literally by LIKE with [`ESCAPE`].
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_') || c == ESCAPE {
            out.push(ESCAPE);
        }
        out.push(c);
    }
    out
}

/// The user's pattern with only `%` and `_` special (the escape character itself escaped).
fn escaped_pattern(pattern: &str) -> String {
    pattern
        .chars()
        .flat_map(|c| {
            let escape = (c == ESCAPE).then_some(ESCAPE);
            escape.into_iter().chain([c])
        })
        .collect()
}

/// A LIKE pattern as a GLOB pattern: `%` -> `*`, `_` -> `?`, GLOB's own specials bracketed.
fn glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        match c {
            '%' => out.push('*'),
            '_' => out.push('?'),
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_keep_only_their_own_wildcards() {
        assert_eq!(glob("s%"), "s*");
        assert_eq!(glob("a_b*c?[d]"), "a?b[*]c[?][[]d]");
        assert_eq!(escaped_pattern("100!%"), "100!!%");
        assert_eq!(like_literal("50%_off!"), "50!%!_off!!");
    }
}

#[cfg(test)]
mod entity_tests {
    use super::*;
    use crate::command::EntityKind;
    use crate::entities::{columns, named_columns};
    use sea_orm::{ColumnTrait, ColumnType, Iden};

    /// The type a column's values take in the query language, from its SeaORM declaration.
    fn language_type(column_type: &ColumnType) -> Option<FieldType> {
        match column_type {
            ColumnType::Integer | ColumnType::BigInteger => Some(FieldType::Integer),
            ColumnType::String(_) | ColumnType::Text => Some(FieldType::Text),
            ColumnType::DateTime | ColumnType::Timestamp => Some(FieldType::Timestamp),
            _ => None,
        }
    }

    #[test]
    fn the_query_language_names_the_entities_columns_with_their_types() {
        let user_names: Vec<String> = UserColumn::ALL
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        assert_eq!(user_names, named_columns(EntityKind::User));
        assert!(columns(EntityKind::User).starts_with(&user_names));
        let post_names: Vec<String> = PostColumn::ALL
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        assert_eq!(post_names, named_columns(EntityKind::Post));
        assert!(columns(EntityKind::Post).starts_with(&post_names));
        for column in UserColumn::ALL {
            let entity_column = user_column(column);
            assert_eq!(entity_column.to_string(), column.name());
            let declared = language_type(entity_column.def().get_column_type());
            match column.field_type() {
                // The hash is text, but the language only asks whether it is set.
                FieldType::Secret => assert_eq!(declared, Some(FieldType::Text)),
                other => assert_eq!(declared, Some(other), "{}", column.name()),
            }
        }
        for column in PostColumn::ALL {
            let entity_column = post_column(column);
            assert_eq!(entity_column.to_string(), column.name());
            let declared = language_type(entity_column.def().get_column_type());
            assert_eq!(declared, Some(column.field_type()), "{}", column.name());
        }
    }
}
