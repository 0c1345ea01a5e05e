//! Faults caused for real: another writer holding SQLite's lock, the server ending the shell's
//! connection mid-session (PostgreSQL's `pg_terminate_backend`, MariaDB's `KILL CONNECTION`), the
//! process killed with SIGKILL mid-script, and database files that cannot be written.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use crate::util::backends::{Backend, TestDb};
use crate::util::{LiveShell, TestDir, open, rows};
use sea_orm::{ConnectionTrait, TransactionTrait};

#[tokio::test]
async fn a_locked_sqlite_database_gives_up_after_a_bounded_wait_and_loses_nothing() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    db.run(&["-c", "add user john john@example.com"]).ok();

    // Another writer takes the write lock and keeps it.
    let other = open(&db.url).await;
    let holding = other.begin().await.unwrap();
    holding
        .execute_unprepared(
            "INSERT INTO user (username, email) VALUES ('other', 'other@example.com')",
        )
        .await
        .unwrap();

    let started = std::time::Instant::now();
    let run = db.run(&["-c", "add user susan susan@example.com"]);
    let line = run.one_line_error();
    assert!(
        line.starts_with("error: line 1: database is locked: another program is writing"),
        "{line}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the wait is bounded"
    );

    holding.commit().await.unwrap();
    let names = rows(&other, "SELECT username FROM user ORDER BY id").await;
    assert_eq!(
        names,
        [["john"], ["other"]],
        "both writers' data intact, nothing half-written"
    );
    db.run(&["-c", "add user susan susan@example.com"]).ok();
}

/// Ends the shell's server session from another connection, as an operator or a failover would.
async fn kill_shell_sessions(db: &TestDb) {
    let admin = open(&db.url).await;
    match db.backend {
        Backend::Postgres => {
            admin
                .execute_unprepared(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = 'microblog-shell' AND datname = current_database()",
                )
                .await
                .unwrap();
        }
        _ => {
            let ids = rows(
                &admin,
                "SELECT CAST(id AS CHAR) FROM information_schema.processlist \
                 WHERE db = DATABASE() AND id <> CONNECTION_ID()",
            )
            .await;
            assert!(!ids.is_empty(), "the shell's session is listed");
            for id in ids {
                admin
                    .execute_unprepared(&format!("KILL CONNECTION {}", id[0].trim()))
                    .await
                    .unwrap();
            }
        }
    }
    admin.close().await.unwrap();
}

#[tokio::test]
async fn a_killed_server_connection_is_reported_and_the_next_command_reconnects() {
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDb::migrated(backend) else {
            continue;
        };
        let mut shell =
            LiveShell::start(&db.dir, &["--database-url", &db.url, "--continue-on-error"]);

        // Between commands: the next one simply works on a new connection, whatever it is (a
        // read, a listing, a lookup, a write): the pool hands out its idle connection unchecked.
        shell.send("add user john john@example.com");
        assert_eq!(shell.next_line(), "Added user john (id 1)");
        kill_shell_sessions(&db).await;
        shell.send("count users");
        assert_eq!(shell.next_line(), "1 user", "{backend:?}");
        kill_shell_sessions(&db).await;
        shell.send("users");
        let table: Vec<String> = (0..5).map(|_| shell.next_line()).collect();
        assert!(table[3].contains("| john "), "{backend:?}: {table:?}");
        assert_eq!(shell.next_line(), "(1 row)", "{backend:?}");
        kill_shell_sessions(&db).await;
        shell.send("posts of john");
        let table: Vec<String> = (0..4).map(|_| shell.next_line()).collect();
        assert!(table[1].contains("| author |"), "{backend:?}: {table:?}");
        assert_eq!(shell.next_line(), "(0 rows)", "{backend:?}");
        kill_shell_sessions(&db).await;
        shell.send("add post hello by john");
        assert_eq!(shell.next_line(), "Added post 1 by john", "{backend:?}");
        kill_shell_sessions(&db).await;
        shell.send("delete post 1");
        assert_eq!(shell.next_line(), "Deleted post 1", "{backend:?}");

        // Inside a transaction: the failing command says what was lost; the shell goes on.
        shell.send("begin");
        assert!(shell.next_line().starts_with("Transaction open"));
        shell.send("add user susan susan@example.com");
        assert_eq!(shell.next_line(), "Added user susan (id 2)");
        kill_shell_sessions(&db).await;
        shell.send("add user anna anna@example.com");
        let error = shell.next_line();
        assert!(
            error.starts_with("error: line 9: the connection to the server was lost")
                && error.contains("nothing in it was committed"),
            "{backend:?}: {error}"
        );
        shell.send("count users");
        assert_eq!(
            shell.next_line(),
            "1 user",
            "{backend:?}: susan went with the transaction"
        );
        shell.send("add user anna anna@example.com");
        assert!(
            shell.next_line().starts_with("Added user anna"),
            "{backend:?}"
        );
        assert_eq!(shell.finish(), Some(1), "one command failed");
    }
}

/// 100,000 lines for 1,000 users: long enough to be killed in the middle.
fn big_script(dir: &TestDir) -> std::path::PathBuf {
    let mut script = String::new();
    for i in 0..1000 {
        script.push_str(&format!("add user u{i} u{i}@example.com\n"));
    }
    for i in 0..99_000 {
        script.push_str(&format!("add post \"post number {i}\" by u{}\n", i % 1000));
    }
    let path = dir.join("big.txt");
    std::fs::write(&path, script).unwrap();
    path
}

fn count(conn_rows: Vec<Vec<String>>) -> usize {
    conn_rows[0][0].parse().unwrap()
}

#[tokio::test]
async fn sigkill_in_a_single_transaction_script_leaves_all_or_nothing() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    let script = big_script(&db.dir);
    let mut shell = LiveShell::start(
        &db.dir,
        &[
            "--database-url",
            &db.url,
            "--single-transaction",
            "--file",
            script.to_str().unwrap(),
        ],
    );
    // Wait until it is well into the script, then kill it without warning.
    while !shell.next_line().starts_with("Added post 2000 ") {}
    shell.child.kill().unwrap();
    shell.child.wait().unwrap();

    let conn = open(&db.url).await;
    let users = count(rows(&conn, "SELECT count(*) FROM user").await);
    let posts = count(rows(&conn, "SELECT count(*) FROM post").await);
    assert!(
        (users, posts) == (0, 0) || (users, posts) == (1000, 99_000),
        "all or nothing, found {users} users and {posts} posts"
    );
    assert_eq!(rows(&conn, "PRAGMA integrity_check").await, [["ok"]]);
}

#[tokio::test]
async fn sigkill_in_an_autocommit_script_keeps_every_line_before_it_whole() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    let script = big_script(&db.dir);
    let mut shell = LiveShell::start(
        &db.dir,
        &[
            "--database-url",
            &db.url,
            "--file",
            script.to_str().unwrap(),
        ],
    );
    let mut confirmed = 0;
    loop {
        let line = shell.next_line();
        if line.starts_with("Added post ") {
            confirmed += 1;
            if confirmed == 1500 {
                break;
            }
        }
    }
    shell.child.kill().unwrap();
    shell.child.wait().unwrap();

    let conn = open(&db.url).await;
    let posts = count(rows(&conn, "SELECT count(*) FROM post").await);
    assert!(
        posts >= confirmed,
        "every confirmed line is there: {posts} < {confirmed}"
    );
    // No partial row: every post is whole and belongs to the user its line named.
    let broken = rows(
        &conn,
        "SELECT count(*) FROM post p JOIN user u ON u.id = p.user_id \
         WHERE p.body NOT LIKE 'post number %' \
         OR 'u' || (CAST(substr(p.body, 13) AS INTEGER) % 1000) <> u.username \
         OR length(p.timestamp) <> 26",
    )
    .await;
    assert_eq!(count(broken), 0);
    let orphans = rows(
        &conn,
        "SELECT count(*) FROM post WHERE user_id NOT IN (SELECT id FROM user)",
    )
    .await;
    assert_eq!(count(orphans), 0);
    assert_eq!(rows(&conn, "PRAGMA integrity_check").await, [["ok"]]);
}

/// Root ignores file permissions, so the file is made immutable instead (ext4's `chattr +i`).
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn new(path: std::path::PathBuf) -> Immutable {
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(&path)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "chattr +i {} failed: this test needs it",
            path.display()
        );
        Immutable(path)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn a_read_only_database_file_is_read_but_never_written() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    db.run(&["-c", "add user john john@example.com"]).ok();
    let path = db.dir.join("app.db");
    let before = std::fs::read(&path).unwrap();
    let _guard = Immutable::new(path.clone());

    assert_eq!(db.run(&["-c", "count users"]).ok(), "1 user\n");
    let line = db
        .run(&["-c", "add user susan susan@example.com"])
        .one_line_error()
        .to_string();
    assert!(line.contains("readonly database"), "{line}");
    let line = db.run(&["migrate", "down"]).one_line_error().to_string();
    assert!(line.contains("readonly database"), "{line}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "not a byte changed");
}

/// A 3 MB tmpfs mounted for one test, unmounted after it.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(dir: &TestDir) -> Option<SmallDisk> {
        let path = dir.join("small-disk");
        std::fs::create_dir_all(&path).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if mounted {
            return Some(SmallDisk(path));
        }
        let message = "cannot mount a 3 MB tmpfs (the test needs root, as CI has)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{message}");
        }
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!! SKIPPED the full-disk test: {message} !!!!!\n"
        );
        None
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Found by filling a disk: SQLite rolled the whole `--single-transaction` script back on
/// SQLITE_FULL, the shell did not notice, and every later line ran in autocommit mode (11,497
/// posts committed of a script that "failed"). Now the loss is noticed and nothing more runs.
#[test]
fn a_full_disk_ends_a_single_transaction_script_with_nothing_committed() {
    fills_the_disk_and_keeps_nothing(&["add user john john@example.com"], "");
}

/// The same with writes that are not queued (`with` makes each `add post` a write of its own):
/// in a script that stops at its first failure they run with no savepoint each, so the shell must
/// notice by itself that SQLite ended the transaction (no savepoint's failed rollback tells it).
#[test]
fn a_full_disk_ends_an_all_or_nothing_script_of_single_writes_with_nothing_committed() {
    fills_the_disk_and_keeps_nothing(
        &[
            "add user john john@example.com",
            "sql ALTER TABLE post ADD COLUMN language VARCHAR(5)",
        ],
        " with language = en",
    );
}

/// On a small disk, after `setup`: a `--single-transaction` script of 40,000 `add post ... by
/// john{with}` lines stops at the full disk with one error line saying the database ended the
/// transaction, and keeps no post.
fn fills_the_disk_and_keeps_nothing(setup: &[&str], with: &str) {
    let dir = TestDir::new();
    let Some(disk) = SmallDisk::mount(&dir) else {
        return;
    };
    let url = format!("sqlite:///{}/app.db?mode=rwc", disk.0.display());
    dir.run_on(&url, &["migrate", "up"]).ok();
    let setup: Vec<&str> = setup.iter().flat_map(|c| ["-c", c]).collect();
    dir.run_on(&url, &setup).ok();
    let script: String = (0..40_000)
        .map(|i| {
            format!(
                "add post \"post number {i} with some padding to fill pages quickly\" by john{with}\n"
            )
        })
        .collect();
    let path = dir.join("s.txt");
    std::fs::write(&path, script).unwrap();
    let run = dir.run_on(
        &url,
        &["--single-transaction", "--file", path.to_str().unwrap()],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(errors.len(), 1, "one error line: {errors:?}");
    assert!(
        errors[0].contains("database or disk is full")
            && errors[0].contains("ended the open transaction"),
        "{errors:?}"
    );
    let posts = dir.run_on(&url, &["-c", "count posts"]).ok().to_string();
    assert_eq!(posts, "0 posts\n", "all of the script or none of it");
}

/// MariaDB rolls the whole transaction back for the victim of a deadlock (error 1213): that
/// script stops there and keeps nothing, the other commits all of its own.
#[tokio::test]
async fn a_deadlock_victim_keeps_nothing_and_runs_nothing_more() {
    let Some(db) = TestDb::migrated(Backend::MySql) else {
        return;
    };
    db.pipe(&[], "add user a a@example.com\nadd user b b@example.com\n")
        .ok();
    let script = |first: &str, second: &str, tag: &str| {
        format!(
            "update user {first} set email = \"{tag}-{first}@example.com\"\n\
             sql SELECT SLEEP(1)\n\
             update user {second} set email = \"{tag}-{second}@example.com\"\n\
             add post \"after the deadlock by {tag}\" by a\n"
        )
    };
    let (one, two) = (script("a", "b", "one"), script("b", "a", "two"));
    std::fs::write(db.dir.join("one.txt"), one).unwrap();
    std::fs::write(db.dir.join("two.txt"), two).unwrap();
    let start = |name: &str| {
        db.dir
            .command(&[
                "--database-url",
                &db.url,
                "--single-transaction",
                "--continue-on-error",
                "--file",
                db.dir.join(name).to_str().unwrap(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (start("one.txt"), start("two.txt"));
    let runs: Vec<crate::util::Run> = [first, second]
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().into())
        .collect();
    let victims: Vec<&crate::util::Run> = runs.iter().filter(|r| r.code == Some(1)).collect();
    assert_eq!(victims.len(), 1, "one deadlock victim: {runs:?}");
    let victim = victims[0];
    assert!(
        victim.stderr.contains("ended the open transaction"),
        "{victim:?}"
    );
    assert_eq!(
        victim.stderr.lines().count(),
        1,
        "it stopped there: {victim:?}"
    );
    // The other's changes, all of them; none of the victim's.
    let winner = if runs[0].code == Some(0) {
        "one"
    } else {
        "two"
    };
    let emails = crate::util::first_column(&db.url, "SELECT email FROM user ORDER BY id").await;
    assert_eq!(
        emails,
        [
            format!("{winner}-a@example.com"),
            format!("{winner}-b@example.com")
        ]
    );
    let posts = crate::util::first_column(&db.url, "SELECT body FROM post").await;
    assert_eq!(posts, [format!("after the deadlock by {winner}")]);
}

/// PostgreSQL ends the session mid-script (an operator's `pg_terminate_backend`): the script
/// stops at the next command and the database holds none of it.
#[tokio::test]
async fn a_server_session_ended_mid_script_keeps_none_of_it() {
    let Some(db) = TestDb::migrated(Backend::Postgres) else {
        return;
    };
    db.pipe(&[], "add user john john@example.com\n").ok();
    let mut shell = LiveShell::start(
        &db.dir,
        &[
            "--database-url",
            &db.url,
            "--single-transaction",
            "--continue-on-error",
        ],
    );
    shell.send("add post one by john");
    shell.send("update user john set email = \"new@example.com\"");
    shell.send("count posts");
    assert_eq!(shell.next_line(), "Added post 1 by john");
    assert_eq!(shell.next_line(), "Updated 1 user");
    assert_eq!(shell.next_line(), "1 post");
    kill_shell_sessions(&db).await;
    // In one write: the shell stops at the first of them, and a second write would find the
    // pipe closed.
    shell.send("add post two by john\nadd post three by john\nadd user later later@example.com");
    let error = shell.next_line();
    assert!(
        error.contains("connection to the server was lost"),
        "{error}"
    );
    assert_eq!(shell.finish(), Some(1));
    let conn = open(&db.url).await;
    assert_eq!(count(rows(&conn, "SELECT count(*) FROM post").await), 0);
    assert_eq!(
        rows(&conn, "SELECT email FROM \"user\"").await,
        [["john@example.com"]],
        "none of the script, and nothing after the loss"
    );
}

/// Lets the runtime finish what a command left to it (sqlx gives a connection back to its pool in
/// a task of its own, with a ping), so that the next kill hits an idle connection the pool holds.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// The session on its own, where the test decides when the runtime runs: the pool hands out its
/// idle connection without a ping, so a session the server ended while idle is met by the next
/// statement itself. A read is sent again, a listing starts again, a write begins again.
#[tokio::test]
async fn a_server_session_ended_while_idle_is_replaced_for_the_next_read_listing_and_write() {
    use microblog_shell::command::{Command, DataCommand, parse};
    use microblog_shell::db::asking::NoOne;
    use microblog_shell::db::connection::config::{DatabaseTarget, Source};
    use microblog_shell::db::connection::connect::{Settings, connect};
    use microblog_shell::db::execute::Answer;
    use microblog_shell::db::session::Session;
    use microblog_shell::render::{Outcome, PageSource};

    let command = |line: &str| parse(line).unwrap().unwrap();
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDb::migrated(backend) else {
            continue;
        };
        let target = DatabaseTarget::parse(&db.url, Source::Flag).unwrap();
        let connection = connect(&target, Settings::default()).await.unwrap();
        let mut session = Session::new(target, connection);
        let add = command("add user john john@example.com");
        let Command::Data(add) = add else {
            panic!("a data command")
        };
        assert!(matches!(
            session.execute(add, &mut NoOne).await,
            Ok(Answer::Done(_))
        ));

        settle().await;
        kill_shell_sessions(&db).await;
        let Command::Data(count @ DataCommand::Read(_)) = command("count users") else {
            panic!("a read")
        };
        match session.execute(count, &mut NoOne).await {
            Ok(Answer::Done(Outcome::Count { count, .. })) => assert_eq!(count, 1, "{backend:?}"),
            Ok(_) => panic!("{backend:?}: a count"),
            Err(e) => panic!("{backend:?}: count after the kill: {e}"),
        }

        settle().await;
        kill_shell_sessions(&db).await;
        let Command::Data(list @ DataCommand::Read(_)) = command("users") else {
            panic!("a read")
        };
        let Ok(Answer::Listing(mut pages)) = session.execute(list, &mut NoOne).await else {
            panic!("{backend:?}: a listing")
        };
        let page = pages.next_page().await;
        match page {
            Ok(Some(rows)) => assert_eq!(rows.len(), 1, "{backend:?}"),
            Ok(None) => panic!("{backend:?}: no page"),
            Err(e) => panic!("{backend:?}: listing after the kill: {e}"),
        }
        drop(pages);

        settle().await;
        kill_shell_sessions(&db).await;
        let Command::Data(add) = command("add user susan susan@example.com") else {
            panic!("a data command")
        };
        if let Err(e) = session.execute(add, &mut NoOne).await {
            panic!("{backend:?}: write after the kill: {e}");
        }
    }
}

/// A script from a pipe whose writer pauses: lines are read ahead while a batch is inserted only
/// as far as the writer has sent whole lines, so the batch prints without waiting for the rest.
#[test]
fn a_batch_prints_while_the_pipe_it_comes_from_pauses_mid_line() {
    let db = TestDb::migrated(Backend::Sqlite).unwrap();
    let mut shell = LiveShell::start(
        &db.dir,
        &["--database-url", &db.url, "--single-transaction"],
    );
    shell.send("add user ann ann@example.com");
    assert_eq!(shell.next_line(), "Added user ann (id 1)");
    for i in 0..1500 {
        shell.send(&format!("add post \"post {i}\" by ann"));
    }
    write!(shell.stdin, "add post \"the last").unwrap();
    shell.stdin.flush().unwrap();
    // The first batch (1,000) prints; the 500 lines after it wait for a line that is not whole.
    for i in 1..=1000 {
        assert_eq!(shell.next_line(), format!("Added post {i} by ann"));
    }
    shell.send(" one\" by ann");
    assert_eq!(shell.finish(), Some(0));
    assert_eq!(db.run(&["-c", "count posts"]).ok(), "1501 posts\n");
}
