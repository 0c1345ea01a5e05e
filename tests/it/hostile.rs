//! Data and neighbours the shell does not control: rows written by other programs (Python's
//! sqlite3, as the Flask app's own driver would), names that differ only in case, control
//! characters and escape sequences in text anyone can post.

use std::process::Command;

use crate::util::TestDir;

/// Runs Python's sqlite3 on the test's database file, as another program writing beside the shell.
pub(crate) fn python_sqlite(dir: &TestDir, code: &str) {
    let script = format!(
        "import sqlite3\ndb = sqlite3.connect({:?})\n{code}\ndb.commit()\n",
        dir.join("app.db").display().to_string()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn names_that_differ_only_in_case_are_never_guessed() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    // The Flask app on SQLite can store both: its unique index there is case-sensitive.
    python_sqlite(
        &dir,
        "db.execute(\"INSERT INTO user (username, email) VALUES ('John', 'big.john@example.com')\")\n\
         db.execute(\"INSERT INTO post (body, timestamp, user_id) VALUES ('hi', '2024-01-01 00:00:00.000000', 2)\")",
    );
    for command in [
        "posts of JOHN",
        "get user JOHN",
        "delete user JOHN",
        "count posts of jOhN",
        "update user JOHN set email = \"x@example.com\"",
        "posts where author = JOHN",
    ] {
        let message = dir.run(&["-c", command]).one_line_error().to_string();
        assert_eq!(
            message,
            "error: line 1: \"JOHN\" matches john (id 1) and John (id 2): type the exact name or the id"
                .replace(
                    "JOHN",
                    command
                        .split_whitespace()
                        .find(|w| w.eq_ignore_ascii_case("john"))
                        .unwrap()
                ),
            "{command}"
        );
    }
    // The exact spelling, or the id, wins.
    assert!(
        dir.run(&["-c", "get user John"])
            .ok()
            .contains("big.john@example.com")
    );
    assert!(dir.run(&["-c", "posts of John"]).ok().contains("hi"));
    assert!(
        dir.run(&["-c", "get user 1"])
            .ok()
            .contains("john@example.com")
    );
    // Nothing was deleted by the refused command.
    assert!(dir.run(&["-c", "count users"]).ok().starts_with("2 users"));
}

/// Bodies anyone could post through the web app, written straight into the file by Python.
const HOSTILE: [&str; 11] = [
    "\u{1b}]0;owned\u{7}retitled",
    "\u{1b}[2Jcleared",
    "\u{1b}[31mred bleeds",
    "line\nbreak",
    "tab\there",
    "carriage\rreturn",
    "back\u{8}space",
    "nul\u{0}byte",
    "wide 中文字符 text",
    "combining e\u{301}\u{301} marks",
    "bidi \u{202e}txt.exe",
];

#[test]
fn text_from_the_database_cannot_drive_the_terminal_and_tables_stay_aligned() {
    use unicode_width::UnicodeWidthStr;
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let inserts: Vec<String> = HOSTILE
        .iter()
        .map(|body| {
            // As hex, decoded in Python: no quoting of either language in between.
            let hex: String = body.bytes().map(|b| format!("{b:02x}")).collect();
            format!(
                "db.execute('INSERT INTO post (body, timestamp, user_id) VALUES (?, ?, 1)', \
                 (bytes.fromhex('{hex}').decode(), '2024-01-01 00:00:00.000000'))"
            )
        })
        .collect();
    python_sqlite(
        &dir,
        &format!(
            "{}\ndb.execute(\"INSERT INTO user (username, email) VALUES (?, 'e@x.org')\", ('evil\\x1b[31m\\x07',))",
            inserts.join("\n")
        ),
    );
    let table = dir.run(&["-c", "posts order by id"]).ok().to_string();
    for raw in ['\u{1b}', '\u{7}', '\r', '\u{8}', '\u{0}', '\t', '\u{202e}'] {
        assert!(
            !table.contains(raw),
            "{raw:?} reached the terminal: {table}"
        );
    }
    for shown in [
        "\\e]0;owned\\x07retitled",
        "\\e[2Jcleared",
        "line\\nbreak",
        "tab\\there",
        "carriage\\rreturn",
        "back\\x08space",
        "nul\\0byte",
        "bidi \\u{202e}txt.exe",
    ] {
        assert!(table.contains(shown), "{shown}: {table}");
    }
    // Every line of the table is as wide as the others, wide and combining characters included.
    let widths: Vec<usize> = table
        .lines()
        .filter(|l| l.starts_with(['+', '|']))
        .map(|l| l.width())
        .collect();
    assert!(
        widths.windows(2).all(|w| w[0] == w[1]),
        "{widths:?}\n{table}"
    );

    // Messages and errors that name such a row are shown the same way.
    let deleted = dir.run(&["-c", "delete user 2"]).ok().to_string();
    assert_eq!(deleted, "Deleted user evil\\e[31m\\x07\n");

    // json and csv keep the bytes exactly.
    let json = dir
        .run(&["--format", "json", "-c", "posts order by id"])
        .ok()
        .to_string();
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let bodies: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, HOSTILE);
    let csv = dir
        .run(&["--format", "csv", "-c", "posts order by id"])
        .ok()
        .to_string();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let bodies: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[3].to_string())
        .collect();
    assert_eq!(bodies, HOSTILE);
}

/// `sql` asks the database whether a statement returns rows: words in literals, comments and
/// identifiers (`'returning@x'`) misled a guess from the text into an empty, column-less table.
#[test]
fn sql_knows_which_statements_return_rows_on_every_backend() {
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        let user = db.user_table();
        let quote = match db.backend {
            crate::util::backends::Backend::MySql => '`',
            _ => '"',
        };
        db.run(&["-c", "add user john john@example.com"]).ok();
        let create = format!("sql CREATE TABLE t_select ({quote}returning{quote} int)");
        db.run(&["-c", &create]).ok();
        for (statement, expected) in [
            (
                format!("sql update {user} set email = 'returning@x.org' where id = 1"),
                "1 row affected\n",
            ),
            (
                format!("sql /* select */ update {user} set email = 'select@x.org' where id = 1"),
                "1 row affected\n",
            ),
            (
                format!("sql insert into t_select ({quote}returning{quote}) values (1)"),
                "1 row affected\n",
            ),
            (
                format!(
                    "sql update t_select set {quote}returning{quote} = 2 where 'with' = 'with'"
                ),
                "1 row affected\n",
            ),
        ] {
            assert_eq!(
                db.run(&["-c", &statement]).ok(),
                expected,
                "{name}: {statement}"
            );
        }
        // A query with no rows still has its columns.
        let empty = db.run(&[
            "-c",
            &format!("sql select id, email from {user} where id = 0"),
        ]);
        assert!(
            empty.ok().contains("email") && empty.ok().contains("(0 rows)"),
            "{name}: {empty:?}"
        );
        let rows = db.run(&["-c", &format!("sql select email from {user}")]);
        assert!(rows.ok().contains("select@x.org"), "{name}: {rows:?}");
    }
}

/// Starts the shell on `url` with `script` as its input file, running beside the others.
fn start_script(
    dir: &TestDir,
    url: &str,
    name: &str,
    script: &str,
    extra: &[&str],
) -> std::process::Child {
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    let path = path.display().to_string();
    let mut args = vec!["--database-url", url, "--file", path.as_str()];
    args.extend_from_slice(extra);
    dir.command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn finished(child: std::process::Child) -> crate::util::Run {
    child.wait_with_output().unwrap().into()
}

/// Found by running two scripts at once: a shell beside another writer stopped within a fraction
/// of a second with `database is locked ... (waited 5 seconds)`, having waited for nothing (its
/// deferred transaction read, then could not upgrade). Writes now take the lock first.
#[test]
fn several_writers_on_one_sqlite_file_all_get_their_lines_in() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("app.db");
    dir.run_on(&url, &["migrate", "up"]).ok();
    dir.run_on(&url, &["-c", "add user john john@example.com"])
        .ok();
    let lines = 300;
    let script = |tag: &str| -> String {
        (0..lines)
            .map(|i| format!("add post \"{tag} {i}\" by john\n"))
            .collect()
    };
    // c holds the write lock for its whole script: on a loaded machine that is longer than the
    // default five seconds (CI saw it), so the others are told to wait as long as it takes.
    let wait = ["--lock-wait", "300"];
    let a = start_script(&dir, &url, "a.txt", &script("a"), &wait);
    let b = start_script(&dir, &url, "b.txt", &script("b"), &wait);
    let c = start_script(
        &dir,
        &url,
        "c.txt",
        &script("c"),
        &["--single-transaction", "--lock-wait", "300"],
    );
    // Python's sqlite3 writing too, as the Flask app would: one transaction per row.
    let python = format!(
        "import sqlite3\ndb = sqlite3.connect({:?}, timeout=30)\n\
         for i in range({lines}):\n    \
         db.execute(\"INSERT INTO post (body, timestamp, user_id) VALUES (?, '2024-01-01 00:00:00.000000', 1)\", ('p %d' % i,))\n    \
         db.commit()\n",
        dir.join("app.db").display().to_string()
    );
    let py = Command::new("python3")
        .args(["-c", &python])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    for run in [finished(a), finished(b), finished(c)] {
        assert_eq!(run.code, Some(0), "{run:?}");
    }
    let py = py.wait_with_output().unwrap();
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let count = dir.run_on(&url, &["-c", "count posts"]).ok().to_string();
    assert_eq!(count, format!("{} posts\n", 4 * lines));
    for tag in ["a", "b", "c", "p"] {
        let n = dir
            .run_on(
                &url,
                &[
                    "-c",
                    &format!("count posts where body starts with \"{tag} \""),
                ],
            )
            .ok()
            .to_string();
        assert_eq!(n, format!("{lines} posts\n"), "{tag}");
    }
}

/// The same on the servers: two shells adding to one user, and two racing for one username.
#[test]
fn two_shells_on_a_server_add_to_one_user_and_race_for_a_name() {
    for db in crate::util::backends::each_backend_migrated() {
        if db.backend == crate::util::backends::Backend::Sqlite {
            continue;
        }
        let name = db.backend.name();
        db.run(&["-c", "add user john john@example.com"]).ok();
        let lines = 200;
        let script = |tag: &str| -> String {
            (0..lines)
                .map(|i| format!("add post \"{tag} {i}\" by john\n"))
                .collect()
        };
        let a = start_script(&db.dir, &db.url, "a.txt", &script("a"), &[]);
        let b = start_script(&db.dir, &db.url, "b.txt", &script("b"), &[]);
        for run in [finished(a), finished(b)] {
            assert_eq!(run.code, Some(0), "{name}: {run:?}");
        }
        let count = db.run(&["-c", "count posts of john"]).ok().to_string();
        assert_eq!(count, format!("{} posts\n", 2 * lines), "{name}");
        // Both try to take each of 30 names: every name goes to exactly one of them.
        let race: String = (0..30)
            .map(|i| format!("add user racer{i} r{i}@example.com\n"))
            .collect();
        let a = start_script(&db.dir, &db.url, "ra.txt", &race, &["--continue-on-error"]);
        let b = start_script(&db.dir, &db.url, "rb.txt", &race, &["--continue-on-error"]);
        let (a, b) = (finished(a), finished(b));
        let added = a.stdout.matches("Added user").count() + b.stdout.matches("Added user").count();
        assert_eq!(added, 30, "{name}: {a:?} {b:?}");
        for line in a.stderr.lines().chain(b.stderr.lines()) {
            assert!(
                line.contains("is already taken") || line.contains("already used"),
                "{name}: {line}"
            );
        }
        let users = db
            .run(&["-c", "count users where username starts with racer"])
            .ok()
            .to_string();
        assert_eq!(users, "30 users\n", "{name}");
    }
}

/// Starts a Python program that takes a lock and prints `locked`; returns once it holds it.
fn holding_a_lock(program: &str) -> std::process::Child {
    let mut python = Command::new("python3")
        .args(["-c", program])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 6];
    std::io::Read::read_exact(python.stdout.as_mut().unwrap(), &mut first).unwrap();
    python
}

/// Another program holds a lock on what a command writes, on each backend, in Python as the Flask
/// app would: the command waits `--lock-wait` seconds, then gives up in one line that says how long
/// it waited. Before, PostgreSQL and MariaDB waited as long as the holder did (for ever).
#[test]
fn a_lock_held_elsewhere_is_waited_for_as_long_as_lock_wait_says() {
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        db.run(&["-c", "add user john john@example.com"]).ok();
        let user = db.user_table();
        let connect = match db.backend {
            crate::util::backends::Backend::Sqlite => format!(
                "import sqlite3\ndb = sqlite3.connect({:?}, isolation_level=None)\n\
                 db.execute('BEGIN IMMEDIATE')\n",
                db.dir.join("app.db").display().to_string()
            ),
            crate::util::backends::Backend::Postgres => {
                format!("import psycopg2\ndb = psycopg2.connect({:?})\n", db.url)
            }
            crate::util::backends::Backend::MySql => format!(
                "import pymysql, urllib.parse\nu = urllib.parse.urlparse({:?})\n\
                 db = pymysql.connect(host=u.hostname, port=u.port or 3306, user=u.username, \
                 password=u.password or '', database=u.path[1:], autocommit=False)\n",
                db.url
            ),
        };
        let holder = format!(
            "{connect}db.cursor().execute(\"\"\"UPDATE {user} SET email = 'held@example.com' WHERE id = 1\"\"\")\n\
             print('locked', flush=True)\nimport time\ntime.sleep(60)\n"
        );
        let mut python = holding_a_lock(&holder);
        let started = std::time::Instant::now();
        let run = db.run(&[
            "--lock-wait",
            "1",
            "-c",
            "update user john set email = mine@example.com",
        ]);
        let took = started.elapsed();
        python.kill().unwrap();
        python.wait().unwrap();
        assert_eq!(run.code, Some(1), "{name}: {run:?}");
        assert!(
            run.stderr.contains("database is locked")
                && run
                    .stderr
                    .contains("(waited 1 second, see --lock-wait); nothing was written"),
            "{name}: {run:?}"
        );
        assert!(
            took < std::time::Duration::from_secs(30),
            "{name}: gave up after the wait, not the holder: {took:?}"
        );
        // Once the holder is gone, the same command goes through.
        db.run(&["-c", "update user john set email = mine@example.com"])
            .ok();
        let email = db
            .run(&["--format", "csv", "-c", "get user john"])
            .ok()
            .to_string();
        assert!(email.contains("mine@example.com"), "{name}: {email}");
    }
}

/// Inside a transaction that has read, SQLite answers a write at once when another program holds
/// the lock: the message says so, rather than claiming a wait that did not happen.
#[test]
fn a_lock_that_cannot_be_waited_for_is_said_to_be_so() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("app.db");
    dir.run_on(&url, &["migrate", "up"]).ok();
    dir.run_on(&url, &["-c", "add user john john@example.com"])
        .ok();
    let holder = format!(
        "import sqlite3, time\ndb = sqlite3.connect({:?}, isolation_level=None)\n\
         db.execute('BEGIN IMMEDIATE')\n\
         db.execute(\"INSERT INTO post (body, timestamp, user_id) VALUES ('held', '2024-01-01 00:00:00.000000', 1)\")\n\
         print('locked', flush=True)\ntime.sleep(3)\ndb.execute('COMMIT')\n",
        dir.join("app.db").display().to_string()
    );
    let mut python = holding_a_lock(&holder);
    let started = std::time::Instant::now();
    let run = dir.pipe(
        &["--database-url", &url, "--continue-on-error"],
        b"begin\ncount posts\nadd post mine by john\nrollback\n",
    );
    let took = started.elapsed();
    python.wait().unwrap();
    assert!(
        run.stderr.contains("database is locked") && run.stderr.contains("SQLite cannot wait"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("waited"), "{run:?}");
    assert!(
        took < std::time::Duration::from_secs(3),
        "answered at once: {took:?}"
    );
}

/// Found with `shell -c posts | head`: a reader that goes away got two error lines (the command's,
/// then the final flush's). One line, exit 1, whatever the command.
#[test]
fn a_reader_that_goes_away_gets_one_error_line() {
    let dir = TestDir::new();
    let seed: String = std::iter::once("add user john john@example.com\n".to_string())
        .chain((0..3000).map(|i| format!("add post \"post {i}\" by john\n")))
        .collect();
    dir.pipe(&["--single-transaction"], seed.as_bytes()).ok();
    for args in [
        vec!["-c", "posts"],
        vec!["--format", "csv", "-c", "posts"],
        vec!["-c", "help"],
        vec!["-c", "users", "-c", "posts"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = dir
            .command(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

/// `--sandbox` (Rails' `console --sandbox`): try anything, keep nothing.
#[test]
fn a_sandbox_keeps_nothing_on_every_backend() {
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        db.run(&["-c", "add user john john@example.com"]).ok();
        let run = db.pipe(
            &["--sandbox", "--continue-on-error"],
            "add user susan susan@example.com\nadd post \"sandboxed\" by susan\n\
             update user john set email = \"changed@example.com\"\ndelete user john\n\
             count users\ncommit\nbegin\nmigrate up\nsql CREATE TABLE scratch (x int)\n\
             sql SET autocommit = 1\n",
        );
        assert!(
            run.stdout.contains("Added user susan") && run.stdout.contains("1 user\n"),
            "{name}: {run:?}"
        );
        let errors: Vec<&str> = run.stderr.lines().collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("not allowed in a sandbox")),
            "{name}: {errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("migrations do not run in a sandbox")),
            "{name}: {errors:?}"
        );
        assert!(
            errors
                .last()
                .unwrap()
                .contains("everything done in this session was rolled back"),
            "{name}: {errors:?}"
        );
        if db.backend == crate::util::backends::Backend::MySql {
            assert!(
                errors.iter().any(|e| e.contains("would end the sandbox")),
                "{name}: {errors:?}"
            );
        }
        // Nothing of it is there afterwards, on any backend.
        let users = db.run(&["--format", "csv", "-c", "users"]).ok().to_string();
        assert_eq!(
            users, "id,username,email,has_password\n1,john,john@example.com,false\n",
            "{name}"
        );
        assert_eq!(db.run(&["-c", "count posts"]).ok(), "0 posts\n", "{name}");
        let scratch = db.run(&["-c", "sql SELECT count(*) FROM scratch"]);
        assert_eq!(
            scratch.code,
            Some(1),
            "{name}: the table went with the sandbox: {scratch:?}"
        );
    }
}
