//! Listings on PostgreSQL and MySQL/MariaDB: outside a transaction one statement read as a stream
//! (`db::server_stream`), inside one a statement per page. Both ways must print the same, page
//! for page (a table per page), for every kind of listing.

use sea_orm::ConnectionTrait;

use crate::util::backends::{Backend, TestDb};
use crate::util::open;

/// 2,300 posts, many sharing a timestamp, by two users whose names differ from what is typed.
async fn fill(db: &TestDb) {
    let conn = open(&db.url).await;
    let user = db.user_table();
    conn.execute_unprepared(&format!(
        "INSERT INTO {user} (username, email) VALUES ('John', 'john@example.com'), \
         ('ann', 'ann@example.com')"
    ))
    .await
    .unwrap();
    let values: Vec<String> = (0..2300)
        .map(|i| {
            format!(
                "('post {i} Straße', '2026-01-0{} 10:00:00', {})",
                1 + i % 3,
                1 + i % 2
            )
        })
        .collect();
    conn.execute_unprepared(&format!(
        "INSERT INTO post (body, timestamp, user_id) VALUES {}",
        values.join(", ")
    ))
    .await
    .unwrap();
}

/// A migrated database on each server that is up, filled.
async fn filled_servers() -> Vec<TestDb> {
    let mut filled = Vec::new();
    for backend in [Backend::Postgres, Backend::MySql] {
        if let Some(db) = TestDb::migrated(backend) {
            fill(&db).await;
            filled.push(db);
        }
    }
    filled
}

#[tokio::test]
async fn a_streamed_listing_prints_what_pages_in_a_transaction_print() {
    for db in filled_servers().await {
        let backend = db.backend;
        for command in [
            "posts",
            "posts order by body",
            "posts offset 5 limit 1500",
            "posts offset 2290",
            "posts of JOHN limit 1200",
            "posts of nobody",
            "posts where body contains \"7\" order by author, id desc",
            "users order by posts desc",
        ] {
            let script = format!("{command}\n");
            let outside = db.pipe(&["--continue-on-error"], &script);
            let inside = db.pipe(
                &["--continue-on-error"],
                &format!("begin\n{command}\nrollback\n"),
            );
            let body = |out: &str| {
                out.lines()
                    .filter(|l| !l.starts_with("Transaction") && !l.starts_with("Rolled back"))
                    .map(|l| format!("{l}\n"))
                    .collect::<String>()
            };
            assert_eq!(outside.code, inside.code, "{backend:?} {command}");
            assert_eq!(
                body(&outside.stdout),
                body(&inside.stdout),
                "{backend:?} {command}"
            );
            assert_eq!(
                outside.stderr.replace("line 1", "line 2"),
                inside.stderr,
                "{backend:?} {command}"
            );
            if command == "posts" {
                assert_eq!(outside.stdout.matches("| post ").count(), 2300);
                // Pages of 1,000 then 2,000 rows: a table each, as on SQLite.
                assert_eq!(outside.stdout.matches("| id ").count(), 2);
                assert_eq!(outside.stdout.matches("(2300 rows)").count(), 1);
            }
        }
    }
}

/// A listing that ends at its own `limit` reads its statement to the end, so its connection goes
/// back to the pool: the session after it is the one before it (a connection with a result left
/// unread is closed, and a new one opened, for every such command).
#[tokio::test]
async fn a_listing_with_a_limit_gives_its_connection_back() {
    for db in filled_servers().await {
        let backend = db.backend;
        let session = match backend {
            Backend::Postgres => "sql SELECT pg_backend_pid() AS session\n",
            _ => "sql SELECT connection_id() AS session\n",
        };
        let script = format!(
            "{session}posts limit 5\nposts of JOHN limit 3\nusers limit 1\nposts limit 1000\n{session}"
        );
        let run = db.pipe(&["--format", "csv"], &script);
        let lines: Vec<&str> = run.ok().lines().collect();
        let sessions: Vec<&str> = lines
            .windows(2)
            .filter(|w| w[0] == "session")
            .map(|w| w[1])
            .collect();
        assert_eq!(sessions.len(), 2, "{backend:?}: {lines:?}");
        assert_eq!(sessions[0], sessions[1], "{backend:?}");
        assert_eq!(run.stdout.matches(",post ").count(), 5 + 3 + 1000);
    }
}
