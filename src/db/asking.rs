//! What the session asks a person before a data command that would lose or change much: a
//! write of more than one row says how many, `delete user ... cascade` how many posts go with
//! the user, `sql` that empties or drops a table what it does; migrations ask before every row or
//! the Flask app's tables go (`migrating`). The person is whoever the caller has (the prompt's
//! reader, the command line's terminal) behind [`Person`]; scripts and `-c` have no one, and are
//! never asked.

use super::commands::changes::rows_of;
use super::session::Session;
use crate::command::{SqlCommand, WriteCommand, sql_words};
use crate::error::Result;

/// Someone who may be asked before something is lost: the prompt's reader, the command line's
/// terminal, or no one (a script, start-up).
pub trait Person {
    /// Whether there is anyone to ask (a terminal, not a script or `-c`).
    fn is_there(&self) -> bool;
    /// `question` answered yes.
    fn agrees(&mut self, question: &str) -> Result<bool>;
}

/// No one to ask: a script, or start-up.
pub struct NoOne;

impl Person for NoOne {
    fn is_there(&self) -> bool {
        false
    }

    fn agrees(&mut self, _: &str) -> Result<bool> {
        Ok(false)
    }
}

impl Session {
    /// Whether `write` may go ahead: with a person there, a change of more than one row says how
    /// many and asks first (`--yes` does not ask), as does `delete user ... cascade` with more
    /// than one post.
    pub(super) async fn agreed_to_write(
        &mut self,
        write: &WriteCommand,
        person: &mut dyn Person,
    ) -> Result<bool> {
        if !person.is_there() {
            return Ok(true);
        }
        if let WriteCommand::DeleteUser {
            user,
            cascade: true,
            confirmed: false,
        } = write
        {
            let posts = self.count_posts_of(user).await?;
            if posts > 1 {
                return person.agrees(&format!("Delete {user} and their {posts} posts?"));
            }
            return Ok(true);
        }
        let Some((verb, entity, filter)) = write.unconfirmed() else {
            return Ok(true);
        };
        let rows = self.count_matching(entity, filter).await?;
        if rows <= 1 {
            return Ok(true);
        }
        person.agrees(&format!("{verb} {}?", rows_of(entity, rows)))
    }

    /// Whether `sql` may run: one that deletes or changes every row, or drops or empties a
    /// table, is said and asked first of a person there (`sql --yes ...` does not ask).
    pub(super) fn agreed_to_sql(&self, sql: &SqlCommand, person: &mut dyn Person) -> Result<bool> {
        match sql_words::destructive(&sql.statement) {
            Some(what) if !sql.confirmed && person.is_there() => {
                person.agrees(&format!("{what}. Run it?"))
            }
            _ => Ok(true),
        }
    }
}
