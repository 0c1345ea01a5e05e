//! Security guarantees: `--read-only` is enforced by the database itself (not only by the shell), and
//! a password in the URL never appears in any banner, message, `context` output or error.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::backends::{Backend, TestDb, each_backend_migrated};

#[test]
fn read_only_refuses_every_write_at_the_database() {
    for db in each_backend_migrated() {
        db.run(&[
            "-c",
            "add user john john@example.com",
            "-c",
            "add post hello by john",
        ])
        .ok();
        let file_before =
            (db.backend == Backend::Sqlite).then(|| std::fs::read(db.dir.join("app.db")).unwrap());

        let ro = |command: &str| db.run(&["--read-only", "-c", command]);
        assert_eq!(
            ro("count users").ok(),
            "1 user\n",
            "{:?}: reads work",
            db.backend
        );
        assert!(ro("posts of john").ok().contains("hello"));

        // Built-in commands, and raw SQL that the shell does not even parse: the database says no.
        for write in [
            "add user susan susan@example.com",
            "delete post 1",
            "delete user john cascade",
            "sql UPDATE post SET body = 'changed'",
            "sql DELETE FROM post",
            "sql CREATE TABLE sneaky (x integer)",
            "sql DROP TABLE post",
            "migrate down",
        ] {
            let run = ro(write);
            let line = run.one_line_error();
            assert!(
                [
                    "readonly database",
                    "read-only transaction",
                    "READ ONLY transaction"
                ]
                .iter()
                .any(|refusal| line.contains(refusal)),
                "{:?}: {write}: {line}",
                db.backend
            );
        }
        assert_eq!(
            db.run(&["-c", "count posts"]).ok(),
            "1 post\n",
            "{:?}: nothing changed",
            db.backend
        );
        assert_eq!(db.run(&["-c", "count users"]).ok(), "1 user\n");
        let context = db.run(&["--read-only", "--format", "json", "-c", "context"]);
        assert!(context.ok().contains("\"read-only\""), "{context:?}");
        if let Some(before) = file_before {
            assert_eq!(
                std::fs::read(db.dir.join("app.db")).unwrap(),
                before,
                "not a byte written"
            );
        }
    }
}

#[test]
fn read_only_never_creates_an_sqlite_file() {
    let dir = crate::util::TestDir::new();
    let line = dir
        .run(&["--read-only", "-c", "users"])
        .one_line_error()
        .to_string();
    assert!(
        line.contains("there is no file app.db in ")
            && line.ends_with(", and --read-only does not create it"),
        "{line}"
    );
    assert!(!dir.join("app.db").exists());
}

/// PostgreSQL here trusts loopback, so a URL with any password connects: the password must then
/// stay out of everything the shell prints.
#[test]
fn a_password_in_the_url_never_shows() {
    let Some(db) = TestDb::migrated(Backend::Postgres) else {
        return;
    };
    let secret = "s3cr3t-Pa55";
    let url = db.url.replacen(
        "postgres://postgres@",
        &format!("postgres://postgres:{secret}@"),
        1,
    );
    assert_ne!(url, db.url, "the URL carries the password");
    let masked = url.replace(secret, "***");

    // context, in both formats, and messages
    let run = db.dir.run_on(
        &url,
        &[
            "-c",
            "context",
            "-c",
            "format json",
            "-c",
            "context",
            "-c",
            "sql SELECT nope",
        ],
    );
    assert!(run.stdout.contains(&masked), "{run:?}");
    // a warning naming the database
    let fresh = TestDb::create(Backend::Postgres).unwrap();
    let fresh_url = fresh.url.replacen(
        "postgres://postgres@",
        &format!("postgres://postgres:{secret}@"),
        1,
    );
    let warned = db.dir.run_on(&fresh_url, &["-c", "count users"]);
    assert!(
        warned
            .stderr
            .contains("warning: 3 migrations are pending on postgres://postgres:***@"),
        "{warned:?}"
    );
    // connection errors
    let unknown = db
        .dir
        .run_on(&format!("{url}_missing"), &["migrate", "status"]);
    assert!(unknown.one_line_error().contains(":***@"));
    // the interactive banner
    let banner = banner_of(&db, &url);
    assert!(
        banner.contains(&format!("on PostgreSQL {masked}: type help")),
        "{banner}"
    );

    for output in [
        &run.stdout,
        &run.stderr,
        &warned.stderr,
        &unknown.stderr,
        &banner,
    ] {
        assert!(!output.contains(secret), "the password leaked: {output}");
    }
}

fn banner_of(db: &TestDb, url: &str) -> String {
    let mut child = Command::new("script")
        .args([
            "-qfec",
            &format!("{} --database-url '{url}'", env!("CARGO_BIN_EXE_shell")),
            "/dev/null",
        ])
        .current_dir(db.dir.path())
        .env("SHELL_HISTORY", db.dir.join("history"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(b"exit\r");
    let _ = stdin.flush();
    std::thread::sleep(Duration::from_millis(300));
    drop(stdin);
    String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout).into_owned()
}
