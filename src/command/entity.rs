//! The entities by the words a user types for them (`user`/`users`, `post`/`posts`). Their tables
//! and columns are declared once, by the SeaORM entities (`src/entities`); this is only what
//! the grammar needs to name them.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    User,
    Post,
}

impl EntityKind {
    pub const ALL: [EntityKind; 2] = [EntityKind::User, EntityKind::Post];

    /// `user`/`users`, `post`/`posts`, in any case.
    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.is_named(word))
    }

    pub fn is_named(self, word: &str) -> bool {
        word.eq_ignore_ascii_case(self.singular()) || word.eq_ignore_ascii_case(self.plural())
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

    /// `User`, `Post`: the entity as `flask shell` preloads it.
    pub fn class_name(self) -> &'static str {
        match self {
            EntityKind::User => "User",
            EntityKind::Post => "Post",
        }
    }
}

/// An entity as `help` and `context` describe it: its table and columns, from the entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityDescription {
    pub kind: EntityKind,
    pub table: String,
    pub columns: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_numbers_in_any_case() {
        assert_eq!(EntityKind::from_word("Users"), Some(EntityKind::User));
        assert_eq!(EntityKind::from_word("POST"), Some(EntityKind::Post));
        assert_eq!(EntityKind::from_word("comments"), None);
    }
}
