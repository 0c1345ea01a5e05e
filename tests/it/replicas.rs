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
