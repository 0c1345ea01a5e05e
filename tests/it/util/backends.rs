//! Test databases on every backend: an SQLite file in a temp directory, and a uniquely named database
//! on the PostgreSQL and MariaDB servers (`TEST_POSTGRES_URL`, `TEST_MYSQL_URL`; by default the
//! loopback servers), created for one test and dropped after it, so runs never see each other's data.
//!
//! A server that cannot be reached skips its tests with a loud notice locally; under CI (`CI=true`)
//! it fails the test instead, so a missing server is never a silent pass.

use std::sync::atomic::{AtomicU32, Ordering};

use super::TestDir;

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432";
pub const DEFAULT_MYSQL: &str = "mysql://root@127.0.0.1:3306";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL/MariaDB",
        }
    }

    /// The server's URL without a database, from the environment or the loopback default.
    pub fn server_url(self) -> Option<String> {
        let (var, default) = match self {
            Backend::Sqlite => return None,
            Backend::Postgres => ("TEST_POSTGRES_URL", DEFAULT_POSTGRES),
            Backend::MySql => ("TEST_MYSQL_URL", DEFAULT_MYSQL),
        };
        Some(
            std::env::var(var)
                .unwrap_or_else(|_| default.to_string())
                .trim_end_matches('/')
                .to_string(),
        )
    }

    /// The database to connect to for CREATE/DROP DATABASE.
    fn admin_url(self, server: &str) -> String {
        match self {
            Backend::Postgres => format!("{server}/postgres"),
            _ => server.to_string(),
        }
    }
}

/// One test's database. Dropped (the server database with it) when the test ends.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub dir: TestDir,
    server: Option<(String, String)>, // admin URL, database name
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "mbshell_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// Runs a future to completion on a runtime of its own, in a thread of its own, so it works from
/// sync tests, async tests and `Drop` alike.
fn block_on<F: std::future::Future + Send + 'static>(future: F) -> F::Output
where
    F::Output: Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    })
    .join()
    .unwrap()
}

/// One statement on a direct connection (not a pool, which would retry a refused connection for
/// half a minute before saying so).
async fn admin_execute(admin: String, sql: String) -> Result<(), String> {
    use sea_orm::sqlx::{
        AssertSqlSafe, Connection, Executor, mysql::MySqlConnection, postgres::PgConnection,
        raw_sql,
    };
    let statement = raw_sql(AssertSqlSafe(sql));
    let result = if admin.starts_with("postgres") {
        let mut conn = PgConnection::connect(&admin)
            .await
            .map_err(|e| e.to_string())?;
        let result = conn.execute(statement).await.map(drop);
        let _ = conn.close().await;
        result
    } else {
        let mut conn = MySqlConnection::connect(&admin)
            .await
            .map_err(|e| e.to_string())?;
        let result = conn.execute(statement).await.map(drop);
        let _ = conn.close().await;
        result
    };
    result.map_err(|e| e.to_string())
}

impl TestDb {
    /// A fresh, empty database on `backend`, or `None` when its server is missing outside CI.
    pub fn create(backend: Backend) -> Option<TestDb> {
        let dir = TestDir::new();
        let Some(server) = backend.server_url() else {
            let url = dir.sqlite_url("app.db");
            return Some(TestDb {
                backend,
                url,
                dir,
                server: None,
            });
        };
        let name = unique_name();
        let admin = backend.admin_url(&server);
        match block_on(admin_execute(
            admin.clone(),
            format!("CREATE DATABASE {name}"),
        )) {
            Ok(()) => Some(TestDb {
                backend,
                url: format!("{server}/{name}"),
                dir,
                server: Some((admin, name)),
            }),
            Err(e) => super::skipped(
                backend.name(),
                "server",
                &format!("{} server at {server} is not usable: {e}", backend.name()),
            ),
        }
    }

    /// A migrated database.
    pub fn migrated(backend: Backend) -> Option<TestDb> {
        let db = Self::create(backend)?;
        db.dir.run_on(&db.url, &["migrate", "up"]).ok();
        Some(db)
    }

    pub fn run(&self, args: &[&str]) -> super::Run {
        self.dir.run_on(&self.url, args)
    }

    /// The user table's name as this backend's SQL writes it (a reserved word in PostgreSQL).
    pub fn user_table(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => "\"user\"",
            Backend::Sqlite | Backend::MySql => "user",
        }
    }

    /// Runs the binary on this database with `extra` arguments and `script` on its stdin.
    pub fn pipe(&self, extra: &[&str], script: &str) -> super::Run {
        let mut args = vec!["--database-url", self.url.as_str()];
        args.extend_from_slice(extra);
        self.dir.pipe(&args, script.as_bytes())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.server.take() {
            let sql = match self.backend {
                Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS {name}"),
            };
            if let Err(e) = block_on(admin_execute(admin, sql)) {
                eprintln!("could not drop test database {name}: {e}");
            }
        }
    }
}

/// Drops a server database by name when it goes out of scope, for tests that make one themselves.
pub struct DropDatabase {
    pub backend: Backend,
    pub name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let Some(server) = self.backend.server_url() else {
            return;
        };
        let sql = format!("DROP DATABASE IF EXISTS {}", self.name);
        if let Err(e) = block_on(admin_execute(self.backend.admin_url(&server), sql)) {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// A fresh database on each backend whose server is there.
pub fn each_backend() -> Vec<TestDb> {
    Backend::ALL
        .into_iter()
        .filter_map(TestDb::create)
        .collect()
}

/// A fresh migrated database on each backend whose server is there.
pub fn each_backend_migrated() -> Vec<TestDb> {
    Backend::ALL
        .into_iter()
        .filter_map(TestDb::migrated)
        .collect()
}
