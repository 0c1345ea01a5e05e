//! `migrate ...` carried out, in one place for the command line (`shell migrate up`), the prompt
//! (`migrate up`) and start-up (the embedded default's first run): what needs no database, the
//! refusal on a standby, the questions a person is asked before the Flask app's tables or every
//! row go, then the run itself. How the database was opened for it is the caller's business (the
//! command line opens it read-only for `--sql`, or creates the file for `up`).

use super::asking::Person;
use super::connection::config::Backend;
use super::connection::connect::dialect;
use super::session::Session;
use crate::command::{MigrateAction, MigrateCommand, Needs};
use crate::error::Result;
use crate::migrate::{self, Report};

/// How a migrate command ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrated {
    Done,
    /// The person said no: nothing was changed.
    Cancelled,
}

/// What needs only the dialect (`show`, `--sql FROM:TO`, `--sql` on an SQLite file not made
/// yet): no connection, in a transaction or a sandbox too.
pub async fn without_database(
    backend: Backend,
    action: &MigrateAction,
    report: &mut Report,
) -> Result<()> {
    migrate::without_database(dialect(backend), action, report).await
}

impl Session {
    /// Carries out `command`, asking `person` first where something would be lost; what was done
    /// goes to `report` (also when a later step fails).
    pub async fn migrate(
        &mut self,
        command: &MigrateCommand,
        person: &mut dyn Person,
        report: &mut Report,
    ) -> Result<Migrated> {
        if let MigrateCommand::Anywhere(action) = command
            && action.needs() == Needs::Nothing
        {
            without_database(self.target.backend, action, report).await?;
            return Ok(Migrated::Done);
        }
        if command.writes() {
            self.refuse_on_standby("migrate").await?;
        }
        // `fresh`, `refresh` and `reset` delete every row: a person is asked first.
        if command.destroys_data() && !command.confirmed() && person.is_there() {
            let question = format!(
                "This deletes all data in {}. Continue?",
                self.target.display()
            );
            if !person.agrees(&question)? {
                return Ok(Migrated::Cancelled);
            }
        }
        // `--drop-app-tables`: the person is asked, the Flask app's tables named with their rows
        // (whatever `--yes` said: that answers the question about the shell's own data).
        if command.drops_app_tables()
            && person.is_there()
            && let Some(reverting) = migrate::Reverting::of(command)
        {
            let db = self.outside_transaction().await?;
            let at_risk = migrate::app_tables_at_risk(db, &reverting).await?;
            let question = format!(
                "This drops {}, which the Flask app made. Continue?",
                migrate::tables_with_rows(&at_risk)
            );
            if !at_risk.is_empty() && !person.agrees(&question)? {
                return Ok(Migrated::Cancelled);
            }
        }
        let db = self.outside_transaction().await?;
        let ran = migrate::run(db, command, report).await;
        // What the commands know follows the schema (a catalog that cannot be read now is read
        // again later).
        let _ = self.load_vocabulary().await;
        ran.map(|()| Migrated::Done)
    }
}
