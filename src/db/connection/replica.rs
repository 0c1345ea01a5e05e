//! Whether the database is a standby: a PostgreSQL hot standby replaying from its primary, where
//! every write would be refused by the server. The session asks at start-up and again before a
//! write it would refuse (a standby may have been promoted meanwhile), so that a write is refused
//! in the shell's own words before anything is attempted, and `context` can say how far behind
//! the standby is.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::db::connection::config::Backend;
use crate::error::Result;

/// What the server is to the shell.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// Writes go through (or are refused only by `--read-only`).
    Primary,
    Standby(Standby),
    /// A Galera node that is not synced with its cluster (`wsrep_ready` OFF): it takes no
    /// commands, reads included.
    NotSynced {
        /// `wsrep_cluster_status`: `non-Primary` when it lost its quorum, `Disconnected`...
        status: String,
    },
}

impl Role {
    /// What refuses `what` (a write, `begin`, `migrate`) on `database` in this role: nothing on a
    /// primary; on a standby one line saying why, before anything was tried.
    pub fn refusal(&self, database: &str, what: &str) -> Option<crate::error::Error> {
        match self {
            Role::Primary => None,
            Role::NotSynced { status } => Some(not_synced(database, status)),
            Role::Standby(standby) => Some(crate::error::Error::new(format!(
                "refused ({what}): {database} is {}, where the server refuses every write; \
                 nothing was tried (write on the primary)",
                standby.described()
            ))),
        }
    }
}

/// A standby, as it tells of itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Standby {
    /// `HOST:PORT` of the primary it streams from, when it is streaming.
    pub primary: Option<String>,
    /// Seconds behind the primary: 0 when all it has received is replayed; `None` when it
    /// cannot tell (nothing replayed yet).
    pub lag_seconds: Option<f64>,
}

impl Standby {
    /// `a standby replaying from 127.0.0.1:5432 (0.0 s behind)`.
    pub fn described(&self) -> String {
        let from = match &self.primary {
            Some(primary) => format!("a standby replaying from the primary at {primary}"),
            None => "a standby (not streaming from a primary now)".to_string(),
        };
        match self.lag_seconds {
            Some(lag) => format!("{from}, {lag:.1} s behind"),
            None => from,
        }
    }
}

/// The one line for a Galera node that is not synced: it takes no commands at all.
pub fn not_synced(database: &str, status: &str) -> crate::error::Error {
    crate::error::Error::new(format!(
        "{database} is a Galera node that is not synced with its cluster (wsrep_ready is OFF, \
         cluster status {status}): it takes no commands, reads included; connect to a synced node"
    ))
}

const POSTGRES_ROLE: &str = "SELECT pg_is_in_recovery(), \
     (SELECT sender_host || ':' || sender_port FROM pg_stat_wal_receiver LIMIT 1), \
     CASE WHEN NOT pg_is_in_recovery() THEN NULL \
          WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
          ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END";

/// A Galera node's readiness; an error (MySQL has no `wsrep_on`) means no Galera.
const GALERA_READY: &str = "SELECT CAST(@@global.wsrep_on AS SIGNED), \
     (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_READY'), \
     (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_STATUS')";

/// Asks the server what it is. SQLite is always its own primary; on MySQL/MariaDB a Galera node
/// that is not synced is told apart (other replicas are told by their server's refusals).
pub async fn role(db: &impl ConnectionTrait, backend: Backend) -> Result<Role> {
    match backend {
        Backend::Sqlite => Ok(Role::Primary),
        Backend::MySql => {
            let statement = Statement::from_string(DbBackend::MySql, GALERA_READY);
            let Ok(Some(row)) = db.query_one_raw(statement).await else {
                return Ok(Role::Primary);
            };
            let wsrep_on: Option<i64> = row.try_get_by_index(0).ok().flatten();
            let ready: Option<String> = row.try_get_by_index(1).ok().flatten();
            let status: Option<String> = row.try_get_by_index(2).ok().flatten();
            Ok(match (wsrep_on, ready.as_deref()) {
                (Some(1), Some(ready)) if !ready.eq_ignore_ascii_case("ON") => Role::NotSynced {
                    status: status.unwrap_or_else(|| "unknown".into()),
                },
                _ => Role::Primary,
            })
        }
        Backend::Postgres => {
            let statement = Statement::from_string(DbBackend::Postgres, POSTGRES_ROLE);
            let Some(row) = db.query_one_raw(statement).await? else {
                return Ok(Role::Primary);
            };
            let in_recovery: bool = row.try_get_by_index(0)?;
            if !in_recovery {
                return Ok(Role::Primary);
            }
            Ok(Role::Standby(Standby {
                primary: row.try_get_by_index::<Option<String>>(1)?,
                lag_seconds: row.try_get_by_index::<Option<f64>>(2)?,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_standby_says_where_it_replays_from_and_how_far_behind() {
        let standby = Standby {
            primary: Some("127.0.0.1:5432".into()),
            lag_seconds: Some(0.0),
        };
        assert_eq!(
            standby.described(),
            "a standby replaying from the primary at 127.0.0.1:5432, 0.0 s behind"
        );
        let alone = Standby {
            primary: None,
            lag_seconds: None,
        };
        assert_eq!(
            alone.described(),
            "a standby (not streaming from a primary now)"
        );
    }
}
