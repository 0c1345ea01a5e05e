//! The prompt as people really use it: lines typed while a command runs, and blocks pasted (a
//! terminal brackets a paste between `ESC [200~` and `ESC [201~`), each run once, in order, shown
//! after the prompt and remembered as if typed. The binary runs in a pseudo-terminal (`script`,
//! as in `interactive`); the database is checked afterwards.

use crate::interactive::{Terminal, add_user_lines, add_users, query};
use crate::util::TestDir;

/// A bracketed paste of `lines`, each ended by a newline.
fn paste(lines: &[&str]) -> String {
    let mut text = String::from("\x1b[200~");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str("\x1b[201~");
    text
}

async fn usernames(dir: &TestDir) -> Vec<String> {
    query(dir, "SELECT username FROM user ORDER BY id")
        .await
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
}

fn migrated() -> TestDir {
    let dir = TestDir::new();
    dir.run(&["migrate", "up"]).ok();
    dir
}

#[tokio::test]
async fn lines_typed_while_a_command_runs_all_run_in_order() {
    let dir = migrated();
    // A statement that takes a while, then three lines typed at once while it runs.
    let slow = "sql WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000) \
                SELECT count(*) FROM n\r";
    let screen = Terminal::new(&dir).type_keys(&[
        slow,
        "add user ida ida@example.com\radd user jon jon@example.com\radd user kit kit@example.com\r",
        "exit\r",
    ]);
    assert_eq!(usernames(&dir).await, ["ida", "jon", "kit"], "{screen}");
    for name in ["ida", "jon", "kit"] {
        assert!(
            screen.contains(&format!("microblog> add user {name} {name}@example.com")),
            "each shown after the prompt: {screen}"
        );
    }
    assert!(screen.contains("2000000"), "{screen}");
}

#[tokio::test]
async fn a_pasted_block_runs_line_by_line_and_each_is_remembered() {
    let dir = migrated();
    let block = paste(&[
        "add user a1 a1@example.com",
        "add user a2 a2@example.com",
        "bogus words here",
        "add user a3 a3@example.com",
        "count users",
    ]);
    let screen = Terminal::new(&dir).type_keys(&[&block, "exit\r"]);
    // A failing line says so, with its text shown after the prompt; the rest runs.
    assert_eq!(usernames(&dir).await, ["a1", "a2", "a3"], "{screen}");
    assert!(screen.contains("microblog> bogus words here"), "{screen}");
    assert!(screen.contains("error: "), "{screen}");
    let shown_at = |text: &str| {
        screen
            .find(text)
            .unwrap_or_else(|| panic!("{text}: {screen}"))
    };
    assert!(shown_at("microblog> add user a2") < shown_at("Added user a2"));
    assert!(shown_at("Added user a2") < shown_at("microblog> add user a3"));
    assert!(screen.contains("3 users"), "{screen}");
    let history = std::fs::read_to_string(dir.join("history")).unwrap();
    for line in [
        "add user a1 a1@example.com",
        "add user a3 a3@example.com",
        "count users",
    ] {
        assert!(
            history.lines().any(|l| l == line),
            "{line:?} its own entry: {history}"
        );
    }
}

#[tokio::test]
async fn a_paste_without_a_last_newline_stays_to_be_edited_and_one_into_a_line_joins_it() {
    let dir = migrated();
    let screen = Terminal::new(&dir).type_keys(&[
        // Ends without a newline: the last line waits in the editor and is finished by typing.
        "\x1b[200~add user b1 b1@example.com\nadd user b2\x1b[201~",
        " b2@example.com\r",
        // Pasted into a line being typed: its first line ends the typed one.
        "add user ",
        &paste(&["b3 b3@example.com", "count users"]),
        "exit\r",
    ]);
    assert_eq!(usernames(&dir).await, ["b1", "b2", "b3"], "{screen}");
    assert!(screen.contains("3 users"), "{screen}");
}

#[tokio::test]
async fn nothing_in_a_paste_is_a_key_or_reaches_the_terminal() {
    let dir = migrated();
    dir.run(&["-c", "add user old old@example.com"]).ok();
    // An arrow key (which would recall `add user old`), a title change, a screen clear, Ctrl-C and
    // Ctrl-D, inside the paste.
    let block = "\x1b[200~add user d1 d1@example.com\x1b[A\x1b]0;pwned\x07\x1b[2J\x03\x04\nadd user d2 d2@example.com\n\x1b[201~";
    let mut terminal = Terminal::new(&dir);
    terminal.env.push(("NO_COLOR", "1".to_string()));
    let raw = terminal.type_keys_raw(&[block, "exit\r"]);
    assert_eq!(usernames(&dir).await, ["old", "d1", "d2"], "{raw}");
    let emails = query(&dir, "SELECT email FROM user WHERE username = 'd1'").await;
    assert_eq!(emails, [["d1@example.com"]]);
    assert!(
        !raw.contains("pwned"),
        "never echoed for the terminal to run: {raw:?}"
    );
    assert!(!raw.contains("\x1b[2J"), "{raw:?}");
}

#[tokio::test]
async fn a_question_takes_the_next_pasted_line_and_the_rest_runs_after() {
    let dir = migrated();
    dir.run(&["-c", "add user john john@example.com"]).ok();
    let screen = Terminal::new(&dir).type_keys(&[
        &paste(&[
            "add post",
            "a body from the clipboard",
            "john",
            "add post \"another\" by john",
            "count posts",
        ]),
        "set password john\r",
        &paste(&["pasted secret"]),
        "pasted secret\r",
        &paste(&["delete posts where author = john", "y", "count posts"]),
        "exit\r",
    ]);
    assert!(screen.contains("Added post 1 by john"), "{screen}");
    assert!(screen.contains("2 posts"), "{screen}");
    // The pasted `y` answered the question; the line after it ran as a command.
    assert!(screen.contains("Delete 2 posts? [y/N]"), "{screen}");
    assert!(screen.contains("Deleted 2 posts"), "{screen}");
    assert!(screen.contains("0 posts"), "{screen}");
    let bodies = query(&dir, "SELECT count(*) FROM post").await;
    assert_eq!(bodies, [["0"]]);
    assert!(
        !screen.contains("pasted secret"),
        "a password is never shown: {screen}"
    );
    let check = dir.pipe(&[], b"check password john\npasted secret\n");
    assert!(
        check.ok().contains("Password is correct for john"),
        "{check:?}"
    );
}

#[tokio::test]
async fn ctrl_c_drops_the_rest_of_a_long_paste_and_says_how_many_lines() {
    let dir = migrated();
    let lines = add_user_lines(5000);
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let block = paste(&refs);
    let screen = Terminal::new(&dir).type_keys(&[&block, "\x03", "count users\r", "exit\r"]);
    let added = usernames(&dir).await;
    let said = screen
        .lines()
        .find_map(|l| l.strip_prefix("Ctrl-C: "))
        .unwrap_or_else(|| panic!("no Ctrl-C line: {screen}"));
    let dropped: usize = said.split(' ').next().unwrap().parse().unwrap();
    assert!(
        said.ends_with("typed or pasted ahead were not run"),
        "{said}"
    );
    assert!(
        dropped > 0 && !added.is_empty(),
        "{said}, {} added",
        added.len()
    );
    // Every line ran once, in order, or was said not to run: none lost, none twice.
    let expected: Vec<String> = (0..added.len()).map(|i| format!("u{i}")).collect();
    assert_eq!(added, expected);
    assert!(
        added.len() + dropped == 5000 || added.len() + dropped == 4999,
        "{} added, {dropped} dropped",
        added.len()
    );
    assert!(
        screen.contains(&format!("{} users", added.len())),
        "{screen}"
    );
}

#[tokio::test]
async fn a_pager_that_reads_the_terminal_gets_its_keys_and_the_prompt_the_rest() {
    let dir = migrated();
    add_users(&dir, 30);
    let mut terminal = Terminal::new(&dir);
    terminal.setup = "stty rows 20 cols 100; ";
    // A pager that reads a line from the terminal itself, as `less` reads its keys.
    terminal.env.push((
        "PAGER",
        "sh -c 'cat > paged.txt; read answer < /dev/tty; echo \"$answer\" > key.txt'".to_string(),
    ));
    let screen = terminal.type_keys(&["users\r", "for the pager\r", "count users\r", "exit\r"]);
    let key = std::fs::read_to_string(dir.join("key.txt")).expect("the pager read its key");
    assert_eq!(key, "for the pager\n", "{screen}");
    assert!(screen.contains("30 users"), "{screen}");
    assert!(!screen.contains("unknown command"), "{screen}");
}
