//! Counting, changing and deleting the rows a query selects: `count ... where`, `update ... set`
//! and `delete ... where`. Each runs inside the unit of work the session opened, so a rule that
//! fails on any row (a taken username, a user with posts) changes nothing at all.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{
    Condition as SqlCondition, Expr, ExprTrait, Func, Query, SelectStatement,
};

use sea_orm::sea_query::Alias;

use crate::command::query::{
    Assignment, Field, FollowSide, Literal, PostField, UserColumn, UserField,
};
use crate::command::vocabulary::{POST_TABLE, Vocabulary};
use crate::command::{Condition, EntityKind, TableQuery, Targets, UserRef};
use crate::db::commands::dependents;
use crate::db::commands::queries::{ensure_available, find_user, taken_in_a_race};
use crate::db::sql::fetch::Fetch;
use crate::db::sql::filter::{AuthorAccess, Sql, post_column, user_column};
use crate::db::sql::listing::{
    case_twin_of, related_by_follows, selection, table_selection, written_by_exactly,
};
use crate::db::sql::row::integer;
use crate::entities::{post, user};
use crate::error::{Error, Result};
use crate::render::{CountOf, Outcome};

/// Ids are deleted in groups of this many: well under every backend's limit on bound values.
const IDS_PER_STATEMENT: usize = 500;

/// `3 posts`, `1 user`.
pub fn rows_of(entity: EntityKind, n: u64) -> String {
    match n {
        1 => format!("1 {}", entity.singular()),
        n => format!("{n} {}", entity.plural()),
    }
}

/// Whether a condition reaches the author's columns (then the post table is joined to users).
fn names_author_columns(filter: Option<&Condition>) -> bool {
    filter.is_some_and(|f| {
        f.fields()
            .iter()
            .any(|field| matches!(field, Field::Post(PostField::AuthorColumn(_))))
    })
}

/// What `count` counts: users or posts (of a user, or by the follow relation), and which.
pub struct Counted<'a> {
    pub entity: EntityKind,
    pub of: Option<&'a UserRef>,
    pub follows: Option<(FollowSide, &'a UserRef)>,
    pub filter: Option<&'a Condition>,
}

/// `count users|posts [of USER] [where ...]`, `count followers|following of USER [where ...]`.
pub async fn count<F: Fetch>(
    db: &F,
    counted: Counted<'_>,
    vocabulary: &Vocabulary,
) -> Result<Outcome> {
    let entity = counted.entity;
    let count = how_many(db, counted, vocabulary).await?;
    Ok(Outcome::Count {
        count,
        of: CountOf::Entity(entity),
    })
}

/// How many rows a query selects.
pub async fn how_many<F: Fetch>(
    db: &F,
    counted: Counted<'_>,
    vocabulary: &Vocabulary,
) -> Result<u64> {
    let Counted {
        entity,
        of,
        follows,
        filter,
    } = counted;
    let access = if names_author_columns(filter) {
        AuthorAccess::Joined
    } else {
        AuthorAccess::Correlated
    };
    if let (EntityKind::Post, Some(UserRef::Username(name))) = (entity, of) {
        // One statement: the author found inside the count (see `written_by_exactly`).
        let rest = selection(db, None, filter, access, vocabulary).await?;
        let count = count_rows(db, entity, rest.add(written_by_exactly(name)), access).await?;
        if count > 0 {
            return Ok(count);
        }
        let Some(id) = case_twin_of(db, name).await? else {
            return Ok(0);
        };
        let condition = selection(db, Some(&UserRef::Id(id)), filter, access, vocabulary).await?;
        return count_rows(db, entity, condition, access).await;
    }
    let mut condition = selection(db, of, filter, access, vocabulary).await?;
    if let Some((side, user)) = follows {
        condition = condition.add(related_by_follows(db, vocabulary, side, user).await?);
    }
    count_rows(db, entity, condition, access).await
}

/// `count rows of TABLE [for USER] [where ...]`.
pub async fn count_table_rows<F: Fetch>(
    db: &F,
    query: &TableQuery,
    vocabulary: &Vocabulary,
) -> Result<u64> {
    let condition = table_selection(db, query, vocabulary).await?;
    let select = Query::select()
        .expr(Func::count(Expr::cust("*")))
        .from(Alias::new(&query.table.name))
        .cond_where(condition)
        .to_owned();
    first_integer(db, &select).await
}

/// How many rows `update` or `delete` with this condition would change, asked before they run.
pub async fn count_matching<C: ConnectionTrait>(
    db: &C,
    entity: EntityKind,
    filter: &Condition,
    vocabulary: &Vocabulary,
) -> Result<u64> {
    let condition = selection(db, None, Some(filter), AuthorAccess::Correlated, vocabulary).await?;
    count_rows(db, entity, condition, AuthorAccess::Correlated).await
}

async fn count_rows<F: Fetch>(
    db: &F,
    entity: EntityKind,
    condition: SqlCondition,
    access: AuthorAccess,
) -> Result<u64> {
    let mut select = Query::select();
    match entity {
        EntityKind::User => select
            .expr(Func::count(Expr::col((user::Entity, user::Column::Id))))
            .from(user::Entity),
        EntityKind::Post => {
            select
                .expr(Func::count(Expr::col((post::Entity, post::Column::Id))))
                .from(post::Entity);
            if access == AuthorAccess::Joined {
                select.left_join(
                    user::Entity,
                    Expr::col((user::Entity, user::Column::Id))
                        .equals((post::Entity, post::Column::UserId)),
                );
            }
            &mut select
        }
    };
    select.cond_where(condition);
    first_integer(db, &select).await
}

async fn first_integer<F: Fetch>(db: &F, select: &SelectStatement) -> Result<u64> {
    let n = db
        .first_integer(select)
        .await?
        .ok_or_else(|| Error::new("the database returned no count"))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The ids of the users a condition selects, in order.
async fn user_ids<C: ConnectionTrait>(db: &C, condition: SqlCondition) -> Result<Vec<i32>> {
    let select = Query::select()
        .column((user::Entity, user::Column::Id))
        .from(user::Entity)
        .cond_where(condition)
        .order_by(
            (user::Entity, user::Column::Id),
            sea_orm::sea_query::Order::Asc,
        )
        .to_owned();
    ids_of(db, select).await
}

/// The ids of the posts a condition selects, in order.
async fn post_ids<C: ConnectionTrait>(db: &C, condition: SqlCondition) -> Result<Vec<i32>> {
    let select = Query::select()
        .column((post::Entity, post::Column::Id))
        .from(post::Entity)
        .cond_where(condition)
        .order_by(
            (post::Entity, post::Column::Id),
            sea_orm::sea_query::Order::Asc,
        )
        .to_owned();
    ids_of(db, select).await
}

async fn ids_of<C: ConnectionTrait>(db: &C, select: SelectStatement) -> Result<Vec<i32>> {
    db.query_all(&select)
        .await?
        .iter()
        .map(|row| Ok(integer(row, 0)? as i32))
        .collect()
}

/// `update user X set ...`, `update post N set ...`, `update users|posts where ... set ...`.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    targets: &Targets,
    set: &[Assignment],
    vocabulary: &Vocabulary,
) -> Result<Outcome> {
    let entity = targets.entity();
    let condition = match targets {
        Targets::User(user) => {
            let found = find_user(db, user).await?;
            SqlCondition::all().add(Expr::col((user::Entity, user::Column::Id)).eq(found.id))
        }
        Targets::Post(id) => {
            SqlCondition::all().add(Expr::col((post::Entity, post::Column::Id)).eq(*id))
        }
        Targets::Where { filter, .. } => {
            selection(db, None, Some(filter), AuthorAccess::Correlated, vocabulary).await?
        }
    };
    let matched = count_rows(db, entity, condition.clone(), AuthorAccess::Correlated).await?;
    // One post by its id: not there is an error, as `get post` and `delete post` say.
    if let (Targets::Post(id), 0) = (targets, matched) {
        return Err(Error::new(format!("there is no post with id {id}")));
    }
    if matched == 0 {
        return Ok(Outcome::Message(format!(
            "No {} match: nothing was changed",
            entity.plural()
        )));
    }
    let no_users = Default::default();
    let sql = Sql {
        backend: db.get_database_backend(),
        author: AuthorAccess::Correlated,
        users: &no_users,
        follows: vocabulary.follows(),
    };
    let mut statement = Query::update();
    match entity {
        EntityKind::User => {
            check_unique(db, set, condition.clone(), matched).await?;
            statement.table(user::Entity);
        }
        EntityKind::Post => {
            statement.table(post::Entity);
        }
    }
    for assignment in set {
        let value = assigned_value(db, &sql, assignment).await?;
        match &assignment.field {
            Field::User(UserField::Column(column)) => {
                statement.value(user_column(*column), value);
            }
            Field::Post(PostField::Column(column)) => {
                statement.value(post_column(*column), value);
            }
            Field::Post(PostField::Author) => {
                statement.value(post::Column::UserId, value);
            }
            Field::User(UserField::Extra(column)) | Field::Post(PostField::Extra(column)) => {
                statement.value(Alias::new(&column.name), value);
            }
            Field::User(UserField::Posts | UserField::Followers | UserField::Following)
            | Field::Post(PostField::AuthorColumn(_))
            | Field::Table(_) => {
                return Err(Error::new(
                    assignment.field.refuses_set().unwrap_or_default(),
                ));
            }
        }
    }
    statement.cond_where(condition);
    db.execute(&statement).await.map_err(|e| {
        let text = |column| assigned_text(set, column).unwrap_or_default();
        taken_in_a_race(e, text(UserColumn::Username), text(UserColumn::Email))
    })?;
    Ok(Outcome::Message(format!(
        "Updated {}",
        rows_of(entity, matched)
    )))
}

/// A value for `set`: an author (by name or id) must exist.
async fn assigned_value<C: ConnectionTrait>(
    db: &C,
    sql: &Sql<'_>,
    assignment: &Assignment,
) -> Result<Expr> {
    match (&assignment.field, &assignment.value) {
        (Field::Post(PostField::Author), Literal::User(user)) => {
            Ok(Expr::val(find_user(db, user).await?.id))
        }
        (
            Field::Post(PostField::Column(crate::command::query::PostColumn::UserId)),
            Literal::Integer(id),
        ) => {
            let id = i32::try_from(*id)
                .map_err(|_| Error::new(format!("there is no user with id {id}")))?;
            Ok(Expr::val(find_user(db, &UserRef::Id(id)).await?.id))
        }
        (_, value) => sql.value(value),
    }
}

/// The text `set` gives a user column, if it sets it.
fn assigned_text(set: &[Assignment], column: UserColumn) -> Option<&str> {
    set.iter().find_map(|a| match (&a.field, &a.value) {
        (Field::User(UserField::Column(c)), Literal::Text(t)) if *c == column => Some(t.as_str()),
        _ => None,
    })
}

/// Usernames and emails stay unique regardless of case, as `add user` keeps them.
async fn check_unique<C: ConnectionTrait>(
    db: &C,
    set: &[Assignment],
    condition: SqlCondition,
    matched: u64,
) -> Result<()> {
    let (username, email) = (
        assigned_text(set, UserColumn::Username),
        assigned_text(set, UserColumn::Email),
    );
    if username.is_none() && email.is_none() {
        return Ok(());
    }
    if matched > 1 {
        let what = if username.is_some() {
            "username"
        } else {
            "email"
        };
        return Err(Error::new(format!(
            "{matched} users match, and each {what} belongs to one user only: nothing was changed"
        )));
    }
    let ids = user_ids(db, condition).await?;
    ensure_available(db, username, email, ids.first().copied()).await
}

/// `delete users|posts where ...`: a user with posts only with `cascade`, their posts first.
pub async fn delete_where<C: ConnectionTrait>(
    db: &C,
    entity: EntityKind,
    filter: &Condition,
    cascade: bool,
    vocabulary: &Vocabulary,
) -> Result<Outcome> {
    let condition = selection(db, None, Some(filter), AuthorAccess::Correlated, vocabulary).await?;
    match entity {
        // No table holds posts: DELETE reports how many it deleted, on every backend.
        EntityKind::Post if vocabulary.referencing(POST_TABLE).is_empty() => {
            let statement = Query::delete()
                .from_table(post::Entity)
                .cond_where(condition)
                .to_owned();
            let deleted = db.execute(&statement).await?.rows_affected();
            Ok(Outcome::Message(deleted_rows(entity, deleted, None)))
        }
        EntityKind::Post => {
            let ids = post_ids(db, condition).await?;
            let held = dependents::of_posts(db, vocabulary, &ids).await?;
            if !held.is_empty() && !cascade {
                return Err(Error::new(format!(
                    "the {} are still held by {}: add cascade to delete those too; nothing was \
                     deleted",
                    rows_of(EntityKind::Post, ids.len() as u64),
                    dependents::listed(0, &held)
                )));
            }
            dependents::remove(db, &held, &ids).await?;
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                let statement = Query::delete()
                    .from_table(post::Entity)
                    .and_where(Expr::col(post::Column::Id).is_in(chunk.iter().copied()))
                    .to_owned();
                db.execute(&statement).await?;
            }
            Ok(Outcome::Message(match held.is_empty() {
                true => deleted_rows(entity, ids.len() as u64, None),
                false => format!(
                    "Deleted {} and {}",
                    rows_of(EntityKind::Post, ids.len() as u64),
                    dependents::listed(0, &held)
                ),
            }))
        }
        EntityKind::User => {
            let ids = user_ids(db, condition).await?;
            let (mut posts, mut authors) = (0, 0);
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                let select = Query::select()
                    .expr(Func::count(Expr::col((post::Entity, post::Column::Id))))
                    .expr(Func::count_distinct(Expr::col((
                        post::Entity,
                        post::Column::UserId,
                    ))))
                    .from(post::Entity)
                    .and_where(
                        Expr::col((post::Entity, post::Column::UserId))
                            .is_in(chunk.iter().copied()),
                    )
                    .to_owned();
                if let Some(row) = db.query_one(&select).await? {
                    posts += u64::try_from(integer(&row, 0)?).unwrap_or(0);
                    authors += u64::try_from(integer(&row, 1)?).unwrap_or(0);
                }
            }
            let held = dependents::of_users(db, vocabulary, &ids).await?;
            if posts > 0 && held.is_empty() && !cascade {
                return Err(Error::new(format!(
                    "{} of the {} have posts ({} in all): add cascade to delete their posts \
                     too; nothing was deleted",
                    authors,
                    rows_of(EntityKind::User, ids.len() as u64),
                    posts
                )));
            }
            if !held.is_empty() && !cascade {
                return Err(Error::new(format!(
                    "the {} still have {}: add cascade to delete those too; nothing was deleted",
                    rows_of(EntityKind::User, ids.len() as u64),
                    dependents::listed(posts, &held)
                )));
            }
            dependents::remove(db, &held, &ids).await?;
            for chunk in ids.chunks(IDS_PER_STATEMENT).filter(|_| posts > 0) {
                let statement = Query::delete()
                    .from_table(post::Entity)
                    .and_where(Expr::col(post::Column::UserId).is_in(chunk.iter().copied()))
                    .to_owned();
                db.execute(&statement).await?;
            }
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                let statement = Query::delete()
                    .from_table(user::Entity)
                    .and_where(Expr::col(user::Column::Id).is_in(chunk.iter().copied()))
                    .to_owned();
                db.execute(&statement).await?;
            }
            if !held.is_empty() {
                return Ok(Outcome::Message(format!(
                    "Deleted {}, {}",
                    rows_of(EntityKind::User, ids.len() as u64),
                    dependents::listed(posts, &held)
                )));
            }
            Ok(Outcome::Message(deleted_rows(
                entity,
                ids.len() as u64,
                Some(posts),
            )))
        }
    }
}

fn deleted_rows(entity: EntityKind, n: u64, posts: Option<u64>) -> String {
    match (n, posts) {
        (0, _) => format!("No {} match: nothing was deleted", entity.plural()),
        (n, Some(p)) if p > 0 => format!(
            "Deleted {} and their {}",
            rows_of(entity, n),
            rows_of(EntityKind::Post, p)
        ),
        (n, _) => format!("Deleted {}", rows_of(entity, n)),
    }
}
