//! The tutorial's follow relation (chapter 8's `followers` table, read from the live catalog):
//! `follow USER by USER` and `unfollow USER by USER`, with the checks the tutorial's own routes
//! make (no user follows themselves, no follow twice, no unfollow of someone not followed).

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Query};

use crate::command::UserRef;
use crate::command::vocabulary::{Follows, Vocabulary};
use crate::db::commands::queries::find_user;
use crate::db::sql::listing::no_follows;
use crate::db::sql::row::integer;
use crate::entities::user;
use crate::error::{Error, Result};
use crate::render::Outcome;

/// The follow relation and the two users of `follow`/`unfollow`, looked up as everywhere.
async fn the_two<'v, C: ConnectionTrait>(
    db: &C,
    vocabulary: &'v Vocabulary,
    followed: &UserRef,
    follower: &UserRef,
) -> Result<(&'v Follows, user::Model, user::Model)> {
    let relation = vocabulary.follows().ok_or_else(no_follows)?;
    let followed = find_user(db, followed).await?;
    let follower = find_user(db, follower).await?;
    Ok((relation, followed, follower))
}

/// The relation's rows in which `follower` follows `followed` (by their ids).
fn the_follow(relation: &Follows, follower: i32, followed: i32) -> Condition {
    let table = Alias::new(&relation.table);
    Condition::all()
        .add(Expr::col((table.clone(), Alias::new(&relation.follower))).eq(follower))
        .add(Expr::col((table, Alias::new(&relation.followed))).eq(followed))
}

/// `follow FOLLOWED by FOLLOWER` (`follower.follow(followed)` in the tutorial).
pub async fn follow<C: ConnectionTrait>(
    db: &C,
    vocabulary: &Vocabulary,
    followed: &UserRef,
    follower: &UserRef,
) -> Result<Outcome> {
    let (relation, followed, follower) = the_two(db, vocabulary, followed, follower).await?;
    if followed.id == follower.id {
        return Err(Error::new(format!(
            "{} cannot follow themselves (the tutorial refuses it too)",
            followed.username
        )));
    }
    let already = Query::select()
        .expr(Func::count(Expr::cust("*")))
        .from(Alias::new(&relation.table))
        .cond_where(the_follow(relation, follower.id, followed.id))
        .to_owned();
    let rows = match db.query_one(&already).await? {
        Some(row) => integer(&row, 0)?,
        None => 0,
    };
    if rows > 0 {
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
    let (relation, followed, follower) = the_two(db, vocabulary, followed, follower).await?;
    let delete = Query::delete()
        .from_table(Alias::new(&relation.table))
        .cond_where(the_follow(relation, follower.id, followed.id))
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
