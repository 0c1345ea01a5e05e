//! Listings on SQLite: outside a transaction they are read through the shell's own read-only
//! connection on its own thread (`db::sqlite_direct`), inside one through sqlx's connection. Both
//! ways must give the same answers for any data, see every committed write at once, and wait for
//! another program's lock as long as `--lock-wait` says.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::hostile::python_sqlite;
use crate::util::{LiveShell, TestDir};

/// What a command prints outside a transaction (the direct reader) and inside one (`--sandbox`
/// keeps the whole session in a transaction: sqlx's connection), with its exit status.
fn both_ways(dir: &TestDir, format: &str, command: &str) -> (String, String) {
    let show = |run: crate::util::Run| format!("{:?}\n{}{}", run.code, run.stdout, run.stderr);
    let outside = dir.run(&["--format", format, "-c", command]);
    let inside = dir.run(&["--sandbox", "--format", format, "-c", command]);
    let inside_stderr = inside
        .stderr
        .lines()
        .filter(|line| !line.starts_with("Sandbox:"))
        .map(|line| format!("{line}\n"))
        .collect::<String>();
    let inside = crate::util::Run {
        stderr: inside_stderr,
        ..inside
    };
    (show(outside), show(inside))
}

#[test]
fn both_ways_of_reading_a_listing_give_the_same_answers_for_any_data() {
    let dir = TestDir::new();
    dir.run(&[
        "-c",
        "add user john john@example.com",
        "-c",
        "add user Ann ann@example.com",
    ])
    .ok();
    // Rows another program wrote: timestamps in every form SQLite and sqlx know (text with `T`,
    // without seconds, with an offset, Unix seconds, a Julian day), text beyond ASCII, and
    // 2,500 posts sharing one timestamp (pages continue by id within it).
    python_sqlite(
        &dir,
        "for i, t in enumerate(['2026-01-02 03:04:05.123456', '2026-01-02T03:04:05', \
         '2026-01-02 03:04', '2026-01-02T03:04:05+02:00', 1700000000, 2460000.25, \
         '2026-01-02 03:04:05.1']):\n    \
         db.execute('INSERT INTO post (body, timestamp, user_id) VALUES (?, ?, 1)', \
         (f'odd {i} Straße ÄBC', t))\n\
         db.executemany(\"INSERT INTO post (body, timestamp, user_id) VALUES (?, \
         '2026-03-01 00:00:00.000000', ?)\", [(f'same time {i}', 1 + i % 2) for i in range(2500)])",
    );
    let all = dir
        .run(&["--format", "csv", "-c", "posts"])
        .ok()
        .to_string();
    assert_eq!(all.lines().count(), 1 + 2507, "{all:.500}");
    for line in [
        ",2026-01-02 03:04:05.123456,john,odd 0 Straße ÄBC",
        ",2026-01-02 03:04:05.000000,john,odd 1 ",
        ",2026-01-02 03:04:00.000000,john,odd 2 ",
        ",2023-11-14 22:13:20.000000,john,odd 4 ",
        ",2026-01-02 03:04:05.100000,john,odd 6 ",
    ] {
        assert!(all.contains(line), "{line} in {all:.2000}");
    }
    for command in [
        "posts",
        "posts of john order by timestamp",
        "posts of ANN limit 3",
        "posts where body contains \"äbc\"",
        "posts where body like \"odd%\" order by timestamp desc, body",
        "posts where timestamp >= 2026-01-02 limit 5 offset 3",
        "posts order by body desc limit 1500",
        "users where posts > 0 order by posts desc",
        "users order by email",
        "posts of nobody",
        // Counts are read by the reader too (sqlx inside the sandbox's transaction).
        "count posts",
        "count posts of john",
        "count posts of ANN",
        "count posts of nobody",
        "count posts where body contains \"äbc\"",
        "count posts where timestamp >= 2026-01-02 and author = john",
        "count posts where author.username like \"j%\"",
        "count users where posts > 0",
        "count users where username = bob",
    ] {
        for format in ["csv", "table", "json"] {
            let (outside, inside) = both_ways(&dir, format, command);
            assert_eq!(outside, inside, "{command} as {format}");
        }
    }
    // Text that is not UTF-8, written by someone else: the same one-line error either way.
    python_sqlite(
        &dir,
        "db.execute(\"INSERT INTO post (body, timestamp, user_id) VALUES \
         (CAST(x'66fffe41' AS TEXT), '2026-05-01 00:00:00.000000', 1)\")",
    );
    let (outside, inside) = both_ways(&dir, "csv", "posts of john limit 1");
    assert_eq!(outside, inside);
    assert!(outside.contains("invalid utf-8"), "{outside}");
}

#[test]
fn a_listing_sees_every_write_before_it_at_once() {
    let dir = TestDir::new();
    let run = dir.pipe(
        &["--format", "csv"],
        b"add user amy amy@example.com\n\
          add post first by amy\n\
          posts of amy\n\
          update posts where author = amy set body = changed --yes\n\
          posts of amy\n\
          sql INSERT INTO post (body, timestamp, user_id) VALUES ('raw', '2030-01-01 00:00:00.000000', 1)\n\
          posts of amy\n\
          delete posts where author = amy --yes\n\
          posts of amy\n\
          count posts\n",
    );
    let out = run.ok();
    let first = out.find(",amy,first").expect(out);
    let changed = out.find(",amy,changed").expect(out);
    let raw = out.find("2030-01-01 00:00:00.000000,amy,raw").expect(out);
    assert!(first < changed && changed < raw, "{out}");
    // After the delete: the header alone, then the count.
    assert!(
        out.ends_with("id,timestamp,author,body\ncount\n0\n"),
        "{out}"
    );
}

/// `get user` outside a transaction is read by the reader alone and decoded from the entity
/// declaration; a row it cannot decode as sqlx would (a number where a name belongs, an id beyond
/// 32 bits, bytes that are not UTF-8) is read through sqlx instead. Either way the answer is the
/// one sqlx gives inside a transaction, and `echo sql` shows each statement once.
#[test]
fn both_ways_of_looking_up_a_user_or_a_post_give_the_same_answers_for_any_data() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    python_sqlite(
        &dir,
        "db.executemany('INSERT INTO user (id, username, email, password_hash) VALUES (?, ?, ?, ?)', [\
         (7, 123, 'n@example.com', None), (8, 'John', 'j2@example.com', 'pbkdf2:x'), \
         (9, 'Émile', 'e@example.com', ''), (5000000000, 'big', 'b@example.com', None)])\n\
         db.execute(\"INSERT INTO user (id, username, email) VALUES (10, CAST(x'66fffe41' AS TEXT), \
         'bad@example.com')\")",
    );
    for command in [
        "get user 1",
        "get user 7",
        "get user 8",
        "get user john",
        "get user JOHN",
        "get user émile",
        "get user ÉMILE",
        "get user big",
        "get user 10",
        "get user nobody",
        "get user 99",
    ] {
        for format in ["table", "json"] {
            let (outside, inside) = both_ways(&dir, format, command);
            assert_eq!(outside, inside, "{command} as {format}");
        }
    }
    let (outside, _) = both_ways(&dir, "csv", "get user 7");
    assert!(outside.contains("\n7,123,n@example.com,"), "{outside}");
    let (outside, _) = both_ways(&dir, "csv", "get user 10");
    assert!(outside.contains("invalid utf-8"), "{outside}");
    let (outside, _) = both_ways(&dir, "csv", "get user JOHN");
    assert!(
        outside.contains("type the exact name or the id"),
        "{outside}"
    );
    // Posts the same both ways: an author the user table lacks, one whose name is not text.
    python_sqlite(
        &dir,
        "db.execute('PRAGMA foreign_keys = OFF')\n\
         db.executemany('INSERT INTO post (id, body, timestamp, user_id) VALUES (?, ?, ?, ?)', [\
         (1, 'by john', '2024-01-02 03:04:05.000000', 1), (2, 'orphan', '2024-01-02 03:04:05', 77), \
         (3, 'by 123', '2024-01-02', 7)])",
    );
    for command in [
        "get post 1",
        "get post 2",
        "get post 3",
        "get post 4",
        "author of post 1",
        "author of post 2",
        "author of post 3",
        "author of post 4",
    ] {
        for format in ["table", "json"] {
            let (outside, inside) = both_ways(&dir, format, command);
            assert_eq!(outside, inside, "{command} as {format}");
        }
    }
    let (outside, _) = both_ways(&dir, "csv", "author of post 2");
    assert!(outside.contains("post 2 has no author"), "{outside}");
    // Declined by the reader and read again by sqlx: one statement to echo, not two.
    for id in ["7", "1"] {
        let run = dir.run(&["--echo-sql", "-c", &format!("get user {id}")]);
        assert_eq!(run.stdout.matches("SQL: SELECT").count(), 1, "{run:?}");
    }
}

/// Reads outside a transaction (`get user`, `count`, `get post`, `author of`, listings) go
/// through the reader alone: the file is open once, and sqlx's connection is opened by the first
/// command that needs it (here a write), which then sees what was read and is read after it.
#[test]
fn a_lookup_opens_the_file_once_and_the_first_write_opens_the_writer() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user amy amy@example.com"]).ok();
    dir.run(&["-c", "add post \"hello\" by amy"]).ok();
    let database = std::fs::canonicalize(dir.join("app.db")).unwrap();
    let mut shell = LiveShell::start(&dir, &["--format", "csv"]);
    let pid = shell.child.id();
    // The shell's open descriptors of the database file, each as read-only or not.
    let opened = |pid: u32| -> Vec<bool> {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .filter_map(|fd| fd.ok())
            .filter(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == database))
            .map(|fd| {
                let info = format!("/proc/{pid}/fdinfo/{}", fd.file_name().to_string_lossy());
                let info = std::fs::read_to_string(info).unwrap();
                let flags = info.lines().find_map(|l| l.strip_prefix("flags:")).unwrap();
                u32::from_str_radix(flags.trim(), 8).unwrap() & 3 == 0
            })
            .collect()
    };
    shell.send("get user amy");
    let got = [shell.next_line(), shell.next_line()];
    assert_eq!(got[1], "1,amy,amy@example.com,false", "{got:?}");
    assert_eq!(opened(pid), [true], "after a lookup: the reader alone");
    shell.send("count posts of amy");
    assert_eq!([shell.next_line(), shell.next_line()], ["count", "1"]);
    assert_eq!(opened(pid), [true], "after a count: the reader alone");
    shell.send("get post 1");
    assert_eq!(shell.next_line(), "id,timestamp,author,body");
    assert!(shell.next_line().ends_with(",amy,hello"));
    shell.send("author of post 1");
    let got = [shell.next_line(), shell.next_line()];
    assert_eq!(got[1], "1,amy,amy@example.com,false", "{got:?}");
    shell.send("posts of amy where body contains hell");
    assert_eq!(shell.next_line(), "id,timestamp,author,body");
    assert!(shell.next_line().ends_with(",amy,hello"));
    assert_eq!(
        opened(pid),
        [true],
        "after get post, author of and a listing: the reader alone"
    );
    // A write's message goes to stderr: the lookup after it says when it is done.
    shell.send("add user bob bob@example.com\nget user bob");
    // Its message (stderr), the header and the row, in either order across the two streams.
    let got = [shell.next_line(), shell.next_line(), shell.next_line()];
    for line in ["Added user bob (id 2)", "2,bob,bob@example.com,false"] {
        assert!(got.iter().any(|l| l == line), "{line} in {got:?}");
    }
    let mut after = opened(pid);
    after.sort();
    assert_eq!(after, [false, true], "after a write: the writer too");
    assert_eq!(shell.finish(), Some(0));
}

/// The writer's connection opens late, by the path: if the file the shell read was deleted,
/// moved or replaced meanwhile, the write is refused in one line, the reads go on, and no empty
/// file is made where the old one was (sqlx would create it) nor is the new file written.
#[test]
fn a_file_deleted_or_replaced_after_start_up_is_neither_made_again_nor_written() {
    for replaced in [false, true] {
        let dir = TestDir::new();
        dir.run(&["-c", "add user amy amy@example.com"]).ok();
        std::fs::copy(dir.join("app.db"), dir.join("other.db")).unwrap();
        let mut shell = LiveShell::start(&dir, &["--format", "csv", "--continue-on-error"]);
        shell.send("get user amy");
        let answer = [shell.next_line(), shell.next_line()];
        assert_eq!(answer[1], "1,amy,amy@example.com,false", "{answer:?}");
        std::fs::rename(dir.join("app.db"), dir.join("moved.db")).unwrap();
        if replaced {
            std::fs::copy(dir.join("other.db"), dir.join("app.db")).unwrap();
        }
        shell.send("add user bob bob@example.com\nget user amy");
        // The error (stderr), then the header and row of the read after it, still answered from
        // the file the shell opened (in either order across the two streams).
        let rest = [shell.next_line(), shell.next_line(), shell.next_line()];
        assert!(
            rest.iter().any(
                |l| l.starts_with("error: line 2: cannot open SQLite database")
                    && l.contains("deleted, moved or replaced after the shell opened it")
            ),
            "{rest:?}"
        );
        assert!(
            rest.iter().any(|l| l == "1,amy,amy@example.com,false"),
            "{rest:?}"
        );
        assert_eq!(shell.finish(), Some(1), "a line failed");
        assert_eq!(dir.join("app.db").exists(), replaced);
        for file in ["moved.db", "other.db", "app.db"] {
            if dir.join(file).exists() {
                let users = dir.run_on(&dir.sqlite_url(file), &["--format", "csv", "-c", "users"]);
                assert!(!users.ok().contains("bob"), "{file}: {users:?}");
            }
        }
    }
}

/// Python's sqlite3 holding `app.db`'s exclusive lock (as a writer committing does), taken by the
/// time this returns; kill the process to let it go.
fn hold_exclusive_lock(dir: &TestDir) -> std::process::Child {
    let mut holder = std::process::Command::new("python3")
        .args([
            "-c",
            &format!(
                "import sqlite3, time\ndb = sqlite3.connect({:?}, isolation_level=None)\n\
                 db.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(60)\n",
                dir.join("app.db").display().to_string()
            ),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut locked = String::new();
    BufReader::new(holder.stdout.as_mut().unwrap())
        .read_line(&mut locked)
        .unwrap();
    assert_eq!(locked, "locked\n");
    holder
}

/// Another program holds SQLite's exclusive lock while the shell starts: the start-up check (read
/// by the reader) waits `--lock-wait` once and says so as it always did, without waiting again
/// through the catalog or sqlx's connection (it waited three times as long before).
#[test]
fn start_up_under_a_writers_lock_waits_lock_wait_once() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user amy amy@example.com"]).ok();
    let mut holder = hold_exclusive_lock(&dir);
    let started = Instant::now();
    let run = dir.run(&["--lock-wait", "2", "-c", "get user amy"]);
    let waited = started.elapsed();
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(
        run.one_line_error(),
        "error: cannot open SQLite database sqlite://app.db: database is locked: another \
         program is writing to it"
    );
    assert!(
        waited >= Duration::from_millis(1800) && waited < Duration::from_millis(5000),
        "waited {waited:?}"
    );
    dir.run(&["-c", "get user amy"]).ok();
}

/// Another program holds SQLite's exclusive lock (as a writer committing does) while the shell,
/// already running, lists posts: the listing waits `--lock-wait`, gives up in one line, and the
/// next listing works once the lock is gone.
#[test]
fn a_listing_waits_for_a_writers_lock_as_long_as_lock_wait_says() {
    let dir = TestDir::new();
    dir.run(&[
        "-c",
        "add user amy amy@example.com",
        "-c",
        "add post hi by amy",
    ])
    .ok();
    let mut shell =
        dir.spawn_piped(&["--lock-wait", "1", "--continue-on-error", "--format", "csv"]);
    let mut stdin = shell.stdin.take().unwrap();
    let mut stdout = BufReader::new(shell.stdout.take().unwrap());
    let mut line = String::new();
    // The shell has started and read once (its reader is open) before the lock is taken.
    writeln!(stdin, "count posts").unwrap();
    stdin.flush().unwrap();
    for expected in ["count\n", "1\n"] {
        line.clear();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line, expected);
    }
    let mut holder = hold_exclusive_lock(&dir);
    let mut errors = BufReader::new(shell.stderr.take().unwrap());
    let started = Instant::now();
    writeln!(stdin, "posts").unwrap();
    stdin.flush().unwrap();
    // With --continue-on-error the error is one line on stderr and the script goes on.
    let mut error = String::new();
    errors.read_line(&mut error).unwrap();
    let waited = started.elapsed();
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(
        error.starts_with("error: ") && error.contains("database is locked"),
        "{error}"
    );
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(30),
        "waited {waited:?}"
    );
    writeln!(stdin, "posts").unwrap();
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    shell.wait().unwrap();
    // Nothing of the listing that gave up; all of the one after the lock was gone.
    assert_eq!(
        rest.matches("id,timestamp,author,body").count(),
        1,
        "{rest}"
    );
    assert!(rest.ends_with(",amy,hi\n"), "{rest}");
}

/// Another program may store megabytes in a `varchar(140)` (SQLite does not enforce lengths): a
/// listing reads such rows a few at a time, so its memory stays bounded, and still gives every
/// row once, in order. Before, a page was a thousand rows whatever their size: forty 5 MB bodies
/// were all held at once (over 200 MB).
#[test]
fn huge_values_are_listed_in_pages_bounded_by_size() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user amy amy@example.com"]).ok();
    python_sqlite(
        &dir,
        "db.executemany(\"INSERT INTO post (body, timestamp, user_id) VALUES (?, ?, 1)\", \
         [(f'{i:02d}' + 'x' * 5_000_000, f'2026-01-01 00:00:{i:02d}.000000') for i in range(40)])",
    );
    let out = dir.join("posts.csv");
    // The shell run by Python, which reports the child's peak memory (KB).
    let measured = std::process::Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys\n\
             with open(sys.argv[1], 'wb') as out:\n    \
             done = subprocess.run(sys.argv[2:], stdout=out)\n\
             print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
            out.to_str().unwrap(),
            env!("CARGO_BIN_EXE_shell"),
            "--database-url",
            &dir.sqlite_url("app.db"),
            "--format",
            "csv",
            "-c",
            "posts",
        ])
        .env("SHELL_HISTORY", dir.join("history"))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&measured.stdout).to_string();
    let mut fields = report.split_whitespace();
    assert_eq!(fields.next(), Some("0"), "{report} {measured:?}");
    let peak_kb: u64 = fields.next().unwrap().parse().unwrap();
    assert!(peak_kb < 100_000, "peak RSS {peak_kb} KB");
    let csv = std::fs::read(&out).unwrap();
    let lines: Vec<&[u8]> = csv
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 41);
    // Newest first, each once: bodies 39 down to 00.
    for (line, i) in lines[1..].iter().zip((0..40).rev()) {
        let tail = format!(",amy,{i:02}x");
        let text = String::from_utf8_lossy(&line[..60.min(line.len())]).to_string();
        let at = text
            .find(&tail)
            .unwrap_or_else(|| panic!("{text} should hold {tail}"));
        assert_eq!(line.len(), at + ",amy,".len() + 2 + 5_000_000, "{text}");
    }
}
