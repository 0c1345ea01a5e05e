//! Opening the database for a shell, between the command line and the first command: which
//! drivers open it, and what is read at start-up. A brand-new embedded database is migrated (with
//! a notice), any other database with pending migrations gets a warning naming the fix (for a
//! database that Flask-Migrate made, that fix is `migrate stamp`). A new SQLite file is said with
//! its absolute path.
//!
//! An SQLite file that exists is opened through the session's read-only reader alone: the
//! migration check, the catalog (what the database has beyond the entities) and a single read
//! (`shell -c "get user 1"`) then need no sqlx connection, whose worker thread and set-up were a
//! third of the shell's start-up. sqlx's connection is opened by the first command that needs it.

use std::io::Write;

use super::asking::NoOne;
use super::connection::config::{DatabaseTarget, Source};
use super::connection::connect::{self, CreateFile, Settings};
use super::connection::error::is_locked;
use super::session::Session;
use super::sqlite::sqlite_direct::Reader;
use crate::command::{MigrateAction, MigrateCommand};
use crate::error::Result;
use crate::migrate::{self, Registry, Report};

/// The session, its database checked for migrations (notes written to `notes`).
pub async fn open(
    target: DatabaseTarget,
    settings: Settings,
    notes: &mut dyn Write,
) -> Result<Session> {
    let path = target.sqlite_path();
    let brand_new = path.as_ref().is_some_and(|path| !path.exists());
    if let Some(path) = path.filter(|path| path.is_file())
        && let Ok(reader) = Reader::open(&path, settings.lock_wait)
    {
        match reader.applied_migrations(&migrate::table_name()) {
            Ok(applied) => {
                let mut session = Session::reading_through(target, reader, settings);
                check_migrations(
                    &mut session,
                    Registry::read(applied.as_deref()),
                    false,
                    notes,
                )
                .await?;
                session.load_vocabulary().await?;
                return Ok(session);
            }
            // Another program's lock, waited for as long as `--lock-wait` says: said as the
            // migration check through sqlx says it, not waited for again.
            Err(error) if is_locked(&error) => {
                return Err(connect::cannot_open(&target, error.message()));
            }
            // A file the reader cannot read (not a database, a journal left to recover, which
            // only a writer may do) is opened by sqlx as before, which says why or recovers it.
            Err(_) => {}
        }
    }
    // The migration check is the first read: no probe before it. The embedded default is made
    // on its first run; any other file only as `connect::CreateFile` says.
    let create_file = if brand_new && target.source == Source::Default {
        CreateFile::Yes
    } else {
        settings.create_file
    };
    let settings = Settings {
        probe: false,
        create_file,
        ..settings
    };
    let opened = connect::open_node(&target, settings).await?;
    // A file that is not a database is told as `connect` tells it.
    let registry = migrate::registry(&opened.db)
        .await
        .map_err(|e| connect::cannot_open(&target, e.message()))?;
    // The hosts passed over (several in the URL), then a standby: read-only, whatever the
    // migrations.
    let mut session = Session::opened(opened);
    let role = session.learn_role().await;
    for note in session.take_notes() {
        writeln!(notes, "{note}")?;
    }
    role?;
    check_migrations(&mut session, registry, brand_new, notes).await?;
    session.load_vocabulary().await?;
    Ok(session)
}

async fn check_migrations(
    session: &mut Session,
    registry: Registry,
    brand_new: bool,
    notes: &mut dyn Write,
) -> Result<()> {
    let target = &session.target.clone();
    let created = connect::created_file(target).filter(|_| brand_new);
    // Two branches' migrations in no chosen order, or one applied that this shell lacks: said
    // here, and every migration action refuses until it is put right; commands still work.
    for problem in registry.problems() {
        writeln!(notes, "warning: {problem}")?;
    }
    let states = registry.states;
    let pending = states.iter().filter(|s| !s.applied).count();
    let embedded_default = brand_new && target.source == Source::Default;
    if let Some(created) = created.as_ref().filter(|_| !embedded_default) {
        writeln!(notes, "{created}")?;
    }
    if pending == 0 {
        return Ok(());
    }
    if pending == states.len()
        && let Some(revision) =
            migrate::alembic_revision(session.outside_transaction().await?).await?
    {
        // A Flask-Migrate database: `migrate up` would recreate its tables; stamping hands it over.
        writeln!(
            notes,
            "note: Flask-Migrate manages {} (Alembic revision {revision}): `shell migrate check`, \
             then `shell migrate stamp` records our migrations as applied",
            target.display()
        )?;
    } else if embedded_default {
        let up = MigrateCommand::Anywhere(MigrateAction::Up {
            steps: None,
            to: None,
            sql: None,
        });
        session
            .migrate(&up, &mut NoOne, &mut Report::default())
            .await?;
        writeln!(
            notes,
            "{} and applied {pending} migration{}",
            created.unwrap_or_else(|| format!("Created {}", target.display())),
            if pending == 1 { "" } else { "s" }
        )?;
    } else {
        writeln!(
            notes,
            "warning: {pending} migration{} pending on {}: run `shell migrate up` {}",
            if pending == 1 { " is" } else { "s are" },
            target.display(),
            if session.standby().is_some() {
                "on the primary"
            } else {
                "(or `migrate up` here)"
            }
        )?;
    }
    Ok(())
}
