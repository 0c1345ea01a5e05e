//! Where a lookup's models come from: any SeaORM connection, or (on SQLite, outside a transaction)
//! the session's direct reader first, which answers without opening sqlx's connection at all (see
//! `session::ReaderFirst`). Lookups such as `queries::find_user` are written once against
//! [`Fetch`], so both ways follow the same rules.

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Select, TryIntoModel};

use crate::error::Result;

/// Reads the models of a select.
pub trait Fetch {
    fn backend(&self) -> DbBackend;

    /// Every model the select finds.
    fn all<E>(&self, select: Select<E>) -> impl Future<Output = Result<Vec<E::Model>>>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>;

    /// The first model the select finds (`LIMIT 1`, as SeaORM's `one` sends it).
    fn one<E>(&self, select: Select<E>) -> impl Future<Output = Result<Option<E::Model>>>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        async { Ok(self.all(select.limit(1)).await?.into_iter().next()) }
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

    async fn one<E>(&self, select: Select<E>) -> Result<Option<E::Model>>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        Ok(select.one(self).await?)
    }
}
