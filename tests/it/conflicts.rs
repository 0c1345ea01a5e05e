//! A deadlock inside `begin`, on the machine's PostgreSQL and MariaDB, with another program on
//! the other side of it: the shell's statement fails in one line, and what it says of the open
//! transaction afterwards is what the server did with it (MariaDB rolls the victim's whole
//! transaction back; PostgreSQL fails the statement, which the shell's savepoint undoes).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::util::LiveShell;
use crate::util::backends::{Backend, TestDb};
use crate::util::python::python;

/// Python that takes user b's row lock, says `ready`, and a moment later (the shell waiting for b
/// by then) asks for a's, which the shell holds, then commits. The shell is the victim on both
/// servers: PostgreSQL checks the first waiter first, and on MariaDB this side first changes many
/// rows, so that InnoDB rolls back the shell's lighter transaction.
fn other_side(db: &TestDb) -> String {
    let user = db.user_table();
    let connect = match db.backend {
        Backend::Postgres => format!("import psycopg2\ndb = psycopg2.connect({:?})\n", db.url),
        _ => format!(
            "import pymysql, urllib.parse\nu = urllib.parse.urlparse({:?})\n\
             db = pymysql.connect(host=u.hostname, port=u.port or 3306, user=u.username, \
             password=u.password or '', database=u.path[1:], autocommit=False)\n",
            db.url
        ),
    };
    let heavier = match db.backend {
        Backend::Postgres => "",
        _ => "c.execute(\"UPDATE post SET body = CONCAT(body, '!')\")\n",
    };
    format!(
        "{connect}import sys, time\nc = db.cursor()\n{heavier}\
         c.execute(\"\"\"UPDATE {user} SET email = 'b2@example.com' WHERE username = 'b'\"\"\")\n\
         print('ready', flush=True)\ntime.sleep(0.3)\n\
         try:\n    c.execute(\"\"\"UPDATE {user} SET email = 'a2@example.com' WHERE username = 'a'\"\"\")\n    db.commit()\n    print('committed', flush=True)\n\
         except Exception as e:\n    print('failed', e, flush=True)\n"
    )
}

#[test]
fn a_deadlock_inside_begin_leaves_a_truthful_transaction_state() {
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDb::migrated(backend) else {
            continue;
        };
        let Some(interpreter) = python() else {
            return;
        };
        let seed: String = ["add user a a@example.com", "add user b b@example.com"]
            .iter()
            .chain(std::iter::repeat_n(&"add post \"x\" by a", 200))
            .map(|l| format!("{l}\n"))
            .collect();
        db.pipe(&[], &seed).ok();
        let name = backend.name();

        let mut shell = LiveShell::start(
            &db.dir,
            &[
                "--database-url",
                &db.url,
                "--lock-wait",
                "20",
                "--continue-on-error",
            ],
        );
        shell.send("begin");
        shell.send("update user a set email = a1@example.com");
        let mut seen = Vec::new();
        while !seen.iter().any(|l: &String| l.starts_with("Updated")) {
            seen.push(shell.next_line());
        }
        let mut other = Command::new(interpreter)
            .args(["-c", &other_side(&db)])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut other_out = BufReader::new(other.stdout.take().unwrap()).lines();
        assert_eq!(other_out.next().unwrap().unwrap(), "ready", "{name}");
        // Waits for b's lock, which the other side holds while it asks for a's: a deadlock.
        shell.send("update user b set email = b1@example.com");
        let error = loop {
            let line = shell.next_line();
            if line.starts_with("error: ") {
                break line;
            }
        };
        assert!(error.contains("eadlock"), "{name}: {error}");

        shell.send("context");
        let transaction = loop {
            let line = shell.next_line();
            if line.starts_with("| transaction") {
                break line;
            }
        };
        // On PostgreSQL the other side waits for this commit (the shell still holds a).
        shell.send("commit");
        let commit = loop {
            let line = shell.next_line();
            if line.to_lowercase().contains("commit") {
                break line;
            }
        };
        assert_eq!(
            other_out.next().unwrap().unwrap(),
            "committed",
            "{name}: the other side won"
        );
        other.wait().unwrap();
        shell.send("get user a");
        let mut shown = Vec::new();
        while !shown.iter().any(|l: &String| l.starts_with("| 1 ")) {
            shown.push(shell.next_line());
        }
        shell.finish();
        match backend {
            // The server rolled the whole transaction back: the shell says so and holds none.
            Backend::MySql => {
                assert!(
                    error.contains("the database ended the open transaction itself"),
                    "{name}: {error}"
                );
                assert!(transaction.contains("none"), "{name}: {transaction}");
                assert!(
                    commit.contains("no transaction is open"),
                    "{name}: {commit}"
                );
                // a's first change went with it; the other side's stands.
                assert!(
                    shown.iter().any(|l| l.contains("a2@example.com")),
                    "{name}: {shown:?}"
                );
            }
            // Only the statement failed (its savepoint undone): the transaction goes on, and
            // its first change commits, before the other side's.
            _ => {
                assert!(transaction.contains("open"), "{name}: {transaction}");
                assert!(!commit.starts_with("error"), "{name}: {commit}");
                assert!(
                    shown.iter().any(|l| l.contains("a2@example.com")),
                    "{name}: {shown:?}"
                );
            }
        }
    }
}
