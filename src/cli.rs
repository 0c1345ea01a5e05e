//! The command line of the `shell` binary, declared with clap's derive API.

use clap::{Parser, Subcommand};

use crate::migrate::MigrateAction;

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
    /// Database to open: sqlite://PATH, postgres://USER:PASSWORD@HOST/DB or mysql://...
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Create the database on the PostgreSQL or MySQL/MariaDB server if it does not exist yet
    #[arg(long, global = true, conflicts_with = "read_only")]
    pub create_database: bool,

    /// Open the database read-only: the database itself refuses every write
    #[arg(long, global = true)]
    pub read_only: bool,

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

    /// How results print
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = ["table", "json", "csv"])]
    pub format: String,

    /// Where the prompt keeps its history [default: SHELL_HISTORY, else
    /// ~/.local/state/microblog-shell/history]
    #[arg(long, value_name = "PATH")]
    pub history_file: Option<std::path::PathBuf>,

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

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Apply pending migrations: all of them, or the next N
    #[command(alias = "upgrade")]
    Up {
        /// Apply at most N migrations
        #[arg(short = 'n', long = "num", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        steps: Option<u32>,
    },
    /// Revert the last applied migration, or the last N
    #[command(alias = "downgrade")]
    Down {
        /// Revert N migrations
        #[arg(short = 'n', long = "num", value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        steps: u32,
    },
    /// List every migration as applied or pending
    Status,
    /// Drop every table in the database, then apply all migrations
    Fresh(Confirm),
    /// Revert all migrations, then apply them all again
    Refresh(Confirm),
    /// Revert all migrations
    Reset(Confirm),
    /// Compare the entities with the live schema and list every difference (exit 1 if any)
    Check,
    /// List the migrations with their messages; the head and the current one are marked
    History,
    /// Show the last applied migration
    Current,
    /// Record migrations as applied without running them (hand a Flask-Migrate database over)
    Stamp {
        /// head (default), base, or a migration's name or part of it
        target: Option<String>,
        /// Stamp the head even when the schema differs from the entities
        #[arg(long)]
        force: bool,
    },
    /// Write a new migration into the migration crate (like `flask db migrate`)
    Generate {
        /// What the migration does; it also names the file
        #[arg(short, long)]
        message: String,
        /// Write the changes that turn the live schema into the entities' (else an empty skeleton)
        #[arg(long)]
        autogenerate: bool,
        /// The migration crate to write into
        #[arg(long, value_name = "DIR", default_value = "migration")]
        migration_dir: std::path::PathBuf,
    },
}

/// Destructive actions ask a person at a terminal first; `--yes` answers for them.
#[derive(Debug, clap::Args)]
pub struct Confirm {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
}

impl MigrateCommand {
    /// The action for [`crate::migrate::run`]; `None` for `stamp` and `generate`, which have
    /// their own entry points there.
    pub fn action(&self) -> Option<MigrateAction> {
        Some(match self {
            Self::Up { steps } => MigrateAction::Up { steps: *steps },
            Self::Down { steps } => MigrateAction::Down { steps: *steps },
            Self::Status => MigrateAction::Status,
            Self::Fresh(_) => MigrateAction::Fresh,
            Self::Refresh(_) => MigrateAction::Refresh,
            Self::Reset(_) => MigrateAction::Reset,
            Self::Check => MigrateAction::Check,
            Self::History => MigrateAction::History,
            Self::Current => MigrateAction::Current,
            Self::Stamp { .. } | Self::Generate { .. } => return None,
        })
    }

    pub fn confirmed(&self) -> bool {
        match self {
            Self::Fresh(c) | Self::Refresh(c) | Self::Reset(c) => c.yes,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("shell").chain(args.iter().copied()))
    }

    fn action(args: &[&str]) -> MigrateAction {
        match parse(args).unwrap().command {
            Some(Command::Migrate { action }) => action.action().unwrap(),
            other => panic!("not a migrate command: {other:?}"),
        }
    }

    #[test]
    fn flask_migrate_names_are_aliases() {
        assert_eq!(
            action(&["migrate", "upgrade"]),
            MigrateAction::Up { steps: None }
        );
        assert_eq!(
            action(&["migrate", "downgrade"]),
            MigrateAction::Down { steps: 1 }
        );
    }

    #[test]
    fn steps_default_and_parse() {
        assert_eq!(
            action(&["migrate", "up", "-n", "2"]),
            MigrateAction::Up { steps: Some(2) }
        );
        assert_eq!(
            action(&["migrate", "down"]),
            MigrateAction::Down { steps: 1 }
        );
        assert_eq!(
            action(&["migrate", "down", "--num", "3"]),
            MigrateAction::Down { steps: 3 }
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
        assert_eq!(cli.format, "json");
        assert!(parse(&["--format", "yaml"]).is_err());
    }

    #[test]
    fn destructive_actions_need_yes_to_skip_the_question() {
        let confirmed = |args: &[&str]| match parse(args).unwrap().command {
            Some(Command::Migrate { action }) => action.confirmed(),
            _ => unreachable!(),
        };
        assert!(!confirmed(&["migrate", "fresh"]));
        assert!(confirmed(&["migrate", "fresh", "--yes"]));
        assert!(confirmed(&["migrate", "up"]));
    }
}
