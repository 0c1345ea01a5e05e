//! The database layer: which database, the connection, and everything that reads or writes it on a
//! command's behalf. Driver errors become the shell's one-line errors here, and results leave as
//! [`crate::render`]'s plain data.
//!
//! Grouped by job, each group behind a `mod.rs` that says what it holds:
//! - [`connection`]: which database (`config`), opening it (`connect`, several hosts too), its
//!   errors in the user's words, reads sent again on a new connection, replicas and clusters;
//! - [`sql`]: the statements built and read: the query language in SQL, listings and their
//!   streams, rows read by name whichever driver, lookups that ignore case, `echo sql`;
//! - [`sqlite`]: SQLite's own ways: the read-only reader on this thread, entity models from its
//!   rows, timestamps stored as the Flask app stores them;
//! - [`commands`]: what each data command does in the database;
//! - [`session`]: the connection, the user's open transaction, and atomic execution of commands,
//!   the one thing the prompt loop calls; [`migrating`]: `migrate ...` carried out by it, for the
//!   command line, the prompt and start-up alike; [`asking`]: what is asked of a person first,
//!   through a trait the caller implements.

pub mod asking;
pub mod commands;
pub mod connection;
pub mod migrating;
pub mod session;
pub mod sql;
pub mod sqlite;
