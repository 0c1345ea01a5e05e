//! Many posts in one INSERT: the rows of a script's queued `add post` lines (`db::queued`), each
//! with its author already resolved, and their ids back in order.

use sea_orm::{ConnectionTrait, DbBackend};

use chrono::NaiveDateTime;

use crate::command::{UserRef, WriteCommand};
use crate::entities::post;
use crate::error::{Error, Result};

/// Rows per INSERT: 3 parameters each stays far below every backend's limit (SQLite's 32,766).
pub const BATCH_ROWS: usize = 1000;

/// A post's author, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub id: i32,
    pub name: String,
}

/// One `add post` line, its author resolved, waiting for its batch.
#[derive(Debug, Clone)]
pub struct PendingPost {
    pub body: String,
    pub timestamp: NaiveDateTime,
    pub author: Author,
}

impl PendingPost {
    /// The command it stands for, to replay it alone.
    pub fn command(&self) -> WriteCommand {
        WriteCommand::AddPost {
            body: self.body.clone(),
            author: UserRef::Id(self.author.id),
            with: Vec::new(),
        }
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
            p.author.id.into(),
        ]);
    }
    insert
}

/// One multi-row INSERT; the new ids in order. SQLite and PostgreSQL return them; MySQL/MariaDB
/// hand out the ids of one multi-row INSERT consecutively from the first
/// (`innodb_autoinc_lock_mode` 0 and 1, and 2 for a single statement whose row count is known in
/// advance).
pub async fn insert<C: ConnectionTrait>(db: &C, posts: &[PendingPost]) -> Result<Vec<i32>> {
    let mut insert = insert_statement(posts);
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
