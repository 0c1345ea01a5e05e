//! The microblog schema as sea-orm-migration migrations, in the tutorial's order.
//!
//! The tables and index names match what Flask-SQLAlchemy + Flask-Migrate create for chapter 4 of the
//! Flask Mega-Tutorial, so the shell can work on a database that the Flask app made and the other way
//! round. `columns.rs` holds the column helpers that keep the types identical per backend.
//!
//! Keep this file in the shape sea-orm-cli expects: `generate` rewrites from the migration list to
//! the file's last `]`, so nothing with brackets may follow the migration list.
//!
//! Each migration file says which migration it was written after (`WRITTEN_AFTER`), and
//! [`lineage`] lists them: two people who each generate a migration on their own branch both
//! write after the same one, and once merged, `shell migrate check` says so instead of applying
//! them in an order nobody chose. The lists here are lines of their own, so the repository's
//! `.gitattributes` can merge this file by keeping both sides' lines.

pub use messages::message_of;
pub use sea_orm_migration::prelude::*;

mod columns;
mod m20240101_000001_users_table;
mod m20240101_000002_posts_table;
mod m20261125_000001_author_timeline_index;
mod messages;

/// The last migration whose schema is exactly the one the Flask app's models make: a database
/// that Flask-Migrate created is stamped up to here, and `migrate up` adds the rest.
pub const TUTORIAL_SCHEMA: &str = "m20240101_000002_posts_table";

/// `(name, written after)` for each migration module named.
macro_rules! written_after {
    ($($migration:ident),* $(,)?) => {
        vec![$((stringify!($migration), $migration::WRITTEN_AFTER)),*]
    };
}

/// Each migration with the one it was written after, in the migration list's order.
pub fn lineage() -> Vec<(&'static str, Option<&'static str>)> {
    written_after!(
        m20240101_000001_users_table,
        m20240101_000002_posts_table,
        m20261125_000001_author_timeline_index,
    )
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20240101_000001_users_table::Migration),
            Box::new(m20240101_000002_posts_table::Migration),
            Box::new(m20261125_000001_author_timeline_index::Migration),
        ]
    }
}
