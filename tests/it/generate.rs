//! `shell migrate generate --autogenerate` end to end, the way the tutorial's chapter 6 uses
//! `flask db migrate`: a copy of this workspace gets two new columns in its `user` entity; its
//! shell detects them (and a missing `post` table) against an up-to-date database and writes a
//! migration; the copy is rebuilt with that migration (so it compiles), which then applies on
//! every backend and makes `migrate check` pass, and reverts.
//!
//! The copy builds in its own target directory (`target/generate-test`) so the binary that the
//! other tests run is never replaced; the first run compiles the dependencies once.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::backends::{Backend, TestDb};
use crate::util::{Run, TestDir};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The workspace's sources (not its target, tests or git) in `dir/ws`.
fn copy_workspace(dir: &TestDir) -> PathBuf {
    let ws = dir.join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    for file in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(Path::new(ROOT).join(file), ws.join(file)).unwrap();
    }
    for sub in ["src", "migration"] {
        copy_dir(&Path::new(ROOT).join(sub), &ws.join(sub));
    }
    ws
}

/// Builds the copy's `shell` and returns its path; a compile error fails the test with rustc's
/// words.
fn build(ws: &Path) -> PathBuf {
    let target = Path::new(ROOT).join("target").join("generate-test");
    let output = Command::new(env!("CARGO"))
        .args(["build", "--locked", "--bin", "shell"])
        .current_dir(ws)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the copy does not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    target.join("debug").join("shell")
}

fn run(shell: &Path, ws: &Path, url: &str, args: &[&str]) -> Run {
    let output = Command::new(shell)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .current_dir(ws)
        .env_remove("DATABASE_URL")
        .env("SHELL_HISTORY", "/dev/null")
        .output()
        .unwrap();
    Run::from(output)
}

/// Chapter 6's new fields: `about_me` and `last_seen`, both optional.
fn add_profile_fields(ws: &Path) {
    let path = ws.join("src/entities/user.rs");
    let entity = std::fs::read_to_string(&path).unwrap();
    let anchor = "    pub password_hash: Option<String>,\n";
    assert!(entity.contains(anchor), "the user entity changed shape");
    let fields = "    #[sea_orm(column_type = \"String(StringLen::N(140))\", nullable)]\n    \
                  pub about_me: Option<String>,\n    pub last_seen: Option<DateTime>,\n";
    std::fs::write(&path, entity.replace(anchor, &format!("{anchor}{fields}"))).unwrap();
}

#[test]
fn a_generated_migration_compiles_applies_and_makes_check_pass() {
    let dir = TestDir::new();
    let ws = copy_workspace(&dir);
    add_profile_fields(&ws);
    let shell = build(&ws);
    let sqlite = format!("sqlite://{}?mode=rwc", ws.join("gen.db").display());

    // A database that has the users table and records every migration as applied: to the
    // entities it lacks the post table (with its key and indexes) and the two new columns.
    run(&shell, &ws, &sqlite, &["migrate", "up", "-n", "1"]).ok();
    run(&shell, &ws, &sqlite, &["migrate", "stamp", "--force"]).ok();
    let check = run(&shell, &ws, &sqlite, &["migrate", "check"]);
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(check.stdout.contains("Detected added table 'post'"));
    assert!(
        check
            .stdout
            .contains("Detected added column 'user.about_me' (varchar(140))")
    );
    assert!(
        check
            .stdout
            .contains("Detected added column 'user.last_seen' (datetime)")
    );

    let generated = run(
        &shell,
        &ws,
        &sqlite,
        &[
            "migrate",
            "generate",
            "-m",
            "new fields in user model",
            "--autogenerate",
        ],
    );
    let out = generated.ok();
    assert!(out.contains("Detected added table 'post'"), "{out}");
    assert!(
        out.contains("Detected added column 'user.about_me' (varchar(140))"),
        "{out}"
    );
    assert!(
        out.contains("Detected added column 'user.last_seen' (datetime)"),
        "{out}"
    );
    let file = out
        .lines()
        .find_map(|l| l.strip_prefix("Generated "))
        .and_then(|l| l.split(" (").next())
        .expect("names the file");
    let source = std::fs::read_to_string(ws.join(file)).unwrap();
    assert!(file.ends_with("_new_fields_in_user_model.rs"), "{file}");
    let (up, down) = source.split_once("async fn down").unwrap();
    assert!(
        up.contains(".add_column(") && !up.contains(".drop_column("),
        "{source}"
    );
    assert!(
        down.contains(".drop_column(") && !down.contains(".add_column("),
        "{source}"
    );
    assert!(up.contains(".create_table(") && up.contains(".foreign_key("));
    assert!(down.contains(".drop_table(") && !down.contains(".create_table("));
    let lib = std::fs::read_to_string(ws.join("migration/src/lib.rs")).unwrap();
    let name = Path::new(file).file_stem().unwrap().to_str().unwrap();
    assert!(
        lib.contains(&format!("mod {name};"))
            && lib.contains(&format!("Box::new({name}::Migration)"))
    );

    // Without --autogenerate: a skeleton that compiles and does nothing.
    let skeleton = run(
        &shell,
        &ws,
        &sqlite,
        &["migrate", "generate", "-m", "nothing yet"],
    );
    assert!(skeleton.ok().contains("_nothing_yet.rs"), "{skeleton:?}");

    let shell = build(&ws);
    let up = run(&shell, &ws, &sqlite, &["migrate", "up"]);
    assert!(
        up.ok()
            .contains("_new_fields_in_user_model (new fields in user model)"),
        "{up:?}"
    );
    let check = run(&shell, &ws, &sqlite, &["migrate", "check"]);
    assert!(
        check.ok().contains("No changes in schema detected"),
        "{check:?}"
    );
    // The new columns work through the shell's commands.
    run(
        &shell,
        &ws,
        &sqlite,
        &[
            "-c",
            "add user john john@example.com",
            "-c",
            "describe user",
        ],
    )
    .ok();

    // And down reverts them: the drift is back.
    run(&shell, &ws, &sqlite, &["migrate", "down", "-n", "2"]).ok();
    assert_eq!(
        run(&shell, &ws, &sqlite, &["migrate", "check"]).code,
        Some(1)
    );

    // The same migration on the servers, from the same starting point, until check passes.
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDb::create(backend) else {
            continue;
        };
        run(&shell, &ws, &db.url, &["migrate", "up", "-n", "1"]).ok();
        let stamp = ["migrate", "stamp", "author_timeline_index", "--force"];
        run(&shell, &ws, &db.url, &stamp).ok();
        run(&shell, &ws, &db.url, &["migrate", "up"]).ok();
        let check = run(&shell, &ws, &db.url, &["migrate", "check"]);
        assert!(
            check.ok().contains("No changes"),
            "{}: {check:?}",
            backend.name()
        );
        run(&shell, &ws, &db.url, &["migrate", "down", "-n", "2"]).ok();
        assert_eq!(
            run(&shell, &ws, &db.url, &["migrate", "check"]).code,
            Some(1)
        );
    }
}
