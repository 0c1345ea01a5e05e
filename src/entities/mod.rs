//! The microblog's data model as SeaORM 2.x entities: a user has many posts, a post belongs to its
//! author. Everything else in the shell that needs to know the schema (the command words, `context`,
//! `describe`, `help`, completion) reads it from here through [`EntityKind`].

pub mod post;
pub mod user;

pub use post::Entity as Post;
pub use user::Entity as User;

use sea_orm::{EntityName, Iden, Iterable};

/// The entities the shell knows, by the words a user types for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    User,
    Post,
}

impl EntityKind {
    pub const ALL: [EntityKind; 2] = [EntityKind::User, EntityKind::Post];

    /// `user`/`users`, `post`/`posts`, in any case.
    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| {
            word.eq_ignore_ascii_case(kind.singular()) || word.eq_ignore_ascii_case(kind.plural())
        })
    }

    pub fn singular(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Post => "post",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            EntityKind::User => "users",
            EntityKind::Post => "posts",
        }
    }

    /// The table, as the entity declares it.
    pub fn table_name(self) -> &'static str {
        match self {
            EntityKind::User => User.table_name(),
            EntityKind::Post => Post.table_name(),
        }
    }

    /// The columns, in the entity's order.
    pub fn columns(self) -> Vec<String> {
        match self {
            EntityKind::User => user::Column::iter().map(|c| c.to_string()).collect(),
            EntityKind::Post => post::Column::iter().map(|c| c.to_string()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_tables_and_columns_come_from_the_entities() {
        assert_eq!(EntityKind::from_word("Users"), Some(EntityKind::User));
        assert_eq!(EntityKind::from_word("POST"), Some(EntityKind::Post));
        assert_eq!(EntityKind::from_word("comments"), None);
        assert_eq!(EntityKind::User.table_name(), "user");
        assert_eq!(
            EntityKind::User.columns(),
            ["id", "username", "email", "password_hash"]
        );
        assert_eq!(
            EntityKind::Post.columns(),
            ["id", "body", "timestamp", "user_id"]
        );
    }
}
