//! The query clauses a command can carry: `where CONDITION`, `order by FIELD [asc|desc], ...` and
//! `set FIELD = VALUE, ...`, parsed from the words after the fixed part of a command. The same
//! parser serves completion: where the words run out, it says what it wanted next.

use chrono::{NaiveDate, NaiveDateTime};

use super::error::{ParseError, alternatives, quoted};
use super::lexer::Word;
use super::query::{
    Assignment, Comparison, Condition, Field, FieldType, Literal, Operator, Sort, Subject, Test,
};
use super::vocabulary::{ColumnKind, Vocabulary};
use super::{user_ref, validate};

/// The kinds of clause, each introduced by its keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clause {
    Where,
    OrderBy,
    Set,
    /// `add user ... with FIELD = VALUE, ...`: the columns the entity does not declare.
    With,
}

impl Clause {
    pub fn keywords(self) -> &'static [&'static str] {
        match self {
            Clause::Where => &["where"],
            Clause::OrderBy => &["order", "by"],
            Clause::Set => &["set"],
            Clause::With => &["with"],
        }
    }

    /// As usage shows it.
    pub fn shown(self) -> &'static str {
        match self {
            Clause::Where => "where CONDITION",
            Clause::OrderBy => "order by FIELD [asc|desc], ...",
            Clause::Set => "set FIELD = VALUE, ...",
            Clause::With => "with FIELD = VALUE, ...",
        }
    }

    /// Whether the clause assigns values (`set`, `with`).
    pub fn assigns(self) -> bool {
        matches!(self, Clause::Set | Clause::With)
    }
}

/// The directions of a sort key.
pub const DIRECTIONS: [&str; 2] = ["asc", "desc"];
/// The words that join conditions.
pub const CONNECTIVES: [&str; 2] = ["and", "or"];
const SYMBOLS: [&str; 10] = ["<=", ">=", "!=", "<>", "=", "<", ">", "(", ")", ","];

/// A token of a clause: a word or a symbol, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    /// Quoted text is always a value, never a keyword or a symbol.
    pub quoted: bool,
    pub symbol: bool,
    /// The index of the word it is part of, and whether it starts that word.
    pub word: usize,
    pub starts_word: bool,
}

/// Splits words into tokens: symbols outside quotes stand alone (`id>3`, `(1,3)`).
pub fn tokens(words: &[Word]) -> Vec<Token> {
    let mut out = Vec::new();
    for (index, word) in words.iter().enumerate() {
        let first = out.len();
        let mut current: Option<Token> = None;
        let new = |text: String, quoted: bool, symbol: bool| Token {
            text,
            quoted,
            symbol,
            word: index,
            starts_word: false,
        };
        for piece in &word.pieces {
            if piece.quoted {
                let token = current.get_or_insert_with(|| new(String::new(), true, false));
                token.text.push_str(&piece.text);
                token.quoted = true;
                continue;
            }
            let mut rest = piece.text.as_str();
            while !rest.is_empty() {
                if let Some(symbol) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
                    out.extend(current.take());
                    out.push(new(symbol.to_string(), false, true));
                    rest = &rest[symbol.len()..];
                    continue;
                }
                let c = rest.chars().next().unwrap_or_default();
                current
                    .get_or_insert_with(|| new(String::new(), false, false))
                    .text
                    .push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out.extend(current.take());
        if word.pieces.is_empty() {
            // `""`: an empty value.
            out.push(new(String::new(), true, false));
        }
        if let Some(token) = out.get_mut(first) {
            token.starts_word = true;
        }
    }
    out
}

/// What the parser wanted where the tokens ran out: what completion offers there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// A field of the subject (in `where`, also `not` and `(`).
    Field {
        subject: Subject,
        clause: Clause,
        /// Fields `set` has assigned already.
        taken: Vec<String>,
    },
    /// An operator for this field (or the rest of one: `starts` -> `with`).
    Words(Vec<String>),
    /// A value for this field.
    Value(Field),
    /// The condition could end here or go on with `and`/`or` (or close a parenthesis).
    MoreOrEnd { close: bool },
    /// A sort key could end here, take a direction, or be followed by another.
    DirectionOrEnd,
    /// A `set` could end here or assign another field.
    CommaOrEnd,
}

/// Why a clause did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClauseError {
    /// The tokens ran out where something was required.
    End(Wanted),
    /// A token that cannot be there, and why.
    At { token: usize, error: ParseError },
}

/// A parsed clause and the index of the first token after it, or what went wrong. When the clause
/// is complete at the end of the tokens, `open` says what could still extend it.
pub struct Parsed<T> {
    pub value: T,
    pub next: usize,
    pub open: Option<Wanted>,
}

type Parse<T> = Result<T, ClauseError>;

/// Bounds on one condition, far above any query a person writes, well below what the databases
/// accept (SQLite's expression depth, every backend's number of bound values), and keeping the
/// recursive parser's stack small whatever a script holds.
pub const MAX_NESTING: usize = 64;
pub const MAX_TESTS: usize = 256;
pub const MAX_VALUES: usize = 1000;

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    subject: &'a Subject,
    vocabulary: &'a Vocabulary,
    /// How deep in `not` and parentheses, how many tests and values so far.
    nesting: usize,
    tests: usize,
    values: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.at)
    }

    fn peek_keyword(&self, word: &str) -> bool {
        self.peek()
            .is_some_and(|t| !t.quoted && !t.symbol && t.text.eq_ignore_ascii_case(word))
    }

    fn peek_symbol(&self, symbol: &str) -> bool {
        self.peek().is_some_and(|t| t.symbol && t.text == symbol)
    }

    fn error(&self, message: impl Into<String>) -> ClauseError {
        ClauseError::At {
            token: self.at,
            error: ParseError::new(message),
        }
    }

    fn expect_keyword(&mut self, word: &'static str, wanted: Wanted, context: &str) -> Parse<()> {
        match self.peek() {
            None => Err(ClauseError::End(wanted)),
            Some(_) if self.peek_keyword(word) => {
                self.at += 1;
                Ok(())
            }
            Some(token) => Err(self.error(format!(
                "expected {word:?} {context} but found {}",
                quoted(&token.text)
            ))),
        }
    }

    // condition := and ("or" and)*
    fn condition(&mut self) -> Parse<Condition> {
        let mut terms = vec![self.conjunction()?];
        while self.peek_keyword("or") {
            self.at += 1;
            terms.push(self.conjunction()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Condition::Or(terms)
        })
    }

    // and := not ("and" not)*
    fn conjunction(&mut self) -> Parse<Condition> {
        let mut terms = vec![self.negation()?];
        while self.peek_keyword("and") {
            self.at += 1;
            terms.push(self.negation()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Condition::And(terms)
        })
    }

    /// One level deeper in `not` or parentheses, refused past [`MAX_NESTING`].
    fn deeper(&mut self) -> Parse<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.error(format!(
                "the condition nests more than {MAX_NESTING} levels of not and parentheses"
            )));
        }
        Ok(())
    }

    // not := "not" not | "(" condition ")" | test
    fn negation(&mut self) -> Parse<Condition> {
        if self.peek_keyword("not") {
            self.at += 1;
            self.deeper()?;
            let inner = self.negation()?;
            self.nesting -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        if self.peek_symbol("(") {
            self.at += 1;
            self.deeper()?;
            let inner = self.condition()?;
            self.nesting -= 1;
            return match self.peek() {
                None => Err(ClauseError::End(Wanted::MoreOrEnd { close: true })),
                Some(_) if self.peek_symbol(")") => {
                    self.at += 1;
                    Ok(inner)
                }
                Some(token) => Err(self.error(format!(
                    "expected \")\" to close the parenthesis, or and/or, but found {}",
                    quoted(&token.text)
                ))),
            };
        }
        self.test()
    }

    fn field(&mut self, clause: Clause) -> Parse<Field> {
        let Some(token) = self.peek() else {
            return Err(ClauseError::End(Wanted::Field {
                subject: self.subject.clone(),
                clause,
                taken: Vec::new(),
            }));
        };
        let field = Field::named_in(self.subject, self.vocabulary, &token.text);
        match field.filter(|_| !token.symbol) {
            Some(field) => {
                self.at += 1;
                Ok(field)
            }
            None => Err(self.error(unknown_field(
                self.subject,
                self.vocabulary,
                clause,
                &token.text,
            ))),
        }
    }

    fn test(&mut self) -> Parse<Condition> {
        self.tests += 1;
        if self.tests > MAX_TESTS {
            return Err(self.error(format!(
                "the condition has more than {MAX_TESTS} tests: split the work into several commands"
            )));
        }
        let field = self.field(Clause::Where)?;
        let negated = self.peek_keyword("not") && {
            self.at += 1;
            true
        };
        let operator = self.operator(&field, negated)?;
        if !operator.applies_to(&field) {
            return Err(ClauseError::At {
                token: self.at - 1,
                error: ParseError::new(refused_operator(&field, operator)),
            });
        }
        let test = match operator {
            Operator::Compare(comparison) => Test::Compare(comparison, self.value(&field)?),
            Operator::Like => Test::Like(self.text(&field)?),
            Operator::Contains => Test::Contains(self.text(&field)?),
            Operator::StartsWith => Test::StartsWith(self.text(&field)?),
            Operator::In => Test::In(self.list(&field)?),
            Operator::Between => {
                let low = self.value(&field)?;
                self.expect_keyword(
                    "and",
                    Wanted::Words(vec!["and".into()]),
                    "between the two values of between",
                )?;
                Test::Between(low, self.value(&field)?)
            }
            Operator::IsNull => Test::IsNull,
            Operator::IsNotNull => Test::IsNotNull,
        };
        let test = Condition::Test { field, test };
        Ok(if negated {
            Condition::Not(Box::new(test))
        } else {
            test
        })
    }

    /// The operator after a field (after `not`, only those that can be negated).
    fn operator(&mut self, field: &Field, negated: bool) -> Parse<Operator> {
        let candidates: Vec<Operator> = Operator::all()
            .into_iter()
            .filter(|o| !negated || o.negatable())
            .collect();
        let start = self.at;
        let mut typed = 0;
        loop {
            let matching: Vec<Operator> = candidates
                .iter()
                .copied()
                .filter(|o| self.starts_operator(start, typed + 1, o.words()))
                .collect();
            if let Some(done) = matching.iter().find(|o| o.words().len() == typed + 1) {
                // `is null` and `is not null` share `is`: the longer one needs its next word.
                if matching.iter().all(|o| o.words().len() == typed + 1)
                    || !self.more_words(start, typed + 1)
                {
                    self.at = start + typed + 1;
                    return Ok(*done);
                }
            }
            if matching.is_empty() {
                self.at = start + typed;
                return Err(match self.peek() {
                    None => ClauseError::End(Wanted::Words(next_operator_words(
                        field,
                        &candidates,
                        start,
                        typed,
                        self,
                    ))),
                    Some(_) => {
                        let typed: Vec<&str> = self.tokens[start..=self.at]
                            .iter()
                            .map(|t| t.text.as_str())
                            .collect();
                        let error = unknown_operator(field, &typed.join(" "), negated);
                        self.at = start;
                        self.error(error)
                    }
                });
            }
            typed += 1;
        }
    }

    /// Whether tokens `start..start + count` spell the first `count` words of `words`.
    fn starts_operator(&self, start: usize, count: usize, words: &[&str]) -> bool {
        count <= words.len()
            && (0..count).all(|i| {
                self.tokens.get(start + i).is_some_and(|t| {
                    !t.quoted && t.text.eq_ignore_ascii_case(words[i])
                        || (words[i] == "!=" && t.symbol && t.text == "<>")
                })
            })
    }

    fn more_words(&self, start: usize, count: usize) -> bool {
        self.tokens.get(start + count).is_some()
    }

    fn value_token(&mut self, field: &Field) -> Parse<&'a Token> {
        match self.peek() {
            None => Err(ClauseError::End(Wanted::Value(field.clone()))),
            Some(token) if token.symbol => Err(self.error(format!(
                "expected a value for {} but found {}: {}",
                field.name(),
                quoted(&token.text),
                value_shape(field)
            ))),
            Some(token) => {
                self.at += 1;
                Ok(token)
            }
        }
    }

    fn text(&mut self, field: &Field) -> Parse<String> {
        Ok(self.value_token(field)?.text.clone())
    }

    fn value(&mut self, field: &Field) -> Parse<Literal> {
        let at = self.at;
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(self.error(format!(
                "the command has more than {MAX_VALUES} values: split the work into several commands"
            )));
        }
        let token = self.value_token(field)?;
        let mut text = token.text.clone();
        // An unquoted date may be followed by its time: `timestamp > 2024-01-01 12:00`.
        if field.field_type() == FieldType::Timestamp
            && !token.quoted
            && let Some(next) = self.peek()
            && !next.quoted
            && !next.symbol
            && looks_like_time(&next.text)
        {
            text = format!("{text} {}", next.text);
            self.at += 1;
        }
        literal(field, &text).map_err(|error| ClauseError::At { token: at, error })
    }

    fn list(&mut self, field: &Field) -> Parse<Vec<Literal>> {
        match self.peek() {
            None => return Err(ClauseError::End(Wanted::Words(vec!["(".into()]))),
            Some(_) if self.peek_symbol("(") => self.at += 1,
            Some(token) => {
                return Err(self.error(format!(
                    "in takes a list in parentheses, as in {} in (1, 2, 3), not {}",
                    field.name(),
                    quoted(&token.text)
                )));
            }
        }
        let mut values = vec![self.value(field)?];
        loop {
            match self.peek() {
                None => {
                    return Err(ClauseError::End(Wanted::Words(vec![
                        ",".into(),
                        ")".into(),
                    ])));
                }
                Some(_) if self.peek_symbol(",") => {
                    self.at += 1;
                    values.push(self.value(field)?);
                }
                Some(_) if self.peek_symbol(")") => {
                    self.at += 1;
                    return Ok(values);
                }
                Some(token) => {
                    return Err(self.error(format!(
                        "expected \",\" or \")\" in the list but found {}",
                        quoted(&token.text)
                    )));
                }
            }
        }
    }

    fn sorts(&mut self) -> Parse<Vec<Sort>> {
        let mut sorts = Vec::new();
        loop {
            let at = self.at;
            let field = self.field(Clause::OrderBy)?;
            if let Some(why) = field.refuses_order() {
                return Err(ClauseError::At {
                    token: at,
                    error: ParseError::new(why),
                });
            }
            let mut descending = false;
            if let Some(index) = DIRECTIONS.iter().position(|d| self.peek_keyword(d)) {
                descending = index == 1;
                self.at += 1;
            }
            sorts.push(Sort { field, descending });
            if !self.peek_symbol(",") {
                return Ok(sorts);
            }
            self.at += 1;
        }
    }

    fn assignments(&mut self, clause: Clause) -> Parse<Vec<Assignment>> {
        let mut assignments: Vec<Assignment> = Vec::new();
        loop {
            let at = self.at;
            let field = self.field(clause).map_err(|error| match error {
                ClauseError::End(Wanted::Field {
                    subject, clause, ..
                }) => ClauseError::End(Wanted::Field {
                    subject,
                    clause,
                    taken: assignments.iter().map(|a| a.field.name()).collect(),
                }),
                other => other,
            })?;
            let not_with = (clause == Clause::With && field.live_column().is_none()).then(|| {
                format!(
                    "{} is given before with (or changed with update); with sets the columns the \
                     shell does not declare: {}",
                    field.name(),
                    with_fields(self.subject, self.vocabulary)
                )
            });
            let refused = not_with.or_else(|| field.refuses_set()).or_else(|| {
                assignments
                    .iter()
                    .any(|a| a.field == field)
                    .then(|| format!("{} is set twice", field.name()))
            });
            if let Some(why) = refused {
                return Err(ClauseError::At {
                    token: at,
                    error: ParseError::new(why),
                });
            }
            match self.peek() {
                None => return Err(ClauseError::End(Wanted::Words(vec!["=".into()]))),
                Some(_) if self.peek_symbol("=") => self.at += 1,
                Some(token) => {
                    return Err(self.error(format!(
                        "expected \"=\" after {} in set but found {}",
                        field.name(),
                        quoted(&token.text)
                    )));
                }
            }
            let value_at = self.at;
            let value = self.value(&field)?;
            checked_for_set(&field, &value).map_err(|error| ClauseError::At {
                token: value_at,
                error,
            })?;
            assignments.push(Assignment { field, value });
            if !self.peek_symbol(",") {
                return Ok(assignments);
            }
            self.at += 1;
        }
    }
}

fn next_operator_words(
    field: &Field,
    candidates: &[Operator],
    start: usize,
    typed: usize,
    parser: &Parser,
) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    if typed == 0
        && candidates
            .iter()
            .any(|o| o.negatable() && o.applies_to(field))
    {
        // `not` may come first only when no operator was begun and it was not typed already.
        let after_not = start > 0 && parser.tokens[start - 1].text.eq_ignore_ascii_case("not");
        if !after_not {
            words.push("not".into());
        }
    }
    for operator in candidates.iter().filter(|o| o.applies_to(field)) {
        if parser.starts_operator(start, typed, operator.words())
            && let Some(next) = operator.words().get(typed)
            && !words.iter().any(|w| w == next)
        {
            words.push(next.to_string());
        }
    }
    words
}

fn looks_like_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 4 && bytes[0].is_ascii_digit() && text.contains(':')
}

/// How a value of this field is written, for messages.
pub fn value_shape(field: &Field) -> String {
    match field.field_type() {
        FieldType::Integer => format!("{} takes a whole number", field.name()),
        FieldType::Text => format!("{} takes text (quote it if it has spaces)", field.name()),
        FieldType::Timestamp => format!(
            "{} takes a date as YYYY-MM-DD or \"YYYY-MM-DD HH:MM[:SS]\", in UTC",
            field.name()
        ),
        FieldType::Date => format!("{} takes a date as YYYY-MM-DD", field.name()),
        FieldType::Boolean => format!("{} takes true or false", field.name()),
        FieldType::Float => format!("{} takes a number, such as 2 or 2.5", field.name()),
        FieldType::Secret => format!(
            "{} can only be tested with is null or is not null",
            field.name()
        ),
        FieldType::User | FieldType::UserKey => {
            format!("{} takes a username or a user id", field.name())
        }
    }
}

/// A value typed by its field.
pub fn literal(field: &Field, text: &str) -> Result<Literal, ParseError> {
    let wrong = || ParseError::new(format!("{}, not {}", value_shape(field), quoted(text)));
    match field.field_type() {
        FieldType::Integer => {
            let digits = text.trim().trim_start_matches('-');
            match text.trim().parse::<i64>() {
                Ok(n) => Ok(Literal::Integer(n)),
                Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => Err(
                    ParseError::new(format!("{} {} is out of range", field.name(), quoted(text))),
                ),
                Err(_) => Err(wrong()),
            }
        }
        FieldType::Text => Ok(Literal::Text(text.to_string())),
        FieldType::Timestamp => timestamp(text).map(Literal::Timestamp).ok_or_else(wrong),
        FieldType::Date => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Literal::Date)
            .map_err(|_| wrong()),
        FieldType::Boolean => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Literal::Boolean(true)),
            "false" | "0" => Ok(Literal::Boolean(false)),
            _ => Err(wrong()),
        },
        FieldType::Float => match text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Literal::Float(text.trim().to_string())),
            _ => Err(wrong()),
        },
        FieldType::Secret => Err(wrong()),
        FieldType::User | FieldType::UserKey => user_ref(text).map(Literal::User),
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1 to 9 fraction digits, nothing else: the form
/// the Flask app stores, read by hand (chrono's format parsing was a tenth of an import's time).
pub fn plain_timestamp(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            let n = digits(20..b.len())?;
            n * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?.and_hms_nano_opt(
        digits(11..13)?,
        digits(14..16)?,
        digits(17..19)?,
        nanos,
    )
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM`, `YYYY-MM-DD HH:MM:SS[.ffffff]` (or with a `T`), in UTC.
pub fn timestamp(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    if let Some(at) = plain_timestamp(text.as_bytes()) {
        return Some(at);
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0);
    }
    [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

/// A value for a column, as `set` would take it (typed, and checked by the rules `add` applies):
/// what `import` reads of the columns the entities do not declare.
pub fn assigned(field: &Field, text: &str) -> Result<Literal, ParseError> {
    let value = literal(field, text)?;
    checked_for_set(field, &value)?;
    Ok(value)
}

/// `set` applies the rules `add` does; a column the catalog describes, its length.
fn checked_for_set(field: &Field, value: &Literal) -> Result<(), ParseError> {
    use super::query::{PostColumn, PostField, UserColumn, UserField};
    if let (Some(column), Literal::Text(text)) = (field.live_column(), value)
        && let ColumnKind::Text { max: Some(max) } = column.kind
    {
        let length = text.chars().count();
        if length > max as usize {
            return Err(ParseError::new(format!(
                "{} is {length} characters long: at most {max} are allowed",
                shown_name(&field.name())
            )));
        }
    }
    match (field, value) {
        (Field::User(UserField::Column(UserColumn::Username)), Literal::Text(text)) => {
            validate::username(text)
        }
        (Field::User(UserField::Column(UserColumn::Email)), Literal::Text(text)) => {
            validate::email(text)
        }
        (Field::Post(PostField::Column(PostColumn::Body)), Literal::Text(text)) => {
            validate::body(text)
        }
        (Field::Post(PostField::Column(PostColumn::UserId)), Literal::Integer(id)) => {
            validate::id("user", &id.to_string()).map(|_| ())
        }
        _ => Ok(()),
    }
}

fn unknown_field(subject: &Subject, vocabulary: &Vocabulary, clause: Clause, word: &str) -> String {
    let names = match clause {
        Clause::With => allowed_fields(subject, vocabulary, clause),
        _ => subject.fields(vocabulary).iter().map(Field::name).collect(),
    };
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let lower = word.to_lowercase();
    let nearest = refs
        .iter()
        .map(|name| {
            (
                name,
                strsim::damerau_levenshtein(&lower, &name.to_lowercase()),
            )
        })
        .filter(|(name, distance)| *distance <= 2.max(name.len() / 3))
        .min_by_key(|(_, distance)| *distance)
        .map(|(name, _)| format!("did you mean {}? ", shown_name(name)))
        .unwrap_or_default();
    if refs.is_empty() {
        return format!(
            "{} has no field {}: {} sets only the columns the shell does not declare, and there \
             are none",
            subject.shown(),
            quoted(word),
            clause.keywords()[0]
        );
    }
    format!(
        "{} has no field {}: {nearest}its fields are {}",
        subject.shown(),
        quoted(word),
        every(&refs)
    )
}

/// `a, b and c`, each name quoted when it would not read as one word.
fn every(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().map(|n| shown_name(n)).collect();
    let refs: Vec<&str> = shown.iter().map(String::as_str).collect();
    alternatives(&refs).replacen(" or ", " and ", 1)
}

/// A field's name as messages show it: quoted when it has spaces, quotes or controls.
pub fn shown_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    match plain {
        true => name.to_string(),
        false => quoted(name),
    }
}

/// The fields `with` can set, for its messages.
fn with_fields(subject: &Subject, vocabulary: &Vocabulary) -> String {
    let names = allowed_fields(subject, vocabulary, Clause::With);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    match refs.is_empty() {
        true => "this database has none".to_string(),
        false => every(&refs),
    }
}

fn unknown_operator(field: &Field, word: &str, negated: bool) -> String {
    let operators: Vec<String> = Operator::for_field(field)
        .into_iter()
        .filter(|o| !negated || o.negatable())
        .map(Operator::shown)
        .collect();
    let lower = word.to_lowercase();
    let nearest = operators
        .iter()
        .filter(|o| o.len() > 2)
        .map(|o| (o, strsim::damerau_levenshtein(&lower, o)))
        .filter(|(_, distance)| *distance <= 2)
        .min_by_key(|(_, distance)| *distance)
        .map(|(o, _)| format!("did you mean {o}? "))
        .unwrap_or_default();
    let refs: Vec<&str> = operators.iter().map(String::as_str).collect();
    format!(
        "unknown operator {} after {}: {nearest}use {}",
        quoted(word),
        field.name(),
        alternatives(&refs)
    )
}

fn refused_operator(field: &Field, operator: Operator) -> String {
    let operators: Vec<String> = Operator::for_field(field)
        .into_iter()
        .map(Operator::shown)
        .collect();
    let refs: Vec<&str> = operators.iter().map(String::as_str).collect();
    let reason = match field.field_type() {
        _ if matches!(operator, Operator::IsNull | Operator::IsNotNull) => {
            format!("{} always has a value", field.name())
        }
        FieldType::Secret => "it can only be tested for being set".to_string(),
        FieldType::User => format!(
            "it names the author: for other tests use {}.username or {}.id",
            field.name(),
            field.name()
        ),
        FieldType::UserKey => "it holds a user: compare it with = or != or in".to_string(),
        FieldType::Boolean => format!("{} is true or false", field.name()),
        FieldType::Integer
        | FieldType::Timestamp
        | FieldType::Date
        | FieldType::Float
        | FieldType::Text => {
            format!("{} is not text", field.name())
        }
    };
    format!(
        "{} cannot be used with {}: {reason}; use {}",
        operator.shown(),
        field.name(),
        alternatives(&refs)
    )
}

/// A parsed clause, of its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClauseValue {
    Where(Condition),
    OrderBy(Vec<Sort>),
    Set(Vec<Assignment>),
}

/// Parses a clause over `subject`'s fields from `tokens` (its keywords already taken).
pub fn parse(
    kind: Clause,
    tokens: &[Token],
    subject: &Subject,
    vocabulary: &Vocabulary,
) -> Result<Parsed<ClauseValue>, ClauseError> {
    let mut parser = Parser {
        tokens,
        at: 0,
        subject,
        vocabulary,
        nesting: 0,
        tests: 0,
        values: 0,
    };
    let value = match kind {
        Clause::Where => ClauseValue::Where(parser.condition()?),
        Clause::OrderBy => ClauseValue::OrderBy(parser.sorts()?),
        Clause::Set | Clause::With => ClauseValue::Set(parser.assignments(kind)?),
    };
    let next = parser.at;
    let last_is_direction = next > 0
        && !tokens[next - 1].quoted
        && DIRECTIONS
            .iter()
            .any(|d| tokens[next - 1].text.eq_ignore_ascii_case(d));
    let could_go_on = match kind {
        Clause::Where => Wanted::MoreOrEnd { close: false },
        Clause::OrderBy if last_is_direction => Wanted::CommaOrEnd,
        Clause::OrderBy => Wanted::DirectionOrEnd,
        Clause::Set | Clause::With => Wanted::CommaOrEnd,
    };
    let open = (next == tokens.len()).then_some(could_go_on);
    Ok(Parsed { value, next, open })
}

/// The fields a clause can name: `where` all of them, `order by` the sortable, `set` the settable,
/// `with` the settable columns the entity does not declare.
pub fn allowed_fields(subject: &Subject, vocabulary: &Vocabulary, clause: Clause) -> Vec<String> {
    subject
        .fields(vocabulary)
        .into_iter()
        .filter(|f| match clause {
            Clause::Where => true,
            Clause::OrderBy => f.refuses_order().is_none(),
            Clause::Set => f.refuses_set().is_none(),
            Clause::With => f.live_column().is_some() && f.refuses_set().is_none(),
        })
        .map(|f| f.name())
        .collect()
}

/// Whether `word` is the comparison that `symbol` writes (for tests and completion).
pub fn comparison(symbol: &str) -> Option<Comparison> {
    Comparison::ALL.into_iter().find(|c| c.symbol() == symbol)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::query::{PostColumn, PostField, UserColumn, UserField};
    use crate::command::{Command, DataCommand, Query, ReadCommand, UserRef, parse};

    /// The issue's forms, exactly as written there.
    const FORMS: [&str; 15] = [
        r#"users where username like "s%" order by username desc"#,
        r#"users where email contains "@example" and not username = "john" limit 5"#,
        "posts where author = susan order by timestamp",
        r#"posts where author.username like "j%" and timestamp >= 2024-01-01 order by timestamp desc limit 10"#,
        r#"posts of john where body contains "flask""#,
        r#"posts where body contains "Flask" or (timestamp between 2024-01-01 and "2024-02-01 12:00" and id > 3)"#,
        "users where password_hash is null",
        "users where id in (1, 3, 5)",
        "users where posts > 3 order by posts desc",
        r#"count posts where author.email like "%@example.com""#,
        r#"update user john set email = "john@new.example.com""#,
        r#"update post 3 set body = "fixed typo""#,
        r#"update posts where author = john and body contains "draft" set body = "(removed)""#,
        "delete posts where timestamp < 2024-01-01",
        r#"delete users where posts = 0 and username like "test%""#,
    ];

    fn filter(line: &str) -> Condition {
        match parse(line) {
            Ok(Some(Command::Data(DataCommand::Read(ReadCommand::List(Query {
                filter: Some(f),
                ..
            }))))) => f,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn test(field: Field, test: Test) -> Condition {
        Condition::Test { field, test }
    }

    const ID: Field = Field::User(UserField::Column(UserColumn::Id));
    const NAME: Field = Field::User(UserField::Column(UserColumn::Username));

    #[test]
    fn every_form_of_the_issue_parses_in_any_case() {
        for form in FORMS {
            assert!(
                matches!(parse(form), Ok(Some(_))),
                "{form}: {:?}",
                parse(form)
            );
            let upper = form
                .replace("where", "WHERE")
                .replace("order by", "ORDER BY");
            assert_eq!(parse(&upper), parse(form), "{upper}");
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_tighter_than_and() {
        let eq = |n| test(ID, Test::Compare(Comparison::Eq, Literal::Integer(n)));
        assert_eq!(
            filter("users where id = 1 or id = 2 and id = 3"),
            Condition::Or(vec![eq(1), Condition::And(vec![eq(2), eq(3)])])
        );
        assert_eq!(
            filter("users where not id = 1 and id = 2"),
            Condition::And(vec![Condition::Not(Box::new(eq(1))), eq(2)])
        );
        assert_eq!(
            filter("users where (id = 1 or id = 2) and id = 3"),
            Condition::And(vec![Condition::Or(vec![eq(1), eq(2)]), eq(3)])
        );
        assert_eq!(
            filter("users where id between 1 and 3 and id = 2"),
            Condition::And(vec![
                test(ID, Test::Between(Literal::Integer(1), Literal::Integer(3))),
                eq(2)
            ])
        );
    }

    #[test]
    fn symbols_stand_alone_unless_quoted() {
        assert_eq!(filter("users where id>3"), filter("users where id > 3"));
        assert_eq!(
            filter("users where id in(1,3)"),
            filter("users where id in ( 1 , 3 )")
        );
        assert_eq!(filter("users where id<>3"), filter("users where id != 3"));
        assert_eq!(
            filter(r#"users where username = "and""#),
            test(
                NAME,
                Test::Compare(Comparison::Eq, Literal::Text("and".into()))
            )
        );
        assert_eq!(
            filter(r#"users where username contains "(a, b)""#),
            test(NAME, Test::Contains("(a, b)".into()))
        );
        assert_eq!(
            filter("users where username not like x%"),
            Condition::Not(Box::new(test(NAME, Test::Like("x%".into()))))
        );
    }

    #[test]
    fn values_are_typed_by_their_field() {
        let at = |line: &str| match filter(line) {
            Condition::Test {
                test: Test::Compare(_, Literal::Timestamp(t)),
                ..
            } => t.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            at("posts where timestamp > 2024-01-02"),
            "2024-01-02 00:00:00"
        );
        assert_eq!(
            at("posts where timestamp > 2024-01-02 03:04"),
            "2024-01-02 03:04:00"
        );
        assert_eq!(
            at(r#"posts where timestamp > "2024-01-02 03:04:05""#),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            at("posts where timestamp > 2024-01-02T03:04:05.5"),
            "2024-01-02 03:04:05.500"
        );
        assert_eq!(
            filter("posts where author = 3"),
            test(
                Field::Post(PostField::Author),
                Test::Compare(Comparison::Eq, Literal::User(UserRef::Id(3)))
            )
        );
        assert_eq!(
            filter("posts where author.id = 3"),
            test(
                Field::Post(PostField::AuthorColumn(UserColumn::Id)),
                Test::Compare(Comparison::Eq, Literal::Integer(3))
            )
        );
        assert_eq!(
            filter("posts where user_id in (1)"),
            test(
                Field::Post(PostField::Column(PostColumn::UserId)),
                Test::In(vec![Literal::Integer(1)])
            )
        );
    }

    #[test]
    fn hostile_sizes_get_one_line_not_a_stack_overflow() {
        let err = |line: String| parse(&line).unwrap_err().to_string();
        let deep = format!(
            "users where {}id = 1{}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert!(err(deep).contains("more than 64 levels"));
        let nots = format!("users where {}id = 1", "not ".repeat(100_000));
        assert!(err(nots).contains("more than 64 levels"));
        let many = format!("users where {}", vec!["id = 1"; 300].join(" or "));
        assert!(err(many).contains("more than 256 tests"));
        let list: Vec<String> = (0..2000).map(|i| i.to_string()).collect();
        assert!(
            err(format!("users where id in ({})", list.join(",")))
                .contains("more than 1000 values")
        );
        let fine = format!("users where {}id = 1{}", "(".repeat(64), ")".repeat(64));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn mistakes_name_what_exists() {
        let err = |line: &str| parse(line).unwrap_err().to_string();
        assert!(err("users where usrname = x").contains("did you mean username?"));
        assert!(err("users where username lik x").contains("did you mean like?"));
        assert!(err("users where username starts wiht x").contains(
            "unknown operator \"starts wiht\" after username: did you mean starts with?"
        ));
        assert!(err("users where password_hash is nul").contains("did you mean is null?"));
        assert!(err("posts where timestamp > soon").contains("YYYY-MM-DD"));
        assert!(err("posts where timestamp > 2024-02-30").contains("not \"2024-02-30\""));
        assert!(err("users where id = 1.5").contains("id takes a whole number"));
        assert!(err("users where id = 99999999999999999999").contains("out of range"));
        assert!(err("users where posts like x").contains("posts is not text"));
        assert!(err("update users where id = 1 set posts = 1").contains("cannot be set"));
        assert!(err("update user x set id = 1").contains("id cannot be changed"));
        assert!(err("users where id = 1)").contains("unexpected \")\""));
        assert!(err("users where id = 1 order by id sideways").contains("unexpected \"sideways\""));
    }
}
