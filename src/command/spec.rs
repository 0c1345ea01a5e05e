//! The command language, declared once: every command's name, usage, one-line description and
//! example. `help`, the usage shown on a missing argument, the "did you mean" suggestion and
//! completion all read this table.

pub struct CommandSpec {
    /// The first word a user types.
    pub name: &'static str,
    /// Other words accepted for the same command.
    pub aliases: &'static [&'static str],
    /// Each form of the command, in the notation of `help`.
    pub usage: &'static [&'static str],
    pub summary: &'static str,
    pub example: &'static str,
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        aliases: &["?"],
        usage: &["help [COMMAND]"],
        summary: "list the commands, or show one command's usage and an example",
        example: "help posts",
    },
    CommandSpec {
        name: "context",
        aliases: &[],
        usage: &["context"],
        summary: "what is preloaded: the database, each entity with its table, columns and rows",
        example: "context",
    },
    CommandSpec {
        name: "users",
        aliases: &["user"],
        usage: &["users [limit N] [offset N]"],
        summary: "list users, by id",
        example: "users limit 10",
    },
    CommandSpec {
        name: "posts",
        aliases: &["post"],
        usage: &[
            "posts [limit N] [offset N]",
            "posts of USERNAME|ID [limit N] [offset N]",
        ],
        summary: "list posts, newest first; `of` lists one user's posts",
        example: "posts of john limit 5",
    },
    CommandSpec {
        name: "get",
        aliases: &["show"],
        usage: &["get user ID|USERNAME", "get post ID"],
        summary: "show one user, or one post with its author",
        example: "get user john",
    },
    CommandSpec {
        name: "author",
        aliases: &[],
        usage: &["author of post ID"],
        summary: "show the user who wrote a post",
        example: "author of post 1",
    },
    CommandSpec {
        name: "add",
        aliases: &["new"],
        usage: &[
            "add user USERNAME EMAIL",
            "add post \"BODY\" by USERNAME|ID",
            "add post",
        ],
        summary: "add a user, or a post (alone, `add post` asks for the body and the author)",
        example: "add post \"my first post!\" by john",
    },
    CommandSpec {
        name: "delete",
        aliases: &["remove", "rm"],
        usage: &["delete user USERNAME|ID [cascade]", "delete post ID"],
        summary: "delete a post, or a user (with `cascade`, also their posts)",
        example: "delete post 3",
    },
    CommandSpec {
        name: "count",
        aliases: &[],
        usage: &["count users|posts", "count posts of USERNAME|ID"],
        summary: "count users or posts, or one user's posts",
        example: "count posts of john",
    },
    CommandSpec {
        name: "describe",
        aliases: &["desc"],
        usage: &["describe user|post"],
        summary: "columns, types, indexes and foreign keys of a table, read from the database",
        example: "describe post",
    },
    CommandSpec {
        name: "set",
        aliases: &[],
        usage: &["set password USERNAME|ID"],
        summary: "set a user's password: asked twice without echo, stored as a salted scrypt hash",
        example: "set password john",
    },
    CommandSpec {
        name: "check",
        aliases: &[],
        usage: &["check password USERNAME|ID"],
        summary: "check a password against the user's stored hash (Werkzeug's format)",
        example: "check password john",
    },
    CommandSpec {
        name: "sql",
        aliases: &[],
        usage: &["sql STATEMENT"],
        summary: "run any SQL: rows as a table, otherwise the number of rows affected",
        example: "sql SELECT username, email FROM user WHERE id < 3",
    },
    CommandSpec {
        name: "begin",
        aliases: &[],
        usage: &["begin"],
        summary: "open a transaction: commands run in it until commit or rollback",
        example: "begin",
    },
    CommandSpec {
        name: "commit",
        aliases: &[],
        usage: &["commit"],
        summary: "make the open transaction's changes permanent",
        example: "commit",
    },
    CommandSpec {
        name: "rollback",
        aliases: &[],
        usage: &["rollback"],
        summary: "throw away the open transaction's changes",
        example: "rollback",
    },
    CommandSpec {
        name: "format",
        aliases: &[],
        usage: &["format [table|json|csv]"],
        summary: "how results print: tables for people, json or csv for programs",
        example: "format json",
    },
    CommandSpec {
        name: "migrate",
        aliases: &[],
        usage: &[
            "migrate up [-n N]",
            "migrate down [-n N]",
            "migrate status",
            "migrate check",
            "migrate history",
            "migrate current",
        ],
        summary: "apply, revert or list schema migrations",
        example: "migrate status",
    },
    CommandSpec {
        name: "timing",
        aliases: &[],
        usage: &["timing [on|off]"],
        summary: "print how long each command took",
        example: "timing on",
    },
    CommandSpec {
        name: "history",
        aliases: &[],
        usage: &["history"],
        summary: "the commands typed at this prompt, this session and before",
        example: "history",
    },
    CommandSpec {
        name: "exit",
        aliases: &["quit", "\\q"],
        usage: &["exit"],
        summary: "leave the shell (an open transaction is rolled back)",
        example: "exit",
    },
];

/// The spec for a word the user typed (a name or an alias, any case).
pub fn find(word: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|spec| {
        spec.name.eq_ignore_ascii_case(word)
            || spec.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
    })
}

/// The command name closest to a mistyped word, if any is close enough to be a likely typo.
pub fn nearest(word: &str) -> Option<&'static str> {
    // No command is this long: not a typo of one (and the distance would cost time and memory).
    if word.chars().count() > 20 {
        return None;
    }
    let word = word.to_lowercase();
    COMMANDS
        .iter()
        .flat_map(|spec| {
            std::iter::once(spec.name)
                .chain(spec.aliases.iter().copied())
                .map(move |w| (spec.name, w))
        })
        .map(|(name, w)| (name, strsim::damerau_levenshtein(&word, w)))
        .filter(|(name, distance)| *distance <= 2.max(name.len() / 3))
        .min_by_key(|(_, distance)| *distance)
        .map(|(name, _)| name)
}

/// `usage: get user ID|USERNAME | get post ID`
pub fn usage_line(spec: &CommandSpec) -> String {
    format!("usage: {}", spec.usage.join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_found_in_any_case() {
        assert_eq!(find("GET").unwrap().name, "get");
        assert_eq!(find("quit").unwrap().name, "exit");
        assert!(find("frobnicate").is_none());
    }

    #[test]
    fn typos_suggest_the_nearest_command() {
        assert_eq!(nearest("gte"), Some("get"));
        assert_eq!(nearest("delet"), Some("delete"));
        assert_eq!(nearest("usres"), Some("users"));
        assert_eq!(nearest("describ"), Some("describe"));
        assert_eq!(nearest("xyzzyqwerty"), None);
    }

    #[test]
    fn every_command_has_usage_a_summary_and_an_example() {
        for spec in COMMANDS {
            assert!(!spec.usage.is_empty() && !spec.summary.is_empty() && !spec.example.is_empty());
            let first = spec.example.split_whitespace().next().unwrap();
            assert!(
                find(first).is_some_and(|s| s.name == spec.name),
                "{}",
                spec.name
            );
        }
    }
}
