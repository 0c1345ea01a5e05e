//! The database layer: which database, the connection, and everything that reads or writes it on a
//! command's behalf. Driver errors become the shell's one-line errors here, and results leave as
//! [`crate::render`]'s plain data.
//!
//! - `config`: which database to open, and its URL without the password;
//! - `connect`: opening it, and turning failures into one line; `error`: driver errors as messages;
//! - `session`: the connection, the user's open transaction, and atomic execution of commands;
//! - `queries`, `listing`, `describe`, `raw_sql`, `bulk`: the commands' database work;
//! - `filter`: the query language in SQL; `changes`: count, update and delete where;
//! - `echo`: the statements sent, kept for `echo sql` and `explain`; `import`: rows from files;
//! - `case_insensitive`: username/email lookups that ignore case and still use the indexes;
//! - `flask_sqlite`: timestamps on SQLite stored as the Flask app stores them;
//! - `sqlite_direct`: listings and single reads on SQLite read on this thread, through a read-only
//!   connection of its own; `row`: a row read by column name either way; `direct_models`: entity
//!   models from those rows; `fetch`: lookups written once for SeaORM and that reader;
//!   `server_stream`: listings on the servers as one statement;
//! - `dependents`: rows of tables the shell does not declare that hold a user, for `delete user`;
//!   `follows`: the tutorial's follow relation; `tables`: the tables beyond the entities;
//! - `password`: Werkzeug's password hashes; `reconnect`: reads sent again on a new connection when
//!   the server ended the idle one.

pub mod bulk;
pub mod case_insensitive;
pub mod changes;
pub mod config;
pub mod connect;
pub mod dependents;
pub mod describe;
pub mod direct_models;
pub mod echo;
pub mod error;
pub mod fetch;
pub mod filter;
pub mod flask_sqlite;
pub mod follows;
pub mod import;
pub mod listing;
pub mod password;
pub mod queries;
pub mod raw_sql;
pub mod reconnect;
pub mod replica;
pub mod row;
pub mod server_stream;
pub mod session;
pub mod sqlite_direct;
pub mod tables;
