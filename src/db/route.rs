//! Where a command's reads go, decided in one place ([`Session::route`]): the user's open
//! transaction, the connection, or, on an SQLite file outside a transaction, the shell's own
//! read-only reader on this thread first (`sqlite_direct`), with sqlx's connection (opened then)
//! for what the reader declines. On SQLite in a transaction, the transaction's own connection is
//! read the same way, borrowed on this thread (`sqlite::borrowed`), sqlx in the transaction
//! taking what it declines. A [`Route`] is one type for all three: lookups and counts are
//! written once against [`Fetch`], and a listing's [`Pages`] are read along the route the session
//! chose for it, handed to the renderer as they are.

use sea_orm::sea_query::SelectStatement;
use sea_orm::{DbBackend, EntityTrait, QueryTrait, Select, TryIntoModel};

use super::connection::config::Backend;
use super::session::Session;
use super::sql::conn::Conn;
use super::sql::fetch::{Fetch, cells_of, first_integer_of};
use super::sql::listing::{Listing, Source};
use super::sql::server_stream::ServerStream;
use super::sqlite::borrowed::Borrowed;
use super::sqlite::flask_sqlite;
use super::sqlite::sqlite_direct::Reader;
use crate::command::vocabulary::ColumnKind;
use crate::error::Result;
use crate::render::{Cell, PageSource};

/// Where a command's reads go.
pub(super) enum Route<'s> {
    /// Through sqlx: the open transaction (or a command's savepoint in it), or the connection.
    Sqlx(Conn<'s>),
    /// An SQLite file outside a transaction: the reader first, sqlx's connection for rows it
    /// declines to decode.
    Reader {
        reader: &'s Reader,
        session: &'s Session,
    },
    /// An SQLite file in a transaction: its connection, borrowed on this thread
    /// (`sqlite::borrowed`), and sqlx on it (the transaction) for rows the reader declines.
    Borrowed {
        borrowed: &'s Borrowed,
        sqlx: Conn<'s>,
    },
}

impl<'s> Route<'s> {
    /// sqlx's side of the route, for what only sqlx reads (`get post`, `describe`, ...): on an
    /// SQLite file, its connection, opened now if it is not yet.
    pub(super) async fn conn(&self) -> Result<Conn<'s>> {
        Ok(match self {
            Route::Sqlx(conn) => *conn,
            Route::Reader { .. } | Route::Borrowed { .. } => self.sqlx().await?.data(),
        })
    }

    /// The reader on this thread, if the route has one.
    fn reader(&self) -> Option<&Reader> {
        match self {
            Route::Sqlx(_) => None,
            Route::Reader { reader, .. } => Some(reader),
            Route::Borrowed { borrowed, .. } => Some(borrowed.reader()),
        }
    }

    /// sqlx beside the reader, for what it declines: statements already recorded and adapted.
    async fn sqlx(&self) -> Result<Conn<'s>> {
        Ok(match self {
            Route::Sqlx(conn) => *conn,
            Route::Reader { session, .. } => Conn::connection(session.connection().await?),
            Route::Borrowed { sqlx, .. } => *sqlx,
        })
    }
}

impl Session {
    /// The route of a read outside a savepoint: the open transaction (on SQLite its connection
    /// borrowed on this thread); else the SQLite reader where there is one (an SQLite file);
    /// else the connection.
    pub(super) async fn route(&self) -> Result<Route<'_>> {
        if let Some(open) = self.open_transaction() {
            return Ok(match self.borrowed_route() {
                Some(borrowed) => borrowed,
                None => Route::Sqlx(Conn::transaction(open).data()),
            });
        }
        Ok(match self.reader().await {
            Some(reader) => Route::Reader {
                reader,
                session: self,
            },
            None => Route::Sqlx(Conn::connection(self.connection().await?).data()),
        })
    }

    /// On an SQLite file in a transaction: the route through its connection, borrowed on this
    /// thread (`sqlite::borrowed`).
    pub(super) fn borrowed_route(&self) -> Option<Route<'_>> {
        let open = self.open_transaction()?;
        Some(Route::Borrowed {
            borrowed: self.borrowed()?,
            sqlx: Conn::transaction(open),
        })
    }

    /// Where the shell's own statements run now (not a data command's: unrecorded, as sent):
    /// the open transaction if there is one, else the connection.
    pub(super) async fn conn(&self) -> Result<Conn<'_>> {
        Ok(match self.open_transaction() {
            Some(open) => Conn::transaction(open),
            None => Conn::connection(self.connection().await?),
        })
    }

    /// A listing's pages, read along the route of a read: on PostgreSQL and MySQL/MariaDB outside
    /// a transaction, the whole listing as one statement streamed (`server_stream`).
    pub(super) async fn pages(&self, listing: Listing) -> Result<Pages<'_>> {
        let route = self.route().await?;
        let stream = match (&route, self.open_transaction()) {
            (Route::Sqlx(_), None) if self.target.backend != Backend::Sqlite => {
                ServerStream::on(self.connection().await?, self.target.backend)
            }
            _ => None,
        };
        Ok(Pages {
            listing,
            route,
            stream,
        })
    }

    /// A listing's pages one statement each (`explain`: the plan shown is the statement's).
    pub(super) async fn pages_one_by_one(&self, listing: Listing) -> Result<Pages<'_>> {
        Ok(Pages {
            listing,
            route: self.route().await?,
            stream: None,
        })
    }
}

impl Fetch for Route<'_> {
    fn backend(&self) -> DbBackend {
        match self {
            Route::Sqlx(conn) => conn.backend(),
            Route::Reader { .. } | Route::Borrowed { .. } => DbBackend::Sqlite,
        }
    }

    async fn all<E>(&self, select: Select<E>) -> Result<Vec<E::Model>>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        let Some(reader) = self.reader() else {
            return self.conn().await?.all(select).await;
        };
        // Recorded once here (`echo sql`, `explain`), whichever way it is then read.
        let statement = flask_sqlite::adapted(select.build(DbBackend::Sqlite));
        if let Some(models) = reader.models::<E>(&statement)? {
            return Ok(models);
        }
        let db = &self.sqlx().await?;
        Ok(E::find().from_raw_sql(statement).all(db).await?)
    }

    async fn first_integer(&self, select: &SelectStatement) -> Result<Option<i64>> {
        let Some(reader) = self.reader() else {
            return self.conn().await?.first_integer(select).await;
        };
        let statement = flask_sqlite::adapted(DbBackend::Sqlite.build(select));
        if let Some(first) = reader.first_integer(&statement)? {
            return Ok(first);
        }
        first_integer_of(&self.sqlx().await?, statement).await
    }

    /// On the reader alone: its cells are sqlx's (`row::Stored`), for any value.
    async fn first_cells(
        &self,
        select: &SelectStatement,
        kinds: &[ColumnKind],
    ) -> Result<Option<Vec<Cell>>> {
        let Some(reader) = self.reader() else {
            return self.conn().await?.first_cells(select, kinds).await;
        };
        let statement = flask_sqlite::adapted(DbBackend::Sqlite.build(select));
        let mut first = None;
        reader.each_row(&statement, |row| {
            first = Some(cells_of(row, kinds)?);
            Ok(false)
        })?;
        Ok(first)
    }
}

/// A listing being read, page by page, along its route.
pub struct Pages<'s> {
    listing: Listing,
    route: Route<'s>,
    /// PostgreSQL and MySQL/MariaDB outside a transaction: the listing's one statement.
    stream: Option<ServerStream<'s>>,
}

impl PageSource for Pages<'_> {
    fn columns(&self) -> Vec<String> {
        self.listing.columns()
    }

    async fn next_page(&mut self) -> Result<Option<Vec<Vec<Cell>>>> {
        let source = match (&mut self.stream, &self.route) {
            (Some(stream), _) => Source::Server(stream),
            (None, Route::Reader { reader, .. }) => Source::Sqlite(reader),
            (None, Route::Borrowed { borrowed, .. }) => Source::Sqlite(borrowed.reader()),
            (None, Route::Sqlx(conn)) => Source::Driver(*conn),
        };
        self.listing.next_page(&self.route, source).await
    }
}
