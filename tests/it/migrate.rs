//! `shell migrate ...` on every backend (an SQLite file, and fresh databases on the PostgreSQL and
//! MariaDB servers): the tutorial's schema, step by step, checked against the live database through a
//! second connection.

use crate::util::backends::{Backend, TestDb, each_backend, each_backend_migrated};
use crate::util::{TestDir, first_column, open, rows};

const USERS: &str = "m20240101_000001_users_table";
const POSTS: &str = "m20240101_000002_posts_table";
const TIMELINE: &str = "m20261125_000001_author_timeline_index";

/// A database at the tutorial's schema: the first two migrations, as the Flask app makes it.
fn at_tutorial_schema(backend: Backend) -> Option<TestDb> {
    let db = TestDb::create(backend)?;
    db.run(&["migrate", "up", "-n", "2"]).ok();
    Some(db)
}

/// The tables, other than the backend's own and the migration bookkeeping.
async fn tables(db: &TestDb) -> Vec<String> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> 'seaql_migrations' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name <> 'seaql_migrations' ORDER BY table_name"
        }
        Backend::MySql => {
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() \
             AND table_name <> 'seaql_migrations' ORDER BY table_name"
        }
    };
    first_column(&db.url, sql).await
}

#[tokio::test]
async fn up_status_down_to_nothing_and_up_again() {
    for db in each_backend() {
        // A new SQLite file is made only when asked (the servers' databases exist already).
        let status = db.run(&["--create-database", "migrate", "status"]);
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
        assert!(lines[2].starts_with("pending") && lines[2].ends_with("author timeline index"));
        assert_eq!(lines[3], "0 applied, 3 pending");

        let up = db.run(&["migrate", "up"]);
        assert_eq!(
            up.ok(),
            format!(
                "Applied {USERS} (users table)\nApplied {POSTS} (posts table)\n\
                 Applied {TIMELINE} (author timeline index)\n"
            ),
            "{:?}",
            db.backend
        );
        assert_eq!(tables(&db).await, ["post", "user"]);

        let status = db.run(&["migrate", "status"]);
        assert_eq!(status.ok().matches("applied  ").count(), 3, "{status:?}");
        assert!(status.stdout.ends_with("3 applied, 0 pending\n"));

        let nothing = db.run(&["migrate", "up"]);
        assert_eq!(
            nothing.ok(),
            "Nothing to apply: the database is up to date\n"
        );

        let down = db.run(&["migrate", "downgrade", "-n", "3"]);
        assert_eq!(
            down.ok(),
            format!(
                "Reverted {TIMELINE} (author timeline index)\nReverted {POSTS} (posts table)\n\
                 Reverted {USERS} (users table)\n"
            )
        );
        assert!(tables(&db).await.is_empty(), "{:?}", db.backend);

        let past_first = db.run(&["migrate", "down"]);
        assert_eq!(
            past_first.ok(),
            "Nothing to revert: no migration is applied\n"
        );

        let again = db.run(&["migrate", "upgrade"]);
        assert_eq!(again.ok().lines().count(), 3);
        assert_eq!(tables(&db).await, ["post", "user"]);
    }
}

#[tokio::test]
async fn the_sqlite_schema_is_the_flask_apps_column_for_column() {
    let db = at_tutorial_schema(Backend::Sqlite).unwrap();
    let conn = open(&db.url).await;

    // name, declared type (SQLite keeps its case; SQLAlchemy writes upper case), not null, primary key
    let columns = |table: &'static str| {
        let conn = &conn;
        async move {
            rows(
                conn,
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
        let conn = &conn;
        async move {
            rows(
                conn,
                &format!(
                    "SELECT il.name AS index_name, il.\"unique\", ii.name AS column_name \
                     FROM pragma_index_list('{table}') il JOIN pragma_index_info(il.name) ii \
                     WHERE il.origin = 'c' ORDER BY il.name"
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
        &conn,
        "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list('post')",
    )
    .await;
    assert_eq!(foreign_keys, [["user_id", "user", "id"]]);
    assert!(
        rows(&conn, "SELECT * FROM pragma_foreign_key_list('user')")
            .await
            .is_empty()
    );
}

/// What SQLAlchemy creates on the servers: `serial`/`AUTO_INCREMENT` ids, `varchar(n)`, and a
/// `timestamp without time zone` (PostgreSQL) or `datetime` (MySQL/MariaDB).
#[tokio::test]
async fn the_server_schemas_are_the_flask_apps_column_for_column() {
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = at_tutorial_schema(backend) else {
            continue;
        };
        let conn = open(&db.url).await;
        let schema = if backend == Backend::Postgres {
            "current_schema()"
        } else {
            "DATABASE()"
        };
        let columns = |table: &'static str| {
            let conn = &conn;
            async move {
                rows(
                    conn,
                    &format!(
                        "SELECT CAST(column_name AS CHAR(64)), CAST(data_type AS CHAR(64)), \
                         CAST(COALESCE(character_maximum_length, 0) AS CHAR(16)), \
                         CAST(is_nullable AS CHAR(3)) FROM information_schema.columns \
                         WHERE table_schema = {schema} AND table_name = '{table}' ORDER BY ordinal_position"
                    ),
                )
                .await
                .into_iter()
                // PostgreSQL pads CHAR(n): compare the words.
                .map(|r| r.iter().map(|c| c.trim()).collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
            }
        };
        let (int, varchar, datetime) = match backend {
            Backend::Postgres => (
                "integer",
                "character varying",
                "timestamp without time zone",
            ),
            _ => ("int", "varchar", "datetime"),
        };
        assert_eq!(
            columns("user").await,
            [
                format!("id {int} 0 NO"),
                format!("username {varchar} 64 NO"),
                format!("email {varchar} 120 NO"),
                format!("password_hash {varchar} 256 YES"),
            ]
        );
        assert_eq!(
            columns("post").await,
            [
                format!("id {int} 0 NO"),
                format!("body {varchar} 140 NO"),
                format!("timestamp {datetime} 0 NO"),
                format!("user_id {int} 0 NO"),
            ]
        );

        // index name, unique, column; and the foreign key
        let (indexes, foreign_keys) = match backend {
            Backend::Postgres => (
                "SELECT i.relname::text, ix.indisunique::text, a.attname::text FROM pg_index ix \
                 JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey) \
                 WHERE t.relname IN ('user', 'post') AND NOT ix.indisprimary ORDER BY i.relname",
                "SELECT a.attname::text, r.relname::text, ra.attname::text FROM pg_constraint c \
                 JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
                 JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] \
                 WHERE c.contype = 'f' AND t.relname = 'post'",
            ),
            _ => (
                "SELECT CAST(index_name AS CHAR), IF(non_unique = 0, 'true', 'false'), \
                 CAST(column_name AS CHAR) FROM information_schema.statistics \
                 WHERE table_schema = DATABASE() AND index_name <> 'PRIMARY' ORDER BY index_name",
                "SELECT CAST(column_name AS CHAR), CAST(referenced_table_name AS CHAR), \
                 CAST(referenced_column_name AS CHAR) FROM information_schema.key_column_usage \
                 WHERE table_schema = DATABASE() AND table_name = 'post' AND referenced_table_name IS NOT NULL",
            ),
        };
        assert_eq!(
            rows(&conn, indexes).await,
            [
                ["ix_post_timestamp", "false", "timestamp"],
                ["ix_post_user_id", "false", "user_id"],
                ["ix_user_email", "true", "email"],
                ["ix_user_username", "true", "username"],
            ],
            "{backend:?}"
        );
        assert_eq!(
            rows(&conn, foreign_keys).await,
            [["user_id", "user", "id"]],
            "{backend:?}"
        );
        conn.close().await.unwrap();
    }
}

#[tokio::test]
async fn down_one_removes_only_posts_and_users_survive_the_round_trip() {
    for db in each_backend() {
        db.run(&["migrate", "up"]).ok();
        db.run(&["-c", "add user john john@example.com"]).ok();

        let down = db.run(&["migrate", "down", "-n", "2"]);
        assert_eq!(
            down.ok(),
            format!(
                "Reverted {TIMELINE} (author timeline index)\nReverted {POSTS} (posts table)\n"
            )
        );
        assert_eq!(tables(&db).await, ["user"], "{:?}", db.backend);

        db.run(&["migrate", "up"]).ok();
        assert_eq!(tables(&db).await, ["post", "user"]);
        let conn = open(&db.url).await;
        let quoted = if db.backend == Backend::MySql {
            "`user`"
        } else {
            "\"user\""
        };
        assert_eq!(
            rows(
                &conn,
                &format!("SELECT id, username, email, password_hash FROM {quoted}")
            )
            .await,
            [["1", "john", "john@example.com", "NULL"]],
            "{:?}",
            db.backend
        );
        conn.close().await.unwrap();
    }
}

#[tokio::test]
async fn up_and_down_by_steps() {
    for db in each_backend() {
        assert_eq!(
            db.run(&["migrate", "up", "-n", "1"]).ok(),
            format!("Applied {USERS} (users table)\n")
        );
        assert_eq!(tables(&db).await, ["user"]);
        let status = db.run(&["migrate", "status"]);
        assert!(
            status.ok().ends_with("1 applied, 2 pending\n"),
            "{status:?}"
        );

        db.run(&["migrate", "up"]).ok();
        let down = db.run(&["migrate", "down", "-n", "5"]);
        assert_eq!(
            down.ok(),
            format!(
                "Reverted {TIMELINE} (author timeline index)\nReverted {POSTS} (posts table)\n\
                 Reverted {USERS} (users table)\n\
                 Reached the first migration: nothing more to revert\n"
            )
        );
    }
}

#[tokio::test]
async fn fresh_refresh_and_reset() {
    for db in each_backend() {
        db.run(&["migrate", "up"]).ok();
        db.run(&[
            "-c",
            "add user john john@example.com",
            "-c",
            "sql CREATE TABLE leftover (x integer)",
        ])
        .ok();

        let refresh = db.run(&["migrate", "refresh"]);
        assert_eq!(
            refresh.ok(),
            format!(
                "Reverted {TIMELINE} (author timeline index)\nReverted {POSTS} (posts table)\n\
                 Reverted {USERS} (users table)\nApplied {USERS} (users table)\n\
                 Applied {POSTS} (posts table)\nApplied {TIMELINE} (author timeline index)\n"
            )
        );
        assert_eq!(
            db.run(&["-c", "count users"]).ok(),
            "0 users\n",
            "refresh empties the tables"
        );
        assert_eq!(tables(&db).await, ["leftover", "post", "user"]);

        let fresh = db.run(&["migrate", "fresh", "--yes"]);
        assert_eq!(
            fresh.ok(),
            format!(
                "Dropped all tables\nApplied {USERS} (users table)\nApplied {POSTS} (posts table)\n\
                 Applied {TIMELINE} (author timeline index)\n"
            )
        );
        assert_eq!(
            tables(&db).await,
            ["post", "user"],
            "fresh drops unrelated tables too"
        );

        let reset = db.run(&["migrate", "reset"]);
        assert_eq!(reset.ok().lines().count(), 3);
        assert!(tables(&db).await.is_empty());
        let status = db.run(&["migrate", "status"]);
        assert!(status.ok().ends_with("0 applied, 3 pending\n"));
    }
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

/// `migrate generate` refuses what it cannot do in one line, and leaves no file behind.
#[test]
fn generate_refuses_bad_input_and_writes_nothing() {
    let dir = TestDir::new();
    let crate_dir = dir.join("migration");
    std::fs::create_dir_all(crate_dir.join("src")).unwrap();
    let lib = "mod m20240101_000001_users_table;\n\nfn lineage() {\n    written_after!(\n        m20240101_000001_users_table,\n    )\n}\n\nfn migrations() {\n    vec![\n        Box::new(m20240101_000001_users_table::Migration),\n    ]\n}\n";
    std::fs::write(crate_dir.join("src/lib.rs"), lib).unwrap();
    std::fs::write(
        crate_dir.join("src/m20240101_000001_users_table.rs"),
        "pub const WRITTEN_AFTER: Option<&str> = None;\n",
    )
    .unwrap();
    let files = || std::fs::read_dir(crate_dir.join("src")).unwrap().count();

    // Pending migrations: autogenerate would redo them.
    dir.run(&["migrate", "up", "-n", "1"]).ok();
    let pending = dir.run(&["migrate", "generate", "-m", "more", "--autogenerate"]);
    assert!(
        pending
            .one_line_error()
            .contains("not up to date (2 pending)")
    );

    dir.run(&["migrate", "up"]).ok();
    let nothing = dir.run(&["migrate", "generate", "-m", "more", "--autogenerate"]);
    assert!(
        nothing
            .ok()
            .contains("No changes in schema detected: no migration written")
    );

    let no_name = dir.run(&["migrate", "generate", "-m", " ?! "]);
    assert!(
        no_name
            .one_line_error()
            .contains("needs a letter or a digit")
    );
    let no_crate = dir.run(&[
        "migrate",
        "generate",
        "-m",
        "x",
        "--migration-dir",
        "nowhere",
    ]);
    assert!(
        no_crate
            .one_line_error()
            .contains("cannot read nowhere/src/lib.rs")
    );
    std::fs::write(crate_dir.join("src/lib.rs"), "// no list\n").unwrap();
    let no_list = dir.run(&["migrate", "generate", "-m", "x"]);
    assert!(no_list.one_line_error().contains("has no migration list"));
    assert_eq!(files(), 2, "nothing written");

    // A skeleton, registered in the list.
    std::fs::write(crate_dir.join("src/lib.rs"), lib).unwrap();
    let skeleton = dir.run(&["migrate", "generate", "-m", "Add an index!"]);
    assert!(
        skeleton.ok().contains("_add_an_index.rs (Add an index!)"),
        "{skeleton:?}"
    );
    assert_eq!(files(), 3);
    let lib = std::fs::read_to_string(crate_dir.join("src/lib.rs")).unwrap();
    assert!(lib.contains("_add_an_index::Migration),"), "{lib}");
    assert!(lib.contains("_add_an_index,\n    )"), "{lib}");
}

#[test]
fn stamp_targets_are_checked() {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    let empty = dir.run(&["migrate", "stamp", " "]);
    assert!(empty.one_line_error().contains("the target is empty"));
    let unknown = dir.run(&["migrate", "stamp", "nope"]);
    assert!(
        unknown
            .one_line_error()
            .contains("there is no migration \"nope\"")
    );
    let ambiguous = dir.run(&["migrate", "stamp", "m20240101"]);
    assert!(ambiguous.one_line_error().contains(
        "\"m20240101\" names m20240101_000001_users_table and m20240101_000002_posts_table"
    ));
    assert!(
        dir.run(&["migrate", "stamp", "users"])
            .ok()
            .contains("Stamped m20240101_000001_users_table")
    );
    let status = dir.run(&["migrate", "status"]);
    assert!(status.ok().contains("1 applied, 2 pending"));
    assert!(
        dir.run(&["migrate", "stamp", "base"])
            .ok()
            .contains("Stamped <base>")
    );
    assert!(dir.run(&["migrate", "current"]).ok().contains("<base>"));
    // The tables were never touched: stamping only records.
    dir.run(&["migrate", "stamp"]).ok();
    assert!(dir.run(&["migrate", "check"]).ok().contains("No changes"));
}

/// `migrate check` with drift fails the same way wherever it runs: exit status 1 from
/// `shell migrate check`, from `-c` and from a script (which stops there unless told to go on),
/// with the report as its only output.
#[test]
fn check_with_drift_exits_1_from_the_command_line_from_c_and_from_a_script() {
    for db in each_backend_migrated() {
        let name = db.backend.name();
        // An index the entities declare, dropped: drift. (A column or a table the database has
        // beyond them is not: that is kept, see below.)
        let on_post = match db.backend {
            Backend::MySql => " ON post",
            _ => "",
        };
        db.run(&["-c", &format!("sql DROP INDEX ix_post_timestamp{on_post}")])
            .ok();
        let drift = "Detected added index 'ix_post_timestamp' on [\"timestamp\"]\n1 difference between the entities and the database\n";
        for run in [
            db.run(&["migrate", "check"]),
            db.run(&["-c", "migrate check"]),
        ] {
            assert_eq!(run.code, Some(1), "{name}: {run:#?}");
            assert_eq!(run.stdout, drift, "{name}");
            assert_eq!(run.stderr, "", "{name}");
        }
        let script = db.pipe(&[], "migrate check\ncount users\n");
        assert_eq!(script.code, Some(1), "{name}: {script:#?}");
        assert_eq!(
            script.stdout, drift,
            "{name}: the script stops at the failed check"
        );
        let going_on = db.pipe(&["--continue-on-error"], "migrate check\ncount users\n");
        assert_eq!(going_on.code, Some(1), "{name}: {going_on:#?}");
        assert_eq!(going_on.stdout, format!("{drift}0 users\n"), "{name}");

        db.run(&[
            "-c",
            "sql CREATE INDEX ix_post_timestamp ON post (timestamp)",
        ])
        .ok();
        db.run(&["-c", "sql ALTER TABLE post ADD COLUMN extra integer"])
            .ok();
        for run in [
            db.run(&["migrate", "check"]),
            db.run(&["-c", "migrate check"]),
            db.pipe(&[], "migrate check\ncount users\n"),
        ] {
            assert_eq!(run.code, Some(0), "{name}: {run:#?}");
            assert!(
                run.stdout.starts_with(
                    "Not declared by the shell (kept): column 'post.extra' (integer)\n\
                     No changes in schema detected"
                ),
                "{name}: {run:#?}"
            );
        }
    }
}

/// A reader that goes away (`shell migrate history | head -0`) ends the command with one error
/// line, never a panic.
#[test]
fn a_closed_stdout_is_an_error_line_not_a_panic() {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    // The reading end is closed before the shell starts: its first write fails, every time (a
    // reader dropped after the spawn raced with the shell's writes into the pipe's buffer).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = dir
        .command(&["migrate", "history"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: ") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// `up --to` and `down --to` (Flask-Migrate's `upgrade REV` / `downgrade base`): a migration by
/// its name or a unique part of it, `head`, `base`; a target that names nothing or several is an
/// error naming the candidates. On every backend.
#[test]
fn up_and_down_to_a_target() {
    for db in crate::util::backends::each_backend() {
        let name = db.backend.name();
        let up = db
            .run(&["migrate", "up", "--to", "posts_table"])
            .ok()
            .to_string();
        assert_eq!(up.matches("Applied").count(), 2, "{name}: {up}");
        assert!(
            db.run(&["migrate", "status"])
                .ok()
                .contains("2 applied, 1 pending"),
            "{name}"
        );
        let again = db.run(&["migrate", "up", "--to", "users"]).ok().to_string();
        assert!(again.contains("Nothing to apply"), "{name}: {again}");
        let several = db
            .run(&["migrate", "up", "--to", "2024"])
            .one_line_error()
            .to_string();
        assert!(
            several.contains("names m20240101_000001_users_table and m20240101_000002_posts_table"),
            "{name}: {several}"
        );
        let none = db
            .run(&["migrate", "down", "--to", "comments"])
            .one_line_error()
            .to_string();
        assert!(
            none.contains("name head, base or one of m20240101_000001_users_table"),
            "{name}: {none}"
        );
        let ahead = db
            .run(&["migrate", "down", "--to", "head"])
            .one_line_error()
            .to_string();
        assert!(
            ahead.contains("is not applied: down only goes back"),
            "{name}: {ahead}"
        );
        assert_eq!(
            db.run(&["migrate", "up", "--to", "head"])
                .ok()
                .matches("Applied")
                .count(),
            1,
            "{name}"
        );
        let down = db
            .run(&["migrate", "down", "--to", "base"])
            .ok()
            .to_string();
        assert_eq!(down.matches("Reverted").count(), 3, "{name}: {down}");
        assert!(
            db.run(&["migrate", "status"])
                .ok()
                .contains("0 applied, 3 pending"),
            "{name}"
        );
    }
}

/// Feeds an SQL script to the backend's own command-line client, stopping at the first error:
/// `sqlite3`, `psql`, `mariadb`, as a DBA would run what `--sql` printed.
fn feed_to_the_cli(db: &TestDb, sql: &str) {
    let mut command = match db.backend {
        Backend::Sqlite => {
            let mut c = std::process::Command::new("sqlite3");
            c.arg("-bail").arg(db.dir.join("app.db"));
            c
        }
        Backend::Postgres => {
            let mut c = std::process::Command::new("psql");
            c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &db.url]);
            c
        }
        Backend::MySql => {
            // mysql://root@127.0.0.1:3306/NAME
            let rest = db.url.strip_prefix("mysql://").unwrap();
            let (user, rest) = rest.split_once('@').unwrap();
            let (address, name) = rest.split_once('/').unwrap();
            let (host, port) = address.split_once(':').unwrap_or((address, "3306"));
            let mut c = std::process::Command::new("mariadb");
            c.args(["-h", host, "-P", port, "-u", user, name]);
            c
        }
    };
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}\n{sql}",
        db.backend.name(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `flask db upgrade --sql`: the printed SQL, run by each backend's own client on an empty
/// database, gives the schema `migrate up` gives (`check` passes, every migration recorded); the
/// same for `down --sql`; `--sql FROM:TO` needs no database at all.
#[test]
fn offline_sql_run_by_the_backends_own_client_gives_what_migrate_up_gives() {
    for db in each_backend() {
        let name = db.backend.name();
        // Printed from the dialect alone: no database here, and none is made.
        let unreachable = match db.backend {
            Backend::Sqlite => "sqlite://nowhere/at/all.db".to_string(),
            Backend::Postgres => "postgres://nobody@127.0.0.1:1/none".to_string(),
            Backend::MySql => "mysql://nobody@127.0.0.1:1/none".to_string(),
        };
        let offline = db
            .dir
            .run_on(&unreachable, &["migrate", "up", "--sql", "base:head"]);
        let offline = offline.ok().to_string();
        let up_sql = db.run(&["migrate", "up", "--sql"]).ok().to_string();
        assert_eq!(up_sql, offline, "{name}");
        if db.backend == Backend::Sqlite {
            assert!(
                !db.dir.join("app.db").exists(),
                "--sql made a database file"
            );
        }
        for migration in [
            "m20240101_000001_users_table",
            "m20240101_000002_posts_table",
            "m20261125_000001_author_timeline_index",
        ] {
            assert!(
                up_sql.contains(&format!("-- apply {migration} (")),
                "{name}: {up_sql}"
            );
        }
        assert_eq!(
            up_sql.starts_with("BEGIN;") && up_sql.trim_end().ends_with("COMMIT;"),
            db.backend != Backend::MySql,
            "{name}: transactional DDL is wrapped, MySQL's is not"
        );

        feed_to_the_cli(&db, &up_sql);
        let status = db.run(&["migrate", "status"]).ok().to_string();
        assert!(
            status.ends_with("3 applied, 0 pending\n"),
            "{name}: {status}"
        );
        let check = db.run(&["migrate", "check"]).ok().to_string();
        assert!(
            check.contains("No changes in schema detected"),
            "{name}: {check}"
        );
        db.run(&[
            "-c",
            "add user john john@example.com",
            "-c",
            "add post hi by john",
        ])
        .ok();
        let nothing = db.run(&["migrate", "up", "--sql"]).ok().to_string();
        assert_eq!(
            nothing, "-- Nothing to apply: the database is up to date\n",
            "{name}"
        );

        // One step back: only the last migration, its record removed.
        let last = db.run(&["migrate", "down", "--sql"]).ok().to_string();
        assert!(
            last.contains("-- revert m20261125_000001_author_timeline_index")
                && !last.contains("posts_table"),
            "{name}: {last}"
        );
        feed_to_the_cli(&db, &last);
        let status = db.run(&["migrate", "status"]).ok().to_string();
        assert!(
            status.ends_with("2 applied, 1 pending\n"),
            "{name}: {status}"
        );
        // All the way down: what `down --to base` would do, then nothing is left.
        let all = db
            .run(&["migrate", "down", "--sql", "--to", "base"])
            .ok()
            .to_string();
        assert_eq!(
            all,
            db.dir
                .run_on(
                    &unreachable,
                    &["migrate", "down", "--sql", "posts_table:base"]
                )
                .ok(),
            "{name}"
        );
        feed_to_the_cli(&db, &all);
        let status = db.run(&["migrate", "status"]).ok().to_string();
        assert!(
            status.ends_with("0 applied, 3 pending\n"),
            "{name}: {status}"
        );
        let check = db.run(&["migrate", "check"]);
        assert_eq!(check.code, Some(1), "{name}: {check:?}");
        assert!(
            check.stdout.contains("Detected added table 'user'"),
            "{name}: {check:?}"
        );
        // And the shell takes it up from there.
        db.run(&["migrate", "up"]).ok();
        db.run(&["migrate", "check"]).ok();
    }
}

/// Ranges read in their direction and name real migrations; `show` prints both ways.
#[test]
fn sql_ranges_and_show_are_checked() {
    let dir = TestDir::new();
    let offline = |args: &[&str]| dir.run_on("sqlite://never.db", args);
    let backwards = offline(&["migrate", "up", "--sql", "head:base"]);
    assert!(
        backwards.one_line_error().contains("goes forward"),
        "{backwards:?}"
    );
    let forwards = offline(&["migrate", "down", "--sql", "base:head"]);
    assert!(
        forwards.one_line_error().contains("goes back"),
        "{forwards:?}"
    );
    let unknown = offline(&["migrate", "up", "--sql", "base:nothing"]);
    assert!(
        unknown
            .one_line_error()
            .contains("there is no migration \"nothing\""),
        "{unknown:?}"
    );
    let half = offline(&["migrate", "up", "--sql", "base:"]);
    // Refused by the command line's parser, as any malformed option is (exit 2).
    assert_eq!(half.code, Some(2), "{half:?}");
    assert!(half.stderr.contains("must be FROM:TO"), "{half:?}");
    let both = offline(&["migrate", "up", "--sql", "base:head", "--to", "head"]);
    assert!(
        both.one_line_error().contains("names its own range"),
        "{both:?}"
    );
    let from_the_middle = offline(&["migrate", "up", "--sql", "users:posts"])
        .ok()
        .to_string();
    assert!(
        from_the_middle.contains("-- apply m20240101_000002_posts_table")
            && !from_the_middle.contains("users_table (")
            && !from_the_middle.contains("seaql_migrations: the migrations applied"),
        "{from_the_middle}"
    );
    let show = offline(&["migrate", "show", "timeline"]).ok().to_string();
    assert!(
        show.starts_with(
            "m20261125_000001_author_timeline_index: author timeline index\n\
             written after m20240101_000002_posts_table\n-- up (SQLite)\n\
             CREATE INDEX \"ix_post_user_id_timestamp\" ON \"post\" (\"user_id\", \"timestamp\");\n\
             -- down (SQLite)\nDROP INDEX \"ix_post_user_id_timestamp\";\n"
        ),
        "{show}"
    );
    assert!(!dir.join("never.db").exists(), "nothing was made");
    let ambiguous = offline(&["migrate", "show", "2024"]);
    assert!(
        ambiguous.one_line_error().contains("give more of the name"),
        "{ambiguous:?}"
    );
}

/// At the prompt, what needs only the dialect runs anywhere, in a transaction and in a sandbox
/// too; what reads the database's migrations waits for the transaction to end.
#[test]
fn show_and_sql_ranges_run_inside_a_transaction_and_a_sandbox() {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    let script =
        "begin\nmigrate show head\nmigrate up --sql users:head\nmigrate down --sql\nrollback\n";
    let run = dir.pipe(&["--continue-on-error"], script.as_bytes());
    assert!(
        run.stdout
            .contains("m20261125_000001_author_timeline_index: author timeline index")
            && run.stdout.contains("-- apply m20240101_000002_posts_table"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("line 4: a transaction is open"),
        "{run:?}"
    );
    let sandboxed = dir.pipe(&["--sandbox"], b"migrate show posts\n");
    assert!(
        sandboxed
            .ok()
            .contains("-- down (SQLite)\nDROP TABLE \"post\";"),
        "{sandboxed:?}"
    );
}
