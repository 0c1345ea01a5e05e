//! The one door to the database: [`Session::execute`] carries out a data command (a read, a
//! write, transaction control, raw `sql`, a migration) and answers with an outcome, a listing's
//! pages to render as they come, or word that an `add post` was queued in a script's batch
//! (`queued`). What must be asked of a person first comes back up through [`Person`]; the prompt
//! loop only reads lines, asks, and renders.

use std::sync::atomic::AtomicU64;

use super::asking::Person;
use super::commands::{changes, describe, follows, import, password, queries, tables};
use super::migrating::Migrated;
use super::route::{Pages, Route};
use super::session::{MadeRow, Session};
use super::sql::conn::Conn;
use super::sql::fetch::Fetch;
use super::sql::listing::Listing;
use super::sqlite::borrowed::Lender;
use crate::command::clause::shown_name;
use crate::command::{
    DataCommand, MigrateAction, MigrateCommand, ReadCommand, UserRef, Vocabulary, WriteCommand,
};
use crate::error::{Error, Result};
use crate::migrate::Report;
use crate::render::{CountOf, Outcome};

/// What a data command gives back.
pub enum Answer<'s> {
    Done(Outcome),
    /// A list of any length, read a page at a time as it is rendered.
    Listing(Box<Pages<'s>>),
    /// An `add post` of a `--single-transaction` script, queued for a multi-row insert: its
    /// outcome comes with its batch's ([`Session::insert_queued`]). `full`: the batch is full,
    /// and is to be inserted now.
    Queued {
        full: bool,
    },
}

/// A read's result before it is handed on: a listing is read along its route afterwards.
pub(super) enum Read {
    Done(Outcome),
    Listing(Box<Listing>),
}

impl Session {
    /// Carries out `command`, asking `person` first where something would be lost. With posts
    /// queued, only another `add post` that joins them may come before [`Session::insert_queued`].
    pub async fn execute(
        &mut self,
        command: DataCommand,
        person: &mut dyn Person,
    ) -> Result<Answer<'_>> {
        let joins = self.queues(&command);
        if !joins && self.has_queued() {
            return Err(Error::new(
                "internal error: the queued posts must be inserted before another command runs",
            ));
        }
        // A user added leaves every author resolved so far as it was (its name differs from every
        // other even ignoring case, so no reference typed before can mean it), and the names
        // known taken with its own added; any other command may rename, delete or import users,
        // or end the transaction.
        if !joins && !matches!(command, DataCommand::Write(WriteCommand::AddUser { .. })) {
            self.forget_users();
        }
        let outcome = match command {
            DataCommand::Read(read) => return self.read(&read).await,
            DataCommand::Write(WriteCommand::AddPost { body, author, .. }) if joins => {
                return self.queue_post(body, &author).await;
            }
            DataCommand::Write(write) => match self.agreed_to_write(&write, person).await? {
                true => self.write(&write).await?,
                false => cancelled(),
            },
            DataCommand::Transaction(t) => self.transaction_command(t).await?,
            DataCommand::Sql(sql) => self.run_sql(&sql, person).await?,
            DataCommand::Migrate(action) => self.migrate_here(action, person).await?,
        };
        Ok(Answer::Done(outcome))
    }

    /// The counter a long command moves as it goes, for a progress line beside it (`import`:
    /// the rows read so far).
    pub fn progress_of(command: &DataCommand) -> Option<&'static AtomicU64> {
        match command {
            DataCommand::Write(WriteCommand::Import { .. }) => Some(&import::ROWS_READ),
            _ => None,
        }
    }

    /// `migrate ...` at the prompt: carried out as on the command line, reported as one block.
    async fn migrate_here(
        &mut self,
        action: MigrateAction,
        person: &mut dyn Person,
    ) -> Result<Outcome> {
        let mut report = Report::default();
        let command = MigrateCommand::Anywhere(action);
        Ok(match self.migrate(&command, person, &mut report).await? {
            Migrated::Cancelled => cancelled(),
            Migrated::Done => Outcome::Report {
                text: report.text(),
                passed: report.passed,
            },
        })
    }

    /// A read, its listing handed on with the pages of its route. One lost with the connection
    /// to one of several hosts is sent again on the node the session moved to: it changed nothing.
    pub(super) async fn read(&mut self, command: &ReadCommand) -> Result<Answer<'_>> {
        self.still_in_the_scripts_transaction()?;
        self.ready().await;
        let (node, in_transaction) = (self.target.node(), self.in_transaction());
        let read = match self.read_here(command).await {
            Err(error)
                if error.is_connection_lost()
                    && !in_transaction
                    && self.target.node() != node
                    && self.is_connected() =>
            {
                self.read_here(command).await?
            }
            done => done?,
        };
        Ok(match read {
            Read::Done(outcome) => Answer::Done(outcome),
            Read::Listing(listing) => Answer::Listing(Box::new(self.pages(*listing).await?)),
        })
    }

    /// A read on the route of the moment: outside a transaction one statement (or a lookup and
    /// a statement), atomic by itself, where BEGIN and COMMIT would be two more round trips for
    /// nothing; inside one, in a savepoint, so a failing read does not abort it.
    pub(super) async fn read_here(&mut self, command: &ReadCommand) -> Result<Read> {
        let vocabulary = &self.vocabulary.clone();
        let result = match self.in_transaction() {
            false => match self.route().await {
                Ok(route) => read(&route, command, vocabulary).await,
                Err(error) => Err(error),
            },
            true => {
                self.atomically(async |db| read(&Route::Sqlx(*db), command, vocabulary).await)
                    .await
            }
        };
        self.settle(result).await
    }

    /// A write, atomically (`Session::writing`); a user it adds is remembered as a script's
    /// author (`queued`).
    pub(super) async fn write(&mut self, command: &WriteCommand) -> Result<Outcome> {
        if let WriteCommand::AddUser {
            username,
            email,
            with,
        } = command
            && let Some(user) = self.add_user_here(username, email, with).await?
        {
            return Ok(queries::user_added(&user));
        }
        let vocabulary = &self.vocabulary.clone();
        let (outcome, made) = self
            .writing(
                async |db, lender| write(db, lender, command, vocabulary).await,
                |(_, made)| made.clone(),
            )
            .await?;
        if let (WriteCommand::AddUser { email, .. }, Some(MadeRow::User(id, name))) =
            (command, made)
        {
            self.remember_user(UserRef::Username(name.clone()), id, name, email);
        }
        Ok(outcome)
    }
}

fn cancelled() -> Outcome {
    Outcome::Message("Cancelled: nothing was changed".to_string())
}

/// `count ...` (users, posts, follows) or `count rows of TABLE ...`.
async fn count_of<F: Fetch>(
    db: &F,
    command: &ReadCommand,
    vocabulary: &Vocabulary,
) -> Result<Option<Outcome>> {
    Ok(Some(match command {
        ReadCommand::Count {
            entity,
            of,
            follows,
            filter,
        } => {
            let counted = changes::Counted {
                entity: *entity,
                of: of.as_ref(),
                follows: follows.as_ref().map(|(side, user)| (*side, user)),
                filter: filter.as_ref(),
            };
            changes::count(db, counted, vocabulary).await?
        }
        ReadCommand::CountRows(query) => {
            let count = changes::count_table_rows(db, query, vocabulary).await?;
            let of = CountOf::Rows(shown_name(&query.table.name));
            Outcome::Count { count, of }
        }
        _ => return Ok(None),
    }))
}

/// A read along `route`: lookups, counts and listings on the route itself (on SQLite, the
/// reader), the rest (the catalog, password checks) through sqlx.
async fn read(route: &Route<'_>, command: &ReadCommand, vocabulary: &Vocabulary) -> Result<Read> {
    let outcome = match command {
        ReadCommand::List(query) => {
            let listing = Listing::new(route, query, vocabulary).await?;
            return Ok(Read::Listing(Box::new(listing)));
        }
        ReadCommand::Rows(query) => {
            let listing = Listing::of_table(route, query, vocabulary).await?;
            return Ok(Read::Listing(Box::new(listing)));
        }
        ReadCommand::GetUser(user) => queries::get_user(route, user, vocabulary).await?,
        ReadCommand::Count { .. } | ReadCommand::CountRows(_) => {
            match count_of(route, command, vocabulary).await? {
                Some(counted) => counted,
                None => return Err(Error::new("internal error: not a count")),
            }
        }
        ReadCommand::GetPost(id) => queries::get_post(route, *id, vocabulary).await?,
        ReadCommand::AuthorOf(id) => queries::author_of(route, *id, vocabulary).await?,
        ReadCommand::Tables => tables::tables(&route.conn().await?, vocabulary).await?,
        ReadCommand::Describe(entity) => describe::describe(&route.conn().await?, *entity).await?,
        ReadCommand::DescribeTable(table) => {
            describe::describe_table(&route.conn().await?, &table.name).await?
        }
        ReadCommand::CheckPassword { user, password } => {
            queries::check_password(&route.conn().await?, user, &password.0).await?
        }
    };
    Ok(Read::Done(outcome))
}

/// A write, in the transaction or savepoint `db` is; with the row it made, by which a commit
/// whose answer was lost is told to have happened or not.
async fn write(
    db: &Conn<'_>,
    lender: Option<Lender<'_>>,
    command: &WriteCommand,
    vocabulary: &Vocabulary,
) -> Result<(Outcome, Option<MadeRow>)> {
    let outcome = match command {
        WriteCommand::AddUser {
            username,
            email,
            with,
        } => {
            let user = queries::add_user(db, username, email, with, vocabulary).await?;
            let made = MadeRow::User(user.id, user.username.clone());
            return Ok((queries::user_added(&user), Some(made)));
        }
        WriteCommand::AddPost { body, author, with } => {
            let (id, added) = queries::add_post(db, body, author, with, vocabulary).await?;
            return Ok((added, Some(MadeRow::Post(id))));
        }
        WriteCommand::Follow { followed, follower } => {
            follows::follow(db, vocabulary, followed, follower).await
        }
        WriteCommand::Unfollow { followed, follower } => {
            follows::unfollow(db, vocabulary, followed, follower).await
        }
        WriteCommand::DeleteUser { user, cascade, .. } => {
            queries::delete_user(db, user, *cascade, vocabulary).await
        }
        WriteCommand::DeletePost { id, cascade } => {
            queries::delete_post(db, *id, *cascade, vocabulary).await
        }
        WriteCommand::DeleteWhere {
            entity,
            filter,
            cascade,
            ..
        } => changes::delete_where(db, *entity, filter, *cascade, vocabulary).await,
        WriteCommand::Update { targets, set, .. } => {
            changes::update(db, targets, set, vocabulary).await
        }
        WriteCommand::Import {
            entity,
            path,
            format,
            keep_going,
        } => {
            let format = import::format_of(path, *format)?;
            let import = import::Import {
                entity: *entity,
                path,
                format,
                keep_going: *keep_going,
            };
            let borrowed = lender.as_ref().and_then(Lender::borrowed);
            import::import(db, borrowed, import, vocabulary).await
        }
        WriteCommand::SetPassword { user, password } => {
            if password.0.is_empty() {
                return Err(Error::new(
                    "the password must not be empty: nothing was changed",
                ));
            }
            // Slow, but first: the transaction has taken no lock yet (BEGIN is deferred).
            let hash = password::hash(&password.0)?;
            queries::store_password_hash(db, user, hash).await
        }
    };
    outcome.map(|outcome| (outcome, None))
}
