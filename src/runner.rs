//! The read-parse-execute-render loop, shared by the interactive prompt and scripts.
//!
//! Scripts stop at the first failing command (`error: line N: reason`) unless `--continue-on-error`;
//! `--single-transaction` makes the whole script one transaction, committed only if every command
//! succeeded, and lets consecutive `add post` lines go in as multi-row inserts (`bulk`).

use std::io::{IsTerminal, Write};
use std::time::Instant;

use chrono::NaiveDateTime;

use crate::bulk::{PendingPost, PostBatch};
use crate::command::{self, Command, Secret, UserRef, validate};
use crate::entities::post::now_utc;
use crate::error::{Error, Result};
use crate::helper::PromptMode;
use crate::input::{Input, Read};
use crate::interrupt;
use crate::output::{Outcome, Rows};
use crate::pager::Output;
use crate::progress::Progress;
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

/// A failure, and the script line it belongs to (a batched line fails after later lines were read).
struct Failure {
    line: usize,
    error: Error,
}

struct Runner<'a> {
    session: &'a mut Session,
    input: &'a mut dyn Input,
    options: RunOptions,
    terminal: bool,
    out: Output,
    batch: PostBatch,
}

/// Runs lines from `input` until it ends or `exit`. Returns whether every command succeeded.
pub async fn run(
    session: &mut Session,
    input: &mut dyn Input,
    options: RunOptions,
) -> Result<bool> {
    if options.single_transaction {
        session.begin_locked().await?;
    }
    let progress = Progress::start(!input.is_interactive());
    let mut runner = Runner {
        session,
        input,
        options,
        terminal: std::io::stdout().is_terminal(),
        out: Output::direct(),
        batch: PostBatch::default(),
    };
    let mut failures = 0usize;
    loop {
        // Whoever is on the other end sees every answer before the shell waits for more.
        if !runner.input.has_pending() {
            runner.out.flush()?;
        }
        let prompt = runner.prompt();
        let line = match runner.input.read(prompt) {
            Ok(Read::Line(line)) => line,
            Ok(Read::Interrupted) => continue,
            Ok(Read::Eof) => break,
            Err(e) => {
                // Unreadable input: nothing after it can be trusted.
                runner.report(Failure { line: 0, error: e }, false);
                failures += 1;
                break;
            }
        };
        progress.line();
        match runner.step(&line).await {
            Ok(Step::Continue) => {}
            Ok(Step::Exit) => break,
            Err(failure) => {
                failures += 1;
                runner.report(failure, true);
                if !runner.input.is_interactive() && !runner.options.continue_on_error {
                    break;
                }
            }
        }
    }
    if let Err(failure) = runner.flush_batch().await {
        failures += 1;
        runner.report(failure, true);
    }
    progress.finish();
    runner.out.flush()?;
    finish(runner.session, options, failures).await?;
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

impl Runner<'_> {
    fn prompt(&self) -> &'static str {
        if self.session.in_transaction() && !self.options.single_transaction {
            "microblog (transaction)> "
        } else {
            "microblog> "
        }
    }

    fn report(&mut self, failure: Failure, with_line: bool) {
        let _ = self.out.flush();
        if self.input.is_interactive() || !with_line {
            eprintln!("error: {}", failure.error);
        } else {
            eprintln!("error: line {}: {}", failure.line, failure.error);
        }
    }

    fn fail(&self, error: Error) -> Failure {
        Failure {
            line: self.input.line_number(),
            error,
        }
    }

    async fn step(&mut self, line: &str) -> std::result::Result<Step, Failure> {
        let trimmed = line.trim();
        let echo = (self.options.echo && !trimmed.is_empty()).then(|| format!("> {trimmed}\n"));
        let command = command::parse(line).map_err(|e| self.fail(e));
        // A batched post prints after its batch: so must every line that comes after it.
        if !(self.options.single_transaction
            && matches!(command, Ok(Some(Command::AddPost { .. }))))
        {
            self.flush_batch().await?;
            if let Some(echo) = &echo {
                self.write(echo.as_bytes())?;
            }
        }
        let Some(command) = command? else {
            return Ok(Step::Continue);
        };
        if let Command::AddPost { body, author } = &command
            && self.options.single_transaction
        {
            return self.queue_post(body, author, echo, now_utc()).await;
        }
        self.batch.forget_authors();
        self.run_command(command).await.map_err(|e| self.fail(e))
    }

    fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), Failure> {
        self.out.write_all(bytes).map_err(|e| self.fail(e.into()))
    }

    async fn run_command(&mut self, command: Command) -> Result<Step> {
        // Commands that need the prompt itself: questions, secrets, its history.
        let command = match command {
            Command::Exit => return Ok(Step::Exit),
            Command::AddPostPrompt => self.ask_for_post()?,
            Command::SetPassword(user) => Command::StorePassword {
                user,
                password: ask_for_new_password(self.input)?,
            },
            Command::CheckPassword(user) => Command::VerifyPassword {
                user,
                password: ask_for_secret(self.input, "password: ")?,
            },
            other => other,
        };
        let started = Instant::now();
        let outcome = match command {
            Command::History => history_rows(self.input),
            other => self.session.execute(&other).await?,
        };
        let renderer = Renderer {
            format: self.session.format,
            terminal: self.terminal,
        };
        if renderer.format != Format::Table {
            // Messages go to stderr in machine formats: everything before them goes out first.
            self.out.flush()?;
        }
        let interactive = self.input.is_interactive() && self.terminal;
        let mut paged = interactive.then(Output::paged);
        let out: &mut Output = paged.as_mut().unwrap_or(&mut self.out);
        if let Outcome::Listing(mut listing) = outcome {
            let columns: Vec<String> = listing.columns().iter().map(|c| c.to_string()).collect();
            let mut writer = renderer.rows_writer(&columns);
            interrupt::take();
            while !out.is_closed()
                && let Some(page) = self.session.next_page(&mut listing).await?
            {
                writer.page(&page, out)?;
                if interrupt::take() {
                    writer.finish(out)?;
                    return Err(Error::new("interrupted: the listing stopped early"));
                }
            }
            writer.finish(out)?;
        } else {
            renderer.render(&outcome, out, &mut std::io::stderr())?;
        }
        if self.session.timing {
            let time = format!("Time: {:.3} ms\n", started.elapsed().as_secs_f64() * 1000.0);
            match self.session.format {
                Format::Table => out.write_all(time.as_bytes())?,
                Format::Json | Format::Csv => {
                    out.flush()?;
                    eprint!("{time}");
                }
            }
        }
        if let Some(paged) = paged {
            paged.finish()?;
        }
        Ok(Step::Continue)
    }

    /// `add post ... by AUTHOR` in a single-transaction script: resolved now, inserted with its batch.
    async fn queue_post(
        &mut self,
        body: &str,
        author: &UserRef,
        echo: Option<String>,
        timestamp: NaiveDateTime,
    ) -> std::result::Result<Step, Failure> {
        let (author_id, name) = match self.batch.author(author) {
            Some(known) => known,
            None => match self.session.find_user(author).await {
                Ok(user) => {
                    self.batch
                        .remember(author.clone(), user.id, user.username.clone());
                    (user.id, user.username)
                }
                Err(error) => {
                    // Everything before this line is written first, then this line fails.
                    let line = self.input.line_number();
                    self.flush_batch().await?;
                    if let Some(echo) = &echo {
                        self.write(echo.as_bytes())?;
                    }
                    return Err(Failure { line, error });
                }
            },
        };
        let full = self.batch.push(PendingPost {
            line: self.input.line_number(),
            echo,
            body: body.to_string(),
            timestamp,
            author_id,
            author: name,
        });
        if full {
            self.flush_batch().await?;
        }
        Ok(Step::Continue)
    }

    /// Inserts the queued posts and prints their lines. If the database refuses the batch, its
    /// lines are replayed one at a time, so the failure names the line that caused it.
    async fn flush_batch(&mut self) -> std::result::Result<(), Failure> {
        let posts = self.batch.take();
        if posts.is_empty() {
            return Ok(());
        }
        match self.session.insert_posts(&posts).await {
            Ok(ids) => {
                let mut text = String::new();
                for (post, id) in posts.iter().zip(ids) {
                    if let Some(echo) = &post.echo {
                        text.push_str(echo);
                    }
                    text.push_str(&format!("Added post {id} by {}\n", post.author));
                }
                self.write(text.as_bytes())
            }
            Err(_) => {
                for post in posts {
                    if let Some(echo) = &post.echo {
                        self.write(echo.as_bytes())?;
                    }
                    let outcome = self.session.execute(&post.command()).await;
                    match outcome {
                        Ok(Outcome::Message(text)) => self.write(format!("{text}\n").as_bytes())?,
                        Ok(_) => {}
                        Err(error) => {
                            return Err(Failure {
                                line: post.line,
                                error,
                            });
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// `add post` alone: the body, then the author, each on its own line (typed, or the script's next).
    fn ask_for_post(&mut self) -> Result<Command> {
        let body = answer(self.input, "body: ", PromptMode::Body)?;
        self.echo_answer(&body)?;
        let body = body.trim().to_string();
        validate::body(&body)?;
        let author = answer(self.input, "author: ", PromptMode::Author)?;
        self.echo_answer(&author)?;
        let author = command::user_ref(author.trim())?;
        Ok(Command::AddPost { body, author })
    }

    fn echo_answer(&mut self, line: &str) -> Result<()> {
        if self.options.echo {
            writeln!(self.out, "> {}", line.trim())?;
        }
        Ok(())
    }
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
