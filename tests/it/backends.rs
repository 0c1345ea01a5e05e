//! The same shell on SQLite, PostgreSQL and MariaDB: behaviour that the recorded sessions cannot show
//! (database errors in the backend's own words, the database's name, what was really stored), and
//! connection failures against the real servers.

use crate::util::backends::{Backend, DropDatabase, TestDb, each_backend_migrated};
use crate::util::{TestDir, first_column, open, rows};

/// `user` is a reserved word on the servers: quoted the backend's way.
fn user_table(backend: Backend) -> &'static str {
    match backend {
        Backend::MySql => "`user`",
        _ => "\"user\"",
    }
}

async fn usernames(db: &TestDb) -> Vec<String> {
    let sql = format!(
        "SELECT username FROM {} ORDER BY id",
        user_table(db.backend)
    );
    first_column(&db.url, &sql).await
}

#[tokio::test]
async fn a_database_error_inside_a_transaction_leaves_it_usable() {
    for db in each_backend_migrated() {
        let script = "begin\nadd user john john@example.com\nsql SELECT * FROM no_such_table\n\
                      add user susan susan@example.com\ncommit\n";
        let run = db.pipe(&["--continue-on-error"], script);
        let errors: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(errors.len(), 1, "{:?}: {run:?}", db.backend);
        assert!(
            errors[0].starts_with("error: line 3: ") && errors[0].contains("no_such_table"),
            "{run:?}"
        );
        assert!(
            run.stdout.contains("Committed"),
            "{:?}: {run:?}",
            db.backend
        );
        assert_eq!(usernames(&db).await, ["john", "susan"], "{:?}", db.backend);
    }
}

#[tokio::test]
async fn scripts_stop_at_the_first_error_and_single_transaction_is_all_or_nothing() {
    for db in each_backend_migrated() {
        let run = db.pipe(
            &[],
            "add user john john@example.com\nget post 9\nadd user susan s@example.com\n",
        );
        assert_eq!(
            run.one_line_error(),
            "error: line 2: there is no post with id 9"
        );
        assert_eq!(usernames(&db).await, ["john"], "{:?}", db.backend);

        let run = db.pipe(
            &["--single-transaction"],
            "add user anna anna@example.com\nadd post hi by anna\nadd post x by nobody\n",
        );
        assert_eq!(
            run.one_line_error(),
            "error: line 3: there is no user \"nobody\""
        );
        assert_eq!(
            usernames(&db).await,
            ["john"],
            "{:?}: rolled back",
            db.backend
        );
        let run = db.pipe(
            &["--single-transaction"],
            "add user anna anna@example.com\nadd post hi by anna\n",
        );
        run.ok();
        assert_eq!(usernames(&db).await, ["john", "anna"]);
    }
}

#[tokio::test]
async fn limits_count_characters_and_text_is_stored_verbatim() {
    for db in each_backend_migrated() {
        let name = "é".repeat(64);
        let body = "😀".repeat(140);
        let nasty = "'; drop table user; --";
        let ok = db.pipe(&[],
            &format!(
                "add user {name} e@example.com\nadd post \"{body}\" by {name}\nadd post \"{nasty}\" by {name}\n"
            ),
        );
        ok.ok();
        let too_long = db.pipe(
            &["--continue-on-error"],
            &format!("add user {name}é x@example.com\nadd post \"{body}😀\" by {name}\n"),
        );
        assert_eq!(too_long.stderr.lines().count(), 2, "{too_long:?}");

        // SQL-looking usernames and emails too; an email of exactly 120 characters, then 121.
        let domain = format!(
            "{}.{}.{}.com",
            "a".repeat(50),
            "b".repeat(50),
            "c".repeat(9)
        );
        let sly = db.pipe(
            &[],
            &format!("add user \"robert');--\" \"o'bxx@{domain}\"\n"),
        );
        assert_eq!(
            sly.one_line_error(),
            "error: line 1: email is 121 characters long: at most 120 are allowed"
        );
        db.pipe(
            &[],
            &format!("add user \"robert');--\" \"o'bx@{domain}\"\n"),
        )
        .ok();

        let conn = open(&db.url).await;
        let stored = rows(&conn, "SELECT body FROM post ORDER BY id").await;
        assert_eq!(
            stored,
            [[body.clone()], [nasty.to_string()]],
            "{:?}",
            db.backend
        );
        let table = user_table(db.backend);
        let emails = rows(&conn, &format!("SELECT email FROM {table} ORDER BY id")).await;
        assert_eq!(emails[1][0], format!("o'bx@{domain}"));
        conn.close().await.unwrap();
        assert_eq!(usernames(&db).await, [name, "robert');--".to_string()]);
    }
}

#[tokio::test]
async fn posts_read_back_newest_first_with_the_time_they_were_written() {
    for db in each_backend_migrated() {
        let before = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1);
        db.pipe(
            &[],
            "add user john john@example.com\nadd post one by john\nadd post two by john\n",
        )
        .ok();
        let after = chrono::Utc::now().naive_utc() + chrono::Duration::seconds(1);
        let run = db.pipe(&["--format", "json"], "posts of john\n");
        let posts: serde_json::Value = serde_json::from_str(run.ok()).unwrap();
        assert_eq!(posts[0]["body"], "two");
        assert_eq!(posts[1]["body"], "one");
        let stamp = chrono::NaiveDateTime::parse_from_str(
            posts[0]["timestamp"].as_str().unwrap(),
            "%Y-%m-%d %H:%M:%S%.6f",
        )
        .unwrap();
        assert!(
            before <= stamp && stamp <= after,
            "{:?}: {stamp} is not now in UTC",
            db.backend
        );
    }
}

#[tokio::test]
async fn context_names_the_backend_and_masks_the_password() {
    for db in each_backend_migrated() {
        let run = db.pipe(&["--format", "json"], "context\n");
        let context: serde_json::Value = serde_json::from_str(run.ok()).unwrap();
        assert_eq!(context["connection"][0]["value"], db.backend.name());
        assert_eq!(context["entities"][1]["table"], "post");
        assert_eq!(context["entities"][1]["rows"], 0);
    }
}

#[test]
fn unknown_databases_are_named_and_can_be_created_on_request() {
    for backend in [Backend::Postgres, Backend::MySql] {
        // A fresh name on a server that is there: create the database, then check and drop it.
        let Some(probe) = TestDb::create(backend) else {
            continue;
        };
        let server = backend.server_url().unwrap();
        drop(probe);
        let name = format!(
            "mbshell_created_{}_{}",
            std::process::id(),
            backend.name().len()
        );
        let url = format!("{server}/{name}");
        let dir = TestDir::new();
        let _cleanup = DropDatabase {
            backend,
            name: name.clone(),
        };

        let line = dir
            .run_on(&url, &["migrate", "status"])
            .one_line_error()
            .to_string();
        assert!(
            line.contains(&format!("cannot open {} database", backend.name())),
            "{line}"
        );
        assert!(
            line.contains(&name) && line.contains("add --create-database to create it"),
            "{line}"
        );

        let run = dir.run_on(&url, &["migrate", "up", "--create-database"]);
        assert_eq!(run.ok().lines().count(), 3, "{run:?}");
        assert_eq!(run.stderr, format!("Created database {url}\n"));
        assert_eq!(dir.run_on(&url, &["-c", "count users"]).ok(), "0 users\n");
    }
}

#[test]
fn connection_failures_are_one_line_with_the_password_masked() {
    let dir = TestDir::new();
    let mut cases = vec![
        (
            "postgres://postgres:hunter2@127.0.0.1:1/db",
            "PostgreSQL",
            "refused",
        ),
        (
            "mysql://root:hunter2@127.0.0.1:1/db",
            "MySQL/MariaDB",
            "refused",
        ),
    ];
    if Backend::MySql.server_url().is_some() && TestDb::create(Backend::MySql).is_some() {
        cases.push((
            "mysql://root:hunter2@127.0.0.1:3306/test",
            "MySQL/MariaDB",
            "Access denied",
        ));
    }
    if TestDb::create(Backend::Postgres).is_some() {
        cases.push((
            "postgres://nobody_here:hunter2@127.0.0.1:5432/postgres",
            "PostgreSQL",
            "role \"nobody_here\" does not exist",
        ));
    }
    for (url, backend, reason) in cases {
        let run = dir.run_on(url, &["-c", "users"]);
        let line = run.one_line_error();
        assert!(
            line.contains(&format!("cannot open {backend} database")),
            "{line}"
        );
        assert!(line.contains(reason), "{line}");
        assert!(line.contains(":***@"), "{line}");
        assert!(
            !run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"),
            "{line}"
        );
    }
}

/// Usernames and emails are unique ignoring case on every backend, whatever they start with: the
/// lookup narrows by index ranges built from the first letters, so the edges of those ranges
/// (`z`, `9`, punctuation, non-ASCII) must still find every variant.
#[tokio::test]
async fn case_variants_are_refused_whatever_the_name_starts_with() {
    let names = [
        "zed", "Zz9", "u19", "u199", "_bob", "9lives", "a.b", "AbCdEfGh", "jöhn", "x",
    ];
    for db in each_backend_migrated() {
        let script: String = names
            .iter()
            .map(|n| format!("add user {n} {n}@example.com\n"))
            .collect();
        let run = db.pipe(&[], &script);
        run.ok();
        for name in names {
            let upper = name.to_uppercase();
            let run = db.pipe(&[], &format!("add user {upper} other@example.net\n"));
            assert!(
                run.stderr
                    .contains(&format!("{upper:?} is already taken (as {name:?})")),
                "{}: {name}: {}",
                db.backend.name(),
                run.stderr
            );
            let run = db.pipe(&[], &format!("add user fresh {upper}@EXAMPLE.com\n"));
            assert!(
                run.stderr
                    .contains(&format!("already used by user {name:?}")),
                "{}: {name}: {}",
                db.backend.name(),
                run.stderr
            );
        }
        // Names near the others but not the same are free.
        let run = db.pipe(&[],
            "add user u1 u1@example.com\nadd user u2 u2@example.com\nadd user zee zee@example.com\n",
        );
        run.ok();
        assert_eq!(usernames(&db).await.len(), names.len() + 3);
    }
}
