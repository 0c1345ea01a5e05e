//! A password typed at the terminal. It never goes through the line editor: rustyline draws no
//! mask when colour is off (`NO_COLOR`) and, on a terminal it does not support (`TERM=dumb`), lets
//! the terminal echo every key. Here the terminal's own echo is switched off for the answer, keys
//! are read one by one and each character shows as `*`, whatever the colour, `TERM` or size.

use std::io::Write;
use std::os::fd::AsFd;

use nix::sys::termios::{self, LocalFlags, SetArg, SpecialCharacterIndices, Termios};

use super::input::Read;
use crate::error::{Error, Result};

const CTRL_C: u8 = 0x03;
const ESC: u8 = 0x1b;
const CTRL_D: u8 = 0x04;
const CTRL_U: u8 = 0x15;
const BACKSPACE: u8 = 0x08;
const DELETE: u8 = 0x7f;

/// Puts the terminal back as it was, whatever happens while the answer is read.
struct Restore<'a, Fd: AsFd> {
    fd: &'a Fd,
    original: Termios,
}

impl<Fd: AsFd> Drop for Restore<'_, Fd> {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(self.fd, SetArg::TCSADRAIN, &self.original);
    }
}

/// Asks at the terminal on stdin; `Interrupted` for Ctrl-C, `Eof` for Ctrl-D on an empty answer.
pub fn ask(prompt: &str) -> Result<Read> {
    let stdin = std::io::stdin();
    let original = termios::tcgetattr(&stdin)
        .map_err(|e| Error::new(format!("cannot read the terminal: {e}")))?;
    let mut quiet = original.clone();
    // No echo, key by key, Ctrl-C as a key (so it cancels the question, not the shell).
    quiet
        .local_flags
        .remove(LocalFlags::ECHO | LocalFlags::ICANON | LocalFlags::ISIG);
    quiet.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
    quiet.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
    termios::tcsetattr(&stdin, SetArg::TCSADRAIN, &quiet)
        .map_err(|e| Error::new(format!("cannot read the terminal: {e}")))?;
    let _restore = Restore {
        fd: &stdin,
        original,
    };
    let mut out = std::io::stdout();
    let _ = write!(out, "{prompt}");
    let _ = out.flush();
    let mut answer: Vec<u8> = Vec::new();
    // Inside an escape sequence (an arrow key, the markers around a pasted password): not text.
    let mut escape = Escape::None;
    let read = loop {
        let mut byte = [0u8; 1];
        // Straight from the descriptor, one byte: nothing typed after the answer is taken.
        match nix::unistd::read(&stdin, &mut byte) {
            Ok(0) => break Read::Eof,
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(Error::new(format!("cannot read the terminal: {e}"))),
        }
        escape = match (escape, byte[0]) {
            (Escape::None | Escape::Ended, ESC) => Escape::Started,
            (Escape::Started, b'[') => Escape::Csi,
            (Escape::Started, _) => Escape::Ended,
            (Escape::Csi, b) if (0x40..=0x7e).contains(&b) => Escape::Ended,
            (Escape::Csi, _) => Escape::Csi,
            (Escape::None | Escape::Ended, _) => Escape::None,
        };
        if escape != Escape::None {
            continue;
        }
        match byte[0] {
            b'\r' | b'\n' => break Read::Line(String::from_utf8_lossy(&answer).into_owned()),
            CTRL_C => break Read::Interrupted,
            CTRL_D if answer.is_empty() => break Read::Eof,
            DELETE | BACKSPACE => {
                if pop_char(&mut answer) {
                    let _ = write!(out, "\x08 \x08");
                }
            }
            CTRL_U => {
                let shown = String::from_utf8_lossy(&answer).chars().count();
                answer.clear();
                let _ = write!(out, "{}", "\x08 \x08".repeat(shown));
            }
            b if b < 0x20 => {}
            b => {
                answer.push(b);
                // A star per character: on the byte that starts it.
                if b & 0xC0 != 0x80 {
                    let _ = write!(out, "*");
                }
            }
        }
        let _ = out.flush();
    };
    let _ = write!(out, "\r\n");
    let _ = out.flush();
    Ok(read)
}

/// Where the reader is in an escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    Started,
    Csi,
    /// The sequence's last byte: skipped too.
    Ended,
}

/// Removes the last character (all its UTF-8 bytes); `false` if there was none.
fn pop_char(answer: &mut Vec<u8>) -> bool {
    if answer.is_empty() {
        return false;
    }
    while let Some(b) = answer.pop() {
        if b & 0xC0 != 0x80 {
            break;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backspace_takes_a_whole_character() {
        let mut answer = "pé".as_bytes().to_vec();
        assert!(pop_char(&mut answer));
        assert_eq!(answer, b"p");
        assert!(pop_char(&mut answer));
        assert!(!pop_char(&mut answer));
    }
}
