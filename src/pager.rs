//! Long results at a terminal go through a pager (`$PAGER`, by default `less -FRX`), as psql does,
//! when they are taller than the screen. Anything else is written straight to stdout.

use std::io::Write;
use std::process::{Command, Stdio};

const DEFAULT_PAGER: &str = "less -FRX";

pub fn show(text: &[u8]) -> std::io::Result<()> {
    let rows = terminal_size::terminal_size().map_or(usize::MAX, |(_, h)| usize::from(h.0));
    let lines = text.iter().filter(|b| **b == b'\n').count();
    if lines >= rows && page(text).is_ok() {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text)?;
    stdout.flush()
}

/// Runs the pager on `text`; an error (no such pager) means the caller prints it instead.
fn page(text: &[u8]) -> std::io::Result<()> {
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PAGER.to_string());
    let words = shell_words::split(&pager).map_err(std::io::Error::other)?;
    let Some((program, args)) = words.split_first() else {
        return Err(std::io::Error::other("empty PAGER"));
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // The user may quit the pager before reading it all: a broken pipe is not an error.
        let _ = stdin.write_all(text);
    }
    child.wait()?;
    Ok(())
}
