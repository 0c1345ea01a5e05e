//! `shell migrate ...` on a real SQLite file: the tutorial's schema, step by step, checked against the
//! live database through a second connection.

mod util;

use util::{TestDir, open, rows};

const USERS: &str = "m20240101_000001_users_table";
const POSTS: &str = "m20240101_000002_posts_table";

/// Tables other than SQLite's own and the migration bookkeeping.
async fn tables(url: &str) -> Vec<String> {
    let db = open(url).await;
    rows(
        &db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> 'seaql_migrations' ORDER BY name",
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect()
}

#[tokio::test]
async fn up_status_down_to_nothing_and_up_again() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("app.db");

    let status = dir.run_on(&url, &["migrate", "status"]);
    let lines: Vec<&str> = status.ok().lines().collect();
    assert!(
        lines[0].starts_with("pending") && lines[0].contains(USERS),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("pending") && lines[1].contains(POSTS),
        "{lines:?}"
    );
    assert!(lines[0].ends_with("users table") && lines[1].ends_with("posts table"));
    assert_eq!(lines[2], "0 applied, 2 pending");

    let up = dir.run_on(&url, &["migrate", "up"]);
    assert_eq!(
        up.ok(),
        format!("Applied {USERS} (users table)\nApplied {POSTS} (posts table)\n")
    );
    assert_eq!(tables(&url).await, ["post", "user"]);

    let status = dir.run_on(&url, &["migrate", "status"]);
    assert_eq!(status.ok().matches("applied  ").count(), 2, "{status:?}");
    assert!(status.stdout.ends_with("2 applied, 0 pending\n"));

    let nothing = dir.run_on(&url, &["migrate", "up"]);
    assert_eq!(
        nothing.ok(),
        "Nothing to apply: the database is up to date\n"
    );

    let down = dir.run_on(&url, &["migrate", "downgrade", "-n", "2"]);
    assert_eq!(
        down.ok(),
        format!("Reverted {POSTS} (posts table)\nReverted {USERS} (users table)\n")
    );
    assert!(tables(&url).await.is_empty());

    let past_first = dir.run_on(&url, &["migrate", "down"]);
    assert_eq!(
        past_first.ok(),
        "Nothing to revert: no migration is applied\n"
    );

    let again = dir.run_on(&url, &["migrate", "upgrade"]);
    assert_eq!(again.ok().lines().count(), 2);
    assert_eq!(tables(&url).await, ["post", "user"]);
}

#[tokio::test]
async fn the_schema_is_the_flask_apps_column_for_column() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("app.db");
    dir.run_on(&url, &["migrate", "up"]).ok();
    let db = open(&url).await;

    // name, declared type (SQLite keeps its case; SQLAlchemy writes upper case), not null, primary key
    let columns = |table: &'static str| {
        let db = &db;
        async move {
            rows(
                db,
                &format!(
                    "SELECT name, lower(type), \"notnull\", pk FROM pragma_table_info('{table}')"
                ),
            )
            .await
        }
    };
    assert_eq!(
        columns("user").await,
        [
            ["id", "integer", "1", "1"],
            ["username", "varchar(64)", "1", "0"],
            ["email", "varchar(120)", "1", "0"],
            ["password_hash", "varchar(256)", "0", "0"],
        ]
    );
    assert_eq!(
        columns("post").await,
        [
            ["id", "integer", "1", "1"],
            ["body", "varchar(140)", "1", "0"],
            ["timestamp", "datetime", "1", "0"],
            ["user_id", "integer", "1", "0"],
        ]
    );

    // index name, unique, the column it covers
    let indexes = |table: &'static str| {
        let db = &db;
        async move {
            rows(
                db,
                &format!(
                    "SELECT il.name AS index_name, il.\"unique\", ii.name AS column_name FROM pragma_index_list('{table}') il \
                     JOIN pragma_index_info(il.name) ii WHERE il.origin = 'c' ORDER BY il.name"
                ),
            )
            .await
        }
    };
    assert_eq!(
        indexes("user").await,
        [
            ["ix_user_email", "1", "email"],
            ["ix_user_username", "1", "username"]
        ]
    );
    assert_eq!(
        indexes("post").await,
        [
            ["ix_post_timestamp", "0", "timestamp"],
            ["ix_post_user_id", "0", "user_id"]
        ]
    );

    let foreign_keys = rows(
        &db,
        "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list('post')",
    )
    .await;
    assert_eq!(foreign_keys, [["user_id", "user", "id"]]);
    assert!(
        rows(&db, "SELECT * FROM pragma_foreign_key_list('user')")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn down_one_removes_only_posts_and_users_survive_the_round_trip() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("app.db");
    dir.run_on(&url, &["migrate", "up"]).ok();
    let db = open(&url).await;
    rows(
        &db,
        "INSERT INTO user (username, email) VALUES ('john', 'john@example.com')",
    )
    .await;
    drop(db);

    let down = dir.run_on(&url, &["migrate", "down", "-n", "1"]);
    assert_eq!(down.ok(), format!("Reverted {POSTS} (posts table)\n"));
    assert_eq!(tables(&url).await, ["user"]);

    dir.run_on(&url, &["migrate", "up"]).ok();
    assert_eq!(tables(&url).await, ["post", "user"]);
    let db = open(&url).await;
    assert_eq!(
        rows(&db, "SELECT id, username, email, password_hash FROM user").await,
        [["1", "john", "john@example.com", "NULL"]]
    );
}

#[tokio::test]
async fn up_and_down_by_steps() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("app.db");
    assert_eq!(
        dir.run_on(&url, &["migrate", "up", "-n", "1"]).ok(),
        format!("Applied {USERS} (users table)\n")
    );
    assert_eq!(tables(&url).await, ["user"]);
    let status = dir.run_on(&url, &["migrate", "status"]);
    assert!(
        status.ok().ends_with("1 applied, 1 pending\n"),
        "{status:?}"
    );

    dir.run_on(&url, &["migrate", "up"]).ok();
    let down = dir.run_on(&url, &["migrate", "down", "-n", "5"]);
    assert_eq!(
        down.ok(),
        format!(
            "Reverted {POSTS} (posts table)\nReverted {USERS} (users table)\n\
             Reached the first migration: nothing more to revert\n"
        )
    );
}

#[tokio::test]
async fn fresh_refresh_and_reset() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("app.db");
    dir.run_on(&url, &["migrate", "up"]).ok();
    let db = open(&url).await;
    rows(
        &db,
        "INSERT INTO user (username, email) VALUES ('john', 'john@example.com')",
    )
    .await;
    rows(&db, "CREATE TABLE leftover (x integer)").await;
    drop(db);

    let refresh = dir.run_on(&url, &["migrate", "refresh"]);
    assert_eq!(
        refresh.ok(),
        format!(
            "Reverted {POSTS} (posts table)\nReverted {USERS} (users table)\n\
             Applied {USERS} (users table)\nApplied {POSTS} (posts table)\n"
        )
    );
    let db = open(&url).await;
    assert!(
        rows(&db, "SELECT * FROM user").await.is_empty(),
        "refresh empties the tables"
    );
    drop(db);

    let fresh = dir.run_on(&url, &["migrate", "fresh", "--yes"]);
    assert_eq!(
        fresh.ok(),
        format!(
            "Dropped all tables\nApplied {USERS} (users table)\nApplied {POSTS} (posts table)\n"
        )
    );
    assert_eq!(
        tables(&url).await,
        ["post", "user"],
        "fresh drops unrelated tables too"
    );

    let reset = dir.run_on(&url, &["migrate", "reset"]);
    assert_eq!(reset.ok().lines().count(), 2);
    assert!(tables(&url).await.is_empty());
    let status = dir.run_on(&url, &["migrate", "status"]);
    assert!(status.ok().ends_with("0 applied, 2 pending\n"));
}

#[test]
fn the_default_database_is_app_db_in_the_current_directory() {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    assert!(dir.join("app.db").is_file());
}

#[test]
fn database_url_comes_from_dot_env_and_the_flag_beats_it() {
    let dir = TestDir::new();
    std::fs::write(dir.join(".env"), "DATABASE_URL=sqlite://from-dotenv.db\n").unwrap();
    dir.run(&["migrate", "up"]).ok();
    assert!(dir.join("from-dotenv.db").is_file());
    assert!(!dir.join("app.db").exists());

    let by_env = dir
        .command(&["migrate", "up"])
        .env("DATABASE_URL", "sqlite://from-env.db")
        .output();
    assert!(by_env.unwrap().status.success());
    assert!(
        dir.join("from-env.db").is_file(),
        "the environment beats .env"
    );

    dir.run_on("sqlite://from-flag.db", &["migrate", "up"]).ok();
    assert!(dir.join("from-flag.db").is_file());
}
