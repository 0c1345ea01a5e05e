//! A line matched against the grammar. Words are split as a shell would (`"..."`, `'...'`,
//! backslash escapes) by `lexer`; keywords are case-insensitive; query clauses are read by `clause`. Every form of the command is
//! tried; the first that matches builds the command, and when none does, the form that got
//! furthest explains why, with the command's usage.

use super::clause::{self, Clause, ClauseError, ClauseValue, Token, Wanted};
use super::error::{ParseError, ParseResult, alternatives, quoted};
use super::grammar::{self, Captured, Captures, CommandSpec, Form, On, PAGING, Part, Value};
use super::lexer::{self, Word};
use super::migrate::{self, MigrateWordsError};
use super::query::Subject;
use super::vocabulary::Vocabulary;
use super::{Command, Page, UserRef, validate};

/// Parses one line against the entities alone (chapter 4's schema). `Ok(None)` for a blank line
/// or a `#` comment.
pub fn parse(line: &str) -> ParseResult<Option<Command>> {
    parse_in(line, &Vocabulary::default())
}

/// Parses one line; the fields and tables beyond the entities are those of `vocabulary`.
pub fn parse_in(line: &str, vocabulary: &Vocabulary) -> ParseResult<Option<Command>> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    // A command that takes the rest of the line verbatim (SQL has its own quoting) is not split.
    let (first, rest) = split_first_word(trimmed);
    if let Some(spec) = grammar::find(first)
        && spec.takes_raw_line()
    {
        let statement = rest.trim().trim_end_matches(';').trim();
        if statement.is_empty() {
            return Err(missing(spec));
        }
        return build_first(
            spec,
            vec![Captured::Text(statement.to_string())],
            vocabulary,
        )
        .map(Some);
    }
    let words = lexer::split(trimmed).map_err(|_| {
        ParseError::new("unterminated quote: close it with the same quote character it opened with")
    })?;
    let Some((word, rest)) = words.split_first() else {
        return Ok(None);
    };
    // The word as typed first: an alias such as `\q` is not a shell escape.
    let Some(spec) = grammar::find(first).or_else(|| grammar::find(&word.text)) else {
        return Err(unknown(&word.text));
    };
    if spec.takes_raw_line() {
        // Only reached when the word itself was quoted or escaped: the plain form returned above.
        return Err(ParseError::new(format!(
            "{name} takes the rest of the line as typed: write the word {name} plainly, without \
             quotes or backslashes",
            name = spec.name
        )));
    }
    match_forms(spec, rest, vocabulary).map(Some)
}

/// A number is an id; anything else is a username (checked like one).
pub fn user_ref(word: &str) -> ParseResult<UserRef> {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(UserRef::Id(validate::id("user", word)?));
    }
    validate::username(word)?;
    Ok(UserRef::Username(word.to_string()))
}

fn build_first(
    spec: &CommandSpec,
    values: Vec<Captured>,
    vocabulary: &Vocabulary,
) -> ParseResult<Command> {
    let form = spec.forms.first().ok_or_else(|| missing(spec))?;
    (form.build)(&mut Captures::new(values, vocabulary))
}

fn split_first_word(line: &str) -> (&str, &str) {
    let end = line.find(char::is_whitespace).unwrap_or(line.len());
    (&line[..end], &line[end..])
}

fn unknown(word: &str) -> ParseError {
    match grammar::nearest(word) {
        Some(name) => ParseError::new(format!(
            "unknown command {}: did you mean {name:?}? (type help)",
            quoted(word)
        )),
        None => ParseError::new(format!(
            "unknown command {}: type help for the list of commands",
            quoted(word)
        )),
    }
}

fn missing(spec: &CommandSpec) -> ParseError {
    ParseError::new(format!("missing argument: {}", spec.usage_line()))
}

/// Why a form did not match, and how far into the words it got.
struct Miss {
    at: usize,
    why: Why,
}

enum Why {
    Missing,
    Expected {
        keyword: &'static str,
        found: String,
    },
    UnknownEntity(String),
    Unexpected(String),
    Invalid(ParseError),
    /// A clause that stopped short: what it still needs.
    Incomplete(String),
}

fn match_forms(
    spec: &CommandSpec,
    words: &[Word],
    vocabulary: &Vocabulary,
) -> ParseResult<Command> {
    let mut best: Option<Miss> = None;
    for form in spec.forms {
        match match_form(form, words, vocabulary) {
            Ok(values) => return (form.build)(&mut Captures::new(values, vocabulary)),
            Err(miss) => {
                if best.as_ref().is_none_or(|b| miss.at > b.at) {
                    best = Some(miss);
                }
            }
        }
    }
    let why = best.map_or(Why::Missing, |m| m.why);
    let usage = spec.usage_line();
    Err(match why {
        Why::Missing => missing(spec),
        Why::Expected { keyword, found } => ParseError::new(format!(
            "expected {keyword:?} but found {}: {usage}",
            quoted(&found)
        )),
        Why::UnknownEntity(found) => ParseError::new(format!(
            "unknown entity {}: use user or post; {usage}",
            quoted(&found)
        )),
        Why::Unexpected(found) => {
            ParseError::new(format!("unexpected {}: {usage}", quoted(&found)))
        }
        Why::Invalid(error) => error,
        Why::Incomplete(what) => ParseError::new(format!("missing argument: {what}")),
    })
}

/// The words, consumed left to right by a form's parts.
struct Cursor<'a> {
    words: &'a [Word],
    at: usize,
    values: Vec<Captured>,
    vocabulary: &'a Vocabulary,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&str> {
        self.words.get(self.at).map(|w| w.text.as_str())
    }

    fn miss(&self, why: Why) -> Miss {
        Miss { at: self.at, why }
    }
}

fn match_form(form: &Form, words: &[Word], vocabulary: &Vocabulary) -> Result<Vec<Captured>, Miss> {
    let mut cursor = Cursor {
        words,
        at: 0,
        values: Vec::new(),
        vocabulary,
    };
    for part in form.parts {
        match_part(part, &mut cursor)?;
    }
    match cursor.peek() {
        None => Ok(cursor.values),
        Some(extra) => Err(cursor.miss(Why::Unexpected(extra.to_string()))),
    }
}

fn match_part(part: &Part, cursor: &mut Cursor) -> Result<(), Miss> {
    match part {
        Part::Keyword(keyword) => match cursor.peek() {
            None => Err(cursor.miss(Why::Missing)),
            Some(word) if word.eq_ignore_ascii_case(keyword) => {
                cursor.at += 1;
                Ok(())
            }
            Some(word) => Err(cursor.miss(Why::Expected {
                keyword,
                found: word.to_string(),
            })),
        },
        Part::Entity { kinds, .. } => {
            let Some(word) = cursor.peek() else {
                return Err(cursor.miss(Why::Missing));
            };
            match kinds.iter().find(|k| k.is_named(word)) {
                Some(kind) => {
                    cursor.values.push(Captured::Entity(*kind));
                    cursor.at += 1;
                    Ok(())
                }
                None => Err(cursor.miss(Why::UnknownEntity(word.to_string()))),
            }
        }
        Part::Value { value, .. } => {
            let value = take_value(*value, cursor)?;
            cursor.values.push(value);
            Ok(())
        }
        Part::Optional(inner) => {
            if cursor.peek().is_none() || !optional_fits(inner, cursor) {
                cursor.values.push(Captured::Present(false));
                return Ok(());
            }
            cursor.values.push(Captured::Present(true));
            match_part(inner, cursor)
        }
        Part::Choice(choice) => {
            let Some(word) = cursor.peek() else {
                return Err(cursor.miss(Why::Missing));
            };
            match choice
                .words
                .iter()
                .position(|w| w.eq_ignore_ascii_case(word))
            {
                Some(index) => {
                    cursor.values.push(Captured::Choice(index));
                    cursor.at += 1;
                    Ok(())
                }
                None => Err(cursor.miss(Why::Invalid(ParseError::new((choice.refuse)(word))))),
            }
        }
        Part::Paging => {
            let page = take_page(cursor)?;
            cursor.values.push(Captured::Page(page));
            Ok(())
        }
        Part::Clause {
            clause,
            on,
            required,
        } => {
            let subject = match on {
                On::Entity(entity) => Subject::Entity(*entity),
                // The table the form named before its clauses.
                On::Table => match cursor.values.iter().rev().find_map(|v| match v {
                    Captured::Table(table) => Some(table.clone()),
                    _ => None,
                }) {
                    Some(table) => Subject::Table(table),
                    None => {
                        return Err(cursor.miss(Why::Invalid(ParseError::new(
                            "internal error: the grammar declares no table before this clause",
                        ))));
                    }
                },
            };
            take_clause(*clause, &subject, *required, cursor)
        }
        Part::MigrateAction => {
            let rest = lexer::texts(&cursor.words[cursor.at..]);
            let rest = rest.as_slice();
            match migrate::parse_in_shell(rest) {
                Ok(action) => {
                    cursor.values.push(Captured::Migrate(action));
                    cursor.at = cursor.words.len();
                    Ok(())
                }
                Err(MigrateWordsError::Missing) => {
                    cursor.at = cursor.words.len();
                    Err(cursor.miss(Why::Missing))
                }
                Err(MigrateWordsError::Unexpected(word)) => Err(cursor.miss(Why::Unexpected(word))),
                Err(MigrateWordsError::Invalid(error)) => Err(cursor.miss(Why::Invalid(error))),
            }
        }
    }
}

/// Whether the next word is meant for an optional part: a keyword must be that keyword; a value
/// takes whatever comes.
fn optional_fits(part: &Part, cursor: &Cursor) -> bool {
    match (part, cursor.peek()) {
        (_, None) => false,
        (Part::Keyword(keyword), Some(word)) => word.eq_ignore_ascii_case(keyword),
        (Part::Entity { kinds, .. }, Some(word)) => kinds.iter().any(|k| k.is_named(word)),
        // A number of seconds, or else the word is the next part's (`watch posts`).
        (
            Part::Value {
                value: Value::Seconds,
                ..
            },
            Some(word),
        ) => !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()),
        _ => true,
    }
}

fn take_value(value: Value, cursor: &mut Cursor) -> Result<Captured, Miss> {
    let Some(word) = cursor.peek() else {
        return Err(cursor.miss(Why::Missing));
    };
    let word = word.to_string();
    let checked = match value {
        Value::User => user_ref(&word).map(Captured::User),
        Value::NewUsername => validate::username(&word).map(|()| Captured::Text(word.clone())),
        Value::Email => validate::email(&word).map(|()| Captured::Text(word.clone())),
        Value::Body => validate::body(&word).map(|()| Captured::Text(word.clone())),
        Value::PostId => validate::id("post", &word).map(Captured::Id),
        Value::Seconds => match word.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Captured::Id(n as i32)),
            _ => Err(ParseError::new(format!(
                "seconds must be a whole number from 1 up, not {}",
                quoted(&word)
            ))),
        },
        Value::Command => {
            let rest = lexer::unsplit(&cursor.words[cursor.at..]);
            cursor.at = cursor.words.len();
            return Ok(Captured::Text(rest));
        }
        Value::Table => table(cursor.vocabulary, &word).map(Captured::Table),
        Value::Path if word.trim().is_empty() => Err(ParseError::new("the file name is empty")),
        Value::Path => Ok(Captured::Text(word.clone())),
        Value::Topic | Value::Statement => {
            let rest = lexer::texts(&cursor.words[cursor.at..]).join(" ");
            cursor.at = cursor.words.len();
            return Ok(Captured::Text(rest));
        }
    };
    match checked {
        Ok(captured) => {
            cursor.at += 1;
            Ok(captured)
        }
        Err(error) => Err(cursor.miss(Why::Invalid(error))),
    }
}

/// A table the shell does not declare, by its name (the exact one, or the one that differs only in
/// case); the entities' own tables are named by their commands.
fn table(
    vocabulary: &Vocabulary,
    word: &str,
) -> ParseResult<std::sync::Arc<super::vocabulary::LiveTable>> {
    if let Some(table) = vocabulary.table(word) {
        return Ok(table.clone());
    }
    if let Some(entity) = super::EntityKind::ALL
        .into_iter()
        .find(|e| word.eq_ignore_ascii_case(e.singular()))
    {
        return Err(ParseError::new(format!(
            "{} is the {} entity's table: list it with {}",
            quoted(word),
            entity.class_name(),
            entity.plural()
        )));
    }
    let names: Vec<String> = vocabulary
        .tables()
        .iter()
        .map(|t| clause::shown_name(&t.name))
        .collect();
    if names.is_empty() {
        return Err(ParseError::new(format!(
            "there is no table {}: this database has no tables beyond user and post",
            quoted(word)
        )));
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let nearest = vocabulary
        .tables()
        .iter()
        .map(|t| {
            let distance =
                strsim::damerau_levenshtein(&word.to_lowercase(), &t.name.to_lowercase());
            (t, distance)
        })
        .filter(|(t, distance)| *distance <= 2.max(t.name.len() / 3))
        .min_by_key(|(_, distance)| *distance)
        .map(|(t, _)| format!("did you mean {}? ", clause::shown_name(&t.name)))
        .unwrap_or_default();
    Err(ParseError::new(format!(
        "there is no table {}: {nearest}the tables beyond user and post are {}",
        quoted(word),
        alternatives(&refs).replacen(" or ", " and ", 1)
    )))
}

/// A clause: its keywords, then what `clause` parses of the words that follow.
fn take_clause(
    kind: Clause,
    subject: &Subject,
    required: bool,
    cursor: &mut Cursor,
) -> Result<(), Miss> {
    let keywords = kind.keywords();
    let introduced = cursor
        .words
        .get(cursor.at)
        .is_some_and(|w| !w.is_quoted() && w.text.eq_ignore_ascii_case(keywords[0]));
    if !introduced {
        if required {
            return Err(match cursor.peek() {
                None => cursor.miss(Why::Missing),
                Some(found) => cursor.miss(Why::Expected {
                    keyword: keywords[0],
                    found: found.to_string(),
                }),
            });
        }
        cursor.values.push(match kind {
            Clause::Where => Captured::Filter(None),
            Clause::OrderBy => Captured::Order(Vec::new()),
            Clause::Set | Clause::With => Captured::Set(Vec::new()),
        });
        return Ok(());
    }
    for keyword in keywords {
        match cursor.peek() {
            None => return Err(cursor.miss(Why::Missing)),
            Some(word) if word.eq_ignore_ascii_case(keyword) => cursor.at += 1,
            Some(word) => {
                return Err(cursor.miss(Why::Expected {
                    keyword,
                    found: word.to_string(),
                }));
            }
        }
    }
    let base = cursor.at;
    let tokens = clause::tokens(&cursor.words[base..]);
    let next = clause::parse(kind, &tokens, subject, cursor.vocabulary).map(|parsed| {
        cursor.values.push(match parsed.value {
            ClauseValue::Where(condition) => Captured::Filter(Some(condition)),
            ClauseValue::OrderBy(sorts) => Captured::Order(sorts),
            ClauseValue::Set(assignments) => Captured::Set(assignments),
        });
        parsed.next
    });
    match next {
        Ok(next) => match tokens.get(next) {
            None => {
                cursor.at = cursor.words.len();
                Ok(())
            }
            Some(token) => {
                cursor.at = base + token.word;
                if token.starts_word {
                    Ok(())
                } else {
                    Err(cursor.miss(Why::Unexpected(token.text.clone())))
                }
            }
        },
        Err(ClauseError::End(wanted)) => {
            cursor.at = cursor.words.len();
            Err(cursor.miss(Why::Incomplete(incomplete(&wanted, cursor.vocabulary))))
        }
        Err(ClauseError::At { token, error }) => {
            cursor.at = base + tokens.get(token).map_or(0, |t: &Token| t.word);
            Err(cursor.miss(Why::Invalid(error)))
        }
    }
}

/// What a clause that stopped short still needs, in words.
fn incomplete(wanted: &Wanted, vocabulary: &Vocabulary) -> String {
    match wanted {
        Wanted::Field {
            subject, clause, ..
        } => {
            let names: Vec<String> = clause::allowed_fields(subject, vocabulary, *clause)
                .iter()
                .map(|n| clause::shown_name(n))
                .collect();
            format!(
                "{} needs a field of {}: {}",
                clause.keywords().join(" "),
                subject.shown(),
                names.join(", ")
            )
        }
        Wanted::Words(words) => {
            let quoted: Vec<String> = words.iter().map(|w| quoted(w)).collect();
            let refs: Vec<&str> = quoted.iter().map(String::as_str).collect();
            format!("expected {}", super::error::alternatives(&refs))
        }
        Wanted::Value(field) => format!("a value: {}", clause::value_shape(field)),
        Wanted::MoreOrEnd { .. } => "a parenthesis is not closed: add \")\"".to_string(),
        Wanted::DirectionOrEnd | Wanted::CommaOrEnd => "expected a field after \",\"".to_string(),
    }
}

/// `[limit N] [offset N]`, in either order.
fn take_page(cursor: &mut Cursor) -> Result<Page, Miss> {
    let mut page = Page::default();
    while let Some(word) = cursor.peek() {
        let keyword = word.to_lowercase();
        let [limit, offset] = PAGING;
        let slot = match keyword.as_str() {
            k if k == limit => &mut page.limit,
            k if k == offset => &mut page.offset,
            _ => break,
        };
        cursor.at += 1;
        let Some(value) = cursor.peek() else {
            return Err(cursor.miss(Why::Missing));
        };
        match validate::count(&keyword, value) {
            Ok(n) => *slot = Some(n),
            Err(error) => return Err(cursor.miss(Why::Invalid(error))),
        }
        cursor.at += 1;
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::query::FollowSide;
    use crate::command::{
        DataCommand, EntityKind, Format, MigrateAction, PromptCommand, Query, ReadCommand,
        TableQuery, TransactionCommand, WriteCommand,
    };

    fn ok(line: &str) -> Command {
        parse(line)
            .unwrap_or_else(|e| panic!("{line}: {e}"))
            .expect("a command")
    }

    fn err(line: &str) -> String {
        parse(line).expect_err(line).to_string()
    }

    fn name(s: &str) -> UserRef {
        UserRef::Username(s.into())
    }

    fn read(command: ReadCommand) -> Command {
        Command::Data(DataCommand::Read(command))
    }

    fn write(command: WriteCommand) -> Command {
        Command::Data(DataCommand::Write(command))
    }

    fn prompt(command: PromptCommand) -> Command {
        Command::Prompt(command)
    }

    #[test]
    fn the_live_schema_is_part_of_the_language() {
        let grown = crate::command::vocabulary::tests::chapter_8();
        let ok = |line: &str| parse_in(line, &grown).unwrap().unwrap();
        let err = |line: &str| parse_in(line, &grown).unwrap_err().to_string();
        let Command::Data(DataCommand::Write(WriteCommand::AddUser { with, .. })) =
            ok("add user ida ida@example.com with about_me = \"hi there\", last_seen = 2024-01-02")
        else {
            panic!("not add user");
        };
        assert_eq!(
            with.iter().map(|a| a.field.name()).collect::<Vec<_>>(),
            ["about_me", "last_seen"]
        );
        assert!(
            err("add user ida ida@example.com with email = x@example.com")
                .contains("email is given before with")
        );
        assert!(
            err("add user ida ida@example.com with about_me = 1, about_me = 2")
                .contains("about_me is set twice")
        );
        assert!(
            err(&format!(
                "update user ida set about_me = {}",
                "x".repeat(141)
            ))
            .contains("at most 140")
        );
        assert!(err("users where last_seen > soon").contains("YYYY-MM-DD"));
        assert!(err("rows of message where read = perhaps").contains("true or false"));
        assert!(err("rows of message where score > lots").contains("takes a number"));
        assert!(err("rows of message where read like x").contains("read is true or false"));
        assert!(err("rows of mesage").contains("did you mean message?"));
        assert!(err("rows of user").contains("list it with users"));
        assert!(err("rows of message where nothing = 1").contains(
            "table message has no field \"nothing\": its fields are id, sender_id, recipient_id, \
             body, timestamp, read, score and payload"
        ));
        assert!(err("update followers set x = 1").contains("unknown entity"));
        // The same words on chapter 4's schema: what is not there is said so.
        let plain = |line: &str| parse(line).unwrap_err().to_string();
        assert!(plain("users where about_me is null").contains("users has no field \"about_me\""));
        assert!(plain("rows of followers").contains("no tables beyond user and post"));
        assert!(plain("add user a a@example.com with x = 1").contains("there are none"));
        assert!(matches!(
            ok("rows of message for john where body contains hi order by timestamp desc limit 2"),
            Command::Data(DataCommand::Read(ReadCommand::Rows(TableQuery {
                of: Some(_),
                ..
            })))
        ));
        assert!(matches!(
            ok("count rows of message for post 3 where body contains hi"),
            Command::Data(DataCommand::Read(ReadCommand::CountRows(TableQuery {
                of: Some(crate::command::query::Owner::Post(3)),
                ..
            })))
        ));
        assert!(matches!(
            ok("followers of john where username starts with s"),
            Command::Data(DataCommand::Read(ReadCommand::List(Query {
                follows: Some((FollowSide::Followers, _)),
                ..
            })))
        ));
    }

    #[test]
    fn blank_lines_and_comments_are_nothing() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("   \t").unwrap(), None);
        assert_eq!(parse("# add user x").unwrap(), None);
    }

    #[test]
    fn lists_with_paging_in_any_order_and_case() {
        assert_eq!(
            ok("users"),
            read(ReadCommand::List(Query::all(EntityKind::User)))
        );
        assert_eq!(
            ok("POSTS offset 5 LIMIT 2"),
            read(ReadCommand::List(Query {
                page: Page {
                    limit: Some(2),
                    offset: Some(5)
                },
                ..Query::all(EntityKind::Post)
            }))
        );
        assert_eq!(ok("user"), ok("users"));
        assert!(err("users limit").contains("missing argument"));
        assert!(err("users limit ten").contains("limit must be a number"));
        assert!(err("users sideways").contains("unexpected \"sideways\""));
    }

    #[test]
    fn get_user_by_id_or_name_and_post_by_id() {
        assert_eq!(ok("get user 1"), read(ReadCommand::GetUser(UserRef::Id(1))));
        assert_eq!(
            ok("get users john"),
            read(ReadCommand::GetUser(name("john")))
        );
        assert_eq!(ok("Get Post 7"), read(ReadCommand::GetPost(7)));
        assert!(err("get post john").contains("post id must be a number"));
        assert!(err("get post 99999999999").contains("out of range"));
        assert!(err("get user").starts_with("missing argument: usage: get user"));
        assert!(err("get comment 1").contains("unknown entity \"comment\""));
    }

    #[test]
    fn posts_of_and_author_of() {
        assert_eq!(
            ok("posts of john limit 3"),
            read(ReadCommand::List(Query {
                of: Some(name("john")),
                page: Page {
                    limit: Some(3),
                    offset: None
                },
                ..Query::all(EntityKind::Post)
            }))
        );
        assert_eq!(
            ok("posts of 2"),
            read(ReadCommand::List(Query {
                of: Some(UserRef::Id(2)),
                ..Query::all(EntityKind::Post)
            }))
        );
        assert_eq!(ok("author of post 4"), read(ReadCommand::AuthorOf(4)));
        assert_eq!(ok("author of 4"), read(ReadCommand::AuthorOf(4)));
        assert!(err("posts of").contains("missing argument"));
        assert!(err("author post 4").contains("expected \"of\""));
    }

    #[test]
    fn add_with_shell_quoting() {
        assert_eq!(
            ok("add user john john@example.com"),
            write(WriteCommand::AddUser {
                username: "john".into(),
                email: "john@example.com".into(),
                with: vec![]
            })
        );
        assert_eq!(
            ok(r#"add post "my first post!" by john"#),
            write(WriteCommand::AddPost {
                body: "my first post!".into(),
                author: name("john"),
                with: vec![]
            })
        );
        assert_eq!(
            ok(r#"add post 'it''s' by 1"#),
            write(WriteCommand::AddPost {
                body: "its".into(),
                author: UserRef::Id(1),
                with: vec![]
            })
        );
        assert_eq!(
            ok(r#"add post "say \"hi\"" by john"#),
            write(WriteCommand::AddPost {
                body: "say \"hi\"".into(),
                author: name("john"),
                with: vec![]
            })
        );
        assert_eq!(ok("add post"), prompt(PromptCommand::AskForPost));
        assert!(err(r#"add post "unterminated by john"#).starts_with("unterminated quote"));
        assert!(err("add post hello john").contains("expected \"by\""));
        assert!(err("add user john").contains("missing argument: usage: add user USERNAME EMAIL"));
        assert!(err("add user john not-an-email").contains("not an address"));
        assert!(err(&format!("add user {} a@b.co", "x".repeat(65))).contains("at most 64"));
        assert!(err(&format!("add post {} by john", "x".repeat(141))).contains("at most 140"));
    }

    #[test]
    fn delete_and_cascade() {
        assert_eq!(
            ok("delete user john"),
            write(WriteCommand::DeleteUser {
                user: name("john"),
                cascade: false,
                confirmed: false
            })
        );
        assert_eq!(
            ok("delete user 3 CASCADE"),
            write(WriteCommand::DeleteUser {
                user: UserRef::Id(3),
                cascade: true,
                confirmed: false
            })
        );
        assert_eq!(
            ok("delete post 3"),
            write(WriteCommand::DeletePost {
                id: 3,
                cascade: false
            })
        );
        assert_eq!(
            ok("delete post 3 cascade"),
            write(WriteCommand::DeletePost {
                id: 3,
                cascade: true
            })
        );
        assert!(err("delete post 3 cascade now").contains("unexpected \"now\""));
        assert!(err("delete user 3 cascade now").contains("unexpected \"now\""));
    }

    #[test]
    fn count_describe_format_and_transactions() {
        assert_eq!(
            ok("count users"),
            read(ReadCommand::Count {
                entity: EntityKind::User,
                of: None,
                follows: None,
                filter: None
            })
        );
        assert_eq!(
            ok("count posts of john"),
            read(ReadCommand::Count {
                entity: EntityKind::Post,
                of: Some(name("john")),
                follows: None,
                filter: None
            })
        );
        assert!(err("count users of john").contains("only posts"));
        assert_eq!(
            ok("describe post"),
            read(ReadCommand::Describe(EntityKind::Post))
        );
        assert_eq!(
            ok("format json"),
            prompt(PromptCommand::Format(Some(Format::Json)))
        );
        assert_eq!(ok("format"), prompt(PromptCommand::Format(None)));
        assert_eq!(
            err("format yaml"),
            "unknown format \"yaml\": use table, json, csv, vertical or auto"
        );
        assert_eq!(
            ok("BEGIN"),
            Command::Data(DataCommand::Transaction(TransactionCommand::Begin))
        );
        assert_eq!(
            ok("commit"),
            Command::Data(DataCommand::Transaction(TransactionCommand::Commit))
        );
        assert_eq!(
            ok("rollback"),
            Command::Data(DataCommand::Transaction(TransactionCommand::Rollback))
        );
        assert_eq!(ok("quit"), prompt(PromptCommand::Exit));
        // Found by the grammar's consistency test: shell quoting used to turn `\q` into `q`.
        assert_eq!(ok("\\q"), prompt(PromptCommand::Exit));
    }

    #[test]
    fn sql_keeps_the_statement_verbatim() {
        assert_eq!(
            ok("sql SELECT 'a  b' AS \"x\" FROM user;"),
            Command::Data(DataCommand::Sql(crate::command::SqlCommand {
                statement: "SELECT 'a  b' AS \"x\" FROM user".into(),
                confirmed: false
            }))
        );
        assert!(err("sql").contains("missing argument: usage: sql [--yes] STATEMENT"));
        assert!(err("sql --yes").contains("missing argument: usage: sql [--yes] STATEMENT"));
        assert_eq!(
            ok("sql --yes DELETE FROM post"),
            Command::Data(DataCommand::Sql(crate::command::SqlCommand {
                statement: "DELETE FROM post".into(),
                confirmed: true
            }))
        );
        assert!(err("sql   ;").contains("missing argument"));
    }

    #[test]
    fn passwords_timing_and_history() {
        assert_eq!(
            ok("set password john"),
            prompt(PromptCommand::SetPassword(name("john")))
        );
        assert_eq!(
            ok("CHECK PASSWORD 3"),
            prompt(PromptCommand::CheckPassword(UserRef::Id(3)))
        );
        assert!(err("set pasword john").contains("expected \"password\""));
        assert!(err("set password").contains("missing argument: usage: set password"));
        assert_eq!(ok("timing on"), prompt(PromptCommand::Timing(Some(true))));
        assert_eq!(ok("timing OFF"), prompt(PromptCommand::Timing(Some(false))));
        assert_eq!(ok("timing"), prompt(PromptCommand::Timing(None)));
        assert_eq!(err("timing maybe"), "use on or off, not \"maybe\"");
        assert_eq!(ok("history"), prompt(PromptCommand::History));
        let secret = WriteCommand::SetPassword {
            user: name("john"),
            password: crate::command::Secret("hunter2".into()),
        };
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn a_quoted_sql_word_is_an_error_not_a_panic() {
        assert!(err("\"sql\" SELECT 1").contains("without quotes"));
        assert!(err("s\\ql SELECT 1").contains("without quotes"));
    }

    #[test]
    fn migrate_inside_the_shell() {
        assert_eq!(
            ok("migrate up"),
            Command::Data(DataCommand::Migrate(MigrateAction::Up {
                steps: None,
                to: None,
                sql: None
            }))
        );
        assert_eq!(
            ok("migrate down -n 2"),
            Command::Data(DataCommand::Migrate(MigrateAction::Down {
                steps: 2,
                to: None,
                sql: None,
                drop_app_tables: false
            }))
        );
        assert_eq!(
            ok("MIGRATE Status"),
            Command::Data(DataCommand::Migrate(MigrateAction::Status))
        );
        assert!(err("migrate fresh").contains("only from the command line"));
        assert!(err("migrate frobnicate").contains("unknown migrate action \"frobnicate\""));
        assert_eq!(
            err("migrate down -n 0"),
            "-n must be a number from 1 up, not \"0\""
        );
        assert!(err("migrate").starts_with(
            "missing argument: usage: migrate up [-n N] [--to TARGET] [--sql [FROM:TO]] |"
        ));
        assert!(err("migrate status now").contains("unexpected \"now\""));
    }

    #[test]
    fn unknown_commands_suggest_the_nearest() {
        assert_eq!(
            err("gte user 1"),
            "unknown command \"gte\": did you mean \"get\"? (type help)"
        );
        assert!(err("florp").contains("type help for the list"));
    }

    #[test]
    fn help_takes_an_optional_topic() {
        assert_eq!(ok("help"), prompt(PromptCommand::Help(None)));
        assert_eq!(
            ok("help add"),
            prompt(PromptCommand::Help(Some("add".into())))
        );
        assert_eq!(
            ok("? add user"),
            prompt(PromptCommand::Help(Some("add user".into())))
        );
    }
}
