//! The read-parse-execute-render loop, shared by the interactive prompt and scripts.
//!
//! Scripts stop at the first failing command (`error: line N: reason`) unless `--continue-on-error`;
//! `--single-transaction` makes the whole script one transaction, committed only if every command
//! succeeded.

use std::io::{IsTerminal, Write};

use crate::command::{self, Command, validate};
use crate::error::{Error, Result};
use crate::input::{Input, Read};
use crate::render::Renderer;
use crate::session::Session;

#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    pub echo: bool,
    pub continue_on_error: bool,
    pub single_transaction: bool,
}

enum Step {
    Continue,
    Exit,
}

/// Runs lines from `input` until it ends or `exit`. Returns whether every command succeeded.
pub async fn run(
    session: &mut Session,
    input: &mut dyn Input,
    options: RunOptions,
) -> Result<bool> {
    let terminal = std::io::stdout().is_terminal();
    let mut failures = 0usize;
    if options.single_transaction {
        session.begin_locked().await?;
    }
    loop {
        let prompt = if session.in_transaction() && !options.single_transaction {
            "microblog (transaction)> "
        } else {
            "microblog> "
        };
        let line = match input.read(prompt) {
            Ok(Read::Line(line)) => line,
            Ok(Read::Interrupted) => continue,
            Ok(Read::Eof) => break,
            Err(e) => {
                // Unreadable input: nothing after it can be trusted.
                eprintln!("error: {e}");
                failures += 1;
                break;
            }
        };
        match step(session, input, &line, options, terminal).await {
            Ok(Step::Continue) => {}
            Ok(Step::Exit) => break,
            Err(e) => {
                failures += 1;
                std::io::stdout().flush()?;
                if input.is_interactive() {
                    eprintln!("error: {e}");
                } else {
                    eprintln!("error: line {}: {e}", input.line_number());
                    if !options.continue_on_error {
                        break;
                    }
                }
            }
        }
    }
    finish(session, options, failures).await?;
    Ok(failures == 0)
}

async fn finish(session: &mut Session, options: RunOptions, failures: usize) -> Result<()> {
    if options.single_transaction {
        if failures == 0 {
            session.commit().await?;
        } else {
            // The error line already said what failed; --single-transaction promises the rest.
            session.rollback().await?;
        }
    } else if session.rollback().await? {
        eprintln!("Rolled back the open transaction");
    }
    Ok(())
}

async fn step(
    session: &mut Session,
    input: &mut dyn Input,
    line: &str,
    options: RunOptions,
    terminal: bool,
) -> Result<Step> {
    let mut stdout = std::io::stdout().lock();
    let trimmed = line.trim();
    if options.echo && !trimmed.is_empty() {
        writeln!(stdout, "> {trimmed}")?;
    }
    let Some(mut command) = command::parse(line)? else {
        return Ok(Step::Continue);
    };
    if command == Command::AddPostPrompt {
        drop(stdout);
        command = ask_for_post(input, options.echo)?;
        stdout = std::io::stdout().lock();
    }
    if command == Command::Exit {
        return Ok(Step::Exit);
    }
    let outcome = session.execute(&command).await?;
    let renderer = Renderer {
        format: session.format,
        terminal,
    };
    renderer.render(&outcome, &mut stdout, &mut std::io::stderr())?;
    stdout.flush()?;
    Ok(Step::Continue)
}

/// `add post` alone: the body, then the author, each on its own line (typed, or the script's next).
fn ask_for_post(input: &mut dyn Input, echo: bool) -> Result<Command> {
    let mut ask = |prompt: &str| -> Result<String> {
        match input.read(prompt)? {
            Read::Line(line) => {
                if echo {
                    println!("> {}", line.trim());
                }
                Ok(line)
            }
            Read::Interrupted => Err(Error::new("cancelled: nothing was written")),
            Read::Eof => Err(Error::new(
                "add post: the input ended before the body and author were given",
            )),
        }
    };
    let body = ask("body: ")?;
    let body = body.trim().to_string();
    validate::body(&body)?;
    let author = ask("author: ")?;
    let author = command::user_ref(author.trim())?;
    Ok(Command::AddPost { body, author })
}
