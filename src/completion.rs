//! What can come next on a command line: the pure half of tab completion and hints. Given the text
//! before the cursor, it says which kind of word is expected there; the helper then offers the
//! command words, entity names and keywords from the declared grammar, or usernames and post ids
//! from the database.

use crate::command::spec::COMMANDS;

/// The kind of word the cursor is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Fixed words (command names, entities, keywords, formats, ...).
    Words(Vec<&'static str>),
    Username,
    PostId,
    /// Free text (a new username, a body) or nothing more: no suggestions.
    Nothing,
}

/// The word being typed: where it starts, and what it is expected to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub start: usize,
    pub prefix: String,
    pub expect: Expect,
}

/// Looks at `line[..pos]`: the finished words decide what the word under the cursor should be.
pub fn analyze(line: &str, pos: usize) -> Slot {
    let before = &line[..pos];
    let start = before.rfind(char::is_whitespace).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    let prefix = before[start..].to_string();
    let expect = match shell_words::split(&before[..start]) {
        Ok(words) => expected(&words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>()),
        // Inside an open quote: free text.
        Err(_) => Expect::Nothing,
    };
    Slot {
        start,
        prefix,
        expect,
    }
}

const ENTITIES: &[&str] = &["user", "post"];
const ENTITIES_PLURAL: &[&str] = &["users", "posts"];
const PAGING: &[&str] = &["limit", "offset"];

fn expected(words: &[String]) -> Expect {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let entity = |word: &str| match word {
        "user" | "users" => Some("user"),
        "post" | "posts" => Some("post"),
        _ => None,
    };
    use Expect::*;
    match w.as_slice() {
        [] => Words(command_words()),
        ["help"] => Words(command_words()),
        ["get" | "show" | "describe" | "desc" | "add" | "new" | "delete" | "remove" | "rm"] => {
            Words(ENTITIES.to_vec())
        }
        ["count"] => Words(ENTITIES_PLURAL.to_vec()),
        ["get" | "show", e] if entity(e) == Some("user") => Username,
        ["get" | "show", e] if entity(e) == Some("post") => PostId,
        ["delete" | "remove" | "rm", e] if entity(e) == Some("user") => Username,
        ["delete" | "remove" | "rm", e] if entity(e) == Some("post") => PostId,
        ["delete" | "remove" | "rm", e, _] if entity(e) == Some("user") => Words(vec!["cascade"]),
        ["users" | "user"] => Words(PAGING.to_vec()),
        ["posts" | "post"] => Words(vec!["of", "limit", "offset"]),
        ["posts" | "post", "of"] => Username,
        ["count", e] if entity(e) == Some("post") => Words(vec!["of"]),
        ["count", _, "of"] => Username,
        ["author"] => Words(vec!["of"]),
        ["author", "of"] => Words(vec!["post"]),
        ["author", "of", "post"] => PostId,
        ["add" | "new", e, _body] if entity(e) == Some("post") => Words(vec!["by"]),
        ["add" | "new", e, _, "by"] if entity(e) == Some("post") => Username,
        ["set" | "check"] => Words(vec!["password"]),
        ["set" | "check", "password"] => Username,
        ["format"] => Words(vec!["table", "json", "csv"]),
        ["timing"] => Words(vec!["on", "off"]),
        ["migrate"] => Words(vec!["up", "down", "status", "check", "history", "current"]),
        ["migrate", "up" | "upgrade" | "down" | "downgrade"] => Words(vec!["-n"]),
        // After a paging keyword's number, the other keyword.
        [.., "limit" | "offset", _]
            if w[0] == "users" || w[0] == "posts" || w[0] == "user" || w[0] == "post" =>
        {
            Words(PAGING.to_vec())
        }
        ["posts" | "post", "of", _] => Words(PAGING.to_vec()),
        _ => Nothing,
    }
}

fn command_words() -> Vec<&'static str> {
    COMMANDS.iter().map(|c| c.name).collect()
}

/// The fixed words that complete `prefix` (case-insensitively), in the grammar's order.
pub fn matching_words(words: &[&'static str], prefix: &str) -> Vec<&'static str> {
    let prefix = prefix.to_lowercase();
    words
        .iter()
        .copied()
        .filter(|w| w.starts_with(&prefix))
        .collect()
}

/// What to suggest, greyed, after a complete command word: the rest of its usage.
pub fn usage_hint(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    let word = trimmed.split_whitespace().next()?;
    if trimmed.len() != word.len() {
        return None;
    }
    let spec = crate::command::spec::find(word)?;
    let usage = spec.usage[0];
    let rest = usage.strip_prefix(spec.name)?;
    (!rest.is_empty()).then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect(line: &str) -> Expect {
        analyze(line, line.len()).expect
    }

    #[test]
    fn the_first_word_is_a_command() {
        let slot = analyze("ge", 2);
        assert_eq!((slot.start, slot.prefix.as_str()), (0, "ge"));
        assert!(
            matches!(&slot.expect, Expect::Words(w) if w.contains(&"get") && w.contains(&"posts"))
        );
        assert_eq!(matching_words(&command_words(), "GE"), ["get"]);
    }

    #[test]
    fn usernames_where_a_user_goes() {
        for line in [
            "get user jo",
            "posts of j",
            "add post \"hi there\" by ",
            "delete user ",
            "set password ",
            "check password x",
            "count posts of ",
        ] {
            assert_eq!(expect(line), Expect::Username, "{line}");
        }
        let slot = analyze("posts of jo", 11);
        assert_eq!((slot.start, slot.prefix.as_str()), (9, "jo"));
    }

    #[test]
    fn post_ids_where_a_post_goes() {
        for line in ["get post 1", "delete post ", "author of post 4"] {
            assert_eq!(expect(line), Expect::PostId, "{line}");
        }
    }

    #[test]
    fn keywords_entities_and_sub_words() {
        assert_eq!(expect("get "), Expect::Words(vec!["user", "post"]));
        assert_eq!(expect("count "), Expect::Words(vec!["users", "posts"]));
        assert_eq!(
            expect("format "),
            Expect::Words(vec!["table", "json", "csv"])
        );
        assert_eq!(
            expect("migrate "),
            Expect::Words(vec!["up", "down", "status", "check", "history", "current"])
        );
        assert_eq!(
            expect("add post \"hello world\" "),
            Expect::Words(vec!["by"])
        );
        assert_eq!(expect("delete user john "), Expect::Words(vec!["cascade"]));
        assert_eq!(
            expect("posts limit 5 "),
            Expect::Words(vec!["limit", "offset"])
        );
    }

    #[test]
    fn free_text_gets_nothing() {
        assert_eq!(expect("add user "), Expect::Nothing);
        assert_eq!(expect("add post \"an open quo"), Expect::Nothing);
        assert_eq!(expect("sql SELECT "), Expect::Nothing);
    }

    #[test]
    fn hints_show_the_rest_of_the_usage() {
        assert_eq!(usage_hint("posts of"), None);
        assert_eq!(usage_hint("author").as_deref(), Some(" of post ID"));
        assert_eq!(
            usage_hint("users").as_deref(),
            Some(" [limit N] [offset N]")
        );
        assert_eq!(usage_hint("exit"), None);
        assert_eq!(usage_hint("nonsense"), None);
    }
}
