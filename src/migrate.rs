//! `shell migrate ...`: the schema migrations of the `migration` crate, applied one at a time so each
//! one applied or reverted is reported on its own line (sea-orm-migration itself only logs), and
//! what `flask db` adds on top: `check`, `history`, `current`, `stamp` and `generate`.

use std::io::Write;
use std::path::Path;

use migration::{Migrator, MigratorTrait, TUTORIAL_SCHEMA, message_of};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use sea_orm_migration::MigrationStatus;

use crate::error::{Error, Result};
use crate::schema::{Schema, codegen, diff, expected, live};

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
    /// Compare the entities with the live schema; `false` from [`run`] on any difference.
    Check,
    /// Every migration with its message, the head and the current one marked.
    History,
    /// The last applied migration.
    Current,
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

/// Runs one action; `Ok(false)` when `check` found differences. Actions that run migrations are
/// refused on a Flask-Migrate database that was never stamped (see [`stamp`]).
pub async fn run(
    db: &DatabaseConnection,
    action: MigrateAction,
    out: &mut dyn Write,
) -> Result<bool> {
    match action {
        MigrateAction::Check => return check(db, out).await,
        MigrateAction::History => history(db, out).await?,
        MigrateAction::Current => current(db, out).await?,
        MigrateAction::Status => status(db, out).await?,
        MigrateAction::Up { steps } => {
            refuse_unstamped_alembic(db).await?;
            up(db, steps, out).await?;
        }
        MigrateAction::Down { steps } => {
            refuse_unstamped_alembic(db).await?;
            down(db, Some(steps), out).await?;
        }
        MigrateAction::Refresh => {
            refuse_unstamped_alembic(db).await?;
            down(db, None, out).await?;
            up(db, None, out).await?;
        }
        MigrateAction::Reset => {
            refuse_unstamped_alembic(db).await?;
            down(db, None, out).await?;
            Migrator::uninstall(db).await?;
        }
        MigrateAction::Fresh => {
            Migrator::fresh(db).await?;
            writeln!(out, "Dropped all tables")?;
            for state in states(db).await? {
                writeln!(out, "Applied {} ({})", state.name, state.message())?;
            }
        }
    }
    Ok(true)
}

async fn status(db: &DatabaseConnection, out: &mut dyn Write) -> Result<()> {
    let states = states(db).await?;
    if let Some(revision) = alembic_revision(db).await? {
        writeln!(
            out,
            "Flask-Migrate (Alembic) manages this database too: revision {revision}"
        )?;
        let changes = differences_from(db, &expected::tutorial_schema()).await?;
        if changes.is_empty() {
            writeln!(out, "Its schema is the tutorial's ({TUTORIAL_SCHEMA})")?;
        } else {
            writeln!(
                out,
                "Its schema differs from the tutorial's ({TUTORIAL_SCHEMA}):"
            )?;
            for change in &changes {
                writeln!(out, "  {change}")?;
            }
        }
        if !states.iter().any(|s| s.applied) {
            writeln!(
                out,
                "`shell migrate stamp` records our migrations up to {TUTORIAL_SCHEMA} as applied \
                 without running them; `shell migrate up` then applies the rest"
            )?;
        }
    }
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

/// The Alembic revision of a database that Flask-Migrate manages, if it is one.
pub async fn alembic_revision<C: ConnectionTrait>(db: &C) -> Result<Option<String>> {
    if !live::table_names(db)
        .await?
        .iter()
        .any(|t| t == "alembic_version")
    {
        return Ok(None);
    }
    let query = Query::select()
        .column(Alias::new("version_num"))
        .from(Alias::new("alembic_version"))
        .to_owned();
    let revision = match db.query_one(&query).await? {
        Some(row) => row.try_get_by_index::<String>(0)?,
        None => "(none)".to_string(),
    };
    Ok(Some(revision))
}

/// `migrate up` on a Flask-Migrate database would try to create tables that exist already.
async fn refuse_unstamped_alembic(db: &DatabaseConnection) -> Result<()> {
    if let Some(revision) = alembic_revision(db).await?
        && !states(db).await?.iter().any(|s| s.applied)
    {
        return Err(Error::new(format!(
            "Flask-Migrate manages this database (Alembic revision {revision}) and none of our \
             migrations is recorded: check it with `shell migrate check`, then `shell migrate stamp`"
        )));
    }
    Ok(())
}

/// What it takes to turn the live schema into the entities'.
pub async fn differences<C: ConnectionTrait>(db: &C) -> Result<Vec<diff::Change>> {
    differences_from(db, &expected::schema()).await
}

async fn differences_from<C: ConnectionTrait>(
    db: &C,
    wanted: &Schema,
) -> Result<Vec<diff::Change>> {
    Ok(diff::diff(wanted, &live::read(db).await?))
}

async fn check(db: &DatabaseConnection, out: &mut dyn Write) -> Result<bool> {
    let changes = differences(db).await?;
    if changes.is_empty() {
        writeln!(
            out,
            "No changes in schema detected: the database matches the entities"
        )?;
        return Ok(true);
    }
    for change in &changes {
        writeln!(out, "{change}")?;
    }
    let pending = states(db).await?.iter().filter(|s| !s.applied).count();
    if pending > 0 {
        writeln!(
            out,
            "({pending} migration{} pending: `shell migrate up` may remove some of these)",
            if pending == 1 { " is" } else { "s are" }
        )?;
    }
    writeln!(
        out,
        "{} difference{} between the entities and the database",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    )?;
    Ok(false)
}

/// `flask db history`, oldest first: `<base> -> m1, users table`, head and current marked.
async fn history(db: &DatabaseConnection, out: &mut dyn Write) -> Result<()> {
    let states = states(db).await?;
    let current = states.iter().rposition(|s| s.applied);
    let mut previous = "<base>".to_string();
    for (i, state) in states.iter().enumerate() {
        let head = if i + 1 == states.len() { " (head)" } else { "" };
        let now = if Some(i) == current { " (current)" } else { "" };
        writeln!(
            out,
            "{previous} -> {}{head}{now}, {}",
            state.name,
            state.message()
        )?;
        previous = state.name.clone();
    }
    Ok(())
}

async fn current(db: &DatabaseConnection, out: &mut dyn Write) -> Result<()> {
    let states = states(db).await?;
    match states.iter().rposition(|s| s.applied) {
        Some(i) => {
            let head = if i + 1 == states.len() { " (head)" } else { "" };
            writeln!(out, "{}{head}, {}", states[i].name, states[i].message())?;
        }
        None => writeln!(out, "<base>: no migration is applied")?,
    }
    Ok(())
}

/// `migrate stamp [TARGET]`: records the migrations up to TARGET as applied, without running
/// them, as `flask db stamp` does. TARGET is `head`, `base` (none), or a migration's name or a
/// unique part of it; by default `head`, or for a database that Flask-Migrate made and we never
/// touched, the migration whose schema the Flask app's models make. Stamping a schema that the
/// migrations describe (the head's, the tutorial's) first checks that it really is there.
pub async fn stamp(
    db: &DatabaseConnection,
    target: Option<&str>,
    force: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let states = states(db).await?;
    let from_flask = alembic_revision(db).await?.is_some() && !states.iter().any(|s| s.applied);
    let default = if from_flask { TUTORIAL_SCHEMA } else { "head" };
    let upto = resolve_target(&states, target.unwrap_or(default))?;
    let described = match upto {
        Some(i) if i + 1 == states.len() => Some(expected::schema()),
        Some(i) if states[i].name == TUTORIAL_SCHEMA => Some(expected::tutorial_schema()),
        _ => None,
    };
    if let Some(wanted) = described
        && !force
    {
        let changes = differences_from(db, &wanted).await?;
        if !changes.is_empty() {
            return Err(Error::new(format!(
                "the schema differs from the one the migrations make in {} way{} (first: {}): \
                 stamping would record a schema that is not there; --force stamps anyway",
                changes.len(),
                if changes.len() == 1 { "" } else { "s" },
                changes[0]
            )));
        }
    }
    Migrator::install(db).await?;
    let table = Alias::new("seaql_migrations");
    let now = chrono::Utc::now().timestamp();
    // All or nothing: a failure half-way must not leave a partial record.
    let txn = db.begin().await?;
    txn.execute(&Query::delete().from_table(table.clone()).to_owned())
        .await?;
    let recorded: Vec<&MigrationState> = states.iter().take(upto.map_or(0, |i| i + 1)).collect();
    for state in &recorded {
        let insert = Query::insert()
            .into_table(table.clone())
            .columns([Alias::new("version"), Alias::new("applied_at")])
            .values_panic([Expr::val(state.name.as_str()), Expr::val(now)])
            .to_owned();
        txn.execute(&insert).await?;
    }
    txn.commit().await?;
    match recorded.last() {
        Some(last) => writeln!(out, "Stamped {} ({})", last.name, last.message())?,
        None => writeln!(out, "Stamped <base>: no migration is recorded as applied")?,
    }
    let pending = states.len() - recorded.len();
    if pending > 0 {
        writeln!(
            out,
            "{pending} migration{} pending: `shell migrate up` applies {}",
            if pending == 1 { " is" } else { "s are" },
            if pending == 1 { "it" } else { "them" }
        )?;
    }
    Ok(())
}

/// The index of the last migration to record, `None` for `base`.
fn resolve_target(states: &[MigrationState], target: &str) -> Result<Option<usize>> {
    match target.trim() {
        "" => {
            return Err(Error::new(
                "the stamp target is empty: give head, base or a migration's name",
            ));
        }
        "head" => return Ok(states.len().checked_sub(1)),
        "base" => return Ok(None),
        _ => {}
    }
    let matches: Vec<usize> = (0..states.len())
        .filter(|&i| states[i].name == target || states[i].name.contains(target))
        .collect();
    if let Some(exact) = matches.iter().find(|&&i| states[i].name == target) {
        return Ok(Some(*exact));
    }
    match matches.as_slice() {
        [one] => Ok(Some(*one)),
        [] => Err(Error::new(format!(
            "there is no migration {target:?}: see `shell migrate history`"
        ))),
        _ => Err(Error::new(format!(
            "{target:?} matches {} migrations: give more of the name",
            matches.len()
        ))),
    }
}

/// `migrate generate -m MESSAGE [--autogenerate]`: writes a new migration into the migration
/// crate at `dir` and registers it. With `autogenerate`, from what the entities add or drop
/// compared with the live schema (which must be up to date, as Alembic insists).
pub async fn generate(
    db: &DatabaseConnection,
    message: &str,
    autogenerate: bool,
    dir: &Path,
    out: &mut dyn Write,
) -> Result<()> {
    let stamp = chrono::Utc::now().format("%Y%m%d_%H%M%S").to_string();
    let name = codegen::migration_name(message, &stamp)
        .ok_or_else(|| Error::new("the message needs a letter or a digit to name the file by"))?;
    let src = dir.join("src");
    let lib = src.join("lib.rs");
    let lib_text = std::fs::read_to_string(&lib).map_err(|e| {
        Error::new(format!(
            "cannot read {}: {e} (--migration-dir names the migration crate)",
            lib.display()
        ))
    })?;
    let changes = if autogenerate {
        let pending = states(db).await?.iter().filter(|s| !s.applied).count();
        if pending > 0 {
            return Err(Error::new(format!(
                "the database is not up to date ({pending} pending): run `shell migrate up` first"
            )));
        }
        let changes = differences(db).await?;
        if changes.is_empty() {
            writeln!(out, "No changes in schema detected: no migration written")?;
            return Ok(());
        }
        changes
    } else {
        Vec::new()
    };
    let registered = codegen::register(&lib_text, &name).ok_or_else(|| {
        Error::new(format!(
            "{} has no migration list to add to (`mod m...;` and `Box::new(m...)`)",
            lib.display()
        ))
    })?;
    let generated = codegen::migration_source(message, &changes);
    for change in &changes {
        writeln!(out, "{change}")?;
    }
    let file = src.join(format!("{name}.rs"));
    // create_new: never overwrite a migration someone wrote.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)
        .and_then(|mut f| f.write_all(generated.source.as_bytes()))
        .map_err(|e| Error::new(format!("cannot write {}: {e}", file.display())))?;
    if let Err(e) = std::fs::write(&lib, registered) {
        // No migration file that the crate does not list.
        let _ = std::fs::remove_file(&file);
        return Err(Error::new(format!("cannot update {}: {e}", lib.display())));
    }
    // Tidy as the rest of the crate, when rustfmt is there (it is with every rustup toolchain).
    let _ = std::process::Command::new("rustfmt")
        .args(["--edition", "2024"])
        .arg(&file)
        .stderr(std::process::Stdio::null())
        .status();
    for change in &generated.by_hand {
        writeln!(out, "Not generated (write it in the file): {change}")?;
    }
    writeln!(out, "Generated {} ({message})", file.display())?;
    writeln!(
        out,
        "Rebuild the shell (`cargo build`), then `shell migrate up` applies it"
    )?;
    Ok(())
}
