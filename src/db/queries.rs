//! The data commands, run against a connection or a transaction through the entities. Each returns an
//! [`Outcome`] for the renderer; none prints. Users are shown with `has_password` in place of their
//! `password_hash`, which only `check_password` reads and `store_password_hash` writes.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, SqlErr,
};

use super::case_insensitive::{same_ignoring_case, same_text_ignoring_case};
use super::fetch::Fetch;
use crate::command::{EntityKind, UserRef};
use crate::entities::{Post, User, post, user};
use crate::error::{Error, Result, quoted};
use crate::render::{Cell, Outcome, Rows};

pub const USER_COLUMNS: &[&str] = &["id", "username", "email", "has_password"];
pub const POST_COLUMNS: &[&str] = &["id", "timestamp", "author", "body"];

/// A user as a row: `has_password` in place of the hash.
pub fn user_row(u: user::Model) -> Vec<Cell> {
    vec![
        u.id.into(),
        u.username.into(),
        u.email.into(),
        u.password_hash.is_some().into(),
    ]
}

pub fn post_row(p: post::Model, author: Option<String>) -> Vec<Cell> {
    vec![
        p.id.into(),
        p.timestamp.into(),
        Cell::from(author),
        p.body.into(),
    ]
}

fn user_rows(users: impl IntoIterator<Item = user::Model>) -> Rows {
    let mut rows = Rows::new(USER_COLUMNS);
    users.into_iter().for_each(|u| rows.push(user_row(u)));
    rows
}

fn post_rows(posts: impl IntoIterator<Item = (post::Model, Option<String>)>) -> Rows {
    let mut rows = Rows::new(POST_COLUMNS);
    posts
        .into_iter()
        .for_each(|(p, a)| rows.push(post_row(p, a)));
    rows
}

/// A username: the exact one (through the unique index), else the one that differs only in case.
/// A database the Flask app made on SQLite can hold `john` and `John` (its unique index is
/// case-sensitive there): with no exact match and several that differ only in case, guessing would
/// act on the wrong user, so the lookup fails naming them.
async fn find_by_username<F: Fetch>(db: &F, name: &str) -> Result<Option<user::Model>> {
    let exact = db
        .one(User::find().filter(user::Column::Username.eq(name)))
        .await?;
    if exact.is_some() {
        return Ok(exact);
    }
    let backend = db.backend();
    let mut matches: Vec<user::Model> = db
        .all(
            User::find()
                .filter(same_text_ignoring_case(
                    backend,
                    user::Column::Username,
                    name,
                ))
                .order_by_asc(user::Column::Id),
        )
        .await?
        .into_iter()
        .filter(|u| same_ignoring_case(&u.username, name))
        .collect();
    if matches.len() > 1 {
        let names: Vec<String> = matches
            .iter()
            .map(|u| format!("{} (id {})", u.username, u.id))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        return Err(Error::new(format!(
            "{} matches {}: type the exact name or the id",
            quoted(name),
            crate::command::error::every_one_of(&names)
        )));
    }
    Ok(matches.pop())
}

pub async fn find_user<F: Fetch>(db: &F, user: &UserRef) -> Result<user::Model> {
    let found = match user {
        UserRef::Id(id) => db.one(User::find_by_id(*id)).await?,
        UserRef::Username(name) => find_by_username(db, name).await?,
    };
    found.ok_or_else(|| match user {
        UserRef::Id(id) => Error::new(format!("there is no user with id {id}")),
        UserRef::Username(name) => Error::new(format!("there is no user {name:?}")),
    })
}

async fn find_post<C: ConnectionTrait>(db: &C, id: i32) -> Result<post::Model> {
    Post::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::new(format!("there is no post with id {id}")))
}

pub async fn get_user<F: Fetch>(db: &F, user: &UserRef) -> Result<Outcome> {
    Ok(Outcome::Rows(user_rows([find_user(db, user).await?])))
}

pub async fn get_post<C: ConnectionTrait>(db: &C, id: i32) -> Result<Outcome> {
    let (p, author) = Post::find_by_id(id)
        .find_also_related(User)
        .one(db)
        .await?
        .ok_or_else(|| Error::new(format!("there is no post with id {id}")))?;
    Ok(Outcome::Rows(post_rows([(p, author.map(|u| u.username))])))
}

/// A post's author, through the post -> author relation.
pub async fn author_of<C: ConnectionTrait>(db: &C, id: i32) -> Result<Outcome> {
    let post = find_post(db, id).await?;
    let author = post
        .find_related(User)
        .one(db)
        .await?
        .ok_or_else(|| Error::new(format!("post {id} has no author in the user table")))?;
    Ok(Outcome::Rows(user_rows([author])))
}

pub async fn add_user<C: ConnectionTrait>(
    db: &C,
    username: &str,
    email: &str,
) -> Result<user::Model> {
    ensure_available(db, Some(username), Some(email), None).await?;
    let created = user::ActiveModel {
        username: Set(username.to_string()),
        email: Set(email.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| taken_in_a_race(e, username, email))?;
    Ok(created)
}

/// What `add user` says.
pub fn user_added(user: &user::Model) -> Outcome {
    Outcome::Message(format!("Added user {} (id {})", user.username, user.id))
}

/// Checks that no user (other than `except`) has this username or email, regardless of case.
/// Checked first for a clear message; the unique indexes still guard against a race. Case is
/// compared as the Flask app's users would expect: `John` and `john` are the same name.
pub async fn ensure_available<C: ConnectionTrait>(
    db: &C,
    username: Option<&str>,
    email: Option<&str>,
    except: Option<i32>,
) -> Result<()> {
    // One query for both columns: each round trip to the database costs more than the lookups.
    let backend = db.get_database_backend();
    let mut wanted = Condition::any();
    if let Some(username) = username {
        wanted = wanted.add(same_text_ignoring_case(
            backend,
            user::Column::Username,
            username,
        ));
    }
    if let Some(email) = email {
        wanted = wanted.add(same_text_ignoring_case(backend, user::Column::Email, email));
    }
    let holders: Vec<user::Model> = User::find()
        .filter(wanted)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|u| Some(u.id) != except)
        .collect();
    if let Some(username) = username {
        let taken = holders.iter().find(|u| u.username == username).or_else(|| {
            holders
                .iter()
                .find(|u| same_ignoring_case(&u.username, username))
        });
        if let Some(taken) = taken {
            let as_spelled = if taken.username == username {
                String::new()
            } else {
                format!(" (as {:?})", taken.username)
            };
            return Err(Error::new(format!(
                "username {username:?} is already taken{as_spelled}"
            )));
        }
    }
    if let Some(email) = email
        && let Some(owner) = holders.iter().find(|u| same_ignoring_case(&u.email, email))
    {
        return Err(Error::new(format!(
            "email {email:?} is already used by user {:?}",
            owner.username
        )));
    }
    Ok(())
}

/// Another writer took the name or the address between the check and the insert: the unique
/// index refused it. Said as the check would have said it, not as the driver does.
pub fn taken_in_a_race(error: DbErr, username: &str, email: &str) -> Error {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(detail)) if detail.contains("email") => {
            Error::new(format!("email {email:?} is already used by another user"))
        }
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            Error::new(format!("username {username:?} is already taken"))
        }
        _ => error.into(),
    }
}

pub async fn add_post<C: ConnectionTrait>(db: &C, body: &str, author: &UserRef) -> Result<Outcome> {
    let author = find_user(db, author).await?;
    // The timestamp is the entity's default: now, in UTC.
    let created = post::ActiveModel {
        body: Set(body.to_string()),
        user_id: Set(author.id),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Outcome::Message(format!(
        "Added post {} by {}",
        created.id, author.username
    )))
}

pub async fn delete_user<C: ConnectionTrait>(
    db: &C,
    user: &UserRef,
    cascade: bool,
) -> Result<Outcome> {
    let found = find_user(db, user).await?;
    let posts = found.find_related(Post).count(db).await?;
    if posts > 0 && !cascade {
        return Err(Error::new(format!(
            "user {:?} has {posts} post{}: delete those first, or add cascade: delete user {} cascade",
            found.username,
            if posts == 1 { "" } else { "s" },
            found.username
        )));
    }
    if posts > 0 {
        Post::delete_many()
            .filter(post::Column::UserId.eq(found.id))
            .exec(db)
            .await?;
    }
    let name = found.username.clone();
    found.delete(db).await?;
    Ok(Outcome::Message(match posts {
        0 => format!("Deleted user {name}"),
        1 => format!("Deleted user {name} and 1 post"),
        n => format!("Deleted user {name} and {n} posts"),
    }))
}

/// Stores an already computed hash (hashing happens before the transaction opens: it is slow).
pub async fn store_password_hash<C: ConnectionTrait>(
    db: &C,
    user: &UserRef,
    hash: String,
) -> Result<Outcome> {
    let found = find_user(db, user).await?;
    let name = found.username.clone();
    let mut active: user::ActiveModel = found.into();
    active.password_hash = Set(Some(hash));
    active.update(db).await?;
    Ok(Outcome::Message(format!("Password set for {name}")))
}

pub async fn check_password<C: ConnectionTrait>(
    db: &C,
    user: &UserRef,
    password: &str,
) -> Result<Outcome> {
    let found = find_user(db, user).await?;
    let Some(stored) = found.password_hash else {
        return Err(Error::new(format!(
            "user {} has no password set",
            quoted(&found.username)
        )));
    };
    if super::password::verify(&stored, password)? {
        Ok(Outcome::Message(format!(
            "Password is correct for {}",
            found.username
        )))
    } else {
        Err(Error::new(format!("wrong password for {}", found.username)))
    }
}

pub async fn delete_post<C: ConnectionTrait>(db: &C, id: i32) -> Result<Outcome> {
    let result = Post::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(Error::new(format!("there is no post with id {id}")));
    }
    Ok(Outcome::Message(format!("Deleted post {id}")))
}

/// Rows in an entity's table, for `context`.
pub async fn row_count<C: ConnectionTrait>(db: &C, entity: EntityKind) -> Result<u64> {
    Ok(match entity {
        EntityKind::User => User::find().count(db).await?,
        EntityKind::Post => Post::find().count(db).await?,
    })
}
