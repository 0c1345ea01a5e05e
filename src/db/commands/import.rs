//! `import users|posts FILE`: rows from a CSV or JSON file in the shape `--format csv|json` writes
//! them (users: `id`, `username`, `email`; posts: `id`, `timestamp`, `author` by name or
//! `user_id`, `body`; what a listing adds, such as `has_password` or `posts`, is not stored), and
//! the columns the entities do not declare that the table has (a later chapter's `about_me`,
//! `last_seen`, typed by the catalog). A column the table lacks is refused by name before anything
//! is written. Rows are checked by the rules of `add`, inserted in multi-row batches. By default
//! all or nothing, with an error naming the line and the field; with `--continue-on-error` the
//! good rows go in and the bad ones are listed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDateTime;
use sea_orm::sea_query::{Alias, DynIden, Expr, InsertStatement, IntoIden, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Statement};

use crate::command::clause::{assigned, shown_name, timestamp};
use crate::command::query::{Field, Literal, PostField, UserField};
use crate::command::vocabulary::{ColumnKind, LiveColumn, Vocabulary};
use crate::command::{EntityKind, ImportFormat, UserRef, validate};
use crate::db::commands::queries::find_user;
use crate::db::route::Route;
use crate::db::sql::conn::Conn;
use crate::db::sql::fetch::Fetch;
use crate::db::sql::filter::Sql;
use crate::db::sqlite::borrowed::{Borrowed, Rows};
use crate::db::sqlite::inserter::{Inserter, Running};
use crate::entities::post::now_utc;
use crate::entities::{User, post, user};
use crate::error::{Error, Result, quoted};
use crate::render::Outcome;

/// Rows per INSERT statement.
const BATCH: usize = 1000;

/// Rows read so far by the import under way, for a progress bar at the terminal to show.
pub static ROWS_READ: AtomicU64 = AtomicU64::new(0);

/// One row of the file: where it is, and its fields by column name.
struct Record {
    /// `line 4` of a CSV file, `record 3` of a JSON array.
    place: String,
    fields: HashMap<String, String>,
}

/// What a listing of the entity shows beyond its stored columns: read, never stored.
fn shown_only(entity: EntityKind) -> &'static [&'static str] {
    match entity {
        EntityKind::User => &["has_password", "posts", "followers", "following"],
        EntityKind::Post => &["author"],
    }
}

/// The columns the shell imports of its own: those it names (`user_id` of posts too); the
/// others are the database's, imported as data.
fn declared(entity: EntityKind) -> Vec<String> {
    crate::entities::named_columns(entity)
        .into_iter()
        .filter(|c| !(entity == EntityKind::User && c == "password_hash"))
        .collect()
}

/// Refuses a file column the table lacks (and the shell does not show), before anything is
/// written: it would be dropped silently otherwise.
fn refuse_unknown(
    path: &str,
    entity: EntityKind,
    extras: &[Arc<LiveColumn>],
    names: &[String],
) -> Result<()> {
    let known = |name: &str| {
        declared(entity).iter().any(|c| c == name)
            || shown_only(entity).contains(&name)
            || extras.iter().any(|c| c.name.to_lowercase() == name)
    };
    if entity == EntityKind::User && names.iter().any(|n| n == "password_hash") {
        return Err(Error::new(format!(
            "{path} has password hashes (password_hash): they are not imported, set passwords \
             with set password USER; nothing was imported"
        )));
    }
    if let Some(unknown) = names.iter().find(|n| !known(n)) {
        let mut columns = declared(entity);
        columns.extend(extras.iter().map(|c| shown_name(&c.name)));
        return Err(Error::new(format!(
            "{path} has a column {} that the {} table does not have (its columns: {}): nothing \
             was imported",
            quoted(unknown),
            entity.singular(),
            columns.join(", ")
        )));
    }
    Ok(())
}

impl Record {
    /// The values it gives the columns the entities do not declare (`None`: NULL), typed and
    /// checked as `set` checks them.
    fn extras(
        &self,
        entity: EntityKind,
        extras: &[Arc<LiveColumn>],
    ) -> std::result::Result<Vec<Option<Literal>>, String> {
        extras
            .iter()
            .map(|column| {
                let Some(text) = self.get(&column.name.to_lowercase()) else {
                    return Ok(None);
                };
                let field = match entity {
                    EntityKind::User => Field::User(UserField::Extra(column.clone())),
                    EntityKind::Post => Field::Post(PostField::Extra(column.clone())),
                };
                assigned(&field, text)
                    .map(Some)
                    .map_err(|e| self.refuse(&column.name, e))
            })
            .collect()
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn refuse(&self, field: &str, why: impl std::fmt::Display) -> String {
        format!("{}, {field}: {why}", self.place)
    }
}

/// The format a file is read in: as asked, else by its extension.
pub fn format_of(path: &str, asked: Option<ImportFormat>) -> Result<ImportFormat> {
    if let Some(format) = asked {
        return Ok(format);
    }
    let lower = path.to_lowercase();
    if lower.ends_with(".csv") {
        Ok(ImportFormat::Csv)
    } else if lower.ends_with(".json") {
        Ok(ImportFormat::Json)
    } else {
        Err(Error::new(format!(
            "cannot tell the format of {path:?} from its name: add --format csv or --format json"
        )))
    }
}

/// The file's rows, one at a time: a CSV file is never held whole (a JSON array is parsed first).
fn read(
    path: &str,
    format: ImportFormat,
    entity: EntityKind,
    extras: &[Arc<LiveColumn>],
) -> Result<Box<dyn Iterator<Item = Result<Record>>>> {
    let owned = path.to_string();
    let cannot = move |e: &dyn std::fmt::Display| Error::new(format!("cannot read {owned:?}: {e}"));
    match format {
        ImportFormat::Csv => {
            let mut reader = csv::Reader::from_path(path).map_err(|e| cannot(&e))?;
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| cannot(&e))?
                .iter()
                // A byte-order mark (spreadsheets write one) is not part of the first name.
                .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
                .collect();
            // A file of another shape (another entity's, or not CSV at all) is refused whole.
            let needed: &[&[&str]] = match entity {
                EntityKind::User => &[&["username"], &["email"]],
                EntityKind::Post => &[&["body"], &["author", "user_id"]],
            };
            for any_of in needed {
                if !any_of.iter().any(|c| headers.iter().any(|h| h == c)) {
                    let mut shown: Vec<String> =
                        headers.iter().take(4).map(|h| quoted(h)).collect();
                    if headers.len() > 4 {
                        shown.push("...".to_string());
                    }
                    return Err(Error::new(format!(
                        "{path} has no column {} (its header: {}): a CSV file as --format csv \
                         writes {}",
                        any_of.join(" or "),
                        shown.join(", "),
                        entity.plural()
                    )));
                }
            }
            refuse_unknown(path, entity, extras, &headers)?;
            let path = path.to_string();
            Ok(Box::new(reader.into_records().map(move |row| {
                let row = row.map_err(|e| cannot(&e))?;
                let line = row.position().map_or(0, |p| p.line());
                let fields = headers
                    .iter()
                    .cloned()
                    .zip(row.iter().map(str::to_string))
                    .collect();
                Ok(Record {
                    place: format!("{path} line {line}"),
                    fields,
                })
            })))
        }
        ImportFormat::Json => {
            let text = std::fs::read_to_string(path).map_err(|e| cannot(&e))?;
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| cannot(&e))?;
            let serde_json::Value::Array(items) = value else {
                return Err(Error::new(format!(
                    "{path:?} is not a JSON array of objects, as --format json writes them"
                )));
            };
            // Every record's keys first: a column the table lacks is refused before a row goes.
            let keys: Vec<String> = items
                .iter()
                .filter_map(|item| item.as_object())
                .flat_map(|object| object.keys().map(|k| k.to_lowercase()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            refuse_unknown(path, entity, extras, &keys)?;
            let path = path.to_string();
            Ok(Box::new(items.into_iter().enumerate().map(
                move |(i, item)| {
                    let serde_json::Value::Object(object) = item else {
                        return Err(Error::new(format!(
                            "{path} record {}: not an object",
                            i + 1
                        )));
                    };
                    let fields = object
                        .into_iter()
                        .filter_map(|(k, v)| {
                            let text = match v {
                                serde_json::Value::Null => return None,
                                serde_json::Value::String(s) => s,
                                other => other.to_string(),
                            };
                            Some((k.to_lowercase(), text))
                        })
                        .collect();
                    Ok(Record {
                        place: format!("{path} record {}", i + 1),
                        fields,
                    })
                },
            )))
        }
    }
}

fn id_of(record: &Record) -> std::result::Result<Option<i32>, String> {
    match record.get("id") {
        None => Ok(None),
        Some(text) => validate::id("row", text.trim())
            .map(Some)
            .map_err(|e| record.refuse("id", e)),
    }
}

/// What to import: a file's rows into an entity's table.
pub struct Import<'a> {
    pub entity: EntityKind,
    pub path: &'a str,
    pub format: ImportFormat,
    /// Good rows in, bad ones listed (else all or nothing).
    pub keep_going: bool,
}

/// Imports the file, writing through `db` (or, on SQLite, `borrowed`), in the same transaction
/// as the authors are looked up: on SQLite on the borrowed connection, as a read in a
/// transaction is (through sqlx's worker, a file of 1,000 authors waited 1,000 hand-offs before
/// its first batch went in).
pub async fn import(
    db: &Conn<'_>,
    borrowed: Option<&Borrowed>,
    import: Import<'_>,
    vocabulary: &Vocabulary,
) -> Result<Outcome> {
    let Import {
        entity,
        path,
        format,
        keep_going,
    } = import;
    let lookups = match borrowed {
        Some(borrowed) => Route::Borrowed {
            borrowed,
            sqlx: *db,
        },
        None => Route::Sqlx(*db),
    };
    ROWS_READ.store(0, Ordering::Relaxed);
    let extras = vocabulary.extras(entity);
    let records = read(path, format, entity, extras)?.inspect(|_| {
        ROWS_READ.fetch_add(1, Ordering::Relaxed);
    });
    let records: Box<dyn Iterator<Item = Result<Record>>> = Box::new(records);
    let inserter = borrowed.map(|_| Inserter::start()).transpose()?;
    let mut writer = Writer {
        db,
        borrowed: borrowed.zip(inserter.as_ref()),
        running: None,
    };
    let (imported, refused) = match entity {
        EntityKind::User => import_users(&mut writer, records, keep_going, extras).await?,
        EntityKind::Post => {
            import_posts(&mut writer, &lookups, records, keep_going, extras).await?
        }
    };
    writer.finish().await?;
    let mut text = format!(
        "Imported {} from {path}",
        crate::db::commands::changes::rows_of(entity, imported as u64)
    );
    if !refused.is_empty() {
        text.push_str(&format!("; {} refused:", refused.len()));
        for why in &refused {
            text.push_str(&format!("\n  {why}"));
        }
    }
    Ok(Outcome::Report {
        text,
        passed: refused.is_empty(),
    })
}

/// A bad row: the error that stops the import, or (going on) one more line for the report.
fn refused(why: String, keep_going: bool, list: &mut Vec<String>) -> Result<()> {
    if keep_going {
        list.push(why);
        Ok(())
    } else {
        Err(Error::new(format!("{why}: nothing was imported")))
    }
}

async fn import_users<C: ConnectionTrait>(
    writer: &mut Writer<'_, C>,
    records: Box<dyn Iterator<Item = Result<Record>>>,
    keep_going: bool,
    extras: &[Arc<LiveColumn>],
) -> Result<(usize, Vec<String>)> {
    // Usernames and emails are unique regardless of case: against the table and within the file.
    let existing: Vec<(String, String)> = User::find()
        .select_only()
        .column(user::Column::Username)
        .column(user::Column::Email)
        .into_tuple()
        .all(writer.db)
        .await?;
    let mut names: HashSet<String> = existing.iter().map(|(n, _)| n.to_lowercase()).collect();
    let mut emails: HashSet<String> = existing.iter().map(|(_, e)| e.to_lowercase()).collect();
    let mut batch = Vec::with_capacity(BATCH);
    let (mut imported, mut with_ids) = (0, false);
    let mut bad = Vec::new();
    for record in records {
        let record = record?;
        let checked = (|| {
            let id = id_of(&record)?;
            let username = record
                .get("username")
                .unwrap_or_default()
                .trim()
                .to_string();
            validate::username(&username).map_err(|e| record.refuse("username", e))?;
            let email = record.get("email").unwrap_or_default().trim().to_string();
            validate::email(&email).map_err(|e| record.refuse("email", e))?;
            if names.contains(&username.to_lowercase()) {
                return Err(record.refuse("username", format!("{username:?} is already taken")));
            }
            if emails.contains(&email.to_lowercase()) {
                return Err(record.refuse("email", format!("{email:?} is already used")));
            }
            let mut values = record.extras(EntityKind::User, extras)?;
            // What the app's model fills on the Python side, as `add user` fills it.
            for (value, column) in values.iter_mut().zip(extras) {
                if value.is_none()
                    && column.kind == ColumnKind::Timestamp
                    && user::FILLED_BY_THE_APP.contains(&column.name.as_str())
                {
                    *value = Some(Literal::Timestamp(now_utc()));
                }
            }
            Ok((id, username, email, values))
        })();
        match checked {
            Ok((id, username, email, values)) => {
                names.insert(username.to_lowercase());
                emails.insert(email.to_lowercase());
                with_ids |= id.is_some();
                batch.push(((id, username, email), values));
            }
            Err(why) => refused(why, keep_going, &mut bad)?,
        }
        if batch.len() == BATCH {
            imported += insert_users(writer, std::mem::take(&mut batch), extras).await?;
        }
    }
    imported += insert_users(writer, batch, extras).await?;
    if with_ids {
        writer.finish().await?;
        follow_ids(writer.db, "user").await?;
    }
    Ok((imported, bad))
}

/// A user to insert: id, username, email; the columns the entities do not declare.
type UserRow = ((Option<i32>, String, String), Vec<Option<Literal>>);

/// One multi-row INSERT; ids are written when the rows have them.
async fn insert_users<C: ConnectionTrait>(
    writer: &mut Writer<'_, C>,
    batch: Vec<UserRow>,
    extras: &[Arc<LiveColumn>],
) -> Result<usize> {
    let (rows, values): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .map(|((id, username, email), values)| {
            ((id, vec![Expr::val(username), Expr::val(email)]), values)
        })
        .unzip();
    let columns = [user::Column::Username, user::Column::Email].map(IntoIden::into_iden);
    let (columns, rows) = with_extras(columns.to_vec(), rows, values, extras)?;
    insert_rows(
        writer,
        user::Entity.into_iden(),
        user::Column::Id.into_iden(),
        columns,
        rows,
    )
    .await
}

/// Rows to insert: each one's id (when it gives one) and its values, in the columns' order.
type InsertRows = Vec<(Option<i32>, Vec<SimpleExpr>)>;

/// The rows' columns and values with those of the columns the entities do not declare that any
/// row of the batch gives (NULL for the rows that do not).
fn with_extras(
    mut columns: Vec<DynIden>,
    mut rows: InsertRows,
    values: Vec<Vec<Option<Literal>>>,
    extras: &[Arc<LiveColumn>],
) -> Result<(Vec<DynIden>, InsertRows)> {
    for (i, column) in extras.iter().enumerate() {
        if !values.iter().any(|v| v[i].is_some()) {
            continue;
        }
        columns.push(Alias::new(&column.name).into_iden());
        for ((_, row), given) in rows.iter_mut().zip(&values) {
            row.push(match &given[i] {
                Some(literal) => Sql::bound(literal)?,
                None => Expr::cust("NULL"),
            });
        }
    }
    Ok((columns, rows))
}

/// A multi-row INSERT of `columns` (and `id` first when any row has one).
async fn insert_rows<C: ConnectionTrait>(
    writer: &mut Writer<'_, C>,
    table: DynIden,
    id: DynIden,
    columns: Vec<DynIden>,
    rows: InsertRows,
) -> Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let count = rows.len();
    let with_ids = rows.iter().any(|(id, _)| id.is_some());
    let rows: Vec<Vec<SimpleExpr>> = rows
        .into_iter()
        .map(|(id, values)| {
            let ids = with_ids.then(|| Expr::val(id));
            ids.into_iter().chain(values).collect()
        })
        .collect();
    let mut insert = Query::insert();
    insert.into_table(table);
    insert.columns(with_ids.then_some(id).into_iter().chain(columns));
    writer.insert(insert, rows).await?;
    Ok(count)
}

/// Where batches of rows go: through sqlx, one multi-row INSERT each; or on SQLite, a prepared
/// single-row INSERT per row on the transaction's borrowed connection (`sqlite::borrowed`), on
/// the inserting thread while the next batch is read and checked (`sqlite::inserter`).
struct Writer<'a, C> {
    db: &'a C,
    borrowed: Option<(&'a Borrowed, &'a Inserter)>,
    /// The batch going in on the inserting thread: the connection is its until it is in.
    running: Option<Running<'a, Batch>>,
}

/// A batch inserted on the inserting thread: its statement, rows and their values back, and the
/// first row the database refused (`Borrowed::insert_rows`).
type Batch = (
    InsertStatement,
    Vec<Vec<SimpleExpr>>,
    Rows,
    Result<Option<usize>>,
);

impl<C: ConnectionTrait> Writer<'_, C> {
    /// Sends a batch on its way (on SQLite, after the one before it is in).
    async fn insert(
        &mut self,
        mut insert: InsertStatement,
        rows: Vec<Vec<SimpleExpr>>,
    ) -> Result<()> {
        let Some((borrowed, inserter)) = self.borrowed else {
            for row in rows {
                insert.values_panic(row);
            }
            self.db.execute(&insert).await?;
            return Ok(());
        };
        let values = Rows::of(&insert, &rows)?;
        self.finish().await?;
        self.running = Some(inserter.run(borrowed, move |borrowed| {
            let refused = borrowed.insert_rows(&values, 0);
            (insert, rows, values, refused)
        }));
        Ok(())
    }

    /// Waits for the batch under way. A row the database refused is sent again through sqlx,
    /// for its error as the multi-row INSERT would have had it (the rows after it go on if it
    /// goes in after all).
    async fn finish(&mut self) -> Result<()> {
        let (Some(running), Some((borrowed, _))) = (self.running.take(), self.borrowed) else {
            return Ok(());
        };
        let (insert, rows, values, mut refused) = running.wait()?;
        while let Some(at) = refused? {
            let mut alone = insert.clone();
            alone.values_panic(rows[at].iter().cloned());
            self.db.execute(&alone).await?;
            refused = borrowed.insert_rows(&values, at + 1);
        }
        Ok(())
    }
}

async fn import_posts<C: ConnectionTrait, F: Fetch>(
    writer: &mut Writer<'_, C>,
    lookups: &F,
    records: Box<dyn Iterator<Item = Result<Record>>>,
    keep_going: bool,
    extras: &[Arc<LiveColumn>],
) -> Result<(usize, Vec<String>)> {
    // Each author's id, or why the rows naming it are refused (no such user, a name that
    // matches several differing only in case), looked up once.
    let mut authors: HashMap<String, std::result::Result<i32, String>> = HashMap::new();
    let now = now_utc();
    let mut batch = Vec::with_capacity(BATCH);
    let (mut imported, mut with_ids) = (0, false);
    let mut bad = Vec::new();
    for record in records {
        let record = record?;
        let mut failed = None;
        let checked: std::result::Result<_, String> = async {
            let id = id_of(&record)?;
            let body = record.get("body").unwrap_or_default().to_string();
            validate::body(&body).map_err(|e| record.refuse("body", e))?;
            let at = match record.get("timestamp") {
                None => now,
                Some(text) => timestamp(text).ok_or_else(|| {
                    record.refuse(
                        "timestamp",
                        format!("{text:?} is not a time as YYYY-MM-DD HH:MM:SS[.ffffff] (UTC)"),
                    )
                })?,
            };
            let (field, author) = match (record.get("author"), record.get("user_id")) {
                (Some(name), _) => ("author", name.trim().to_string()),
                (None, Some(id)) => ("user_id", id.trim().to_string()),
                (None, None) => {
                    return Err(record.refuse("author", "missing: give author or user_id"));
                }
            };
            let key = format!("{field}:{author}");
            if !authors.contains_key(&key) {
                let user = match field {
                    "user_id" => validate::id("user", &author)
                        .map(UserRef::Id)
                        .map_err(|e| record.refuse(field, e))?,
                    _ => UserRef::Username(author.clone()),
                };
                // The connection is the inserting thread's until its batch is in; a batch that
                // failed ends the import (not this row).
                if let Err(error) = writer.finish().await {
                    failed = Some(error);
                    return Err(String::new());
                }
                let found = find_user(lookups, &user)
                    .await
                    .map(|u| u.id)
                    .map_err(|e| e.to_string());
                authors.insert(key.clone(), found);
            }
            let user_id = match &authors[&key] {
                Ok(id) => *id,
                Err(why) => return Err(record.refuse(field, why)),
            };
            let values = record.extras(EntityKind::Post, extras)?;
            Ok(((id, body, at, user_id), values))
        }
        .await;
        if let Some(error) = failed {
            return Err(error);
        }
        match checked {
            Ok(row) => {
                with_ids |= row.0.0.is_some();
                batch.push(row);
            }
            Err(why) => refused(why, keep_going, &mut bad)?,
        }
        if batch.len() == BATCH {
            imported += insert_posts(writer, std::mem::take(&mut batch), extras).await?;
        }
    }
    imported += insert_posts(writer, batch, extras).await?;
    if with_ids {
        writer.finish().await?;
        follow_ids(writer.db, "post").await?;
    }
    Ok((imported, bad))
}

/// A post to insert: id, body, timestamp, author; the columns the entities do not declare.
type PostRow = (
    (Option<i32>, String, NaiveDateTime, i32),
    Vec<Option<Literal>>,
);

/// One multi-row INSERT; ids are written when the rows have them.
async fn insert_posts<C: ConnectionTrait>(
    writer: &mut Writer<'_, C>,
    batch: Vec<PostRow>,
    extras: &[Arc<LiveColumn>],
) -> Result<usize> {
    let (rows, values): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .map(|((id, body, at, user_id), values)| {
            (
                (id, vec![Expr::val(body), Expr::val(at), Expr::val(user_id)]),
                values,
            )
        })
        .unzip();
    let columns = [
        post::Column::Body,
        post::Column::Timestamp,
        post::Column::UserId,
    ]
    .map(IntoIden::into_iden);
    let (columns, rows) = with_extras(columns.to_vec(), rows, values, extras)?;
    insert_rows(
        writer,
        post::Entity.into_iden(),
        post::Column::Id.into_iden(),
        columns,
        rows,
    )
    .await
}

/// After rows went in with their own ids, PostgreSQL's sequence must move past them (SQLite and
/// MySQL/MariaDB do so themselves).
async fn follow_ids<C: ConnectionTrait>(db: &C, table: &str) -> Result<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), \
         (SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))"
    );
    db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    Ok(())
}
