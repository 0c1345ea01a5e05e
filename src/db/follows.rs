//! The tutorial's follow relation (chapter 8's `followers` table, read from the live catalog):
//! `follow USER by USER` and `unfollow USER by USER`, with the checks the tutorial's own routes
//! make (no user follows themselves, no follow twice, no unfollow of someone not followed).

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};

use super::listing::no_follows;
use super::queries::find_user;
use super::row::integer;
use crate::command::UserRef;
use crate::command::vocabulary::{Follows, Vocabulary};
use crate::error::{Error, Result};
use crate::render::Outcome;

/// Whether `follower` follows `followed` (by their ids).
async fn follows<C: ConnectionTrait>(
    db: &C,
    relation: &Follows,
    follower: i32,
    followed: i32,
) -> Result<bool> {
    let table = Alias::new(&relation.table);
    let select = Query::select()
        .expr(Func::count(Expr::cust("*")))
        .from(table.clone())
        .and_where(Expr::col((table.clone(), Alias::new(&relation.follower))).eq(follower))
        .and_where(Expr::col((table, Alias::new(&relation.followed))).eq(followed))
        .to_owned();
    match db.query_one(&select).await? {
        Some(row) => Ok(integer(&row, 0)? > 0),
        None => Ok(false),
    }
}

/// `follow FOLLOWED by FOLLOWER` (`follower.follow(followed)` in the tutorial).
pub async fn follow<C: ConnectionTrait>(
    db: &C,
    vocabulary: &Vocabulary,
    followed: &UserRef,
    follower: &UserRef,
) -> Result<Outcome> {
    let relation = vocabulary.follows().ok_or_else(no_follows)?;
    let (followed, follower) = (
        find_user(db, followed).await?,
        find_user(db, follower).await?,
    );
    if followed.id == follower.id {
        return Err(Error::new(format!(
            "{} cannot follow themselves (the tutorial refuses it too)",
            followed.username
        )));
    }
    if follows(db, relation, follower.id, followed.id).await? {
        return Err(Error::new(format!(
            "{} already follows {}: nothing was changed",
            follower.username, followed.username
        )));
    }
    let insert = Query::insert()
        .into_table(Alias::new(&relation.table))
        .columns([
            Alias::new(&relation.follower),
            Alias::new(&relation.followed),
        ])
        .values_panic([Expr::val(follower.id), Expr::val(followed.id)])
        .to_owned();
    db.execute(&insert).await?;
    Ok(Outcome::Message(format!(
        "{} now follows {}",
        follower.username, followed.username
    )))
}

/// `unfollow FOLLOWED by FOLLOWER`.
pub async fn unfollow<C: ConnectionTrait>(
    db: &C,
    vocabulary: &Vocabulary,
    followed: &UserRef,
    follower: &UserRef,
) -> Result<Outcome> {
    let relation = vocabulary.follows().ok_or_else(no_follows)?;
    let (followed, follower) = (
        find_user(db, followed).await?,
        find_user(db, follower).await?,
    );
    let table = Alias::new(&relation.table);
    let delete = Query::delete()
        .from_table(table.clone())
        .and_where(Expr::col((table.clone(), Alias::new(&relation.follower))).eq(follower.id))
        .and_where(Expr::col((table, Alias::new(&relation.followed))).eq(followed.id))
        .to_owned();
    // A table without a primary key may hold the same follow twice (chapter 8's had none).
    let removed = db.execute(&delete).await?.rows_affected();
    if removed == 0 {
        return Err(Error::new(format!(
            "{} does not follow {}: nothing was changed",
            follower.username, followed.username
        )));
    }
    Ok(Outcome::Message(format!(
        "{} no longer follows {}",
        follower.username, followed.username
    )))
}
