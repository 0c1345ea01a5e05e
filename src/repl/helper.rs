//! The rustyline helper: tab completion, greyed hints, highlighting and multi-line input for the
//! interactive prompt. What to complete comes from `command::completion` (the grammar) and `lookup`
//! (the database); this module only speaks rustyline.

use std::borrow::Cow;
use std::cell::Cell;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter, HistoryHinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::lookup::Lookup;
use crate::command::Vocabulary;
use crate::command::completion::{self, Lookup as Looked};
use crate::command::grammar;
use crate::command::validate::BODY_MAX;

/// What the prompt is asking for: a command, or one of `add post`'s answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptMode {
    Command,
    /// A post body: the hint counts the characters left.
    Body,
    /// An author: the whole line completes as a username.
    Author,
    /// A password: shown as asterisks, never hinted, completed or remembered.
    Secret,
    /// A yes or no before a change of many rows: nothing completed or hinted.
    Confirm,
}

pub struct ShellHelper {
    lookup: Option<Lookup>,
    history_hints: HistoryHinter,
    pub mode: Rc<Cell<PromptMode>>,
    colors: bool,
    /// What the database has beyond the entities: its columns and tables complete too.
    pub vocabulary: Vocabulary,
}

const BOLD_BLUE: &str = "\x1b[1;34m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[1;31m";
const GREY: &str = "\x1b[90m";
const RESET: &str = "\x1b[0m";

impl ShellHelper {
    /// `colors` is false when `NO_COLOR` is set or stdout is not a terminal.
    pub fn new(lookup: Option<Lookup>, colors: bool) -> Self {
        ShellHelper {
            lookup,
            history_hints: HistoryHinter::new(),
            mode: Rc::new(Cell::new(PromptMode::Command)),
            colors,
            vocabulary: Vocabulary::default(),
        }
    }

    fn usernames(&self, prefix: &str) -> Vec<String> {
        self.lookup
            .as_ref()
            .map_or_else(Vec::new, |l| l.usernames(prefix))
    }
}

fn pairs(words: impl IntoIterator<Item = String>) -> Vec<Pair> {
    words
        .into_iter()
        // A name from the database with control characters cannot be typed, and drawn in the
        // candidate list it would drive the terminal: it is not offered.
        .filter(|w| !w.chars().any(char::is_control))
        .map(|w| Pair {
            display: w.clone(),
            replacement: format!("{w} "),
        })
        .collect()
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        match self.mode.get() {
            PromptMode::Body | PromptMode::Secret | PromptMode::Confirm => {
                return Ok((0, Vec::new()));
            }
            PromptMode::Author => {
                let prefix = line[..pos].trim_start();
                let start = pos - prefix.len();
                return Ok((start, pairs(self.usernames(prefix))));
            }
            PromptMode::Command => {}
        }
        let slot = completion::analyze(line, pos, &self.vocabulary);
        let mut candidates = completion::matching_words(&slot.expect.words, &slot.prefix);
        candidates.extend(match slot.expect.lookup {
            Some(Looked::Username) => self.usernames(&slot.prefix),
            Some(Looked::PostId) => self
                .lookup
                .as_ref()
                .map_or_else(Vec::new, |l| l.post_ids(&slot.prefix)),
            None => Vec::new(),
        });
        Ok((slot.start, pairs(candidates)))
    }
}

/// A greyed hint: what was typed before (taken with the right arrow), or what the grammar expects
/// next, which is only taken when it is the one word that must come.
pub struct ShellHint {
    text: String,
    insertable: bool,
}

impl ShellHint {
    fn shown(text: String) -> Self {
        ShellHint {
            text,
            insertable: false,
        }
    }
}

impl Hint for ShellHint {
    fn display(&self) -> &str {
        &self.text
    }

    fn completion(&self) -> Option<&str> {
        self.insertable.then_some(self.text.as_str())
    }
}

impl Hinter for ShellHelper {
    type Hint = ShellHint;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<ShellHint> {
        match self.mode.get() {
            PromptMode::Body => {
                let used = line.chars().count();
                return Some(ShellHint::shown(match BODY_MAX.checked_sub(used) {
                    Some(left) => format!("  ({left} of {BODY_MAX} characters left)"),
                    None => format!("  ({} over the {BODY_MAX} allowed)", used - BODY_MAX),
                }));
            }
            PromptMode::Author | PromptMode::Secret | PromptMode::Confirm => return None,
            PromptMode::Command => {}
        }
        if pos < line.len() {
            return None;
        }
        if let Some(text) = self.history_hints.hint(line, pos, ctx) {
            return Some(ShellHint {
                text,
                insertable: true,
            });
        }
        completion::usage_hint(line)
            .map(ShellHint::shown)
            .or_else(|| {
                completion::next_hint(line, &self.vocabulary)
                    .map(|(text, insertable)| ShellHint { text, insertable })
            })
    }
}

impl Highlighter for ShellHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.mode.get() == PromptMode::Secret {
            // The same width as what was typed, so the cursor stays right; never the characters.
            return Cow::Owned("*".repeat(line.chars().count()));
        }
        if !self.colors || self.mode.get() != PromptMode::Command {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight_command(line))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if !self.colors {
            return Cow::Borrowed(hint);
        }
        Cow::Owned(format!("{GREY}{hint}{RESET}"))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        (self.colors || self.mode.get() == PromptMode::Secret) && kind != CmdKind::MoveCursor
    }
}

/// The command word bold blue (red if there is no such command), quoted strings green.
pub fn highlight_command(line: &str) -> String {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    let word_end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
    let (word, rest) = trimmed.split_at(word_end);
    if word.is_empty() {
        return line.to_string();
    }
    let color = if grammar::find(word).is_some() {
        BOLD_BLUE
    } else {
        RED
    };
    let mut out = format!("{indent}{color}{word}{RESET}");
    if word.eq_ignore_ascii_case("sql") {
        out.push_str(rest);
        return out;
    }
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in rest.chars() {
        match quote {
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                out.push_str(GREEN);
                out.push(c);
            }
            Some(q) if c == q && !(escaped && q == '"') => {
                out.push(c);
                out.push_str(RESET);
                quote = None;
            }
            _ => out.push(c),
        }
        escaped = c == '\\' && !escaped;
    }
    if quote.is_some() {
        out.push_str(RESET);
    }
    out
}

/// Whether a command line goes on on the next line: it has an open quote (an `sql` statement is
/// the database's to read, quotes and all).
pub fn continues(line: &str) -> bool {
    !line.trim_start().to_lowercase().starts_with("sql")
        && crate::command::lexer::split(line).is_err()
}

/// A command with an open quote is not ended by Enter in the editor: the prompt reads its next
/// line with a continuation prompt of its own (`input::Interactive`), one read per line, so that
/// lines typed ahead or pasted are handed on one at a time (`relay`).
impl Validator for ShellHelper {
    fn validate(&self, _ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(ValidationResult::Valid(None))
    }
}

impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_words_and_quotes_are_coloured() {
        assert_eq!(
            highlight_command("add post \"hi\" by john"),
            format!("{BOLD_BLUE}add{RESET} post {GREEN}\"hi\"{RESET} by john")
        );
        assert_eq!(highlight_command("frob x"), format!("{RED}frob{RESET} x"));
        assert_eq!(
            highlight_command("sql SELECT 'x'"),
            format!("{BOLD_BLUE}sql{RESET} SELECT 'x'")
        );
        assert_eq!(
            highlight_command("add post \"open"),
            format!("{BOLD_BLUE}add{RESET} post {GREEN}\"open{RESET}")
        );
        assert_eq!(highlight_command("   "), "   ");
    }
}
