//! A command line split into words as a POSIX shell would (`"..."`, `'...'`, backslash escapes),
//! remembering which characters were quoted. Commands see plain words; the query language (`where`,
//! `order by`, `set`) also needs the quoting: `username = "and"` compares with the text `and`, and
//! `body contains "("` holds no parenthesis. `shell-words` gives the words but forgets that, so
//! this small splitter does both (a test keeps it in step with `shell-words`).

/// A stretch of a word, quoted or not: `x"y z"` is `x` then the quoted `y z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub quoted: bool,
}

/// One word of the line: its text with quotes removed, and the pieces it was made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub pieces: Vec<Piece>,
}

impl Word {
    /// A word as typed without quotes.
    pub fn plain(text: &str) -> Self {
        Word {
            text: text.to_string(),
            pieces: vec![Piece {
                text: text.to_string(),
                quoted: false,
            }],
        }
    }

    /// Whether any part of the word was quoted or escaped.
    pub fn is_quoted(&self) -> bool {
        self.pieces.iter().any(|p| p.quoted)
    }
}

/// A quote opened and never closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unterminated;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Between,
    Bare,
    Single,
    Double,
}

struct Builder {
    words: Vec<Word>,
    pieces: Vec<Piece>,
}

impl Builder {
    fn push(&mut self, c: char, quoted: bool) {
        match self.pieces.last_mut() {
            Some(last) if last.quoted == quoted => last.text.push(c),
            _ => {
                // Room for a typical word or quoted body: a piece grown a character at a time
                // from one byte was reallocated three or four times (a script's lines are split
                // by the hundred thousand).
                let mut text = String::with_capacity(16);
                text.push(c);
                self.pieces.push(Piece { text, quoted });
            }
        }
    }

    /// Starts a quoted piece even if it stays empty (`""` is an empty word).
    fn open_quote(&mut self) {
        self.pieces.push(Piece {
            text: String::new(),
            quoted: true,
        });
    }

    fn end_word(&mut self) {
        let mut pieces = std::mem::take(&mut self.pieces);
        pieces.retain(|p| !p.text.is_empty() || p.quoted);
        let text = match pieces.as_slice() {
            [one] => one.text.clone(),
            _ => pieces.iter().map(|p| p.text.as_str()).collect(),
        };
        self.words.push(Word { text, pieces });
    }
}

/// Splits a line into words.
pub fn split(line: &str) -> Result<Vec<Word>, Unterminated> {
    let mut out = Builder {
        words: Vec::with_capacity(8),
        pieces: Vec::new(),
    };
    let mut state = State::Between;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        state = match (state, c) {
            (State::Between | State::Bare, c) if c.is_whitespace() => {
                if state == State::Bare {
                    out.end_word();
                }
                State::Between
            }
            (State::Between | State::Bare, '\'') => {
                out.open_quote();
                State::Single
            }
            (State::Between | State::Bare, '"') => {
                out.open_quote();
                State::Double
            }
            (State::Between | State::Bare, '\\') => {
                match chars.next() {
                    // A backslash before a line break joins the lines.
                    Some('\n') => {}
                    Some(escaped) => out.push(escaped, true),
                    None => out.push('\\', false),
                }
                State::Bare
            }
            (State::Between | State::Bare, c) => {
                out.push(c, false);
                State::Bare
            }
            (State::Single, '\'') => State::Bare,
            (State::Single, c) => {
                out.push(c, true);
                State::Single
            }
            (State::Double, '"') => State::Bare,
            (State::Double, '\\') => {
                match chars.peek() {
                    Some(&next @ ('"' | '\\' | '$' | '`')) => {
                        chars.next();
                        out.push(next, true);
                    }
                    Some('\n') => {
                        chars.next();
                    }
                    _ => out.push('\\', true),
                }
                State::Double
            }
            (State::Double, c) => {
                out.push(c, true);
                State::Double
            }
        };
    }
    match state {
        State::Single | State::Double => Err(Unterminated),
        State::Bare => {
            out.end_word();
            Ok(out.words)
        }
        State::Between => Ok(out.words),
    }
}

/// Words written back as a line that splits into the same words, quoting as they were quoted
/// (`("and")` stays a parenthesis, the quoted text and a parenthesis).
pub fn unsplit(words: &[Word]) -> String {
    words
        .iter()
        .map(|word| {
            word.pieces
                .iter()
                .map(|piece| match piece.quoted {
                    true => format!("'{}'", piece.text.replace('\'', "'\\''")),
                    false => piece.text.clone(),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words' texts alone.
pub fn texts(words: &[Word]) -> Vec<String> {
    words.iter().map(|w| w.text.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(line: &str) -> Vec<String> {
        texts(&split(line).unwrap())
    }

    #[test]
    fn quotes_and_escapes_as_a_shell_has_them() {
        assert_eq!(
            words(r#"add post "my first post!" by john"#),
            ["add", "post", "my first post!", "by", "john"]
        );
        assert_eq!(
            words(r#"'it''s' "say \"hi\"" a\ b"#),
            ["its", "say \"hi\"", "a b"]
        );
        assert_eq!(words(r#""" x"#), ["", "x"]);
        assert_eq!(split("add post \"open"), Err(Unterminated));
        assert_eq!(split("'open"), Err(Unterminated));
        assert!(split("   ").unwrap().is_empty());
    }

    #[test]
    fn pieces_remember_what_was_quoted() {
        let split = split(r#"("and") x"#).unwrap();
        assert_eq!(
            split[0].pieces,
            [
                Piece {
                    text: "(".into(),
                    quoted: false
                },
                Piece {
                    text: "and".into(),
                    quoted: true
                },
                Piece {
                    text: ")".into(),
                    quoted: false
                }
            ]
        );
        assert!(split[0].is_quoted() && !split[1].is_quoted());
    }

    #[test]
    fn unsplit_words_split_the_same() {
        for line in [
            r#"posts where body contains "a b" and ("and") or x = 'it''s'"#,
            "a\\ b",
            "\"\"",
        ] {
            let words = split(line).unwrap();
            assert_eq!(split(&unsplit(&words)).unwrap(), words, "{line}");
        }
    }

    proptest! {
        /// The same words as `shell-words` for every line without a `#` (which it reads as a
        /// comment, and a post body may well hold).
        #[test]
        fn words_agree_with_shell_words(line in "[a-z \"'\\\\()=,\t]{0,30}") {
            let ours = split(&line).map(|w| texts(&w)).ok();
            let theirs = shell_words::split(&line).ok();
            prop_assert_eq!(ours, theirs);
        }
    }
}
