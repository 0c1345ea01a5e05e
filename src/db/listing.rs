//! Lists of any length (`users`, `posts`, `posts of`), read a page at a time with keyset pagination:
//! each page continues after the last row of the one before, through the indexes, so a million rows
//! print in bounded memory and every page costs the same.

use chrono::NaiveDateTime;
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, ModelTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use super::queries::{POST_COLUMNS, USER_COLUMNS, find_user, post_row, user_row};
use crate::command::{Page, UserRef};
use crate::entities::{Post, User, post, user};
use crate::error::Result;
use crate::render::Cell;

/// A post row with its author's username (`None` for a post whose author is gone).
#[derive(Debug, FromQueryResult)]
struct PostWithAuthor {
    id: i32,
    body: String,
    timestamp: NaiveDateTime,
    user_id: i32,
    author: Option<String>,
}

/// Rows per page: large enough that per-query overhead vanishes, small enough to stay a few MB.
pub const PAGE_ROWS: u64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Users,
    Posts,
    /// One user's posts, through the user -> posts relation.
    PostsOf(user::Model),
}

/// Where the last page ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    User(i32),
    Post(NaiveDateTime, i32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    kind: Kind,
    remaining: Option<u64>,
    offset: Option<u64>,
    after: Option<Key>,
    done: bool,
}

impl Listing {
    fn new(kind: Kind, page: Page) -> Self {
        Listing {
            kind,
            remaining: page.limit,
            offset: page.offset,
            after: None,
            done: page.limit == Some(0),
        }
    }

    pub fn users(page: Page) -> Self {
        Self::new(Kind::Users, page)
    }

    pub fn posts(page: Page) -> Self {
        Self::new(Kind::Posts, page)
    }

    /// Resolves the user first, so an unknown one is an error before anything prints.
    pub async fn posts_of<C: ConnectionTrait>(db: &C, user: &UserRef, page: Page) -> Result<Self> {
        Ok(Self::new(Kind::PostsOf(find_user(db, user).await?), page))
    }

    pub fn columns(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Users => USER_COLUMNS,
            Kind::Posts | Kind::PostsOf(_) => POST_COLUMNS,
        }
    }

    /// The next page of rows, or `None` when the list is complete.
    pub async fn next_page<C: ConnectionTrait>(
        &mut self,
        db: &C,
    ) -> Result<Option<Vec<Vec<Cell>>>> {
        if self.done {
            return Ok(None);
        }
        let size = self.remaining.map_or(PAGE_ROWS, |r| r.min(PAGE_ROWS));
        let offset = self.offset.take();
        let (rows, last) = match &self.kind {
            Kind::Users => {
                let mut select = User::find().order_by_asc(user::Column::Id);
                if let Some(Key::User(id)) = self.after {
                    select = select.filter(user::Column::Id.gt(id));
                }
                let users = limited(select, size, offset).all(db).await?;
                let last = users.last().map(|u| Key::User(u.id));
                (users.into_iter().map(user_row).collect::<Vec<_>>(), last)
            }
            Kind::Posts => {
                // Only the author's name, under a plain column name: joining whole user models
                // (sea-orm's find_also_related) costs a third of a full export.
                let select = self.newest_first(Post::find());
                let posts = limited(select, size, offset)
                    .left_join(User)
                    .column_as(user::Column::Username, "author")
                    .into_model::<PostWithAuthor>()
                    .all(db)
                    .await?;
                let last = posts.last().map(|p| Key::Post(p.timestamp, p.id));
                let rows = posts
                    .into_iter()
                    .map(|p| {
                        let author = p.author;
                        let post = post::Model {
                            id: p.id,
                            body: p.body,
                            timestamp: p.timestamp,
                            user_id: p.user_id,
                        };
                        post_row(post, author)
                    })
                    .collect::<Vec<_>>();
                (rows, last)
            }
            Kind::PostsOf(author) => {
                let select = self.newest_first(author.find_related(Post));
                let posts = limited(select, size, offset).all(db).await?;
                let last = posts.last().map(|p| Key::Post(p.timestamp, p.id));
                let name = &author.username;
                let rows = posts
                    .into_iter()
                    .map(|p| post_row(p, Some(name.clone())))
                    .collect::<Vec<_>>();
                (rows, last)
            }
        };
        let fetched = rows.len() as u64;
        self.after = last;
        if let Some(remaining) = &mut self.remaining {
            *remaining -= fetched;
        }
        self.done = fetched < size || self.remaining == Some(0);
        Ok((fetched > 0).then_some(rows))
    }

    /// Newest first, the id breaking ties, continuing after the last page's row.
    fn newest_first(&self, select: Select<Post>) -> Select<Post> {
        let mut select = select
            .order_by_desc(post::Column::Timestamp)
            .order_by_desc(post::Column::Id);
        if let Some(Key::Post(timestamp, id)) = self.after {
            // `timestamp <= t` first: a range on ix_post_timestamp, so each page starts where the
            // last one ended instead of scanning from the top (an OR alone defeats the index).
            select = select
                .filter(post::Column::Timestamp.lte(timestamp))
                .filter(
                    Condition::any()
                        .add(post::Column::Timestamp.lt(timestamp))
                        .add(post::Column::Id.lt(id)),
                );
        }
        select
    }
}

fn limited<E: EntityTrait>(select: Select<E>, size: u64, offset: Option<u64>) -> Select<E> {
    let select = select.limit(size);
    match offset {
        Some(offset) => select.offset(offset),
        None => select,
    }
}
