//! The read-parse-execute-render loop, shared by the interactive prompt and scripts: each line is
//! parsed, carried out by whoever the [`Command`] says (the prompt itself, or the database
//! session's one door, `Session::execute`), and its answer rendered (`screen`).
//!
//! Scripts stop at the first failing command (`error: line N: reason`) unless `--continue-on-error`;
//! `--single-transaction` makes the whole script one transaction, committed only if every command
//! succeeded, and lets the session queue consecutive `add post` lines for multi-row inserts
//! (`db::queued`): the loop keeps each queued line's number and echo, prints the lines once their
//! batch is in, and hands the session the next lines to read ahead while it inserts a full one.

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use super::input::{Input, Read};
use super::pager::Output;
use super::progress::{Progress, RowsProgress};
use super::screen::Screen;
use super::{interrupt, questions};
use crate::command::{
    self, Command, DataCommand, Existing, Format, PromptCommand, ReadCommand, UserRef,
    WriteCommand, help,
};
use crate::db::sql::echo;
use crate::db::{Answer, Author, Lock, NoOne, Person, ReadAhead, Session};
use crate::entities;
use crate::error::{Error, Result, quoted};
use crate::render::visible::visible;
use crate::render::{Outcome, Rows};

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

/// A failure, and the script line it belongs to (a queued line fails after later lines were read).
struct Failure {
    line: usize,
    error: Error,
}

/// A line whose `add post` the session queued: printed when its batch is in.
struct QueuedLine {
    line: usize,
    /// `> line`, under `--echo`.
    echo: Option<String>,
}

/// What a prompt command comes to.
enum Prompted {
    Done(Outcome),
    /// The questions asked, a data command for the session (`add post` alone, passwords).
    Data(DataCommand),
    Exit,
}

struct Runner<'a> {
    session: &'a mut Session,
    input: &'a mut dyn Input,
    options: RunOptions,
    screen: Screen,
    /// The lines of the posts queued so far, in order.
    queued: VecDeque<QueuedLine>,
    /// What was read ahead while a batch was being inserted and did not join the next one
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
    let screen = Screen {
        format,
        timing: false,
        terminal: std::io::stdout().is_terminal(),
        interactive: input.is_interactive(),
        out: Output::direct(),
        file,
        watching: false,
    };
    let mut runner = Runner {
        failures: 0,
        progress,
        held: None,
        session,
        input,
        options,
        screen,
        queued: VecDeque::new(),
    };
    if runner.stops_at_a_failure() {
        runner.session.stop_at_the_first_failure();
    }
    loop {
        // Whoever is on the other end sees every answer before the shell waits for more.
        if !runner.input.has_pending() {
            runner.screen.out.flush()?;
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
            let _ = runner.screen.out.flush();
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
    if let Err(failure) = runner.insert_queued(false).await {
        runner.failures += 1;
        runner.report(failure, true);
    }
    runner.progress.finish();
    // The output file's last bytes; a failure already reported (a full disk met mid-listing) is
    // not reported twice.
    if let Some(mut file) = runner.screen.file.take()
        && let Err(e) = file.flush()
        && runner.failures == 0
    {
        runner.failures += 1;
        let error = Error::new(format!("the output file could not be written ({e})"));
        runner.report(Failure { line: 0, error }, false);
    }
    // A reader that went away (`shell -c posts | head`) was reported once, by the command that
    // met it: flushing into the same closed pipe again is not a second failure.
    let flushed = runner.screen.out.flush();
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
        let _ = self.screen.out.flush();
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
        let joins = matches!(&command, Ok(Some(Command::Data(data))) if self.session.queues(data));
        // A queued post prints after its batch: so must every line that comes after it.
        if !joins {
            self.insert_queued(false).await?;
            if let Some(echo) = &echo {
                self.write(echo.as_bytes())?;
            }
        }
        let started = Instant::now();
        let data = match command? {
            None => return Ok(Step::Continue),
            Some(Command::Data(data)) => data,
            Some(Command::Prompt(prompt)) => {
                match self
                    .prompt_command(prompt)
                    .await
                    .map_err(|e| self.fail(e))?
                {
                    Prompted::Exit => return Ok(Step::Exit),
                    Prompted::Done(outcome) => {
                        return self.shown(Answer::Done(outcome), started).await;
                    }
                    Prompted::Data(data) => {
                        // Asked for at the prompt: said at once, not with a batch (its line was
                        // echoed above).
                        let step = self.execute(data, None, started).await;
                        self.insert_queued(false).await?;
                        return step;
                    }
                }
            }
        };
        self.execute(data, echo, started).await
    }

    /// A data command, carried out by the session: its answer rendered, or its line queued with
    /// the posts of its batch.
    async fn execute(
        &mut self,
        data: DataCommand,
        echo: Option<String>,
        started: Instant,
    ) -> std::result::Result<Step, Failure> {
        let line = self.input.line_number();
        let joins = self.session.queues(&data);
        let asks = self.asks();
        // A long import shows its rows going by while it runs (scripts have their own progress).
        let _progress = Session::progress_of(&data)
            .filter(|_| asks)
            .and_then(RowsProgress::start);
        let mut person = AtThePrompt {
            there: asks,
            input: &mut *self.input,
        };
        let full = match self.session.execute(data, &mut person).await {
            Ok(Answer::Queued { full }) => Ok(full),
            Ok(answer) => {
                let passed = self
                    .screen
                    .show(answer, started)
                    .await
                    .map_err(|error| Failure { line, error })?;
                return Ok(if passed { Step::Continue } else { Step::Failed });
            }
            Err(error) => Err(error),
        };
        match full {
            Ok(full) => {
                self.queued.push_back(QueuedLine { line, echo });
                if full {
                    self.insert_queued(true).await?;
                }
                Ok(Step::Continue)
            }
            // A post that would have been queued: everything queued before it is written
            // first, then this line fails.
            Err(error) if joins => {
                self.insert_queued(false).await?;
                if let Some(echo) = &echo {
                    self.write(echo.as_bytes())?;
                }
                Err(Failure { line, error })
            }
            Err(error) => Err(Failure { line, error }),
        }
    }

    /// An answer rendered: whether the command passed.
    async fn shown(
        &mut self,
        answer: Answer<'_>,
        started: Instant,
    ) -> std::result::Result<Step, Failure> {
        match self.screen.show(answer, started).await {
            Ok(true) => Ok(Step::Continue),
            Ok(false) => Ok(Step::Failed),
            Err(error) => Err(self.fail(error)),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), Failure> {
        self.screen
            .out
            .write_all(bytes)
            .map_err(|e| self.fail(e.into()))
    }

    /// The queued posts inserted by the session, and their lines printed: "Added post N by NAME"
    /// for each, or, if the database refused the batch, each line's own outcome up to the one
    /// that stops the script. With `reading_ahead`, the script's next lines are handed to the
    /// session while it inserts.
    async fn insert_queued(&mut self, reading_ahead: bool) -> std::result::Result<(), Failure> {
        if self.queued.is_empty() {
            return Ok(());
        }
        let batch: Vec<QueuedLine> = self.queued.drain(..).collect();
        let keep_going = !self.stops_at_a_failure();
        let Runner {
            session,
            input,
            options,
            queued,
            held,
            progress,
            ..
        } = self;
        let mut ahead = ReadingAhead {
            input: &mut **input,
            options,
            queued,
            held,
            progress,
        };
        let ahead = reading_ahead.then_some(&mut ahead as &mut dyn ReadAhead);
        let lines = match session.insert_queued(ahead, keep_going).await {
            Ok(lines) => lines,
            Err(error) => {
                self.stop_reading_ahead();
                return Err(Failure {
                    line: batch.first().map_or(0, |l| l.line),
                    error,
                });
            }
        };
        let mut text = String::new();
        for (queued, said) in batch.into_iter().zip(lines) {
            if let Some(echo) = &queued.echo {
                text.push_str(echo);
            }
            match said {
                Ok(Outcome::Message(added)) => {
                    text.push_str(&added);
                    text.push('\n');
                }
                Ok(_) => {}
                Err(error) => {
                    self.write(std::mem::take(&mut text).as_bytes())?;
                    let failure = Failure {
                        line: queued.line,
                        error,
                    };
                    if !keep_going || failure.error.ends_transaction() {
                        self.stop_reading_ahead();
                        return Err(failure);
                    }
                    // The script goes on past a failing line (`--continue-on-error`): so does
                    // the batch, with the lines after it.
                    self.failures += 1;
                    self.report(failure, true);
                }
            }
        }
        self.write(text.as_bytes())
    }

    /// Nothing after the line that stops the script runs: nor the lines read ahead.
    fn stop_reading_ahead(&mut self) {
        self.queued.clear();
        self.held = None;
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
        self.screen.watching = true;
        let stopped = loop {
            let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC");
            let header = format!("\x1b[H\x1b[2JEvery {every}s: {line}    {now}\n\n");
            if let Err(e) = self.screen.out.write_all(header.as_bytes()) {
                break Err(e.into());
            }
            let read = DataCommand::Read(command.clone());
            let shown = match self.session.execute(read, &mut NoOne).await {
                Ok(answer) => self.screen.show(answer, Instant::now()).await,
                Err(error) => Err(error),
            };
            if let Err(error) = shown.and_then(|_| self.screen.out.flush().map_err(Error::from)) {
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
        self.screen.watching = false;
        stopped
    }

    /// Whether questions are asked: at a terminal only, never in scripts or `-c`.
    fn asks(&self) -> bool {
        self.input.is_interactive() && self.screen.terminal
    }

    /// The commands the prompt carries out itself, or after asking its questions.
    async fn prompt_command(&mut self, command: PromptCommand) -> Result<Prompted> {
        let outcome = match command {
            PromptCommand::Help(None) => {
                let vocabulary = self.session.vocabulary().await;
                Outcome::Message(help::overview(&entities::descriptions_in(&vocabulary)))
            }
            PromptCommand::Help(Some(topic)) => {
                let vocabulary = self.session.vocabulary().await;
                Outcome::Message(help::topic(&topic, &vocabulary)?)
            }
            PromptCommand::Context => self.session.context(self.screen.format).await?,
            PromptCommand::Format(setting) => {
                if let Some(format) = setting {
                    self.screen.format = format;
                }
                Outcome::Message(format!("Format: {}", self.screen.format.name()))
            }
            PromptCommand::Timing(setting) => {
                self.screen.timing = setting.unwrap_or(!self.screen.timing);
                let state = if self.screen.timing { "on" } else { "off" };
                Outcome::Message(format!("Timing is {state}"))
            }
            PromptCommand::History => history_rows(self.input),
            PromptCommand::Output(target) => self.screen.redirect(target)?,
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
            PromptCommand::Exit => return Ok(Prompted::Exit),
            PromptCommand::AskForPost => {
                let (body, author) = self.ask_for_post()?;
                return Ok(Prompted::Data(DataCommand::Write(WriteCommand::AddPost {
                    body,
                    author,
                    with: Vec::new(),
                })));
            }
            PromptCommand::SetPassword(user) => {
                // Refused before the password is asked for.
                self.session.refuse_on_standby("a write").await?;
                let password = questions::new_password(self.input)?;
                return Ok(Prompted::Data(DataCommand::Write(
                    WriteCommand::SetPassword { user, password },
                )));
            }
            PromptCommand::CheckPassword(user) => {
                let password = questions::password(self.input)?;
                return Ok(Prompted::Data(DataCommand::Read(
                    ReadCommand::CheckPassword { user, password },
                )));
            }
        };
        Ok(Prompted::Done(outcome))
    }

    /// `add post` alone: the body, then the author, each on its own line (typed, or the script's next).
    fn ask_for_post(&mut self) -> Result<(String, UserRef)> {
        let Runner {
            input,
            screen,
            options,
            ..
        } = self;
        let mut echo = |line: &str| -> Result<()> {
            if options.echo {
                writeln!(screen.out, "> {}", line.trim())?;
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

/// A script's next lines, handed to the session while it inserts a full batch: as long as each
/// is an `add post` by an author already resolved, it joins the next batch; the first other line
/// is held, to run after this batch's lines are printed. A pipe is never waited on (only whole
/// lines it already sent are taken), so every answer still comes as soon as it can.
struct ReadingAhead<'r> {
    input: &'r mut dyn Input,
    options: &'r RunOptions,
    queued: &'r mut VecDeque<QueuedLine>,
    held: &'r mut Option<Result<Read>>,
    progress: &'r mut Progress,
}

impl ReadAhead for ReadingAhead<'_> {
    fn next_post(
        &mut self,
        resolved: &dyn Fn(&UserRef) -> Option<Author>,
    ) -> Option<(String, Author)> {
        if self.held.is_some() || !self.input.can_read_ahead() {
            return None;
        }
        let line = match self.input.read("") {
            Ok(Read::Line(line)) => line,
            other => {
                *self.held = Some(other);
                return None;
            }
        };
        let post = match command::parse(&line) {
            Ok(Some(Command::Data(DataCommand::Write(WriteCommand::AddPost {
                body,
                author,
                with,
            }))))
                if with.is_empty() =>
            {
                resolved(&author).map(|author| (body, author))
            }
            _ => None,
        };
        match post {
            Some(post) => {
                self.progress.line();
                self.queued.push_back(QueuedLine {
                    line: self.input.line_number(),
                    echo: echo_of(&line, self.options),
                });
                Some(post)
            }
            None => {
                *self.held = Some(Ok(Read::Line(line)));
                None
            }
        }
    }
}

fn history_rows(input: &dyn Input) -> Outcome {
    let mut rows = Rows::new(&["#", "command"]);
    for (i, line) in input.history().into_iter().enumerate() {
        rows.push(vec![(i as i64 + 1).into(), line.into()]);
    }
    Outcome::Rows(rows)
}

/// `> line`, printed before a line's answer under `--echo`.
fn echo_of(line: &str, options: &RunOptions) -> Option<String> {
    let trimmed = line.trim();
    (options.echo && !trimmed.is_empty()).then(|| format!("> {trimmed}\n"))
}
