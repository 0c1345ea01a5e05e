//! The read-parse-execute-render loop, shared by the interactive prompt and scripts.
//!
//! Scripts stop at the first failing command (`error: line N: reason`) unless `--continue-on-error`;
//! `--single-transaction` makes the whole script one transaction, committed only if every command
//! succeeded.

use std::io::{IsTerminal, Write};

use std::time::Instant;

use crate::command::{self, Command, Secret, validate};
use crate::error::{Error, Result};
use crate::helper::PromptMode;
use crate::input::{Input, Read};
use crate::output::{Outcome, Rows};
use crate::pager;
use crate::render::{Format, Renderer};
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
    let trimmed = line.trim();
    if options.echo && !trimmed.is_empty() {
        println!("> {trimmed}");
    }
    let Some(command) = command::parse(line)? else {
        return Ok(Step::Continue);
    };
    // Commands that need the prompt itself: questions, secrets, its history.
    let command = match command {
        Command::Exit => return Ok(Step::Exit),
        Command::AddPostPrompt => ask_for_post(input, options.echo)?,
        Command::SetPassword(user) => Command::StorePassword {
            user,
            password: ask_for_new_password(input)?,
        },
        Command::CheckPassword(user) => Command::VerifyPassword {
            user,
            password: ask_for_secret(input, "password: ")?,
        },
        other => other,
    };
    let started = Instant::now();
    let outcome = match command {
        Command::History => history_rows(input),
        other => session.execute(&other).await?,
    };
    let renderer = Renderer {
        format: session.format,
        terminal,
    };
    let mut text = Vec::new();
    renderer.render(&outcome, &mut text, &mut std::io::stderr())?;
    if session.timing {
        let time = format!("Time: {:.3} ms\n", started.elapsed().as_secs_f64() * 1000.0);
        match session.format {
            Format::Table => text.extend_from_slice(time.as_bytes()),
            Format::Json | Format::Csv => eprint!("{time}"),
        }
    }
    if input.is_interactive() && terminal {
        pager::show(&text)?;
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&text)?;
        stdout.flush()?;
    }
    Ok(Step::Continue)
}

fn history_rows(input: &dyn Input) -> Outcome {
    let mut rows = Rows::new(&["#", "command"]);
    for (i, line) in input.history().into_iter().enumerate() {
        rows.push(vec![(i as i64 + 1).into(), line.into()]);
    }
    Outcome::Rows(rows)
}

/// One answer; Ctrl-C or the end of the input cancels the whole command.
fn answer(input: &mut dyn Input, prompt: &str, mode: PromptMode) -> Result<String> {
    let read = match mode {
        PromptMode::Secret => input.read_secret(prompt)?,
        _ => input.ask(prompt, mode)?,
    };
    match read {
        Read::Line(line) => Ok(line),
        Read::Interrupted => Err(Error::new("cancelled: nothing was written")),
        Read::Eof => Err(Error::new(format!(
            "the input ended before the {} was given: nothing was written",
            prompt.trim_end_matches([':', ' '])
        ))),
    }
}

fn ask_for_secret(input: &mut dyn Input, prompt: &str) -> Result<Secret> {
    answer(input, prompt, PromptMode::Secret).map(Secret)
}

/// Twice at a terminal, so a typo is caught; once (the next line) in a script.
fn ask_for_new_password(input: &mut dyn Input) -> Result<Secret> {
    let first = ask_for_secret(input, "new password: ")?;
    if input.is_interactive() {
        let again = ask_for_secret(input, "again: ")?;
        if again != first {
            return Err(Error::new("the two passwords differ: nothing was changed"));
        }
    }
    Ok(first)
}

/// `add post` alone: the body, then the author, each on its own line (typed, or the script's next).
fn ask_for_post(input: &mut dyn Input, echo: bool) -> Result<Command> {
    let mut ask = |prompt: &str, mode: PromptMode| -> Result<String> {
        let line = answer(input, prompt, mode)?;
        if echo {
            println!("> {}", line.trim());
        }
        Ok(line)
    };
    let body = ask("body: ", PromptMode::Body)?;
    let body = body.trim().to_string();
    validate::body(&body)?;
    let author = ask("author: ", PromptMode::Author)?;
    let author = command::user_ref(author.trim())?;
    Ok(Command::AddPost { body, author })
}
