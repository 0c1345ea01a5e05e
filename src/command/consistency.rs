//! The grammar checked against itself: every form of every command parses from a sample line,
//! every alias means what its command means, every example parses, every command has help, and
//! completion offers at each point exactly words that the parser then accepts. It runs against a
//! database of the tutorial's chapter 8 (extra columns, `followers`, a `message` table), so the
//! forms on the live schema are walked too.

use super::clause::Clause;
use super::completion::{self, Lookup};
use super::grammar::{COMMANDS, CommandSpec, On, Part, Value};
use super::vocabulary::{Vocabulary, tests::chapter_8};
use super::{Command, EntityKind, ParseResult, help, migrate};

fn vocabulary() -> Vocabulary {
    chapter_8()
}

fn parse(line: &str) -> ParseResult<Option<Command>> {
    super::parse_in(line, &vocabulary())
}

/// A word of a sample line: typed text, and whether completion should offer it as a fixed word.
#[derive(Debug, Clone)]
enum Sample {
    Fixed(String),
    Value(Value),
    /// A number after `limit` or `offset`: typed, never completed.
    Number(&'static str),
}

fn sample_text(value: Value) -> String {
    match value {
        Value::User => "john".into(),
        Value::NewUsername => "susan".into(),
        Value::Email => "susan@example.com".into(),
        Value::Body => "\"hello world\"".into(),
        Value::PostId => "7".into(),
        Value::Topic => "posts".into(),
        Value::Statement => "SELECT 1".into(),
        Value::Path => "out.txt".into(),
        Value::Seconds => "5".into(),
        Value::Command => "posts of john".into(),
        Value::Table => "message".into(),
    }
}

/// Every way of filling these parts, as sample words.
fn samples(parts: &[Part]) -> Vec<Vec<Sample>> {
    let Some((part, after)) = parts.split_first() else {
        return vec![Vec::new()];
    };
    let heads: Vec<Vec<Sample>> = match part {
        Part::Keyword(word) => vec![vec![Sample::Fixed(word.to_string())]],
        Part::Entity { kinds, plural } => kinds
            .iter()
            .map(|k| {
                let word = if *plural { k.plural() } else { k.singular() };
                vec![Sample::Fixed(word.to_string())]
            })
            .collect(),
        Part::Choice(choice) => choice
            .words
            .iter()
            .map(|w| vec![Sample::Fixed(w.to_string())])
            .collect(),
        Part::Value { value, .. } => vec![vec![Sample::Value(*value)]],
        Part::Optional(inner) => {
            let mut heads = vec![Vec::new()];
            heads.extend(samples(std::slice::from_ref(*inner)));
            heads
        }
        Part::Paging => vec![
            Vec::new(),
            vec![
                Sample::Fixed("limit".into()),
                Sample::Number("5"),
                Sample::Fixed("offset".into()),
                Sample::Number("2"),
            ],
        ],
        Part::MigrateAction => migrate::sample_lines()
            .into_iter()
            .map(|words| words.into_iter().map(Sample::Fixed).collect())
            .collect(),
        Part::Clause {
            clause,
            on,
            required,
        } => {
            let mut heads = if *required { vec![] } else { vec![Vec::new()] };
            heads.push(clause_sample(*clause, *on));
            heads
        }
    };
    let tails = samples(after);
    let mut all = Vec::new();
    for head in &heads {
        for tail in &tails {
            all.push(head.iter().chain(tail).cloned().collect());
        }
    }
    all
}

/// A clause using most of the language: fields, operators, typed values, `not`, parentheses.
fn clause_sample(clause: Clause, on: On) -> Vec<Sample> {
    let fixed = |w: &str| Sample::Fixed(w.to_string());
    let mut words: Vec<Sample> = clause.keywords().iter().map(|w| fixed(w)).collect();
    const USER: On = On::Entity(EntityKind::User);
    const POST: On = On::Entity(EntityKind::Post);
    let rest: Vec<Sample> = match (clause, on) {
        (Clause::Where, USER) => vec![
            fixed("about_me"),
            fixed("is"),
            fixed("not"),
            fixed("null"),
            fixed("and"),
            fixed("followers"),
            fixed(">"),
            Sample::Number("3"),
            fixed("and"),
            fixed("username"),
            fixed("like"),
            Sample::Number("\"s%\""),
            fixed("and"),
            fixed("not"),
            fixed("("),
            fixed("posts"),
            fixed(">"),
            Sample::Number("3"),
            fixed("or"),
            fixed("password_hash"),
            fixed("is"),
            fixed("not"),
            fixed("null"),
            fixed(")"),
        ],
        (Clause::Where, POST) => vec![
            fixed("language"),
            fixed("="),
            Sample::Number("en"),
            fixed("and"),
            fixed("author"),
            fixed("="),
            Sample::Value(Value::User),
            fixed("and"),
            fixed("timestamp"),
            fixed("between"),
            Sample::Number("2024-01-01"),
            fixed("and"),
            Sample::Number("\"2024-02-01 12:00\""),
            fixed("or"),
            fixed("body"),
            fixed("starts"),
            fixed("with"),
            Sample::Number("hi"),
            fixed("or"),
            fixed("id"),
            fixed("in"),
            fixed("("),
            Sample::Number("1"),
            fixed(","),
            Sample::Number("3"),
            fixed(")"),
        ],
        (Clause::OrderBy, USER) => {
            vec![
                fixed("posts"),
                fixed("desc"),
                fixed(","),
                fixed("last_seen"),
                fixed(","),
                fixed("username"),
            ]
        }
        (Clause::OrderBy, POST) => {
            vec![
                fixed("author.username"),
                fixed(","),
                fixed("timestamp"),
                fixed("asc"),
            ]
        }
        (Clause::Set, USER) => {
            vec![
                fixed("email"),
                fixed("="),
                Sample::Number("a@example.com"),
                fixed(","),
                fixed("about_me"),
                fixed("="),
                Sample::Number("\"cats and dogs\""),
            ]
        }
        (Clause::With, USER) => vec![
            fixed("about_me"),
            fixed("="),
            Sample::Number("\"I like cats\""),
            fixed(","),
            fixed("last_seen"),
            fixed("="),
            Sample::Number("\"2024-01-02 03:04\""),
        ],
        (Clause::With, POST) => vec![fixed("language"), fixed("="), Sample::Number("en")],
        (Clause::Where, On::Table) => vec![
            fixed("sender_id"),
            fixed("="),
            Sample::Value(Value::User),
            fixed("and"),
            fixed("read"),
            fixed("="),
            Sample::Number("true"),
            fixed("and"),
            fixed("score"),
            fixed("between"),
            Sample::Number("1"),
            fixed("and"),
            Sample::Number("2.5"),
            fixed("or"),
            fixed("body"),
            fixed("contains"),
            Sample::Number("hi"),
        ],
        (Clause::OrderBy, On::Table) => vec![
            fixed("timestamp"),
            fixed("desc"),
            fixed(","),
            fixed("recipient_id"),
        ],
        (Clause::Set | Clause::With, On::Table) => vec![],
        (Clause::Set, POST) => vec![
            fixed("body"),
            fixed("="),
            Sample::Number("\"fixed typo\""),
            fixed(","),
            fixed("timestamp"),
            fixed("="),
            Sample::Number("2024-01-02"),
        ],
    };
    words.extend(rest);
    words
}

fn text(sample: &Sample) -> String {
    match sample {
        Sample::Fixed(word) => word.clone(),
        Sample::Value(value) => sample_text(*value),
        Sample::Number(n) => n.to_string(),
    }
}

fn lines_of(spec: &CommandSpec) -> Vec<Vec<Sample>> {
    spec.shown_forms().flat_map(|f| samples(f.parts)).collect()
}

fn joined(name: &str, words: &[Sample]) -> String {
    std::iter::once(name.to_string())
        .chain(words.iter().map(text))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Accepted so far: a command, or only more words wanted.
fn accepted(line: &str) -> bool {
    match parse(line) {
        Ok(Some(_)) => true,
        Ok(None) => false,
        Err(e) => e.message().starts_with("missing argument"),
    }
}

#[test]
fn every_form_parses_from_a_sample_line() {
    for spec in COMMANDS {
        let lines = lines_of(spec);
        assert!(!lines.is_empty(), "{} has no form", spec.name);
        for words in lines {
            let line = joined(spec.name, &words);
            assert!(
                matches!(parse(&line), Ok(Some(_))),
                "{line}: {:?}",
                parse(&line)
            );
        }
    }
}

#[test]
fn completion_offers_each_next_word_and_only_words_that_parse() {
    for spec in COMMANDS {
        for words in lines_of(spec) {
            for k in 0..=words.len() {
                let prefix = format!("{} ", joined(spec.name, &words[..k]));
                let expect = completion::analyze(&prefix, prefix.len(), &vocabulary()).expect;
                // What the sample has next is among what completion offers.
                match words.get(k) {
                    Some(Sample::Fixed(word)) => {
                        assert!(expect.words.contains(word), "{prefix}| {word}: {expect:?}")
                    }
                    Some(Sample::Value(Value::User)) => {
                        assert_eq!(expect.lookup, Some(Lookup::Username), "{prefix}|")
                    }
                    Some(Sample::Value(Value::PostId)) => {
                        assert_eq!(expect.lookup, Some(Lookup::PostId), "{prefix}|")
                    }
                    _ => {}
                }
                // And everything it offers is accepted there.
                for word in &expect.words {
                    let line = format!("{prefix}{word}");
                    assert!(accepted(&line), "{line}: {:?}", parse(&line));
                }
                let looked_up = match expect.lookup {
                    Some(Lookup::Username) => Some("john"),
                    Some(Lookup::PostId) => Some("7"),
                    None => None,
                };
                if let Some(value) = looked_up {
                    let line = format!("{prefix}{value}");
                    assert!(accepted(&line), "{line}: {:?}", parse(&line));
                }
            }
        }
    }
}

#[test]
fn every_command_word_is_completed_and_parses() {
    let expect = completion::expected(&[], &vocabulary());
    for spec in COMMANDS {
        assert!(expect.words.iter().any(|w| w == spec.name), "{}", spec.name);
        assert!(accepted(spec.name), "{}", spec.name);
    }
}

#[test]
fn every_alias_means_its_command() {
    for spec in COMMANDS {
        let example = parse(spec.examples[0]);
        let rest = spec.examples[0]
            .strip_prefix(spec.name)
            .unwrap_or_else(|| panic!("{}: the example starts with another word", spec.name));
        for alias in spec.aliases {
            assert_eq!(parse(&format!("{alias}{rest}")), example, "{alias}");
            assert_eq!(
                parse(&format!("{}{rest}", alias.to_uppercase())),
                example,
                "{alias}"
            );
        }
    }
}

#[test]
fn every_command_has_help_and_an_example_that_parses() {
    let overview = help::overview(&[]);
    for spec in COMMANDS {
        assert!(!spec.summary.is_empty(), "{}", spec.name);
        for example in spec.examples {
            assert!(
                matches!(parse(example), Ok(Some(_))),
                "{example}: {:?}",
                parse(example)
            );
        }
        for usage in spec.usage() {
            assert!(overview.contains(&usage), "{usage}");
        }
        for word in std::iter::once(&spec.name).chain(spec.aliases) {
            let page = help::topic(word, &vocabulary()).unwrap();
            for example in spec.examples {
                assert!(page.contains(example), "{word}");
            }
        }
    }
}

#[test]
fn entity_words_are_the_entities() {
    for kind in EntityKind::ALL {
        for word in [kind.singular(), kind.plural()] {
            assert!(accepted(&format!("describe {word}")));
            assert!(accepted(&format!("count {word}")));
        }
    }
}

/// Found by the fuzzer: `update` with a word that is no entity printed all four full usages,
/// over the 400 characters an error line may have. Error lines shorten clauses to their keywords.
#[test]
fn every_usage_line_in_an_error_stays_short() {
    for spec in COMMANDS {
        let line = spec.usage_line();
        assert!(line.chars().count() <= 240, "{}: {line}", spec.name);
        let unknown = parse(&format!("{} \u{1}{}", spec.name, "\u{1}".repeat(200)));
        if let Err(error) = unknown {
            assert!(error.message().chars().count() < 400, "{error}");
        }
    }
}
