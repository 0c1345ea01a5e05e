//! Reaching the database: which one (`config`: URL precedence, SQLAlchemy's SQLite forms, several
//! hosts), opening it (`connect`), what its failures mean (`error`), and what the server is
//! (`replica`: a standby, a Galera node not synced).

pub mod config;
pub mod connect;
pub mod error;
pub mod replica;
