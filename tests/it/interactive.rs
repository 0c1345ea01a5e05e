//! The shell at a terminal: the binary runs in a pseudo-terminal made by util-linux's `script`, and the
//! test types into it as a person would (Enter is `\r`, Tab `\t`, Ctrl-C `\x03`, Ctrl-D `\x04`).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{TestDir, open, rows};

/// A terminal session: the command line for the shell (run by `sh` inside the pty), the keys.
pub(crate) struct Terminal<'a> {
    pub(crate) dir: &'a TestDir,
    pub(crate) args: String,
    pub(crate) env: Vec<(&'static str, String)>,
    pub(crate) setup: &'static str,
}

impl<'a> Terminal<'a> {
    pub(crate) fn new(dir: &'a TestDir) -> Self {
        Terminal {
            dir,
            args: String::new(),
            env: vec![("SHELL_HISTORY", dir.join("history").display().to_string())],
            setup: "",
        }
    }

    /// A conversation: before typing each answer, waits until the terminal shows its prompt anew
    /// (as `expect` does), so nothing is typed ahead while the shell is busy. Returns the screen.
    pub(crate) fn converse(&self, steps: &[(&str, &str)]) -> String {
        let mut child = self.spawn();
        let screen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = screen.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut stdout, &mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let text = || without_escapes(&String::from_utf8_lossy(&screen.lock().unwrap()));
        let mut stdin = child.stdin.take().unwrap();
        let mut sent_at = String::new();
        for (prompt, keys) in steps {
            let before = sent_at.matches(prompt).count();
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while text().matches(prompt).count() <= before {
                assert!(
                    std::time::Instant::now() < deadline,
                    "no {prompt:?} on: {}",
                    text()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            sent_at = text();
            let _ = stdin
                .write_all(keys.as_bytes())
                .and_then(|()| stdin.flush());
        }
        drop(stdin);
        child.wait().unwrap();
        reader.join().unwrap();
        text()
    }

    fn spawn(&self) -> std::process::Child {
        let shell = format!(
            "{}{} {}",
            self.setup,
            env!("CARGO_BIN_EXE_shell"),
            self.args
        );
        let mut command = Command::new("script");
        command
            .args(["-qfec", &shell, "/dev/null"])
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("PAGER")
            .env_remove("NO_COLOR")
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
            .spawn()
            .expect("util-linux `script` runs the shell in a pseudo-terminal")
    }

    /// Types each key sequence after a pause (the line editor reads them as keystrokes) and returns
    /// everything the terminal showed.
    pub(crate) fn type_keys(&self, keys: &[&str]) -> String {
        without_escapes(&self.type_keys_raw(keys))
    }

    /// The same, with the terminal's escape sequences left in.
    pub(crate) fn type_keys_raw(&self, keys: &[&str]) -> String {
        let mut child = self.spawn();
        let mut stdin = child.stdin.take().unwrap();
        std::thread::sleep(Duration::from_millis(400));
        for key in keys {
            // After `exit` the terminal is gone and later keys go nowhere, as they would for a person.
            let _ = stdin.write_all(key.as_bytes()).and_then(|()| stdin.flush());
            std::thread::sleep(Duration::from_millis(350));
        }
        std::thread::sleep(Duration::from_millis(300));
        drop(stdin);
        // A shell that never leaves (keys it lost) fails the test instead of hanging it.
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let pid = child.id().to_string();
        let watchdog = std::thread::spawn(move || {
            if finished.recv_timeout(Duration::from_secs(120)).is_err() {
                let _ = Command::new("kill").args(["-9", &pid]).status();
            }
        });
        let output = child.wait_with_output().unwrap();
        let _ = done.send(());
        watchdog.join().unwrap();
        assert!(
            output.status.code().is_some(),
            "the terminal session did not end by itself: {}",
            without_escapes(&String::from_utf8_lossy(&output.stdout))
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// The screen's text without terminal escape sequences (colours, cursor moves).
pub(crate) fn without_escapes(screen: &str) -> String {
    let mut out = String::new();
    let mut chars = screen.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // Parameters, then one final letter (or ~).
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() || c == '~' {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// `add user uN uN@example.com` for N from 0 below `count`.
pub(crate) fn add_user_lines(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| format!("add user u{i} u{i}@example.com"))
        .collect()
}

/// Users u0.. in the database, one `-c` each.
pub(crate) fn add_users(dir: &TestDir, count: usize) {
    let adds = add_user_lines(count);
    let mut args = Vec::new();
    for add in &adds {
        args.extend(["-c", add.as_str()]);
    }
    dir.run(&args).ok();
}

pub(crate) async fn query(dir: &TestDir, sql: &str) -> Vec<Vec<String>> {
    let db = open(&dir.sqlite_url("app.db")).await;
    rows(&db, sql).await
}

#[tokio::test]
async fn banner_prompt_ctrl_c_and_ctrl_d_with_an_open_transaction() {
    let dir = TestDir::new();
    let screen = Terminal::new(&dir).type_keys(&[
        "begin\r",
        "add user john john@example.com\r",
        "this line is abandoned\x03",
        "count users\r",
        "\x04",
    ]);
    assert!(
        screen.contains("Created the SQLite database /")
            && screen.contains("and applied 3 migrations"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "microblog-shell {} on SQLite sqlite://app.db: type help",
            env!("CARGO_PKG_VERSION")
        )),
        "{screen}"
    );
    assert!(screen.contains("microblog (transaction)> "), "{screen}");
    assert!(
        !screen.contains("unknown command"),
        "Ctrl-C dropped the line: {screen}"
    );
    assert!(screen.contains("1 user"), "{screen}");
    assert!(
        screen.contains("Rolled back the open transaction"),
        "{screen}"
    );
    assert_eq!(query(&dir, "SELECT count(*) FROM user").await, [["0"]]);
}

#[tokio::test]
async fn exit_leaves_and_errors_do_not_end_the_session() {
    let dir = TestDir::new();
    let screen = Terminal::new(&dir).type_keys(&[
        "gte user 1\r",
        "add user john john@example.com\r",
        "exit\r",
        "add user late late@example.com\r",
    ]);
    assert!(
        screen.contains("error: unknown command \"gte\": did you mean \"get\"?"),
        "{screen}"
    );
    assert!(screen.contains("Added user john (id 1)"), "{screen}");
    assert_eq!(query(&dir, "SELECT username FROM user").await, [["john"]]);
}

#[tokio::test]
async fn tab_completes_usernames_from_the_database_and_command_words() {
    let dir = TestDir::new();
    dir.run(&[
        "-c",
        "add user johnathan john@example.com",
        "-c",
        "add user susan susan@example.com",
    ])
    .ok();
    let screen = Terminal::new(&dir).type_keys(&[
        "ge\t",  // -> "get "
        "us\t",  // -> "user "
        "joh\t", // -> "johnathan "
        "\r", "exit\r",
    ]);
    assert!(screen.contains("get user johnathan"), "{screen}");
    assert!(
        screen.contains("john@example.com"),
        "the completed command ran: {screen}"
    );
}

#[tokio::test]
async fn ctrl_c_at_the_add_post_prompt_writes_nothing() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let screen = Terminal::new(&dir).type_keys(&[
        "add post\r",
        "a body I changed my mind about\x03",
        "add post\r",
        "a body that will stay\r",
        "jo\t",
        "\x03",
        "add post\r",
        "kept\r",
        "john\r",
        "exit\r",
    ]);
    assert_eq!(
        screen.matches("cancelled: nothing was written").count(),
        2,
        "{screen}"
    );
    assert!(
        screen.contains("characters left"),
        "the body prompt counts: {screen}"
    );
    assert_eq!(query(&dir, "SELECT body FROM post").await, [["kept"]]);
}

#[tokio::test]
async fn history_persists_between_sessions_privately_and_without_passwords() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    Terminal::new(&dir).type_keys(&[
        "count users\r",
        "set password john\r",
        "Tr0ub4dor&3\r",
        "Tr0ub4dor&3\r",
        "sql UPDATE user SET password_hash = password_hash WHERE 'password' = 'x'\r",
        "exit\r",
    ]);
    let path = dir.join("history");
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.contains("count users") && saved.contains("set password john"),
        "{saved}"
    );
    assert!(
        !saved.contains("Tr0ub4dor"),
        "no password in the history: {saved}"
    );
    assert!(
        !saved.contains("password_hash"),
        "no SQL that mentions passwords: {saved}"
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // A second session sees the first one's commands: with the up arrow, and in `history`.
    let up = "\x1b[A";
    let screen =
        Terminal::new(&dir).type_keys(&[&format!("{up}{up}{up}\r"), "history\r", "exit\r"]);
    assert!(
        screen.contains("1 user"),
        "up three times reached `count users`: {screen}"
    );
    assert!(screen.contains("count users "), "{screen}");
    assert!(!screen.contains("Tr0ub4dor"), "{screen}");
}

#[tokio::test]
async fn passwords_are_typed_hidden_twice_and_checked() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let (prompt, new, again, current) = ("microblog> ", "new password: ", "again: ", "password: ");
    let screen = Terminal::new(&dir).converse(&[
        (prompt, "set password john\r"),
        (new, "correct horse\r"),
        (again, "battery staple\r"), // a typo: nothing is stored
        (prompt, "set password john\r"),
        (new, "correct horse\r"),
        (again, "correct horse\r"),
        (prompt, "check password john\r"),
        (current, "correct horse\r"),
        (prompt, "check password john\r"),
        (current, "wrong horse\r"),
        (prompt, "exit\r"),
    ]);
    assert!(
        !screen.contains("correct horse") && !screen.contains("battery"),
        "echoed: {screen}"
    );
    assert!(
        screen.contains("the two passwords differ: nothing was changed"),
        "{screen}"
    );
    assert!(screen.contains("Password set for john"), "{screen}");
    assert!(screen.contains("Password is correct for john"), "{screen}");
    assert!(
        screen.contains("error: wrong password for john"),
        "{screen}"
    );
    let stored = query(&dir, "SELECT password_hash FROM user").await;
    assert!(stored[0][0].starts_with("scrypt:32768:8:1$"), "{stored:?}");
}

#[tokio::test]
async fn an_open_quote_continues_on_the_next_line_and_timing_reports() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let screen = Terminal::new(&dir).type_keys(&[
        "add post \"first line\r",
        "second line\" by john\r",
        "timing on\r",
        "count posts\r",
        "exit\r",
    ]);
    assert!(screen.contains("Added post 1 by john"), "{screen}");
    // The second line after a continuation prompt as wide as the prompt.
    assert!(
        screen.contains("      ...> second line\" by john"),
        "{screen}"
    );
    assert!(screen.contains("Time: "), "{screen}");
    assert_eq!(
        query(&dir, "SELECT body FROM post").await,
        [["first line\nsecond line"]]
    );
}

#[test]
fn long_results_go_through_the_pager() {
    let dir = TestDir::new();
    add_users(&dir, 30);
    let mut terminal = Terminal::new(&dir);
    terminal.setup = "stty rows 20 cols 100; ";
    terminal
        .env
        .push(("PAGER", "sh -c 'cat > paged.txt'".to_string()));
    let screen = terminal.type_keys(&["users\r", "count users\r", "exit\r"]);
    let paged = std::fs::read_to_string(dir.join("paged.txt")).expect("the pager ran");
    assert!(
        paged.contains("u29@example.com") && paged.contains("(30 rows)"),
        "{paged}"
    );
    assert!(
        !screen.contains("u29@example.com"),
        "the table went to the pager: {screen}"
    );
    assert!(
        screen.contains("30 users"),
        "short results print directly: {screen}"
    );
}

#[test]
fn completion_scripts_for_the_cli() {
    let dir = TestDir::new();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef shell"),
        ("fish", "complete -c shell"),
    ] {
        let run = dir.run(&["completions", shell]);
        assert!(
            run.ok().contains(marker),
            "{shell}: {}",
            &run.stdout[..200.min(run.stdout.len())]
        );
        assert!(run.stdout.contains("migrate"), "{shell}");
    }
}

#[test]
fn long_scripts_show_progress_on_a_terminal_and_not_elsewhere() {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    let script: String = (0..20_000)
        .map(|i| format!("add user u{i} u{i}@example.com\n"))
        .collect();
    std::fs::write(dir.join("big.txt"), script).unwrap();
    // stderr is the terminal, stdout a file.
    let mut terminal = Terminal::new(&dir);
    // One transaction keeps the test quick; the progress line is the same either way.
    terminal.args = "--single-transaction --file big.txt > out.txt".to_string();
    let screen = terminal.converse(&[]);
    assert!(screen.contains(" lines, "), "a progress line: {screen}");
    let out = std::fs::read_to_string(dir.join("out.txt")).unwrap();
    assert_eq!(out.lines().count(), 20_000);
    assert!(!out.contains(" lines, "), "never in the output itself");
    // Not a terminal: no progress at all.
    let run = dir.run(&["--single-transaction", "--file", "big.txt"]);
    assert!(
        run.stderr.contains("already taken") && !run.stderr.contains(" lines, "),
        "{}",
        &run.stderr[..200.min(run.stderr.len())]
    );
}

#[tokio::test]
async fn a_change_of_many_rows_says_how_many_and_asks_first_at_a_terminal() {
    let dir = TestDir::new();
    let seed = "add user john john@example.com\nadd post one by john\nadd post two by john\n\
                add post three by john\n";
    dir.pipe(&[], seed.as_bytes()).ok();
    let screen = Terminal::new(&dir).converse(&[
        ("microblog> ", "delete posts where id > 0\r"),
        ("Delete 3 posts? [y/N] ", "n\r"),
        (
            "microblog> ",
            "update posts where id > 0 set body = changed\r",
        ),
        ("Update 3 posts? [y/N] ", "yes\r"),
        ("microblog> ", "delete posts where id = 3\r"),
        (
            "microblog> ",
            "update posts where id > 0 set body = again --yes\r",
        ),
        ("microblog> ", "delete posts where id = 2\r"),
        ("microblog> ", "exit\r"),
    ]);
    assert!(
        screen.contains("Cancelled: nothing was changed"),
        "{screen}"
    );
    assert!(screen.contains("Updated 3 posts"), "{screen}");
    // One row, or --yes: no question.
    assert!(!screen.contains("Delete 1 post?"), "{screen}");
    assert!(!screen.contains("Update 2 posts?"), "{screen}");
    assert!(screen.contains("Updated 2 posts"), "{screen}");
    assert!(screen.contains("Deleted 1 post\r\n"), "{screen}");
    assert_eq!(
        query(&dir, "SELECT id, body FROM post").await,
        [["1", "again"]]
    );
}

/// Found by trying it: with `NO_COLOR` (and at a `TERM=dumb` terminal) the password prompts
/// echoed what was typed, since the mask rode on the line editor's highlighting.
#[tokio::test]
async fn passwords_stay_hidden_without_colour_and_on_a_dumb_terminal() {
    for (key, value) in [("NO_COLOR", "1"), ("TERM", "dumb"), ("COLUMNS", "20")] {
        let dir = TestDir::new();
        dir.run(&["-c", "add user john john@example.com"]).ok();
        let mut terminal = Terminal::new(&dir);
        terminal.env.push((key, value.to_string()));
        let screen = terminal.converse(&[
            ("microblog> ", "set password john\r"),
            ("new password: ", "s3cret horse\r"),
            ("again: ", "s3cret horse\r"),
            ("microblog> ", "check password john\r"),
            ("password: ", "s3cret horse\r"),
            ("microblog> ", "check password john\r"),
            ("password: ", "typo\x7f\x7f\x7f\x7fs3cret horse\r"),
            ("microblog> ", "check password john\r"),
            ("password: ", "abc\x03"),
            ("microblog> ", "exit\r"),
        ]);
        assert!(
            !screen.contains("s3cret") && !screen.contains("typo"),
            "{key}={value}: {screen}"
        );
        assert!(
            screen.contains("************"),
            "{key}={value}: a star per character: {screen}"
        );
        assert_eq!(
            screen.matches("Password is correct for john").count(),
            2,
            "{key}={value}: {screen}"
        );
        assert!(
            screen.contains("cancelled"),
            "{key}={value}: Ctrl-C cancels: {screen}"
        );
    }
}

/// A Flask-made SQLite file can hold `john` and `John`: completion offers both for `jo`.
#[tokio::test]
async fn completion_offers_every_case_of_a_name() {
    let dir = TestDir::new();
    dir.run(&[
        "-c",
        "add user john john@example.com",
        "-c",
        "add user Johanna jo@example.com",
    ])
    .ok();
    let screen = Terminal::new(&dir).type_keys(&["get user jo\t", "\t", "\x03", "exit\r"]);
    assert!(
        screen.contains("john") && screen.contains("Johanna"),
        "{screen}"
    );
}

/// At a terminal the default format is `auto`: a table that fits the screen, else records.
#[tokio::test]
async fn a_result_wider_than_the_screen_prints_as_records() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let body = "a post long enough that its table cannot fit in sixty columns of screen";
    dir.run(&["-c", &format!("add post \"{body}\" by john")])
        .ok();
    let mut terminal = Terminal::new(&dir);
    terminal.setup = "stty cols 60 rows 40; ";
    let screen = terminal.converse(&[
        ("microblog> ", "posts\r"),
        ("microblog> ", "users\r"),
        ("microblog> ", "format table\r"),
        ("microblog> ", "posts\r"),
        ("microblog> ", "exit\r"),
    ]);
    let records = screen.matches("-[ RECORD 1 ]").count();
    assert_eq!(
        records, 1,
        "posts as a record, users (narrow) as a table: {screen}"
    );
    assert!(screen.contains(&format!("body      | {body}")), "{screen}");
    assert!(screen.contains("Format: table"), "{screen}");
    assert!(
        screen.contains("┆ john@example.com"),
        "users fit: a table: {screen}"
    );
}

/// `--vi` (or SHELL_EDIT_MODE=vi): vi's keys at the prompt. Typed `users`, then Esc, `0`
/// (start of line) and `i` to insert `count ` before it.
#[tokio::test]
async fn vi_keys_edit_the_line_with_the_flag_or_the_variable() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    for by_flag in [true, false] {
        let mut terminal = Terminal::new(&dir);
        if by_flag {
            terminal.args = "--vi".to_string();
        } else {
            terminal.env.push(("SHELL_EDIT_MODE", "vi".to_string()));
        }
        let screen = terminal.type_keys(&["users", "\x1b", "0", "icount ", "\r", "exit\r"]);
        assert!(
            screen.contains("1 user\r\n"),
            "by flag: {by_flag}: {screen}"
        );
    }
    // Without it, Esc then 0 is no movement: the line stays as typed plus what follows.
    let screen = Terminal::new(&dir).type_keys(&["users", "\x1b", "0", "icount ", "\r", "exit\r"]);
    assert!(!screen.contains("1 user\r\n"), "{screen}");
}

/// The sandbox says so in the banner and the prompt, and on leaving.
#[tokio::test]
async fn a_sandbox_at_the_prompt_says_so_and_keeps_nothing() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let mut terminal = Terminal::new(&dir);
    terminal.args = "--sandbox".to_string();
    let screen = terminal.converse(&[
        ("microblog (sandbox)> ", "delete user john\r"),
        ("microblog (sandbox)> ", "count users\r"),
        ("microblog (sandbox)> ", "exit\r"),
    ]);
    assert!(
        screen.contains("(sandbox: everything is rolled back when you leave)"),
        "{screen}"
    );
    assert!(screen.contains("0 users"), "{screen}");
    assert!(
        screen.contains("Sandbox: everything done in this session was rolled back"),
        "{screen}"
    );
    assert_eq!(query(&dir, "SELECT username FROM user").await, [["john"]]);
}

/// At a terminal, `sql` that deletes or changes every row, drops or empties a table, and `delete
/// user ... cascade` of several posts say what they will do and ask; `--yes` and scripts do not.
#[tokio::test]
async fn destructive_statements_say_what_they_do_and_ask_first() {
    let dir = TestDir::new();
    let seed = "add user john john@example.com\nadd user susan susan@example.com\n\
                add post one by john\nadd post two by john\nadd post three by susan\n";
    dir.pipe(&[], seed.as_bytes()).ok();
    let screen = Terminal::new(&dir).converse(&[
        ("microblog> ", "sql DELETE FROM post\r"),
        ("every row of post. Run it? [y/N] ", "n\r"),
        ("microblog> ", "sql UPDATE post SET body = 'x'\r"),
        ("every row of post. Run it? [y/N] ", "\r"),
        ("microblog> ", "sql DROP TABLE post\r"),
        ("Run it? [y/N] ", "no\r"),
        ("microblog> ", "delete user john cascade\r"),
        ("Delete user 'john' and their 2 posts? [y/N] ", "n\r"),
        ("microblog> ", "sql DELETE FROM post WHERE id = 3\r"),
        ("microblog> ", "delete user john cascade --yes\r"),
        ("microblog> ", "exit\r"),
    ]);
    assert_eq!(
        screen.matches("Cancelled: nothing was changed").count(),
        4,
        "{screen}"
    );
    assert!(screen.contains("DROP removes table post"), "{screen}");
    assert!(
        screen.contains("1 row affected"),
        "a WHERE: no question: {screen}"
    );
    assert!(screen.contains("Deleted user john and 2 posts"), "{screen}");
    assert_eq!(query(&dir, "SELECT username FROM user").await, [["susan"]]);
    // A script never asks.
    dir.run(&["-c", "sql DELETE FROM post"]).ok();
    assert!(query(&dir, "SELECT id FROM post").await.is_empty());
}

/// `watch 1 count users` runs again every second (another program's new user shows up), until
/// Ctrl-C; in a script it is refused, since it would never end.
#[tokio::test]
async fn watch_runs_a_read_again_until_ctrl_c() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let url = dir.sqlite_url("app.db");
    let writer = {
        let url = url.clone();
        let shell = env!("CARGO_BIN_EXE_shell");
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            let status = Command::new(shell)
                .args([
                    "--database-url",
                    &url,
                    "-c",
                    "add user susan susan@example.com",
                ])
                .env("SHELL_HISTORY", "/dev/null")
                .output()
                .unwrap();
            assert!(status.status.success());
        })
    };
    let screen = Terminal::new(&dir).converse(&[
        ("microblog> ", "watch 1 count users\r"),
        ("2 users", "\x03"),
        ("Stopped watching", "watch add user x x@example.com\r"),
        ("microblog> ", "exit\r"),
    ]);
    writer.join().unwrap();
    assert!(
        screen.matches("Every 1s: count users").count() >= 2,
        "{screen}"
    );
    assert!(
        screen.contains("1 user\r\n") && screen.contains("2 users"),
        "{screen}"
    );
    assert!(
        screen.contains("watch runs commands that only read"),
        "{screen}"
    );
    let script = dir.run(&["-c", "watch users"]);
    assert!(
        script.one_line_error().contains("watch runs at a terminal"),
        "{script:?}"
    );
}

/// A long import at the prompt shows its rows going by on stderr, then clears the line.
#[tokio::test]
async fn a_long_import_shows_its_progress_at_a_terminal() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let rows: String = std::iter::once("author,body\n".to_string())
        .chain((0..60_000).map(|i| format!("john,post {i}\n")))
        .collect();
    std::fs::write(dir.join("posts.csv"), rows).unwrap();
    let screen = Terminal::new(&dir).converse(&[
        ("microblog> ", "import posts posts.csv\r"),
        ("Imported 60000 posts", "exit\r"),
    ]);
    assert!(screen.contains(" rows, "), "a progress line: {screen}");
    assert_eq!(query(&dir, "SELECT count(*) FROM post").await, [["60000"]]);
}

/// A long listing on a server left early (the pager quit on its first screen): its connection is
/// closed rather than read to the end of the result, so the next command runs at once on a new
/// session instead of after the server has sent every remaining row.
#[tokio::test]
async fn a_listing_on_a_server_left_early_closes_its_connection() {
    use crate::util::backends::{Backend, TestDb};
    use sea_orm::ConnectionTrait;
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDb::migrated(backend) else {
            continue;
        };
        let (fill, session) = match backend {
            Backend::Postgres => (
                "INSERT INTO post (body, timestamp, user_id) SELECT 'post ' || i, \
                 timestamp '2026-01-01' + i * interval '1 second', 1 \
                 FROM generate_series(1, 400000) i",
                "sql SELECT 100000 + pg_backend_pid() AS session\r",
            ),
            _ => (
                "INSERT INTO post (body, timestamp, user_id) SELECT concat('post ', seq), \
                 timestamp '2026-01-01 00:00:00' + interval seq second, 1 FROM seq_1_to_400000",
                "sql SELECT 100000 + connection_id() AS session\r",
            ),
        };
        let conn = open(&db.url).await;
        conn.execute_unprepared(&format!(
            "INSERT INTO {} (username, email) VALUES ('john', 'john@example.com')",
            db.user_table()
        ))
        .await
        .unwrap();
        conn.execute_unprepared(fill).await.unwrap();
        let mut terminal = Terminal::new(&db.dir);
        terminal.args = format!("--database-url {} --format csv", db.url);
        terminal.env.push(("PAGER", "less".to_string()));
        terminal.setup = "stty rows 24 cols 100; ";
        let screen = terminal.converse(&[
            ("microblog> ", session),
            ("session\r\n", "posts\r"),
            ("post 399990", "q"),
            ("microblog> ", session),
            ("session\r\n", "exit\r"),
        ]);
        assert!(!screen.contains("post 1\r\n"), "{backend:?}: stopped early");
        let sessions: Vec<&str> = screen
            .lines()
            .filter(|l| l.len() > 4 && l.trim().chars().all(|c| c.is_ascii_digit()))
            .collect();
        assert_eq!(sessions.len(), 2, "{backend:?}: {sessions:?}");
        assert_ne!(
            sessions[0], sessions[1],
            "{backend:?}: the session of the listing left early was given back, not closed"
        );
    }
}

/// The live schema completes at the prompt: a later chapter's column after `where`, a table
/// after `rows of`, and a column added by another program while the shell runs.
#[tokio::test]
async fn columns_and_tables_beyond_the_entities_complete() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    dir.run(&[
        "-c",
        "sql ALTER TABLE user ADD COLUMN about_me VARCHAR(140)",
        "-c",
        "sql CREATE TABLE message (id INTEGER PRIMARY KEY, body VARCHAR(140))",
        "-c",
        "update user john set about_me = \"tab completed\"",
    ])
    .ok();
    let terminal = Terminal::new(&dir);
    let screen = terminal.converse(&[
        ("microblog> ", "users where abou\t is not null\r"),
        ("microblog> ", "rows of mes\t\r"),
        ("microblog> ", "exit\r"),
    ]);
    assert!(screen.contains("tab completed"), "{screen}");
    assert!(
        screen.contains("| id | body |") || screen.contains("id ┆ body"),
        "{screen}"
    );
}
