//! Where a lookup's models (and a count's number) come from: any SeaORM connection, or (on SQLite, outside a transaction)
//! the session's direct reader first, which answers without opening sqlx's connection at all (see
//! `route::Route`). Lookups such as `queries::find_user` are written once against
//! [`Fetch`], so both ways follow the same rules.

use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Select, Statement, TryIntoModel,
};

use crate::command::vocabulary::ColumnKind;
use crate::db::sql::row::{RowRead, integer};
use crate::error::Result;
use crate::render::Cell;

/// Columns `x0`, `x1`, ... of a row, as cells of these kinds.
pub fn cells_of(row: &dyn RowRead, kinds: &[ColumnKind]) -> Result<Vec<Cell>> {
    kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| row.cell(&format!("x{i}"), kind))
        .collect()
}

/// Reads the models of a select.
pub trait Fetch {
    fn backend(&self) -> DbBackend;

    /// Every model the select finds.
    fn all<E>(&self, select: Select<E>) -> impl Future<Output = Result<Vec<E::Model>>>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>;

    /// The first column of the first row as an integer (a count), `None` if there is no row.
    fn first_integer(&self, select: &SelectStatement) -> impl Future<Output = Result<Option<i64>>>;

    /// The first row's columns `x0`, `x1`, ... as cells of these kinds (the columns the entities
    /// do not declare), `None` if there is no row.
    fn first_cells(
        &self,
        select: &SelectStatement,
        kinds: &[ColumnKind],
    ) -> impl Future<Output = Result<Option<Vec<Cell>>>>;

    /// The first model the select finds (`LIMIT 1`, as SeaORM's `one` sends it).
    fn one<E>(&self, select: Select<E>) -> impl Future<Output = Result<Option<E::Model>>>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        async { Ok(self.all(select.limit(1)).await?.into_iter().next()) }
    }
}

/// The first column of the first row a statement reads, as an integer.
pub async fn first_integer_of<C: ConnectionTrait>(
    db: &C,
    statement: Statement,
) -> Result<Option<i64>> {
    match db.query_one_raw(statement).await? {
        Some(row) => Ok(Some(integer(&row, 0)?)),
        None => Ok(None),
    }
}

impl<C: ConnectionTrait> Fetch for C {
    fn backend(&self) -> DbBackend {
        self.get_database_backend()
    }

    async fn all<E>(&self, select: Select<E>) -> Result<Vec<E::Model>>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        Ok(select.all(self).await?)
    }

    async fn first_integer(&self, select: &SelectStatement) -> Result<Option<i64>> {
        first_integer_of(self, self.get_database_backend().build(select)).await
    }

    async fn first_cells(
        &self,
        select: &SelectStatement,
        kinds: &[ColumnKind],
    ) -> Result<Option<Vec<Cell>>> {
        let statement = self.get_database_backend().build(select);
        match self.query_one_raw(statement).await? {
            Some(row) => Ok(Some(cells_of(&row, kinds)?)),
            None => Ok(None),
        }
    }

    async fn one<E>(&self, select: Select<E>) -> Result<Option<E::Model>>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        Ok(select.one(self).await?)
    }
}
