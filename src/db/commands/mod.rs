//! What each data command does in the database, given a connection or a transaction: users and
//! posts (`queries`), count/update/delete where (`changes`), follows, the rows other tables hold
//! of a user (`dependents`), `describe` and `tables`, `import`, Werkzeug's password hashes
//! (`password`), raw `sql`, and the multi-row inserts of a script's posts (`bulk`).

pub(crate) mod bulk;
pub(crate) mod changes;
pub(super) mod dependents;
pub(super) mod describe;
pub(super) mod follows;
pub(crate) mod import;
pub(super) mod password;
pub(crate) mod queries;
pub(crate) mod raw_sql;
pub(super) mod tables;
