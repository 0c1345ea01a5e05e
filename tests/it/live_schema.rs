//! The live schema under stress: columns and tables the shell does not declare, made by someone
//! else with NULLs, duplicates, hostile names and types the shell does not know, on every backend;
//! a schema changed by another program while the shell runs; a column the database requires.

use std::time::Duration;

use crate::hostile::python_sqlite;
use crate::util::backends::{Backend, TestDb, each_backend_migrated};
use crate::util::{LiveShell, TestDir};

/// `datetime` as each backend's DDL spells it.
fn datetime(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "TIMESTAMP WITHOUT TIME ZONE",
        Backend::Sqlite | Backend::MySql => "DATETIME",
    }
}

/// Runs SQL statements through the shell (each its own `-c`), which must succeed.
fn sql(db: &TestDb, statements: &[String]) {
    let commands: Vec<String> = statements.iter().map(|s| format!("sql {s}")).collect();
    let mut args = Vec::new();
    for command in &commands {
        args.extend(["-c", command.as_str()]);
    }
    db.run(&args).ok();
}

/// A CSV listing's first column, as numbers.
fn ids(csv: &str) -> Vec<u32> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect()
}

/// 2,500 users (more than a page) whose extra columns hold NULLs and repeated values: every sort
/// on them lists each user exactly once, NULLs last in either direction, the same on every
/// backend and inside a transaction (where the servers read page by page too).
#[test]
fn nullable_extra_columns_page_exactly_with_nulls_last() {
    const USERS: u32 = 2_500;
    for db in each_backend_migrated() {
        let name = db.backend.name();
        let user = db.user_table();
        sql(
            &db,
            &[
                format!("ALTER TABLE {user} ADD COLUMN about_me VARCHAR(140)"),
                format!(
                    "ALTER TABLE {user} ADD COLUMN last_login {}",
                    datetime(db.backend)
                ),
            ],
        );
        let script: String = (1..=USERS)
            .map(|i| format!("add user u{i} u{i}@example.com\n"))
            .collect();
        db.pipe(&["--single-transaction"], &script).ok();
        sql(
            &db,
            &[
                format!("UPDATE {user} SET about_me = 'b' WHERE id % 4 = 1"),
                format!("UPDATE {user} SET about_me = 'a' WHERE id % 4 > 1"),
                format!(
                    "UPDATE {user} SET last_login = '2024-01-01 00:00:00.000000' WHERE id % 3 = 1"
                ),
                format!(
                    "UPDATE {user} SET last_login = '2024-02-01 00:00:00.000000' WHERE id % 3 = 2"
                ),
            ],
        );
        // The oracle: each key with NULL last whatever its direction, then the id in the last
        // key's direction.
        let about = |i: u32| match i % 4 {
            0 => None,
            1 => Some("b".to_string()),
            _ => Some("a".to_string()),
        };
        let seen = |i: u32| match i % 3 {
            0 => None,
            1 => Some("2024-01".to_string()),
            _ => Some("2024-02".to_string()),
        };
        type Key = fn(u32) -> Option<String>;
        let expected = |keys: &[(Key, bool)], only: fn(u32) -> bool| -> Vec<u32> {
            let mut all: Vec<u32> = (1..=USERS).filter(|i| only(*i)).collect();
            all.sort_by(|&a, &b| {
                for (key, descending) in keys {
                    let order = match (key(a), key(b)) {
                        (None, None) => std::cmp::Ordering::Equal,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (Some(x), Some(y)) if *descending => y.cmp(&x),
                        (Some(x), Some(y)) => x.cmp(&y),
                    };
                    if order.is_ne() {
                        return order;
                    }
                }
                match keys.last().is_some_and(|(_, d)| *d) {
                    true => b.cmp(&a),
                    false => a.cmp(&b),
                }
            });
            all
        };
        for (query, want) in [
            (
                "users order by last_login desc, about_me desc",
                expected(&[(seen, true), (about, true)], |_| true),
            ),
            (
                "users where about_me is not null order by last_login, about_me",
                expected(&[(seen, false), (about, false)], |i| i % 4 != 0),
            ),
            (
                "users order by about_me desc limit 700 offset 1100",
                expected(&[(about, true)], |_| true)[1100..1800].to_vec(),
            ),
        ] {
            let listed = db.run(&["--format", "csv", "-c", query]);
            assert_eq!(ids(listed.ok()), want, "{name}: {query}");
            let inside = db.pipe(&["--format", "csv"], &format!("begin\n{query}\nrollback\n"));
            assert_eq!(ids(inside.ok()), want, "{name}: {query} in a transaction");
        }
    }
}

/// A table with no primary key holding rows equal in every column (chapter 8's `followers` had
/// none, and nothing stops a second equal follow there): every row is listed, across pages.
#[test]
fn a_table_without_a_primary_key_lists_every_row_even_equal_ones() {
    for db in each_backend_migrated() {
        let name = db.backend.name();
        let values: Vec<String> = (0..2_400).map(|i| format!("({}, 'x')", i % 3)).collect();
        sql(
            &db,
            &[
                "CREATE TABLE dup (a INTEGER, b VARCHAR(10))".to_string(),
                format!("INSERT INTO dup (a, b) VALUES {}", values.join(", ")),
            ],
        );
        for script in ["rows of dup\n", "begin\nrows of dup\nrollback\n"] {
            let listed = db.pipe(&["--format", "csv"], script);
            let lines: Vec<&str> = listed.ok().lines().skip(1).collect();
            assert_eq!(lines.len(), 2_400, "{name}: {script:?}");
            for a in 0..3 {
                let n = lines.iter().filter(|l| **l == format!("{a},x")).count();
                assert_eq!(n, 800, "{name}: {a}");
            }
        }
        let page = db.run(&[
            "--format",
            "csv",
            "-c",
            "rows of dup order by a desc limit 3 offset 799",
        ]);
        assert_eq!(page.ok(), "a,b\n2,x\n1,x\n1,x\n", "{name}");
        assert_eq!(
            db.run(&["-c", "count rows of dup where a = 1"]).ok(),
            "800 rows of dup\n",
            "{name}"
        );
    }
}

/// Names no one should have chosen, a type the shell does not know, bytes that are no text,
/// escape sequences in data and in names, a view: all shown safely, quoted where they are named.
#[test]
fn hostile_names_types_and_views_are_shown_safely() {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    python_sqlite(
        &dir,
        r#"
db.execute('ALTER TABLE user ADD COLUMN "and" INTEGER')
db.execute('ALTER TABLE user ADD COLUMN "about me" VARCHAR(10)')
db.execute('ALTER TABLE user ADD COLUMN "evil\x1b[31m" TEXT')
db.execute('CREATE TABLE "select" ("order" INTEGER, "a b" TEXT, "q\'""uote" BLOB, weird GEOMETRY, user_id INTEGER REFERENCES user(id))')
db.execute("INSERT INTO \"select\" VALUES (1, 'x\x1b[2Jy', x'00ff', 3.5, 1)")
db.execute("INSERT INTO \"select\" VALUES (NULL, NULL, x'6869', 'text', 1)")
db.execute('CREATE VIEW active AS SELECT id, username FROM user')
db.execute("UPDATE user SET \"and\" = 5, \"about me\" = 'hi'")
"#,
    );

    let users = dir.run(&["-c", "users"]);
    let header = users.ok().lines().nth(1).unwrap().to_string();
    assert!(
        header.contains("| and |")
            && header.contains("| about me |")
            && header.contains("evil\\e[31m"),
        "{header}"
    );
    assert!(!users.stdout.contains('\x1b'), "{users:?}");
    let found = dir.run(&[
        "--format",
        "csv",
        "-c",
        "users where \"and\" = 5 and \"about me\" = hi",
    ]);
    assert_eq!(found.ok().lines().count(), 2, "{found:?}");

    let rows = dir.run(&[
        "--format",
        "csv",
        "-c",
        "rows of \"select\" order by \"a b\"",
    ]);
    assert_eq!(
        rows.ok(),
        "order,a b,\"q'\"\"uote\",weird,user_id\n1,x\x1b[2Jy,x'00ff',3.5,1\n,,hi,text,1\n",
        "csv keeps the bytes of text, shows the blob that is no text as SQLite writes it"
    );
    let table = dir.run(&["-c", "rows of \"select\" where \"order\" is null"]);
    assert!(table.ok().contains("| NULL  | NULL | hi "), "{table:?}");
    let shown = dir.run(&["-c", "rows of \"select\""]);
    assert!(shown.ok().contains("x\\e[2Jy") && !shown.stdout.contains('\x1b'));

    // A view reads like a table, and is no table a user's rows are deleted from.
    assert_eq!(
        dir.run(&["--format", "csv", "-c", "rows of active"]).ok(),
        "id,username\n1,john\n"
    );
    let tables = dir.run(&["--format", "csv", "-c", "tables"]);
    assert!(
        tables.ok().contains("active,view,\"id, username\",,1"),
        "{tables:?}"
    );
    let refused = dir.run(&["-c", "delete user john"]);
    assert!(
        refused
            .one_line_error()
            .contains("still has 2 rows of select: delete those first"),
        "{refused:?}"
    );
    let too_long = dir.run(&["-c", "update user john set \"about me\" = \"far too long\""]);
    assert!(
        too_long
            .one_line_error()
            .contains("\"about me\" is 12 characters long: at most 10 are allowed")
    );
}

/// Another program changes the schema while the shell runs (a `flask db upgrade` of the next
/// chapter): the shell's next command knows the new column, without a restart.
#[test]
fn a_schema_changed_by_another_program_is_read_again() {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let mut shell = LiveShell::start(&dir, &["--format", "csv"]);
    shell.send("users");
    assert_eq!(shell.next_line(), "id,username,email,has_password");
    assert_eq!(shell.next_line(), "1,john,john@example.com,false");
    python_sqlite(
        &dir,
        "db.execute('ALTER TABLE user ADD COLUMN about_me VARCHAR(140)')\n\
         db.execute(\"UPDATE user SET about_me = 'new'\")",
    );
    // The schema is compared at most every quarter second.
    std::thread::sleep(Duration::from_millis(400));
    shell.send("users where about_me = new");
    assert_eq!(shell.next_line(), "id,username,email,has_password,about_me");
    assert_eq!(shell.next_line(), "1,john,john@example.com,false,new");
    assert_eq!(shell.finish(), Some(0));
}

/// A column the database requires (NOT NULL, no default) that the shell does not declare: `add
/// user` without it is refused in one line that names it and how to give it, before anything
/// is written; with it, the user is added. (On PostgreSQL and MariaDB: SQLite adds no such
/// column to a table without rebuilding it.)
#[test]
fn a_required_column_is_named_before_anything_is_written() {
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDb::migrated(backend) else {
            continue;
        };
        let name = backend.name();
        let user = db.user_table();
        sql(
            &db,
            &[format!(
                "ALTER TABLE {user} ADD COLUMN nickname VARCHAR(20) NOT NULL"
            )],
        );
        let refused = db.run(&["-c", "add user ida ida@example.com"]);
        assert_eq!(
            refused.one_line_error(),
            "error: line 1: the user table requires nickname (NOT NULL, no default), which the \
             shell does not declare: give it with `add user USERNAME EMAIL with nickname = \
             VALUE`; nothing was written",
            "{name}"
        );
        assert_eq!(db.run(&["-c", "count users"]).ok(), "0 users\n", "{name}");
        db.run(&["-c", "add user ida ida@example.com with nickname = idy"])
            .ok();
        assert_eq!(
            db.run(&["--format", "csv", "-c", "get user ida"]).ok(),
            "id,username,email,has_password,nickname\n1,ida,ida@example.com,false,idy\n",
            "{name}"
        );
    }
}

/// `delete users where ...` with users other tables hold: refused naming the tables, then with
/// cascade all of it in one transaction, on every backend.
#[test]
fn deleting_many_users_cascades_through_the_tables_that_hold_them() {
    for db in each_backend_migrated() {
        let name = db.backend.name();
        let user = db.user_table();
        sql(
            &db,
            &[format!(
                "CREATE TABLE followers (follower_id INTEGER NOT NULL, followed_id INTEGER NOT \
                 NULL, PRIMARY KEY (follower_id, followed_id), FOREIGN KEY (follower_id) \
                 REFERENCES {user} (id), FOREIGN KEY (followed_id) REFERENCES {user} (id))"
            )],
        );
        db.pipe(
            &[],
            "add user amy amy@example.com\nadd user bob bob@example.com\nadd user cat cat@example.com\n\
             add post \"hi\" by bob\nfollow amy by bob\nfollow bob by cat\nfollow cat by amy\n",
        )
        .ok();
        let refused = db.run(&["-c", "delete users where username in (bob, cat)"]);
        assert!(
            refused.one_line_error().contains(
                "the 2 users still have 1 post and 3 rows of followers: add cascade to delete \
                 those too; nothing was deleted"
            ),
            "{name}: {refused:?}"
        );
        let deleted = db.run(&[
            "-c",
            "delete users where username in (bob, cat) cascade --yes",
        ]);
        assert_eq!(
            deleted.ok(),
            "Deleted 2 users, 1 post and 3 rows of followers\n",
            "{name}"
        );
        assert_eq!(
            db.run(&[
                "--format",
                "csv",
                "-c",
                "users",
                "-c",
                "count rows of followers"
            ])
            .ok(),
            "id,username,email,has_password\n1,amy,amy@example.com,false\ncount\n0\n",
            "{name}"
        );
    }
}

/// On SQLite a listing outside a transaction is read by the shell's own reader, inside one by
/// sqlx: the columns the entities do not declare read the same both ways, whatever another
/// program stored in them (SQLite keeps any value in any column).
#[test]
fn extra_columns_read_the_same_through_the_reader_and_through_sqlx() {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    python_sqlite(
        &dir,
        r#"
for column in ["n INTEGER", "t VARCHAR(20)", "b BOOLEAN", "f FLOAT", "d DATETIME", "j JSON"]:
    db.execute(f"ALTER TABLE user ADD COLUMN {column}")
rows = [
    (None, None, None, None, None, None),
    (7, "text", 1, 2.5, "2024-01-02 03:04:05.123456", '{"a": 1}'),
    ("seven", 42, 0, "x", "not a time", b"\x00\xff"),
    (2**40, 1.5, 2, 3, 1700000000, "\x1b[31mred"),
]
for i, row in enumerate(rows):
    db.execute("INSERT INTO user (username, email, n, t, b, f, d, j) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              (f"u{i}", f"u{i}@example.com", *row))
"#,
    );
    for format in ["table", "json"] {
        let outside = dir.run(&["--format", format, "-c", "users"]);
        let inside = dir.pipe(&["--format", format], b"begin\nusers\nrollback\n");
        let outside = outside.ok();
        assert!(outside.contains("NULL") || format == "json", "{outside}");
        // At a table format, the transaction's own two lines are around the listing.
        let inside = inside.ok();
        let inside = inside
            .strip_prefix("Transaction open: commit or rollback to end it\n")
            .and_then(|rest| rest.strip_suffix("Rolled back\n"))
            .unwrap_or(inside);
        assert_eq!(inside, outside, "{format}");
    }
}

/// A table that holds posts (a `comment` of a later app, with foreign keys to `post` and to
/// `user`): listed from its post, and a post it holds is deleted only with cascade; a user's
/// cascade takes the comments on their posts and those they wrote. On every backend.
#[test]
fn rows_that_hold_posts_are_listed_from_their_post_and_go_with_it() {
    for db in each_backend_migrated() {
        let name = db.backend.name();
        let user = db.user_table();
        let serial = match db.backend {
            Backend::Sqlite => "INTEGER",
            Backend::Postgres => "SERIAL",
            Backend::MySql => "INTEGER AUTO_INCREMENT",
        };
        sql(
            &db,
            &[format!(
                "CREATE TABLE comment (id {serial} NOT NULL PRIMARY KEY, post_id INTEGER NOT NULL, \
                 user_id INTEGER NOT NULL, body VARCHAR(140) NOT NULL, FOREIGN KEY (post_id) \
                 REFERENCES post (id), FOREIGN KEY (user_id) REFERENCES {user} (id))"
            )],
        );
        db.pipe(
            &[],
            "add user amy amy@example.com\nadd user bob bob@example.com\n\
             add post \"amy's\" by amy\nadd post \"bob's\" by bob\nadd post \"amy again\" by amy\n\
             sql INSERT INTO comment (post_id, user_id, body) VALUES (1, 2, 'bob on amy')\n\
             sql INSERT INTO comment (post_id, user_id, body) VALUES (2, 1, 'amy on bob')\n\
             sql INSERT INTO comment (post_id, user_id, body) VALUES (1, 1, 'amy on amy')\n",
        )
        .ok();
        assert_eq!(
            db.run(&["--format", "csv", "-c", "rows of comment for post 1"])
                .ok(),
            "id,post_id,user_id,body\n1,1,2,bob on amy\n3,1,1,amy on amy\n",
            "{name}"
        );
        assert_eq!(
            db.run(&[
                "-c",
                "count rows of comment for post 1 where body contains AMY"
            ])
            .ok(),
            "2 rows of comment\n",
            "{name}"
        );
        let refused = db.run(&["-c", "rows of followers for post 1"]);
        assert!(
            refused
                .one_line_error()
                .contains("there is no table \"followers\""),
            "{name}"
        );
        let refused = db.run(&["-c", "rows of comment for post x"]);
        assert!(
            refused
                .one_line_error()
                .contains("post id must be a number"),
            "{name}"
        );
        let refused = db.run(&["-c", "delete post 1"]);
        assert!(
            refused.one_line_error().contains(
                "post 1 is still held by 2 rows of comment: delete those first, or add cascade"
            ),
            "{name}: {refused:?}"
        );
        let refused = db.run(&["-c", "delete posts where author = amy"]);
        assert!(
            refused
                .one_line_error()
                .contains("the 2 posts are still held by 2 rows of comment"),
            "{name}: {refused:?}"
        );
        assert_eq!(
            db.run(&["-c", "delete post 3"]).ok(),
            "Deleted post 3\n",
            "{name}: a post nothing holds"
        );
        // Bob: his post (with amy's comment on it) and his comment on amy's post.
        assert_eq!(
            db.run(&["-c", "delete user bob cascade"]).ok(),
            "Deleted user bob, 1 post and 2 rows of comment\n",
            "{name}"
        );
        assert_eq!(
            db.run(&["-c", "delete post 1 cascade"]).ok(),
            "Deleted post 1 and 1 row of comment\n",
            "{name}"
        );
        assert_eq!(
            db.run(&["-c", "count rows of comment", "-c", "count posts"])
                .ok(),
            "0 rows of comment\n0 posts\n",
            "{name}"
        );
    }
}

/// `import` takes the columns the table has beyond the entities (a later chapter's `about_me`,
/// `last_seen`), typed and checked as `set` checks them, fills `last_seen` as the app would where
/// a row lacks it, and refuses a column the table lacks by name before anything is written, in
/// CSV and JSON, on every backend. Exported and imported again, the rows are the same.
#[test]
fn import_takes_the_columns_the_table_has_and_refuses_the_others() {
    for db in each_backend_migrated() {
        let name = db.backend.name();
        let user = db.user_table();
        sql(
            &db,
            &[
                format!("ALTER TABLE {user} ADD COLUMN about_me VARCHAR(10)"),
                format!(
                    "ALTER TABLE {user} ADD COLUMN last_seen {}",
                    datetime(db.backend)
                ),
            ],
        );
        let file = |name: &str, text: &str| {
            let path = db.dir.join(name);
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        };
        let csv = file(
            "users.csv",
            "id,username,email,has_password,about_me,last_seen\n\
             1,amy,amy@example.com,false,cats,2024-01-02 03:04:05\n\
             2,bob,bob@example.com,false,,\n",
        );
        db.run(&["-c", &format!("import users {csv}")]).ok();
        let listed = db.run(&["--format", "csv", "-c", "users"]);
        let lines: Vec<&str> = listed.ok().lines().collect();
        assert_eq!(
            lines[1], "1,amy,amy@example.com,false,cats,2024-01-02 03:04:05.000000",
            "{name}"
        );
        // No last_seen in the row: now, as the app's model would fill it.
        assert!(
            lines[2].starts_with("2,bob,bob@example.com,false,,20"),
            "{name}: {}",
            lines[2]
        );

        let json = file(
            "more.json",
            r#"[{"username": "cat", "email": "cat@example.com", "about_me": "mice"}]"#,
        );
        db.run(&["-c", &format!("import users {json}")]).ok();
        assert!(
            db.run(&["--format", "csv", "-c", "get user cat"])
                .ok()
                .contains(",mice,"),
            "{name}"
        );
        for (file_name, text) in [
            (
                "bad.csv",
                "username,email,nickname\ndan,dan@example.com,d\n",
            ),
            (
                "bad.json",
                r#"[{"username": "dan", "email": "dan@example.com"}, {"username": "eve", "email": "eve@example.com", "nickname": "e"}]"#,
            ),
        ] {
            let path = file(file_name, text);
            let refused = db.run(&["-c", &format!("import users {path}")]);
            assert!(
                refused
                    .one_line_error()
                    .contains("has a column \"nickname\" that the user table does not have"),
                "{name}: {refused:?}"
            );
        }
        let too_long = file(
            "long.csv",
            "username,email,about_me\ndan,dan@example.com,far too long\n",
        );
        let refused = db.run(&["-c", &format!("import users {too_long}")]);
        assert!(
            refused
                .one_line_error()
                .contains("line 2, about_me: about_me is 12 characters long"),
            "{name}: {refused:?}"
        );
        assert_eq!(
            db.run(&["-c", "count users"]).ok(),
            "3 users\n",
            "{name}: nothing more"
        );
    }
}

/// Names that differ only in case (a Flask-made SQLite file can hold `john` and `John`): the
/// follow relation looks users up as every command does, the exact name first, and never
/// guesses between twins.
#[test]
fn follows_look_users_up_as_every_command_does() {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    python_sqlite(
        &dir,
        r#"
db.execute('CREATE TABLE followers (follower_id INTEGER NOT NULL REFERENCES user(id), followed_id INTEGER NOT NULL REFERENCES user(id), PRIMARY KEY (follower_id, followed_id))')
for name in ["john", "John", "susan"]:
    db.execute("INSERT INTO user (username, email) VALUES (?, ?)", (name, name + "@example.com"))
"#,
    );
    let twins = dir.run(&["-c", "follow JOHN by susan"]);
    assert!(
        twins.one_line_error().contains(
            "\"JOHN\" matches john (id 1) and John (id 2): type the exact name or the id"
        ),
        "{twins:?}"
    );
    dir.run(&["-c", "follow John by susan", "-c", "follow 1 by SUSAN"])
        .ok();
    assert_eq!(
        dir.run(&["--format", "csv", "-c", "following of susan"])
            .ok(),
        "id,username,email,has_password\n1,john,john@example.com,false\n2,John,John@example.com,false\n"
    );
    let unknown = dir.run(&["-c", "followers of nobody"]);
    assert!(
        unknown
            .one_line_error()
            .contains("there is no user \"nobody\"")
    );
}
