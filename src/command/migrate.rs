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
}

impl MigrateCommand {
    /// Whether this action throws away all the data: worth a confirmation from a person.
    pub fn destroys_data(&self) -> bool {
        match self {
            Self::Fresh(_) | Self::Refresh(_) | Self::Reset(_) => true,
            Self::Anywhere(_) | Self::Stamp { .. } | Self::Generate { .. } => false,
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

/// `migrate up [-n N]`, one line per action that runs in the shell.
pub fn usage_lines() -> Vec<String> {
    in_shell_command()
        .get_subcommands()
        .map(|action| {
            let mut line = format!("migrate {}", action.get_name());
            for arg in action.get_arguments() {
                if let Some(short) = arg.get_short() {
                    let value = arg
                        .get_value_names()
                        .and_then(|names| names.first())
                        .map_or("N".to_string(), ToString::to_string);
                    line.push_str(&format!(" [-{short} {value}]"));
                }
            }
            line
        })
        .collect()
}

/// What may follow `migrate` and the words typed after it, for completion.
pub fn next_words(typed: &[&str]) -> Vec<String> {
    let command = in_shell_command();
    match typed {
        [] => in_shell_names(),
        [action] => command
            .get_subcommands()
            .find(|s| s.get_name() == *action || s.get_all_aliases().any(|a| a == *action))
            .map(|s| {
                s.get_arguments()
                    .filter_map(|a| a.get_short().map(|c| format!("-{c}")))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
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
                to: None
            })
        ));
        assert!(matches!(
            parse_in_shell(&words("downgrade -N 2")),
            Ok(MigrateAction::Down { steps: 2, to: None })
        ));
        assert!(matches!(
            parse_in_shell(&words("down --num 3")),
            Ok(MigrateAction::Down { steps: 3, to: None })
        ));
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        assert_eq!(
            message(parse_in_shell(&words("stamp"))),
            "unknown migrate action \"stamp\": use up, down, status, check, history or current \
             here (fresh, refresh, reset, stamp and generate only from the command line: shell \
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
                "migrate up [-n N]",
                "migrate down [-n N]",
                "migrate status",
                "migrate check",
                "migrate history",
                "migrate current"
            ]
        );
        assert_eq!(next_words(&["upgrade"]), ["-n"]);
        assert!(next_words(&["status"]).is_empty());
    }
}
