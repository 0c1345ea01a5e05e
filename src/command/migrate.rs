//! The migration actions, declared once with clap: `shell migrate ACTION` on the command line and
//! `migrate ACTION` inside the shell are parsed by the same declaration, so their words, aliases,
//! options and help can never drift apart. [`MigrateAction`] holds what runs anywhere;
//! [`MigrateCommand`] adds what only makes sense from the command line.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use super::error::{ParseError, alternatives, every_one_of, quoted};

/// The actions that run inside the shell as well as from the command line.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations: all of them, or the next N
    #[command(alias = "upgrade")]
    Up {
        /// Apply at most N migrations
        #[arg(short = 'n', long = "num", value_name = "N", value_parser = steps, allow_negative_numbers = true)]
        steps: Option<u32>,
        /// Apply up to this migration (its name, a unique part of it, or head), like `flask db upgrade REV`
        #[arg(long, value_name = "TARGET", conflicts_with = "steps")]
        to: Option<String>,
        /// Print the SQL instead of running it: of what would be applied, or of FROM:TO without any database
        #[arg(long, value_name = "FROM:TO", num_args = 0..=1, default_missing_value = "", value_parser = sql_range)]
        sql: Option<SqlRange>,
    },
    /// Revert the last applied migration, or the last N
    #[command(alias = "downgrade")]
    Down {
        /// Revert N migrations
        #[arg(short = 'n', long = "num", value_name = "N", default_value_t = 1, value_parser = steps, allow_negative_numbers = true)]
        steps: u32,
        /// Revert until this migration is the last applied (or base: all of them), like `flask db downgrade REV`
        #[arg(long, value_name = "TARGET", conflicts_with = "steps")]
        to: Option<String>,
        /// Print the SQL instead of running it: of what would be reverted, or of FROM:TO (FROM the later) without any database
        #[arg(long, value_name = "FROM:TO", num_args = 0..=1, default_missing_value = "", value_parser = sql_range)]
        sql: Option<SqlRange>,
        /// On a database Flask-Migrate manages: drop the tables the Flask app made too (asked first at a terminal)
        #[arg(long)]
        drop_app_tables: bool,
    },
    /// Show a migration: its message, and the SQL of its up and down for this database's backend
    Show {
        /// The migration: its name, a unique part of it, or head
        #[arg(value_name = "TARGET")]
        target: String,
    },
    /// List every migration as applied or pending
    Status,
    /// Compare the entities with the live schema and list every difference (exit 1 if any)
    Check,
    /// List the migrations with their messages; the head and the current one are marked
    History,
    /// Show the last applied migration
    Current,
}

/// What `--sql` prints the SQL of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlRange {
    /// What the action would run on the database (which is only read).
    Database,
    /// `FROM:TO`: the migrations between two of them (names, unique parts, base or head), without
    /// any database, as Alembic's offline mode.
    Between { from: String, to: String },
}

/// What an action needs of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing but its backend's dialect: `show`, `--sql FROM:TO`.
    Nothing,
    /// To read which migrations it has: `--sql`.
    ToRead,
    /// A connection as every other command has.
    Connection,
}

impl MigrateAction {
    pub fn needs(&self) -> Needs {
        match self {
            Self::Show { .. }
            | Self::Up {
                sql: Some(SqlRange::Between { .. }),
                ..
            }
            | Self::Down {
                sql: Some(SqlRange::Between { .. }),
                ..
            } => Needs::Nothing,
            Self::Up {
                sql: Some(SqlRange::Database),
                ..
            }
            | Self::Down {
                sql: Some(SqlRange::Database),
                ..
            } => Needs::ToRead,
            Self::Up { sql: None, .. }
            | Self::Down { sql: None, .. }
            | Self::Status
            | Self::Check
            | Self::History
            | Self::Current => Needs::Connection,
        }
    }
}

/// Every `shell migrate ...` action.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum MigrateCommand {
    #[command(flatten)]
    Anywhere(MigrateAction),
    /// Drop every table in the database, then apply all migrations
    Fresh(Confirm),
    /// Revert all migrations, then apply them all again
    Refresh(Confirm),
    /// Revert all migrations
    Reset(Confirm),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct Confirm {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
    /// On a database Flask-Migrate manages: drop the tables the Flask app made too (asked first at a terminal, whatever --yes says)
    #[arg(long)]
    pub drop_app_tables: bool,
}

impl MigrateCommand {
    /// Whether this action throws away all the data: worth a confirmation from a person.
    pub fn destroys_data(&self) -> bool {
        match self {
            Self::Fresh(_) | Self::Refresh(_) | Self::Reset(_) => true,
            Self::Anywhere(_) | Self::Stamp { .. } | Self::Generate { .. } => false,
        }
    }

    /// `--drop-app-tables`: the tables a Flask app made may go too, deliberately.
    pub fn drops_app_tables(&self) -> bool {
        match self {
            Self::Fresh(c) | Self::Refresh(c) | Self::Reset(c) => c.drop_app_tables,
            Self::Anywhere(MigrateAction::Down {
                drop_app_tables, ..
            }) => *drop_app_tables,
            Self::Anywhere(_) | Self::Stamp { .. } | Self::Generate { .. } => false,
        }
    }

    /// Whether it changes the database (its schema or the record of migrations): refused on a
    /// standby. `status`, `check`, `history`, `current`, `show`, `--sql` and `generate` only read.
    pub fn writes(&self) -> bool {
        match self {
            Self::Anywhere(action) => matches!(
                action,
                MigrateAction::Up { sql: None, .. } | MigrateAction::Down { sql: None, .. }
            ),
            Self::Fresh(_) | Self::Refresh(_) | Self::Reset(_) | Self::Stamp { .. } => true,
            Self::Generate { .. } => false,
        }
    }

    /// `up` and `fresh` fill a database from nothing: a missing SQLite file is theirs to make.
    pub fn creates_the_database(&self) -> bool {
        match self {
            Self::Anywhere(MigrateAction::Up { sql: None, .. }) | Self::Fresh(_) => true,
            Self::Anywhere(_)
            | Self::Refresh(_)
            | Self::Reset(_)
            | Self::Stamp { .. }
            | Self::Generate { .. } => false,
        }
    }

    /// `--yes` was given, or there is nothing to confirm.
    pub fn confirmed(&self) -> bool {
        match self {
            Self::Fresh(c) | Self::Refresh(c) | Self::Reset(c) => c.yes,
            Self::Anywhere(_) | Self::Stamp { .. } | Self::Generate { .. } => true,
        }
    }
}

/// `--sql` alone (empty) or `--sql FROM:TO`.
fn sql_range(text: &str) -> Result<SqlRange, String> {
    if text.is_empty() {
        return Ok(SqlRange::Database);
    }
    match text.split_once(':') {
        Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
            Ok(SqlRange::Between {
                from: from.trim().to_string(),
                to: to.trim().to_string(),
            })
        }
        _ => Err("must be FROM:TO, two migrations (or base, head) such as base:head".to_string()),
    }
}

/// `-n N`: a number from 1 up.
fn steps(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("must be a number from 1 up".to_string()),
    }
}

/// The words after `migrate` inside the shell, read by the same clap declaration.
#[derive(Debug, Parser)]
#[command(
    name = "migrate",
    no_binary_name = true,
    disable_help_flag = true,
    disable_help_subcommand = true,
    disable_version_flag = true
)]
struct InShell {
    #[command(subcommand)]
    action: MigrateCommand,
}

/// The clap command behind `migrate` in the shell: for usage lines and completion.
pub fn in_shell_command() -> clap::Command {
    MigrateAction::augment_subcommands(clap::Command::new("migrate"))
}

/// The names of the actions that only run from the command line.
fn command_line_only() -> Vec<String> {
    let anywhere = in_shell_command();
    InShell::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|name| anywhere.find_subcommand(name).is_none())
        .collect()
}

fn in_shell_names() -> Vec<String> {
    in_shell_command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect()
}

fn unknown_action(word: &str) -> ParseError {
    let here = in_shell_names();
    let elsewhere = command_line_only();
    let here: Vec<&str> = here.iter().map(String::as_str).collect();
    let elsewhere: Vec<&str> = elsewhere.iter().map(String::as_str).collect();
    ParseError::new(format!(
        "unknown migrate action {}: use {} here ({} only from the command line: shell migrate ...)",
        quoted(word),
        alternatives(&here),
        every_one_of(&elsewhere)
    ))
}

/// What went wrong with the words after `migrate`; `None` when they simply stopped too soon.
pub enum MigrateWordsError {
    Missing,
    Unexpected(String),
    Invalid(ParseError),
}

/// Parses `ACTION [-n N]` as typed in the shell (keywords in any case).
pub fn parse_in_shell(words: &[String]) -> Result<MigrateAction, MigrateWordsError> {
    let Some(first) = words.first() else {
        return Err(MigrateWordsError::Missing);
    };
    // Words in any case, as everywhere in the shell; values (numbers) are unchanged by this.
    let lowered: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    // An action of the command line's is refused as such, whatever follows it.
    let everywhere = InShell::command();
    let named = everywhere
        .get_subcommands()
        .find(|s| s.get_name() == lowered[0] || s.get_all_aliases().any(|a| a == lowered[0]));
    if named.is_some_and(|action| {
        in_shell_command()
            .find_subcommand(action.get_name())
            .is_none()
    }) {
        return Err(MigrateWordsError::Invalid(unknown_action(first)));
    }
    let matches = match InShell::command().try_get_matches_from(&lowered) {
        Ok(matches) => matches,
        Err(error) => return Err(clap_failure(first, &error)),
    };
    match InShell::from_arg_matches(&matches) {
        Ok(InShell {
            action: MigrateCommand::Anywhere(action),
        }) => Ok(action),
        Ok(_) => Err(MigrateWordsError::Invalid(unknown_action(first))),
        Err(error) => Err(clap_failure(first, &error)),
    }
}

fn clap_failure(first: &str, error: &clap::Error) -> MigrateWordsError {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    match error.kind() {
        ErrorKind::InvalidSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            MigrateWordsError::Invalid(unknown_action(first))
        }
        ErrorKind::MissingSubcommand | ErrorKind::MissingRequiredArgument => {
            MigrateWordsError::Missing
        }
        // `-n` with no number after it.
        ErrorKind::InvalidValue if context(ContextKind::InvalidValue).is_empty() => {
            MigrateWordsError::Missing
        }
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
            let reason = std::error::Error::source(error)
                .map_or_else(|| "is not valid".to_string(), ToString::to_string);
            let flag = context(ContextKind::InvalidArg);
            let flag = flag.split_whitespace().next().unwrap_or("the value");
            let flag = if flag == "--num" { "-n" } else { flag };
            MigrateWordsError::Invalid(ParseError::new(format!(
                "{flag} {reason}, not {}",
                quoted(&context(ContextKind::InvalidValue))
            )))
        }
        ErrorKind::UnknownArgument | ErrorKind::ArgumentConflict => {
            MigrateWordsError::Unexpected(context(ContextKind::InvalidArg))
        }
        _ => MigrateWordsError::Unexpected(first.to_string()),
    }
}

/// How one argument of an action is written in a usage line: `[-n N]`, `[--to TARGET]`,
/// `[--sql [FROM:TO]]`, `TARGET`.
fn usage_of(arg: &clap::Arg) -> String {
    // A switch (`--drop-app-tables`) takes no value.
    if !arg.get_action().takes_values()
        && let Some(long) = arg.get_long()
    {
        return format!("[--{long}]");
    }
    let value = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map_or("VALUE".to_string(), ToString::to_string);
    let optional_value = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
    let value = if optional_value {
        format!("[{value}]")
    } else {
        value
    };
    match (arg.get_short(), arg.get_long()) {
        (Some(short), _) => format!("[-{short} {value}]"),
        (None, Some(long)) => format!("[--{long} {value}]"),
        (None, None) => value,
    }
}

/// `migrate up [-n N] [--to TARGET] [--sql [FROM:TO]]`, one line per action that runs in the shell.
pub fn usage_lines() -> Vec<String> {
    in_shell_command()
        .get_subcommands()
        .map(|action| {
            let mut line = format!("migrate {}", action.get_name());
            for arg in action.get_arguments() {
                line.push(' ');
                line.push_str(&usage_of(arg));
            }
            line
        })
        .collect()
}

/// A line that each action parses from, its required values filled in: for the grammar's tests.
pub fn sample_lines() -> Vec<Vec<String>> {
    in_shell_command()
        .get_subcommands()
        .map(|action| {
            let mut words = vec![action.get_name().to_string()];
            for arg in action.get_arguments() {
                if arg.is_positional() {
                    words.push("head".to_string());
                }
            }
            words
        })
        .collect()
}

/// A value completion can offer without knowing the migrations: `head` for a target, `base:head`
/// for a range; nothing for a number.
fn value_sample(arg: &clap::Arg) -> Option<&'static str> {
    let name = arg.get_value_names()?.first()?.as_str();
    match name {
        "TARGET" => Some("head"),
        "FROM:TO" => Some("base:head"),
        _ => None,
    }
}

/// What may follow `migrate` and the words typed after it, for completion: the actions, then an
/// action's values and the options not given yet.
pub fn next_words(typed: &[&str]) -> Vec<String> {
    let command = in_shell_command();
    let [action, given @ ..] = typed else {
        return in_shell_names();
    };
    let Some(action) = command
        .get_subcommands()
        .find(|s| s.get_name() == *action || s.get_all_aliases().any(|a| a == *action))
    else {
        return Vec::new();
    };
    let flag = |a: &clap::Arg, word: &str| {
        a.get_short().is_some_and(|c| word == format!("-{c}"))
            || a.get_long().is_some_and(|l| word == format!("--{l}"))
    };
    let mut words = Vec::new();
    // Right after an option that takes a value: that value (or, when it is optional, the rest).
    if let Some(last) = given.last()
        && let Some(arg) = action.get_arguments().find(|a| flag(a, last))
        && arg.get_action().takes_values()
    {
        words.extend(value_sample(arg).map(str::to_string));
        if arg.get_num_args().is_none_or(|n| n.min_values() != 0) {
            return words;
        }
    }
    let positionals = action.get_arguments().filter(|a| a.is_positional()).count();
    let values_given = given.iter().filter(|w| !w.starts_with('-')).count();
    if values_given < positionals {
        // A positional still to come (`show TARGET`): its value first.
        if let Some(arg) = action.get_arguments().find(|a| a.is_positional()) {
            words.extend(value_sample(arg).map(str::to_string));
        }
        return words;
    }
    words.extend(
        action
            .get_arguments()
            .filter(|a| !a.is_positional() && !given.iter().any(|g| flag(a, g)))
            .filter_map(|a| {
                a.get_short()
                    .map(|c| format!("-{c}"))
                    .or_else(|| a.get_long().map(|l| format!("--{l}")))
            }),
    );
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    fn message(result: Result<MigrateAction, MigrateWordsError>) -> String {
        match result {
            Err(MigrateWordsError::Invalid(e)) => e.to_string(),
            Err(MigrateWordsError::Missing) => "missing".into(),
            Err(MigrateWordsError::Unexpected(w)) => format!("unexpected {w}"),
            Ok(action) => format!("{action:?}"),
        }
    }

    #[test]
    fn actions_and_their_aliases_in_any_case() {
        assert!(matches!(
            parse_in_shell(&words("UP")),
            Ok(MigrateAction::Up {
                steps: None,
                to: None,
                sql: None
            })
        ));
        assert!(matches!(
            parse_in_shell(&words("downgrade -N 2")),
            Ok(MigrateAction::Down {
                steps: 2,
                to: None,
                sql: None,
                drop_app_tables: false
            })
        ));
        assert!(matches!(
            parse_in_shell(&words("down --num 3")),
            Ok(MigrateAction::Down {
                steps: 3,
                to: None,
                sql: None,
                drop_app_tables: false
            })
        ));
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        assert_eq!(
            message(parse_in_shell(&words("stamp"))),
            "unknown migrate action \"stamp\": use up, down, show, status, check, history or \
             current here (fresh, refresh, reset, stamp and generate only from the command line: shell \
             migrate ...)"
        );
        assert!(message(parse_in_shell(&words("down -n 0"))).contains("from 1 up"));
        assert!(message(parse_in_shell(&words("up -n x"))).contains("not \"x\""));
        assert_eq!(
            message(parse_in_shell(&words("up extra"))),
            "unexpected extra"
        );
        assert!(message(parse_in_shell(&words("up -n -1"))).contains("from 1 up, not \"-1\""));
        // Refused as the command line's own, not for the -m it lacks.
        assert!(message(parse_in_shell(&words("generate"))).starts_with("unknown migrate action"));
        assert!(
            message(parse_in_shell(&words("FRESH --yes"))).contains("only from the command line")
        );
        assert_eq!(message(parse_in_shell(&[])), "missing");
    }

    #[test]
    fn usage_and_completion_come_from_the_declaration() {
        assert_eq!(
            usage_lines(),
            [
                "migrate up [-n N] [--to TARGET] [--sql [FROM:TO]]",
                "migrate down [-n N] [--to TARGET] [--sql [FROM:TO]] [--drop-app-tables]",
                "migrate show TARGET",
                "migrate status",
                "migrate check",
                "migrate history",
                "migrate current"
            ]
        );
        assert_eq!(next_words(&["upgrade"]), ["-n", "--to", "--sql"]);

        assert!(next_words(&["status"]).is_empty());
        assert_eq!(next_words(&["show"]), ["head"]);
        assert!(next_words(&["show", "head"]).is_empty());
        assert_eq!(next_words(&["up", "--to"]), ["head"]);
        assert!(next_words(&["up", "-n"]).is_empty());
        assert_eq!(
            next_words(&["down", "--sql"]),
            ["base:head", "-n", "--to", "--drop-app-tables"]
        );
        for sample in sample_lines() {
            assert!(parse_in_shell(&sample).is_ok(), "{sample:?}");
        }
    }
}
