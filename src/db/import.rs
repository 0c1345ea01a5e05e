//! `import users|posts FILE`: rows from a CSV or JSON file in the shape `--format csv|json` writes
//! them (users: `id`, `username`, `email`; posts: `id`, `timestamp`, `author` by name or
//! `user_id`, `body`; other columns such as `has_password` are ignored), checked by the rules of
//! `add`, inserted in multi-row batches. By default all or nothing, with an error naming the line
//! and the field; with `--continue-on-error` the good rows go in and the bad ones are listed.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDateTime;
use sea_orm::sea_query::{DynIden, Expr, IntoIden, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QuerySelect, Statement};

use super::queries::find_user;
use crate::command::clause::timestamp;
use crate::command::{EntityKind, ImportFormat, UserRef, validate};
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

impl Record {
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

/// Imports `path` into `entity`; `keep_going`: good rows in, bad ones listed.
pub async fn import<C: ConnectionTrait>(
    db: &C,
    entity: EntityKind,
    path: &str,
    format: ImportFormat,
    keep_going: bool,
) -> Result<Outcome> {
    ROWS_READ.store(0, Ordering::Relaxed);
    let records = read(path, format, entity)?.inspect(|_| {
        ROWS_READ.fetch_add(1, Ordering::Relaxed);
    });
    let records: Box<dyn Iterator<Item = Result<Record>>> = Box::new(records);
    let (imported, refused) = match entity {
        EntityKind::User => import_users(db, records, keep_going).await?,
        EntityKind::Post => import_posts(db, records, keep_going).await?,
    };
    let mut text = format!(
        "Imported {} from {path}",
        super::changes::rows_of(entity, imported as u64)
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
    db: &C,
    records: Box<dyn Iterator<Item = Result<Record>>>,
    keep_going: bool,
) -> Result<(usize, Vec<String>)> {
    // Usernames and emails are unique regardless of case: against the table and within the file.
    let existing: Vec<(String, String)> = User::find()
        .select_only()
        .column(user::Column::Username)
        .column(user::Column::Email)
        .into_tuple()
        .all(db)
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
            Ok((id, username, email))
        })();
        match checked {
            Ok((id, username, email)) => {
                names.insert(username.to_lowercase());
                emails.insert(email.to_lowercase());
                with_ids |= id.is_some();
                batch.push((id, username, email));
            }
            Err(why) => refused(why, keep_going, &mut bad)?,
        }
        if batch.len() == BATCH {
            imported += insert_users(db, std::mem::take(&mut batch)).await?;
        }
    }
    imported += insert_users(db, batch).await?;
    if with_ids {
        follow_ids(db, "user").await?;
    }
    Ok((imported, bad))
}

/// One multi-row INSERT; ids are written when the rows have them.
async fn insert_users<C: ConnectionTrait>(
    db: &C,
    batch: Vec<(Option<i32>, String, String)>,
) -> Result<usize> {
    let rows = batch
        .into_iter()
        .map(|(id, username, email)| (id, vec![Expr::val(username), Expr::val(email)]))
        .collect();
    let columns = [user::Column::Username, user::Column::Email].map(IntoIden::into_iden);
    insert_rows(
        db,
        user::Entity.into_iden(),
        user::Column::Id.into_iden(),
        columns.to_vec(),
        rows,
    )
    .await
}

/// A multi-row INSERT of `columns` (and `id` first when any row has one).
async fn insert_rows<C: ConnectionTrait>(
    db: &C,
    table: DynIden,
    id: DynIden,
    columns: Vec<DynIden>,
    rows: Vec<(Option<i32>, Vec<SimpleExpr>)>,
) -> Result<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let with_ids = rows.iter().any(|(id, _)| id.is_some());
    let mut insert = Query::insert();
    insert.into_table(table);
    insert.columns(with_ids.then_some(id).into_iter().chain(columns));
    for (id, values) in &rows {
        let ids = with_ids.then(|| Expr::val(*id));
        insert.values_panic(ids.into_iter().chain(values.iter().cloned()));
    }
    db.execute(&insert).await?;
    Ok(rows.len())
}

async fn import_posts<C: ConnectionTrait>(
    db: &C,
    records: Box<dyn Iterator<Item = Result<Record>>>,
    keep_going: bool,
) -> Result<(usize, Vec<String>)> {
    let mut authors: HashMap<String, Option<i32>> = HashMap::new();
    let now = now_utc();
    let mut batch = Vec::with_capacity(BATCH);
    let (mut imported, mut with_ids) = (0, false);
    let mut bad = Vec::new();
    for record in records {
        let record = record?;
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
                let found = find_user(db, &user).await.ok().map(|u| u.id);
                authors.insert(key.clone(), found);
            }
            let Some(user_id) = authors[&key] else {
                return Err(record.refuse(field, format!("there is no user {author:?}")));
            };
            Ok((id, body, at, user_id))
        }
        .await;
        match checked {
            Ok(row) => {
                with_ids |= row.0.is_some();
                batch.push(row);
            }
            Err(why) => refused(why, keep_going, &mut bad)?,
        }
        if batch.len() == BATCH {
            imported += insert_posts(db, std::mem::take(&mut batch)).await?;
        }
    }
    imported += insert_posts(db, batch).await?;
    if with_ids {
        follow_ids(db, "post").await?;
    }
    Ok((imported, bad))
}

/// One multi-row INSERT; ids are written when the rows have them.
async fn insert_posts<C: ConnectionTrait>(
    db: &C,
    batch: Vec<(Option<i32>, String, NaiveDateTime, i32)>,
) -> Result<usize> {
    let rows = batch
        .into_iter()
        .map(|(id, body, at, user_id)| {
            (id, vec![Expr::val(body), Expr::val(at), Expr::val(user_id)])
        })
        .collect();
    let columns = [
        post::Column::Body,
        post::Column::Timestamp,
        post::Column::UserId,
    ]
    .map(IntoIden::into_iden);
    insert_rows(
        db,
        post::Entity.into_iden(),
        post::Column::Id.into_iden(),
        columns.to_vec(),
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
