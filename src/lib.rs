//! microblog-shell: an interactive database shell for the Flask Mega-Tutorial's microblog schema.
//!
//! The layers, bottom up; each uses only those above it in this list (see each folder's `mod.rs`):
//! - `command/`: the command language, declared once, and its parser, help and completion. Pure:
//!   no I/O, database, terminal or table crates (it builds alone, without the `shell` feature).
//! - `error`: the one-line error every layer above the parser reports.
//! - `entities/`: `User` and `Post` as SeaORM entities, the one description of the shell's own
//!   schema; the commands name a few of their columns, and read every other column from the
//!   catalog (`command::vocabulary`).
//! - `render/`: outcomes as data (rows, counts, messages) and the table, JSON and CSV writers.
//! - `migrate/`: the migrations of the `migration` crate, and `schema/` (the schema as data, which
//!   `describe` reads too).
//! - `db/`: which database, connecting, the session and its one door for data commands
//!   (`Session::execute`), where reads go, the queries, listings, bulk inserts, raw SQL, and the
//!   SQLite/Flask compatibility layer.
//! - `repl/`: the prompt and script loop on top: it reads lines, asks, and renders (input sources,
//!   the rustyline helper, look-ups for completion, history, pager, progress, Ctrl-C).
//! - `cli`: the `shell` command line (clap), which shares `command`'s format and migrate words.

pub mod command;

#[cfg(feature = "shell")]
pub mod cli;
#[cfg(feature = "shell")]
pub mod db;
#[cfg(feature = "shell")]
pub mod entities;
#[cfg(feature = "shell")]
pub mod error;
#[cfg(feature = "shell")]
pub mod migrate;
#[cfg(feature = "shell")]
pub mod render;
#[cfg(feature = "shell")]
pub mod repl;
