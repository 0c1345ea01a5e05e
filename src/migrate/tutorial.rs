//! The Flask Mega-Tutorial's own Alembic revisions (its repository's `migrations/versions`, one tag
//! per chapter): a database Flask-Migrate manages at one of them has that chapter's schema, which
//! `migrate status` names.

/// `(revision, chapter, message)`, in the order the tutorial adds them.
pub const REVISIONS: [(&str, u32, &str); 9] = [
    ("e517276bb1c2", 4, "users table"),
    ("780739b227a7", 4, "posts table"),
    ("37f06a334dbf", 6, "new fields in user model"),
    ("ae346256b650", 8, "followers"),
    ("2b017edaa91f", 14, "add language to posts"),
    ("d049de007ccf", 21, "private messages"),
    ("f7ac3d27bb1d", 21, "notifications"),
    ("c81bac34faab", 22, "tasks"),
    ("834b1a697901", 23, "user tokens"),
];

/// What the database's Alembic revision says of its schema, for `status`.
pub fn schema_of(revision: &str) -> String {
    match REVISIONS.iter().find(|(r, _, _)| *r == revision) {
        Some((_, chapter, message)) => {
            format!("the tutorial's chapter {chapter} schema (its migration \"{message}\")")
        }
        None => "not one of the tutorial's own revisions: its live schema is taken as the app's, \
                 and what the shell does not declare is kept"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revision_names_its_chapter() {
        assert_eq!(
            schema_of("834b1a697901"),
            "the tutorial's chapter 23 schema (its migration \"user tokens\")"
        );
        assert!(schema_of("ae346256b650").contains("chapter 8"));
        assert!(schema_of("0123456789ab").starts_with("not one of the tutorial's"));
    }
}
