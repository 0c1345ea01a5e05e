//! Where a command's output goes. In a script: a buffered stdout, flushed whenever the shell is about
//! to wait for input (so a person or program at the other end sees each answer). At a terminal: the
//! screen, or a pager (`$PAGER`, by default `less -FRX`, as psql does) once the output is taller than
//! the screen; either way it streams, so a million-row listing never sits in memory.

use std::io::{BufWriter, Stdout, Write};
use std::process::{Child, Command, Stdio};

use super::relay::Lent;
use crate::command::Existing;

const DEFAULT_PAGER: &str = "less -FRX";

pub enum Output {
    /// Scripts, and terminals for short results.
    Direct(BufWriter<Stdout>),
    /// At a terminal: held back until it is clear whether it fits on the screen.
    Holding {
        text: Vec<u8>,
        lines: usize,
        rows: usize,
    },
    /// Taller than the screen: flowing into the pager, which has the terminal's keys meanwhile.
    Paging(Child, Option<Lent>),
    /// The pager was quit before the end: the rest is dropped.
    Closed,
    /// `output FILE`: results go to a file until `output` alone.
    File(BufWriter<std::fs::File>),
}

impl Output {
    pub fn direct() -> Self {
        Output::Direct(BufWriter::with_capacity(64 * 1024, std::io::stdout()))
    }

    /// For one command's output at a terminal.
    pub fn paged() -> Self {
        let rows =
            terminal_size::terminal_size().map_or(usize::MAX, |(_, h)| usize::from(h.0).max(1));
        Output::Holding {
            text: Vec::new(),
            lines: 0,
            rows,
        }
    }

    /// The file `output` names, opened as `existing` says.
    pub fn file(path: &str, existing: Existing) -> std::io::Result<Self> {
        let mut options = std::fs::OpenOptions::new();
        match existing {
            Existing::Refuse => options.write(true).create_new(true),
            Existing::Append => options.append(true).create(true),
            Existing::Replace => options.write(true).create(true).truncate(true),
        };
        Ok(Output::File(BufWriter::with_capacity(
            64 * 1024,
            options.open(path)?,
        )))
    }

    /// Whether the reader has gone away (the pager was quit): no point producing more.
    pub fn is_closed(&self) -> bool {
        matches!(self, Output::Closed)
    }

    /// Ends the output: what was held goes to the screen, the pager is waited for.
    pub fn finish(self) -> std::io::Result<()> {
        match self {
            Output::Direct(mut out) => out.flush(),
            Output::Holding { text, .. } => {
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(&text)?;
                stdout.flush()
            }
            Output::Paging(mut child, _lent) => {
                drop(child.stdin.take());
                child.wait().map(drop)
            }
            Output::Closed => Ok(()),
            Output::File(mut file) => file.flush(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Direct(out) => out.write(buf),
            Output::Holding { text, lines, rows } => {
                text.extend_from_slice(buf);
                *lines += buf.iter().filter(|b| **b == b'\n').count();
                if *lines >= *rows
                    && let Ok((mut child, lent)) = start_pager()
                {
                    let held = std::mem::take(text);
                    let written = child.stdin.as_mut().map(|stdin| stdin.write_all(&held));
                    *self = match written {
                        Some(Ok(())) => Output::Paging(child, lent),
                        _ => Output::Closed,
                    };
                }
                Ok(buf.len())
            }
            Output::Paging(child, _) => {
                let result = child.stdin.as_mut().map(|stdin| stdin.write_all(buf));
                if !matches!(result, Some(Ok(()))) {
                    // The user quit the pager: not an error, just the end of reading.
                    let _ = child.wait();
                    *self = Output::Closed;
                }
                Ok(buf.len())
            }
            Output::Closed => Ok(buf.len()),
            Output::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Direct(out) => out.flush(),
            Output::File(file) => file.flush(),
            Output::Paging(child, _) => {
                let _ = child.stdin.as_mut().map(Write::flush);
                Ok(())
            }
            Output::Holding { .. } | Output::Closed => Ok(()),
        }
    }
}

/// The pager, and the terminal lent to it (it reads its keys there itself).
fn start_pager() -> std::io::Result<(Child, Option<Lent>)> {
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PAGER.to_string());
    let words = crate::command::lexer::split(&pager)
        .map(|words| crate::command::lexer::texts(&words))
        .map_err(|_| std::io::Error::other("PAGER has an unterminated quote"))?;
    let Some((program, args)) = words.split_first() else {
        return Err(std::io::Error::other("empty PAGER"));
    };
    let lent = super::relay::lend();
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .spawn()?;
    Ok((child, lent))
}
