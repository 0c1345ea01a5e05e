//! The fast path for long scripts: consecutive `add post` lines inside `--single-transaction` are
//! inserted many rows per statement. Each author is resolved once, or remembered as the script
//! adds it (then kept until a command other than `add user` and `add post` runs), each line still
//! gets its own "Added post N by NAME", and a batch that the database refuses is replayed line by
//! line so the failing line is the one reported.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::command::{UserRef, WriteCommand};
use crate::entities::post;

/// Rows per INSERT: 3 parameters each stays far below every backend's limit (SQLite's 32,766).
pub const BATCH_ROWS: usize = 1000;

/// One `add post` line, its author resolved, waiting for its batch.
#[derive(Debug, Clone)]
pub struct PendingPost {
    /// The script line it came from, for errors.
    pub line: usize,
    /// `> line` to print first, under `--echo`.
    pub echo: Option<String>,
    pub body: String,
    pub timestamp: NaiveDateTime,
    pub author_id: i32,
    pub author: String,
}

impl PendingPost {
    /// The command it stands for, to replay it alone.
    pub fn command(&self) -> WriteCommand {
        WriteCommand::AddPost {
            body: self.body.clone(),
            author: UserRef::Id(self.author_id),
            with: Vec::new(),
        }
    }
}

#[derive(Default)]
pub struct PostBatch {
    pub pending: Vec<PendingPost>,
    /// Authors as typed (`john`, `7`) -> (id, username).
    authors: HashMap<UserRef, (i32, String)>,
}

impl PostBatch {
    pub fn author(&self, user: &UserRef) -> Option<(i32, String)> {
        self.authors.get(user).cloned()
    }

    pub fn remember(&mut self, user: UserRef, id: i32, username: String) {
        self.authors.insert(user, (id, username));
    }

    /// Another command may rename or delete users: forget what was resolved. (`add user` need
    /// not: the name it adds differs from every other even ignoring case.)
    pub fn forget_authors(&mut self) {
        self.authors.clear();
    }

    pub fn push(&mut self, post: PendingPost) -> bool {
        self.pending.push(post);
        self.pending.len() >= BATCH_ROWS
    }

    pub fn take(&mut self) -> Vec<PendingPost> {
        std::mem::take(&mut self.pending)
    }
}

/// The rows of one multi-row INSERT.
pub fn insert_statement(posts: &[PendingPost]) -> sea_orm::sea_query::InsertStatement {
    use sea_orm::sea_query::Query;
    let mut insert = Query::insert();
    insert.into_table(post::Entity).columns([
        post::Column::Body,
        post::Column::Timestamp,
        post::Column::UserId,
    ]);
    for p in posts {
        insert.values_panic([
            p.body.clone().into(),
            p.timestamp.into(),
            p.author_id.into(),
        ]);
    }
    insert
}
