//! Where command lines come from: a person at a rustyline prompt, a script on stdin or in a file, or
//! the `-c` arguments. The loop in `runner` reads them all the same way.

use std::io::BufRead;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

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
    /// The 1-based number of the line last read, for error messages.
    fn line_number(&self) -> usize;
    fn is_interactive(&self) -> bool;
}

/// A script: stdin that is not a terminal, or `--file`.
pub struct ScriptInput<R> {
    reader: R,
    line: usize,
    buffer: Vec<u8>,
}

impl<R: BufRead> ScriptInput<R> {
    pub fn new(reader: R) -> Self {
        ScriptInput {
            reader,
            line: 0,
            buffer: Vec::new(),
        }
    }
}

impl<R: BufRead> Input for ScriptInput<R> {
    fn read(&mut self, _prompt: &str) -> Result<Read> {
        self.buffer.clear();
        let n = self.reader.read_until(b'\n', &mut self.buffer)?;
        if n == 0 {
            return Ok(Read::Eof);
        }
        self.line += 1;
        if self.buffer.ends_with(b"\n") {
            self.buffer.pop();
            if self.buffer.ends_with(b"\r") {
                self.buffer.pop();
            }
        }
        match std::str::from_utf8(&self.buffer) {
            Ok(text) if text.contains('\0') => Err(Error::new(format!(
                "line {}: contains a NUL byte: is this a binary file?",
                self.line
            ))),
            Ok(text) => Ok(Read::Line(text.to_string())),
            Err(e) => Err(Error::new(format!(
                "line {}: not valid UTF-8 (bad byte at column {}): is this a binary file?",
                self.line,
                e.valid_up_to() + 1
            ))),
        }
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

/// A person at a terminal, through rustyline.
pub struct Interactive {
    editor: DefaultEditor,
    line: usize,
}

impl Interactive {
    pub fn new() -> Result<Self> {
        let editor = DefaultEditor::new()
            .map_err(|e| Error::new(format!("cannot start the line editor: {e}")))?;
        Ok(Interactive { editor, line: 0 })
    }
}

impl Input for Interactive {
    fn read(&mut self, prompt: &str) -> Result<Read> {
        match self.editor.readline(prompt) {
            Ok(line) => {
                self.line += 1;
                if !line.trim().is_empty() {
                    let _ = self.editor.add_history_entry(line.as_str());
                }
                Ok(Read::Line(line))
            }
            Err(ReadlineError::Interrupted) => Ok(Read::Interrupted),
            Err(ReadlineError::Eof) => Ok(Read::Eof),
            Err(e) => Err(Error::new(format!("cannot read the terminal: {e}"))),
        }
    }

    fn line_number(&self) -> usize {
        self.line
    }

    fn is_interactive(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8]) -> Vec<std::result::Result<String, String>> {
        let mut input = ScriptInput::new(bytes);
        let mut out = Vec::new();
        loop {
            match input.read("") {
                Ok(Read::Line(l)) => out.push(Ok(l)),
                Ok(_) => break,
                Err(e) => {
                    out.push(Err(e.to_string()));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn lines_lose_their_line_endings() {
        assert_eq!(
            lines(b"a\r\nb\n\nc"),
            [
                Ok("a".into()),
                Ok("b".into()),
                Ok("".into()),
                Ok("c".into())
            ]
        );
    }

    #[test]
    fn invalid_utf8_and_nul_bytes_name_their_line() {
        let got = lines(b"users\n\xff\xfe\n");
        assert_eq!(got[0], Ok("users".into()));
        assert!(
            got[1]
                .as_ref()
                .unwrap_err()
                .starts_with("line 2: not valid UTF-8")
        );
        let got = lines(b"a\nb\0c\n");
        assert!(
            got[1]
                .as_ref()
                .unwrap_err()
                .starts_with("line 2: contains a NUL byte")
        );
    }
}
