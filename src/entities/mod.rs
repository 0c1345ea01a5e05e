//! The microblog's data model as SeaORM 2.x entities: a user has many posts, a post belongs to its
//! author. This is the one declaration of the shell's own schema: the migrations (`generate
//! --autogenerate`) and their expected schema (`migrate check`) are read from here. The command
//! language names some columns itself, for the meaning they have (an id, a username, a password's
//! hash, a post's author: [`named_columns`]); every other column, one an entity declares beyond
//! those or one only the database has (a later chapter's), is data read from the live catalog
//! (`command::vocabulary`), shown after them and usable in `where`, `order by`, `set` and `with`.

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

/// The columns the command language names itself (`UserColumn`, `PostColumn`), in its order.
/// Each is one the entity declares (a test holds them to it); the entity's others are data.
pub fn named_columns(kind: EntityKind) -> Vec<String> {
    use crate::command::query::{PostColumn, UserColumn};
    match kind {
        EntityKind::User => UserColumn::ALL.iter().map(|c| c.name().into()).collect(),
        EntityKind::Post => PostColumn::ALL.iter().map(|c| c.name().into()).collect(),
    }
}

/// Every entity with its table and columns, for `help` and `context`.
pub fn descriptions() -> Vec<EntityDescription> {
    descriptions_in(&Vocabulary::default())
}

/// The same, with the columns the live database has after the named ones.
pub fn descriptions_in(vocabulary: &Vocabulary) -> Vec<EntityDescription> {
    EntityKind::ALL
        .into_iter()
        .map(|kind| EntityDescription {
            kind,
            table: table_name(kind).to_string(),
            columns: named_columns(kind)
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

    #[test]
    fn every_named_column_is_declared_by_its_entity_in_the_same_order() {
        for kind in EntityKind::ALL {
            let (named, declared) = (named_columns(kind), columns(kind));
            assert_eq!(named, declared[..named.len()], "{kind:?}");
        }
    }
}
