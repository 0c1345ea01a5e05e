//! "posts table": the `post` table, its indexes and the foreign key to `user`.

use sea_orm_migration::prelude::*;

use crate::columns::{id_column, timestamp_column};
use crate::m20240101_000001_users_table::User;

/// The migration this one was written after (`migrate check` finds two written after the same one).
pub const WRITTEN_AFTER: Option<&str> = Some("m20240101_000001_users_table");

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Post {
    Table,
    Id,
    Body,
    Timestamp,
    UserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // SQLite runs DDL outside a transaction unless asked: a failure half-way must leave nothing behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Post::Table)
                    .col(id_column(backend, Post::Id))
                    .col(ColumnDef::new(Post::Body).string_len(140).not_null())
                    .col(timestamp_column(backend, Post::Timestamp))
                    .col(ColumnDef::new(Post::UserId).integer().not_null())
                    // Unnamed, as SQLAlchemy declares it; each backend names it its own way.
                    .foreign_key(
                        ForeignKey::create()
                            .from(Post::Table, Post::UserId)
                            .to(User::Table, User::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_post_timestamp")
                    .table(Post::Table)
                    .col(Post::Timestamp)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_post_user_id")
                    .table(Post::Table)
                    .col(Post::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Post::Table).to_owned())
            .await
    }
}
