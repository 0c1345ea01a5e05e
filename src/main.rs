//! The `shell` binary: reads the command line and the configuration, then hands over to the library.
//! Every failure ends here as one `error: ...` line on stderr and exit status 1.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use microblog_shell::cli::{Cli, Command, MigrateCommand};
use microblog_shell::config::DatabaseTarget;
use microblog_shell::error::{Error, Result};
use microblog_shell::{connect, migrate};

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
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(error: &Error) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(1)
}

async fn run(cli: Cli) -> Result<()> {
    load_dotenv()?;
    let env_url = std::env::var("DATABASE_URL").ok();
    let target = DatabaseTarget::resolve(cli.database_url.as_deref(), env_url.as_deref())?;
    let mut out = std::io::stdout().lock();
    match cli.command {
        Some(Command::Migrate { action }) => {
            confirm_destructive(&action, &target)?;
            let db = connect::connect(&target).await?;
            migrate::run(&db, action.action(), &mut out).await
        }
        None => {
            let db = connect::connect(&target).await?;
            writeln!(
                out,
                "The interactive shell is not built yet. Migrations of {}:",
                target.display()
            )?;
            migrate::run(&db, migrate::MigrateAction::Status, &mut out).await
        }
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

/// `fresh`, `refresh` and `reset` delete every row: a person at a terminal is asked first.
fn confirm_destructive(action: &MigrateCommand, target: &DatabaseTarget) -> Result<()> {
    if !action.action().destroys_data() || action.confirmed() || !std::io::stdin().is_terminal() {
        return Ok(());
    }
    eprint!(
        "This deletes all data in {}. Continue? [y/N] ",
        target.display()
    );
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Error::new("cancelled: nothing was changed"))
    }
}
