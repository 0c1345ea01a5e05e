//! The microblog schema as sea-orm-migration migrations, in the tutorial's order.
//!
//! The tables and index names match what Flask-SQLAlchemy + Flask-Migrate create for chapter 4 of the
//! Flask Mega-Tutorial, so the shell can work on a database that the Flask app made and the other way
//! round. `columns.rs` holds the column helpers that keep the types identical per backend.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20240101_000001_users_table;
mod m20240101_000002_posts_table;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20240101_000001_users_table::Migration),
            Box::new(m20240101_000002_posts_table::Migration),
        ]
    }
}

/// The human message of a migration, Alembic style ("users table"), taken from its file name.
pub fn message_of(name: &str) -> String {
    // m20240101_000001_users_table -> "users table"
    name.splitn(3, '_').nth(2).unwrap_or(name).replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_in_the_tutorials_order_with_its_messages() {
        let messages: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| message_of(m.name()))
            .collect();
        assert_eq!(messages, ["users table", "posts table"]);
    }

    #[test]
    fn message_of_a_name_without_prefix_is_the_name() {
        assert_eq!(message_of("plain"), "plain");
    }
}
