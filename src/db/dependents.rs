//! The rows of tables the shell does not declare that hold a user (`followers`, `message`,
//! `notification`, `task`, ...) or one of their posts: counted before a user is deleted, so the
//! refusal names each table, and removed with `cascade` in the command's own transaction, before
//! the posts and the users they point at. The tables and their foreign keys come from the live
//! catalog (the session's vocabulary).

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Query, SelectStatement};

use super::row::integer;
use crate::command::clause::shown_name;
use crate::command::vocabulary::{POST_TABLE, USER_TABLE, Vocabulary};
use crate::entities::post;
use crate::error::Result;

/// Ids go into `IN (...)` in groups of this many: well under every backend's limit on values.
const IDS_PER_STATEMENT: usize = 500;

/// A table's rows that hold the users (or their posts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    pub table: String,
    /// The columns that point at a user (or, with `through_posts`, at a post).
    pub columns: Vec<String>,
    /// The columns point at the users' posts, not at the users.
    pub through_posts: bool,
    pub rows: u64,
}

impl Dependent {
    /// `3 rows of followers`.
    pub fn shown(&self) -> String {
        let rows = match self.rows {
            1 => "1 row".to_string(),
            n => format!("{n} rows"),
        };
        format!("{rows} of {}", shown_name(&self.table))
    }
}

/// The tables (and their columns) whose foreign keys point at `target`, grouped by table.
fn referencing(vocabulary: &Vocabulary, target: &str) -> BTreeMap<String, Vec<String>> {
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, column) in vocabulary.referencing(target) {
        if table.view {
            continue;
        }
        tables.entry(table.name.clone()).or_default().push(column);
    }
    tables
}

/// `column IN (ids)` for any of the columns; through posts, `column IN (SELECT id FROM post
/// WHERE user_id IN (ids))`.
fn holding(table: &str, columns: &[String], through_posts: bool, ids: &[i32]) -> Condition {
    columns.iter().fold(Condition::any(), |any, column| {
        let column = Expr::col((Alias::new(table), Alias::new(column)));
        any.add(match through_posts {
            false => column.is_in(ids.iter().copied()),
            true => column.in_subquery(
                Query::select()
                    .column((post::Entity, post::Column::Id))
                    .from(post::Entity)
                    .and_where(
                        Expr::col((post::Entity, post::Column::UserId)).is_in(ids.iter().copied()),
                    )
                    .to_owned(),
            ),
        })
    })
}

/// Every table that holds rows of these users or of their posts, with how many (tables with
/// none left out), those through posts first: the order they are removed in.
pub async fn of_users<C: ConnectionTrait>(
    db: &C,
    vocabulary: &Vocabulary,
    ids: &[i32],
) -> Result<Vec<Dependent>> {
    let mut found = Vec::new();
    for (target, through_posts) in [(POST_TABLE, true), (USER_TABLE, false)] {
        for (table, columns) in referencing(vocabulary, target) {
            let mut rows = 0;
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                let select: SelectStatement = Query::select()
                    .expr(Func::count(Expr::cust("*")))
                    .from(Alias::new(&table))
                    .cond_where(holding(&table, &columns, through_posts, chunk))
                    .to_owned();
                if let Some(row) = db.query_one(&select).await? {
                    rows += u64::try_from(integer(&row, 0)?).unwrap_or(0);
                }
            }
            if rows > 0 {
                found.push(Dependent {
                    table,
                    columns,
                    through_posts,
                    rows,
                });
            }
        }
    }
    Ok(found)
}

/// Removes the rows `of_users` found that point at the users' posts (before the posts go).
pub async fn remove_through_posts<C: ConnectionTrait>(
    db: &C,
    dependents: &[Dependent],
    ids: &[i32],
) -> Result<()> {
    remove(db, dependents.iter().filter(|d| d.through_posts), ids).await
}

/// Removes the rows `of_users` found that point at the users themselves (before the users go).
pub async fn remove_holding_users<C: ConnectionTrait>(
    db: &C,
    dependents: &[Dependent],
    ids: &[i32],
) -> Result<()> {
    remove(db, dependents.iter().filter(|d| !d.through_posts), ids).await
}

async fn remove<'d, C: ConnectionTrait>(
    db: &C,
    dependents: impl Iterator<Item = &'d Dependent>,
    ids: &[i32],
) -> Result<()> {
    for dependent in dependents {
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let statement = Query::delete()
                .from_table(Alias::new(&dependent.table))
                .cond_where(holding(
                    &dependent.table,
                    &dependent.columns,
                    dependent.through_posts,
                    chunk,
                ))
                .to_owned();
            db.execute(&statement).await?;
        }
    }
    Ok(())
}

/// `2 posts, 3 rows of followers and 1 row of message`: what a user still has, or what went.
pub fn listed(posts: u64, dependents: &[Dependent]) -> String {
    let mut parts: Vec<String> = Vec::new();
    match posts {
        0 => {}
        1 => parts.push("1 post".into()),
        n => parts.push(format!("{n} posts")),
    }
    parts.extend(dependents.iter().map(Dependent::shown));
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    crate::command::error::every_one_of(&refs)
}
