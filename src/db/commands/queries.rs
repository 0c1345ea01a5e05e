//! The data commands, run against a connection or a transaction through the entities. Each returns an
//! [`Outcome`] for the renderer; none prints. Users are shown with `has_password` in place of their
//! `password_hash`, which only `check_password` reads and `store_password_hash` writes.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, ActiveValue::Set, ColumnTrait, Condition,
    ConnectionTrait, DbBackend, DbErr, EntityTrait, Iden, Iterable, ModelTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QueryTrait, SqlErr, Statement,
};

use crate::command::clause::shown_name;
use crate::command::query::{Assignment, Field, Literal, UserField};
use crate::command::vocabulary::{ColumnKind, POST_TABLE, USER_TABLE, Vocabulary};
use crate::command::{EntityKind, UserRef};
use crate::db::commands::dependents;
use crate::db::sql::case_insensitive::{same_ignoring_case, same_text_ignoring_case};
use crate::db::sql::fetch::Fetch;
use crate::db::sql::filter::{Sql, read_live_column};
use crate::db::sql::row::integer;
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

/// One row of `entity`: its declared columns, then those the entities do not declare (read by
/// the row's id through the same connection, only where the database has any).
async fn with_extras<F: Fetch>(
    db: &F,
    entity: EntityKind,
    columns: &[&str],
    id: i32,
    mut row: Vec<Cell>,
    vocabulary: &Vocabulary,
) -> Result<Rows> {
    let extras = vocabulary.extras(entity);
    let mut rows = Rows::new(columns);
    rows.columns.extend(extras.iter().map(|c| c.name.clone()));
    if !extras.is_empty() {
        let (table, id_column) = match entity {
            EntityKind::User => (USER_TABLE, "id"),
            EntityKind::Post => (POST_TABLE, "id"),
        };
        let mut select = Query::select();
        select.from(Alias::new(table));
        for (i, column) in extras.iter().enumerate() {
            select.expr_as(
                read_live_column(db.backend(), Alias::new(table), column),
                Alias::new(format!("x{i}")),
            );
        }
        select.and_where(Expr::col((Alias::new(table), Alias::new(id_column))).eq(id));
        let kinds: Vec<_> = extras.iter().map(|c| c.kind.clone()).collect();
        let cells = db.first_cells(&select, &kinds).await?;
        row.extend(cells.unwrap_or_else(|| vec![Cell::Null; extras.len()]));
    }
    rows.push(row);
    Ok(rows)
}

async fn user_rows<F: Fetch>(db: &F, user: user::Model, vocabulary: &Vocabulary) -> Result<Rows> {
    let id = user.id;
    with_extras(
        db,
        EntityKind::User,
        USER_COLUMNS,
        id,
        user_row(user),
        vocabulary,
    )
    .await
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

async fn find_post<F: Fetch>(db: &F, id: i32) -> Result<post::Model> {
    db.one(Post::find_by_id(id))
        .await?
        .ok_or_else(|| Error::new(format!("there is no post with id {id}")))
}

pub async fn get_user<F: Fetch>(
    db: &F,
    user: &UserRef,
    vocabulary: &Vocabulary,
) -> Result<Outcome> {
    let found = find_user(db, user).await?;
    Ok(Outcome::Rows(user_rows(db, found, vocabulary).await?))
}

/// A post with its author's name: two look-ups by primary key, the same on every route (on SQLite
/// both on the reader, where a join through sqlx cost ten times sqlite3's time), so a value that
/// cannot be read is named alike whichever way it was read.
pub async fn get_post<F: Fetch>(db: &F, id: i32, vocabulary: &Vocabulary) -> Result<Outcome> {
    let post = find_post(db, id).await?;
    let author = db.one(User::find_by_id(post.user_id)).await?;
    let row = post_row(post, author.map(|u| u.username));
    Ok(Outcome::Rows(
        with_extras(db, EntityKind::Post, POST_COLUMNS, id, row, vocabulary).await?,
    ))
}

/// A post's author, through the post -> author relation.
pub async fn author_of<F: Fetch>(db: &F, id: i32, vocabulary: &Vocabulary) -> Result<Outcome> {
    let post = find_post(db, id).await?;
    let author = db
        .one(User::find_by_id(post.user_id))
        .await?
        .ok_or_else(|| Error::new(format!("post {id} has no author in the user table")))?;
    Ok(Outcome::Rows(user_rows(db, author, vocabulary).await?))
}

/// Refuses, before anything is written, an insert that leaves out a column the database requires
/// (NOT NULL, no default) and the entity does not declare: it names them and how to give them.
pub fn ensure_required_given(
    entity: EntityKind,
    with: &[Assignment],
    vocabulary: &Vocabulary,
) -> Result<()> {
    let missing: Vec<String> = vocabulary
        .extras(entity)
        .iter()
        .filter(|c| c.required() && !with.iter().any(|a| a.field.name() == c.name))
        .map(|c| shown_name(&c.name))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let refs: Vec<&str> = missing.iter().map(String::as_str).collect();
    let example = match entity {
        EntityKind::User => "add user USERNAME EMAIL",
        EntityKind::Post => "add post \"BODY\" by USERNAME",
    };
    let given: Vec<String> = missing.iter().map(|c| format!("{c} = VALUE")).collect();
    Err(Error::new(format!(
        "the {} table requires {} (NOT NULL, no default), which the shell does not declare: \
         give {} with `{example} with {}`; nothing was written",
        entity.singular(),
        crate::command::error::every_one_of(&refs),
        if missing.len() == 1 { "it" } else { "them" },
        given.join(", ")
    )))
}

/// Inserts an entity's row with the columns the entity does not declare set too, returning its
/// id: SeaORM's models hold only the declared columns, so the statement is written out here
/// from the model's set values (after its `before_save`, which stamps a post's time).
async fn insert_with<C, A>(
    db: &C,
    model: A,
    table: &str,
    with: &[Assignment],
) -> std::result::Result<i32, DbErr>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + ActiveModelBehavior + Send,
{
    let model = model.before_save(db, true).await?;
    let mut columns = Vec::new();
    let mut values: Vec<Expr> = Vec::new();
    for column in <A::Entity as EntityTrait>::Column::iter() {
        if let ActiveValue::Set(value) = model.get(column) {
            columns.push(Alias::new(column.to_string()));
            values.push(Expr::val(value));
        }
    }
    for assignment in with {
        columns.push(Alias::new(assignment.field.name()));
        values.push(
            Sql::bound(&assignment.value).map_err(|e| DbErr::Custom(e.message().to_string()))?,
        );
    }
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(table))
        .columns(columns)
        .values(values)
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    if db.get_database_backend() == DbBackend::MySql {
        return Ok(db.execute(&insert).await?.last_insert_id() as i32);
    }
    insert.returning_col(Alias::new("id"));
    match db.query_one(&insert).await? {
        Some(row) => integer(&row, 0)
            .map(|id| id as i32)
            .map_err(|e| DbErr::Custom(e.message().to_string())),
        None => Err(DbErr::Custom("the insert returned no id".into())),
    }
}

/// `with` and the columns the app's model fills itself that `with` leaves out (see
/// [`user::FILLED_BY_THE_APP`]): now, in UTC, as the model's Python-side default has it.
pub fn with_what_the_app_fills(with: &[Assignment], vocabulary: &Vocabulary) -> Vec<Assignment> {
    let mut all = with.to_vec();
    for column in vocabulary.extras(EntityKind::User) {
        let filled = user::FILLED_BY_THE_APP.contains(&column.name.as_str())
            && column.kind == ColumnKind::Timestamp
            && !with.iter().any(|a| a.field.name() == column.name);
        if filled {
            all.push(Assignment {
                field: Field::User(UserField::Extra(column.clone())),
                value: Literal::Timestamp(post::now_utc()),
            });
        }
    }
    all
}

pub async fn add_user<C: ConnectionTrait>(
    db: &C,
    username: &str,
    email: &str,
    with: &[Assignment],
    vocabulary: &Vocabulary,
) -> Result<user::Model> {
    ensure_required_given(EntityKind::User, with, vocabulary)?;
    let with = &with_what_the_app_fills(with, vocabulary);
    ensure_available(db, Some(username), Some(email), None).await?;
    let model = new_user(username, email);
    if with.is_empty() {
        return model
            .insert(db)
            .await
            .map_err(|e| taken_in_a_race(e, username, email));
    }
    let id = insert_with(db, model, USER_TABLE, with)
        .await
        .map_err(|e| taken_in_a_race(e, username, email))?;
    find_user(db, &UserRef::Id(id)).await
}

/// A user as `add user` makes one (what `with` adds aside).
fn new_user(username: &str, email: &str) -> user::ActiveModel {
    user::ActiveModel {
        username: Set(username.to_string()),
        email: Set(email.to_string()),
        ..Default::default()
    }
}

/// `add user`'s INSERT on SQLite, as `ActiveModel::insert` sends it there: every column
/// returned. For the transaction's connection borrowed on the shell's thread (`db::queued`).
pub fn new_user_insert(username: &str, email: &str) -> Statement {
    let backend = DbBackend::Sqlite;
    let mut insert = User::insert(new_user(username, email)).into_query();
    insert.returning(
        Query::returning()
            .exprs(user::Column::iter().map(|c| c.select_as(c.into_returning_expr(backend)))),
    );
    backend.build(&insert)
}

/// What `add user` says.
pub fn user_added(user: &user::Model) -> Outcome {
    Outcome::Message(format!("Added user {} (id {})", user.username, user.id))
}

/// Checks that no user (other than `except`) has this username or email, regardless of case.
/// Checked first for a clear message; the unique indexes still guard against a race. Case is
/// compared as the Flask app's users would expect: `John` and `john` are the same name.
pub async fn ensure_available<F: Fetch>(
    db: &F,
    username: Option<&str>,
    email: Option<&str>,
    except: Option<i32>,
) -> Result<()> {
    // One query for both columns: each round trip to the database costs more than the lookups.
    let backend = db.backend();
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
    let holders: Vec<user::Model> = db
        .all(User::find().filter(wanted).order_by_asc(user::Column::Id))
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

/// Adds a post, giving back its id with what the user is told.
pub async fn add_post<C: ConnectionTrait>(
    db: &C,
    body: &str,
    author: &UserRef,
    with: &[Assignment],
    vocabulary: &Vocabulary,
) -> Result<(i32, Outcome)> {
    ensure_required_given(EntityKind::Post, with, vocabulary)?;
    let author = find_user(db, author).await?;
    // The timestamp is the entity's default: now, in UTC.
    let model = post::ActiveModel {
        body: Set(body.to_string()),
        user_id: Set(author.id),
        ..Default::default()
    };
    let id = match with.is_empty() {
        true => model.insert(db).await?.id,
        false => insert_with(db, model, POST_TABLE, with).await?,
    };
    Ok((id, post_added(id, &author.username)))
}

/// What `add post` says, whether it went in alone or with a script's batch (`bulk`).
pub fn post_added(id: i32, author: &str) -> Outcome {
    Outcome::Message(format!("Added post {id} by {author}"))
}

pub async fn delete_user<C: ConnectionTrait>(
    db: &C,
    user: &UserRef,
    cascade: bool,
    vocabulary: &Vocabulary,
) -> Result<Outcome> {
    let found = find_user(db, user).await?;
    let posts = found.find_related(Post).count(db).await?;
    let held = dependents::of_users(db, vocabulary, &[found.id]).await?;
    if posts > 0 && held.is_empty() && !cascade {
        return Err(Error::new(format!(
            "user {:?} has {posts} post{}: delete those first, or add cascade: delete user {} cascade",
            found.username,
            if posts == 1 { "" } else { "s" },
            found.username
        )));
    }
    if !held.is_empty() && !cascade {
        return Err(Error::new(format!(
            "user {:?} still has {}: delete those first, or add cascade to delete them too: \
             delete user {} cascade; nothing was deleted",
            found.username,
            dependents::listed(posts, &held),
            found.username
        )));
    }
    dependents::remove(db, &held, &[found.id]).await?;
    if posts > 0 {
        Post::delete_many()
            .filter(post::Column::UserId.eq(found.id))
            .exec(db)
            .await?;
    }
    let name = found.username.clone();
    found.delete(db).await?;
    Ok(Outcome::Message(match (posts, held.is_empty()) {
        (0, true) => format!("Deleted user {name}"),
        (_, true) => format!("Deleted user {name} and {}", dependents::listed(posts, &[])),
        _ => format!("Deleted user {name}, {}", dependents::listed(posts, &held)),
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
    if crate::db::commands::password::verify(&stored, password)? {
        Ok(Outcome::Message(format!(
            "Password is correct for {}",
            found.username
        )))
    } else {
        Err(Error::new(format!("wrong password for {}", found.username)))
    }
}

/// `delete post N [cascade]`: refused while other tables hold rows of it, unless `cascade`.
pub async fn delete_post<C: ConnectionTrait>(
    db: &C,
    id: i32,
    cascade: bool,
    vocabulary: &Vocabulary,
) -> Result<Outcome> {
    let held = dependents::of_posts(db, vocabulary, &[id]).await?;
    if !held.is_empty() && !cascade {
        return Err(Error::new(format!(
            "post {id} is still held by {}: delete those first, or add cascade to delete them \
             too: delete post {id} cascade; nothing was deleted",
            dependents::listed(0, &held)
        )));
    }
    dependents::remove(db, &held, &[id]).await?;
    let result = Post::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(Error::new(format!("there is no post with id {id}")));
    }
    Ok(Outcome::Message(match held.is_empty() {
        true => format!("Deleted post {id}"),
        false => format!("Deleted post {id} and {}", dependents::listed(0, &held)),
    }))
}

/// Rows in an entity's table, for `context`.
pub async fn row_count<C: ConnectionTrait>(db: &C, entity: EntityKind) -> Result<u64> {
    Ok(match entity {
        EntityKind::User => User::find().count(db).await?,
        EntityKind::Post => Post::find().count(db).await?,
    })
}
