//! Where command lines come from: a person at a rustyline prompt, a script on stdin or in a file, or
//! the `-c` arguments. The loop in `runner` reads them all the same way. A script's lines are checked
//! to be text by `command::script`.

use std::cell::Cell;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::rc::Rc;

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, EditMode, Editor};

use super::helper::{PromptMode, ShellHelper};
use super::relay::{Reader, Relay};
use crate::command::Vocabulary;
use crate::command::script::decode_line;
use crate::error::{Error, Result};

pub enum Read {
    Line(String),
    /// Ctrl-C at the prompt: drop the line being typed.
    Interrupted,
    /// Ctrl-D, or the end of the script.
    Eof,
}

pub trait Input {
    /// The next line, shown `prompt` first when a person is typing. An `Err` is input that cannot be
    /// read at all (not UTF-8, an I/O failure): the run stops there.
    fn read(&mut self, prompt: &str) -> Result<Read>;
    /// An answer to a question (`add post`'s body and author): at a terminal the prompt helps with
    /// it as `mode` says; in a script it is the next line.
    fn ask(&mut self, prompt: &str, mode: PromptMode) -> Result<Read> {
        let _ = mode;
        self.read(prompt)
    }
    /// A password: never shown, never remembered. In a script, the next line.
    fn read_secret(&mut self, prompt: &str) -> Result<Read> {
        self.ask(prompt, PromptMode::Secret)
    }
    /// Whether a whole line is already at hand (read but not yet consumed), so that the shell can
    /// hold its output back until it is about to wait.
    fn has_pending(&self) -> bool {
        false
    }
    /// Whether the next line can be read without waiting on anyone: it is at hand, or the script
    /// is a regular file. Lines are read ahead of the one running only then (see `runner`).
    fn can_read_ahead(&self) -> bool {
        self.has_pending()
    }
    /// The commands remembered from this prompt (and earlier sessions at it).
    fn history(&self) -> Vec<String> {
        Vec::new()
    }
    /// The 1-based number of the line last read, for error messages.
    fn line_number(&self) -> usize;
    fn is_interactive(&self) -> bool;

    /// What the database has beyond the entities, for completion and hints at a terminal.
    fn set_vocabulary(&mut self, vocabulary: &Vocabulary) {
        let _ = vocabulary;
    }

    /// How many lines typed or pasted ahead a Ctrl-C dropped since the last call (at a terminal).
    fn take_dropped(&mut self) -> usize {
        0
    }
}

/// A script: stdin that is not a terminal, or `--file`.
pub struct ScriptInput<R> {
    reader: BufReader<R>,
    line: usize,
    buffer: Vec<u8>,
    /// A regular file: reading it never waits for a writer (a pipe or a terminal may).
    regular_file: bool,
}

impl<R: std::io::Read> ScriptInput<R> {
    pub fn new(reader: R) -> Self {
        ScriptInput {
            reader: BufReader::with_capacity(64 * 1024, reader),
            line: 0,
            buffer: Vec::new(),
            regular_file: false,
        }
    }

    /// Says that `reader` is a regular file (`--file script`, `shell < script`).
    pub fn from_regular_file(mut self, regular: bool) -> Self {
        self.regular_file = regular;
        self
    }
}

impl<R: std::io::Read> Input for ScriptInput<R> {
    fn has_pending(&self) -> bool {
        // A whole line: half of one may wait for its writer (a pipe) for as long as it likes.
        self.reader.buffer().contains(&b'\n')
    }

    fn can_read_ahead(&self) -> bool {
        self.regular_file || self.has_pending()
    }

    fn read(&mut self, _prompt: &str) -> Result<Read> {
        self.buffer.clear();
        let n = self.reader.read_until(b'\n', &mut self.buffer)?;
        if n == 0 {
            return Ok(Read::Eof);
        }
        self.line += 1;
        Ok(Read::Line(
            decode_line(&self.buffer, self.line)?.to_string(),
        ))
    }

    fn line_number(&self) -> usize {
        self.line
    }

    fn is_interactive(&self) -> bool {
        false
    }
}

/// The `-c COMMAND` arguments, one line each.
pub struct ArgsInput {
    commands: std::vec::IntoIter<String>,
    line: usize,
}

impl ArgsInput {
    pub fn new(commands: Vec<String>) -> Self {
        ArgsInput {
            commands: commands.into_iter(),
            line: 0,
        }
    }
}

impl Input for ArgsInput {
    fn has_pending(&self) -> bool {
        self.commands.len() > 0
    }

    fn read(&mut self, _prompt: &str) -> Result<Read> {
        match self.commands.next() {
            Some(command) => {
                self.line += 1;
                Ok(Read::Line(command))
            }
            None => Ok(Read::Eof),
        }
    }

    fn line_number(&self) -> usize {
        self.line
    }

    fn is_interactive(&self) -> bool {
        false
    }
}

/// A person at a terminal, through rustyline with the shell's helper, its keys relayed so that
/// none typed ahead or pasted is lost (`relay`).
pub struct Interactive {
    editor: Editor<ShellHelper, DefaultHistory>,
    /// Declared after the editor, so dropped after it: the terminal is the relay's to give back.
    relay: Option<Relay>,
    mode: Rc<Cell<PromptMode>>,
    history_file: Option<PathBuf>,
    line: usize,
}

impl Interactive {
    /// `history_file`: where history persists between sessions (created private, mode 0600).
    pub fn new(helper: ShellHelper, history_file: Option<PathBuf>, vi: bool) -> Result<Self> {
        // Before the editor, which then reads the relay's pseudo-terminal as its standard input.
        let relay = Relay::start();
        let edit_mode = if vi { EditMode::Vi } else { EditMode::Emacs };
        let config = Config::builder()
            .auto_add_history(false)
            .completion_type(CompletionType::List)
            .edit_mode(edit_mode)
            .build();
        let mut editor = Editor::with_config(config)
            .map_err(|e| Error::new(format!("cannot start the line editor: {e}")))?;
        let mode = helper.mode.clone();
        editor.set_helper(Some(helper));
        if let Some(path) = &history_file {
            super::history::prepare(path)?;
            // An empty or unreadable file is simply no history yet.
            let _ = editor.load_history(path);
        }
        Ok(Interactive {
            editor,
            relay,
            mode,
            history_file,
            line: 0,
        })
    }

    fn reading(&self, reader: Reader) {
        if let Some(relay) = &self.relay {
            relay.set_reader(reader);
        }
    }

    fn readline(&mut self, prompt: &str, mode: PromptMode) -> Result<Read> {
        self.mode.set(mode);
        self.reading(Reader::Editor);
        let result = self.editor.readline(prompt);
        self.reading(Reader::Busy);
        self.mode.set(PromptMode::Command);
        match result {
            Ok(line) => {
                self.line += 1;
                Ok(Read::Line(line))
            }
            Err(ReadlineError::Interrupted) => Ok(Read::Interrupted),
            Err(ReadlineError::Eof) => Ok(Read::Eof),
            Err(e) => Err(Error::new(format!("cannot read the terminal: {e}"))),
        }
    }

    fn remember(&mut self, line: &str) {
        if !super::history::worth_remembering(line) {
            return;
        }
        let _ = self.editor.add_history_entry(line);
        if let Some(path) = &self.history_file {
            // Written as we go, so a crash or a kill loses nothing typed before it.
            let _ = self.editor.append_history(path);
            let _ = super::history::make_private(path);
        }
    }
}

/// The prompt for a command's next line, as wide as `prompt` (`microblog> ` gives `      ...> `).
fn continuation_prompt(prompt: &str) -> String {
    let width = unicode_width::UnicodeWidthStr::width(prompt).max(5);
    format!("{:>width$}", "...> ")
}

impl Input for Interactive {
    /// A command: a line, and the lines after it while a quote is open (joined by newlines),
    /// remembered as one entry.
    fn read(&mut self, prompt: &str) -> Result<Read> {
        let mut command = match self.readline(prompt, PromptMode::Command)? {
            Read::Line(line) => line,
            other => return Ok(other),
        };
        while super::helper::continues(&command) {
            match self.readline(&continuation_prompt(prompt), PromptMode::Command)? {
                Read::Line(line) => {
                    command.push('\n');
                    command.push_str(&line);
                }
                // Ctrl-C drops the whole command.
                Read::Interrupted => return Ok(Read::Interrupted),
                // Ctrl-D: the command as it is, which the parser calls unterminated.
                Read::Eof => break,
            }
        }
        self.remember(&command);
        Ok(Read::Line(command))
    }

    fn ask(&mut self, prompt: &str, mode: PromptMode) -> Result<Read> {
        self.readline(prompt, mode)
    }

    /// Not through the line editor: see `secret`.
    fn read_secret(&mut self, prompt: &str) -> Result<Read> {
        self.reading(Reader::Secret);
        let read = super::secret::ask(prompt);
        self.reading(Reader::Busy);
        read
    }

    fn take_dropped(&mut self) -> usize {
        self.relay.as_ref().map_or(0, Relay::take_dropped)
    }

    fn history(&self) -> Vec<String> {
        self.editor.history().iter().cloned().collect()
    }

    fn line_number(&self) -> usize {
        self.line
    }

    fn set_vocabulary(&mut self, vocabulary: &Vocabulary) {
        if let Some(helper) = self.editor.helper_mut() {
            helper.vocabulary = vocabulary.clone();
        }
    }

    fn is_interactive(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_reads_line_by_line_and_stops_at_a_bad_one() {
        let mut input = ScriptInput::new(&b"users\r\n\xff\nposts\n"[..]);
        assert!(matches!(input.read(""), Ok(Read::Line(l)) if l == "users"));
        let error = input.read("").err().expect("not UTF-8");
        assert!(
            error.message().starts_with("line 2: not valid UTF-8"),
            "{error}"
        );
        assert_eq!(input.line_number(), 2);
    }
}
