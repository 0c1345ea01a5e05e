//! Property tests: whatever a user or a file feeds the command parser (arbitrary text, invalid UTF-8,
//! NUL bytes, lone quotes, 1 MB lines), it never panics, and it answers with a command or one clear,
//! short line of error.

use microblog_shell::command::query::{Field, Operator};
use microblog_shell::command::{EntityKind, Vocabulary, completion, grammar, parse};
use microblog_shell::repl::input::{Input, Read, ScriptInput};
use proptest::prelude::*;

/// The error contract: one line, not empty, short whatever the input's size.
fn assert_clear(line: &str) {
    match parse(line) {
        Ok(_) => {}
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            assert!(!message.contains('\n'), "{message:?}");
            assert!(
                message.chars().count() < 400,
                "{} characters",
                message.chars().count()
            );
        }
    }
}

/// Every word the grammar knows: command names and aliases, and every word completion offers
/// after each of them, so new commands and clauses are explored without being listed here.
fn grammar_words() -> Vec<String> {
    let mut words = Vec::new();
    for spec in grammar::COMMANDS {
        words.push(spec.name.to_string());
        words.extend(spec.aliases.iter().map(|a| a.to_string()));
        words.extend(completion::expected(&[spec.name.to_string()], &Vocabulary::default()).words);
        for form in spec.forms {
            for part in form.parts {
                words.extend(part.shown().split(['|', ' ', '[', ']']).map(str::to_string));
            }
        }
    }
    // The query language's own words: every field and operator, and its punctuation.
    for entity in EntityKind::ALL {
        words.extend(Field::names(entity, &Vocabulary::default()));
    }
    for operator in Operator::all() {
        words.extend(operator.words().iter().map(|w| w.to_string()));
    }
    words.extend(["and", "or", "not", "(", ")", ",", "asc", "desc", "--yes"].map(String::from));
    words.sort();
    words.dedup();
    words
}

/// Pieces that make inputs look like commands, so the parser's deeper paths get exercised.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(grammar_words()),
        Just("add".to_string()),
        Just("user".to_string()),
        Just("post".to_string()),
        Just("posts".to_string()),
        Just("of".to_string()),
        Just("by".to_string()),
        Just("get".to_string()),
        Just("delete".to_string()),
        Just("cascade".to_string()),
        Just("limit".to_string()),
        Just("offset".to_string()),
        Just("count".to_string()),
        Just("migrate".to_string()),
        Just("-n".to_string()),
        Just("sql".to_string()),
        Just("help".to_string()),
        Just("format".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("\\".to_string()),
        Just("\0".to_string()),
        Just("#".to_string()),
        Just(" ".to_string()),
        Just("\t".to_string()),
        "[0-9]{1,25}",
        "20[0-9]{2}-[0-1][0-9]-[0-3][0-9]( [0-2][0-9]:[0-5][0-9](:[0-9]{2})?)?",
        "-?[0-9]{1,3}",
        "[a-zA-Z@._]{0,10}",
        any::<String>(),
    ]
}

proptest! {
    // Failures are shown shrunk; the cases found so far are unit tests in src/command.
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(line in any::<String>()) {
        assert_clear(&line);
    }

    /// Queries: a listing, count, update or delete, then clause words, fields, operators, values.
    #[test]
    fn query_like_text_never_panics(
        head in prop::sample::select(vec!["users where", "posts where", "count posts where",
            "update posts where", "delete users where", "posts of john where", "users order by",
            "update user john set", "update post 1 set"]),
        parts in prop::collection::vec(fragment(), 0..16),
        glue in "[ (),\"']{1,2}",
    ) {
        assert_clear(&format!("{head} {}", parts.join(&glue)));
    }

    #[test]
    fn command_like_text_never_panics(parts in prop::collection::vec(fragment(), 0..12), glue in "[ \"']{1,2}") {
        assert_clear(&parts.join(&glue));
    }

    /// Completion and hints read the grammar on every keystroke: any text, the cursor anywhere.
    #[test]
    fn completion_and_hints_never_panic(parts in prop::collection::vec(fragment(), 0..10), glue in "[ \"']{1,2}") {
        let line = parts.join(&glue);
        for (pos, _) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
            let slot = completion::analyze(&line, pos, &Vocabulary::default());
            prop_assert!(slot.start <= pos);
            let _ = completion::usage_hint(&line[..pos]);
        }
    }

    #[test]
    fn arbitrary_bytes_through_the_script_reader_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut input = ScriptInput::new(bytes.as_slice());
        loop {
            match input.read("") {
                Ok(Read::Line(line)) => assert_clear(&line),
                Ok(_) => break,
                Err(e) => {
                    let message = e.to_string();
                    prop_assert!(message.starts_with(&format!("line {}: ", input.line_number())), "{}", message);
                    break;
                }
            }
        }
    }
}

#[test]
fn one_megabyte_lines_get_an_answer() {
    let mb = "x".repeat(1 << 20);
    for line in [
        mb.clone(),
        format!("add post \"{mb}\" by john"),
        format!("add post \"{mb}"),
        format!("add user {mb} a@example.com"),
        format!("get post {}", "9".repeat(1 << 20)),
        format!("users limit {}", "9".repeat(1 << 20)),
        "'".repeat(1 << 20),
        "\"".repeat(1 << 20),
        "\\".repeat(1 << 20),
    ] {
        assert!(parse(&line).is_err(), "{}", &line[..20]);
        assert_clear(&line);
    }
    assert!(matches!(parse(&format!("sql SELECT '{mb}'")), Ok(Some(_))));
    let help = microblog_shell::command::help::topic(&mb, &Vocabulary::default())
        .unwrap_err()
        .to_string();
    assert!(
        help.starts_with("no help for \"xxxx") && help.len() < 100,
        "{help}"
    );
}
