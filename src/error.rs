//! The shell's error: its `Display` is exactly the one line a user sees after `error: `, so every
//! failure (configuration, connection, database, input) ends as a readable sentence, never a dump.
//! It knows no driver: the database layer (`src/db/connection/error.rs`) turns the database's failures into one of these.

use std::fmt;

use crate::command::ParseError;

pub use crate::command::quoted;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    /// The connection to the server went away (killed, server restarted, network): what was in an
    /// open transaction is gone, and the next command reconnects.
    connection_lost: bool,
    /// The database ended the open transaction itself (SQLite on a full disk, MariaDB's deadlock
    /// victim): nothing in it was committed, and nothing more may run as if inside it.
    transaction_lost: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        // One line, whatever the driver said: multi-line messages are joined.
        let message: String = message.into();
        let message = message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        Error {
            message,
            connection_lost: false,
            transaction_lost: false,
        }
    }

    /// The open transaction is gone, as `message` says; the connection is still there.
    pub fn transaction_lost(message: impl Into<String>) -> Self {
        Error {
            transaction_lost: true,
            ..Error::new(message)
        }
    }

    /// Whether the open transaction (if any) ended with this error: the connection or the
    /// transaction itself is gone.
    pub fn ends_transaction(&self) -> bool {
        self.connection_lost || self.transaction_lost
    }

    /// The session with the server is gone, as `message` says.
    pub fn connection_lost(message: impl Into<String>) -> Self {
        Error {
            connection_lost: true,
            ..Error::new(message)
        }
    }

    pub fn is_connection_lost(&self) -> bool {
        self.connection_lost
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<ParseError> for Error {
    fn from(err: ParseError) -> Self {
        Error::new(err.message())
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::new(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_line_message_becomes_one_line() {
        let e = Error::new("first\n\n  second  \nthird");
        assert_eq!(e.to_string(), "first; second; third");
        assert!(!e.is_connection_lost());
        assert!(Error::connection_lost("gone").is_connection_lost());
    }
}
