//! The SQL the commands send and the rows they read back: where it is sent through sqlx (`conn`:
//! a transaction or the connection, timestamps as the Flask app writes them, reads sent again
//! when the server ended an idle session), the query language as conditions
//! (`filter`), listings a page at a time (`listing`) and as one stream on the servers
//! (`server_stream`), rows read by column name whichever driver gave them (`row`), lookups written
//! once for SeaORM and the SQLite reader (`fetch`), case-insensitive lookups that still use the
//! indexes (`case_insensitive`), and the statements kept for `echo sql` and `explain` (`echo`).

pub(crate) mod case_insensitive;
pub mod conn;
pub mod echo;
pub(super) mod fetch;
pub(super) mod filter;
pub(super) mod listing;
pub(super) mod row;
pub(super) mod server_stream;
