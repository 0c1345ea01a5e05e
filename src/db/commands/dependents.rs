//! The rows of tables the shell does not declare that hold a user (`followers`, `message`,
//! `notification`, `task`, ...) or a post: counted before users or posts are deleted, so the
//! refusal names each table, and removed with `cascade` in the command's own transaction, before
//! the posts and the users they point at. The tables and their foreign keys come from the live
//! catalog (the session's vocabulary).

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Query, SelectStatement};

use crate::command::clause::shown_name;
use crate::command::vocabulary::{POST_TABLE, USER_TABLE, Vocabulary};
use crate::db::sql::row::integer;
use crate::entities::post;
use crate::error::Result;

/// Ids go into `IN (...)` in groups of this many: well under every backend's limit on values.
const IDS_PER_STATEMENT: usize = 500;

/// What a dependent table's columns hold of the rows being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The users' ids.
    Users,
    /// The ids of the users' posts.
    UsersPosts,
    /// The posts' ids.
    Posts,
}

/// A table's rows that hold the rows being deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    pub table: String,
    /// The columns that point at them, and at what.
    pub columns: Vec<(String, Via)>,
    /// Counted once, even where a row holds both a user and one of their posts.
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

/// The tables whose foreign keys point at any of `targets`, each with its columns and what they
/// hold, by table.
fn referencing(
    vocabulary: &Vocabulary,
    targets: &[(&str, Via)],
) -> BTreeMap<String, Vec<(String, Via)>> {
    let mut tables: BTreeMap<String, Vec<(String, Via)>> = BTreeMap::new();
    for (target, via) in targets {
        for (table, column) in vocabulary.referencing(target) {
            if table.view {
                continue;
            }
            tables
                .entry(table.name.clone())
                .or_default()
                .push((column, *via));
        }
    }
    tables
}

/// Any of the columns holds one of the rows: `column IN (ids)`; through the users' posts,
/// `column IN (SELECT id FROM post WHERE user_id IN (ids))`.
fn holding(table: &str, columns: &[(String, Via)], ids: &[i32]) -> Condition {
    columns.iter().fold(Condition::any(), |any, (column, via)| {
        let column = Expr::col((Alias::new(table), Alias::new(column)));
        any.add(match via {
            Via::Users | Via::Posts => column.is_in(ids.iter().copied()),
            Via::UsersPosts => column.in_subquery(
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
/// none left out).
pub async fn of_users<C: ConnectionTrait>(
    db: &C,
    vocabulary: &Vocabulary,
    ids: &[i32],
) -> Result<Vec<Dependent>> {
    let targets = [(POST_TABLE, Via::UsersPosts), (USER_TABLE, Via::Users)];
    counted(db, referencing(vocabulary, &targets), ids).await
}

/// Every table that holds rows of these posts, with how many.
pub async fn of_posts<C: ConnectionTrait>(
    db: &C,
    vocabulary: &Vocabulary,
    ids: &[i32],
) -> Result<Vec<Dependent>> {
    counted(
        db,
        referencing(vocabulary, &[(POST_TABLE, Via::Posts)]),
        ids,
    )
    .await
}

async fn counted<C: ConnectionTrait>(
    db: &C,
    tables: BTreeMap<String, Vec<(String, Via)>>,
    ids: &[i32],
) -> Result<Vec<Dependent>> {
    let mut found = Vec::new();
    for (table, columns) in tables {
        let mut rows = 0;
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let select: SelectStatement = Query::select()
                .expr(Func::count(Expr::cust("*")))
                .from(Alias::new(&table))
                .cond_where(holding(&table, &columns, chunk))
                .to_owned();
            if let Some(row) = db.query_one(&select).await? {
                rows += u64::try_from(integer(&row, 0)?).unwrap_or(0);
            }
        }
        if rows > 0 {
            found.push(Dependent {
                table,
                columns,
                rows,
            });
        }
    }
    Ok(found)
}

/// Removes the rows `of_users` or `of_posts` found: before the posts and users they hold go.
pub async fn remove<C: ConnectionTrait>(
    db: &C,
    dependents: &[Dependent],
    ids: &[i32],
) -> Result<()> {
    for dependent in dependents {
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let statement = Query::delete()
                .from_table(Alias::new(&dependent.table))
                .cond_where(holding(&dependent.table, &dependent.columns, chunk))
                .to_owned();
            db.execute(&statement).await?;
        }
    }
    Ok(())
}

/// `2 posts, 3 rows of followers and 1 row of message`: what is still held, or what went.
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
