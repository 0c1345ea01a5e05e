//! What happens between connecting and the first command: a brand-new embedded database is migrated
//! (with a notice), any other database with pending migrations gets a warning naming the fix (for
//! a database that Flask-Migrate made, that fix is `migrate stamp`).

use std::io::Write;

use sea_orm::DatabaseConnection;

use crate::command::{MigrateAction, MigrateCommand};
use crate::db::config::{DatabaseTarget, Source};
use crate::db::connect;
use crate::error::Result;
use crate::migrate::{self, Report};

pub async fn check_migrations(
    target: &DatabaseTarget,
    db: &DatabaseConnection,
    brand_new: bool,
    notes: &mut dyn Write,
) -> Result<()> {
    // The first statement on the database (the shell skips the probe, see `connect::Settings`):
    // a file that is not a database is told as `connect` tells it.
    let registry = migrate::registry(db)
        .await
        .map_err(|e| connect::cannot_open(target, e.message()))?;
    // Two branches' migrations in no chosen order, or one applied that this shell lacks: said
    // here, and every migration action refuses until it is put right; commands still work.
    for problem in registry.problems() {
        writeln!(notes, "warning: {problem}")?;
    }
    let states = registry.states;
    let pending = states.iter().filter(|s| !s.applied).count();
    if pending == 0 {
        return Ok(());
    }
    if pending == states.len()
        && let Some(revision) = migrate::alembic_revision(db).await?
    {
        // A Flask-Migrate database: `migrate up` would recreate its tables; stamping hands it over.
        writeln!(
            notes,
            "note: Flask-Migrate manages {} (Alembic revision {revision}): `shell migrate check`, \
             then `shell migrate stamp` records our migrations as applied",
            target.display()
        )?;
    } else if brand_new && target.source == Source::Default {
        let up = MigrateCommand::Anywhere(MigrateAction::Up {
            steps: None,
            to: None,
            sql: None,
        });
        migrate::run(db, &up, &mut Report::default()).await?;
        writeln!(
            notes,
            "Created {} and applied {pending} migration{}",
            target.display(),
            if pending == 1 { "" } else { "s" }
        )?;
    } else {
        writeln!(
            notes,
            "warning: {pending} migration{} pending on {}: run `shell migrate up` (or `migrate up` here)",
            if pending == 1 { " is" } else { "s are" },
            target.display()
        )?;
    }
    Ok(())
}
