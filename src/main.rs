//! The `shell` binary: reads the command line and the configuration, then hands over to the library:
//! `shell migrate ...` runs a migration command, anything else opens the shell (interactive at a
//! terminal, a script otherwise). Every failure ends as one `error: ...` line and exit status 1.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use microblog_shell::cli::{Cli, Command};
use microblog_shell::command::Format;
use microblog_shell::command::{MigrateCommand, Needs};
use microblog_shell::db::asking::Person;
use microblog_shell::db::connection::config::DatabaseTarget;
use microblog_shell::db::connection::connect;
use microblog_shell::db::migrating::{self, Migrated};
use microblog_shell::db::session::Session;
use microblog_shell::error::{Error, Result};
use microblog_shell::migrate::Report;
use microblog_shell::repl::helper::ShellHelper;
use microblog_shell::repl::input::{ArgsInput, Input, Interactive, ScriptInput};
use microblog_shell::repl::lookup::Lookup;
use microblog_shell::repl::runner::{self, RunOptions};
use microblog_shell::repl::{history, interrupt};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&Error::new(format!("cannot start the async runtime: {e}"))),
    };
    match runtime.block_on(run(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => fail(&e),
    }
}

fn fail(error: &Error) -> ExitCode {
    let _ = std::io::stdout().flush();
    // Errors may quote what the database holds: shown visibly, as tables show it.
    eprintln!(
        "error: {}",
        microblog_shell::render::visible::visible(&error.to_string())
    );
    ExitCode::from(1)
}

async fn run(cli: Cli) -> Result<bool> {
    load_dotenv()?;
    let env_url = std::env::var("DATABASE_URL").ok();
    let target = DatabaseTarget::resolve(cli.database_url.as_deref(), env_url.as_deref())?;
    if let Some(Command::Completions { shell }) = &cli.command {
        use clap::CommandFactory;
        clap_complete::generate(*shell, &mut Cli::command(), "shell", &mut std::io::stdout());
        return Ok(true);
    }
    if let Some(Command::Migrate { action }) = &cli.command {
        let mut report = Report::default();
        let result = migrate_from_the_command_line(&cli, &target, action, &mut report).await;
        // What was done before a failure is reported too.
        let mut out = std::io::stdout().lock();
        for line in &report.lines {
            writeln!(out, "{line}")?;
        }
        return match result? {
            Migrated::Done => Ok(report.passed),
            Migrated::Cancelled => Err(Error::new("cancelled: nothing was changed")),
        };
    }
    shell(cli, target).await
}

async fn shell(cli: Cli, target: DatabaseTarget) -> Result<bool> {
    let mut input: Box<dyn Input> = if !cli.commands.is_empty() {
        Box::new(ArgsInput::new(cli.commands.clone()))
    } else if let Some(path) = &cli.file {
        let file = std::fs::File::open(path)
            .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
        let regular = file.metadata().is_ok_and(|m| m.is_file());
        Box::new(ScriptInput::new(file).from_regular_file(regular))
    } else if std::io::stdin().is_terminal() {
        let colors = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let helper = ShellHelper::new(Some(Lookup::start(target.clone())), colors);
        let history_file = history::path(cli.history_file.as_deref());
        interrupt::catch();
        // `--vi`, or SHELL_EDIT_MODE=vi for those who always want it.
        let vi =
            cli.vi || std::env::var("SHELL_EDIT_MODE").is_ok_and(|m| m.eq_ignore_ascii_case("vi"));
        Box::new(Interactive::new(helper, history_file, vi)?)
    } else {
        // `shell < script`: stdin is the file itself.
        let regular = std::fs::metadata("/dev/stdin").is_ok_and(|m| m.is_file());
        Box::new(ScriptInput::new(std::io::stdin()).from_regular_file(regular))
    };

    let mut session =
        microblog_shell::db::open::open(target, connect_settings(&cli), &mut std::io::stderr())
            .await?;
    let target = &session.target;
    if input.is_interactive() {
        println!(
            "microblog-shell {} on {} {}{}{}: type help for the commands, exit to leave",
            env!("CARGO_PKG_VERSION"),
            target.backend.name(),
            target.display(),
            if session.standby().is_some() {
                " (read-only: a standby)"
            } else if cli.read_only {
                " (read-only)"
            } else {
                ""
            },
            if cli.sandbox {
                " (sandbox: everything is rolled back when you leave)"
            } else {
                ""
            }
        );
    }

    if cli.echo_sql {
        microblog_shell::db::sql::echo::start();
    }
    session.read_only = cli.read_only;
    session.lock_wait = cli.lock_wait;
    let options = RunOptions {
        echo: cli.echo,
        continue_on_error: cli.continue_on_error,
        single_transaction: cli.single_transaction,
        sandbox: cli.sandbox,
        output: cli.output.clone(),
    };
    // At a terminal, a table unless it is wider than the screen; scripts keep tables unless asked.
    let format = cli.format.unwrap_or(if input.is_interactive() {
        Format::Auto
    } else {
        Format::Table
    });
    runner::run(&mut session, input.as_mut(), options, format).await
}

fn connect_settings(cli: &Cli) -> connect::Settings {
    connect::Settings {
        missing: if cli.create_database {
            connect::Missing::Create
        } else {
            connect::Missing::Fail
        },
        read_only: cli.read_only,
        lock_wait: cli.lock_wait,
        probe: true,
        create_file: if cli.create_database {
            connect::CreateFile::Yes
        } else {
            connect::CreateFile::IfTheUrlAsks
        },
    }
}

/// `DATABASE_URL` may come from `./.env`; the real environment wins over the file.
fn load_dotenv() -> Result<()> {
    match dotenvy::from_path(".env") {
        Ok(()) => Ok(()),
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::new(format!("cannot read .env: {e}"))),
    }
}

/// `shell migrate ...`: the database opened as the action needs it (read-only for `--sql`, the
/// file created for `up` and `fresh`, none at all for what needs only the dialect), then carried
/// out by the session as at the prompt.
async fn migrate_from_the_command_line(
    cli: &Cli,
    target: &DatabaseTarget,
    action: &MigrateCommand,
    report: &mut Report,
) -> Result<Migrated> {
    let missing_file = target.sqlite_path().is_some_and(|path| !path.exists());
    if let MigrateCommand::Anywhere(anywhere) = action
        && (anywhere.needs() == Needs::Nothing
            || (anywhere.needs() == Needs::ToRead && missing_file))
    {
        // `--sql` on an SQLite file not made yet: nothing is created.
        migrating::without_database(target.backend, anywhere, report).await?;
        return Ok(Migrated::Done);
    }
    let mut settings = connect_settings(cli);
    // `--sql` only reads which migrations the database has.
    settings.read_only |=
        matches!(action, MigrateCommand::Anywhere(a) if a.needs() == Needs::ToRead);
    // `up` and `fresh` make the file they are to fill; the others need it there.
    if action.creates_the_database() {
        settings.create_file = connect::CreateFile::Yes;
    }
    let mut session = Session::opened(connect::open_node(target, settings).await?);
    // The hosts passed over and a standby (or a Galera node not synced) are said; a standby
    // refuses what writes.
    let role = session.learn_role().await;
    for note in session.take_notes() {
        eprintln!("{note}");
    }
    role?;
    if missing_file && let Some(created) = connect::created_file(target) {
        eprintln!("{created}");
    }
    session.migrate(action, &mut AtTheTerminal, report).await
}

/// The person at the terminal the command line was typed at; no one when stdin is not one.
struct AtTheTerminal;

impl Person for AtTheTerminal {
    fn is_there(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    /// `question` with `[y/N]`; anything but yes is no.
    fn agrees(&mut self, question: &str) -> Result<bool> {
        eprint!("{question} [y/N] ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
    }
}
