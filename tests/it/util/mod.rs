//! The integration-test harness: a temporary directory to run the real `shell` binary in, and helpers
//! that read back what the binary wrote through a separate connection.

pub mod backends;
pub mod cluster;
pub mod python;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// A fresh directory per test, with the SQLite database `app.db` inside it by default.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> Self {
        TestDir {
            dir: tempfile::Builder::new()
                .prefix("shell-test-")
                .tempdir()
                .unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The URL of an SQLite file in this directory.
    pub fn sqlite_url(&self, name: &str) -> String {
        format!("sqlite:///{}", self.join(name).display())
    }

    /// The `shell` binary, run in this directory with no `DATABASE_URL` from the test's environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_shell"));
        cmd.args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            // Never the developer's own history file.
            .env("SHELL_HISTORY", self.join("history"))
            .env_remove("PAGER")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// The binary started with its stdin, stdout and stderr on pipes.
    pub fn spawn_piped(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Runs the binary with `script` piped into its stdin. The script is written from a thread
    /// while the output is read, so a long one never blocks on a full pipe.
    pub fn pipe(&self, args: &[&str], script: &[u8]) -> Run {
        let mut child = self.spawn_piped(args);
        let mut stdin = child.stdin.take().unwrap();
        let script = script.to_vec();
        // The shell may stop reading early (an error ends a script): a broken pipe is expected.
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&script);
        });
        let output = child.wait_with_output().unwrap();
        let _ = writer.join();
        Run::from(output)
    }

    /// Runs the binary on the database at `url`.
    pub fn run_on(&self, url: &str, args: &[&str]) -> Run {
        let mut all = vec!["--database-url", url];
        all.extend_from_slice(args);
        self.run(&all)
    }
}

/// What one run of the binary printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            code: o.status.code(),
        }
    }
}

impl Run {
    /// Asserts a clean exit and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, Some(0), "expected success, got {self:#?}");
        &self.stdout
    }

    /// The same, beside the start-up's `note:` and `warning:` lines.
    pub fn one_line_error_after_notes(&self) -> &str {
        assert_eq!(self.code, Some(1), "expected exit 1, got {self:#?}");
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.starts_with("note: ") && !l.starts_with("warning: "))
            .collect();
        assert_eq!(lines.len(), 1, "expected one error line, got {self:#?}");
        assert!(lines[0].starts_with("error: "), "{self:#?}");
        lines[0]
    }

    /// Asserts a failure with exit 1 and exactly one `error: ` line on stderr, and returns that line.
    pub fn one_line_error(&self) -> &str {
        assert_eq!(self.code, Some(1), "expected exit 1, got {self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one line on stderr, got {self:#?}");
        assert!(lines[0].starts_with("error: "), "{self:#?}");
        lines[0]
    }
}

/// A part of the suite that cannot run here: `None` after a notice written past the harness's
/// capture (so it shows even when the test passes); under CI (`CI=true`) a failure instead.
/// `what` names the tests (`PYTHON`), `missing` what is missing (`server`, `tool`).
pub fn skipped<T>(what: &str, missing: &str, message: &str) -> Option<T> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message} (CI=true: a missing {missing} is a failure)");
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIPPED {what} TESTS: {message} !!!!!\n"
    );
    None
}

/// A second connection to the database, to check what the binary really wrote.
pub async fn open(url: &str) -> DatabaseConnection {
    Database::connect(url).await.unwrap()
}

/// The first column of a query's rows, on a connection of its own, closed afterwards.
pub async fn first_column(url: &str, sql: &str) -> Vec<String> {
    let conn = open(url).await;
    let values = rows(&conn, sql)
        .await
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    conn.close().await.unwrap();
    values
}

/// The rows of a query, each column read as text (NULL as "NULL").
pub async fn rows(db: &DatabaseConnection, sql: &str) -> Vec<Vec<String>> {
    let backend = db.get_database_backend();
    let result = db
        .query_all_raw(Statement::from_string(backend, sql.to_string()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    result
        .iter()
        // By position: a query may repeat a column name.
        .map(|row| {
            (0..row.column_names().len())
                .map(|i| text(row, i))
                .collect()
        })
        .collect()
}

fn text(row: &sea_orm::QueryResult, i: usize) -> String {
    if let Ok(v) = row.try_get_by_index::<Option<String>>(i) {
        return v.unwrap_or_else(|| "NULL".into());
    }
    if let Ok(v) = row.try_get_by_index::<Option<i64>>(i) {
        return v.map_or("NULL".into(), |v| v.to_string());
    }
    if let Ok(v) = row.try_get_by_index::<Option<i32>>(i) {
        return v.map_or("NULL".into(), |v| v.to_string());
    }
    if let Ok(v) = row.try_get_by_index::<Option<bool>>(i) {
        return v.map_or("NULL".into(), |v| v.to_string());
    }
    if let Ok(v) = row.try_get_by_index::<Option<chrono::NaiveDateTime>>(i) {
        return v.map_or("NULL".into(), |v| {
            v.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
        });
    }
    panic!("column {i}: not readable as text, integer, boolean or timestamp")
}

/// A shell reading a script from a pipe that the test writes to line by line, with its output lines
/// (stdout and stderr) arriving on a channel as they are printed.
pub struct LiveShell {
    pub child: Child,
    pub stdin: ChildStdin,
    lines: Receiver<String>,
}

impl LiveShell {
    pub fn start(dir: &TestDir, args: &[&str]) -> LiveShell {
        let mut child = dir.spawn_piped(args);
        let (tx, lines) = channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let stdin = child.stdin.take().unwrap();
        LiveShell {
            child,
            stdin,
            lines,
        }
    }

    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next output line (waits up to 20 seconds).
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the shell printed nothing")
    }

    /// The next output line if one has arrived; `Disconnected` once the shell has exited and
    /// every line was taken.
    pub fn try_next_line(&self) -> Result<String, std::sync::mpsc::TryRecvError> {
        self.lines.try_recv()
    }

    pub fn finish(self) -> Option<i32> {
        drop(self.stdin);
        let mut child = self.child;
        child.wait().unwrap().code()
    }
}
