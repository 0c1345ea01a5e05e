//! microblog-shell: an interactive database shell for the Flask Mega-Tutorial's microblog schema.
//!
//! The modules, from the outside in:
//! - `cli`: the command line (`shell`, `shell migrate ...`), declared with clap.
//! - `config`: which database to open (flag, `DATABASE_URL`, `.env`, or the embedded default) and how
//!   to show its URL without the password.
//! - `connect`: opens the connection and turns driver failures into one readable line.
//! - `flask_sqlite`: a connection wrapper that stores timestamps on SQLite the way the Flask app does.
//! - `migrate`: the `migrate` subcommands on top of the `migration` crate's `Migrator`.
//! - `startup`: what happens before the first command (migrating a brand-new default database).
//! - `input`: where lines come from (rustyline, a script, `-c`); `runner`: the loop over them.
//! - `command`: the command language, parsed without I/O; `help`: help from its declaration.
//! - `session`: the shell context (connection, open transaction, format) that runs commands.
//! - `queries`, `describe`, `raw_sql`: the commands executed against the database;
//!   `case_insensitive`: username/email lookups that ignore case and still use the indexes.
//! - `output` and `render`: results as typed rows, then as table, JSON or CSV.
//! - `entities`: the `User` and `Post` entities, the one description of the schema.
//! - `schema`: that schema and the live one as data, their differences (`migrate check`), and
//!   migrations written from them (`migrate generate --autogenerate`).
//! - `error`: the error type whose `Display` is the one line a user sees.

pub mod bulk;
pub mod case_insensitive;
pub mod cli;
pub mod command;
pub mod completion;
pub mod config;
pub mod connect;
pub mod describe;
pub mod entities;
pub mod error;
pub mod flask_sqlite;
pub mod help;
pub mod helper;
pub mod history;
pub mod input;
pub mod interrupt;
pub mod listing;
pub mod lookup;
pub mod migrate;
pub mod output;
pub mod pager;
pub mod password;
pub mod progress;
pub mod queries;
pub mod raw_sql;
pub mod render;
pub mod runner;
pub mod schema;
pub mod session;
pub mod startup;
