//! The shell on the database a reader of the tutorial really has: made by the tutorial's models at
//! chapter 6 (`about_me`, `last_seen`), chapter 8 (`followers`) and the last chapter (messages,
//! notifications, tasks, tokens, `post.language`), through Flask-Migrate from PyPI
//! (tests/fixtures/flask_chapters), on SQLite, PostgreSQL and MariaDB. The shell reads and writes
//! the columns and tables it does not declare, follows and unfollows, deletes with cascade across
//! them, calls none of it drift; the app reads back what the shell wrote.

use std::path::Path;

use crate::util::backends::{Backend, TestDb};
use crate::util::python::{flask_run, flask_step, python};

/// The chapters a database is made at.
const CHAPTERS: [u32; 3] = [6, 8, 23];

/// A database of `chapter` on `backend`, made and filled by the app; `None` without Python (a
/// loud skip, or a failure under CI) or without the server.
fn chapter_database(backend: Backend, chapter: u32) -> Option<(TestDb, Option<String>)> {
    python()?;
    let db = TestDb::create(backend)?;
    let flask_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(db.url.replacen("postgres://", "postgresql+psycopg2://", 1)),
        Backend::MySql => Some(db.url.replacen("mysql://", "mysql+pymysql://", 1)),
    };
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flask_chapters");
    for file in ["app.py", "fill.py", "read.py", "api.py", "pages.py"] {
        std::fs::copy(fixture.join(file), db.dir.join(file)).unwrap();
    }
    let chapter_text = chapter.to_string();
    let env = [("CHAPTER", chapter_text.as_str())];
    let step = |args: &[&str]| flask_step(&db.dir, flask_url.as_deref(), &env, args);
    step(&["-m", "flask", "db", "init"]);
    step(&[
        "-m",
        "flask",
        "db",
        "migrate",
        "-m",
        "the tutorial's models",
    ]);
    step(&["-m", "flask", "db", "upgrade"]);
    step(&["fill.py"]);
    Some((db, flask_url))
}

/// What the app reads back (`read.py`): one fact a line.
fn app_reads(db: &TestDb, flask_url: Option<&str>, chapter: u32) -> String {
    let chapter = chapter.to_string();
    flask_step(&db.dir, flask_url, &[("CHAPTER", &chapter)], &["read.py"])
}

/// The one error line of a failed command (the database's start-up note aside: Flask-Migrate
/// manages it, and none of the shell's migrations is recorded).
fn error_of(run: &crate::util::Run) -> String {
    assert_eq!(run.code, Some(1), "{run:?}");
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| !l.starts_with("note: Flask-Migrate manages"))
        .collect();
    assert!(
        errors.len() == 1 && errors[0].starts_with("error: "),
        "{run:?}"
    );
    errors[0].to_string()
}

/// The second column of a CSV listing's rows (the usernames of `users`).
fn usernames(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1).map(str::to_string))
        .collect()
}

#[test]
fn every_chapter_is_read_and_written_on_every_backend() {
    for backend in Backend::ALL {
        for chapter in CHAPTERS {
            let Some((db, flask_url)) = chapter_database(backend, chapter) else {
                continue;
            };
            let at = format!("{} at chapter {chapter}", backend.name());
            let csv = |command: &str| db.run(&["--format", "csv", "-c", command]);

            // The columns a later chapter added are shown after the declared ones.
            let users = csv("users");
            let header = users.ok().lines().next().unwrap().to_string();
            let expected = match chapter {
                6 | 8 => "id,username,email,has_password,about_me,last_seen",
                _ => {
                    "id,username,email,has_password,about_me,last_seen,last_message_read_time,\
                     token,token_expiration"
                }
            };
            assert_eq!(header, expected, "{at}");
            assert!(
                users
                    .ok()
                    .contains("1,john,john@example.com,false,I write the posts,"),
                "{at}: {users:?}"
            );
            // They are fields of the query language, and `get` shows them.
            let with_about = csv("users where about_me is not null order by last_seen desc");
            assert_eq!(usernames(with_about.ok()), ["john"], "{at}");
            assert!(
                csv("get user john").ok().contains("I write the posts"),
                "{at}"
            );

            // `status` names the tutorial's chapter by its Alembic revision (these databases
            // were made by `flask db migrate`, under a revision of their own, then are moved to
            // the tutorial's own one), and says so of one it does not know.
            let status = db.run(&["migrate", "status"]);
            assert!(
                status
                    .ok()
                    .contains("not one of the tutorial's own revisions"),
                "{at}: {status:?}"
            );
            let tutorial = match chapter {
                6 => "37f06a334dbf",
                8 => "ae346256b650",
                _ => "834b1a697901",
            };
            let own = csv("sql SELECT version_num FROM alembic_version");
            let own = own.ok().lines().nth(1).unwrap().to_string();
            let set_revision = |revision: &str| {
                let sql = format!("sql UPDATE alembic_version SET version_num = '{revision}'");
                db.run(&["-c", &sql]).ok();
            };
            set_revision(tutorial);
            let status = db.run(&["migrate", "status"]);
            assert!(
                status.ok().contains(&format!(
                    "revision {tutorial}, the tutorial's chapter {chapter} schema"
                )),
                "{at}: {status:?}"
            );
            // Back to the revision its own migrations know, for `flask db` below.
            set_revision(&own);

            // The app's schema is not drift.
            let check = db.run(&["migrate", "check"]);
            assert_eq!(check.code, Some(0), "{at}: {check:?}");
            assert!(
                check
                    .stdout
                    .contains("Not declared by the shell (kept): column 'user.about_me'"),
                "{at}: {check:?}"
            );
            assert!(!check.stdout.contains("Detected"), "{at}: {check:?}");

            // `add` and `update` set them; the app reads them back.
            db.run(&[
                "-c",
                "add user ida ida@example.com with about_me = \"written by the shell\"",
                "-c",
                "update user david set about_me = \"changed by the shell\"",
            ])
            .ok();
            let read = app_reads(&db, flask_url.as_deref(), chapter);
            // `last_seen` filled as the app's model fills it (its API's to_dict reads it).
            assert!(
                read.contains("user ida about_me=written by the shell last_seen=datetime"),
                "{at}: {read}"
            );
            assert!(
                read.contains("user david about_me=changed by the shell"),
                "{at}: {read}"
            );
            if chapter == 23 {
                // The last chapter's API serves the user the shell added (its `to_dict` reads
                // `last_seen`, which the app's model fills on the Python side only); a user
                // added without it, as by raw SQL, is what made it fail.
                let chapter_text = chapter.to_string();
                let env = [("CHAPTER", chapter_text.as_str())];
                let api = || flask_step(&db.dir, flask_url.as_deref(), &env, &["api.py"]);
                let served = api();
                assert!(
                    served.starts_with("200\n") && served.contains("\nida\n"),
                    "{at}: {served}"
                );
                let user = db.user_table();
                db.run(&[
                    "-c",
                    &format!(
                        "sql INSERT INTO {user} (username, email) VALUES ('raw', 'raw@example.com')"
                    ),
                ])
                .ok();
                assert!(api().starts_with("500"), "{at}: the control case");
                db.run(&["-c", "delete user raw"]).ok();
                assert!(api().starts_with("200\n"), "{at}");
            }

            // The shell's own migrations leave the app's schema alone: stamped, then up, down
            // and up again, every table and column the app made is there with its rows, and
            // `generate --autogenerate` finds nothing to write (it would never drop them).
            let before = app_reads(&db, flask_url.as_deref(), chapter);
            for action in [&["stamp"][..], &["up"], &["down"], &["up"]] {
                let mut args = vec!["migrate"];
                args.extend_from_slice(action);
                db.run(&args).ok();
            }
            assert_eq!(
                app_reads(&db, flask_url.as_deref(), chapter),
                before,
                "{at}"
            );
            // The shell's traces (its migration table, its index) are kept out of Flask-Migrate's
            // sight by the `include_object` filter the README gives: `flask db check` is clean
            // with it, and without it would have the app's next migration drop them.
            let chapter_text = chapter.to_string();
            let check = |filter: &str| {
                let env = [("CHAPTER", chapter_text.as_str()), ("SHELL_FILTER", filter)];
                flask_run(
                    &db.dir,
                    flask_url.as_deref(),
                    &env,
                    &["-m", "flask", "db", "check"],
                )
            };
            let (clean, out, err) = check("1");
            assert!(clean, "{at}: {out}{err}");
            let (clean, _, err) = check("0");
            assert!(
                !clean && err.contains("Detected removed table 'seaql_migrations'"),
                "{at}: {err}"
            );
            // Further down, and reset, refresh and fresh, would drop what the app made: refused
            // in one line naming the tables and their rows, nothing done.
            for action in [
                &["down", "-n", "3"][..],
                &["reset", "--yes"],
                &["refresh", "--yes"],
                &["fresh", "--yes"],
            ] {
                let mut args = vec!["migrate"];
                args.extend_from_slice(action);
                let refused = db.run(&args);
                let error = error_of(&refused);
                let named = match action[0] {
                    "fresh" => "post (2 rows)",
                    _ => "the Flask app made tables post (2 rows) and user (4 rows)",
                };
                assert!(error.contains(named), "{at}: {action:?}: {error}");
                assert!(error.contains("add --drop-app-tables"), "{at}: {error}");
                assert!(!error.contains("--force"), "{at}: {error}");
            }
            assert_eq!(
                app_reads(&db, flask_url.as_deref(), chapter),
                before,
                "{at}"
            );
            assert!(
                db.run(&["migrate", "status"])
                    .ok()
                    .contains("3 applied, 0 pending"),
                "{at}"
            );
            let check = db.run(&["migrate", "check"]);
            assert!(
                check.ok().contains("the database matches the entities"),
                "{at}: {check:?}"
            );
            let crate_copy = db.dir.join("migration");
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migration/src");
            std::fs::create_dir_all(crate_copy.join("src")).unwrap();
            for entry in std::fs::read_dir(&source).unwrap() {
                let entry = entry.unwrap();
                std::fs::copy(entry.path(), crate_copy.join("src").join(entry.file_name()))
                    .unwrap();
            }
            let files = || std::fs::read_dir(crate_copy.join("src")).unwrap().count();
            let before = files();
            let generated = db.run(&[
                "migrate",
                "generate",
                "-m",
                "what the app has",
                "--autogenerate",
                "--migration-dir",
                crate_copy.to_str().unwrap(),
            ]);
            assert_eq!(
                generated.ok(),
                "No changes in schema detected: no migration written\n",
                "{at}"
            );
            assert_eq!(files(), before, "{at}");

            if chapter == 6 {
                // No followers table: the relation's commands say so in one line.
                let refused = db.run(&["-c", "followers of john"]);
                assert!(error_of(&refused).contains("no followers table"), "{at}");
                let refused = db.run(&["-c", "delete user susan"]);
                assert!(
                    error_of(&refused).contains("has 1 post"),
                    "{at}: {refused:?}"
                );
                continue;
            }

            // The tutorial's followers table is a relation between users.
            assert_eq!(
                usernames(csv("followers of susan order by username").ok()),
                ["david", "john"],
                "{at}"
            );
            assert_eq!(usernames(csv("following of susan").ok()), ["john"], "{at}");
            db.run(&["-c", "follow david by ida", "-c", "unfollow susan by david"])
                .ok();
            for (command, error) in [
                ("follow david by ida", "ida already follows david"),
                ("follow ida by IDA", "cannot follow themselves"),
                ("unfollow john by ida", "ida does not follow john"),
                ("follow nobody by ida", "there is no user \"nobody\""),
            ] {
                let refused = db.run(&["-c", command]);
                assert!(
                    error_of(&refused).contains(error),
                    "{at}: {command}: {refused:?}"
                );
            }
            let read = app_reads(&db, flask_url.as_deref(), chapter);
            assert!(read.contains("follows ida david"), "{at}: {read}");
            assert!(!read.contains("follows david susan"), "{at}: {read}");
            assert_eq!(
                usernames(csv("users where followers > 0 order by username").ok()),
                ["david", "john", "susan"],
                "{at}"
            );
            assert!(
                csv("count followers of susan").ok().ends_with("\n1\n"),
                "{at}"
            );

            // Tables beyond the entities are listed, read and counted; `context` shows them too.
            let context = db.run(&["-c", "context"]);
            assert!(
                context.ok().contains("tables beyond the entities:")
                    && context.stdout.contains("| followers "),
                "{at}: {context:?}"
            );
            let tables = csv("tables");
            assert!(
                tables
                    .ok()
                    .contains("followers,table,\"follower_id, followed_id\""),
                "{at}: {tables:?}"
            );
            assert!(
                csv("rows of followers for ida")
                    .ok()
                    .starts_with("follower_id,followed_id\n"),
                "{at}"
            );
            if chapter == 23 {
                let messages = csv("rows of message for john");
                assert!(
                    messages.ok().contains(",2,1,hi john,"),
                    "{at}: {messages:?}"
                );
                assert_eq!(
                    csv("count rows of task where complete = false and user_id = susan").ok(),
                    "count\n1\n",
                    "{at}"
                );
                assert!(
                    csv("posts where language is null").ok().lines().count() == 3,
                    "{at}"
                );
            }

            // A user whose rows other tables hold: refused, naming each, until cascade.
            let refused = db.run(&["-c", "delete user susan"]);
            let error = error_of(&refused);
            let held = match chapter {
                8 => "1 post and 2 rows of followers",
                _ => {
                    "1 post, 2 rows of followers, 1 row of message, 1 row of notification and 1 \
                     row of task"
                }
            };
            assert!(error.contains(held), "{at}: {error}");
            assert!(csv("get user susan").ok().contains("susan"), "{at}");
            let deleted = db.run(&["-c", "delete user susan cascade"]);
            assert_eq!(
                deleted.ok(),
                format!("Deleted user susan, {held}\n"),
                "{at}"
            );
            let read = app_reads(&db, flask_url.as_deref(), chapter);
            assert!(!read.contains("susan"), "{at}: {read}");
            assert!(read.contains("rows followers 1"), "{at}: {read}");
            if chapter == 23 {
                for table in ["message", "notification", "task"] {
                    assert!(read.contains(&format!("rows {table} 0")), "{at}: {read}");
                }
            }
        }
    }
}

/// The app's pages (`pages.py`) for a login as `username` with `password`: one fact a line.
fn app_pages(
    db: &TestDb,
    flask_url: Option<&str>,
    chapter: u32,
    login: (&str, &str),
    paths: &[&str],
) -> String {
    let chapter = chapter.to_string();
    let mut args = vec!["pages.py", login.0, login.1];
    args.extend_from_slice(paths);
    flask_step(&db.dir, flask_url, &[("CHAPTER", &chapter)], &args)
}

/// The lines of `pages` that show a post.
fn posts_shown(pages: &str) -> Vec<&str> {
    pages.lines().filter(|l| l.starts_with("post ")).collect()
}

#[test]
fn the_apps_pages_serve_what_the_shell_wrote() {
    for backend in Backend::ALL {
        for chapter in CHAPTERS {
            let Some((db, flask_url)) = chapter_database(backend, chapter) else {
                continue;
            };
            let at = format!("{} at chapter {chapter}", backend.name());
            let flask_url = flask_url.as_deref();
            // A user with a password, about_me and a post, following susan, all by the shell;
            // HTML in what they wrote is the app's to escape.
            let mut script = String::from(
                "add user zoe zoe@example.com with about_me = \"<b>shell</b> & co\"\n\
                 set password zoe\nsesame street\n\
                 add post \"zoe's <i>first</i> post\" by zoe\n",
            );
            if chapter >= 8 {
                script.push_str("follow susan by zoe\n");
            }
            db.pipe(&[], &script).ok();
            let post = db.run(&["--format", "csv", "-c", "posts of zoe"]);
            let timestamp = post.ok().lines().nth(1).unwrap().split(',').nth(1).unwrap();
            // Flask-Moment's form of the shell's timestamp: the app read it back as a datetime.
            let moment = format!("{}Z", timestamp[..19].replacen(' ', "T", 1));

            let mut paths = vec!["/user/zoe"];
            if chapter >= 8 {
                paths.push("/index");
            }
            if chapter >= 23 {
                paths.push("/explore");
            }
            let pages = app_pages(&db, flask_url, chapter, ("zoe", "sesame street"), &paths);
            let lines: Vec<&str> = pages.lines().collect();
            let zoes = format!("post zoe | {moment} | zoe's <i>first</i> post");
            assert_eq!(lines[..2], ["302 login", "200 /user/zoe"], "{at}: {pages}");
            assert!(lines.contains(&"about <b>shell</b> & co"), "{at}: {pages}");
            assert!(lines.contains(&zoes.as_str()), "{at}: {pages}");
            // The app's own write at login (`last_seen`), in a form the page shows and the
            // shell reads.
            assert!(
                lines.iter().any(|l| l.starts_with("seen 20")),
                "{at}: {pages}"
            );
            let seen = db.run(&[
                "--format",
                "csv",
                "-c",
                "users where username = zoe and last_seen is not null",
            ]);
            assert_eq!(usernames(seen.ok()), ["zoe"], "{at}");
            if chapter >= 8 {
                assert!(
                    lines.contains(&"counts 0 followers, 1 following."),
                    "{at}: {pages}"
                );
                // Home: zoe's own post and susan's, whom the shell made zoe follow; not john's.
                let home = pages.split("200 /index\n").nth(1).unwrap();
                let home = home.split("200 /explore").next().unwrap();
                // (In either order: MariaDB's DATETIME, as SQLAlchemy makes it there, keeps whole
                // seconds, and the two may share one.)
                let shown = posts_shown(home);
                assert_eq!(shown.len(), 2, "{at}: {home}");
                assert!(shown.contains(&zoes.as_str()), "{at}: {home}");
                assert!(
                    shown.iter().any(|l| l.ends_with("| hello from susan")),
                    "{at}: {home}"
                );
            }
            if chapter >= 23 {
                let explore = pages.split("200 /explore\n").nth(1).unwrap();
                assert_eq!(posts_shown(explore).len(), 3, "{at}: {explore}");
            }
            // The password is the app's to check: a wrong one is refused.
            let wrong = app_pages(&db, flask_url, chapter, ("zoe", "sesame"), &[]);
            assert_eq!(wrong, "401 login\n", "{at}");

            // The app's own rows, served before and after the shell hands the database over
            // and applies its migrations: the same posts, to the microsecond the app wrote.
            let johns = || {
                let pages = app_pages(
                    &db,
                    flask_url,
                    chapter,
                    ("zoe", "sesame street"),
                    &["/user/john"],
                );
                posts_shown(&pages)
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
            };
            let before = johns();
            assert_eq!(
                before,
                ["post john | 2026-01-02T03:04:05Z | my first post!"],
                "{at}"
            );
            db.run(&["migrate", "stamp"]).ok();
            db.run(&["migrate", "up"]).ok();
            db.run(&["-c", "update post 1 set body = \"my first post, edited\""])
                .ok();
            assert_eq!(
                johns(),
                ["post john | 2026-01-02T03:04:05Z | my first post, edited"],
                "{at}"
            );
        }
    }
}
