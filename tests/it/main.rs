//! The integration tests, one binary (as ripgrep has it): each module is one area, all of them run
//! the real `shell` binary (or its library) against real SQLite files and the PostgreSQL and MariaDB
//! servers, through the harness in `util`. One binary links the database stack once, not once per area.

mod backends;
mod bad_config;
mod bulk;
mod chapters;
mod conflicts;
mod entities;
mod failover;
mod faults;
mod flask;
mod generate;
mod history;
mod hostile;
mod interactive;
mod live_schema;
mod migrate;
mod output;
mod parser_props;
mod passwords;
mod queries;
mod replicas;
mod security;
mod server_stream;
mod shell;
mod sqlite_reader;
mod typed_ahead;
mod urls;
mod util;
