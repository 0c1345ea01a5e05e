//! What can come next on a command line: the pure half of tab completion and hints, read off the
//! grammar. Given the text before the cursor, it says which words may come there and whether a
//! username or a post id (looked up in the database by the prompt) fits there too.

use super::clause::{self, CONNECTIVES, Clause, ClauseError, DIRECTIONS, Wanted};
use super::grammar::{self, On, PAGING, Part, Value};
use super::lexer::{self, Word};
use super::migrate;
use super::query::{Field, FieldType, PostColumn, PostField, Subject, UserColumn, UserField};
use super::vocabulary::Vocabulary;

/// Values the prompt looks up in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Username,
    PostId,
}

/// What may fill the word under the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    /// Fixed words (command names, entities, keywords, formats, ...), in the grammar's order.
    pub words: Vec<String>,
    pub lookup: Option<Lookup>,
}

impl Expect {
    fn word(&mut self, word: &str) {
        if !self.words.iter().any(|w| w == word) {
            self.words.push(word.to_string());
        }
    }

    /// Free text (a new username, a body) or nothing more: no suggestions.
    pub fn is_nothing(&self) -> bool {
        self.words.is_empty() && self.lookup.is_none()
    }
}

/// The word being typed: where it starts, and what it is expected to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub start: usize,
    pub prefix: String,
    pub expect: Expect,
}

/// Looks at `line[..pos]`: the finished words decide what the word under the cursor should be;
/// the fields and tables beyond the entities are `vocabulary`'s.
pub fn analyze(line: &str, pos: usize, vocabulary: &Vocabulary) -> Slot {
    let before = &line[..pos];
    let start = before.rfind(char::is_whitespace).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    let prefix = before[start..].to_string();
    let expect = match lexer::split(&before[..start]) {
        Ok(words) => expected_after(&words, vocabulary),
        // Inside an open quote: free text.
        Err(_) => Expect::default(),
    };
    Slot {
        start,
        prefix,
        expect,
    }
}

/// What may follow these finished words (as typed, unquoted).
pub fn expected(words: &[String], vocabulary: &Vocabulary) -> Expect {
    let words: Vec<Word> = words.iter().map(|w| Word::plain(w)).collect();
    expected_after(&words, vocabulary)
}

/// What may follow these finished words.
fn expected_after(words: &[Word], vocabulary: &Vocabulary) -> Expect {
    let mut expect = Expect::default();
    let Some((first, rest)) = words.split_first() else {
        grammar::command_words()
            .into_iter()
            .for_each(|w| expect.word(w));
        return expect;
    };
    let Some(spec) = grammar::find(&first.text) else {
        return expect;
    };
    if spec.takes_raw_line() {
        return expect;
    }
    let walker = Walker { vocabulary };
    for form in spec.shown_forms() {
        let parts: Vec<&Part> = form.parts.iter().collect();
        walker.walk(&parts, rest, None, &mut expect);
    }
    expect
}

/// Walks a form's parts through the typed words, with the vocabulary they are read with.
struct Walker<'v> {
    vocabulary: &'v Vocabulary,
}

impl Walker<'_> {
    /// Follows the parts through the typed words; where the words end, collects what comes
    /// next. `table` is the table the form named so far, for the clauses on it.
    fn walk(&self, parts: &[&Part], words: &[Word], table: Option<&Subject>, expect: &mut Expect) {
        let Some((part, after)) = parts.split_first() else {
            return;
        };
        let Some((first, later)) = words.split_first() else {
            self.first_words(parts, expect);
            return;
        };
        let word = &first.text.to_lowercase();
        match part {
            Part::Keyword(keyword) => {
                if word.eq_ignore_ascii_case(keyword) {
                    self.walk(after, later, table, expect);
                }
            }
            Part::Entity { kinds, .. } => {
                if kinds.iter().any(|k| k.is_named(word)) {
                    self.walk(after, later, table, expect);
                }
            }
            // The rest of the line is theirs: nothing to suggest after them.
            Part::Value {
                value: Value::Topic | Value::Statement,
                ..
            } => {}
            // A post id is a number: `update posts where` is not `update post ID`.
            Part::Value {
                value: Value::PostId | Value::Seconds,
                ..
            } if !word.bytes().all(|b| b.is_ascii_digit()) => {}
            // Another command: what may follow its words.
            Part::Value {
                value: Value::Command,
                ..
            } => {
                let named = grammar::find(word).map(|spec| spec.name);
                if named.is_some_and(|name| grammar::read_command_words().contains(&name)) {
                    let inner = expected_after(words, self.vocabulary);
                    inner.words.iter().for_each(|w| expect.word(w));
                    if inner.lookup.is_some() {
                        expect.lookup = inner.lookup;
                    }
                }
            }
            // A table: its clauses complete its columns.
            Part::Value {
                value: Value::Table,
                ..
            } => {
                if let Some(found) = self.vocabulary.table(&first.text) {
                    let subject = Subject::Table(found.clone());
                    self.walk(after, later, Some(&subject), expect);
                }
            }
            Part::Choice(choice) => {
                if choice.words.iter().any(|w| w.eq_ignore_ascii_case(word)) {
                    self.walk(after, later, table, expect);
                }
            }
            Part::Value { .. } => self.walk(after, later, table, expect),
            Part::Optional(inner) => {
                self.walk(after, words, table, expect);
                let mut taken = vec![*inner];
                taken.extend_from_slice(after);
                self.walk(&taken, words, table, expect);
            }
            Part::Clause {
                clause,
                on,
                required,
            } => {
                let subject = match (on, table) {
                    (On::Entity(entity), _) => Subject::Entity(*entity),
                    (On::Table, Some(subject)) => subject.clone(),
                    (On::Table, None) => return,
                };
                let keywords = clause.keywords();
                if word.eq_ignore_ascii_case(keywords[0]) && !first.is_quoted() {
                    self.walk_clause(*clause, &subject, after, later, table, expect);
                } else if !required {
                    self.walk(after, words, table, expect);
                }
            }
            Part::Paging => {
                if PAGING.contains(&word.as_str()) {
                    // After the keyword comes its number: nothing to suggest for that.
                    if let Some((_, beyond)) = later.split_first() {
                        self.walk(parts, beyond, table, expect);
                    }
                } else {
                    self.walk(after, words, table, expect);
                }
            }
            Part::MigrateAction => {
                let typed: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
                migrate::next_words(&typed)
                    .iter()
                    .for_each(|w| expect.word(w));
            }
        }
    }

    /// What may start the remaining parts.
    fn first_words(&self, parts: &[&Part], expect: &mut Expect) {
        let Some((part, after)) = parts.split_first() else {
            return;
        };
        match part {
            Part::Keyword(keyword) => expect.word(keyword),
            Part::Entity { kinds, plural } => kinds
                .iter()
                .for_each(|k| expect.word(if *plural { k.plural() } else { k.singular() })),
            Part::Value { value, .. } => match value {
                Value::User => expect.lookup = Some(Lookup::Username),
                Value::PostId => expect.lookup = Some(Lookup::PostId),
                Value::Topic => grammar::command_words()
                    .into_iter()
                    .for_each(|w| expect.word(w)),
                Value::Command => grammar::read_command_words()
                    .into_iter()
                    .for_each(|w| expect.word(w)),
                Value::Table => self
                    .vocabulary
                    .tables()
                    .iter()
                    .for_each(|t| expect.word(&t.name)),
                Value::NewUsername
                | Value::Email
                | Value::Body
                | Value::Statement
                | Value::Path
                | Value::Seconds => {}
            },
            Part::Choice(choice) => choice.words.iter().for_each(|w| expect.word(w)),
            Part::Optional(inner) => {
                self.first_words(&[*inner], expect);
                self.first_words(after, expect);
            }
            Part::Paging => {
                PAGING.iter().for_each(|w| expect.word(w));
                self.first_words(after, expect);
            }
            Part::MigrateAction => migrate::next_words(&[]).iter().for_each(|w| expect.word(w)),
            Part::Clause {
                clause, required, ..
            } => {
                expect.word(clause.keywords()[0]);
                if !required {
                    self.first_words(after, expect);
                }
            }
        }
    }

    /// Inside a clause (its first keyword typed): the rest of its keywords, then what `clause`'s
    /// parser wanted where the words ran out, or the parts after it.
    fn walk_clause(
        &self,
        kind: Clause,
        subject: &Subject,
        after: &[&Part],
        words: &[Word],
        table: Option<&Subject>,
        expect: &mut Expect,
    ) {
        let mut words = words;
        for keyword in &kind.keywords()[1..] {
            match words.split_first() {
                None => return expect.word(keyword),
                Some((word, rest)) if word.text.eq_ignore_ascii_case(keyword) => words = rest,
                Some(_) => return,
            }
        }
        let tokens = clause::tokens(words);
        let parsed =
            clause::parse(kind, &tokens, subject, self.vocabulary).map(|p| (p.next, p.open));
        match parsed {
            Ok((next, open)) => match tokens.get(next) {
                None => {
                    if let Some(wanted) = open {
                        self.offer(&wanted, expect);
                    }
                    self.first_words(after, expect);
                }
                Some(token) if token.starts_word => {
                    self.walk(after, &words[token.word..], table, expect)
                }
                Some(_) => {}
            },
            Err(ClauseError::End(wanted)) => self.offer(&wanted, expect),
            Err(ClauseError::At { .. }) => {}
        }
    }

    /// The words (or look-up) that satisfy what a clause wanted.
    fn offer(&self, wanted: &Wanted, expect: &mut Expect) {
        match wanted {
            Wanted::Field {
                subject,
                clause,
                taken,
            } => {
                if *clause == Clause::Where {
                    expect.word("not");
                    expect.word("(");
                }
                clause::allowed_fields(subject, self.vocabulary, *clause)
                    .iter()
                    .filter(|f| !taken.contains(f))
                    .for_each(|f| expect.word(f));
            }
            Wanted::Words(words) => words.iter().for_each(|w| expect.word(w)),
            Wanted::Value(field) => expect.lookup = lookup_for(field),
            Wanted::MoreOrEnd { close } => {
                CONNECTIVES.iter().for_each(|w| expect.word(w));
                if *close {
                    expect.word(")");
                }
            }
            Wanted::DirectionOrEnd => {
                DIRECTIONS.iter().for_each(|w| expect.word(w));
                expect.word(",");
            }
            Wanted::CommaOrEnd => expect.word(","),
        }
    }
}

/// Values the database can suggest: usernames for a user's name, ids for a post.
fn lookup_for(field: &Field) -> Option<Lookup> {
    match field {
        Field::User(UserField::Column(UserColumn::Username))
        | Field::Post(PostField::Author)
        | Field::Post(PostField::AuthorColumn(UserColumn::Username)) => Some(Lookup::Username),
        Field::Post(PostField::Column(PostColumn::Id)) => Some(Lookup::PostId),
        field if field.field_type() == FieldType::UserKey => Some(Lookup::Username),
        _ => None,
    }
}

/// The fixed words that complete `prefix` (case-insensitively), in the grammar's order.
pub fn matching_words(words: &[String], prefix: &str) -> Vec<String> {
    let prefix = prefix.to_lowercase();
    words
        .iter()
        .filter(|w| w.starts_with(&prefix))
        .cloned()
        .collect()
}

/// What may come next, greyed after a line that ends with a space: the one word that must come
/// (`order ` -> `by`), which can be taken with the right arrow, or the choices (`id|username|...`),
/// `USERNAME` or `ID` where one is looked up, shown only. `(text, insertable)`.
pub fn next_hint(line: &str, vocabulary: &Vocabulary) -> Option<(String, bool)> {
    if !line.ends_with(char::is_whitespace) || line.trim().is_empty() {
        return None;
    }
    let expect = analyze(line, line.len(), vocabulary).expect;
    match (expect.words.as_slice(), expect.lookup) {
        ([], None) => None,
        ([word], None) => Some((word.clone(), true)),
        (words, lookup) => {
            let mut shown: Vec<&str> = words.iter().map(String::as_str).take(8).collect();
            if words.len() > 8 {
                shown.push("...");
            }
            match lookup {
                Some(Lookup::Username) => shown.insert(0, "USERNAME"),
                Some(Lookup::PostId) => shown.insert(0, "ID"),
                None => {}
            }
            Some((shown.join("|"), false))
        }
    }
}

/// What to suggest, greyed, after a complete command word: the rest of its first usage.
pub fn usage_hint(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    let word = trimmed.split_whitespace().next()?;
    if trimmed.len() != word.len() {
        return None;
    }
    let spec = grammar::find(word)?;
    let usage = spec.usage().into_iter().next()?;
    let rest = usage.strip_prefix(spec.name)?;
    (!rest.is_empty()).then(|| rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expect(line: &str) -> Expect {
        analyze(line, line.len(), &Vocabulary::default()).expect
    }

    fn hint(line: &str) -> Option<(String, bool)> {
        next_hint(line, &Vocabulary::default())
    }

    fn words(line: &str) -> Vec<String> {
        expect(line).words
    }

    #[test]
    fn the_first_word_is_a_command() {
        let slot = analyze("ge", 2, &Vocabulary::default());
        assert_eq!((slot.start, slot.prefix.as_str()), (0, "ge"));
        assert!(slot.expect.words.contains(&"get".to_string()));
        assert!(slot.expect.words.contains(&"posts".to_string()));
        assert_eq!(matching_words(&slot.expect.words, "GE"), ["get"]);
    }

    #[test]
    fn usernames_where_a_user_goes() {
        for line in [
            "get user jo",
            "posts of j",
            "add post \"hi there\" by ",
            "delete user ",
            "set password ",
            "check password x",
            "count posts of ",
        ] {
            assert_eq!(expect(line).lookup, Some(Lookup::Username), "{line}");
        }
        let slot = analyze("posts of jo", 11, &Vocabulary::default());
        assert_eq!((slot.start, slot.prefix.as_str()), (9, "jo"));
    }

    #[test]
    fn post_ids_where_a_post_goes() {
        for line in ["get post 1", "delete post ", "author of post 4"] {
            assert_eq!(expect(line).lookup, Some(Lookup::PostId), "{line}");
        }
    }

    #[test]
    fn keywords_entities_and_sub_words() {
        assert_eq!(words("get "), ["user", "post"]);
        assert_eq!(
            words("count "),
            ["users", "posts", "followers", "following", "rows"]
        );
        assert_eq!(
            words("format "),
            ["table", "json", "csv", "vertical", "auto"]
        );
        assert_eq!(
            words("migrate "),
            [
                "up", "down", "show", "status", "check", "history", "current"
            ]
        );
        assert_eq!(words("migrate upgrade "), ["-n", "--to", "--sql"]);
        assert_eq!(words("add post \"hello world\" "), ["by"]);
        assert_eq!(words("delete user john "), ["cascade", "--yes"]);
        assert_eq!(words("posts limit 5 "), ["limit", "offset"]);
        assert_eq!(words("posts "), ["where", "order", "limit", "offset", "of"]);
        assert_eq!(words("timing "), ["on", "off"]);
        assert!(words("? ").contains(&"describe".to_string()));
    }

    #[test]
    fn the_query_language_completes_fields_operators_and_values() {
        assert_eq!(
            words("users where "),
            [
                "not",
                "(",
                "id",
                "username",
                "email",
                "password_hash",
                "posts"
            ]
        );
        assert!(words("posts where ").contains(&"author.username".to_string()));
        assert_eq!(
            words("users where username "),
            [
                "not", "=", "!=", "<", "<=", ">", ">=", "like", "contains", "starts", "in",
                "between", "is"
            ]
        );
        assert_eq!(words("users where password_hash "), ["is"]);
        assert_eq!(words("users where password_hash is "), ["null", "not"]);
        assert_eq!(words("posts where body starts "), ["with"]);
        assert_eq!(
            words("posts where body not "),
            ["like", "contains", "starts", "in", "between"]
        );
        assert_eq!(words("posts where author "), ["="]);
        assert_eq!(
            expect("posts where author = ").lookup,
            Some(Lookup::Username)
        );
        assert_eq!(
            expect("users where username = ").lookup,
            Some(Lookup::Username)
        );
        assert_eq!(
            words("users where id > 3 "),
            ["and", "or", "order", "limit", "offset"]
        );
        assert_eq!(words("users where (id > 3 "), ["and", "or", ")"]);
        assert_eq!(words("users where id in "), ["("]);
        assert_eq!(words("users order "), ["by"]);
        assert_eq!(
            words("users order by "),
            ["id", "username", "email", "posts"]
        );
        assert_eq!(
            words("users order by posts "),
            ["asc", "desc", ",", "limit", "offset"]
        );
        assert_eq!(
            words("update post 3 set "),
            ["body", "timestamp", "user_id", "author"]
        );
        assert_eq!(words("update posts where id = 3 "), ["and", "or", "set"]);
        assert_eq!(
            words("delete posts where id = 3 "),
            ["and", "or", "cascade", "--yes"]
        );
        // A quoted word is a value, never a keyword.
        assert_eq!(
            words("users where username = \"and\" "),
            ["and", "or", "order", "limit", "offset"]
        );
    }

    #[test]
    fn the_live_schema_completes_too() {
        let grown = crate::command::vocabulary::tests::chapter_8();
        let words = |line: &str| analyze(line, line.len(), &grown).expect.words;
        let users = words("users where ");
        for field in ["about_me", "last_seen", "followers", "following"] {
            assert!(users.contains(&field.to_string()), "{field}: {users:?}");
        }
        assert!(words("posts order by ").contains(&"language".to_string()));
        assert_eq!(words("rows of "), ["followers", "message"]);
        assert_eq!(
            words("rows of message where "),
            [
                "not",
                "(",
                "id",
                "sender_id",
                "recipient_id",
                "body",
                "timestamp",
                "read",
                "score",
                "payload"
            ]
        );
        assert_eq!(words("rows of message where read "), ["=", "!=", "is"]);
        assert_eq!(
            analyze("rows of message for ", 20, &grown).expect.lookup,
            Some(Lookup::Username)
        );
        assert_eq!(
            analyze("rows of message where sender_id = ", 34, &grown)
                .expect
                .lookup,
            Some(Lookup::Username)
        );
        assert_eq!(
            words("add user ida ida@example.com with "),
            ["about_me", "last_seen"]
        );
        assert_eq!(
            words("add user ida ida@example.com with about_me = x, "),
            ["last_seen"]
        );
        assert!(words("describe ").contains(&"followers".to_string()));
        // Without the tables, nothing of them is offered.
        assert!(
            !expect("users where ")
                .words
                .contains(&"followers".to_string())
        );
        assert!(expect("rows of ").words.is_empty());
    }

    #[test]
    fn hints_name_what_comes_next() {
        assert_eq!(hint("users order "), Some(("by".into(), true)));
        assert_eq!(
            hint("posts where body starts "),
            Some(("with".into(), true))
        );
        assert_eq!(
            hint("users where "),
            Some(("not|(|id|username|email|password_hash|posts".into(), false))
        );
        assert_eq!(
            hint("posts where author = "),
            Some(("USERNAME".into(), false))
        );
        assert_eq!(
            hint("users order by id "),
            Some(("asc|desc|,|limit|offset".into(), false))
        );
        assert_eq!(hint("users where id"), None, "not while a word is typed");
        assert_eq!(hint("add user "), None, "free text");
    }

    #[test]
    fn free_text_gets_nothing() {
        assert!(expect("add user ").is_nothing());
        assert!(expect("add post \"an open quo").is_nothing());
        assert!(expect("sql SELECT ").is_nothing());
        assert!(expect("posts limit ").is_nothing());
        assert!(expect("frobnicate ").is_nothing());
    }

    #[test]
    fn hints_show_the_rest_of_the_usage() {
        assert_eq!(usage_hint("posts of"), None);
        assert_eq!(usage_hint("author").as_deref(), Some(" of post ID"));
        assert_eq!(
            usage_hint("users").as_deref(),
            Some(" [where CONDITION] [order by FIELD [asc|desc], ...] [limit N] [offset N]")
        );
        assert_eq!(usage_hint("exit"), None);
        assert_eq!(usage_hint("nonsense"), None);
    }
}
