//! Database look-ups for tab completion: usernames by prefix and post ids by their leading digits.
//!
//! rustyline asks for completions synchronously, in the middle of reading a line, while the shell's
//! own connection may be inside the user's transaction. So completion has a read-only connection of
//! its own, on a worker thread with its own runtime. Every query is bounded (an index range, a
//! LIMIT) and the prompt waits for an answer only briefly: a slow database means no suggestions,
//! never a frozen prompt.

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::db::connection::config::DatabaseTarget;
use crate::db::connection::connect::{self, Settings};
use crate::db::sql::case_insensitive::prefix_ranges;
use crate::entities::{Post, User, post, user};

/// At most this many suggestions: enough to choose from, bounded on a million rows.
pub const MAX_SUGGESTIONS: u64 = 20;
const ANSWER_WAIT: Duration = Duration::from_millis(300);

enum Request {
    Usernames(String, Sender<Vec<String>>),
    PostIds(String, Sender<Vec<String>>),
}

pub struct Lookup {
    requests: Sender<Request>,
}

impl Lookup {
    /// Starts the worker; it connects on the first request, so start-up pays nothing for it.
    pub fn start(target: DatabaseTarget) -> Lookup {
        let (requests, incoming) = mpsc::channel();
        std::thread::spawn(move || serve(target, incoming));
        Lookup { requests }
    }

    pub fn usernames(&self, prefix: &str) -> Vec<String> {
        self.ask(|reply| Request::Usernames(prefix.to_string(), reply))
    }

    pub fn post_ids(&self, prefix: &str) -> Vec<String> {
        if !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Vec::new();
        }
        self.ask(|reply| Request::PostIds(prefix.to_string(), reply))
    }

    fn ask(&self, request: impl FnOnce(Sender<Vec<String>>) -> Request) -> Vec<String> {
        let (reply, answer) = mpsc::channel();
        if self.requests.send(request(reply)).is_err() {
            return Vec::new();
        }
        answer.recv_timeout(ANSWER_WAIT).unwrap_or_default()
    }
}

fn serve(target: DatabaseTarget, incoming: Receiver<Request>) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let mut db: Option<DatabaseConnection> = None;
    while let Ok(request) = incoming.recv() {
        if db.is_none() {
            let settings = Settings {
                read_only: true,
                ..Settings::default()
            };
            db = runtime.block_on(connect::connect(&target, settings)).ok();
        }
        let Some(conn) = &db else { continue };
        match request {
            Request::Usernames(prefix, reply) => {
                let _ = reply.send(runtime.block_on(usernames(conn, &prefix)));
            }
            Request::PostIds(prefix, reply) => {
                let _ = reply.send(runtime.block_on(post_ids(conn, &prefix)));
            }
        }
    }
}

/// A range scan of the unique index from the prefix on, filtered to the names that start with it.
async fn usernames(db: &DatabaseConnection, prefix: &str) -> Vec<String> {
    // Every spelling of the prefix's case (`jo` offers `john` and `John`, which a Flask-made
    // SQLite file may hold both of), each an index range.
    let ranges = prefix_ranges(prefix);
    let filter = if ranges.is_empty() {
        Condition::all().add(user::Column::Username.gte(prefix))
    } else {
        ranges
            .into_iter()
            .fold(Condition::any(), |any, (from, to)| {
                any.add(
                    Condition::all()
                        .add(user::Column::Username.gte(from))
                        .add_option(to.map(|to| user::Column::Username.lt(to))),
                )
            })
    };
    let names: Vec<String> = User::find()
        .select_only()
        .column(user::Column::Username)
        .filter(filter)
        .order_by_asc(user::Column::Username)
        .limit(MAX_SUGGESTIONS * 2)
        .into_tuple()
        .all(db)
        .await
        .unwrap_or_default();
    let typed = prefix.to_lowercase();
    names
        .into_iter()
        .filter(|n| n.to_lowercase().starts_with(&typed))
        .take(MAX_SUGGESTIONS as usize)
        .collect()
}

async fn post_ids(db: &DatabaseConnection, prefix: &str) -> Vec<String> {
    let mut select = Post::find().select_only().column(post::Column::Id);
    if let Ok(start) = prefix.parse::<i64>() {
        let mut any = Condition::any();
        for (low, high) in id_ranges(start) {
            any = any.add(post::Column::Id.between(low, high));
        }
        select = select.filter(any).order_by_asc(post::Column::Id);
    } else {
        select = select.order_by_desc(post::Column::Id);
    }
    let ids: Vec<i32> = select
        .limit(MAX_SUGGESTIONS)
        .into_tuple()
        .all(db)
        .await
        .unwrap_or_default();
    ids.into_iter().map(|id| id.to_string()).collect()
}

/// The id ranges whose decimal form starts with `start`, within the 32-bit ids.
pub fn id_ranges(start: i64) -> Vec<(i64, i64)> {
    let max = i64::from(i32::MAX);
    let mut ranges = Vec::new();
    let mut scale = 1i64;
    while start * scale <= max && start > 0 {
        ranges.push((start * scale, ((start + 1) * scale - 1).min(max)));
        scale *= 10;
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_ranges_cover_every_id_with_those_leading_digits() {
        assert_eq!(id_ranges(12)[..3], [(12, 12), (120, 129), (1200, 1299)]);
        assert_eq!(id_ranges(2147483647), [(2147483647, 2147483647)]);
        assert_eq!(id_ranges(3).last(), Some(&(300_000_000, 399_999_999)));
        assert!(id_ranges(0).is_empty());
    }
}
