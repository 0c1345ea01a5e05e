//! The shell on a database made by the Flask Mega-Tutorial's own app (tests/fixtures/flask_app:
//! Flask, Flask-SQLAlchemy, Flask-Migrate and Werkzeug from PyPI): `flask db upgrade` creates it,
//! the app fills it, the shell reads and writes it, and the app reads back what the shell wrote.

use std::path::Path;

use crate::util::TestDir;
use crate::util::backends::{Backend, TestDb};

/// A Flask-side step in `dir` on the database at `flask_url` (see `util::python::flask_step`).
fn python_on(dir: &TestDir, flask_url: Option<&str>, args: &[&str]) -> String {
    crate::util::python::flask_step(dir, flask_url, &[], args)
}

fn python(dir: &TestDir, args: &[&str]) -> String {
    python_on(dir, None, args)
}

/// The tutorial's app in `dir`, its database created by `flask db upgrade` and filled through
/// the app; `false` (a loud skip, or a failure under CI) without Python and Flask.
fn set_up_flask(dir: &TestDir, flask_url: Option<&str>) -> bool {
    if crate::util::python::python().is_none() {
        return false;
    }
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flask_app");
    for file in ["app.py", "fill.py", "read.py"] {
        std::fs::copy(fixture.join(file), dir.join(file)).unwrap();
    }
    python_on(dir, flask_url, &["-m", "flask", "db", "init"]);
    python_on(
        dir,
        flask_url,
        &["-m", "flask", "db", "migrate", "-m", "users table"],
    );
    python_on(dir, flask_url, &["-m", "flask", "db", "upgrade"]);
    python_on(dir, flask_url, &["fill.py"]);
    true
}

/// The shell adds user alice (password "wonder land") and her post, as a script would.
fn write_alice(dir: &TestDir, args: &[&str]) {
    let script = "add user alice alice@example.com\nset password alice\nwonder land\n\
                  add post \"written by the shell\" by alice\n";
    dir.pipe(args, script.as_bytes()).ok();
}

/// The same on SQLite, in a fresh directory.
fn flask_database() -> Option<TestDir> {
    let dir = TestDir::new();
    set_up_flask(&dir, None).then_some(dir)
}

#[test]
fn the_shell_reads_what_the_flask_app_wrote() {
    let Some(dir) = flask_database() else {
        return;
    };
    let run = dir.run(&["--format", "csv", "-c", "posts", "-c", "users"]);
    let out = run.ok();
    // The explicit timestamp to the microsecond, as SQLAlchemy stored it; newest first.
    assert!(
        out.contains("1,2026-01-02 03:04:05.123456,john,my first post!"),
        "{out}"
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[1].starts_with("2,") && lines[1].contains(",susan,hello from susan"));
    assert!(
        out.contains("1,john,john@example.com,true")
            && out.contains("2,susan,susan@example.com,false")
    );
    assert!(
        run.stderr.contains("Flask-Migrate manages") && run.stderr.contains("migrate stamp"),
        "the start-up note names the way in: {}",
        run.stderr
    );
    // Werkzeug's hash, checked by the shell (the password on the next line, as scripts give it).
    std::fs::write(dir.join("check.txt"), "check password john\ncat\n").unwrap();
    let right = dir.run(&["--file", "check.txt"]);
    std::fs::write(dir.join("check.txt"), "check password john\ndog\n").unwrap();
    let wrong = dir.run(&["--file", "check.txt"]);
    assert_eq!(
        (right.code, wrong.code),
        (Some(0), Some(1)),
        "{right:?} {wrong:?}"
    );
    for command in [
        "posts of john",
        "author of 1",
        "count posts",
        "describe post",
        "get user susan",
    ] {
        dir.run(&["-c", command]).ok();
    }
}

#[test]
fn status_check_and_stamp_hand_a_flask_database_over() {
    let Some(dir) = flask_database() else {
        return;
    };
    let status = dir.run(&["migrate", "status"]);
    let out = status.ok();
    assert!(
        out.contains("Flask-Migrate (Alembic) manages this database too: revision "),
        "{out}"
    );
    assert!(
        out.contains("Its schema is the tutorial's (m20240101_000002_posts_table)"),
        "{out}"
    );
    assert!(out.contains("0 applied, 3 pending"), "{out}");
    // Never stamped: compared with the tutorial's schema, which it is (the shell's own index
    // comes with `up` after `stamp`), so no drift and exit 0.
    let check = dir.run(&["migrate", "check"]);
    assert_eq!(check.code, Some(0), "{check:?}");
    assert!(
        check.stdout.contains("compared with the tutorial's schema")
            && !check.stdout.contains("Detected"),
        "{check:?}"
    );

    // `up` would recreate the Flask app's tables: refused, pointing at stamp. Nothing changed.
    let refused = dir.run(&["migrate", "up"]);
    let refused = refused.one_line_error();
    assert!(refused.contains("migrate stamp"), "{refused}");
    assert!(
        dir.run(&["migrate", "status"])
            .ok()
            .contains("0 applied, 3 pending")
    );

    // Stamped up to the tutorial's schema; `up` adds the shell's index.
    let stamp = dir.run(&["migrate", "stamp"]);
    let out = stamp.ok();
    assert!(
        out.contains("Stamped m20240101_000002_posts_table"),
        "{out}"
    );
    assert!(out.contains("1 migration is pending"), "{out}");
    let status = dir.run(&["migrate", "status"]).ok().to_string();
    assert!(status.contains("2 applied, 1 pending"), "{status}");
    // Stamped, against the entities: only the shell's own index is missing, which `up` makes.
    let check = dir.run(&["migrate", "check"]);
    assert_eq!(check.code, Some(1), "{check:?}");
    let detected: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| l.starts_with("Detected"))
        .collect();
    assert_eq!(
        detected,
        ["Detected added index 'ix_post_user_id_timestamp' on [\"user_id\", \"timestamp\"]"]
    );
    assert!(
        status.contains("Its schema is the one our migrations up to"),
        "{status}"
    );
    let up = dir.run(&["migrate", "up"]);
    assert!(
        up.ok()
            .contains("Applied m20261125_000001_author_timeline_index")
    );
    assert!(dir.run(&["migrate", "current"]).ok().contains("(head)"));
    assert!(dir.run(&["migrate", "check"]).ok().contains("No changes"));
    // Found by trying it: status read the shell's own index as a difference from the tutorial's.
    let status = dir.run(&["migrate", "status"]).ok().to_string();
    assert!(
        status.contains("Its schema is the one all our migrations leave")
            && !status.contains("differs"),
        "{status}"
    );
    // From then on down and up work, and the data written through Flask is still there.
    dir.run(&["migrate", "down"]).ok();
    dir.run(&["migrate", "up"]).ok();
    assert!(dir.run(&["-c", "count users"]).ok().contains("2 users"));

    // The shell writes a user (with a password) and a post; the Flask app reads them back:
    // timestamps as datetimes in order, the password through Werkzeug's check_password_hash.
    write_alice(&dir, &[]);
    let read = python(
        &dir,
        &[
            "read.py",
            "john:cat",
            "alice:wonder land",
            "alice:wonderland",
        ],
    );
    assert!(read.contains("password alice wonder land True"), "{read}");
    assert!(read.contains("password alice wonderland False"), "{read}");
    let first = read.lines().next().unwrap();
    assert!(first.starts_with("3|alice|written by the shell|"), "{read}");
    assert!(first.ends_with("|datetime"), "{read}");
    assert!(
        read.contains("1|john|my first post!|2026-01-02T03:04:05.123456|datetime"),
        "{read}"
    );
    assert!(read.contains("password john cat True"), "{read}");
}

#[test]
fn stamp_refuses_a_schema_that_is_not_ours() {
    let Some(dir) = flask_database() else {
        return;
    };
    dir.run(&["-c", "sql DROP INDEX ix_post_timestamp"]).ok();
    let check = dir.run(&["migrate", "check"]);
    assert_eq!(check.code, Some(1));
    assert!(
        check
            .stdout
            .contains("Detected added index 'ix_post_timestamp'"),
        "{check:?}"
    );
    let refused = dir.run(&["migrate", "stamp"]);
    let refused = refused.one_line_error();
    assert!(
        refused.contains("differs from the one the migrations make in 1 way"),
        "{refused}"
    );
    assert!(dir.run(&["migrate", "status"]).ok().contains("0 applied"));
    dir.run(&["migrate", "stamp", "--force"]).ok();
    assert!(dir.run(&["migrate", "status"]).ok().contains("2 applied"));
}

/// The same hand-over on PostgreSQL and MariaDB, with the Flask app on psycopg2 and PyMySQL.
#[test]
fn a_flask_database_on_the_servers_is_handed_over_too() {
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDb::create(backend) else {
            continue;
        };
        let flask_url = match backend {
            Backend::Postgres => db.url.replacen("postgres://", "postgresql+psycopg2://", 1),
            _ => db.url.replacen("mysql://", "mysql+pymysql://", 1),
        };
        if !set_up_flask(&db.dir, Some(&flask_url)) {
            return;
        }
        let name = backend.name();
        let status = db.run(&["migrate", "status"]);
        assert!(
            status.ok().contains("Its schema is the tutorial's"),
            "{name}: {status:?}"
        );
        // Never stamped: the tutorial's schema is what the shell declares of it, and it is there.
        let check = db.run(&["migrate", "check"]);
        assert!(
            check.ok().contains("compared with the tutorial's schema")
                && !check.stdout.contains("Detected"),
            "{name}: {check:?}"
        );
        let posts = db.run(&["--format", "csv", "-c", "posts of john"]);
        // MySQL's datetime (as SQLAlchemy creates it) keeps whole seconds.
        let expected = match backend {
            Backend::MySql => "1,2026-01-02 03:04:05.000000,john,my first post!",
            _ => "1,2026-01-02 03:04:05.123456,john,my first post!",
        };
        assert!(posts.ok().contains(expected), "{name}: {posts:?}");

        db.run(&["migrate", "stamp"]).ok();
        let check = db.run(&["migrate", "check"]);
        assert_eq!(
            check
                .stdout
                .lines()
                .filter(|l| l.starts_with("Detected"))
                .count(),
            1,
            "{name}: stamped, only the shell's own index is missing: {check:?}"
        );
        db.run(&["migrate", "up"]).ok();
        assert!(
            db.run(&["migrate", "check"]).ok().contains("No changes"),
            "{name}"
        );
        write_alice(&db.dir, &["--database-url", &db.url]);
        let read = python_on(&db.dir, Some(&flask_url), &["read.py", "alice:wonder land"]);
        let first = read.lines().next().unwrap();
        assert!(
            first.starts_with("3|alice|written by the shell|") && first.ends_with("|datetime"),
            "{name}: {read}"
        );
        assert!(
            read.contains("password alice wonder land True"),
            "{name}: {read}"
        );
    }
}

/// `--drop-app-tables` is the deliberate form: without it a revert that drops the app's tables is
/// refused (see `chapters.rs`); with it (no terminal to ask) they go.
#[test]
fn the_app_tables_go_only_when_asked_deliberately() {
    let Some(dir) = flask_database() else {
        return;
    };
    dir.run(&["migrate", "stamp"]).ok();
    let refused = dir.run(&["migrate", "down"]);
    assert!(
        refused
            .one_line_error()
            .contains("the Flask app made table post (2 rows)"),
        "{refused:?}"
    );
    assert!(dir.run(&["-c", "count posts"]).ok().contains("2 posts"));
    let done = dir.run(&["migrate", "down", "--drop-app-tables"]);
    assert!(
        done.ok().contains("Reverted m20240101_000002_posts_table"),
        "{done:?}"
    );
    let gone = dir.run(&["-c", "count posts"]);
    assert!(gone.code == Some(1), "{gone:?}");
}
