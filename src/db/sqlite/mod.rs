//! SQLite's own ways: listings and single reads on the shell's thread through a read-only
//! connection of its own (`sqlite_direct`), entity models from its rows (`direct_models`), and
//! timestamps stored as the Flask app stores them (`flask_sqlite`), and a script's queued rows
//! written on the shell's thread into its transaction (`borrowed`), a batch on a thread of the
//! session's while the next is read (`inserter`), and the names a long run of `add user` lines
//! finds taken, held in memory (`taken`).

pub(super) mod borrowed;
pub(super) mod direct_models;
pub mod flask_sqlite;
pub(super) mod inserter;
pub(crate) mod sqlite_direct;
pub(super) mod taken;
