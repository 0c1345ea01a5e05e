//! The fast path for long scripts, carried out by the session: in a `--single-transaction`
//! script, consecutive `add post` lines are queued and inserted a batch at a time. Each author is
//! resolved once, or remembered as the script adds it (then kept until a command other than `add
//! user` and `add post` runs); each line still gets its own "Added post N by NAME", in order, and a
//! line the database refuses is run again alone, so the failing line is the one reported.
//!
//! On SQLite a batch is a prepared single-row INSERT per post on the transaction's own connection
//! (`sqlite::borrowed`), run on the session's inserting thread (`sqlite::inserter`); on the
//! servers it is one multi-row INSERT in a savepoint (`bulk`). Either way, while it goes in, the
//! caller's next lines are read ahead through [`ReadAhead`] and queued for the next batch, so
//! parsing and inserting overlap. `add user` in a transaction on SQLite is here too: on the
//! borrowed connection, with no savepoint, and in a long run of them with the names already
//! taken held in memory (`sqlite::taken`).

use std::cell::RefCell;
use std::collections::HashMap;

use futures_util::FutureExt;

pub use super::commands::bulk::Author;
use super::commands::bulk::{self, BATCH_ROWS, PendingPost};
use super::commands::queries::{self, post_added};
use super::execute::Answer;
use super::route::Route;
use super::session::{Lock, Session, transaction_gone};
use super::sqlite::borrowed::{Inserted, record_posts};
use super::sqlite::flask_sqlite::adapted;
use super::sqlite::inserter::Inserter;
use super::sqlite::taken::Taken;
use crate::command::query::Assignment;
use crate::command::{DataCommand, EntityKind, UserRef, WriteCommand};
use crate::entities::post::now_utc;
use crate::entities::user;
use crate::error::{Error, Result};
use crate::render::Outcome;

/// The posts waiting for their batch, and the authors resolved so far.
#[derive(Default)]
pub(super) struct Queue {
    pending: Vec<PendingPost>,
    /// Authors as typed (`john`, `7`).
    authors: HashMap<UserRef, Author>,
    /// On SQLite in a transaction, the names and emails taken, once a run of `add user` lines
    /// is long enough to read them (`sqlite::taken`).
    taken: RefCell<Taken>,
    /// On SQLite, the thread that inserts a batch while the next is read (`sqlite::borrowed`).
    inserter: Option<Inserter>,
}

/// Whoever runs the script: its next lines, read while a batch is inserted.
pub trait ReadAhead {
    /// The body and author of the next line, if one is ready now and is an `add post` that can
    /// join the batch without running anything first: its author one that `resolved` knows.
    /// Anything else stops the reading ahead, and the caller keeps that line for itself.
    fn next_post(
        &mut self,
        resolved: &dyn Fn(&UserRef) -> Option<Author>,
    ) -> Option<(String, Author)>;
}

impl Session {
    /// Whether `command` joins the queue rather than running at once: an `add post` (without
    /// `with`) in a `--single-transaction` script.
    pub fn queues(&self, command: &DataCommand) -> bool {
        self.locked() == Some(Lock::Script)
            && matches!(command, DataCommand::Write(WriteCommand::AddPost { with, .. }) if with.is_empty())
    }

    pub(super) fn has_queued(&self) -> bool {
        !self.queue.pending.is_empty()
    }

    /// After a command that may have renamed, deleted or imported users, or ended the
    /// transaction: the authors resolved and the names known taken are read again when needed.
    pub(super) fn forget_users(&mut self) {
        self.queue.authors.clear();
        self.queue.taken.get_mut().forget();
    }

    /// A user this session added: an author for the lines after it, and a name taken.
    pub(super) fn remember_user(&mut self, user: UserRef, id: i32, name: String, email: &str) {
        self.queue.taken.get_mut().add(&name, email);
        self.queue.authors.insert(user, Author { id, name });
    }

    /// An `add post` queued, its author resolved now (a failure to do so is this line's, and
    /// comes before the queue is inserted).
    pub(super) async fn queue_post(
        &mut self,
        body: String,
        author: &UserRef,
    ) -> Result<Answer<'_>> {
        let author = match self.queue.authors.get(author) {
            Some(known) => known.clone(),
            None => {
                let user = self.find_user(author).await?;
                let found = Author {
                    id: user.id,
                    name: user.username,
                };
                self.queue.authors.insert(author.clone(), found.clone());
                found
            }
        };
        self.queue.pending.push(PendingPost {
            body,
            timestamp: now_utc(),
            author,
        });
        Ok(Answer::Queued {
            full: self.queue.pending.len() >= BATCH_ROWS,
        })
    }

    /// `add user` in a transaction on SQLite, without `with` and where the app fills no column
    /// itself: the checks of `queries::add_user`, then the same INSERT, on the transaction's
    /// connection borrowed on this thread, with no savepoint (its one INSERT is atomic by
    /// itself). `None` where it takes the usual way: elsewhere, or when anything stood in the way
    /// (nothing was written; the usual way meets it again and says it in its own words).
    pub(super) async fn add_user_here(
        &mut self,
        username: &str,
        email: &str,
        with: &[Assignment],
    ) -> Result<Option<user::Model>> {
        let vocabulary = &self.vocabulary;
        if !with.is_empty() || !queries::with_what_the_app_fills(with, vocabulary).is_empty() {
            return Ok(None);
        }
        let Some(route) = self.borrowed_route() else {
            return Ok(None);
        };
        let Route::Borrowed { borrowed, .. } = &route else {
            return Ok(None);
        };
        // Known free without a query in a long run of them; else (or if reading the names
        // failed) asked of the database.
        let surely_free = self
            .queue
            .taken
            .borrow_mut()
            .surely_free(borrowed, username, email)
            .unwrap_or(false);
        let checked = queries::ensure_required_given(EntityKind::User, with, vocabulary).is_ok()
            && (surely_free
                || queries::ensure_available(&route, Some(username), Some(email), None)
                    .await
                    .is_ok());
        if !checked {
            return Ok(None);
        }
        let insert = adapted(queries::new_user_insert(username, email));
        let added = match borrowed.insert_returning::<user::Entity>(&insert) {
            Inserted::Added((_, Some(user))) => Ok(Some(user)),
            Inserted::Added((id, None)) => queries::find_user(&route, &UserRef::Id(id as i32))
                .await
                .map(Some),
            Inserted::Refused => Ok(None),
            Inserted::TransactionEnded(error) => Err(transaction_gone(error, None)),
        };
        if let Ok(Some(user)) = &added {
            let name = user.username.clone();
            self.remember_user(UserRef::Username(name.clone()), user.id, name, &user.email);
        }
        self.settle(added).await
    }

    /// A user, looked up where commands run now (for the queue's authors).
    async fn find_user(&mut self, user: &UserRef) -> Result<crate::entities::user::Model> {
        let result = match self.conn().await {
            Ok(db) => queries::find_user(&db, user).await,
            Err(error) => Err(error),
        };
        self.settle(result).await
    }

    /// Inserts the queued posts and gives each line's outcome in order. If the database refuses
    /// a post, its line runs again alone (for the message it gets by itself), and the lines after
    /// it run only when `keep_going` is true and its failure did not end the transaction. A
    /// batch refused with the transaction itself is the error. With `ahead`, the next lines are
    /// read and queued while the batch goes in.
    pub async fn insert_queued(
        &mut self,
        ahead: Option<&mut dyn ReadAhead>,
        keep_going: bool,
    ) -> Result<Vec<Result<Outcome>>> {
        let posts = std::mem::take(&mut self.queue.pending);
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let lines = match self.borrowed().is_some() {
            true => self.insert_here(posts, ahead, keep_going).await,
            false => self.insert_through_sqlx(posts, ahead, keep_going).await,
        };
        let stopped = match &lines {
            Ok(lines) => lines.iter().any(|line| stops(line, keep_going)),
            Err(_) => true,
        };
        if stopped {
            self.queue.pending.clear();
        }
        lines
    }

    /// On SQLite: the posts one single-row INSERT each, on the transaction's own connection
    /// borrowed (`sqlite::borrowed`), on the session's inserting thread while this one reads
    /// ahead. A post the database refuses wrote nothing: its line runs again alone, and the rest
    /// go on after it.
    async fn insert_here(
        &mut self,
        posts: Vec<PendingPost>,
        mut ahead: Option<&mut dyn ReadAhead>,
        keep_going: bool,
    ) -> Result<Vec<Result<Outcome>>> {
        self.still_in_the_scripts_transaction()?;
        if self.queue.inserter.is_none() {
            self.queue.inserter = Some(Inserter::start()?);
        }
        let mut lines = Vec::with_capacity(posts.len());
        let mut rest = posts;
        while !rest.is_empty() {
            let (done, next) = {
                let this = &*self;
                let (Some(borrowed), Some(inserter)) = (this.borrowed(), &this.queue.inserter)
                else {
                    return Err(Error::transaction_lost(
                        "the script's transaction has ended",
                    ));
                };
                let running = inserter.run(borrowed, move |borrowed| {
                    let rows = borrowed.insert_posts(&rest);
                    (rest, rows)
                });
                // Lines only: nothing here touches the connection while the batch goes in.
                let next = this.read_ahead(ahead.take(), || ());
                (running.wait(), next)
            };
            self.queue.pending.extend(next);
            let (mut posts, rows) = match done {
                Ok((posts, Ok(rows))) => (posts, rows),
                Ok((_, Err(error))) | Err(error) => return self.settle(Err(error)).await,
            };
            record_posts(&posts[..rows.len()]);
            rest = posts.split_off(rows.len());
            for (post, row) in posts.iter().zip(rows) {
                match row {
                    Inserted::Added(id) => lines.push(Ok(post_added(id as i32, &post.author.name))),
                    Inserted::Refused => {
                        let line = self.write(&post.command()).await;
                        let stop = stops(&line, keep_going);
                        lines.push(line);
                        if stop {
                            return Ok(lines);
                        }
                    }
                    Inserted::TransactionEnded(error) => {
                        return self.settle(Err(transaction_gone(error, None))).await;
                    }
                }
            }
        }
        Ok(lines)
    }

    /// On the servers (or SQLite without the handle): the batch in one multi-row INSERT, in a
    /// savepoint; a batch the database refuses is replayed line by line.
    async fn insert_through_sqlx(
        &mut self,
        posts: Vec<PendingPost>,
        ahead: Option<&mut dyn ReadAhead>,
        keep_going: bool,
    ) -> Result<Vec<Result<Outcome>>> {
        match self.insert_batch(&posts, ahead).await {
            Ok(ids) => Ok(posts
                .iter()
                .zip(ids)
                .map(|(post, id)| Ok(post_added(id, &post.author.name)))
                .collect()),
            // The transaction itself is gone: line by line would run outside it.
            Err(error) if error.ends_transaction() => Err(error),
            Err(_) => Ok(self.replay(posts, keep_going).await),
        }
    }

    /// The next lines of `ahead` that join the next batch (all but its last line, which the
    /// caller adds and which sends it), `between` called before each (to move an insert on).
    fn read_ahead(
        &self,
        ahead: Option<&mut dyn ReadAhead>,
        mut between: impl FnMut(),
    ) -> Vec<PendingPost> {
        let mut next = Vec::new();
        let Some(ahead) = ahead else {
            return next;
        };
        let resolved = |user: &UserRef| self.queue.authors.get(user).cloned();
        while next.len() + 1 < BATCH_ROWS {
            between();
            let Some((body, author)) = ahead.next_post(&resolved) else {
                break;
            };
            next.push(PendingPost {
                body,
                timestamp: now_utc(),
                author,
            });
        }
        next
    }

    /// A refused batch's lines, each alone, until one stops the script.
    async fn replay(&mut self, posts: Vec<PendingPost>, keep_going: bool) -> Vec<Result<Outcome>> {
        let mut lines = Vec::new();
        for post in posts {
            let line = self.write(&post.command()).await;
            let stop = stops(&line, keep_going);
            lines.push(line);
            if stop {
                break;
            }
        }
        lines
    }

    /// One batch in one statement, in a savepoint of the open transaction; the ids in order.
    /// While it goes in, `ahead`'s lines fill the next batch; the insert is polled once per line,
    /// so it moves on (SAVEPOINT, INSERT, RELEASE) while they are read.
    async fn insert_batch(
        &mut self,
        posts: &[PendingPost],
        ahead: Option<&mut dyn ReadAhead>,
    ) -> Result<Vec<i32>> {
        self.still_in_the_scripts_transaction()?;
        self.ready().await;
        self.refuse_on_standby("a write").await?;
        let (inserted, next) = {
            let this = &*self;
            let mut insert =
                std::pin::pin!(this.atomically(async |db| bulk::insert(db, posts).await));
            let mut inserted = None;
            let next = this.read_ahead(ahead, || {
                if inserted.is_none() {
                    inserted = insert.as_mut().now_or_never();
                }
            });
            let inserted = match inserted {
                Some(done) => done,
                None => insert.await,
            };
            (inserted, next)
        };
        self.queue.pending = next;
        self.settle(inserted).await
    }
}

/// Whether a line's outcome stops the script: any failure, unless it goes on after failures and
/// the transaction is still there.
fn stops(line: &Result<Outcome>, keep_going: bool) -> bool {
    line.as_ref()
        .is_err_and(|e| !keep_going || e.ends_transaction())
}
