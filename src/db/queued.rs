//! The fast path for long scripts, carried out by the session: in a `--single-transaction`
//! script, consecutive `add post` lines are queued and inserted many rows per statement (`bulk`).
//! Each author is resolved once, or remembered as the script adds it (then kept until a command
//! other than `add user` and `add post` runs); each line still gets its own "Added post N by
//! NAME", in order; a batch that the database refuses is replayed line by line, so the failing
//! line is the one reported.
//!
//! While a full batch is inserted (on sqlx's SQLite worker thread, or by the server), the caller's
//! next lines are read ahead through [`ReadAhead`] and queued for the next batch, so parsing and
//! inserting overlap.

use std::collections::HashMap;

use futures_util::FutureExt;

pub use super::commands::bulk::Author;
use super::commands::bulk::{self, BATCH_ROWS, PendingPost};
use super::commands::queries::{self, post_added};
use super::execute::Answer;
use super::session::{Lock, Session};
use crate::command::{DataCommand, UserRef, WriteCommand};
use crate::entities::post::now_utc;
use crate::error::Result;
use crate::render::Outcome;

/// The posts waiting for their batch, and the authors resolved so far.
#[derive(Default)]
pub(super) struct Queue {
    pending: Vec<PendingPost>,
    /// Authors as typed (`john`, `7`).
    authors: HashMap<UserRef, Author>,
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

    pub(super) fn forget_authors(&mut self) {
        self.queue.authors.clear();
    }

    pub(super) fn remember_author(&mut self, user: UserRef, id: i32, name: String) {
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

    /// A user, looked up where commands run now (for the queue's authors).
    async fn find_user(&mut self, user: &UserRef) -> Result<crate::entities::user::Model> {
        let result = match self.conn().await {
            Ok(db) => queries::find_user(&db, user).await,
            Err(error) => Err(error),
        };
        self.settle(result).await
    }

    /// Inserts the queued posts and gives each line's outcome in order. If the database refuses
    /// the batch, its lines run again one at a time, up to the first that fails when `keep_going`
    /// is false (or whose failure ends the transaction): the lines after it are not run, nor the
    /// lines read ahead. A batch refused with the transaction itself is the error. With `ahead`,
    /// the next lines are read and queued while the batch goes in.
    pub async fn insert_queued(
        &mut self,
        ahead: Option<&mut dyn ReadAhead>,
        keep_going: bool,
    ) -> Result<Vec<Result<Outcome>>> {
        let posts = std::mem::take(&mut self.queue.pending);
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let inserted = self.insert_batch(&posts, ahead).await;
        let lines = match inserted {
            Ok(ids) => Ok(posts
                .iter()
                .zip(ids)
                .map(|(post, id)| Ok(post_added(id, &post.author.name)))
                .collect()),
            // The transaction itself is gone: line by line would run outside it.
            Err(error) if error.ends_transaction() => Err(error),
            Err(_) => Ok(self.replay(posts, keep_going).await),
        };
        let stops = match &lines {
            Ok(lines) => lines.iter().any(|line| {
                line.as_ref()
                    .is_err_and(|e| !keep_going || e.ends_transaction())
            }),
            Err(_) => true,
        };
        if stops {
            self.queue.pending.clear();
        }
        lines
    }

    /// A refused batch's lines, each alone, until one stops the script.
    async fn replay(&mut self, posts: Vec<PendingPost>, keep_going: bool) -> Vec<Result<Outcome>> {
        let mut lines = Vec::new();
        for post in posts {
            let line = self.write(&post.command()).await;
            let stop = line
                .as_ref()
                .is_err_and(|e| !keep_going || e.ends_transaction());
            lines.push(line);
            if stop {
                break;
            }
        }
        lines
    }

    /// One batch in one statement, in a savepoint of the open transaction; the ids in order.
    /// While it goes in, `ahead`'s lines fill the next batch (all but its last line, which the
    /// caller adds and which sends it); the insert is polled once per line, so it moves on
    /// (SAVEPOINT, INSERT, RELEASE) while they are read.
    async fn insert_batch(
        &mut self,
        posts: &[PendingPost],
        ahead: Option<&mut dyn ReadAhead>,
    ) -> Result<Vec<i32>> {
        self.still_in_the_scripts_transaction()?;
        self.ready().await;
        self.refuse_on_standby("a write").await?;
        let mut next = Vec::new();
        let inserted = {
            let this = &*self;
            let mut insert =
                std::pin::pin!(this.atomically(async |db| bulk::insert(db, posts).await));
            let mut inserted = None;
            if let Some(ahead) = ahead {
                let resolved = |user: &UserRef| this.queue.authors.get(user).cloned();
                while next.len() + 1 < BATCH_ROWS {
                    if inserted.is_none() {
                        inserted = insert.as_mut().now_or_never();
                    }
                    let Some((body, author)) = ahead.next_post(&resolved) else {
                        break;
                    };
                    next.push(PendingPost {
                        body,
                        timestamp: now_utc(),
                        author,
                    });
                }
            }
            match inserted {
                Some(done) => done,
                None => insert.await,
            }
        };
        self.queue.pending = next;
        self.settle(inserted).await
    }
}
