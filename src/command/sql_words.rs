//! The words of an SQL statement that mean something: what is left outside string literals, quoted
//! identifiers and comments, lower-cased. Enough to tell a statement's kind from `'returning@x'`
//! in a value, and to warn before one that changes every row or drops a table.

/// The bare words of a statement, lower-cased: what is left outside `'...'`, `"..."`, `` `...` ``,
/// `[...]`, `-- ...` and `/* ... */`.
pub fn keywords(sql: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = sql.chars().peekable();
    let flush = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(std::mem::take(word).to_ascii_lowercase());
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                flush(&mut word, &mut words);
                let close = if c == '[' { ']' } else { c };
                // A doubled quote inside is the quote itself: the scan just goes on after it.
                for inner in chars.by_ref() {
                    if inner == close {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                flush(&mut word, &mut words);
                for inner in chars.by_ref() {
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                flush(&mut word, &mut words);
                chars.next();
                let mut last = ' ';
                for inner in chars.by_ref() {
                    if last == '*' && inner == '/' {
                        break;
                    }
                    last = inner;
                }
            }
            c if c.is_alphanumeric() || c == '_' => word.push(c),
            _ => flush(&mut word, &mut words),
        }
    }
    flush(&mut word, &mut words);
    words
}

/// What a statement typed at `sql` would destroy, said before it runs: `DELETE` or `UPDATE`
/// without `WHERE` (every row), `DROP`, `TRUNCATE`. `None` for anything else.
pub fn destructive(sql: &str) -> Option<String> {
    let words = keywords(sql);
    let first = words.first().map(String::as_str)?;
    let has = |word: &str| words.iter().any(|w| w == word);
    let target = |after: &str| {
        words
            .iter()
            .skip_while(|w| *w != after)
            .nth(1)
            .cloned()
            .unwrap_or_default()
    };
    match first {
        "delete" if !has("where") => Some(format!(
            "DELETE without WHERE deletes every row of {}",
            target("from")
        )),
        "update" if !has("where") => Some(format!(
            "UPDATE without WHERE changes every row of {}",
            target("update")
        )),
        "drop" => Some(format!(
            "DROP removes {} {} and everything in it",
            target("drop"),
            words
                .iter()
                .skip(2)
                .find(|w| *w != "if" && *w != "exists")
                .cloned()
                .unwrap_or_default()
        )),
        "truncate" => Some(format!(
            "TRUNCATE empties {}",
            words
                .iter()
                .skip(1)
                .find(|w| *w != "table")
                .cloned()
                .unwrap_or_default()
        )),
        _ => None,
    }
}

/// Whether a statement writes, by its words: its first keyword, or a data-modifying `WITH`. Used
/// to refuse it on a standby before it is sent (the server's own refusal of one these words miss
/// is told in the same terms).
pub fn writes(sql: &str) -> bool {
    let words = keywords(sql);
    let first = words.first().map(String::as_str).unwrap_or("");
    matches!(
        first,
        "insert"
            | "update"
            | "delete"
            | "merge"
            | "upsert"
            | "replace"
            | "create"
            | "drop"
            | "alter"
            | "truncate"
            | "rename"
            | "grant"
            | "revoke"
            | "comment"
            | "copy"
            | "load"
            | "vacuum"
            | "analyze"
            | "reindex"
            | "cluster"
            | "refresh"
            | "lock"
            | "call"
            | "do"
    ) || (first == "with"
        && words
            .iter()
            .any(|w| matches!(w.as_str(), "insert" | "update" | "delete" | "merge")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_told_by_their_words_not_by_what_they_quote() {
        assert!(writes("INSERT INTO post VALUES (1)"));
        assert!(writes(
            "with x as (delete from post returning id) select * from x"
        ));
        assert!(writes("  /* c */ drop table t"));
        assert!(!writes("select 'insert' from t"));
        assert!(!writes("WITH n AS (SELECT 1) SELECT * FROM n"));
        assert!(!writes("explain select 1"));
    }

    #[test]
    fn words_outside_literals_identifiers_and_comments() {
        assert_eq!(
            keywords("update user set email = 'where' -- where\n"),
            ["update", "user", "set", "email"]
        );
        assert_eq!(
            keywords("/* drop */ SELECT \"Where\" FROM `t`"),
            ["select", "from"]
        );
    }

    #[test]
    fn statements_that_destroy_are_named() {
        assert_eq!(
            destructive("DELETE FROM post").unwrap(),
            "DELETE without WHERE deletes every row of post"
        );
        assert_eq!(
            destructive("update user set email = 'x'").unwrap(),
            "UPDATE without WHERE changes every row of user"
        );
        assert!(
            destructive("DROP TABLE IF EXISTS post")
                .unwrap()
                .contains("removes table post")
        );
        assert_eq!(
            destructive("truncate table post").unwrap(),
            "TRUNCATE empties post"
        );
        assert_eq!(destructive("DELETE FROM post WHERE id = 1"), None);
        assert_eq!(
            destructive("delete from post -- where id = 1"),
            Some("DELETE without WHERE deletes every row of post".into())
        );
        assert_eq!(destructive("SELECT 'drop table x'"), None);
    }
}
