//! The read-parse-execute-render loop, shared by the interactive prompt and scripts: each line is
//! parsed, carried out by whoever the [`Command`] says (the prompt itself, or the database
//! session), and its outcome rendered.
//!
//! Scripts stop at the first failing command (`error: line N: reason`) unless `--continue-on-error`;
//! `--single-transaction` makes the whole script one transaction, committed only if every command
//! succeeded, and lets consecutive `add post` lines go in as multi-row inserts (`db::bulk`), the
//! next lines read and queued while the database inserts one.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use chrono::NaiveDateTime;
use futures_util::FutureExt;

use super::input::{Input, Read};
use super::pager::Output;
use super::progress::{Progress, RowsProgress};
use super::{interrupt, questions};
use crate::command::{
    self, Command, Format, MigrateAction, MigrateCommand, PromptCommand, ReadCommand, UserRef,
    WriteCommand, help,
};
use crate::command::{Existing, OutputFile};
use crate::db::asking::Person;
use crate::db::commands::bulk::{BATCH_ROWS, PendingPost, PostBatch};
use crate::db::migrating::Migrated;
use crate::db::session::{Answer, Lock, Session};
use crate::db::{commands::queries, sql::echo};
use crate::entities::{self, post::now_utc};
use crate::error::{Error, Result, quoted};
use crate::migrate::Report;
use crate::render::visible::visible;
use crate::render::{Halt, Outcome, Renderer, Rows};

/// Whom the session asks: the person at the prompt, if one is there (written out, not a method,
/// so that the session can be borrowed beside it).
macro_rules! person {
    ($runner:expr) => {
        &mut AtThePrompt {
            there: $runner.asks(),
            input: &mut *$runner.input,
        }
    };
}

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub echo: bool,
    pub continue_on_error: bool,
    pub single_transaction: bool,
    /// `--sandbox`: the whole session in a transaction that is always rolled back.
    pub sandbox: bool,
    /// `--output FILE`: results to a new file from the start.
    pub output: Option<std::path::PathBuf>,
}

enum Step {
    Continue,
    /// The command failed, and its own output already says how (`migrate check` with drift).
    Failed,
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
    /// How results print (`format`), and whether each command is timed (`timing`).
    format: Format,
    timing: bool,
    terminal: bool,
    out: Output,
    /// `output FILE`: where results go instead of the screen.
    file: Option<Output>,
    /// Inside `watch`: results straight to the screen, never a pager.
    watching: bool,
    batch: PostBatch,
    /// What was read ahead while a batch was being inserted and is not an `add post` to queue
    /// (another line, the end, a read error): the main loop takes it next.
    held: Option<Result<Read>>,
    /// Lines carried out, at a terminal watching a script.
    progress: Progress,
    /// Commands that failed so far.
    failures: usize,
}

/// Runs lines from `input` until it ends or `exit`. Returns whether every command succeeded.
pub async fn run(
    session: &mut Session,
    input: &mut dyn Input,
    options: RunOptions,
    format: Format,
) -> Result<bool> {
    if options.single_transaction {
        session.begin_locked(Lock::Script).await?;
    } else if options.sandbox {
        session.begin_locked(Lock::Sandbox).await?;
    }
    // `--output FILE`: as `output FILE` before the first line.
    let file = match &options.output {
        Some(path) => Some(
            Output::file(&path.to_string_lossy(), Existing::Refuse).map_err(|e| {
                Error::new(format!(
                    "cannot write {}: {e}",
                    quoted(&path.to_string_lossy())
                ))
            })?,
        ),
        None => None,
    };
    let progress = Progress::start(!input.is_interactive());
    let mut runner = Runner {
        failures: 0,
        progress,
        held: None,
        session,
        input,
        options,
        format,
        timing: false,
        terminal: std::io::stdout().is_terminal(),
        out: Output::direct(),
        file,
        watching: false,
        batch: PostBatch::default(),
    };
    loop {
        // Whoever is on the other end sees every answer before the shell waits for more.
        if !runner.input.has_pending() {
            runner.out.flush()?;
        }
        let prompt = runner.prompt();
        let read = match runner.held.take() {
            Some(read) => read,
            None => {
                // Completion and hints name what the database has now.
                if runner.input.is_interactive() {
                    let vocabulary = runner.session.vocabulary().await;
                    runner.input.set_vocabulary(&vocabulary);
                }
                let dropped = runner.input.take_dropped();
                if dropped > 0 {
                    eprintln!(
                        "Ctrl-C: {dropped} line{} typed or pasted ahead {} not run",
                        if dropped == 1 { "" } else { "s" },
                        if dropped == 1 { "was" } else { "were" }
                    );
                }
                runner.input.read(prompt)
            }
        };
        let line = match read {
            Ok(Read::Line(line)) => line,
            Ok(Read::Interrupted) => continue,
            Ok(Read::Eof) => break,
            Err(e) => {
                // Unreadable input: nothing after it can be trusted.
                runner.report(Failure { line: 0, error: e }, false);
                runner.failures += 1;
                break;
            }
        };
        runner.progress.line();
        let stop_here = runner.stops_at_a_failure();
        let stepped = runner.step(&line).await;
        for note in runner.session.take_notes() {
            let _ = runner.out.flush();
            eprintln!("{note}");
        }
        match stepped {
            Ok(Step::Continue) => {}
            Ok(Step::Exit) => break,
            Ok(Step::Failed) => {
                runner.failures += 1;
                if stop_here {
                    break;
                }
            }
            Err(failure) => {
                runner.failures += 1;
                // A script's transaction the database ended: nothing after it may run.
                let ended = runner.options.single_transaction && failure.error.ends_transaction();
                runner.report(failure, true);
                if stop_here || ended {
                    break;
                }
            }
        }
    }
    if let Err(failure) = runner.flush_batch().await {
        runner.failures += 1;
        runner.report(failure, true);
    }
    runner.progress.finish();
    // The output file's last bytes; a failure already reported (a full disk met mid-listing) is
    // not reported twice.
    if let Some(mut file) = runner.file.take()
        && let Err(e) = file.flush()
        && runner.failures == 0
    {
        runner.failures += 1;
        let error = Error::new(format!("the output file could not be written ({e})"));
        runner.report(Failure { line: 0, error }, false);
    }
    // A reader that went away (`shell -c posts | head`) was reported once, by the command that
    // met it: flushing into the same closed pipe again is not a second failure.
    let flushed = runner.out.flush();
    if runner.failures == 0 {
        flushed?;
    }
    let options = runner.options.clone();
    finish(runner.session, options, runner.failures).await?;
    Ok(runner.failures == 0)
}

async fn finish(session: &mut Session, options: RunOptions, failures: usize) -> Result<()> {
    if session.sandboxed() {
        session.rollback().await?;
        eprintln!("Sandbox: everything done in this session was rolled back");
    } else if options.single_transaction {
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
        if self.session.sandboxed() {
            "microblog (sandbox)> "
        } else if self.session.in_transaction() && !self.options.single_transaction {
            "microblog (transaction)> "
        } else {
            "microblog> "
        }
    }

    /// A script stops at its first failing line, unless `--continue-on-error`; a person at the
    /// prompt goes on.
    fn stops_at_a_failure(&self) -> bool {
        !self.input.is_interactive() && !self.options.continue_on_error
    }

    fn report(&mut self, failure: Failure, with_line: bool) {
        let _ = self.out.flush();
        if self.input.is_interactive() || !with_line {
            eprintln!("error: {}", visible(&failure.error.to_string()));
        } else {
            eprintln!(
                "error: line {}: {}",
                failure.line,
                visible(&failure.error.to_string())
            );
        }
    }

    fn fail(&self, error: Error) -> Failure {
        Failure {
            line: self.input.line_number(),
            error,
        }
    }

    async fn step(&mut self, line: &str) -> std::result::Result<Step, Failure> {
        let echo = echo_of(line, &self.options);
        let vocabulary = self.session.vocabulary().await;
        let command = command::parse_in(line, &vocabulary).map_err(|e| self.fail(e.into()));
        let batched = |c: &Command| matches!(c, Command::Write(WriteCommand::AddPost { .. }));
        // A batched post prints after its batch: so must every line that comes after it.
        if !(self.options.single_transaction
            && command
                .as_ref()
                .is_ok_and(|c| c.as_ref().is_some_and(batched)))
        {
            self.flush_batch().await?;
            if let Some(echo) = &echo {
                self.write(echo.as_bytes())?;
            }
        }
        let Some(command) = command? else {
            return Ok(Step::Continue);
        };
        if let Command::Write(WriteCommand::AddPost { body, author, with }) = &command
            && with.is_empty()
            && self.options.single_transaction
        {
            return self.queue_post(body, author, echo, now_utc()).await;
        }
        // A user added leaves every author resolved so far as it was (its name differs from every
        // other even ignoring case, so no reference typed before can mean it): the cache stays.
        if !matches!(command, Command::Write(WriteCommand::AddUser { .. })) {
            self.batch.forget_authors();
        }
        self.run_command(command).await.map_err(|e| self.fail(e))
    }

    fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), Failure> {
        self.out.write_all(bytes).map_err(|e| self.fail(e.into()))
    }

    async fn run_command(&mut self, command: Command) -> Result<Step> {
        let started = Instant::now();
        let answer = match command {
            Command::Prompt(prompt) => match self.prompt_command(prompt).await? {
                Some(answer) => answer,
                None => return Ok(Step::Exit),
            },
            Command::Transaction(t) => Answer::Done(self.session.transaction_command(t).await?),
            Command::Read(read) => self.session.read(&read).await?,
            Command::Write(write) => {
                match self.session.agreed_to_write(&write, person!(self)).await? {
                    true => {
                        // A long import shows its rows going by (while the write runs).
                        // (Scripts have their own progress line.)
                        let _progress = (matches!(write, WriteCommand::Import { .. })
                            && self.asks())
                        .then(|| RowsProgress::start(&crate::db::commands::import::ROWS_READ))
                        .flatten();
                        Answer::Done(match &write {
                            WriteCommand::AddUser {
                                username,
                                email,
                                with,
                            } => {
                                let user = self.session.add_user(username, email, with).await?;
                                // The next `add post ... by NAME` lines need not look it up.
                                self.batch.remember(
                                    UserRef::Username(user.username.clone()),
                                    user.id,
                                    user.username.clone(),
                                );
                                queries::user_added(&user)
                            }
                            _ => self.session.write(&write).await?,
                        })
                    }
                    false => Answer::Done(Outcome::Message(
                        "Cancelled: nothing was changed".to_string(),
                    )),
                }
            }
            Command::Sql(sql) => Answer::Done(self.session.run_sql(&sql, person!(self)).await?),
            Command::Migrate(action) => Answer::Done(self.migrate(action).await?),
        };
        let passed = self.show(answer, started).await?;
        Ok(if passed { Step::Continue } else { Step::Failed })
    }

    /// `watch`: the read again every `every` seconds, the screen cleared and the time shown above
    /// it, until Ctrl-C (pgcli's `\watch`). At a terminal only: a script would never end.
    async fn watch(&mut self, every: u64, line: &str, command: &ReadCommand) -> Result<Outcome> {
        if !self.asks() {
            return Err(Error::new(
                "watch runs at a terminal, until Ctrl-C: in a script, run the command itself",
            ));
        }
        interrupt::take();
        self.watching = true;
        let stopped = loop {
            let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC");
            let header = format!("\x1b[H\x1b[2JEvery {every}s: {line}    {now}\n\n");
            if let Err(e) = self.out.write_all(header.as_bytes()) {
                break Err(e.into());
            }
            let shown = match self.session.read(command).await {
                Ok(answer) => self.show(answer, Instant::now()).await,
                Err(error) => Err(error),
            };
            if let Err(error) = shown.and_then(|_| self.out.flush().map_err(Error::from)) {
                break Err(error);
            }
            let mut waited = 0;
            let interrupted = loop {
                if interrupt::take() {
                    break true;
                }
                if waited >= every * 10 {
                    break false;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                waited += 1;
            };
            if interrupted {
                break Ok(Outcome::Message("Stopped watching".to_string()));
            }
        };
        self.watching = false;
        stopped
    }

    /// `output FILE`: results to the file from now on (the one before is closed); `output`:
    /// back to the screen.
    fn redirect(&mut self, target: Option<OutputFile>) -> Result<Outcome> {
        // What went to the previous file is written out first (the new one may be the same file);
        // if the new one cannot be opened, output stays where it was.
        if let Some(previous) = self.file.as_mut()
            && let Err(e) = previous.flush()
        {
            // Said once: the file is given up, and output is back on the screen.
            self.file = None;
            return Err(Error::new(format!(
                "the output file could not be written ({e}): output is back on the screen"
            )));
        }
        let file = match &target {
            None => None,
            Some(target) => {
                Some(
                    Output::file(&target.path, target.existing).map_err(|e| match e.kind() {
                        std::io::ErrorKind::AlreadyExists => Error::new(format!(
                            "{} exists: add --append to add to it, or --force to replace it",
                            quoted(&target.path)
                        )),
                        _ => Error::new(format!("cannot write {}: {e}", quoted(&target.path))),
                    })?,
                )
            }
        };
        self.file = file;
        Ok(Outcome::Message(match target {
            None => "Output back to the screen".to_string(),
            Some(target) => format!("Output goes to {} until output alone", target.path),
        }))
    }

    /// Whether questions are asked: at a terminal only, never in scripts or `-c`.
    fn asks(&self) -> bool {
        self.input.is_interactive() && self.terminal
    }

    /// The commands the prompt carries out itself, or after asking its questions; `None` to leave.
    async fn prompt_command(&mut self, command: PromptCommand) -> Result<Option<Answer>> {
        let outcome = match command {
            PromptCommand::Help(None) => {
                let vocabulary = self.session.vocabulary().await;
                Outcome::Message(help::overview(&entities::descriptions_in(&vocabulary)))
            }
            PromptCommand::Help(Some(topic)) => {
                let vocabulary = self.session.vocabulary().await;
                Outcome::Message(help::topic(&topic, &vocabulary)?)
            }
            PromptCommand::Context => self.session.context(self.format).await?,
            PromptCommand::Format(setting) => {
                if let Some(format) = setting {
                    self.format = format;
                }
                Outcome::Message(format!("Format: {}", self.format.name()))
            }
            PromptCommand::Timing(setting) => {
                self.timing = setting.unwrap_or(!self.timing);
                let state = if self.timing { "on" } else { "off" };
                Outcome::Message(format!("Timing is {state}"))
            }
            PromptCommand::History => history_rows(self.input),
            PromptCommand::Output(target) => self.redirect(target)?,
            PromptCommand::EchoSql(setting) => {
                let on = setting.unwrap_or(!echo::is_on());
                if on {
                    echo::start();
                } else {
                    echo::stop();
                }
                Outcome::Message(format!("SQL echo is {}", if on { "on" } else { "off" }))
            }
            PromptCommand::Explain(command) => self.session.explain(&command).await?,
            PromptCommand::Watch {
                every,
                line,
                command,
            } => self.watch(every, &line, &command).await?,
            PromptCommand::Exit => return Ok(None),
            PromptCommand::AskForPost => {
                let (body, author) = self.ask_for_post()?;
                self.session
                    .write(&WriteCommand::AddPost {
                        body,
                        author,
                        with: Vec::new(),
                    })
                    .await?
            }
            PromptCommand::SetPassword(user) => {
                // Refused before the password is asked for.
                self.session.refuse_on_standby("a write").await?;
                let password = questions::new_password(self.input)?;
                self.session
                    .write(&WriteCommand::SetPassword { user, password })
                    .await?
            }
            PromptCommand::CheckPassword(user) => {
                let password = questions::password(self.input)?;
                let check = ReadCommand::CheckPassword { user, password };
                return self.session.read(&check).await.map(Some);
            }
        };
        Ok(Some(Answer::Done(outcome)))
    }

    /// `migrate ...` at the prompt: carried out by the session (as on the command line),
    /// reported as one block.
    async fn migrate(&mut self, action: MigrateAction) -> Result<Outcome> {
        let mut report = Report::default();
        let command = MigrateCommand::Anywhere(action);
        let migrated = self
            .session
            .migrate(&command, person!(self), &mut report)
            .await?;
        Ok(match migrated {
            Migrated::Cancelled => Outcome::Message("Cancelled: nothing was changed".to_string()),
            Migrated::Done => Outcome::Report {
                text: report.text(),
                passed: report.passed,
            },
        })
    }

    /// Renders an answer (streaming a listing page by page) and the time it took; returns whether
    /// the command passed.
    async fn show(&mut self, answer: Answer, started: Instant) -> Result<bool> {
        let renderer = Renderer {
            to_file: self.file.is_some(),
            format: self.format,
            terminal: self.terminal && self.file.is_none(),
            width: self
                .terminal
                .then(terminal_size::terminal_size)
                .flatten()
                .map(|(w, _)| w.0),
        };
        if !renderer.format.for_people() {
            // Messages go to stderr in machine formats: everything before them goes out first.
            self.out.flush()?;
        }
        let interactive =
            self.input.is_interactive() && self.terminal && self.file.is_none() && !self.watching;
        let mut paged = interactive.then(Output::paged);
        // Results to the file `output` named; messages for people stay on the screen.
        let mut stderr = std::io::stderr();
        let (out, notes): (&mut Output, &mut dyn Write) = match self.file.as_mut() {
            Some(file) => (file, &mut self.out),
            None => (paged.as_mut().unwrap_or(&mut self.out), &mut stderr),
        };
        // `echo sql`: the statements before what they produced; beside the results for people,
        // on stderr (or the screen, with `output`) otherwise.
        let echo_beside = renderer.format.for_people() && !renderer.to_file;
        let echo = |out: &mut Output, notes: &mut dyn Write| -> std::io::Result<()> {
            let text: String = echo::take()
                .iter()
                .map(|s| format!("SQL: {}\n", echo::shown(s)))
                .collect();
            match echo_beside {
                true => out.write_all(text.as_bytes()),
                false => notes.write_all(text.as_bytes()),
            }
        };
        echo(out, notes)?;
        let passed = match answer {
            Answer::Listing(listing) => {
                interrupt::take();
                let mut pages = self.session.pages(*listing);
                renderer
                    .stream(
                        &mut pages,
                        out,
                        |out| {
                            if out.is_closed() {
                                Some(Halt::Quietly)
                            } else if interrupt::take() {
                                Some(Halt::Interrupted)
                            } else {
                                None
                            }
                        },
                        |out| echo(out, notes),
                    )
                    .await?;
                true
            }
            Answer::Done(outcome) => {
                renderer.render(&outcome, out, notes)?;
                outcome.passed()
            }
        };
        if self.timing {
            let time = format!("Time: {:.3} ms\n", started.elapsed().as_secs_f64() * 1000.0);
            if renderer.to_file {
                notes.write_all(time.as_bytes())?;
            } else if self.format.for_people() {
                out.write_all(time.as_bytes())?;
            } else {
                out.flush()?;
                eprint!("{time}");
            }
        }
        if let Some(paged) = paged {
            paged.finish()?;
        }
        Ok(passed)
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
            self.flush_batch_reading_ahead().await?;
        }
        Ok(Step::Continue)
    }

    /// A full batch: while the database inserts it (on its own thread: sqlx's SQLite worker, or
    /// the server), the script's next lines are read and, as long as each is an `add post` by an
    /// author already resolved, queued for the next batch (all but its last line, which the main
    /// loop adds and which sends it). The first other line is held, to run after this batch's
    /// lines are printed. A pipe is never waited on (only whole lines it already sent are taken),
    /// so every answer still comes as soon as it can.
    async fn flush_batch_reading_ahead(&mut self) -> std::result::Result<(), Failure> {
        let posts = self.batch.take();
        let Runner {
            session,
            input,
            batch,
            held,
            options,
            progress,
            ..
        } = self;
        let inserted = {
            let mut insert = std::pin::pin!(session.insert_posts(&posts));
            let mut inserted = None;
            while held.is_none() && batch.pending.len() + 1 < BATCH_ROWS && input.can_read_ahead() {
                if inserted.is_none() {
                    // Polled once per line, so the insert moves on (SAVEPOINT, INSERT, RELEASE)
                    // while the lines are read.
                    inserted = insert.as_mut().now_or_never();
                }
                let line = match input.read("") {
                    Ok(Read::Line(line)) => line,
                    other => {
                        *held = Some(other);
                        break;
                    }
                };
                match queueable(&line, input.line_number(), options, batch) {
                    Some(post) => {
                        progress.line();
                        batch.push(post);
                    }
                    None => *held = Some(Ok(Read::Line(line))),
                }
            }
            match inserted {
                Some(done) => done,
                None => insert.await,
            }
        };
        self.print_batch(posts, inserted).await
    }

    /// Inserts the queued posts and prints their lines. If the database refuses the batch, its
    /// lines are replayed one at a time, so the failure names the line that caused it.
    async fn flush_batch(&mut self) -> std::result::Result<(), Failure> {
        let posts = self.batch.take();
        if posts.is_empty() {
            return Ok(());
        }
        let inserted = self.session.insert_posts(&posts).await;
        self.print_batch(posts, inserted).await
    }

    /// A batch's lines, once the database answered: "Added post N by NAME" for each, or, if it
    /// refused the batch, each line again on its own until the one it refuses.
    async fn print_batch(
        &mut self,
        posts: Vec<PendingPost>,
        inserted: Result<Vec<i32>>,
    ) -> std::result::Result<(), Failure> {
        let printed = self.print_or_replay(posts, inserted).await;
        if printed.is_err() {
            // Nothing after the line that stops the script runs: nor the lines read ahead.
            self.batch.take();
            self.held = None;
        }
        printed
    }

    async fn print_or_replay(
        &mut self,
        posts: Vec<PendingPost>,
        inserted: Result<Vec<i32>>,
    ) -> std::result::Result<(), Failure> {
        match inserted {
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
            // The transaction itself is gone: line by line would run outside it.
            Err(error) if error.ends_transaction() => Err(Failure {
                line: posts.first().map_or(0, |p| p.line),
                error,
            }),
            Err(_) => {
                for post in posts {
                    if let Some(echo) = &post.echo {
                        self.write(echo.as_bytes())?;
                    }
                    match self.session.write(&post.command()).await {
                        Ok(Outcome::Message(text)) => self.write(format!("{text}\n").as_bytes())?,
                        Ok(_) => {}
                        Err(error) => {
                            let failure = Failure {
                                line: post.line,
                                error,
                            };
                            // The script goes on past a failing line (`--continue-on-error`):
                            // so does the batch, with the lines after it.
                            if self.stops_at_a_failure() || failure.error.ends_transaction() {
                                return Err(failure);
                            }
                            self.failures += 1;
                            self.report(failure, true);
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// `add post` alone: the body, then the author, each on its own line (typed, or the script's next).
    fn ask_for_post(&mut self) -> Result<(String, UserRef)> {
        let Runner {
            input,
            out,
            options,
            ..
        } = self;
        let mut echo = |line: &str| -> Result<()> {
            if options.echo {
                writeln!(out, "> {}", line.trim())?;
            }
            Ok(())
        };
        let body = questions::post_body(*input, &mut echo)?;
        let author = questions::post_author(*input, &mut echo)?;
        Ok((body, author))
    }
}

/// The person at the prompt, asked through its input (a terminal's; never in a script).
struct AtThePrompt<'a> {
    there: bool,
    input: &'a mut dyn Input,
}

impl Person for AtThePrompt<'_> {
    fn is_there(&self) -> bool {
        self.there
    }

    fn agrees(&mut self, question: &str) -> Result<bool> {
        questions::agrees(self.input, question)
    }
}

fn history_rows(input: &dyn Input) -> Outcome {
    let mut rows = Rows::new(&["#", "command"]);
    for (i, line) in input.history().into_iter().enumerate() {
        rows.push(vec![(i as i64 + 1).into(), line.into()]);
    }
    Outcome::Rows(rows)
}

/// Script line `number` as a post for the batch being read ahead, if it can join it without
/// running anything first: an `add post` whose author is already resolved.
fn queueable(
    line: &str,
    number: usize,
    options: &RunOptions,
    batch: &PostBatch,
) -> Option<PendingPost> {
    let Ok(Some(Command::Write(WriteCommand::AddPost { body, author, with }))) =
        command::parse(line)
    else {
        return None;
    };
    if !with.is_empty() {
        return None;
    }
    let (author_id, author) = batch.author(&author)?;
    Some(PendingPost {
        line: number,
        echo: echo_of(line, options),
        body,
        timestamp: now_utc(),
        author_id,
        author,
    })
}

/// `> line`, printed before a line's answer under `--echo`.
fn echo_of(line: &str, options: &RunOptions) -> Option<String> {
    let trimmed = line.trim();
    (options.echo && !trimmed.is_empty()).then(|| format!("> {trimmed}\n"))
}
