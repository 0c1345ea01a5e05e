//! The command line of the `shell` binary, declared with clap's derive API. The migration actions
//! and the output formats are the command language's own types, so the words are the same on the
//! command line and at the prompt.

use clap::builder::PossibleValue;
use clap::{Parser, Subcommand, ValueEnum};

use crate::command::{Format, MigrateCommand};

#[derive(Debug, Parser)]
#[command(
    name = "shell",
    version,
    about = "An interactive database shell for the microblog (users who write posts)",
    long_about = "An interactive database shell for the microblog (users who write posts).\n\n\
        The database is --database-url, else DATABASE_URL (also read from ./.env), \
        else the SQLite file app.db in the current directory."
)]
pub struct Cli {
    /// Database to open: sqlite:///RELATIVE.db or sqlite:////ABSOLUTE.db (as SQLAlchemy reads them),
    /// postgres://USER:PASSWORD@HOST/DB or mysql://...
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Create the database if it does not exist yet: an empty SQLite file, or a database on the
    /// PostgreSQL or MySQL/MariaDB server
    #[arg(long, global = true, conflicts_with = "read_only")]
    pub create_database: bool,

    /// Open the database read-only: the database itself refuses every write
    #[arg(long, global = true)]
    pub read_only: bool,

    /// How long a command waits for another session's lock before it gives up, in seconds
    /// (SQLite's busy timeout, PostgreSQL's lock_timeout, MySQL/MariaDB's lock wait timeouts)
    #[arg(long, global = true, value_name = "SECONDS", default_value = "5", value_parser = lock_wait)]
    pub lock_wait: std::time::Duration,

    /// Run the commands in this file instead of reading stdin
    #[arg(short, long, value_name = "PATH", conflicts_with = "commands")]
    pub file: Option<std::path::PathBuf>,

    /// Run this command (repeat for several) instead of reading stdin
    #[arg(short = 'c', long = "command", value_name = "COMMAND")]
    pub commands: Vec<String>,

    /// In a script, report every failing command and go on (exit status 1 at the end if any failed)
    #[arg(long)]
    pub continue_on_error: bool,

    /// Print each command as `> command` before its output
    #[arg(long)]
    pub echo: bool,

    /// Run the whole script in one transaction: all of it is committed, or nothing
    #[arg(long)]
    pub single_transaction: bool,

    /// Print each statement a command runs, with its bound values (as `echo sql on`)
    #[arg(long)]
    pub echo_sql: bool,

    /// Send results to this file (it must not exist yet); messages for people stay on the screen
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// Try things out: everything done in the session is rolled back when it ends (Rails'
    /// `console --sandbox`)
    #[arg(long, conflicts_with = "single_transaction")]
    pub sandbox: bool,

    /// How results print [default: auto at a terminal (a table, or records when it is wider
    /// than the screen), table otherwise]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Where the prompt keeps its history [default: SHELL_HISTORY, else
    /// ~/.local/state/microblog-shell/history]
    #[arg(long, value_name = "PATH")]
    pub history_file: Option<std::path::PathBuf>,

    /// Edit lines at the prompt with vi's keys instead of emacs's (also SHELL_EDIT_MODE=vi)
    #[arg(long)]
    pub vi: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply, revert and inspect schema migrations (like `flask db`)
    Migrate {
        #[command(subcommand)]
        action: MigrateCommand,
    },
    /// Print a completion script for your shell, e.g. `shell completions bash > /etc/bash_completion.d/shell`
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

/// `--format` takes the words that [`Format`] declares.
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// `--lock-wait SECONDS`: a number of seconds from 0.001 up to a day (fractions allowed).
fn lock_wait(text: &str) -> Result<std::time::Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if (0.001..=86_400.0).contains(&seconds) => {
            Ok(std::time::Duration::from_secs_f64(seconds))
        }
        _ => Err("must be a number of seconds from 0.001 up to 86400".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::MigrateAction;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("shell").chain(args.iter().copied()))
    }

    fn action(args: &[&str]) -> MigrateAction {
        match parse(args).unwrap().command {
            Some(Command::Migrate {
                action: MigrateCommand::Anywhere(action),
            }) => action,
            other => panic!("not a migrate action: {other:?}"),
        }
    }

    #[test]
    fn flask_migrate_names_are_aliases() {
        assert_eq!(
            action(&["migrate", "upgrade"]),
            MigrateAction::Up {
                steps: None,
                to: None,
                sql: None
            }
        );
        assert_eq!(
            action(&["migrate", "downgrade"]),
            MigrateAction::Down {
                steps: 1,
                to: None,
                sql: None,
                drop_app_tables: false
            }
        );
    }

    #[test]
    fn steps_default_and_parse() {
        assert_eq!(
            action(&["migrate", "up", "-n", "2"]),
            MigrateAction::Up {
                steps: Some(2),
                to: None,
                sql: None
            }
        );
        assert_eq!(
            action(&["migrate", "down"]),
            MigrateAction::Down {
                steps: 1,
                to: None,
                sql: None,
                drop_app_tables: false
            }
        );
        assert_eq!(
            action(&["migrate", "down", "--num", "3"]),
            MigrateAction::Down {
                steps: 3,
                to: None,
                sql: None,
                drop_app_tables: false
            }
        );
        assert!(parse(&["migrate", "down", "-n", "0"]).is_err());
        assert!(parse(&["migrate", "up", "-n", "x"]).is_err());
    }

    #[test]
    fn the_database_url_flag_goes_anywhere() {
        let cli = parse(&["migrate", "status", "--database-url", "sqlite://x.db"]).unwrap();
        assert_eq!(cli.database_url.as_deref(), Some("sqlite://x.db"));
    }

    #[test]
    fn script_options() {
        let cli = parse(&["-c", "users", "-c", "posts", "--echo", "--format", "json"]).unwrap();
        assert_eq!(cli.commands, ["users", "posts"]);
        assert!(cli.echo && !cli.continue_on_error && !cli.single_transaction);
        assert_eq!(cli.format, Some(Format::Json));
        assert!(parse(&["--format", "yaml"]).is_err());
    }

    #[test]
    fn destructive_actions_need_yes_to_skip_the_question() {
        let confirmed = |args: &[&str]| match parse(args).unwrap().command {
            Some(Command::Migrate { action }) => action.confirmed(),
            other => panic!("not a migrate command: {other:?}"),
        };
        assert!(!confirmed(&["migrate", "fresh"]));
        assert!(confirmed(&["migrate", "fresh", "--yes"]));
        assert!(confirmed(&["migrate", "up"]));
    }

    #[test]
    fn lock_wait_takes_seconds_with_fractions_within_bounds() {
        assert_eq!(lock_wait("2.5"), Ok(std::time::Duration::from_millis(2500)));
        for refused in ["0", "-1", "x", "86401", "NaN", ""] {
            assert!(lock_wait(refused).is_err(), "{refused}");
        }
    }
}
