//! What each data command does in the database, given a connection or a transaction: users and
//! posts (`queries`), count/update/delete where (`changes`), follows, the rows other tables hold
//! of a user (`dependents`), `describe` and `tables`, `import`, Werkzeug's password hashes
//! (`password`), raw `sql`, and the multi-row inserts of a script's posts (`bulk`).

pub mod bulk;
pub mod changes;
pub mod dependents;
pub mod describe;
pub mod follows;
pub mod import;
pub mod password;
pub mod queries;
pub mod raw_sql;
pub mod tables;
