//! The shell at a terminal: the binary runs in a pseudo-terminal made by util-linux's `script`, and the
//! test types into it (Enter is `\r`, Ctrl-C is `\x03`, Ctrl-D is `\x04`).

mod util;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use util::{TestDir, open, rows};

/// Types each key sequence after a pause (the line editor reads them as a person's keystrokes) and
/// returns everything the terminal showed.
fn type_into_terminal(dir: &TestDir, keys: &[&str]) -> String {
    let mut child = Command::new("script")
        .args(["-qfec", env!("CARGO_BIN_EXE_shell"), "/dev/null"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs the shell in a pseudo-terminal");
    let mut stdin = child.stdin.take().unwrap();
    for key in keys {
        std::thread::sleep(Duration::from_millis(300));
        // After `exit` the terminal is gone and later keys go nowhere, as they would for a person.
        let _ = stdin.write_all(key.as_bytes()).and_then(|()| stdin.flush());
    }
    std::thread::sleep(Duration::from_millis(500));
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn banner_prompt_ctrl_c_and_ctrl_d_with_an_open_transaction() {
    let dir = TestDir::new();
    let screen = type_into_terminal(
        &dir,
        &[
            "begin\r",
            "add user john john@example.com\r",
            "this line is abandoned\x03",
            "count users\r",
            "\x04",
        ],
    );
    assert!(
        screen.contains("Created sqlite://app.db and applied 2 migrations"),
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
    let db = open(&dir.sqlite_url("app.db")).await;
    assert_eq!(rows(&db, "SELECT count(*) FROM user").await, [["0"]]);
}

#[tokio::test]
async fn exit_leaves_and_errors_do_not_end_the_session() {
    let dir = TestDir::new();
    let screen = type_into_terminal(
        &dir,
        &[
            "gte user 1\r",
            "add user john john@example.com\r",
            "exit\r",
            "add user late late@example.com\r",
        ],
    );
    assert!(
        screen.contains("error: unknown command \"gte\": did you mean \"get\"?"),
        "{screen}"
    );
    assert!(screen.contains("Added user john (id 1)"), "{screen}");
    let db = open(&dir.sqlite_url("app.db")).await;
    assert_eq!(rows(&db, "SELECT username FROM user").await, [["john"]]);
}
