//! Text from the database shown to a person at a terminal. Anyone can write a post body: one that
//! holds escape sequences (`ESC ] 0 ; title BEL` retitles the terminal, `ESC [ 2 J` clears it) or
//! other control characters would drive the operator's terminal and break the tables' columns.
//! Here every control character, and every invisible one that reorders or hides text (bidi
//! overrides, zero-width marks), is written as a visible escape. `json` and `csv` keep the bytes.

use std::borrow::Cow;

/// Whether a character must be shown as an escape.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

fn escape(c: char, out: &mut String) {
    match c {
        '\x1b' => out.push_str("\\e"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\0' => out.push_str("\\0"),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// One line of text: every hidden character escaped, line breaks included (a table cell).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            escape(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A message of several lines: line breaks kept, every other hidden character escaped.
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && hidden(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<str>> = text.split('\n').map(visible).collect();
    Cow::Owned(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_escapes() {
        assert_eq!(visible("plain é 中"), "plain é 中");
        assert_eq!(visible("\x1b]0;owned\x07"), "\\e]0;owned\\x07");
        assert_eq!(visible("\x1b[2J"), "\\e[2J");
        assert_eq!(visible("a\nb\tc\rd\x08e\0f"), "a\\nb\\tc\\rd\\x08e\\0f");
        assert_eq!(visible("\u{85}\u{9b}31m"), "\\u{85}\\u{9b}31m");
        assert_eq!(visible("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(visible("\x7f"), "\\x7f");
        assert_eq!(visible_lines("one\ntwo\x1b[1m"), "one\ntwo\\e[1m");
    }
}
