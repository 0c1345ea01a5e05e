//! Long scripts and long lists on every backend: `add post` lines batched into multi-row inserts
//! inside `--single-transaction` (same output, same errors, same all-or-nothing as one at a time), and
//! listings read in keyset pages (every row once, in order, whatever the page boundaries and ties).

use crate::util::backends::{Backend, TestDb, each_backend_migrated};
use crate::util::{open, rows};

/// Three users, then `posts` posts cycling through them, with a `count` and a new user in the middle.
fn script(posts: usize) -> String {
    let mut s = String::from(
        "add user ann ann@example.com\nadd user bob bob@example.com\nadd user cy cy@example.com\n",
    );
    for i in 0..posts {
        if i == posts / 2 {
            s.push_str("count posts\nadd user dee dee@example.com\n");
        }
        let author = ["ann", "bob", "cy", "2"][i % 4];
        s.push_str(&format!("add post \"post {i}\" by {author}\n"));
    }
    s
}

#[tokio::test]
async fn batched_posts_print_and_store_exactly_as_one_at_a_time() {
    for db in each_backend_migrated() {
        let n = 2500;
        let run = db.pipe(&["--single-transaction"], &script(n));
        let out = run.ok();
        let added: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("Added post "))
            .collect();
        assert_eq!(added.len(), n, "{:?}", db.backend);
        for (i, line) in added.iter().enumerate() {
            let author = ["ann", "bob", "cy", "bob"][i % 4];
            assert_eq!(
                *line,
                format!("Added post {} by {author}", i + 1),
                "{:?}",
                db.backend
            );
        }
        let middle: Vec<&str> = out
            .lines()
            .filter(|l| !l.starts_with("Added post "))
            .collect();
        assert_eq!(
            middle[3],
            format!("{} posts", n / 2),
            "the count sees the batch before it"
        );

        let conn = open(&db.url).await;
        let table = if db.backend == Backend::MySql {
            "`user`"
        } else {
            "\"user\""
        };
        let stored = rows(
            &conn,
            &format!("SELECT p.id, p.body, u.username FROM post p JOIN {table} u ON u.id = p.user_id ORDER BY p.id"),
        )
        .await;
        assert_eq!(stored.len(), n);
        assert_eq!(stored[1], ["2", "post 1", "bob"]);
        assert_eq!(
            stored[n - 1],
            [n.to_string(), format!("post {}", n - 1), "bob".to_string()]
        );
        if db.backend == Backend::Sqlite {
            let bad = rows(
                &conn,
                "SELECT count(*) FROM post WHERE length(timestamp) <> 26",
            )
            .await;
            assert_eq!(bad, [["0"]], "Flask's timestamp text in bulk too");
        }
        conn.close().await.unwrap();
    }
}

#[tokio::test]
async fn an_unknown_author_in_a_batch_fails_at_its_line_and_nothing_is_kept() {
    for db in each_backend_migrated() {
        let mut s = script(1500);
        s.push_str("add post \"lost\" by nobody\nadd post \"never\" by ann\n");
        let line = s.lines().count() - 1;
        let run = db.pipe(&["--single-transaction", "--echo"], &s);
        assert_eq!(
            run.one_line_error(),
            format!("error: line {line}: there is no user \"nobody\"")
        );
        assert!(
            run.stdout
                .ends_with("Added post 1500 by bob\n> add post \"lost\" by nobody\n"),
            "{:?}",
            db.backend
        );
        assert!(
            run.stdout
                .contains("> add post \"post 0\" by ann\nAdded post 1 by ann\n> add post"),
            "echo keeps its order"
        );
        assert_eq!(
            db.run(&["-c", "count posts"]).ok(),
            "0 posts\n",
            "{:?}: all or nothing",
            db.backend
        );
    }
}

#[tokio::test]
async fn a_batch_the_database_refuses_is_replayed_to_name_the_line() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    let mut s = String::from(
        "sql CREATE TRIGGER no_bad BEFORE INSERT ON post WHEN NEW.body = 'bad' BEGIN SELECT RAISE(ABORT, 'bad body refused'); END\n\
         add user ann ann@example.com\n",
    );
    for i in 0..300 {
        s.push_str(&format!(
            "add post \"{}\" by ann\n",
            if i == 200 { "bad" } else { "fine" }
        ));
    }
    let run = db.pipe(&["--single-transaction"], &s);
    assert_eq!(run.one_line_error(), "error: line 203: bad body refused");
    assert_eq!(run.stdout.matches("Added post").count(), 200);
}

#[tokio::test]
async fn listings_page_through_every_row_once_in_order() {
    for db in each_backend_migrated() {
        db.pipe(&["--single-transaction"], &script(2300)).ok();
        let csv = db.run(&["--format", "csv", "-c", "posts"]);
        let ids: Vec<i64> = csv
            .ok()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(ids.len(), 2300, "{:?}", db.backend);
        // Newest first, ties (same timestamp: whole seconds on MySQL) broken by id.
        let expected: Vec<i64> = (1..=2300).rev().collect();
        assert_eq!(ids, expected, "{:?}", db.backend);

        let page = db.run(&["--format", "csv", "-c", "posts limit 1200 offset 1050"]);
        let paged: Vec<i64> = page
            .ok()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(paged, expected[1050..2250].to_vec(), "{:?}", db.backend);

        let json = db.run(&["--format", "json", "-c", "posts of bob"]);
        let bobs: serde_json::Value = serde_json::from_str(json.ok()).unwrap();
        assert_eq!(bobs.as_array().unwrap().len(), 1150, "{:?}", db.backend);
        assert!(
            bobs.as_array()
                .unwrap()
                .iter()
                .all(|p| p["author"] == "bob")
        );

        let table = db.run(&["-c", "posts"]);
        assert!(table.ok().ends_with("(2300 rows)\n"), "{:?}", db.backend);
        // A table per page, as the pages come: 1,000 rows, then double that.
        assert_eq!(
            table.stdout.matches("| id ").count(),
            2,
            "one table per page: 1,000 rows, then 2,000"
        );
    }
}

/// While a full batch is inserted, the lines after it are read ahead and queued for the next one.
/// What happens in them still happens at its own line and in order: a refusal in the batch being
/// inserted, a line that is not an `add post`, unreadable bytes, the script's end.
#[tokio::test]
async fn lines_read_ahead_during_an_insert_keep_their_order_and_line_numbers() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    let head = "sql CREATE TRIGGER no_bad BEFORE INSERT ON post WHEN NEW.body = 'bad' BEGIN SELECT RAISE(ABORT, 'bad body refused'); END\n\
                add user ann ann@example.com\nadd user bob bob@example.com\n";
    // 2,600 posts by ann and bob in turn, post i on line i + 4, those numbered in `bad` refused.
    let posts = |bad: &[usize]| {
        let mut s = String::from(head);
        for i in 0..2600 {
            let body = if bad.contains(&i) {
                "bad".to_string()
            } else {
                format!("post {i}")
            };
            s.push_str(&format!(
                "add post \"{body}\" by {}\n",
                ["ann", "bob"][i % 2]
            ));
        }
        s
    };
    // The second batch (posts 1000-1999) holds the refused one, and is inserted while the third
    // is read.
    let run = db.pipe(&["--single-transaction", "--echo"], &posts(&[1500]));
    assert_eq!(run.one_line_error(), "error: line 1504: bad body refused");
    assert!(
        run.stdout
            .ends_with("Added post 1500 by bob\n> add post \"bad\" by ann\n"),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(200)..]
    );
    assert_eq!(run.stdout.matches("Added post").count(), 1500);

    // Going on past failures: every refused line is named, and every other line of its batch,
    // before and after it, and of the batch read ahead, still runs and prints in order.
    let run = db.pipe(
        &["--single-transaction", "--continue-on-error"],
        &posts(&[1500, 1700]),
    );
    assert_eq!(
        run.stderr,
        "error: line 1504: bad body refused\nerror: line 1704: bad body refused\n"
    );
    assert_eq!(run.stdout.matches("Added post").count(), 2598);
    assert!(run.stdout.ends_with("by bob\n"), "the last line ran");

    // Lines that are not `add post`, read ahead: each runs after the batch before it printed,
    // and sees it. The second `count` comes while the third batch is being read.
    let mut s = String::from(head);
    for i in 0..2600 {
        if i == 1200 || i == 2300 {
            s.push_str("count posts\n");
        }
        s.push_str(&format!(
            "add post \"post {i}\" by {}\n",
            ["ann", "bob"][i % 2]
        ));
    }
    let run = db.pipe(&["--single-transaction"], &s);
    let lines: Vec<&str> = run.ok().lines().collect();
    assert_eq!(lines.len(), 3 + 2600 + 2);
    assert_eq!(lines[3 + 1200], "1200 posts");
    assert_eq!(lines[3 + 2300 + 1], "2300 posts");
    for (i, line) in lines[3..]
        .iter()
        .filter(|l| l.starts_with("Added"))
        .enumerate()
    {
        let author = ["ann", "bob"][i % 2];
        assert_eq!(*line, format!("Added post {} by {author}", i + 1));
    }
    assert_eq!(db.run(&["-c", "count posts"]).ok(), "2600 posts\n");

    // Unreadable bytes after a full batch: the batch before them goes in and prints, the error
    // names their line, nothing after them runs, and the script's transaction keeps nothing.
    // (The trigger and the users are there from the script before, which committed.)
    let mut bytes = Vec::new();
    for i in 0..1500 {
        bytes.extend_from_slice(format!("add post \"again {i}\" by ann\n").as_bytes());
    }
    bytes.extend_from_slice(b"add post \"\xff\xfe\" by ann\nadd post \"after\" by ann\n");
    let run = db
        .dir
        .pipe(&["--database-url", &db.url, "--single-transaction"], &bytes);
    assert_eq!(
        run.one_line_error(),
        "error: line 1501: not valid UTF-8 (bad byte at column 11): is this a binary file?"
    );
    assert_eq!(run.stdout.matches("Added post").count(), 1500);
    assert!(!run.stdout.contains("after"));
    assert_eq!(db.run(&["-c", "count posts"]).ok(), "2600 posts\n");
}

/// In a `--single-transaction` script each author is resolved once and remembered. A user the
/// script adds is remembered as it is added (no lookup for its posts), and what was resolved
/// before stays known across an `add user` (a new name differs from every other even ignoring
/// case); any other command (a rename, a delete) forgets it all, so a name is never taken to mean
/// a user it no longer names.
#[test]
fn authors_added_by_the_script_are_known_and_changed_ones_are_looked_up_again() {
    for db in each_backend_migrated() {
        let backend = db.backend;
        let run = db.pipe(
            &["--single-transaction"],
            "add user ann ann@example.com\n\
             add post one by ann\n\
             add user bob bob@example.com\n\
             add post two by ann\n\
             add post three by BOB\n\
             add user cy cy@example.com\n\
             add post four by cy\n\
             update users where username = bob set username = rob --yes\n\
             add post five by rob\n\
             add user bob bob2@example.com\n\
             add post six by bob\n\
             add post seven by 2\n",
        );
        let out = run.ok();
        let added: Vec<&str> = out.lines().filter(|l| l.starts_with("Added")).collect();
        assert_eq!(
            added,
            [
                "Added user ann (id 1)",
                "Added post 1 by ann",
                "Added user bob (id 2)",
                "Added post 2 by ann",
                "Added post 3 by bob",
                "Added user cy (id 3)",
                "Added post 4 by cy",
                "Added post 5 by rob",
                "Added user bob (id 4)",
                "Added post 6 by bob",
                "Added post 7 by rob",
            ],
            "{backend:?}"
        );
        let stored = db.run(&["--format", "csv", "-c", "posts order by id"]);
        let authors: Vec<String> = stored
            .ok()
            .lines()
            .skip(1)
            .map(|line| {
                let fields: Vec<&str> = line.split(',').collect();
                format!("{}:{}", fields[3], fields[2])
            })
            .collect();
        assert_eq!(
            authors,
            [
                "one:ann",
                "two:ann",
                "three:rob",
                "four:cy",
                "five:rob",
                "six:bob",
                "seven:rob"
            ],
            "{backend:?}"
        );

        // A name refused as taken, then renamed away: the old name means no one any more.
        let run = db.pipe(
            &["--single-transaction", "--continue-on-error"],
            "add post eight by cy\n\
             add user CY other@example.com\n\
             add post nine by cy\n\
             update users where username = cy set username = dee --yes\n\
             add post ten by cy\n",
        );
        assert!(
            run.stderr
                .contains("line 2: username \"CY\" is already taken (as \"cy\")")
                && run.stderr.contains("line 5: there is no user \"cy\""),
            "{backend:?}: {run:?}"
        );
        assert!(run.stdout.contains("Added post 9 by cy"), "{run:?}");
    }
}

/// On SQLite a script's queued posts and an import go in a row per statement on a thread of the
/// session's: `echo sql` still shows every statement sent, once, in order (recorded on the shell's
/// thread, where `echo sql` keeps them, not on the thread that runs them).
#[tokio::test]
async fn echo_sql_shows_each_row_a_script_or_an_import_inserts_on_sqlite() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    let csv = db.dir.join("posts.csv");
    std::fs::write(&csv, "author,body\nann,first\nann,second\nann,third\n").unwrap();
    let script = format!(
        "add user ann ann@example.com\necho sql on\nadd post one by ann\nadd post two by ann\n\
         import posts {}\n",
        csv.display()
    );
    let run = db.pipe(&["--single-transaction"], &script);
    let inserts: Vec<&str> = run
        .ok()
        .lines()
        .filter(|l| l.starts_with("SQL: INSERT INTO \"post\""))
        .collect();
    assert_eq!(inserts.len(), 5, "{}", run.ok());
    for (insert, body) in inserts
        .iter()
        .zip(["one", "two", "first", "second", "third"])
    {
        assert!(insert.contains(&format!("'{body}'")), "{insert}");
    }
}

/// `add user` in a transaction on SQLite runs on the transaction's own connection, with no
/// savepoint: it refuses what it refuses outside one, in the same words, and a refused name
/// leaves the transaction usable.
#[tokio::test]
async fn add_user_in_a_transaction_refuses_as_outside_one() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    let script = "add user john john@example.com\nadd user JOHN other@example.com\n\
                  add user mary JOHN@example.com\nadd user ann ann@example.com\ncount users\n";
    let outside = db.pipe(&["--continue-on-error"], script);
    let other = TestDb::migrated(Backend::Sqlite).unwrap();
    let inside = other.pipe(&["--single-transaction", "--continue-on-error"], script);
    assert_eq!(inside.stdout, outside.stdout);
    assert_eq!(inside.stderr, outside.stderr);
    assert!(
        outside.stderr.contains("already taken"),
        "{}",
        outside.stderr
    );
    assert!(outside.stdout.contains("2 users"), "{}", outside.stdout);

    let interactive = TestDb::migrated(Backend::Sqlite).unwrap();
    let run = interactive.pipe(
        &["--continue-on-error"],
        &format!("begin\n{script}commit\ncount users\n"),
    );
    assert_eq!(run.stdout.matches("2 users").count(), 2, "{}", run.stdout);
    // The same refusals, a line further down (after `begin`).
    let shifted: String = outside
        .stderr
        .lines()
        .map(|line| {
            let (head, rest) = line.split_once("line ").unwrap();
            let (n, tail) = rest.split_once(':').unwrap();
            format!("{head}line {}:{tail}\n", n.parse::<u32>().unwrap() + 1)
        })
        .collect();
    assert_eq!(run.stderr, shifted, "same refusals inside begin");
}

/// A long run of `add user` lines in a transaction on SQLite proves names free from memory once
/// it has read the table's names (`sqlite::taken`): it refuses exactly what the lookups refuse
/// outside a transaction, in the same words: twins in case of a user the script added, of one
/// already there, of an email; and after a rename, a delete or an `sql` insert (which make it
/// read the names again), twins of what those wrote.
#[tokio::test]
async fn a_long_run_of_add_user_refuses_as_outside_a_transaction() {
    let mut script = String::new();
    let users = |script: &mut String, from: usize, to: usize| {
        for i in from..to {
            script.push_str(&format!("add user u{i} u{i}@example.com\n"));
        }
    };
    users(&mut script, 0, 300);
    script.push_str(
        "add user U5 new5@example.com\nadd user ZED z2@example.com\n\
         add user fresh U7@EXAMPLE.COM\nadd user zed2 ZED@example.com\n\
         add user U250 x250@example.com\nadd user y250 U250@Example.com\n",
    );
    script.push_str("update user u10 set username = \"renamed\"\ndelete user u11\n");
    users(&mut script, 300, 400);
    script.push_str(
        "add user RENAMED r@example.com\nadd user U10 u10new@example.com\n\
         add user U11 U11@example.com\n",
    );
    script.push_str("sql INSERT INTO user (username, email) VALUES ('Late', 'late@example.com')\n");
    users(&mut script, 400, 500);
    script.push_str("add user LATE x@example.com\nadd user late2 LATE@EXAMPLE.com\ncount users\n");

    let run = |extra: &[&str]| {
        let db = TestDb::migrated(Backend::Sqlite).unwrap();
        db.pipe(
            &[],
            "sql INSERT INTO user (username, email) VALUES ('Zed', 'zed@example.com')\n",
        )
        .ok();
        db.pipe(extra, &script)
    };
    let outside = run(&["--continue-on-error"]);
    let inside = run(&["--single-transaction", "--continue-on-error"]);
    assert_eq!(inside.stdout, outside.stdout);
    assert_eq!(inside.stderr, outside.stderr);
    for refused in [
        "username \"U5\" is already taken (as \"u5\")",
        "username \"U250\" is already taken (as \"u250\")",
        "email \"U250@Example.com\" is already used by user \"u250\"",
        "username \"ZED\" is already taken (as \"Zed\")",
        "username \"RENAMED\" is already taken (as \"renamed\")",
        "username \"LATE\" is already taken (as \"Late\")",
    ] {
        assert!(
            outside.stderr.contains(refused),
            "{refused}: {}",
            outside.stderr
        );
    }
    assert_eq!(
        outside.stderr.matches("is already").count(),
        9,
        "{}",
        outside.stderr
    );
    assert!(
        outside.stdout.contains("Added user U10"),
        "{}",
        outside.stdout
    );
    assert!(
        outside.stdout.contains("Added user U11"),
        "{}",
        outside.stdout
    );
    assert!(outside.stdout.contains("503 users"), "{}", outside.stdout);

    // The names are read once the run is long enough, and the lookups stop.
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    let mut echoed = String::from("echo sql on\n");
    users(&mut echoed, 0, 200);
    let run = db.pipe(&["--single-transaction"], &echoed);
    let echo = format!("{}{}", run.stdout, run.stderr);
    let lookups = echo.matches("SELECT \"user\".\"id\"").count();
    assert!(lookups > 0 && lookups < 100, "{lookups} lookups");
    assert_eq!(
        echo.matches("SELECT \"username\", \"email\" FROM \"user\"")
            .count(),
        1
    );
}

/// An import whose row the database refuses (a trigger here) on SQLite's direct path: the
/// database's own words, nothing of the file kept, and an open transaction still usable.
#[tokio::test]
async fn an_import_row_the_database_refuses_keeps_nothing_and_says_why() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    let csv = db.dir.join("posts.csv");
    let mut rows = String::from("author,body\n");
    for i in 0..2500 {
        rows.push_str(&format!("ann,{}\n", if i == 1700 { "bad" } else { "fine" }));
    }
    std::fs::write(&csv, rows).unwrap();
    db.pipe(
        &[],
        "add user ann ann@example.com\nsql CREATE TRIGGER no_bad BEFORE INSERT ON post WHEN NEW.body = 'bad' BEGIN SELECT RAISE(ABORT, 'bad body refused'); END\n",
    )
    .ok();
    let import = format!("import posts {}", csv.display());
    let alone = db.run(&["-c", &import]);
    assert_eq!(alone.code, Some(1));
    assert!(
        alone.stderr.contains("bad body refused"),
        "{}",
        alone.stderr
    );
    let in_transaction = db.pipe(
        &["--continue-on-error"],
        &format!("begin\nadd post kept by ann\n{import}\ncount posts\ncommit\ncount posts\n"),
    );
    assert!(
        in_transaction.stderr.contains("bad body refused"),
        "{}",
        in_transaction.stderr
    );
    assert_eq!(
        in_transaction.stdout.matches("1 post\n").count(),
        2,
        "the post before the import stays, no row of the file: {}",
        in_transaction.stdout
    );
}
