//! `shell migrate ...`: the schema migrations of the `migration` crate, applied one at a time so each
//! one applied or reverted is reported on its own line (sea-orm-migration itself only logs).

use std::io::Write;

use migration::{Migrator, MigratorTrait, message_of};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigrationStatus;

use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrateAction {
    /// Apply pending migrations: all, or at most `steps`.
    Up {
        steps: Option<u32>,
    },
    /// Revert the last `steps` applied migrations.
    Down {
        steps: u32,
    },
    Status,
    /// Drop every table, then apply all migrations.
    Fresh,
    /// Revert all migrations, then apply all.
    Refresh,
    /// Revert all migrations.
    Reset,
}

impl MigrateAction {
    /// Whether this action throws away all the data: worth a confirmation from a person.
    pub fn destroys_data(self) -> bool {
        matches!(self, Self::Fresh | Self::Refresh | Self::Reset)
    }
}

/// One migration and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub name: String,
    pub applied: bool,
}

impl MigrationState {
    pub fn message(&self) -> String {
        message_of(&self.name)
    }
}

/// Every migration, in order, with its state; never writes (works on a read-only database).
pub async fn states(db: &DatabaseConnection) -> Result<Vec<MigrationState>> {
    Ok(Migrator::get_migration_with_status_read_only(db)
        .await?
        .iter()
        .map(|m| MigrationState {
            name: m.name().to_string(),
            applied: m.status() == MigrationStatus::Applied,
        })
        .collect())
}

pub async fn run(
    db: &DatabaseConnection,
    action: MigrateAction,
    out: &mut dyn Write,
) -> Result<()> {
    match action {
        MigrateAction::Up { steps } => up(db, steps, out).await,
        MigrateAction::Down { steps } => down(db, Some(steps), out).await,
        MigrateAction::Status => status(db, out).await,
        MigrateAction::Fresh => {
            Migrator::fresh(db).await?;
            writeln!(out, "Dropped all tables")?;
            for state in states(db).await? {
                writeln!(out, "Applied {} ({})", state.name, state.message())?;
            }
            Ok(())
        }
        MigrateAction::Refresh => {
            down(db, None, out).await?;
            up(db, None, out).await
        }
        MigrateAction::Reset => {
            down(db, None, out).await?;
            Migrator::uninstall(db).await?;
            Ok(())
        }
    }
}

async fn status(db: &DatabaseConnection, out: &mut dyn Write) -> Result<()> {
    let states = states(db).await?;
    let width = states.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for s in &states {
        let label = if s.applied { "applied" } else { "pending" };
        writeln!(out, "{label}  {:width$}  {}", s.name, s.message())?;
    }
    let applied = states.iter().filter(|s| s.applied).count();
    writeln!(out, "{applied} applied, {} pending", states.len() - applied)?;
    Ok(())
}

async fn up(db: &DatabaseConnection, steps: Option<u32>, out: &mut dyn Write) -> Result<()> {
    let pending: Vec<_> = states(db)
        .await?
        .into_iter()
        .filter(|s| !s.applied)
        .collect();
    if pending.is_empty() {
        writeln!(out, "Nothing to apply: the database is up to date")?;
        return Ok(());
    }
    let take = steps.map_or(pending.len(), |n| n as usize);
    for state in pending.iter().take(take) {
        Migrator::up(db, Some(1)).await?;
        writeln!(out, "Applied {} ({})", state.name, state.message())?;
    }
    Ok(())
}

/// Reverts `steps` migrations, or all of them when `None`.
async fn down(db: &DatabaseConnection, steps: Option<u32>, out: &mut dyn Write) -> Result<()> {
    let applied: Vec<_> = states(db)
        .await?
        .into_iter()
        .filter(|s| s.applied)
        .collect();
    if applied.is_empty() {
        writeln!(out, "Nothing to revert: no migration is applied")?;
        return Ok(());
    }
    let wanted = steps.map_or(applied.len(), |n| n as usize);
    for state in applied.iter().rev().take(wanted) {
        Migrator::down(db, Some(1)).await?;
        writeln!(out, "Reverted {} ({})", state.name, state.message())?;
    }
    if wanted > applied.len() {
        writeln!(out, "Reached the first migration: nothing more to revert")?;
    }
    Ok(())
}
