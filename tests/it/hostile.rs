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
