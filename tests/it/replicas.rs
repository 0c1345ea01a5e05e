//! A microblog that outgrew one machine: the shell on a PostgreSQL hot standby the test starts
//! itself (`util::cluster`). Reads work; every write is refused in the shell's own words before
//! anything is tried; a standby promoted while the shell is open takes the next write.

use crate::util::TestDir;
use crate::util::cluster::PgCluster;

fn refused(run: &crate::util::Run, what: &str) {
    let error = run.one_line_error_after_notes();
    assert!(
        error.contains(&format!("refused ({what})"))
            && error.contains("is a standby replaying from the primary at 127.0.0.1:")
            && error.contains("nothing was tried"),
        "{what}: {run:?}"
    );
}

#[test]
fn a_standby_reads_refuses_every_write_in_one_line_and_takes_writes_once_promoted() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    let dir = TestDir::new();
    let primary = cluster.primary_url();
    let standby = cluster.standby_url();
    dir.run_on(&primary, &["migrate", "up"]).ok();
    dir.run_on(&primary, &["-c", "add user ann ann@example.com"])
        .ok();
    cluster.wait_for(|| dir.run_on(&standby, &["-c", "count users"]).stdout == "1 user\n");

    // Reads work, and the start-up says what the server is.
    let read = dir.run_on(&standby, &["-c", "users", "-c", "context"]);
    let stdout = read.ok();
    assert!(stdout.contains("| ann "), "{read:?}");
    assert!(stdout.contains("read-only (a standby)"), "{read:?}");
    assert!(
        stdout.contains(&format!(
            "a standby replaying from the primary at 127.0.0.1:{}",
            cluster.primary_port
        )),
        "{read:?}"
    );
    assert!(
        read.stderr.starts_with("note: ") && read.stderr.contains("every write refused"),
        "{read:?}"
    );

    // Every kind of write, refused before it is tried.
    let csv = dir.join("users.csv");
    std::fs::write(&csv, "username,email\nbob,bob@example.com\n").unwrap();
    let import = format!("import users {}", csv.display());
    for (command, what) in [
        ("add user bob bob@example.com", "a write"),
        ("update user ann set email = x@example.com", "a write"),
        ("delete user ann", "a write"),
        ("begin", "begin"),
        (
            "sql INSERT INTO post (body, user_id) VALUES ('x', 1)",
            "a statement that writes",
        ),
        ("sql CREATE TABLE t (id int)", "a statement that writes"),
        (import.as_str(), "a write"),
        ("migrate up", "migrate"),
        ("migrate down", "migrate"),
    ] {
        refused(&dir.run_on(&standby, &["-c", command]), what);
    }
    // One the words do not catch is refused by the server, and told the same way.
    refused(
        &dir.run_on(&standby, &["-c", "sql SELECT nextval('post_id_seq')"]),
        "a statement that writes",
    );
    for action in ["up", "stamp", "reset"] {
        refused(
            &dir.run_on(
                &standby,
                &["migrate", action, "--yes"][..if action == "reset" { 3 } else { 2 }],
            ),
            "migrate",
        );
    }
    refused(
        &dir.run_on(&standby, &["--single-transaction", "-c", "count users"]),
        "--single-transaction",
    );
    // A password is not even asked for.
    refused(
        &dir.pipe(&["--database-url", &standby], b"set password ann\n"),
        "a write",
    );
    assert_eq!(
        dir.run_on(&primary, &["-c", "count users"]).ok(),
        "1 user\n",
        "nothing was written"
    );

    // Promoted while a shell is open on it: the next write goes through, and says why.
    let mut shell = crate::util::LiveShell::start(&dir, &["--database-url", &standby]);
    shell.send("count users");
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l == "1 user") {
        seen.push(shell.next_line());
    }
    cluster.promote();
    shell.send("add user cy cy@example.com");
    let mut after = Vec::new();
    let promoted = |l: &String| l.contains("is a primary now (the standby was promoted)");
    while !(after
        .iter()
        .any(|l: &String| l.starts_with("Added user cy"))
        && after.iter().any(promoted))
    {
        after.push(shell.next_line());
    }
    shell.send("context");
    shell.finish();
    assert_eq!(
        dir.run_on(&standby, &["-c", "count users"]).ok(),
        "2 users\n"
    );
}

/// Lines from `shell` until one `done` accepts; that one.
fn line_where(shell: &crate::util::LiveShell, done: impl Fn(&str) -> bool) -> String {
    loop {
        let line = shell.next_line();
        if done(&line) {
            return line;
        }
    }
}

#[test]
fn a_galera_certification_conflict_is_said_and_leaves_a_true_prompt() {
    let Some(cluster) = crate::util::cluster::Galera::start() else {
        return;
    };
    let dir = TestDir::new();
    let urls: Vec<String> = (0..3).map(|n| cluster.url(n, "microblog")).collect();
    dir.run_on(&urls[0], &["--create-database", "migrate", "up"])
        .ok();
    dir.run_on(&urls[0], &["-c", "add user a a@example.com"])
        .ok();
    // Two shells on two nodes change the same row inside `begin`: locks are each node's own, so
    // both get as far as their commit, and the cluster certifies the first one only.
    let start = |url: &str| {
        crate::util::LiveShell::start(&dir, &["--database-url", url, "--continue-on-error"])
    };
    let mut first = start(&urls[0]);
    let mut second = start(&urls[1]);
    for (shell, email) in [(&mut first, "first"), (&mut second, "second")] {
        shell.send("begin");
        shell.send(&format!("update user a set email = {email}@example.com"));
        line_where(shell, |l| l.starts_with("Updated 1 user"));
    }
    first.send("commit");
    line_where(&first, |l| l.to_lowercase().contains("commit"));
    second.send("commit");
    let error = line_where(&second, |l| l.starts_with("error: "));
    assert!(
        error.contains("the commit failed (deadlock")
            && error.contains("Galera")
            && error.contains("nothing in the transaction was written"),
        "{error}"
    );
    // The prompt's state is the server's: no transaction; the next command works.
    second.send("context");
    let transaction = line_where(&second, |l| l.starts_with("| transaction"));
    assert!(transaction.contains("none"), "{transaction}");
    second.send("commit");
    let commit = line_where(&second, |l| l.to_lowercase().contains("commit"));
    assert!(commit.contains("no transaction is open"), "{commit}");
    first.finish();
    second.finish();
    // The winner's change, on every node.
    for url in &urls {
        let shown = dir.run_on(url, &["--format", "csv", "-c", "get user a"]);
        assert!(shown.ok().contains("first@example.com"), "{url}: {shown:?}");
    }

    // Two nodes crash: the last one has lost its quorum and takes no commands (the server refuses
    // even `SELECT 1`). Said in one line at start-up, for reads too.
    let mut cluster = cluster;
    cluster.kill(1);
    cluster.kill(2);
    cluster.wait_until_ready_is(0, "OFF");
    for args in [&["-c", "count users"][..], &["migrate", "status"]] {
        let run = dir.run_on(&urls[0], args);
        let error = run.one_line_error();
        assert!(
            error.contains("Galera node")
                && error.contains("not synced with its cluster")
                && error.contains("connect to a synced node"),
            "{args:?}: {error}"
        );
    }
}
