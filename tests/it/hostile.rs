//! Data and neighbours the shell does not control: rows written by other programs (Python's
//! sqlite3, as the Flask app's own driver would), names that differ only in case, control
//! characters and escape sequences in text anyone can post.

use std::process::Command;

use crate::util::TestDir;

/// Runs Python's sqlite3 on the test's database file, as another program writing beside the shell.
fn python_sqlite(dir: &TestDir, code: &str) {
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
