//! `shell migrate generate --autogenerate` end to end, the way the tutorial's chapter 6 uses
//! `flask db migrate`: a copy of this workspace gets two new columns in its `user` entity; its
//! shell detects them (and a missing `post` table) against an up-to-date database and writes a
//! migration; the copy is rebuilt with that migration (so it compiles), which then applies on
//! every backend and makes `migrate check` pass, and reverts.
//!
//! Two people's migrations the same way: two branches of a copy each generate one, git merges
//! them, and the merged shell finds them, refuses to run them until they are put in order, and
//! runs them once they are; a shell without them finds the database ahead of it.
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
    for file in ["Cargo.toml", "Cargo.lock", ".gitattributes"] {
        std::fs::copy(Path::new(ROOT).join(file), ws.join(file)).unwrap();
    }
    for sub in ["src", "migration", "examples"] {
        copy_dir(&Path::new(ROOT).join(sub), &ws.join(sub));
    }
    ws
}

/// Builds the copy's `shell` and returns the path of a copy of the binary, in the copy (the
/// tests here share one target directory: the next build replaces what it holds). A compile error
/// fails the test with rustc's words.
fn build(ws: &Path) -> PathBuf {
    static BUILDS: std::sync::Mutex<u32> = std::sync::Mutex::new(0);
    let mut builds = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    *builds += 1;
    // Cargo keeps one build of each crate here, whatever copy it came from, and takes it as fresh
    // when its sources are older than that build: another copy's build may be newer than this
    // copy's edits. The sources are made newer than every build so far.
    touch_sources(ws);
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
    let binary = ws.join(format!("shell-{}", *builds));
    std::fs::copy(target.join("debug").join("shell"), &binary).unwrap();
    binary
}

fn touch_sources(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            touch_sources(&path);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "toml") {
            std::fs::File::options()
                .append(true)
                .open(&path)
                .and_then(|f| f.set_modified(std::time::SystemTime::now()))
                .unwrap();
        }
    }
}

fn run(shell: &Path, ws: &Path, url: &str, args: &[&str]) -> Run {
    let mut command = Command::new(shell);
    command
        .arg("--database-url")
        .arg(url)
        .args(args)
        .current_dir(ws)
        .env_remove("DATABASE_URL")
        .env("SHELL_HISTORY", "/dev/null");
    // The binary was just copied: a process another test forked while the copy was open for
    // writing holds that handle until it execs, and until then exec here fails with "Text file
    // busy" (ETXTBSY). It passes in moments: wait for it, for at most ten seconds.
    for _ in 0..500 {
        match command.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            output => return Run::from(output.unwrap()),
        }
    }
    Run::from(command.output().unwrap())
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
    let sqlite = format!("sqlite:///{}?mode=rwc", ws.join("gen.db").display());

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

fn git(ws: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .current_dir(ws)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Generates an empty migration in the copy and returns its name.
fn generate(shell: &Path, ws: &Path, url: &str, message: &str) -> String {
    let out = run(shell, ws, url, &["migrate", "generate", "-m", message]);
    let out = out.ok();
    let file = out
        .lines()
        .find_map(|l| l.strip_prefix("Generated "))
        .and_then(|l| l.split(" (").next())
        .expect("names the file");
    Path::new(file)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn two_branches_migrations_are_found_after_the_merge_and_run_once_put_in_order() {
    let dir = TestDir::new();
    let ws = copy_workspace(&dir);
    let ours = Path::new(env!("CARGO_BIN_EXE_shell"));
    let scratch = format!("sqlite:///{}?mode=rwc", dir.join("scratch.db").display());
    git(&ws, &["init", "-q", "-b", "main"]);
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-q", "-m", "the shell"]);
    let head = "m20261125_000001_author_timeline_index";

    git(&ws, &["checkout", "-q", "-b", "alice"]);
    let alice = generate(ours, &ws, &scratch, "alice adds about me");
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-q", "-m", "alice"]);
    git(&ws, &["checkout", "-q", "main"]);
    git(&ws, &["checkout", "-q", "-b", "bob"]);
    let bob = generate(ours, &ws, &scratch, "bob adds last seen");
    git(&ws, &["add", "-A"]);
    git(&ws, &["commit", "-q", "-m", "bob"]);
    let bob_file = ws.join(format!("migration/src/{bob}.rs"));
    assert!(
        std::fs::read_to_string(&bob_file)
            .unwrap()
            .contains(&format!("WRITTEN_AFTER: Option<&str> = Some(\"{head}\")")),
        "each file names the migration it was written after"
    );
    // The lists in lib.rs merge by keeping both sides' lines (.gitattributes).
    git(&ws, &["checkout", "-q", "alice"]);
    git(&ws, &["merge", "-q", "--no-edit", "bob"]);
    let lib = std::fs::read_to_string(ws.join("migration/src/lib.rs")).unwrap();
    for name in [&alice, &bob] {
        assert_eq!(
            lib.matches(name.as_str()).count(),
            3,
            "{name} in each list: {lib}"
        );
    }
    let both = format!("{alice} and {bob} were all written after {head}");

    // Generating on top of the merge would make it worse: refused, nothing written.
    let third = run(ours, &ws, &scratch, &["migrate", "generate", "-m", "third"]);
    assert!(
        third.one_line_error().contains(&both) && third.stderr.contains("no migration written"),
        "{third:?}"
    );
    assert_eq!(
        std::fs::read_to_string(ws.join("migration/src/lib.rs")).unwrap(),
        lib
    );

    // The merged shell: status and check say so in one line, up runs nothing.
    let merged = build(&ws);
    let db = format!("sqlite:///{}?mode=rwc", dir.join("team.db").display());
    let status = run(&merged, &ws, &db, &["migrate", "status"]);
    assert!(status.ok().contains(&both), "{status:?}");
    let check = run(&merged, &ws, &db, &["migrate", "check"]);
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(check.stdout.contains(&both), "{check:?}");
    let up = run(&merged, &ws, &db, &["migrate", "up"]);
    assert!(up.one_line_error().contains(&both), "{up:?}");
    let sql = run(&merged, &ws, &db, &["migrate", "up", "--sql", "base:head"]);
    assert!(sql.one_line_error().contains(&both), "{sql:?}");
    let status = run(&merged, &ws, &db, &["migrate", "status"]);
    assert!(status.ok().contains("0 applied, 5 pending"), "{status:?}");

    // Put in order as the line says: bob's after alice's.
    let source = std::fs::read_to_string(&bob_file).unwrap();
    std::fs::write(
        &bob_file,
        source.replace(&format!("Some(\"{head}\")"), &format!("Some(\"{alice}\")")),
    )
    .unwrap();
    let fixed = build(&ws);
    let up = run(&fixed, &ws, &db, &["migrate", "up"]);
    let applied = up.ok();
    assert!(
        applied.find(&alice).unwrap() < applied.find(&bob).unwrap(),
        "{applied}"
    );
    let check = run(&fixed, &ws, &db, &["migrate", "check"]);
    assert!(check.ok().contains("No changes"), "{check:?}");

    // A shell built without their migrations finds the database ahead of it.
    let ahead = format!("{alice} is applied in this database but this shell does not have it");
    let status = run(ours, &ws, &db, &["migrate", "status"]);
    let listed = status.ok();
    assert!(
        listed.contains(&ahead) && listed.contains(&format!("{bob} is applied")),
        "{listed}"
    );
    let up = run(ours, &ws, &db, &["migrate", "up"]);
    assert!(up.one_line_error().contains(&ahead), "{up:?}");
    let down = run(ours, &ws, &db, &["migrate", "down"]);
    assert!(down.one_line_error().contains(&ahead), "{down:?}");
    // Its commands still work, with a warning.
    let count = run(ours, &ws, &db, &["-c", "count users"]);
    assert_eq!(count.ok(), "0 users\n");
    assert!(count.stderr.contains(&ahead), "{count:?}");
}
