//! `output FILE` and `--output FILE` (psql's `\o`): results to a file, messages for people on the
//! screen, an existing file never overwritten by accident.

use crate::util::TestDir;

#[test]
fn results_go_to_the_file_and_messages_stay_on_the_screen() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let run = dir.pipe(
        &["--continue-on-error"],
        b"output users.txt\nusers\ncount users\nadd user susan susan@example.com\noutput\nposts\n\
          output users.txt\noutput users.txt --append\nusers where id = 2\noutput users.txt --force\n\
          count posts\n",
    );
    let file = std::fs::read_to_string(dir.join("users.txt")).unwrap();
    // Replaced by --force at the end: only what came after it.
    assert_eq!(file, "0 posts\n", "{run:?}");
    assert!(
        run.stdout
            .contains("Output goes to users.txt until output alone"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("Added user susan (id 2)"),
        "messages on the screen: {run:?}"
    );
    assert!(
        run.stdout.contains("Output back to the screen\n+----+"),
        "{run:?}"
    );
    assert!(
        !run.stdout.contains("john@example.com"),
        "the listing went to the file: {run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert!(
        run.stderr
            .contains("\"users.txt\" exists: add --append to add to it, or --force"),
        "{run:?}"
    );
}

#[test]
fn append_adds_and_machine_formats_stay_valid_in_the_file() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    dir.pipe(&[], b"format csv\noutput u.csv\nusers\n").ok();
    dir.pipe(&[], b"format csv\noutput u.csv --append\nusers\n")
        .ok();
    let csv = std::fs::read_to_string(dir.join("u.csv")).unwrap();
    assert_eq!(
        csv,
        "id,username,email,has_password\n1,john,john@example.com,false\n".repeat(2)
    );
    dir.pipe(&[], b"format json\noutput u.json\nusers\n").ok();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("u.json")).unwrap()).unwrap();
    assert_eq!(json[0]["username"], "john");
}

#[test]
fn the_command_line_flag_writes_a_new_file_only() {
    let dir = TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let run = dir.run(&[
        "--output",
        "out.txt",
        "-c",
        "users",
        "-c",
        "timing on",
        "-c",
        "count users",
    ]);
    assert!(run.ok().contains("Timing is on"), "{run:?}");
    assert!(
        run.ok().contains("Time: "),
        "timing stays on the screen: {run:?}"
    );
    let file = std::fs::read_to_string(dir.join("out.txt")).unwrap();
    assert!(
        file.contains("john@example.com") && file.ends_with("1 user\n"),
        "{file}"
    );
    let again = dir.run(&["--output", "out.txt", "-c", "users"]);
    assert!(
        again.one_line_error().contains("cannot write \"out.txt\""),
        "{again:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out.txt")).unwrap(),
        file,
        "untouched"
    );
}

/// `echo sql on` and `--echo-sql`: each statement before what it produced, with its values; in
/// machine formats on stderr, so stdout stays one document. `explain`: the database's plan.
#[test]
fn echo_sql_and_explain_on_every_backend() {
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        db.pipe(
            &[],
            "add user john john@example.com\nadd post hello by john\n",
        )
        .ok();
        let run = db.pipe(
            &[],
            "echo sql on\nposts of john\necho sql off\ncount users\n",
        );
        let out = run.ok();
        let select = out.find("SQL: SELECT").expect(out);
        assert!(
            select < out.find("hello").unwrap(),
            "{name}: the statement before its rows: {out}"
        );
        assert!(
            out.contains("'john'"),
            "{name}: with its bound value: {out}"
        );
        assert_eq!(
            out.matches("SQL: ").count(),
            1,
            "{name}: the page (its author found inside it), then off: {out}"
        );
        let json = db.run(&["--echo-sql", "--format", "json", "-c", "users"]);
        let rows: serde_json::Value = serde_json::from_str(json.ok()).unwrap();
        assert_eq!(rows[0]["username"], "john", "{name}");
        assert!(json.stderr.contains("SQL: SELECT"), "{name}: {json:?}");

        let plan = db.run(&["-c", "explain posts of john"]).ok().to_string();
        let expected = match db.backend {
            crate::util::backends::Backend::Sqlite => "ix_post_user_id_timestamp",
            crate::util::backends::Backend::Postgres => "QUERY PLAN",
            crate::util::backends::Backend::MySql => "possible_keys",
        };
        assert!(plan.contains(expected), "{name}: {plan}");
        let refused = db.run(&["-c", "explain delete post 1"]);
        assert!(refused.one_line_error().contains("only read"), "{name}");
        assert_eq!(db.run(&["-c", "count posts"]).ok(), "1 post\n", "{name}");
    }
}

/// `import`: what `--format csv|json` exported goes into a fresh database as the same rows, on
/// every backend; a bad row stops the import with nothing in (its line and field named), unless
/// `--continue-on-error`, which imports the good ones and lists the bad.
#[test]
fn import_round_trips_and_is_all_or_nothing_on_every_backend() {
    let source = crate::util::TestDir::new();
    source.run(&["migrate", "up"]).ok();
    source
        .pipe(
            &[],
            b"add user john john@example.com\nadd user susan susan@example.com\n\
              add post \"hello, \\\"world\\\"\" by john\nadd post \"line\\nbreak\" by susan\n\
              update post 2 set timestamp = \"2024-01-02 03:04:05\"\n\
              update post 1 set timestamp = 2024-01-01\n",
        )
        .ok();
    // Whole seconds: MariaDB's DATETIME (the tutorial's schema there) keeps no fractions.
    let export = |format: &str, what: &str| {
        source
            .run(&["--format", format, "-c", what])
            .ok()
            .to_string()
    };
    for format in ["csv", "json"] {
        std::fs::write(
            source.join(&format!("users.{format}")),
            export(format, "users"),
        )
        .unwrap();
        std::fs::write(
            source.join(&format!("posts.{format}")),
            export(format, "posts"),
        )
        .unwrap();
    }
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        for format in ["csv", "json"] {
            if format == "json" {
                db.run(&["-c", "delete users where id > 0 cascade"]).ok();
            }
            let users = source.join(&format!("users.{format}"));
            let posts = source.join(&format!("posts.{format}"));
            let run = db.run(&[
                "-c",
                &format!("import users {}", users.display()),
                "-c",
                &format!("import posts {}", posts.display()),
            ]);
            assert!(
                run.ok().contains("Imported 2 posts"),
                "{name} {format}: {run:?}"
            );
            for what in ["users", "posts"] {
                let here = db.run(&["--format", "csv", "-c", what]).ok().to_string();
                assert_eq!(here, export("csv", what), "{name} {format}: {what}");
            }
        }
        // New rows after an import get new ids (PostgreSQL's sequence follows the imported ids).
        assert!(
            db.run(&["-c", "add user anna anna@example.com"])
                .ok()
                .contains("(id 3)"),
            "{name}"
        );

        let bad = db.dir.join("bad.csv");
        std::fs::write(
            &bad,
            "username,email\nok1,ok1@example.com\nJOHN,x@example.com\nok2,not-an-email\n",
        )
        .unwrap();
        let refused = db.run(&["-c", &format!("import users {}", bad.display())]);
        let line = refused.one_line_error().to_string();
        assert!(
            line.contains(
                "bad.csv line 3, username: \"JOHN\" is already taken: nothing was imported"
            ),
            "{name}: {line}"
        );
        assert_eq!(
            db.run(&["-c", "count users"]).ok(),
            "3 users\n",
            "{name}: all or nothing"
        );
        let partial = db.run(&[
            "-c",
            &format!("import users {} --continue-on-error", bad.display()),
        ]);
        assert_eq!(partial.code, Some(1), "{name}");
        assert!(
            partial.stdout.contains("Imported 1 user") && partial.stdout.contains("2 refused"),
            "{name}: {partial:?}"
        );
        assert!(
            partial.stdout.contains("line 4, email:"),
            "{name}: {partial:?}"
        );
        assert_eq!(db.run(&["-c", "count users"]).ok(), "4 users\n", "{name}");
    }
}

/// An import's author that cannot be found is refused with the words a command would have for
/// it, on every backend: an unknown name, an unknown `user_id` (by id, not as a name), and, on a
/// Flask-made SQLite file holding `ann` and `Ann`, a name matching both, never guessed between.
/// Authors are looked up once each in the import's own transaction (on SQLite, on its
/// connection borrowed on the shell's thread).
#[test]
fn an_import_names_each_author_it_cannot_find_on_every_backend() {
    for db in crate::util::backends::each_backend_migrated() {
        let name = db.backend.name();
        db.run(&["-c", "add user ann ann@example.com"]).ok();
        let csv = db.dir.join("authors.csv");
        std::fs::write(
            &csv,
            "body,author,user_id\nfine,ann,\nlost,bob,\nlost by id,,99\nagain,bob,\nalso fine,,1\n",
        )
        .unwrap();
        let import = format!("import posts {}", csv.display());
        let refused = db.run(&["-c", &import]);
        assert_eq!(
            refused.one_line_error(),
            format!(
                "error: line 1: {} line 3, author: there is no user \"bob\": nothing was imported",
                csv.display()
            ),
            "{name}"
        );
        let partial = db.run(&["-c", &format!("{import} --continue-on-error")]);
        assert_eq!(partial.code, Some(1), "{name}: {partial:?}");
        for expected in [
            "Imported 2 posts".to_string(),
            "3 refused:".to_string(),
            format!("{} line 3, author: there is no user \"bob\"", csv.display()),
            format!(
                "{} line 4, user_id: there is no user with id 99",
                csv.display()
            ),
            format!("{} line 5, author: there is no user \"bob\"", csv.display()),
        ] {
            assert!(
                partial.stdout.contains(&expected),
                "{name}: {expected}: {partial:?}"
            );
        }
        assert_eq!(
            db.run(&["-c", "count posts of ann"]).ok(),
            "2 posts\n",
            "{name}"
        );
    }

    let dir = crate::util::TestDir::new();
    dir.run(&["-c", "add user ann ann@example.com"]).ok();
    crate::hostile::python_sqlite(
        &dir,
        "db.execute(\"INSERT INTO user (username, email) VALUES ('Ann', 'big.ann@example.com')\")",
    );
    std::fs::write(dir.join("twins.csv"), "body,author\nwhose,ANN\nmine,Ann\n").unwrap();
    let partial = dir.run(&["-c", "import posts twins.csv --continue-on-error"]);
    assert!(
        partial.stdout.contains(
            "twins.csv line 2, author: \"ANN\" matches ann (id 1) and Ann (id 2): type the exact \
             name or the id"
        ) && partial.stdout.contains("Imported 1 post"),
        "{partial:?}"
    );
    assert_eq!(dir.run(&["-c", "count posts of Ann"]).ok(), "1 post\n");
}

/// Found by trying a spreadsheet's export: a CSV file that starts with a byte-order mark.
#[test]
fn a_csv_file_with_a_byte_order_mark_imports() {
    let dir = crate::util::TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    std::fs::write(
        dir.join("u.csv"),
        "\u{feff}username,email\r\njohn,john@example.com\r\n",
    )
    .unwrap();
    assert_eq!(
        dir.run(&["-c", "import users u.csv"]).ok(),
        "Imported 1 user from u.csv\n"
    );
}

/// Found by writing to a full device: the error came twice (the command's and the last flush's).
#[test]
fn an_output_file_that_cannot_be_written_is_one_error() {
    let dir = crate::util::TestDir::new();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let seed: String = (0..3000)
        .map(|i| format!("add post \"post {i}\" by john\n"))
        .collect();
    dir.pipe(&["--single-transaction"], seed.as_bytes()).ok();
    for script in [
        "output /dev/full --append\nusers\noutput\ncount users\n",
        "output /dev/full --append\nposts\ncount users\n",
        "output /dev/full --append\ncount users\n",
    ] {
        let run = dir.pipe(&[], script.as_bytes());
        assert_eq!(run.code, Some(1), "{script}: {run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{script}: {run:?}");
        assert!(
            run.stderr.contains("No space left on device"),
            "{script}: {run:?}"
        );
    }
}
