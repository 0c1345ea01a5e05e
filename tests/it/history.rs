//! Replays every recorded session in `history/` against a fresh, migrated database on each backend
//! (SQLite, PostgreSQL, MariaDB) and compares the transcript with the one recording: the shell must
//! print the same on all three. The recordings are insta snapshots; timestamps are matched by shape.
//! A session named `NAME.sqlite.snap` (`.postgres`, `.mysql`) shows backend-specific text (a
//! query plan, a dialect's SQL) and runs on that backend only; one named `NAME.sandbox.snap` runs
//! with `--sandbox` (and shows that nothing of it stays); one named `NAME.chapter23.snap` runs on a
//! database that also has what the tutorial's later chapters add (see [`later_chapters`]).
//!
//! A session is its `> command` lines; everything else in the file is the output they must give.
//! To record a new one, write the `> ` lines into `history/NAME.snap` and run
//! `INSTA_UPDATE=always cargo test --test it history`, then read the result before committing it.

use std::path::{Path, PathBuf};

use crate::util::backends::{Backend, TestDb};

fn sessions() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("history");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    files.sort();
    files
}

/// The commands of a recording: its `> ` lines, in order (the insta header is skipped).
fn commands(recording: &str) -> String {
    let body = match recording.strip_prefix("---\n") {
        Some(rest) => rest.split_once("\n---\n").map_or(rest, |(_, body)| body),
        None => recording,
    };
    body.lines()
        .filter_map(|l| l.strip_prefix("> "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Runs a script the way the recordings were made: echoed, going on after errors, stdout and stderr
/// in one stream.
fn transcript(db: &TestDb, script: &str, extra: &[&str], setup: &[String]) -> String {
    // On SQLite, relative to the test directory, so the transcript names the same file everywhere.
    let url = match db.backend {
        Backend::Sqlite => "sqlite://app.db",
        _ => db.url.as_str(),
    };
    let dir = &db.dir;
    dir.run_on(url, &["migrate", "up"]).ok();
    for statement in setup {
        dir.run_on(url, &["-c", &format!("sql {statement}")]).ok();
    }
    let log = dir.join("transcript.txt");
    let file = std::fs::File::create(&log).unwrap();
    let mut args = vec!["--database-url", url, "--echo", "--continue-on-error"];
    args.extend_from_slice(extra);
    let mut child = dir
        .command(&args)
        .stdin(std::process::Stdio::piped())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    child.wait().unwrap();
    std::fs::read_to_string(log).unwrap()
}

#[test]
fn recorded_sessions_replay_identically() {
    let files = sessions();
    assert!(
        files.len() >= 5,
        "history/ should hold the recorded sessions"
    );
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let script = commands(&std::fs::read_to_string(&file).unwrap());
        assert!(!script.is_empty(), "{name}: no `> ` command lines");
        for backend in Backend::ALL {
            let only = [
                (".sqlite", Backend::Sqlite),
                (".postgres", Backend::Postgres),
                (".mysql", Backend::MySql),
            ];
            if only
                .iter()
                .any(|(suffix, only_on)| name.ends_with(suffix) && backend != *only_on)
            {
                continue;
            }
            let Some(db) = TestDb::create(backend) else {
                continue;
            };
            eprintln!("replaying history/{name}.snap on {}", backend.name());
            let extra: &[&str] = if name.ends_with(".sandbox") {
                &["--sandbox"]
            } else {
                &[]
            };
            let setup = match name.ends_with(".chapter23") {
                true => later_chapters(backend),
                false => Vec::new(),
            };
            let mut output = transcript(&db, &script, extra, &setup);
            if !extra.is_empty() {
                // What stayed afterwards, from a run without the sandbox (not `> ` lines: those
                // are the session's commands).
                let url = match db.backend {
                    Backend::Sqlite => "sqlite://app.db",
                    _ => db.url.as_str(),
                };
                let after = db
                    .dir
                    .run_on(url, &["-c", "count users", "-c", "count posts"]);
                output.push_str(&format!(
                    "--- afterwards: {}",
                    after.ok().replace('\n', " ")
                ));
                output.push('\n');
            }
            assert_same_as_recording(&name, output);
        }
    }
}

/// What the tutorial's chapters after the fourth add to its schema (chapter 6's user columns,
/// chapter 8's `followers`, the last chapter's `post.language`, `message` and `task`), as
/// Flask-Migrate creates it on each backend: the statements, in the backend's dialect.
fn later_chapters(backend: Backend) -> Vec<String> {
    let (user, datetime, serial) = match backend {
        Backend::Sqlite => ("\"user\"", "DATETIME", "INTEGER"),
        Backend::Postgres => ("\"user\"", "TIMESTAMP WITHOUT TIME ZONE", "SERIAL"),
        Backend::MySql => ("`user`", "DATETIME", "INTEGER AUTO_INCREMENT"),
    };
    [
        format!("ALTER TABLE {user} ADD COLUMN about_me VARCHAR(140)"),
        format!("ALTER TABLE {user} ADD COLUMN last_seen {datetime}"),
        "ALTER TABLE post ADD COLUMN language VARCHAR(5)".to_string(),
        format!(
            "CREATE TABLE followers (follower_id INTEGER NOT NULL, followed_id INTEGER NOT NULL, \
             PRIMARY KEY (follower_id, followed_id), FOREIGN KEY (follower_id) REFERENCES \
             {user} (id), FOREIGN KEY (followed_id) REFERENCES {user} (id))"
        ),
        format!(
            "CREATE TABLE message (id {serial} NOT NULL PRIMARY KEY, sender_id INTEGER NOT NULL, \
             recipient_id INTEGER NOT NULL, body VARCHAR(140) NOT NULL, timestamp {datetime} \
             NOT NULL, FOREIGN KEY (sender_id) REFERENCES {user} (id), FOREIGN KEY \
             (recipient_id) REFERENCES {user} (id))"
        ),
        format!(
            "CREATE TABLE task (id VARCHAR(36) NOT NULL PRIMARY KEY, name VARCHAR(128) NOT NULL, \
             description VARCHAR(128), user_id INTEGER NOT NULL, complete BOOLEAN NOT NULL, \
             FOREIGN KEY (user_id) REFERENCES {user} (id))"
        ),
    ]
    .to_vec()
}

fn assert_same_as_recording(name: &str, output: String) {
    {
        insta::with_settings!({
            snapshot_path => "../../history",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            filters => vec![
                // Same width as what they replace, so tables keep their shape.
                (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}", "YYYY-MM-DD hh:mm:ss.ffffff"),
                (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "YYYY-MM-DD hh:mm:ss"),
            ],
        }, {
            insta::assert_snapshot!(name, output);
        });
    }
}

#[test]
fn commands_are_the_prompt_lines_only() {
    let recording = "---\nsource: x\n---\n> users\n+--+\n(0 rows)\n> add post\n> hello\n> john\n";
    assert_eq!(commands(recording), "users\nadd post\nhello\njohn\n");
}
