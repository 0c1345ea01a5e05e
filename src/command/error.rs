//! The command layer's error: what is wrong with a line, as the one sentence a user sees after
//! `error: `. It knows nothing of databases; the layers above wrap it in the shell's `Error` (`src/error.rs`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    message: String,
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

pub type ParseResult<T> = std::result::Result<T, ParseError>;

/// A value typed by the user, quoted for an error message: escaped like a Rust string and cut short,
/// so a 1 MB line cannot make a 1 MB error.
pub fn quoted(value: &str) -> String {
    // Counted as shown: a control character escaped as `\u{1e}` takes six of them.
    const MAX: usize = 40;
    let mut shown = String::new();
    for c in value.chars() {
        let escaped: String = if c == '\'' {
            c.to_string()
        } else {
            c.escape_debug().collect()
        };
        if shown.chars().count() + escaped.chars().count() > MAX {
            return format!("\"{shown}\"...");
        }
        shown.push_str(&escaped);
    }
    format!("\"{shown}\"")
}

/// `table, json or csv`: alternatives as a sentence says them.
pub fn alternatives(words: &[&str]) -> String {
    listed(words, "or")
}

/// `stamp and generate`: several things as a sentence lists them.
pub fn every_one_of(words: &[&str]) -> String {
    listed(words, "and")
}

fn listed(words: &[&str], conjunction: &str) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} {conjunction} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_escaped_and_cut_short() {
        assert_eq!(quoted("john"), "\"john\"");
        assert_eq!(quoted("a\"b\nc"), "\"a\\\"b\\nc\"");
        let long = "x".repeat(1_000_000);
        assert_eq!(quoted(&long), format!("{:?}...", "x".repeat(40)));
        // Found by the fuzzer: escapes count as they are shown, so control characters cannot
        // stretch a quoted value to six times its limit.
        let controls = quoted(&"\u{1e}".repeat(100));
        assert_eq!(controls, format!("\"{}\"...", "\\u{1e}".repeat(6)));
        assert_eq!(quoted("it's"), format!("{:?}", "it's"));
        assert_eq!(quoted("tab\there"), format!("{:?}", "tab\there"));
    }

    #[test]
    fn alternatives_read_as_a_sentence() {
        assert_eq!(
            alternatives(&["table", "json", "csv"]),
            "table, json or csv"
        );
        assert_eq!(alternatives(&["on", "off"]), "on or off");
        assert_eq!(alternatives(&["up"]), "up");
        assert_eq!(every_one_of(&["stamp", "generate"]), "stamp and generate");
    }
}
