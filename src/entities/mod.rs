//! The microblog's data model as SeaORM 2.x entities: a user has many posts, a post belongs to its
//! author. This is the one declaration of the shell's own schema: the migrations' expected schema
//! (`migrate check`), `context` and `help` read tables and columns from here, for the entities the
//! command language names ([`EntityKind`]). What a later chapter adds (columns, tables) is read
//! from the live catalog instead (`command::vocabulary`), and shown after these.

pub mod post;
pub mod user;

pub use post::Entity as Post;
pub use user::Entity as User;

use sea_orm::{EntityName, Iden, Iterable};

use crate::command::{EntityDescription, EntityKind, Vocabulary};

/// The table, as the entity declares it.
pub fn table_name(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => User.table_name(),
        EntityKind::Post => Post.table_name(),
    }
}

/// The columns, in the entity's order.
pub fn columns(kind: EntityKind) -> Vec<String> {
    match kind {
        EntityKind::User => user::Column::iter().map(|c| c.to_string()).collect(),
        EntityKind::Post => post::Column::iter().map(|c| c.to_string()).collect(),
    }
}

/// Every entity with its table and columns, for `help` and `context`.
pub fn descriptions() -> Vec<EntityDescription> {
    descriptions_in(&Vocabulary::default())
}

/// The same, with the columns the live database adds after the declared ones.
pub fn descriptions_in(vocabulary: &Vocabulary) -> Vec<EntityDescription> {
    EntityKind::ALL
        .into_iter()
        .map(|kind| EntityDescription {
            kind,
            table: table_name(kind).to_string(),
            columns: columns(kind)
                .into_iter()
                .chain(vocabulary.extras(kind).iter().map(|c| c.name.clone()))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_columns_come_from_the_entities() {
        assert_eq!(table_name(EntityKind::User), "user");
        assert_eq!(
            columns(EntityKind::User),
            ["id", "username", "email", "password_hash"]
        );
        assert_eq!(
            columns(EntityKind::Post),
            ["id", "body", "timestamp", "user_id"]
        );
        assert_eq!(descriptions().len(), EntityKind::ALL.len());
    }
}
