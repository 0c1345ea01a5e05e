//! `post`: what a user writes, at most 140 characters, stamped with the UTC time it was created.

use chrono::{SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(140))")]
    pub body: String,
    /// Naive UTC, as SQLAlchemy's `DateTime` column holds it.
    #[sea_orm(indexed)]
    pub timestamp: DateTime,
    #[sea_orm(indexed)]
    pub user_id: i32,
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub author: BelongsTo<super::user::Entity>,
}

/// Indexes over several columns, which the column attributes cannot declare: the shell's own,
/// beyond the tutorial's schema (migration `author timeline index`), so `posts of USER` reads a
/// user's newest posts from one index.
pub const COMPOSITE_INDEXES: &[(&str, &[&str])] =
    &[("ix_post_user_id_timestamp", &["user_id", "timestamp"])];

/// Now in UTC, to the microsecond: the precision that SQLAlchemy writes and PostgreSQL keeps.
pub fn now_utc() -> DateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// A post created without a timestamp gets the current UTC time, as the Flask model's
    /// `default=lambda: datetime.now(timezone.utc)` does.
    async fn before_save<C>(mut self, _db: &C, insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if insert && self.timestamp.is_not_set() {
            self.timestamp = Set(now_utc());
        }
        Ok(self)
    }
}
