//! Alembic-style messages ("users table") for migrations, derived from their file names.

/// The human message of a migration, Alembic style ("users table"), taken from its file name.
pub fn message_of(name: &str) -> String {
    // m20240101_000001_users_table -> "users table"
    name.splitn(3, '_').nth(2).unwrap_or(name).replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Migrator;
    use sea_orm_migration::MigratorTrait;

    #[test]
    fn migrations_are_in_the_tutorials_order_with_its_messages() {
        let messages: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| message_of(m.name()))
            .collect();
        assert_eq!(
            messages,
            ["users table", "posts table", "author timeline index"]
        );
    }

    #[test]
    fn the_lineage_names_every_migration_in_order_each_after_the_one_before() {
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        let lineage = crate::lineage();
        assert_eq!(
            lineage
                .iter()
                .map(|(name, _)| name.to_string())
                .collect::<Vec<_>>(),
            names
        );
        let mut previous = None;
        for (name, after) in lineage {
            assert_eq!(after, previous, "{name}");
            previous = Some(name);
        }
    }

    #[test]
    fn message_of_a_name_without_prefix_is_the_name() {
        assert_eq!(message_of("plain"), "plain");
    }
}
