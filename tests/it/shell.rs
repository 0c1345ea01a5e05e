//! The shell in scripted mode, run as a user runs it: piped scripts, `--file`, `-c`, stopping on the
//! first error, `--continue-on-error`, `--single-transaction`, formats, and the start-up checks.
//! Every test reads back what was really written through a second connection.

use crate::util::{TestDir, open, rows};

/// A migrated database in a fresh directory.
fn migrated() -> (TestDir, String) {
    let dir = TestDir::new();
    let url = dir.sqlite_url("app.db");
    dir.run_on(&url, &["migrate", "up"]).ok();
    (dir, url)
}

async fn usernames(url: &str) -> Vec<String> {
    let db = open(url).await;
    rows(&db, "SELECT username FROM user ORDER BY id")
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

#[tokio::test]
async fn a_script_stops_at_the_first_failing_command() {
    let (dir, url) = migrated();
    let script = b"# users\n\nadd user john john@example.com\nadd user john other@example.com\nadd user susan susan@example.com\n";
    let run = dir.pipe(&["--database-url", &url], script);
    assert_eq!(run.stdout, "Added user john (id 1)\n");
    assert_eq!(
        run.one_line_error(),
        "error: line 4: username \"john\" is already taken"
    );
    assert_eq!(
        usernames(&url).await,
        ["john"],
        "nothing after the failure ran"
    );
}

#[tokio::test]
async fn continue_on_error_reports_every_failure_and_exits_1() {
    let (dir, url) = migrated();
    let script = b"add user john john@example.com\nget user nobody\nadd user susan susan@example.com\nget post x\n";
    let run = dir.pipe(&["--database-url", &url, "--continue-on-error"], script);
    assert_eq!(run.code, Some(1));
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        errors,
        [
            "error: line 2: there is no user \"nobody\"",
            "error: line 4: post id must be a number, not \"x\"",
        ]
    );
    assert_eq!(usernames(&url).await, ["john", "susan"]);
}

#[tokio::test]
async fn single_transaction_commits_all_or_nothing() {
    let (dir, url) = migrated();
    let failing =
        b"add user john john@example.com\nadd post \"hi\" by john\nadd post \"oops\" by nobody\n";
    let run = dir.pipe(&["--database-url", &url, "--single-transaction"], failing);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr
            .contains("error: line 3: there is no user \"nobody\""),
        "{run:?}"
    );
    assert!(
        usernames(&url).await.is_empty(),
        "the whole script was rolled back"
    );

    let failing_late = b"add user john john@example.com\nget post 7\n";
    let run = dir.pipe(
        &[
            "--database-url",
            &url,
            "--single-transaction",
            "--continue-on-error",
        ],
        failing_late,
    );
    assert_eq!(run.code, Some(1));
    assert!(
        usernames(&url).await.is_empty(),
        "any failure rolls back, even going on after errors"
    );

    let good = b"add user john john@example.com\nadd post \"hi\" by john\n";
    dir.pipe(&["--database-url", &url, "--single-transaction"], good)
        .ok();
    assert_eq!(usernames(&url).await, ["john"]);

    let nested = b"begin\n";
    let run = dir.pipe(&["--database-url", &url, "--single-transaction"], nested);
    assert!(
        run.one_line_error()
            .contains("not allowed with --single-transaction")
    );
}

#[tokio::test]
async fn commands_from_c_flags_and_from_a_file() {
    let (dir, url) = migrated();
    let run = dir.run_on(
        &url,
        &["-c", "add user john john@example.com", "-c", "count users"],
    );
    assert_eq!(run.ok(), "Added user john (id 1)\n1 user\n");

    let run = dir.run_on(
        &url,
        &["-c", "users", "-c", "get user 5", "-c", "count users"],
    );
    assert_eq!(
        run.one_line_error(),
        "error: line 2: there is no user with id 5"
    );

    std::fs::write(
        dir.join("script.txt"),
        "add user susan susan@example.com\nusers limit 1 offset 1\n",
    )
    .unwrap();
    let run = dir.run_on(&url, &["--file", "script.txt"]);
    assert!(run.ok().contains("| 2  | susan    |"), "{run:?}");

    let run = dir.run_on(&url, &["--file", "missing.txt"]);
    assert!(run.one_line_error().contains("cannot read missing.txt"));
}

#[tokio::test]
async fn an_open_transaction_is_rolled_back_at_the_end_and_said_so() {
    let (dir, url) = migrated();
    let run = dir.pipe(
        &["--database-url", &url],
        b"begin\nadd user john john@example.com\n",
    );
    assert_eq!(run.code, Some(0));
    assert_eq!(run.stderr, "Rolled back the open transaction\n");
    assert!(usernames(&url).await.is_empty());

    let run = dir.pipe(
        &["--database-url", &url],
        b"begin\nadd user john john@example.com\ncommit\nexit\nadd user x x@example.com\n",
    );
    assert_eq!(run.code, Some(0));
    assert_eq!(usernames(&url).await, ["john"], "exit ends the script");
}

#[tokio::test]
async fn add_post_alone_reads_the_body_and_author_from_the_next_lines() {
    let (dir, url) = migrated();
    let script = b"add user john john@example.com\nadd post\n  typed at the prompt  \njohn\n";
    let run = dir.pipe(&["--database-url", &url], script);
    assert!(run.ok().ends_with("Added post 1 by john\n"), "{run:?}");
    let db = open(&url).await;
    assert_eq!(
        rows(&db, "SELECT body, user_id FROM post").await,
        [["typed at the prompt", "1"]]
    );

    let run = dir.pipe(&["--database-url", &url], b"add post\nonly a body\n");
    assert!(
        run.one_line_error()
            .contains("input ended before the author was given"),
        "{run:?}"
    );
}

#[tokio::test]
async fn invalid_utf8_stops_the_script_at_that_line_and_nothing_after_is_written() {
    let (dir, url) = migrated();
    let script = b"add user john john@example.com\nadd user \xff\xfe x@example.com\nadd user susan susan@example.com\n";
    let run = dir.pipe(&["--database-url", &url, "--continue-on-error"], script);
    assert_eq!(
        run.one_line_error(),
        "error: line 2: not valid UTF-8 (bad byte at column 10): is this a binary file?"
    );
    assert_eq!(usernames(&url).await, ["john"]);

    let run = dir.pipe(
        &["--database-url", &url],
        b"\x7fELF\x02\x01\x01\0\0\0binary",
    );
    assert!(
        run.one_line_error().contains("line 1: contains a NUL byte"),
        "{run:?}"
    );
}

#[tokio::test]
async fn timestamps_are_written_as_the_flask_app_writes_them() {
    let (dir, url) = migrated();
    dir.run_on(
        &url,
        &[
            "-c",
            "add user john john@example.com",
            "-c",
            "add post hello by john",
        ],
    )
    .ok();
    let db = open(&url).await;
    let stored = rows(&db, "SELECT timestamp FROM post").await[0][0].clone();
    assert!(
        chrono::NaiveDateTime::parse_from_str(&stored, "%Y-%m-%d %H:%M:%S%.6f").is_ok()
            && stored.len() == 26,
        "{stored}"
    );
}

#[tokio::test]
async fn sql_looking_text_is_stored_and_shown_verbatim() {
    let (dir, url) = migrated();
    let nasty = "'; drop table user; --";
    dir.run_on(
        &url,
        &[
            "-c",
            "add user bobby bobby@example.com",
            "-c",
            &format!("add post \"{nasty}\" by bobby"),
        ],
    )
    .ok();
    let run = dir.run_on(&url, &["--format", "json", "-c", "posts"]);
    let posts: serde_json::Value = serde_json::from_str(run.ok()).unwrap();
    assert_eq!(posts[0]["body"], nasty);
    assert_eq!(usernames(&url).await, ["bobby"]);
}

#[tokio::test]
async fn json_and_csv_are_complete_and_valid() {
    let (dir, url) = migrated();
    dir.run_on(
        &url,
        &[
            "-c",
            "add user john john@example.com",
            "-c",
            "add post \"a, \\\"b\\\"\" by john",
        ],
    )
    .ok();
    let run = dir.run_on(
        &url,
        &[
            "--format",
            "json",
            "-c",
            "users",
            "-c",
            "add user susan s@example.com",
        ],
    );
    let users: serde_json::Value =
        serde_json::from_str(run.ok()).expect("stdout is one JSON document");
    assert_eq!(users[0]["username"], "john");
    assert_eq!(users[0]["has_password"], false);
    assert!(users[0].get("password_hash").is_none());
    assert_eq!(
        run.stderr, "Added user susan (id 2)\n",
        "messages stay off stdout"
    );

    let run = dir.run_on(&url, &["--format", "csv", "-c", "posts"]);
    let mut reader = csv::Reader::from_reader(run.ok().as_bytes());
    let record = reader.records().next().unwrap().unwrap();
    assert_eq!(&record[3], "a, \"b\"");
    assert_eq!(&record[2], "john");
}

#[tokio::test]
async fn password_hashes_are_never_printed() {
    let (dir, url) = migrated();
    dir.run_on(&url, &["-c", "add user john john@example.com"])
        .ok();
    let db = open(&url).await;
    rows(
        &db,
        "UPDATE user SET password_hash = 'scrypt:32768:8:1$salt$secrethash'",
    )
    .await;
    for command in [
        "users",
        "get user john",
        "author of post 1",
        "context",
        "describe user",
    ] {
        let run = dir.run_on(&url, &["--continue-on-error", "-c", command]);
        assert!(
            !run.stdout.contains("secrethash") && !run.stderr.contains("secrethash"),
            "{command}"
        );
    }
    let run = dir.run_on(&url, &["-c", "get user john"]);
    assert!(
        run.ok().contains("| yes "),
        "shows that a password is set: {run:?}"
    );
}

#[test]
fn a_brand_new_default_database_is_created_and_migrated_with_a_notice() {
    let dir = TestDir::new();
    let run = dir.pipe(&[], b"count users\n");
    assert_eq!(run.stdout, "0 users\n");
    let here = dir.path().canonicalize().unwrap();
    assert_eq!(
        run.stderr,
        format!(
            "Created the SQLite database {} and applied 3 migrations\n",
            here.join("app.db").display()
        )
    );
    assert_eq!(run.code, Some(0));
    let again = dir.pipe(&[], b"count users\n");
    assert_eq!(again.stderr, "", "no notice once migrated");
}

#[test]
fn another_database_with_pending_migrations_gets_a_warning() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("other.db");
    // An empty file, asked for by the URL.
    let run = dir.run_on(&format!("{url}?mode=rwc"), &["-c", "count users"]);
    let (created, warning) = run.stderr.split_once('\n').unwrap();
    assert_eq!(
        created,
        format!(
            "Created the SQLite database {}",
            dir.join("other.db").display()
        )
    );
    assert!(
        warning.starts_with("warning: 3 migrations are pending on sqlite://"),
        "{run:?}"
    );
    assert!(run.stderr.contains("run `shell migrate up`"));
    assert!(
        run.stderr.contains("error: line 1: no such table: user"),
        "{run:?}"
    );
    dir.run_on(&url, &["migrate", "up", "-n", "2"]).ok();
    let run = dir.run_on(&url, &["-c", "count users"]);
    assert!(
        run.stderr.starts_with("warning: 1 migration is pending"),
        "{run:?}"
    );
}
