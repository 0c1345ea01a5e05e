//! "author timeline index": `ix_post_user_id_timestamp` on `post (user_id, timestamp)`, so that
//! `posts of USER` reads a user's newest posts straight from one index, however many posts the
//! user and the table have. The tutorial's schema stops at the migration before this one (see
//! `TUTORIAL_SCHEMA`); this index is the shell's own.

use sea_orm_migration::prelude::*;

/// The migration this one was written after (`migrate check` finds two written after the same one).
pub const WRITTEN_AFTER: Option<&str> = Some("m20240101_000002_posts_table");

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_post_user_id_timestamp")
                    .table("post")
                    .col("user_id")
                    .col("timestamp")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_post_user_id_timestamp")
                    .table("post")
                    .to_owned(),
            )
            .await
    }
}
