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
