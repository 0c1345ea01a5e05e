//! Configuration that cannot work: one clear line on stderr, exit status 1, no password shown, and
//! nothing created.

use crate::util::TestDir;

#[test]
fn an_sqlite_path_in_a_missing_directory() {
    let dir = TestDir::new();
    let url = dir.sqlite_url("no/such/dir/app.db");
    let run = dir.run_on(&url, &["migrate", "up"]);
    let line = run.one_line_error();
    assert!(line.contains("cannot open SQLite database"), "{line}");
    assert!(line.contains("does not exist"), "{line}");
    assert!(!dir.join("no").exists());
}

#[test]
fn an_sqlite_path_that_is_a_directory() {
    let dir = TestDir::new();
    std::fs::create_dir(dir.join("adir")).unwrap();
    let line = dir
        .run_on(&dir.sqlite_url("adir"), &["migrate", "status"])
        .one_line_error()
        .to_string();
    assert!(line.contains("is a directory"), "{line}");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let dir = TestDir::new();
    let garbage =
        b"this is not an SQLite database, just some text that is long enough......".repeat(20);
    std::fs::write(dir.join("garbage.db"), &garbage).unwrap();
    let run = dir.run_on(&dir.sqlite_url("garbage.db"), &["migrate", "up"]);
    let line = run.one_line_error();
    assert!(line.contains("cannot open SQLite database"), "{line}");
    assert!(line.contains("not a database"), "{line}");
    assert_eq!(std::fs::read(dir.join("garbage.db")).unwrap(), garbage);
    // The shell itself reads the file first for its migration check: said the same way.
    let run = dir.run_on(&dir.sqlite_url("garbage.db"), &["-c", "count users"]);
    assert_eq!(
        run.one_line_error(),
        format!(
            "error: cannot open SQLite database {}: file is not a database",
            dir.sqlite_url("garbage.db")
        )
    );
    assert_eq!(std::fs::read(dir.join("garbage.db")).unwrap(), garbage);
}

#[test]
fn a_malformed_url_names_the_problem_and_masks_the_password() {
    let dir = TestDir::new();
    let run = dir.run_on(
        "postgres://admin:hunter2@localhost:notaport/db",
        &["migrate", "status"],
    );
    let line = run.one_line_error();
    assert!(line.contains("PostgreSQL"), "{line}");
    assert!(line.contains("port"), "{line}");
    assert!(line.contains("admin:***@"), "{line}");
    assert!(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"));
}

#[test]
fn an_unknown_scheme_or_empty_url() {
    let dir = TestDir::new();
    let line = dir
        .run_on("oracle://scott:tiger@h/db", &["migrate", "up"])
        .one_line_error()
        .to_string();
    assert!(
        line.contains("unsupported database URL scheme 'oracle'"),
        "{line}"
    );
    assert!(!line.contains("tiger"));
    let run = dir
        .command(&["migrate", "up"])
        .env("DATABASE_URL", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(stderr.trim(), "error: the database URL is empty");
}

#[test]
fn a_server_that_is_not_there() {
    let dir = TestDir::new();
    // Port 9 (discard) has no listener on loopback: the connection is refused at once.
    for (url, backend) in [
        (
            "postgres://admin:hunter2@127.0.0.1:9/microblog",
            "PostgreSQL",
        ),
        (
            "mysql://root:hunter2@127.0.0.1:9/microblog",
            "MySQL/MariaDB",
        ),
    ] {
        let run = dir.run_on(url, &["migrate", "status"]);
        let line = run.one_line_error();
        assert!(
            line.contains(&format!("cannot open {backend} database")),
            "{line}"
        );
        assert!(line.contains("refused"), "{line}");
        assert!(line.contains(":***@127.0.0.1:9"), "{line}");
        assert!(!line.contains("hunter2"), "{line}");
    }
}

#[test]
fn a_malformed_dot_env_file() {
    let dir = TestDir::new();
    std::fs::write(dir.join(".env"), "DATABASE_URL='unterminated\n").unwrap();
    let line = dir.run(&["migrate", "status"]).one_line_error().to_string();
    assert!(line.contains(".env"), "{line}");
}
