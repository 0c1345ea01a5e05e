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
//! - [`session`]: the connection, the user's open transaction, savepoints, a lost node left for
//!   the next; [`execute`]: the one door a data command comes in by, and its answer;
//!   [`route`]: where a read goes (the transaction, the connection, the SQLite reader) and a
//!   listing's pages along it; [`queued`]: a script's `add post` lines inserted together;
//!   [`migrating`]: `migrate ...` for the command line, the prompt and start-up alike;
//!   [`asking`]: what is asked of a person first, through a trait the caller implements;
//!   [`open`]: which drivers open the database, and what is read at start-up.

pub mod asking;
pub(crate) mod commands;
pub mod connection;
pub mod execute;
pub mod migrating;
pub mod open;
pub mod queued;
pub mod route;
pub mod session;
pub mod sql;
pub mod sqlite;

// The session's face, what the prompt loop uses: the session, what passes through its one door,
// and what it asks of the caller.
pub use asking::{NoOne, Person};
pub use execute::Answer;
pub use queued::{Author, ReadAhead};
pub use session::{Lock, Session};
