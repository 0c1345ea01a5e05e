//! "users table": the `user` table with its two unique indexes.

use sea_orm_migration::prelude::*;

use crate::columns::id_column;

/// The migration this one was written after (`migrate check` finds two written after the same one).
pub const WRITTEN_AFTER: Option<&str> = None;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum User {
    Table,
    Id,
    Username,
    Email,
    PasswordHash,
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
                    .table(User::Table)
                    .col(id_column(backend, User::Id))
                    .col(ColumnDef::new(User::Username).string_len(64).not_null())
                    .col(ColumnDef::new(User::Email).string_len(120).not_null())
                    .col(ColumnDef::new(User::PasswordHash).string_len(256).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_user_email")
                    .table(User::Table)
                    .col(User::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_user_username")
                    .table(User::Table)
                    .col(User::Username)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(User::Table).to_owned())
            .await
    }
}
