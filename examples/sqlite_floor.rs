//! The benchmark's floor for bulk writes on SQLite (`bench/bench.py`, "SQLite alone, C API"): the
//! rows of the bulk script written straight through SQLite's C API, with the very SQLite library
//! the shell links (rusqlite over the same `libsqlite3-sys`, bundled): one prepared single-row
//! INSERT per table, values bound, one transaction, foreign keys on as the shell has them. No
//! parsing, no reporting: what SQLite itself needs for this schema, and so the most any tool can do.
//!
//! `sqlite_floor FILE [USERS] [POSTS] [MODE]`: FILE is a migrated database; prints the seconds the
//! writes took. MODE `rows` (the default) writes the posts one row per statement; `batch` writes
//! them 1,000 rows per statement, as the shell's batches do.

use std::time::Instant;

use rusqlite::{Connection, params};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: sqlite_floor FILE [USERS] [POSTS] [rows|batch]")?;
    let users: usize = args.next().map_or(Ok(1000), |n| n.parse())?;
    let posts: usize = args.next().map_or(Ok(100_000), |n| n.parse())?;
    let batch = args.next().as_deref() == Some("batch");

    let started = Instant::now();
    let mut db = Connection::open(&path)?;
    db.pragma_update(None, "foreign_keys", true)?;
    let transaction = db.transaction()?;
    {
        let mut user =
            transaction.prepare("INSERT INTO \"user\" (username, email) VALUES (?1, ?2)")?;
        for i in 0..users {
            user.execute(params![format!("u{i}"), format!("u{i}@example.com")])?;
        }
        let timestamp = "2026-01-01 00:00:00.000000";
        let author = |i: usize| (1 + i % users) as i64;
        if batch {
            const ROWS: usize = 1000;
            let values = vec!["(?, ?, ?)"; ROWS].join(", ");
            let sql = format!("INSERT INTO post (body, timestamp, user_id) VALUES {values}");
            let mut many = transaction.prepare(&sql)?;
            let mut start = 0;
            while start + ROWS <= posts {
                let bodies: Vec<String> = (start..start + ROWS)
                    .map(|i| format!("post number {i}"))
                    .collect();
                let mut bound: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(3 * ROWS);
                let authors: Vec<i64> = (start..start + ROWS).map(author).collect();
                for (k, body) in bodies.iter().enumerate() {
                    bound.push(body);
                    bound.push(&timestamp);
                    bound.push(&authors[k]);
                }
                many.execute(bound.as_slice())?;
                start += ROWS;
            }
            let mut one = transaction
                .prepare("INSERT INTO post (body, timestamp, user_id) VALUES (?1, ?2, ?3)")?;
            for i in start..posts {
                one.execute(params![format!("post number {i}"), timestamp, author(i)])?;
            }
        } else {
            let mut post = transaction
                .prepare("INSERT INTO post (body, timestamp, user_id) VALUES (?1, ?2, ?3)")?;
            for i in 0..posts {
                post.execute(params![format!("post number {i}"), timestamp, author(i)])?;
            }
        }
    }
    transaction.commit()?;
    println!("{:.6}", started.elapsed().as_secs_f64());
    Ok(())
}
