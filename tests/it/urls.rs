//! SQLite URLs as SQLAlchemy reads them (the `DATABASE_URL` of a Flask app's `.env` opens the same
//! file), and no database file made unless one was asked for, with where it was made said.

use std::path::Path;

use crate::util::TestDir;

fn count_users(dir: &TestDir, url: &str) -> String {
    dir.run_on(url, &["-c", "count users"]).ok().to_string()
}

#[test]
fn three_slashes_are_relative_to_the_current_folder_and_four_absolute() {
    let dir = TestDir::new();
    let up = dir.run_on("sqlite:///rel.db", &["migrate", "up"]);
    up.ok();
    let here = dir.path().canonicalize().unwrap();
    assert_eq!(
        up.stderr,
        format!(
            "Created the SQLite database {}\n",
            here.join("rel.db").display()
        )
    );
    assert!(dir.join("rel.db").is_file(), "made in the current folder");
    assert!(!Path::new("/rel.db").exists(), "never at the root");
    dir.run_on("sqlite:///rel.db", &["-c", "add user ann ann@example.com"])
        .ok();
    // The same file by its absolute path, by sqlx's relative form, and without slashes.
    let absolute = format!("sqlite:///{}", here.join("rel.db").display());
    assert!(absolute.starts_with("sqlite:////"));
    for url in [absolute.as_str(), "sqlite://rel.db", "sqlite:rel.db"] {
        assert_eq!(count_users(&dir, url), "1 user\n", "{url}");
    }
}

#[test]
fn a_flask_apps_env_file_opens_the_apps_database() {
    let dir = TestDir::new();
    dir.run_on(&dir.sqlite_url("app.db"), &["migrate", "up"])
        .ok();
    dir.run_on(
        &dir.sqlite_url("app.db"),
        &["-c", "add user ann ann@example.com"],
    )
    .ok();
    // As a Flask project's `.env` writes it for SQLAlchemy.
    std::fs::write(dir.join(".env"), "DATABASE_URL=sqlite:///app.db\n").unwrap();
    let run = dir.run(&["-c", "count users"]);
    assert_eq!(run.ok(), "1 user\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn a_missing_file_is_refused_and_not_made() {
    let dir = TestDir::new();
    let here = dir.path().canonicalize().unwrap();
    for args in [
        &["-c", "count users"][..],
        &["migrate", "status"],
        &["migrate", "down"],
        &["migrate", "stamp"],
        &["--read-only", "-c", "count users"],
    ] {
        let run = dir.run_on("sqlite://nope.db", args);
        let error = run.one_line_error();
        assert!(
            error.contains(&format!("there is no file nope.db in {}", here.display())),
            "{args:?}: {error}"
        );
        if args[0] == "--read-only" {
            assert!(error.contains("--read-only does not create it"), "{error}");
        } else {
            assert!(
                error.contains("`shell migrate up` creates it")
                    && error.contains("?mode=rwc in the URL creates it empty"),
                "{args:?}: {error}"
            );
        }
        assert!(!dir.join("nope.db").exists(), "{args:?} made the file");
    }
    // `migrate up --sql` only prints: nothing is made either.
    dir.run_on("sqlite://nope.db", &["migrate", "up", "--sql"])
        .ok();
    assert!(!dir.join("nope.db").exists());
}

#[test]
fn three_slashes_meant_as_an_absolute_path_get_the_four_slash_form() {
    let dir = TestDir::new();
    dir.run_on(&dir.sqlite_url("app.db"), &["migrate", "up"])
        .ok();
    // sqlx's absolute form, which SQLAlchemy (and now the shell) reads as relative.
    let path = dir.join("app.db").canonicalize().unwrap();
    let relative = format!("sqlite://{}", path.display());
    let error = dir
        .run_on(&relative, &["-c", "count users"])
        .one_line_error()
        .to_string();
    let shown = path.display().to_string();
    assert!(
        error.contains(&format!("write sqlite:///{shown}")),
        "{error}"
    );
    // The folder is there relative to the root only: said as such.
    assert!(
        error.contains(&format!(
            "directory '{}' does not exist",
            &dir.path().canonicalize().unwrap().display().to_string()[1..]
        )),
        "{error}"
    );
    // A file beside the current folder, named as sqlx's absolute form would: the same word.
    let error = dir
        .run_on("sqlite:///elsewhere.db", &["-c", "count users"])
        .one_line_error()
        .to_string();
    assert!(
        error.contains("there is no file elsewhere.db in "),
        "{error}"
    );
    assert!(error.contains("write sqlite:////elsewhere.db"), "{error}");
}

#[test]
fn mode_rwc_and_create_database_make_an_empty_file_and_say_where() {
    let dir = TestDir::new();
    for (name, args) in [
        ("rwc.db", &["-c", "tables"][..]),
        ("flag.db", &["--create-database", "-c", "tables"]),
    ] {
        let url = if name == "rwc.db" {
            format!("{}?mode=rwc", dir.sqlite_url(name))
        } else {
            dir.sqlite_url(name)
        };
        let run = dir.run_on(&url, args);
        run.ok();
        let mut lines = run.stderr.lines();
        assert_eq!(
            lines.next(),
            Some(format!("Created the SQLite database {}", dir.join(name).display()).as_str()),
            "{run:?}"
        );
        assert!(
            lines
                .next()
                .is_some_and(|l| l.starts_with("warning: 3 migrations are pending")),
            "{run:?}"
        );
        // Made once: the next run says nothing about it.
        let again = dir.run_on(&url, &["-c", "tables"]);
        assert!(!again.stderr.contains("Created"), "{again:?}");
    }
}

#[test]
fn a_percent_escape_in_the_path_is_decoded() {
    let dir = TestDir::new();
    dir.run_on("sqlite:///my%3Fdb.db", &["migrate", "up"]).ok();
    assert!(dir.join("my?db.db").is_file());
    assert_eq!(count_users(&dir, "sqlite:///my%3Fdb.db"), "0 users\n");
}

#[test]
fn in_memory_urls_make_no_file() {
    let dir = TestDir::new();
    for url in ["sqlite://", "sqlite:///:memory:", "sqlite::memory:"] {
        let run = dir.run_on(url, &["-c", "tables"]);
        run.ok();
        assert!(run.stderr.contains("pending"), "{url}: {run:?}");
    }
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(files.is_empty(), "{files:?}");
}
