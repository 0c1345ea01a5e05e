//! Lists of any length (`users ...`, `posts ...`, `posts of ...`, `followers of ...`, `rows of
//! TABLE ...`, with `where` and `order by`), read a page at a time with keyset pagination: each
//! page continues after the last row of the one before, through the indexes, so a million rows
//! print in bounded memory and every page costs the same. The sort keys end with the id (a
//! table's primary key), so the order is total even on a field many rows share, and the next page
//! starts exactly where the last one ended; a column that may be NULL sorts by two keys, so NULLs
//! have their place too. A table without a primary key is paged by row count instead.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use sea_orm::sea_query::{
    Alias, Condition as SqlCondition, Expr, ExprTrait, Func, Order, Query, SimpleExpr,
};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::command::query::Owner;
use crate::command::query::{
    Field, FieldType, FollowSide, PostColumn, PostField, Sort, TableField, UserColumn, UserField,
};
use crate::command::vocabulary::{ColumnKind, LiveColumn, LiveTable, Vocabulary};
use crate::command::{EntityKind, Query as ListQuery, TableQuery, UserRef};
use crate::db::commands::queries::{POST_COLUMNS, USER_COLUMNS, find_user};
use crate::db::sql::conn::Conn;
use crate::db::sql::fetch::Fetch;
use crate::db::sql::filter::{
    AuthorAccess, Sql, follow_columns, follow_count, named_authors, ordered_text, post_count,
    read_live_column,
};
use crate::db::sql::row::RowRead;
use crate::db::sql::server_stream::ServerStream;
use crate::db::sqlite::flask_sqlite::adapted;
use crate::db::sqlite::sqlite_direct;
use crate::entities::{post, user};
use crate::error::{Error, Result};
use crate::render::Cell;

/// Rows of a list's first page: large enough that per-query overhead vanishes, small enough to come
/// at once.
pub const PAGE_ROWS: u64 = 1000;
/// Later pages of a sort an index answers double up to this size: each page is a new statement
/// (on PostgreSQL about 4 ms of planning and start-up, a thousand times over for a million rows),
/// and memory stays a few MB.
const INDEXED_PAGE_ROWS: u64 = 16_000;
/// A page read on this thread ends early once its text passes this size: SQLite does not enforce
/// `varchar` lengths, so rows written by another program may hold megabytes each.
const PAGE_BYTES: usize = 4 << 20;
/// A sort no index answers makes the database sort all the matching rows for every page: there
/// pages double up to this size, so a million rows take a few dozen sorts rather than a thousand,
/// and memory stays bounded.
const UNINDEXED_PAGE_ROWS: u64 = 32_000;

/// The column a user's post count is shown in.
const POSTS_COLUMN: &str = "posts";
/// The columns the follow counts are shown in.
const FOLLOWERS_COLUMN: &str = "followers";
const FOLLOWING_COLUMN: &str = "following";

/// A sort key: what it orders by, and the plain value read back to continue after a row.
#[derive(Debug, Clone)]
struct Key {
    /// What ORDER BY names: the key's expression, or the shown column that holds it.
    ordered: Expr,
    /// The expression compared with the last row's value.
    compared: Expr,
    /// The key's value in a row: selected as `k{i}`, or read from a shown column.
    value: Expr,
    shown_as: Option<&'static str>,
    field_type: FieldType,
    descending: bool,
}

/// A key's value in the last row of a page.
#[derive(Debug, Clone, PartialEq)]
enum KeyValue {
    Integer(i64),
    Float(f64),
    Text(String),
    Time(NaiveDateTime),
}

/// What a listing lists: an entity's rows, or a table the shell does not declare.
#[derive(Debug, Clone)]
enum Listed {
    Entity(EntityKind),
    Table(Arc<LiveTable>),
}

#[derive(Debug, Clone)]
pub struct Listing {
    listed: Listed,
    /// The columns the entities do not declare, shown after the declared ones (for a table the
    /// shell does not declare: all of its columns), selected as `x0`, `x1`, ...
    extras: Vec<Arc<LiveColumn>>,
    /// Users: the follow counts shown (the query names them), with the relation's table.
    follow_counts: Vec<(FollowSide, crate::command::vocabulary::Follows)>,
    /// What the query was read with: an author found by another spelling is selected again.
    vocabulary: Vocabulary,
    filter: SqlCondition,
    /// `posts of NAME`: the author found by name inside the page's own statement (one statement
    /// per command, not a look-up and then the page). Until a page has rows, the name is unchecked:
    /// an empty first page looks the name up on its own, for "there is no user" or a name that
    /// differs only in case (then the pages run again with that user's id).
    unchecked_author: Option<(String, Option<crate::command::Condition>)>,
    keys: Vec<Key>,
    /// Users: whether the `posts` column is shown (the query names it).
    with_post_count: bool,
    backend: sea_orm::DbBackend,
    /// Rows the next page asks for.
    page_rows: u64,
    /// Whether an index gives the rows in the sort's order (then every page costs the same).
    indexed: bool,
    remaining: Option<u64>,
    offset: Option<u64>,
    /// A table with no primary key (a view, chapter 8's `followers` as it was): rows that are
    /// equal in every column cannot be told apart by keys, so its pages go on by their number of
    /// rows (an OFFSET) over an order of every column, which is the same for every page.
    by_offset: bool,
    /// Rows read so far, for `by_offset`.
    read: u64,
    after: Option<Vec<KeyValue>>,
    done: bool,
}

/// Looks up the users a condition names by name (`author = john`), once, before any row is read.
pub async fn users_named<F: Fetch>(
    db: &F,
    filter: Option<&crate::command::Condition>,
) -> Result<HashMap<String, i32>> {
    let mut named = Vec::new();
    if let Some(filter) = filter {
        named_authors(filter, &mut named);
    }
    let mut ids = HashMap::new();
    for user in named {
        if let UserRef::Username(name) = &user {
            ids.insert(name.clone(), find_user(db, &user).await?.id);
        }
    }
    Ok(ids)
}

/// The rows a query selects, as an SQL condition (with `of USER` folded in).
pub async fn selection<F: Fetch>(
    db: &F,
    of: Option<&UserRef>,
    filter: Option<&crate::command::Condition>,
    author: AuthorAccess,
    vocabulary: &Vocabulary,
) -> Result<SqlCondition> {
    let users = users_named(db, filter).await?;
    let sql = Sql {
        backend: db.backend(),
        author,
        users: &users,
        follows: vocabulary.follows(),
    };
    let mut condition = SqlCondition::all();
    if let Some(user) = of {
        let id = find_user(db, user).await?.id;
        condition = condition.add(Expr::col((post::Entity, post::Column::UserId)).eq(id));
    }
    if let Some(filter) = filter {
        condition = condition.add(sql.condition(filter)?);
    }
    Ok(condition)
}

/// Posts whose author has exactly this username, the user found inside the statement (a scalar
/// subquery on the username's unique index): one statement where a look-up and a query were two.
/// No row can mean no such user or a name that differs in case: the caller looks the name up then.
pub fn written_by_exactly(name: &str) -> Expr {
    let author = Query::select()
        .column((user::Entity, user::Column::Id))
        .from(user::Entity)
        .and_where(Expr::col((user::Entity, user::Column::Username)).eq(name))
        .to_owned();
    Expr::col((post::Entity, post::Column::UserId))
        .eq(Expr::SubQuery(None, Box::new(author.into())))
}

/// After `written_by_exactly(name)` found nothing: no such user (the error), one with no posts
/// (`None`), or the id of the one whose name differs only in case.
pub async fn case_twin_of<F: Fetch>(db: &F, name: &str) -> Result<Option<i32>> {
    let user = find_user(db, &UserRef::Username(name.to_string())).await?;
    Ok((user.username != name).then_some(user.id))
}

impl Listing {
    /// Resolves the users the query names first, so an unknown one is an error before anything
    /// prints.
    pub async fn new<F: Fetch>(db: &F, query: &ListQuery, vocabulary: &Vocabulary) -> Result<Self> {
        let backend = db.backend();
        let follows = vocabulary.follows();
        let (mut filter, unchecked_author) = match &query.of {
            Some(UserRef::Username(name))
                if query.entity == EntityKind::Post && query.page.limit != Some(0) =>
            {
                let rest = selection(
                    db,
                    None,
                    query.filter.as_ref(),
                    AuthorAccess::Joined,
                    vocabulary,
                )
                .await?;
                let by_name = written_by_exactly(name);
                let unchecked = (name.clone(), query.filter.clone());
                (rest.add(by_name), Some(unchecked))
            }
            _ => {
                let filter = selection(
                    db,
                    query.of.as_ref(),
                    query.filter.as_ref(),
                    AuthorAccess::Joined,
                    vocabulary,
                )
                .await?;
                (filter, None)
            }
        };
        if let Some((side, user)) = &query.follows {
            filter = filter.add(related_by_follows(db, vocabulary, *side, user).await?);
        }
        let no_users = HashMap::new();
        let sql = Sql {
            backend,
            author: AuthorAccess::Joined,
            users: &no_users,
            follows,
        };
        let id = match query.entity {
            EntityKind::User => Field::User(UserField::Column(UserColumn::Id)),
            EntityKind::Post => Field::Post(PostField::Column(PostColumn::Id)),
        };
        let mut sorts = query.order.clone();
        if sorts.is_empty() && query.entity == EntityKind::Post {
            // Newest first.
            sorts.push(Sort {
                field: Field::Post(PostField::Column(PostColumn::Timestamp)),
                descending: true,
            });
        }
        if !sorts.iter().any(|s| s.field == id) {
            let descending = sorts.last().is_some_and(|s| s.descending);
            sorts.push(Sort {
                field: id,
                descending,
            });
        }
        let with_post_count = query.mentions(&Field::User(UserField::Posts));
        let follow_counts = match follows {
            Some(follows) => [
                (UserField::Followers, FollowSide::Followers),
                (UserField::Following, FollowSide::Following),
            ]
            .into_iter()
            .filter(|(field, _)| query.mentions(&Field::User(field.clone())))
            .map(|(_, side)| (side, follows.clone()))
            .collect(),
            None => Vec::new(),
        };
        let indexed = matches!(
            sorts[0].field,
            Field::User(UserField::Column(UserColumn::Id))
                | Field::Post(PostField::Column(PostColumn::Id | PostColumn::Timestamp))
        );
        let keys = sorts
            .iter()
            .flat_map(|sort| sort_keys(&sql, sort))
            .collect();
        Ok(Listing {
            listed: Listed::Entity(query.entity),
            extras: vocabulary.extras(query.entity).to_vec(),
            follow_counts,
            vocabulary: vocabulary.clone(),
            filter,
            unchecked_author,
            keys,
            with_post_count,
            backend,
            page_rows: PAGE_ROWS,
            indexed,
            remaining: query.page.limit,
            offset: query.page.offset,
            by_offset: false,
            read: 0,
            after: None,
            done: query.page.limit == Some(0),
        })
    }

    /// `rows of TABLE ...`: by the primary key unless ordered (by every column where the table
    /// has none), so the pages continue exactly where the last one ended.
    pub async fn of_table<F: Fetch>(
        db: &F,
        query: &TableQuery,
        vocabulary: &Vocabulary,
    ) -> Result<Self> {
        let backend = db.backend();
        let table = &query.table;
        let filter = table_selection(db, query, vocabulary).await?;
        let no_users = HashMap::new();
        let sql = Sql {
            backend,
            author: AuthorAccess::Joined,
            users: &no_users,
            follows: None,
        };
        let mut sorts = query.order.clone();
        let fields = Field::of_table(table);
        let identity: Vec<Field> = table
            .primary_key()
            .into_iter()
            .filter_map(|c| fields.iter().find(|f| f.live_column() == Some(c)).cloned())
            .collect();
        let indexed = sorts.is_empty() && table.columns.iter().any(|c| c.primary_key);
        let descending = sorts.last().is_some_and(|s| s.descending);
        for field in identity {
            if !sorts.iter().any(|s| s.field == field) {
                sorts.push(Sort { field, descending });
            }
        }
        let keys = sorts
            .iter()
            .flat_map(|sort| sort_keys(&sql, sort))
            .collect();
        Ok(Listing {
            listed: Listed::Table(table.clone()),
            extras: table.columns.clone(),
            follow_counts: Vec::new(),
            vocabulary: vocabulary.clone(),
            filter,
            unchecked_author: None,
            keys,
            with_post_count: false,
            backend,
            page_rows: PAGE_ROWS,
            indexed,
            remaining: query.page.limit,
            offset: query.page.offset,
            by_offset: !table.columns.iter().any(|c| c.primary_key),
            read: 0,
            after: None,
            done: query.page.limit == Some(0),
        })
    }

    pub fn columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = match &self.listed {
            Listed::Entity(EntityKind::User) => {
                let mut columns: Vec<String> = USER_COLUMNS.iter().map(|c| c.to_string()).collect();
                if self.with_post_count {
                    columns.push(POSTS_COLUMN.into());
                }
                for (side, _) in &self.follow_counts {
                    columns.push(follow_column(*side).into());
                }
                columns
            }
            Listed::Entity(EntityKind::Post) => {
                POST_COLUMNS.iter().map(|c| c.to_string()).collect()
            }
            Listed::Table(_) => Vec::new(),
        };
        columns.extend(self.extras.iter().map(|c| c.name.clone()));
        columns
    }

    /// The statement for `limit` rows from here (after the last page's keys, when there was one).
    fn statement(&self, limit: Option<u64>, offset: Option<u64>) -> Statement {
        let mut select = Query::select();
        let backend = self.backend;
        let own = match &self.listed {
            Listed::Entity(EntityKind::User) => {
                select
                    .from(user::Entity)
                    .column((user::Entity, user::Column::Id))
                    .column((user::Entity, user::Column::Username))
                    .column((user::Entity, user::Column::Email))
                    .column((user::Entity, user::Column::PasswordHash));
                if self.with_post_count {
                    select.expr_as(post_count(), Alias::new(POSTS_COLUMN));
                }
                for (side, follows) in &self.follow_counts {
                    select.expr_as(
                        follow_count(follows, *side),
                        Alias::new(follow_column(*side)),
                    );
                }
                Alias::new(user_table())
            }
            Listed::Entity(EntityKind::Post) => {
                select
                    .from(post::Entity)
                    .column((post::Entity, post::Column::Id))
                    .column((post::Entity, post::Column::Timestamp))
                    .expr_as(
                        Expr::col((user::Entity, user::Column::Username)),
                        Alias::new("author"),
                    )
                    .column((post::Entity, post::Column::Body))
                    .left_join(
                        user::Entity,
                        Expr::col((user::Entity, user::Column::Id))
                            .equals((post::Entity, post::Column::UserId)),
                    );
                Alias::new(post_table())
            }
            Listed::Table(table) => {
                select.from(Alias::new(&table.name));
                Alias::new(&table.name)
            }
        };
        for (i, column) in self.extras.iter().enumerate() {
            select.expr_as(
                read_live_column(backend, own.clone(), column),
                Alias::new(format!("x{i}")),
            );
        }
        for (i, key) in self.keys.iter().enumerate() {
            if key.shown_as.is_none() {
                select.expr_as(key.value.clone(), Alias::new(format!("k{i}")));
            }
        }
        // The keyset bound first: a cheap comparison that spares the filter (a REGEXP, a count)
        // the rows earlier pages already gave.
        if let Some(after) = &self.after {
            select.cond_where(self.after_row(after));
        }
        select.cond_where(self.filter.clone());
        for key in &self.keys {
            let order = if key.descending {
                Order::Desc
            } else {
                Order::Asc
            };
            select.order_by_expr(key.ordered.clone(), order);
        }
        let mut statement = self.backend.build(&select);
        // LIMIT and OFFSET as literals (numbers of ours, not user text): SQLite plans with a bound
        // LIMIT's value, so it prepares such a statement again on every run.
        match (limit, offset) {
            (Some(limit), _) => statement.sql.push_str(&format!(" LIMIT {limit}")),
            // MySQL/MariaDB take no OFFSET without a LIMIT: theirs is the largest there is.
            (None, Some(_)) if self.backend == sea_orm::DbBackend::MySql => {
                statement.sql.push_str(" LIMIT 18446744073709551615")
            }
            (None, _) => {}
        }
        if let Some(offset) = offset {
            statement.sql.push_str(&format!(" OFFSET {offset}"));
        }
        statement
    }

    /// Rows after the last one read: `(k1, k2, ..., id) > (v1, v2, ..., id)` in the keys'
    /// directions, written out term by term (row values compare differently across backends),
    /// with the first key's range first so that its index can answer.
    fn after_row(&self, last: &[KeyValue]) -> SqlCondition {
        let value = |key: &Key, v: &KeyValue| -> Expr {
            let bound = match v {
                KeyValue::Integer(n) => Expr::val(*n),
                KeyValue::Float(f) => Expr::val(*f),
                KeyValue::Text(t) => Expr::val(t.as_str()),
                KeyValue::Time(t) => Expr::val(*t),
            };
            if key.field_type == FieldType::Text {
                ordered_text(self.backend, bound)
            } else {
                bound
            }
        };
        let mut any = SqlCondition::any();
        for i in 0..self.keys.len() {
            let mut term = SqlCondition::all();
            for (key, value_then) in self.keys.iter().zip(last).take(i) {
                term = term.add(key.compared.clone().eq(value(key, value_then)));
            }
            let key = &self.keys[i];
            let bound = value(key, &last[i]);
            term = term.add(if key.descending {
                key.compared.clone().lt(bound)
            } else {
                key.compared.clone().gt(bound)
            });
            any = any.add(term);
        }
        let first = &self.keys[0];
        let bound = value(first, &last[0]);
        let range = if first.descending {
            first.compared.clone().lte(bound)
        } else {
            first.compared.clone().gte(bound)
        };
        SqlCondition::all().add(range).add(any)
    }

    /// The next page of rows, or `None` when the list is complete. `source` says how rows are
    /// read; `db` still does the look-ups.
    pub async fn next_page<F: Fetch>(
        &mut self,
        db: &F,
        mut source: Source<'_, '_>,
    ) -> Result<Option<Vec<Vec<Cell>>>> {
        if self.done {
            return Ok(None);
        }
        let size = self
            .remaining
            .map_or(self.page_rows, |r| Ord::min(r, self.page_rows));
        let most = if self.indexed {
            INDEXED_PAGE_ROWS
        } else {
            UNINDEXED_PAGE_ROWS
        };
        self.page_rows = Ord::min(self.page_rows * 2, most);
        let offset = match self.by_offset {
            true => Some(self.offset.unwrap_or(0) + self.read).filter(|n| *n > 0),
            false => self.offset.take(),
        };
        let mut page = self.read_page(&mut source, size, offset).await?;
        // No rows for `posts of NAME`: no such user (the error), one with no posts, or a name that
        // differs only in case (then the page again, by that user's id).
        if let Some((author, filter)) = self.unchecked_author.take()
            && page.rows.is_empty()
            && let Some(id) = case_twin_of(db, &author).await?
        {
            self.filter = selection(
                db,
                Some(&UserRef::Id(id)),
                filter.as_ref(),
                AuthorAccess::Joined,
                &self.vocabulary,
            )
            .await?;
            if let Source::Server(stream) = &mut source {
                stream.restart();
            }
            page = self.read_page(&mut source, size, offset).await?;
        }
        let fetched = page.rows.len() as u64;
        self.read += fetched;
        if page.last_keys.is_some() && !self.by_offset {
            self.after = page.last_keys;
        }
        if let Some(remaining) = &mut self.remaining {
            *remaining -= fetched;
        }
        self.done = (fetched < size && !page.cut) || self.remaining == Some(0);
        Ok((fetched > 0).then_some(page.rows))
    }

    /// One page's cells, and the keys of its last row when the page is full (a shorter page ends
    /// the list) or was cut at `PAGE_BYTES` (the next page goes on from there). Each driver row is
    /// dropped once it is cells: a page is never held twice over.
    async fn read_page(
        &self,
        source: &mut Source<'_, '_>,
        size: u64,
        offset: Option<u64>,
    ) -> Result<Page> {
        let mut page = Page {
            rows: Vec::with_capacity(Ord::min(size, PAGE_ROWS) as usize),
            last_keys: None,
            cut: false,
        };
        let mut bytes = 0;
        // Whether to read on.
        let mut take = |row: &dyn RowRead| -> Result<bool> {
            let cells = self.cells(row)?;
            bytes += cells.iter().map(Cell::size).sum::<usize>();
            page.rows.push(cells);
            page.cut = bytes >= PAGE_BYTES && (page.rows.len() as u64) < size;
            if page.rows.len() as u64 == size || page.cut {
                page.last_keys = Some(self.key_values(row)?);
            }
            Ok(!page.cut && (page.rows.len() as u64) < size)
        };
        match source {
            Source::Sqlite(reader) => {
                reader.each_row(&adapted(self.statement(Some(size), offset)), |row| {
                    take(row)
                })?;
            }
            // The whole listing is one statement: this page is its next `size` rows.
            Source::Server(stream) => {
                let whole = || self.statement(self.remaining, offset);
                while let Some(row) = stream.next(whole).await {
                    if !take(&row?)? {
                        break;
                    }
                }
                // The page that reaches the query's own limit: the statement's end is read too,
                // so that its connection goes back to the pool (one left unread is closed).
                if self.remaining == Some(size) && page.rows.len() as u64 == size {
                    while stream.next(whole).await.transpose()?.is_some() {}
                }
            }
            // The servers enforce column lengths, so a page of rows is bounded there.
            Source::Driver(db) => {
                for row in db.query_all_raw(self.statement(Some(size), offset)).await? {
                    if !take(&row)? {
                        break;
                    }
                }
            }
        }
        Ok(page)
    }

    fn cells(&self, row: &dyn RowRead) -> Result<Vec<Cell>> {
        let mut cells = match &self.listed {
            Listed::Entity(EntityKind::User) => {
                let hash = row.text("password_hash")?;
                let mut cells = vec![
                    row.integer("id")?.into(),
                    row.required_text("username")?.into(),
                    row.required_text("email")?.into(),
                    hash.is_some().into(),
                ];
                if self.with_post_count {
                    cells.push(row.integer(POSTS_COLUMN)?.into());
                }
                for (side, _) in &self.follow_counts {
                    cells.push(row.integer(follow_column(*side))?.into());
                }
                cells
            }
            Listed::Entity(EntityKind::Post) => vec![
                row.integer("id")?.into(),
                row.timestamp("timestamp")?.into(),
                Cell::from(row.text("author")?),
                row.required_text("body")?.into(),
            ],
            Listed::Table(_) => Vec::with_capacity(self.extras.len()),
        };
        for (i, column) in self.extras.iter().enumerate() {
            cells.push(row.cell(&format!("x{i}"), &column.kind)?);
        }
        Ok(cells)
    }

    fn key_values(&self, row: &dyn RowRead) -> Result<Vec<KeyValue>> {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let name = key.shown_as.map_or_else(|| format!("k{i}"), str::to_string);
                Ok(match key.field_type {
                    FieldType::Text | FieldType::Date => KeyValue::Text(row.required_text(&name)?),
                    FieldType::Timestamp => KeyValue::Time(row.timestamp(&name)?),
                    FieldType::Float => match row.cell(&name, &ColumnKind::Float)? {
                        Cell::Float(f) => KeyValue::Float(f),
                        Cell::Int(n) => KeyValue::Float(n as f64),
                        other => {
                            return Err(Error::new(format!(
                                "a sort key read as {other:?}, not a number"
                            )));
                        }
                    },
                    FieldType::Integer
                    | FieldType::Boolean
                    | FieldType::Secret
                    | FieldType::User
                    | FieldType::UserKey => KeyValue::Integer(row.integer(&name)?),
                })
            })
            .collect()
    }
}

fn user_table() -> &'static str {
    crate::command::vocabulary::USER_TABLE
}

fn post_table() -> &'static str {
    crate::command::vocabulary::POST_TABLE
}

fn follow_column(side: FollowSide) -> &'static str {
    match side {
        FollowSide::Followers => FOLLOWERS_COLUMN,
        FollowSide::Following => FOLLOWING_COLUMN,
    }
}

/// The keys one `order by` field sorts by. A count is computed once per row, as its shown column,
/// and sorted by that column's name (every backend's ORDER BY takes an output column's name). A
/// column that may be NULL sorts by two keys, "is it NULL" and its value with NULL as a stand-in,
/// so the pages can continue after a NULL and NULLs come last on every backend.
fn sort_keys(sql: &Sql<'_>, sort: &Sort) -> Vec<Key> {
    let shown_as = match &sort.field {
        Field::User(UserField::Posts) => Some(POSTS_COLUMN),
        Field::User(UserField::Followers) => Some(FOLLOWERS_COLUMN),
        Field::User(UserField::Following) => Some(FOLLOWING_COLUMN),
        _ => None,
    };
    let nullable = sort.field.live_column().filter(|c| c.nullable);
    let Some(column) = nullable else {
        return vec![Key {
            ordered: match shown_as {
                Some(column) => Expr::col(Alias::new(column)),
                None => sql.sort_key(&sort.field),
            },
            compared: sql.sort_key(&sort.field),
            value: sql.sort_value(&sort.field),
            shown_as,
            field_type: sort.field.field_type(),
            descending: sort.descending,
        }];
    };
    let field = sql.field(&sort.field);
    let missing: SimpleExpr = Expr::case(field.clone().is_null(), 1).finally(0).into();
    let stand_in = stand_in(sql.backend, &column.kind, sort.field.field_type());
    let value: Expr = Func::coalesce([field, stand_in]).into();
    let compared = match sort.field.field_type() {
        FieldType::Text => sql.ordered_text(value.clone()),
        _ => value.clone(),
    };
    let read = match (&sort.field, sql.backend) {
        (_, DbBackend::Sqlite) => value.clone(),
        (Field::Table(TableField { .. }) | Field::User(_) | Field::Post(_), _) => {
            read_cast(sql.backend, &column.kind, value.clone())
        }
    };
    vec![
        Key {
            ordered: missing.clone(),
            compared: missing.clone(),
            value: missing,
            shown_as: None,
            field_type: FieldType::Integer,
            descending: false,
        },
        Key {
            ordered: compared.clone(),
            compared,
            value: read,
            shown_as: None,
            field_type: sort.field.field_type(),
            descending: sort.descending,
        },
    ]
}

/// What a NULL sorts as, beside the "is NULL" key that puts it last: any value of the type.
fn stand_in(backend: DbBackend, kind: &ColumnKind, field_type: FieldType) -> Expr {
    match (field_type, kind, backend) {
        (FieldType::Timestamp, _, DbBackend::Sqlite) => Expr::val("1000-01-01 00:00:00.000000"),
        (FieldType::Timestamp, _, _) => Expr::val(
            chrono::NaiveDate::from_ymd_opt(1000, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_default(),
        ),
        (FieldType::Float, _, _) => Expr::val(0.0f64),
        (FieldType::Text | FieldType::Date, _, _) => Expr::val(""),
        (FieldType::Boolean, _, DbBackend::Postgres) => Expr::val(false),
        _ => Expr::val(0),
    }
}

/// A key's value cast to the type it is read back as on the servers (see `read_live_column`).
fn read_cast(backend: DbBackend, kind: &ColumnKind, value: Expr) -> Expr {
    let template = match (kind, backend) {
        (ColumnKind::Integer | ColumnKind::Boolean, DbBackend::Postgres) => "CAST($1 AS BIGINT)",
        (ColumnKind::Integer | ColumnKind::Boolean, _) => "CAST($1 AS SIGNED)",
        (ColumnKind::Float, DbBackend::Postgres) => "CAST($1 AS DOUBLE PRECISION)",
        (ColumnKind::Float, _) => "CAST($1 AS DOUBLE)",
        (ColumnKind::Text { .. } | ColumnKind::Date | ColumnKind::Other, DbBackend::MySql) => {
            "CAST($1 AS CHAR)"
        }
        _ => return value,
    };
    match backend {
        DbBackend::Postgres => Expr::cust_with_exprs(template, [value]),
        _ => Expr::cust_with_exprs(template.replace("$1", "?"), [value]),
    }
}

/// `followers of USER`: the users on the other side of the follow relation from USER.
pub async fn related_by_follows<F: Fetch>(
    db: &F,
    vocabulary: &Vocabulary,
    side: FollowSide,
    user: &UserRef,
) -> Result<SqlCondition> {
    let Some(follows) = vocabulary.follows() else {
        return Err(no_follows());
    };
    let id = find_user(db, user).await?.id;
    let (about, listed) = follow_columns(follows, side);
    let table = Alias::new(&follows.table);
    let related = Query::select()
        .column((table.clone(), Alias::new(listed)))
        .from(table.clone())
        .and_where(Expr::col((table, Alias::new(about))).eq(id))
        .to_owned();
    Ok(SqlCondition::all().add(Expr::col((user::Entity, user::Column::Id)).in_subquery(related)))
}

/// Said where the database has no follow relation.
pub fn no_follows() -> Error {
    Error::new(
        "this database has no followers table (the tutorial adds it in chapter 8): there is no \
         one to follow or be followed",
    )
}

/// The rows `rows of TABLE [for USER] [where ...]` selects.
pub async fn table_selection<F: Fetch>(
    db: &F,
    query: &TableQuery,
    vocabulary: &Vocabulary,
) -> Result<SqlCondition> {
    let users = users_named(db, query.filter.as_ref()).await?;
    let sql = Sql {
        backend: db.backend(),
        author: AuthorAccess::Joined,
        users: &users,
        follows: vocabulary.follows(),
    };
    let mut condition = SqlCondition::all();
    if let Some(owner) = &query.of {
        let (target, what) = match owner {
            Owner::User(_) => (user_table(), "a user"),
            Owner::Post(_) => (post_table(), "a post"),
        };
        let keys = query.table.columns_to(target);
        if keys.is_empty() {
            return Err(Error::new(format!(
                "table {} has no column that holds {what} (no foreign key to {target}): use where",
                crate::command::clause::shown_name(&query.table.name)
            )));
        }
        let id = match owner {
            Owner::User(user) => find_user(db, user).await?.id,
            // A post that is not there has no rows here: an empty list, as `where` would give.
            Owner::Post(id) => *id,
        };
        let table = Alias::new(&query.table.name);
        condition = condition.add(keys.into_iter().fold(SqlCondition::any(), |any, key| {
            any.add(Expr::col((table.clone(), Alias::new(key))).eq(id))
        }));
    }
    if let Some(filter) = &query.filter {
        condition = condition.add(sql.condition(filter)?);
    }
    Ok(condition)
}

/// Where a page's rows come from.
pub enum Source<'s, 'a> {
    /// Through SeaORM, a page per statement: inside a transaction, an in-memory SQLite database.
    Driver(Conn<'s>),
    /// SQLite's reader on this thread, a page per statement (`sqlite_direct`).
    Sqlite(&'s sqlite_direct::Reader),
    /// PostgreSQL and MySQL/MariaDB: the whole listing as one statement (`server_stream`).
    Server(&'s mut ServerStream<'a>),
}

/// What `read_page` gives.
struct Page {
    rows: Vec<Vec<Cell>>,
    last_keys: Option<Vec<KeyValue>>,
    /// Ended at `PAGE_BYTES`, before the rows ran out.
    cut: bool,
}
