//! `user`: the people who write posts.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique, indexed, column_type = "String(StringLen::N(64))")]
    pub username: String,
    #[sea_orm(unique, indexed, column_type = "String(StringLen::N(120))")]
    pub email: String,
    #[sea_orm(column_type = "String(StringLen::N(256))", nullable)]
    pub password_hash: Option<String>,
    #[sea_orm(has_many)]
    pub posts: HasMany<super::post::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Columns of later chapters' `User` that the tutorial's model fills on the Python side
/// (`default=lambda: datetime.now(timezone.utc)`), never in the database: where the database has
/// them and a command that adds a user does not set them, the shell fills them with now in UTC,
/// as the app would (its `to_dict` reads `last_seen` of every user).
pub const FILLED_BY_THE_APP: &[&str] = &["last_seen"];
