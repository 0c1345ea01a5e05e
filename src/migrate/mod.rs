//! `shell migrate ...` and `migrate ...` in the shell: the schema migrations of the `migration`
//! crate, applied one at a time so each one applied or reverted is reported on its own line
//! (sea-orm-migration itself only logs), and what `flask db` adds on top: `check`, `history`,
//! `current`, `stamp` and `generate`, `show` and `--sql` (`offline`), and the check that two
//! branches' migrations were put in an order (`lineage`). Every action returns its report as data;
//! whoever called it prints it. `schema/` holds the schema as data, for `check`, `stamp` and
//! `generate`; `tutorial` the tutorial's own Alembic revisions, by chapter.

pub mod lineage;
pub mod offline;
pub mod schema;
pub mod tutorial;

use std::io::Write;
use std::path::Path;

use migration::{MigrationTrait, Migrator, MigratorTrait, TUTORIAL_SCHEMA, message_of};
use sea_orm::sea_query::{Alias, Expr, Func, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait};

use crate::command::{MigrateAction, MigrateCommand, SqlRange};
use crate::error::{Error, Result};
use offline::Direction;
use schema::{Schema, codegen, diff, expected, live};

/// What a migration action says, line by line, and whether it passed: `check` does not when the
/// schema has drifted, wherever it was run from (the command line, `-c`, a script, the prompt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub lines: Vec<String>,
    pub passed: bool,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            lines: Vec::new(),
            passed: true,
        }
    }
}

impl Report {
    fn line(&mut self, text: impl Into<String>) {
        self.lines.push(text.into());
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
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

/// The migrations as the code and the database know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// Every migration of the code, in order, with whether the database has it.
    pub states: Vec<MigrationState>,
    /// Migrations the database records as applied that the code does not have.
    pub unknown: Vec<String>,
}

impl Registry {
    /// Every migration pending, as on an empty database.
    fn empty() -> Self {
        Self::with_applied(&[])
    }

    /// The registry of a database whose migration table ([`table_name`]) holds `applied`, or
    /// that has no such table (`None`): for a caller that read it itself.
    pub fn read(applied: Option<&[String]>) -> Self {
        Self::with_applied(applied.unwrap_or_default())
    }

    fn with_applied(applied: &[String]) -> Self {
        let states: Vec<MigrationState> = Migrator::migrations()
            .iter()
            .map(|m| MigrationState {
                name: m.name().to_string(),
                applied: applied.iter().any(|a| a == m.name()),
            })
            .collect();
        let unknown = applied
            .iter()
            .filter(|a| !states.iter().any(|s| &s.name == *a))
            .cloned()
            .collect();
        Registry { states, unknown }
    }

    /// What must be put right before migrations run, one line each: two branches' migrations
    /// in no chosen order, applied migrations the code does not have.
    pub fn problems(&self) -> Vec<String> {
        let written: Vec<lineage::Written> = migration::lineage()
            .iter()
            .map(|(name, after)| lineage::Written::new(name, *after))
            .collect();
        let mut lines = lineage::problems(&written);
        lines.extend(
            self.unknown
                .iter()
                .map(|name| lineage::unknown_applied(name)),
        );
        lines
    }

    /// The states, when migrations may run; else the first problem, as an error.
    fn runnable(self) -> Result<Vec<MigrationState>> {
        let problems = self.problems();
        match problems.as_slice() {
            [] => Ok(self.states),
            [one] => Err(Error::new(one.clone())),
            [first, rest @ ..] => Err(Error::new(format!(
                "{first} (and {} more: `shell migrate status` lists them)",
                rest.len()
            ))),
        }
    }
}

/// The table where the applied migrations are recorded.
pub fn table_name() -> String {
    Migrator::migration_table_name().to_string()
}

/// The code's migrations and the database's record of them; never writes (works on a read-only
/// database). Unlike sea-orm-migration's own reading, a recorded migration that the code lacks is
/// reported, not an error.
pub async fn registry<C: ConnectionTrait>(db: &C) -> Result<Registry> {
    let table = Migrator::migration_table_name();
    let name = table.to_string();
    // On SQLite the table is read straight away and its absence learnt from the failure: one
    // statement at start-up instead of two. Elsewhere a failed statement would end an open
    // transaction, so the catalog is asked first.
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    if !sqlite && !live::table_names(db).await?.contains(&name) {
        return Ok(Registry::empty());
    }
    let query = Query::select()
        .column(Alias::new("version"))
        .from(table)
        .to_owned();
    let rows = match db.query_all(&query).await {
        Ok(rows) => rows,
        Err(_) if sqlite && !live::table_names(db).await?.contains(&name) => {
            return Ok(Registry::empty());
        }
        Err(e) => return Err(e.into()),
    };
    let applied = rows
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<std::result::Result<Vec<String>, _>>()?;
    Ok(Registry::with_applied(&applied))
}

/// Every migration, in order, with its state, when migrations may run (see [`Registry::runnable`]).
pub async fn states(db: &DatabaseConnection) -> Result<Vec<MigrationState>> {
    registry(db).await?.runnable()
}

/// The migration of the code with this name.
fn migration_named(name: &str) -> Result<Box<dyn MigrationTrait>> {
    Migrator::migrations()
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| Error::new(format!("there is no migration {name}")))
}

/// What an action will run: migrations by their index in the states (in the order they run), and
/// a line for the report after them (why none run, when none do).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    run: Vec<usize>,
    note: Option<String>,
}

impl Plan {
    fn nothing(why: impl Into<String>) -> Self {
        Plan {
            run: Vec::new(),
            note: Some(why.into()),
        }
    }

    fn of(run: Vec<usize>) -> Self {
        Plan { run, note: None }
    }
}

/// The migrations `up` would apply (`steps` of them, or up to `to`), oldest first.
fn plan_up(states: &[MigrationState], steps: Option<u32>, to: Option<&str>) -> Result<Plan> {
    let pending: Vec<usize> = (0..states.len()).filter(|&i| !states[i].applied).collect();
    let take = match to {
        Some(target) => {
            let Some(index) = resolve_target(states, target)? else {
                return Err(Error::new(
                    "up --to base applies nothing: base is before every migration (down --to base reverts them all)",
                ));
            };
            if states[index].applied {
                return Ok(Plan::nothing(format!(
                    "Nothing to apply: {} is applied already",
                    states[index].name
                )));
            }
            pending.iter().filter(|&&i| i <= index).count()
        }
        None => steps.map_or(pending.len(), |n| n as usize),
    };
    if pending.is_empty() {
        return Ok(Plan::nothing(
            "Nothing to apply: the database is up to date",
        ));
    }
    Ok(Plan::of(pending.into_iter().take(take).collect()))
}

/// The migrations `down` would revert (`steps` of them, all when `None`, or until `to` is the
/// last applied), newest first.
fn plan_down(states: &[MigrationState], steps: Option<u32>, to: Option<&str>) -> Result<Plan> {
    let applied: Vec<usize> = (0..states.len()).filter(|&i| states[i].applied).collect();
    if let Some(target) = to {
        let keep = resolve_target(states, target)?.map_or(0, |i| i + 1);
        if keep > 0 && !states[keep - 1].applied {
            return Err(Error::new(format!(
                "{} is not applied: down only goes back (up --to applies it)",
                states[keep - 1].name
            )));
        }
        let revert: Vec<usize> = applied.into_iter().filter(|&i| i >= keep).rev().collect();
        if revert.is_empty() {
            return Ok(Plan::nothing(
                "Nothing to revert: that is where the database is",
            ));
        }
        return Ok(Plan::of(revert));
    }
    if applied.is_empty() {
        return Ok(Plan::nothing("Nothing to revert: no migration is applied"));
    }
    let wanted = steps.map_or(applied.len(), |n| n as usize);
    let mut plan = Plan::of(applied.iter().rev().take(wanted).copied().collect());
    if wanted > applied.len() {
        plan.note = Some("Reached the first migration: nothing more to revert".to_string());
    }
    Ok(plan)
}

/// Runs one action, reporting into `report` as it goes, so that what was done before a failure is
/// still there to print. Actions that run migrations are refused on a Flask-Migrate database that
/// was never stamped (see [`stamp`]).
pub async fn run(
    db: &DatabaseConnection,
    command: &MigrateCommand,
    report: &mut Report,
) -> Result<()> {
    match command {
        MigrateCommand::Anywhere(action) => run_action(db, action.clone(), report).await,
        // All the way down (and up again): `carry_out` refuses an unstamped Flask database.
        MigrateCommand::Refresh(confirm) => {
            refuse_app_loss(db, &Reverting::All, confirm.drop_app_tables).await?;
            carry_out(db, Direction::Down, None, None, report).await?;
            carry_out(db, Direction::Up, None, None, report).await
        }
        MigrateCommand::Reset(confirm) => {
            refuse_app_loss(db, &Reverting::All, confirm.drop_app_tables).await?;
            carry_out(db, Direction::Down, None, None, report).await?;
            Ok(Migrator::uninstall(db).await?)
        }
        MigrateCommand::Fresh(confirm) => {
            refuse_app_loss(db, &Reverting::Everything, confirm.drop_app_tables).await?;
            // Whatever the database records goes; the code's order must be a chosen one.
            Registry::empty().runnable()?;
            Migrator::fresh(db).await?;
            report.line("Dropped all tables".to_string());
            for state in states(db).await? {
                report.line(format!("Applied {} ({})", state.name, state.message()));
            }
            Ok(())
        }
        MigrateCommand::Stamp { target, force } => {
            stamp(db, target.as_deref(), *force, report).await
        }
        MigrateCommand::Generate {
            message,
            autogenerate,
            migration_dir,
        } => generate(db, message, *autogenerate, migration_dir, report).await,
    }
}

async fn run_action(
    db: &DatabaseConnection,
    action: MigrateAction,
    report: &mut Report,
) -> Result<()> {
    match action {
        MigrateAction::Check => check(db, report).await,
        MigrateAction::History => history(db, report).await,
        MigrateAction::Current => current(db, report).await,
        MigrateAction::Status => status(db, report).await,
        MigrateAction::Show { .. }
        | MigrateAction::Up {
            sql: Some(SqlRange::Between { .. }),
            ..
        }
        | MigrateAction::Down {
            sql: Some(SqlRange::Between { .. }),
            ..
        } => without_database(db.get_database_backend(), &action, report).await,
        MigrateAction::Up {
            steps,
            to,
            sql: Some(SqlRange::Database),
        } => sql_from_database(db, Direction::Up, steps, to.as_deref(), report).await,
        MigrateAction::Down {
            steps,
            to,
            sql: Some(SqlRange::Database),
            ..
        } => sql_from_database(db, Direction::Down, Some(steps), to.as_deref(), report).await,
        MigrateAction::Up {
            steps,
            to,
            sql: None,
        } => carry_out(db, Direction::Up, steps, to.as_deref(), report).await,
        MigrateAction::Down {
            steps,
            to,
            sql: None,
            drop_app_tables,
        } => {
            let reverted = Reverting::Some {
                steps,
                to: to.as_deref(),
            };
            refuse_app_loss(db, &reverted, drop_app_tables).await?;
            carry_out(db, Direction::Down, Some(steps), to.as_deref(), report).await
        }
    }
}

/// What a destructive action takes away.
pub enum Reverting<'a> {
    /// `down`: the last N migrations, or those after TARGET.
    Some { steps: u32, to: Option<&'a str> },
    /// `reset`, `refresh`: every applied migration.
    All,
    /// `fresh`: every table in the database.
    Everything,
}

impl<'a> Reverting<'a> {
    /// What the command would revert or drop, if it reverts or drops anything.
    pub fn of(command: &'a MigrateCommand) -> Option<Reverting<'a>> {
        match command {
            MigrateCommand::Anywhere(MigrateAction::Down {
                steps,
                to,
                sql: None,
                ..
            }) => Some(Reverting::Some {
                steps: *steps,
                to: to.as_deref(),
            }),
            MigrateCommand::Refresh(_) | MigrateCommand::Reset(_) => Some(Reverting::All),
            MigrateCommand::Fresh(_) => Some(Reverting::Everything),
            MigrateCommand::Anywhere(_)
            | MigrateCommand::Stamp { .. }
            | MigrateCommand::Generate { .. } => None,
        }
    }
}

/// The tables our first migrations stand for, which on a Flask-Migrate database the app made
/// (stamping records them, it does not make them): reverting those migrations would drop them.
const APP_TABLES_OF: [(&str, &str); 2] = [
    ("m20240101_000001_users_table", "user"),
    ("m20240101_000002_posts_table", "post"),
];

/// On a database Flask-Migrate manages: the tables (with their rows) that the Flask app made and
/// the action would drop. Empty elsewhere: a database our migrations made is ours to take down.
pub async fn app_tables_at_risk(
    db: &DatabaseConnection,
    reverting: &Reverting<'_>,
) -> Result<Vec<(String, u64)>> {
    if alembic_revision(db).await?.is_none() {
        return Ok(Vec::new());
    }
    let tables: Vec<String> = match reverting {
        Reverting::Everything => live::table_names(db)
            .await?
            .into_iter()
            .filter(|t| !schema::BOOKKEEPING_TABLES.contains(&t.as_str()))
            .collect(),
        Reverting::All | Reverting::Some { .. } => {
            let states = states(db).await?;
            let planned = match reverting {
                Reverting::Some { steps, to } => plan_down(&states, Some(*steps), *to)?.run,
                _ => plan_down(&states, None, None)?.run,
            };
            planned
                .iter()
                .filter_map(|&i| {
                    APP_TABLES_OF
                        .iter()
                        .find(|(name, _)| *name == states[i].name)
                        .map(|(_, table)| table.to_string())
                })
                .collect()
        }
    };
    let mut counted = Vec::new();
    for table in tables {
        let select = Query::select()
            .expr(Func::count(Expr::cust("*")))
            .from(Alias::new(&table))
            .to_owned();
        let rows = match db.query_one(&select).await {
            Ok(Some(row)) => row.try_get_by_index::<i64>(0).unwrap_or(0).max(0) as u64,
            _ => 0,
        };
        counted.push((table, rows));
    }
    Ok(counted)
}

/// `post (2 rows) and user (3 rows)`.
pub fn tables_with_rows(tables: &[(String, u64)]) -> String {
    let shown: Vec<String> = tables
        .iter()
        .map(|(table, rows)| match rows {
            1 => format!("{table} (1 row)"),
            n => format!("{table} ({n} rows)"),
        })
        .collect();
    let refs: Vec<&str> = shown.iter().map(String::as_str).collect();
    crate::command::error::every_one_of(&refs)
}

/// Refuses, before anything is done, an action that would drop what a Flask app made, unless it
/// was asked for deliberately (`--drop-app-tables`; a person at a terminal is asked as well).
async fn refuse_app_loss(
    db: &DatabaseConnection,
    reverting: &Reverting<'_>,
    deliberately: bool,
) -> Result<()> {
    let at_risk = app_tables_at_risk(db, reverting).await?;
    if at_risk.is_empty() || deliberately {
        return Ok(());
    }
    let tables = tables_with_rows(&at_risk);
    let (s, them) = match at_risk.len() {
        1 => ("", "it"),
        _ => ("s", "them"),
    };
    let record = match reverting {
        Reverting::Everything => String::new(),
        Reverting::All | Reverting::Some { .. } => {
            format!(" (`shell migrate stamp base` takes back only our record of {them})")
        }
    };
    Err(Error::new(format!(
        "the Flask app made table{s} {tables} (Flask-Migrate manages this database): this would \
         drop {them}, so nothing was done{record}; to drop {them} deliberately, add \
         --drop-app-tables"
    )))
}

/// The migrations `up` or `down` would run.
fn plan(
    states: &[MigrationState],
    direction: Direction,
    steps: Option<u32>,
    to: Option<&str>,
) -> Result<Plan> {
    match direction {
        Direction::Up => plan_up(states, steps, to),
        Direction::Down => plan_down(states, steps, to),
    }
}

/// `up` / `down`: applies or reverts the planned migrations one at a time, each reported as it
/// lands, then the plan's note ("Nothing to ...", "Reached the first migration ...").
async fn carry_out(
    db: &DatabaseConnection,
    direction: Direction,
    steps: Option<u32>,
    to: Option<&str>,
    report: &mut Report,
) -> Result<()> {
    refuse_unstamped_alembic(db).await?;
    let states = states(db).await?;
    let plan = plan(&states, direction, steps, to)?;
    let adds_traces =
        direction == Direction::Up && !plan.run.is_empty() && alembic_revision(db).await?.is_some();
    for &i in &plan.run {
        let done = match direction {
            Direction::Up => {
                Migrator::up(db, Some(1)).await?;
                "Applied"
            }
            Direction::Down => {
                Migrator::down(db, Some(1)).await?;
                "Reverted"
            }
        };
        report.line(format!(
            "{done} {} ({})",
            states[i].name,
            states[i].message()
        ));
    }
    if let Some(note) = plan.note {
        report.line(note);
    }
    if adds_traces {
        report.line(
            "Flask-Migrate manages this database too: the shell's record (table seaql_migrations) \
             and its index ix_post_user_id_timestamp are there now; pass the include_object \
             filter of the shell's README to Migrate(...) so that `flask db migrate` leaves them \
             alone",
        );
    }
    Ok(())
}

/// `up --sql` / `down --sql` on a database: what it would run there (refused where `up` would be).
async fn sql_from_database(
    db: &DatabaseConnection,
    direction: Direction,
    steps: Option<u32>,
    to: Option<&str>,
    report: &mut Report,
) -> Result<()> {
    refuse_unstamped_alembic(db).await?;
    let registry = registry(db).await?;
    sql_of(
        db.get_database_backend(),
        registry,
        direction,
        steps,
        to,
        report,
    )
    .await
}

/// What runs with the dialect alone: `show`, `--sql FROM:TO`, and `--sql` on a database that is
/// not there yet (an SQLite file not created: every migration pending).
pub async fn without_database(
    backend: DbBackend,
    action: &MigrateAction,
    report: &mut Report,
) -> Result<()> {
    // `--sql` on a database not made yet: what up or down would run from nothing applied.
    let (direction, steps, to) = match action {
        MigrateAction::Show { target } => return show(backend, target, report).await,
        MigrateAction::Up {
            sql: Some(SqlRange::Between { from, to }),
            to: target,
            ..
        }
        | MigrateAction::Down {
            sql: Some(SqlRange::Between { from, to }),
            to: target,
            ..
        } => {
            // `down -n` has a default of 1: only up's can be told apart as given.
            let steps_given = matches!(action, MigrateAction::Up { steps: Some(_), .. });
            if steps_given || target.is_some() {
                return Err(Error::new(
                    "--sql FROM:TO names its own range: leave out -n and --to",
                ));
            }
            let states = Registry::empty().states;
            let from_index = resolve_target(&states, from)?;
            let to_index = resolve_target(&states, to)?;
            let upwards = matches!(action, MigrateAction::Up { .. });
            if upwards && to_index < from_index {
                return Err(Error::new(format!(
                    "up --sql {from}:{to} goes forward: {to} comes before {from} (down --sql {from}:{to} goes back)"
                )));
            }
            if !upwards && to_index > from_index {
                return Err(Error::new(format!(
                    "down --sql {from}:{to} goes back: {to} comes after {from} (up --sql {from}:{to} goes forward)"
                )));
            }
            if upwards && to_index == from_index {
                report.line("-- Nothing to run: no migration in that range");
                return Ok(());
            }
            // As if the database were at FROM.
            let applied: Vec<String> = states
                .iter()
                .take(from_index.map_or(0, |i| i + 1))
                .map(|s| s.name.clone())
                .collect();
            let direction = if upwards {
                Direction::Up
            } else {
                Direction::Down
            };
            let registry = Registry::with_applied(&applied);
            return sql_of(
                backend,
                registry,
                direction,
                None,
                Some(to.as_str()),
                report,
            )
            .await;
        }
        MigrateAction::Up { steps, to, .. } => (Direction::Up, *steps, to),
        MigrateAction::Down { steps, to, .. } => (Direction::Down, Some(*steps), to),
        MigrateAction::Status
        | MigrateAction::Check
        | MigrateAction::History
        | MigrateAction::Current => {
            return Err(Error::new(format!(
                "migrate {} needs the database",
                format!("{action:?}").to_lowercase()
            )));
        }
    };
    let registry = Registry::empty();
    sql_of(backend, registry, direction, steps, to.as_deref(), report).await
}

/// `up --sql` / `down --sql`: the script of what `up`/`down` would run on a database at
/// `registry`, written into the report.
async fn sql_of(
    backend: DbBackend,
    registry: Registry,
    direction: Direction,
    steps: Option<u32>,
    to: Option<&str>,
    report: &mut Report,
) -> Result<()> {
    let states = registry.runnable()?;
    let plan = plan(&states, direction, steps, to)?;
    if plan.run.is_empty() {
        report.line(format!("-- {}", plan.note.unwrap_or_default()));
        return Ok(());
    }
    let migrations: Vec<Box<dyn MigrationTrait>> = plan
        .run
        .iter()
        .map(|&i| migration_named(&states[i].name))
        .collect::<Result<_>>()?;
    let steps: Vec<(&dyn MigrationTrait, Direction)> =
        migrations.iter().map(|m| (m.as_ref(), direction)).collect();
    // The bookkeeping table may not be there yet when nothing is applied.
    let install = direction == Direction::Up && !states.iter().any(|s| s.applied);
    for line in offline::script(backend, &steps, install).await? {
        report.line(line);
    }
    if let Some(note) = plan.note {
        report.line(format!("-- {note}"));
    }
    Ok(())
}

/// `migrate show TARGET`: the migration's message and what it was written after, then the SQL of
/// its `up` and its `down` in the backend's dialect.
async fn show(backend: DbBackend, target: &str, report: &mut Report) -> Result<()> {
    let states = Registry::empty().states;
    let Some(index) = resolve_target(&states, target)? else {
        return Err(Error::new(
            "base is before every migration: show names a migration (or head)",
        ));
    };
    let name = &states[index].name;
    let migration = migration_named(name)?;
    report.line(format!("{name}: {}", message_of(name)));
    let after = migration::lineage()
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, after)| *after)
        .unwrap_or("base");
    report.line(format!("written after {after}"));
    let dialect = match backend {
        DbBackend::Sqlite => "SQLite",
        DbBackend::Postgres => "PostgreSQL",
        DbBackend::MySql => "MySQL/MariaDB",
        other => return Err(Error::new(format!("no SQL for {other:?} here"))),
    };
    for direction in [Direction::Up, Direction::Down] {
        report.line(format!("-- {} ({dialect})", direction.word()));
        for statement in offline::statements(backend, migration.as_ref(), direction).await? {
            report.line(statement);
        }
    }
    Ok(())
}

async fn status(db: &DatabaseConnection, report: &mut Report) -> Result<()> {
    let registry = registry(db).await?;
    let problems = registry.problems();
    let states = registry.states;
    if let Some(revision) = alembic_revision(db).await? {
        report.line(format!(
            "Flask-Migrate (Alembic) manages this database too: revision {revision}, {}",
            tutorial::schema_of(&revision)
        ));
        // Compared with what the applied migrations leave, not always with the tutorial's: after
        // `stamp` and `up` the shell's own index is there, as it should be.
        let last_applied = states.iter().rposition(|s| s.applied);
        let tutorial_at = states.iter().position(|s| s.name == TUTORIAL_SCHEMA);
        let (wanted, what) = match last_applied {
            None => (
                Some(expected::tutorial_schema()),
                format!("the tutorial's ({TUTORIAL_SCHEMA})"),
            ),
            Some(i) if i + 1 == states.len() => (
                Some(expected::schema()),
                "the one all our migrations leave".to_string(),
            ),
            Some(i) if Some(i) == tutorial_at => (
                Some(expected::tutorial_schema()),
                format!("the one our migrations up to {TUTORIAL_SCHEMA} leave"),
            ),
            Some(i) => {
                report.line(format!(
                    "{} of our {} migrations are applied: `shell migrate up` applies the rest, \
                     then `shell migrate check` compares the schema",
                    i + 1,
                    states.len()
                ));
                (None, String::new())
            }
        };
        if let Some(wanted) = wanted {
            let split = differences_from(db, &wanted).await?;
            if split.drift.is_empty() {
                report.line(format!("Its schema is {what}{}", kept_note(&split.kept)));
            } else {
                report.line(format!("Its schema differs from {what}:"));
                for change in &split.drift {
                    report.line(format!("  {change}"));
                }
            }
        }
        if !states.iter().any(|s| s.applied) {
            report.line(format!(
                "`shell migrate stamp` records our migrations up to {TUTORIAL_SCHEMA} as applied \
                 without running them; `shell migrate up` then applies the rest"
            ));
        }
    }
    for problem in &problems {
        report.line(problem.clone());
    }
    let width = states.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for s in &states {
        let label = if s.applied { "applied" } else { "pending" };
        report.line(format!("{label}  {:width$}  {}", s.name, s.message()));
    }
    let applied = states.iter().filter(|s| s.applied).count();
    report.line(format!(
        "{applied} applied, {} pending",
        states.len() - applied
    ));
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

/// What it takes to turn the live schema into the entities', and what the database has beyond
/// them (kept).
pub async fn differences<C: ConnectionTrait>(db: &C) -> Result<diff::Differences> {
    differences_from(db, &expected::schema()).await
}

async fn differences_from<C: ConnectionTrait>(
    db: &C,
    wanted: &Schema,
) -> Result<diff::Differences> {
    Ok(diff::differences(wanted, &live::read(db).await?))
}

/// `, beside 3 tables and columns the shell does not declare (kept)`, or nothing.
fn kept_note(kept: &[diff::Change]) -> String {
    match kept.len() {
        0 => String::new(),
        n => format!(
            ", beside {n} table{s}, column{s} or index{es} the shell does not declare (kept)",
            s = if n == 1 { "" } else { "s" },
            es = if n == 1 { "" } else { "es" }
        ),
    }
}

async fn check(db: &DatabaseConnection, report: &mut Report) -> Result<()> {
    let registry = registry(db).await?;
    let problems = registry.problems();
    for problem in &problems {
        report.line(problem.clone());
    }
    report.passed = problems.is_empty();
    // A database Flask-Migrate made, none of our migrations recorded yet: what the shell
    // declares of it is the tutorial's schema, which `stamp` records (our own index comes with
    // `up` after that).
    let unstamped_flask =
        alembic_revision(db).await?.is_some() && !registry.states.iter().any(|s| s.applied);
    let wanted = match unstamped_flask {
        true => {
            report.line(format!(
                "Flask-Migrate manages this database and none of our migrations is recorded: \
                 compared with the tutorial's schema ({TUTORIAL_SCHEMA}), which `shell migrate \
                 stamp` records"
            ));
            expected::tutorial_schema()
        }
        false => expected::schema(),
    };
    let diff::Differences {
        drift: changes,
        kept,
    } = differences_from(db, &wanted).await?;
    for change in &kept {
        report.line(format!(
            "Not declared by the shell (kept): {}",
            change.kept_text()
        ));
    }
    if changes.is_empty() && !problems.is_empty() {
        report.line("The schema matches the entities");
        return Ok(());
    }
    if changes.is_empty() {
        report.line("No changes in schema detected: the database matches the entities");
        return Ok(());
    }
    for change in &changes {
        report.line(format!("{change}"));
    }
    let pending = registry.states.iter().filter(|s| !s.applied).count();
    if pending > 0 && !unstamped_flask {
        report.line(format!(
            "({pending} migration{} pending: `shell migrate up` may remove some of these)",
            if pending == 1 { " is" } else { "s are" }
        ));
    }
    report.line(format!(
        "{} difference{} between the entities and the database",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    ));
    report.passed = false;
    Ok(())
}

/// `flask db history`, oldest first: `<base> -> m1, users table`, head and current marked.
async fn history(db: &DatabaseConnection, report: &mut Report) -> Result<()> {
    let states = registry(db).await?.states;
    let current = states.iter().rposition(|s| s.applied);
    let mut previous = "<base>".to_string();
    for (i, state) in states.iter().enumerate() {
        let head = if i + 1 == states.len() { " (head)" } else { "" };
        let now = if Some(i) == current { " (current)" } else { "" };
        report.line(format!(
            "{previous} -> {}{head}{now}, {}",
            state.name,
            state.message()
        ));
        previous = state.name.clone();
    }
    Ok(())
}

async fn current(db: &DatabaseConnection, report: &mut Report) -> Result<()> {
    let states = registry(db).await?.states;
    match states.iter().rposition(|s| s.applied) {
        Some(i) => {
            let head = if i + 1 == states.len() { " (head)" } else { "" };
            report.line(format!("{}{head}, {}", states[i].name, states[i].message()));
        }
        None => report.line("<base>: no migration is applied"),
    }
    Ok(())
}

/// `migrate stamp [TARGET]`: records the migrations up to TARGET as applied, without running
/// them, as `flask db stamp` does. TARGET is `head`, `base` (none), or a migration's name or a
/// unique part of it; by default `head`, or for a database that Flask-Migrate made and we never
/// touched, the migration whose schema the Flask app's models make. Stamping a schema that the
/// migrations describe (the head's, the tutorial's) first checks that it really is there.
async fn stamp(
    db: &DatabaseConnection,
    target: Option<&str>,
    force: bool,
    report: &mut Report,
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
        let changes = differences_from(db, &wanted).await?.drift;
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
        Some(last) => report.line(format!("Stamped {} ({})", last.name, last.message())),
        None => report.line("Stamped <base>: no migration is recorded as applied"),
    }
    let pending = states.len() - recorded.len();
    if pending > 0 {
        report.line(format!(
            "{pending} migration{} pending: `shell migrate up` applies {}",
            if pending == 1 { " is" } else { "s are" },
            if pending == 1 { "it" } else { "them" }
        ));
    }
    Ok(())
}

/// The index of the last migration to record, `None` for `base`.
fn resolve_target(states: &[MigrationState], target: &str) -> Result<Option<usize>> {
    match target.trim() {
        "" => {
            return Err(Error::new(
                "the target is empty: give head, base or a migration's name",
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
    let names = |indexes: &mut dyn Iterator<Item = usize>, all: bool| {
        let names: Vec<&str> = indexes.map(|i| states[i].name.as_str()).collect();
        match all {
            true => crate::command::error::every_one_of(&names),
            false => crate::command::error::alternatives(&names),
        }
    };
    match matches.as_slice() {
        [one] => Ok(Some(*one)),
        [] => Err(Error::new(format!(
            "there is no migration {target:?}: name head, base or one of {}",
            names(&mut (0..states.len()), false)
        ))),
        _ => Err(Error::new(format!(
            "{target:?} names {}: give more of the name",
            names(&mut matches.iter().copied(), true)
        ))),
    }
}

/// The migration a new one is written after (the last of the crate's list), once the sources'
/// lineage is in order: generating on top of two branches' migrations would make a third problem.
fn sources_in_order(src: &Path, lib_text: &str) -> Result<Option<String>> {
    let names = codegen::lineage_names(lib_text);
    let mut written = Vec::with_capacity(names.len());
    for name in &names {
        let file = src.join(format!("{name}.rs"));
        let source = std::fs::read_to_string(&file)
            .map_err(|e| Error::new(format!("cannot read {}: {e}", file.display())))?;
        let after = codegen::written_after_in(&source).ok_or_else(|| {
            Error::new(format!(
                "{} does not say what it was written after (`pub const WRITTEN_AFTER`)",
                file.display()
            ))
        })?;
        written.push(lineage::Written {
            name: name.clone(),
            after,
        });
    }
    if let Some(problem) = lineage::problems(&written).first() {
        return Err(Error::new(format!("{problem} (no migration written)")));
    }
    Ok(names.last().cloned())
}

/// `migrate generate -m MESSAGE [--autogenerate]`: writes a new migration into the migration
/// crate at `dir` and registers it. With `autogenerate`, from what the entities add or drop
/// compared with the live schema (which must be up to date, as Alembic insists).
async fn generate(
    db: &DatabaseConnection,
    message: &str,
    autogenerate: bool,
    dir: &Path,
    report: &mut Report,
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
        // What the database has beyond the entities is the app's: never dropped.
        let changes = differences(db).await?.drift;
        if changes.is_empty() {
            report.line("No changes in schema detected: no migration written");
            return Ok(());
        }
        changes
    } else {
        Vec::new()
    };
    let registered = codegen::register(&lib_text, &name).ok_or_else(|| {
        Error::new(format!(
            "{} has no migration lists to add to (`mod m...;`, `Box::new(m...)` and the \
             `written_after!` lineage)",
            lib.display()
        ))
    })?;
    let after = sources_in_order(&src, &lib_text)?;
    let generated = codegen::migration_source(message, &changes, after.as_deref());
    for change in &changes {
        report.line(format!("{change}"));
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
        report.line(format!("Not generated (write it in the file): {change}"));
    }
    report.line(format!("Generated {} ({message})", file.display()));
    report.line("Rebuild the shell (`cargo build`), then `shell migrate up` applies it");
    Ok(())
}
