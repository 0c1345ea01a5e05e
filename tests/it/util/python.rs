//! A Python with the tutorial's packages (Flask, Flask-SQLAlchemy, Flask-Migrate, Flask-Login,
//! Werkzeug, and the psycopg2 and PyMySQL drivers), so that `cargo test` alone sets up what the
//! interoperability tests need: the system `python3` when it has them, else a virtualenv in `target/test-python`
//! that pip fills once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The tutorial's stack, and the drivers it uses for PostgreSQL and MySQL/MariaDB.
const PACKAGES: [&str; 7] = [
    "flask",
    "flask-sqlalchemy",
    "flask-migrate",
    "flask-login",
    "werkzeug",
    "psycopg2-binary",
    "pymysql",
];
const IMPORTS: &str = "import flask, flask_sqlalchemy, flask_migrate, flask_login, werkzeug.security, psycopg2, pymysql";

fn imports_work(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", IMPORTS])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn set_up() -> Result<PathBuf, String> {
    let system = PathBuf::from("python3");
    if imports_work(&system) {
        return Ok(system);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-python");
    let python = venv.join("bin/python3");
    if imports_work(&python) {
        return Ok(python);
    }
    let step = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr)))
        }
    };
    step(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    step(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(PACKAGES),
    )?;
    Ok(python)
}

/// The interpreter, or `None` (after a loud notice) when Python or PyPI cannot be had; under CI
/// (`CI=true`) that is a failure instead.
pub fn python() -> Option<PathBuf> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(set_up) {
        Ok(python) => Some(python.clone()),
        Err(why) => super::skipped(
            "PYTHON",
            "tool",
            &format!("no Python with {PACKAGES:?}: {why}"),
        ),
    }
}

/// Runs the Flask app's Python (`flask db upgrade`, a fill or read script) in `dir` on the
/// database at `flask_url` (SQLAlchemy's spelling; `None` for the app's default, `app.db` there),
/// with `env` set too; fails the test with Python's own words if it fails.
pub fn flask_step(
    dir: &super::TestDir,
    flask_url: Option<&str>,
    env: &[(&str, &str)],
    args: &[&str],
) -> String {
    let (succeeded, stdout, stderr) = flask_run(dir, flask_url, env, args);
    assert!(succeeded, "python3 {args:?}: {stderr}");
    stdout
}

/// The same, for a step that may fail: whether it succeeded, its stdout and its stderr.
pub fn flask_run(
    dir: &super::TestDir,
    flask_url: Option<&str>,
    env: &[(&str, &str)],
    args: &[&str],
) -> (bool, String, String) {
    let interpreter = python().expect("checked before the app is set up");
    let mut command = Command::new(interpreter);
    command
        .args(args)
        .current_dir(dir.path())
        .env("FLASK_APP", "app.py")
        .env_remove("DATABASE_URL");
    if let Some(url) = flask_url {
        command.env("DATABASE_URL", url);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
