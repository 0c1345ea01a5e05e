//! Which usernames and emails are taken, ignoring case, for a long run of `add user` lines in one
//! SQLite transaction: held in memory once the run is long enough to pay for reading them, so
//! that a name is proved free without a query.
//!
//! Why: each `add user` asks the database whether its name or email is taken in any case (a
//! lookup with an index search per case spelling of the name's first letters, which SeaORM's
//! builder assembles for every name): 40 µs a user, and a script's 1,000 users were the serial
//! part of the bulk benchmark before its posts could start. The answer cannot go stale while
//! the transaction holds SQLite's write lock (no other connection can write), so the names are
//! read once and each user this session adds is added to them. They are only trusted to say
//! "free": a name they hold is asked of the database again, for its own words. They are
//! forgotten with the script's authors, by any command other than `add user` and `add post`
//! (one of them could rename, delete, import or roll back), and whenever the transaction is
//! found not to hold the write lock.

use std::collections::HashSet;

use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, Func, Query};

use super::borrowed::Borrowed;
use super::flask_sqlite::adapted;
use crate::db::sql::row::RowRead;
use crate::entities::user;
use crate::error::Result;

/// The checks after which the names are first read (then at each doubling), if there are few
/// enough of them: at most this many rows per check made so far, and never more than `MOST_ROWS`
/// (about 10 MB), so that reading them costs less than the lookups they save.
const FIRST_READ_AT: u32 = 64;
const ROWS_PER_CHECK: i64 = 16;
const MOST_ROWS: i64 = 100_000;

/// The taken names of the transaction, once read; and the checks made since they were forgotten.
#[derive(Default)]
pub struct Taken {
    checks: u32,
    known: Option<Known>,
}

/// Every username and email of the user table, lowercased (Rust's `to_lowercase`, as the
/// database lookup compares them: `case_insensitive::same_ignoring_case`).
struct Known {
    names: HashSet<String>,
    emails: HashSet<String>,
}

impl Taken {
    /// After a command that may have changed the users, or ended the transaction.
    pub fn forget(&mut self) {
        *self = Taken::default();
    }

    /// Whether neither `username` nor `email` is taken, in any case; `false` when that is not
    /// known here (the database is asked).
    pub fn surely_free(
        &mut self,
        borrowed: &Borrowed,
        username: &str,
        email: &str,
    ) -> Result<bool> {
        if !borrowed.holds_the_write_lock() {
            self.forget();
            return Ok(false);
        }
        self.checks += 1;
        if self.known.is_none() && self.checks >= FIRST_READ_AT && self.checks.is_power_of_two() {
            self.known = Known::read(borrowed, self.checks)?;
        }
        Ok(self.known.as_ref().is_some_and(|known| {
            !known.names.contains(&username.to_lowercase())
                && !known.emails.contains(&email.to_lowercase())
        }))
    }

    /// A user the session added in this transaction.
    pub fn add(&mut self, username: &str, email: &str) {
        if let Some(known) = &mut self.known {
            known.names.insert(username.to_lowercase());
            known.emails.insert(email.to_lowercase());
        }
    }
}

impl Known {
    /// The table's names, if there are few enough for `checks` lookups to pay for reading them.
    fn read(borrowed: &Borrowed, checks: u32) -> Result<Option<Known>> {
        let reader = borrowed.reader();
        let count = Query::select()
            .expr(Func::count(Expr::col(user::Column::Id)))
            .from(user::Entity)
            .to_owned();
        let Some(Some(rows)) = reader.first_integer(&adapted(DbBackend::Sqlite.build(&count)))?
        else {
            return Ok(None);
        };
        if rows > (ROWS_PER_CHECK * i64::from(checks)).min(MOST_ROWS) {
            return Ok(None);
        }
        let all = Query::select()
            .columns([user::Column::Username, user::Column::Email])
            .from(user::Entity)
            .to_owned();
        let mut known = Known {
            names: HashSet::with_capacity(rows as usize * 2),
            emails: HashSet::with_capacity(rows as usize * 2),
        };
        let mut complete = true;
        reader.each_row(&adapted(DbBackend::Sqlite.build(&all)), |row| {
            match (row.text("username")?, row.text("email")?) {
                (Some(name), Some(email)) => {
                    known.names.insert(name.to_lowercase());
                    known.emails.insert(email.to_lowercase());
                }
                // Not what the schema allows: leave the lookups to the database.
                _ => complete = false,
            }
            Ok(complete)
        })?;
        Ok(complete.then_some(known))
    }
}
