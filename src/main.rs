//! The `shell` binary: reads the command line and the configuration, then hands over to the library:
//! `shell migrate ...` runs a migration command, anything else opens the shell (interactive at a
//! terminal, a script otherwise). Every failure ends as one `error: ...` line and exit status 1.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use microblog_shell::cli::{Cli, Command};
use microblog_shell::command::Format;
use microblog_shell::command::{MigrateCommand, Needs};
use microblog_shell::db::connection::config::DatabaseTarget;
use microblog_shell::db::connection::connect;
use microblog_shell::error::{Error, Result};
use microblog_shell::migrate::{self, Report};
use microblog_shell::repl::helper::ShellHelper;
use microblog_shell::repl::input::{ArgsInput, Input, Interactive, ScriptInput};
use microblog_shell::repl::lookup::Lookup;
use microblog_shell::repl::runner::{self, RunOptions};
use microblog_shell::repl::{history, interrupt, startup};

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
        confirm_destructive(action, &target)?;
        let mut report = Report::default();
        let missing_file = target.sqlite_path().is_some_and(|path| !path.exists());
        let result = match action {
            // `show`, `--sql FROM:TO`, and `--sql` on an SQLite file not made yet: the dialect
            // alone, no connection (nothing is created).
            MigrateCommand::Anywhere(anywhere)
                if anywhere.needs() == Needs::Nothing
                    || (anywhere.needs() == Needs::ToRead && missing_file) =>
            {
                migrate::without_database(connect::dialect(target.backend), anywhere, &mut report)
                    .await
            }
            _ => {
                let mut settings = connect_settings(&cli);
                // `--sql` only reads which migrations the database has.
                settings.read_only |=
                    matches!(action, MigrateCommand::Anywhere(a) if a.needs() == Needs::ToRead);
                // `up` and `fresh` make the file they are to fill; the others need it there.
                if action.creates_the_database() {
                    settings.create_file = connect::CreateFile::Yes;
                }
                let db = connect::connect(&target, settings).await?;
                refuse_on_standby(&db, &target, action).await?;
                if missing_file && let Some(created) = connect::created_file(&target) {
                    eprintln!("{created}");
                }
                confirm_dropping_app_tables(&db, action).await?;
                migrate::run(&db, action, &mut report).await
            }
        };
        // What was done before a failure is reported too.
        let mut out = std::io::stdout().lock();
        for line in &report.lines {
            writeln!(out, "{line}")?;
        }
        return result.map(|()| report.passed);
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

    let mut session = startup::open(target, connect_settings(&cli), &mut std::io::stderr()).await?;
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

/// A migration that writes, on a standby: refused in one line before anything is tried.
async fn refuse_on_standby(
    db: &sea_orm::DatabaseConnection,
    target: &DatabaseTarget,
    action: &MigrateCommand,
) -> Result<()> {
    if !action.writes() {
        return Ok(());
    }
    let role = microblog_shell::db::connection::replica::role(db, target.backend).await?;
    role.refusal(&target.display(), "migrate")
        .map_or(Ok(()), Err)
}

/// `--drop-app-tables`: at a terminal the person is asked, the Flask app's tables named with their
/// rows (whatever `--yes` said: that answers the question about the shell's own data).
async fn confirm_dropping_app_tables(
    db: &sea_orm::DatabaseConnection,
    action: &MigrateCommand,
) -> Result<()> {
    let Some(reverting) = migrate::Reverting::of(action) else {
        return Ok(());
    };
    if !action.drops_app_tables() || !std::io::stdin().is_terminal() {
        return Ok(());
    }
    let at_risk = migrate::app_tables_at_risk(db, &reverting).await?;
    if at_risk.is_empty() {
        return Ok(());
    }
    agreed(&format!(
        "This drops {}, which the Flask app made.",
        migrate::tables_with_rows(&at_risk)
    ))
}

/// Asks `question` with `Continue? [y/N]` on the terminal; anything but yes cancels.
fn agreed(question: &str) -> Result<()> {
    eprint!("{question} Continue? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Error::new("cancelled: nothing was changed"))
    }
}

/// `fresh`, `refresh` and `reset` delete every row: a person at a terminal is asked first.
fn confirm_destructive(action: &MigrateCommand, target: &DatabaseTarget) -> Result<()> {
    if !action.destroys_data() || action.confirmed() || !std::io::stdin().is_terminal() {
        return Ok(());
    }
    agreed(&format!("This deletes all data in {}.", target.display()))
}
