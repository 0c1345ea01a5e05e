//! The shell context, like `flask shell`'s app context: the open connection, the transaction a user
//! began (if any) and the output format. It runs parsed commands and hands back outcomes.
//!
//! Every data command runs atomically: in its own transaction, or in a savepoint of the user's open
//! transaction, so a failing command writes nothing and leaves an open transaction usable.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};

use crate::bulk::{self, PendingPost};
use crate::command::{Command, UserRef};
use crate::config::DatabaseTarget;
use crate::entities::EntityKind;
use crate::entities::post;
use crate::error::{Error, Result};
use crate::flask_sqlite::FlaskCompat;
use crate::listing::Listing;
use crate::migrate;
use crate::output::{Cell, Outcome, Rows};
use crate::render::Format;
use crate::{describe, help, queries, raw_sql};

pub struct Session {
    pub target: DatabaseTarget,
    db: DatabaseConnection,
    transaction: Option<DatabaseTransaction>,
    pub format: Format,
    /// `timing on`: the runner prints how long each command took.
    pub timing: bool,
    /// `--read-only`: shown in `context`; the database itself enforces it.
    pub read_only: bool,
    /// `--single-transaction`: the whole script is one transaction the script may not end itself.
    transaction_locked: bool,
}

impl Session {
    pub fn new(target: DatabaseTarget, db: DatabaseConnection, format: Format) -> Self {
        Session {
            target,
            db,
            transaction: None,
            format,
            timing: false,
            read_only: false,
            transaction_locked: false,
        }
    }

    pub fn in_transaction(&self) -> bool {
        self.transaction.is_some()
    }

    /// Opens the transaction that `--single-transaction` wraps around a whole script.
    pub async fn begin_locked(&mut self) -> Result<()> {
        self.transaction = Some(self.db.begin().await?);
        self.transaction_locked = true;
        Ok(())
    }

    pub async fn commit(&mut self) -> Result<bool> {
        match self.transaction.take() {
            Some(t) => {
                t.commit().await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    pub async fn rollback(&mut self) -> Result<bool> {
        match self.transaction.take() {
            Some(t) => {
                t.rollback().await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    pub async fn execute(&mut self, command: &Command) -> Result<Outcome> {
        if self.transaction_locked && command.is_transaction_control() {
            return Err(Error::new(
                "begin, commit and rollback are not allowed with --single-transaction: the whole \
                 script is already one transaction",
            ));
        }
        match command {
            Command::Help(None) => Ok(Outcome::Message(help::overview())),
            Command::Help(Some(topic)) => Ok(Outcome::Message(help::topic(topic)?)),
            Command::Context => self.context().await,
            Command::Begin => {
                if self.transaction.is_some() {
                    return Err(Error::new(
                        "a transaction is already open: commit or rollback first",
                    ));
                }
                self.transaction = Some(self.db.begin().await?);
                Ok(Outcome::Message(
                    "Transaction open: commit or rollback to end it".into(),
                ))
            }
            Command::Commit => match self.commit().await? {
                true => Ok(Outcome::Message("Committed".into())),
                false => Err(Error::new("no transaction is open: nothing to commit")),
            },
            Command::Rollback => match self.rollback().await? {
                true => Ok(Outcome::Message("Rolled back".into())),
                false => Err(Error::new("no transaction is open: nothing to roll back")),
            },
            Command::Format(None) => {
                Ok(Outcome::Message(format!("Format: {}", self.format.name())))
            }
            Command::Format(Some(format)) => {
                self.format = *format;
                Ok(Outcome::Message(format!("Format: {}", format.name())))
            }
            Command::Migrate(action) => {
                if self.transaction.is_some() {
                    return Err(Error::new(
                        "a transaction is open: commit or rollback before migrating",
                    ));
                }
                let mut report = Vec::new();
                migrate::run(&self.db, *action, &mut report).await?;
                Ok(Outcome::Message(
                    String::from_utf8_lossy(&report).trim_end().to_string(),
                ))
            }
            Command::Timing(setting) => {
                self.timing = setting.unwrap_or(!self.timing);
                let state = if self.timing { "on" } else { "off" };
                Ok(Outcome::Message(format!("Timing is {state}")))
            }
            Command::SetPassword(_) | Command::CheckPassword(_) | Command::History => Err(
                Error::new("this command needs the prompt: run it in the shell or a script"),
            ),
            Command::StorePassword { user, password } => {
                if password.0.is_empty() {
                    return Err(Error::new(
                        "the password must not be empty: nothing was changed",
                    ));
                }
                let hash = crate::password::hash(&password.0)?;
                self.atomically(&Command::StorePassword {
                    user: user.clone(),
                    password: crate::command::Secret(hash),
                })
                .await
            }
            Command::Exit => Ok(Outcome::Nothing),
            Command::AddPostPrompt => Err(Error::new(
                "add post needs a body and an author here: add post \"BODY\" by USERNAME",
            )),
            data => self.atomically(data).await,
        }
    }

    /// Runs a data command in a transaction of its own, or a savepoint of the open one. If the
    /// connection is lost meanwhile, the open transaction is forgotten (the server already threw it
    /// away) and the user is told; the next command gets a new connection.
    async fn atomically(&mut self, command: &Command) -> Result<Outcome> {
        let result = self.run_atomically(command).await;
        match result {
            Err(error) if error.is_connection_lost() && self.transaction.take().is_some() => {
                Err(Error::new(format!(
                    "the connection to the server was lost ({error}), and the open transaction \
                     with it: nothing in it was committed; the next command reconnects"
                )))
            }
            other => other,
        }
    }

    async fn run_atomically(&self, command: &Command) -> Result<Outcome> {
        // Outside a transaction, raw SQL runs as typed: one statement is atomic by itself, and some
        // (PostgreSQL's CREATE DATABASE, VACUUM) refuse to run inside a transaction block.
        if let (Command::Sql(statement), None) = (command, &self.transaction) {
            return raw_sql::run(&self.db, statement).await;
        }
        // A read outside a transaction is one statement (or a lookup and a statement), atomic by
        // itself: BEGIN and COMMIT around it would be two more round trips for nothing. Inside an
        // open transaction reads still get a savepoint: a failing one must not abort it.
        if self.transaction.is_none() && reads_only(command) {
            return run_data(&FlaskCompat(&self.db), command).await;
        }
        let unit = match &self.transaction {
            Some(open) => open.begin().await?,
            None => self.db.begin().await?,
        };
        match run_data(&FlaskCompat(&unit), command).await {
            Ok(outcome) => {
                unit.commit().await?;
                Ok(outcome)
            }
            Err(error) => {
                // The command's own error is the one worth showing, even if the rollback fails too.
                let _ = unit.rollback().await;
                Err(error)
            }
        }
    }

    /// A user, looked up in the open transaction if there is one (for `bulk`'s author cache).
    pub async fn find_user(&self, user: &UserRef) -> Result<crate::entities::user::Model> {
        match &self.transaction {
            Some(open) => queries::find_user(open, user).await,
            None => queries::find_user(&self.db, user).await,
        }
    }

    /// Inserts a batch of posts in one statement, in a savepoint of the open transaction, and
    /// returns their ids in order. On failure nothing of the batch remains.
    pub async fn insert_posts(&self, posts: &[PendingPost]) -> Result<Vec<i32>> {
        let unit = match &self.transaction {
            Some(open) => open.begin().await?,
            None => self.db.begin().await?,
        };
        let result = insert_posts(&FlaskCompat(&unit), posts).await;
        match result {
            Ok(ids) => {
                unit.commit().await?;
                Ok(ids)
            }
            Err(error) => {
                let _ = unit.rollback().await;
                Err(error)
            }
        }
    }

    /// The next page of a listing, read in the open transaction if there is one.
    pub async fn next_page(&self, listing: &mut Listing) -> Result<Option<Vec<Vec<Cell>>>> {
        match &self.transaction {
            Some(open) => listing.next_page(&FlaskCompat(open)).await,
            None => listing.next_page(&FlaskCompat(&self.db)).await,
        }
    }

    async fn context(&self) -> Result<Outcome> {
        let mut connection = Rows::new(&["setting", "value"]);
        connection.push(vec!["backend".into(), self.target.backend.name().into()]);
        connection.push(vec!["database".into(), self.target.display().into()]);
        connection.push(vec![
            "access".into(),
            if self.read_only {
                "read-only"
            } else {
                "read-write"
            }
            .into(),
        ]);
        connection.push(vec![
            "transaction".into(),
            if self.in_transaction() {
                "open"
            } else {
                "none"
            }
            .into(),
        ]);
        connection.push(vec!["format".into(), self.format.name().into()]);

        let mut entities = Rows::new(&["entity", "table", "columns", "rows"]);
        for entity in EntityKind::ALL {
            let rows = match &self.transaction {
                Some(t) => queries::row_count(t, entity).await,
                None => queries::row_count(&self.db, entity).await,
            };
            let name = match entity {
                EntityKind::User => "User",
                EntityKind::Post => "Post",
            };
            entities.push(vec![
                name.into(),
                entity.table_name().into(),
                entity.columns().join(", ").into(),
                match rows {
                    Ok(n) => (n as i64).into(),
                    Err(_) => "missing: run migrate up".into(),
                },
            ]);
        }
        Ok(Outcome::Sections(vec![
            ("connection".into(), connection),
            ("entities".into(), entities),
        ]))
    }
}

/// One multi-row INSERT. SQLite and PostgreSQL return the new ids; MySQL/MariaDB hand out the ids
/// of one multi-row INSERT consecutively from the first (`innodb_autoinc_lock_mode` 0 and 1, and 2
/// for a single statement whose row count is known in advance).
async fn insert_posts<C: ConnectionTrait>(db: &C, posts: &[PendingPost]) -> Result<Vec<i32>> {
    let mut insert = bulk::insert_statement(posts);
    if db.get_database_backend() == DbBackend::MySql {
        let first = db.execute(&insert).await?.last_insert_id() as i32;
        return Ok((0..posts.len() as i32).map(|i| first + i).collect());
    }
    insert.returning_col(post::Column::Id);
    let rows = db.query_all(&insert).await?;
    rows.iter()
        .map(|row| row.try_get_by_index::<i32>(0).map_err(Error::from))
        .collect()
}

/// Commands that never write.
fn reads_only(command: &Command) -> bool {
    matches!(
        command,
        Command::List { .. }
            | Command::GetUser(_)
            | Command::GetPost(_)
            | Command::PostsOf { .. }
            | Command::AuthorOf(_)
            | Command::Count { .. }
            | Command::Describe(_)
            | Command::VerifyPassword { .. }
    )
}

async fn run_data<C: ConnectionTrait>(db: &C, command: &Command) -> Result<Outcome> {
    match command {
        Command::List {
            entity: EntityKind::User,
            page,
        } => Ok(Outcome::Listing(Listing::users(*page))),
        Command::List {
            entity: EntityKind::Post,
            page,
        } => Ok(Outcome::Listing(Listing::posts(*page))),
        Command::GetUser(user) => queries::get_user(db, user).await,
        Command::GetPost(id) => queries::get_post(db, *id).await,
        Command::PostsOf { user, page } => {
            Ok(Outcome::Listing(Listing::posts_of(db, user, *page).await?))
        }
        Command::AuthorOf(id) => queries::author_of(db, *id).await,
        Command::AddUser { username, email } => queries::add_user(db, username, email).await,
        Command::AddPost { body, author } => queries::add_post(db, body, author).await,
        Command::DeleteUser { user, cascade } => queries::delete_user(db, user, *cascade).await,
        Command::DeletePost(id) => queries::delete_post(db, *id).await,
        Command::Count { entity, of } => queries::count(db, *entity, of.as_ref()).await,
        Command::Describe(entity) => describe::describe(db, *entity).await,
        Command::Sql(statement) => raw_sql::run(db, statement).await,
        // By now the secret is the hash (see `Session::execute`).
        Command::StorePassword { user, password } => {
            queries::store_password_hash(db, user, password.0.clone()).await
        }
        Command::VerifyPassword { user, password } => {
            queries::check_password(db, user, &password.0).await
        }
        other => unreachable!("not a data command: {other:?}"),
    }
}
