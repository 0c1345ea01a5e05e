//! The SQL the commands send and the rows they read back: the query language as conditions
//! (`filter`), listings a page at a time (`listing`) and as one stream on the servers
//! (`server_stream`), rows read by column name whichever driver gave them (`row`), lookups written
//! once for SeaORM and the SQLite reader (`fetch`), case-insensitive lookups that still use the
//! indexes (`case_insensitive`), and the statements kept for `echo sql` and `explain` (`echo`).

pub mod case_insensitive;
pub mod echo;
pub mod fetch;
pub mod filter;
pub mod listing;
pub mod row;
pub mod server_stream;
