//! The command language: a line of text in, a [`Command`] out. Pure: no I/O and no database, so every
//! rule is unit-tested here. Words are split as a shell would (`"..."`, `'...'`, backslash escapes)
//! by the `shell-words` crate; keywords are case-insensitive.

pub mod spec;
pub mod validate;

use crate::entities::EntityKind;
use crate::error::{Error, Result, quoted};
use crate::migrate::MigrateAction;
use crate::render::Format;

/// A user, named the way people name them: a number is an id, anything else a username.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserRef {
    Id(i32),
    Username(String),
}

impl std::fmt::Display for UserRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserRef::Id(id) => write!(f, "user {id}"),
            UserRef::Username(name) => write!(f, "user '{name}'"),
        }
    }
}

/// `limit N` / `offset N` on a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help(Option<String>),
    Context,
    List {
        entity: EntityKind,
        page: Page,
    },
    GetUser(UserRef),
    GetPost(i32),
    PostsOf {
        user: UserRef,
        page: Page,
    },
    AuthorOf(i32),
    AddUser {
        username: String,
        email: String,
    },
    AddPost {
        body: String,
        author: UserRef,
    },
    /// `add post` alone: the body and the author are asked for at the prompt.
    AddPostPrompt,
    DeleteUser {
        user: UserRef,
        cascade: bool,
    },
    DeletePost(i32),
    Count {
        entity: EntityKind,
        of: Option<UserRef>,
    },
    Describe(EntityKind),
    Sql(String),
    Begin,
    Commit,
    Rollback,
    Format(Option<Format>),
    Migrate(MigrateAction),
    /// `set password USER`: the runner asks for the password, then sends [`Command::StorePassword`].
    SetPassword(UserRef),
    /// `check password USER`: the runner asks for the password, then sends [`Command::VerifyPassword`].
    CheckPassword(UserRef),
    StorePassword {
        user: UserRef,
        password: Secret,
    },
    VerifyPassword {
        user: UserRef,
        password: Secret,
    },
    Timing(Option<bool>),
    History,
    Exit,
}

/// A password on its way to being hashed or checked: never printed, not even by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Command {
    /// `begin`, `commit` and `rollback`: they manage the transaction rather than run inside one.
    pub fn is_transaction_control(&self) -> bool {
        matches!(self, Command::Begin | Command::Commit | Command::Rollback)
    }
}

/// Parses one line. `Ok(None)` for a blank line or a `#` comment.
pub fn parse(line: &str) -> Result<Option<Command>> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    // `sql` takes the rest of the line verbatim: SQL has its own quoting.
    if let Some((first, rest)) = split_first_word(trimmed)
        && first.eq_ignore_ascii_case("sql")
    {
        let statement = rest.trim().trim_end_matches(';').trim();
        if statement.is_empty() {
            return Err(missing("sql"));
        }
        return Ok(Some(Command::Sql(statement.to_string())));
    }
    let words = shell_words::split(trimmed).map_err(|_| {
        Error::new("unterminated quote: close it with the same quote character it opened with")
    })?;
    if words.is_empty() {
        return Ok(None);
    }
    let mut words = Words::new(&words);
    let first = words.next().unwrap_or_default();
    let Some(spec) = spec::find(first) else {
        return Err(unknown(first));
    };
    let command = match spec.name {
        "help" => Command::Help(words.rest_joined()),
        "context" => words.end(spec.name, Command::Context)?,
        "users" => {
            let page = words.page("users")?;
            words.end(
                "users",
                Command::List {
                    entity: EntityKind::User,
                    page,
                },
            )?
        }
        "posts" => parse_posts(&mut words)?,
        "get" => parse_get(&mut words)?,
        "author" => {
            words.expect_keyword("author", "of")?;
            words.skip_keyword("post");
            let id = validate::id("post", words.required("author")?)?;
            words.end("author", Command::AuthorOf(id))?
        }
        "add" => parse_add(&mut words)?,
        "delete" => parse_delete(&mut words)?,
        "count" => {
            let entity = words.entity("count")?;
            let of = if words.skip_keyword("of") {
                if entity != EntityKind::Post {
                    return Err(Error::new(
                        "only posts can be counted of a user: count posts of USERNAME",
                    ));
                }
                Some(user_ref(words.required("count")?)?)
            } else {
                None
            };
            words.end("count", Command::Count { entity, of })?
        }
        "describe" => {
            let entity = words.entity("describe")?;
            words.end("describe", Command::Describe(entity))?
        }
        "begin" => words.end("begin", Command::Begin)?,
        "commit" => words.end("commit", Command::Commit)?,
        "rollback" => words.end("rollback", Command::Rollback)?,
        "format" => {
            let format = match words.next() {
                None => None,
                Some(word) => Some(Format::from_word(word).ok_or_else(|| {
                    Error::new(format!(
                        "unknown format {}: use table, json or csv",
                        quoted(word)
                    ))
                })?),
            };
            words.end("format", Command::Format(format))?
        }
        "migrate" => parse_migrate(&mut words)?,
        "set" | "check" => {
            words.expect_keyword(spec.name, "password")?;
            let user = user_ref(words.required(spec.name)?)?;
            let command = if spec.name == "set" {
                Command::SetPassword(user)
            } else {
                Command::CheckPassword(user)
            };
            words.end(spec.name, command)?
        }
        "timing" => {
            let setting = match words.next() {
                None => None,
                Some(w) if w.eq_ignore_ascii_case("on") => Some(true),
                Some(w) if w.eq_ignore_ascii_case("off") => Some(false),
                Some(w) => {
                    return Err(Error::new(format!(
                        "timing is on or off, not {}",
                        quoted(w)
                    )));
                }
            };
            words.end("timing", Command::Timing(setting))?
        }
        "history" => words.end("history", Command::History)?,
        "exit" => words.end("exit", Command::Exit)?,
        // Only reached when the word itself was quoted or escaped: the plain form returned above.
        "sql" => {
            return Err(Error::new(
                "sql takes the rest of the line as typed: write the word sql plainly, without \
                 quotes or backslashes",
            ));
        }
        other => unreachable!("command {other} is declared but not parsed"),
    };
    Ok(Some(command))
}

fn parse_posts(words: &mut Words) -> Result<Command> {
    if words.skip_keyword("of") {
        let user = user_ref(words.required("posts")?)?;
        let page = words.page("posts")?;
        return words.end("posts", Command::PostsOf { user, page });
    }
    let page = words.page("posts")?;
    words.end(
        "posts",
        Command::List {
            entity: EntityKind::Post,
            page,
        },
    )
}

fn parse_get(words: &mut Words) -> Result<Command> {
    let command = match words.entity("get")? {
        EntityKind::User => Command::GetUser(user_ref(words.required("get")?)?),
        EntityKind::Post => Command::GetPost(validate::id("post", words.required("get")?)?),
    };
    words.end("get", command)
}

fn parse_add(words: &mut Words) -> Result<Command> {
    let command = match words.entity("add")? {
        EntityKind::User => {
            let username = words.required("add")?.to_string();
            let email = words.required("add")?.to_string();
            validate::username(&username)?;
            validate::email(&email)?;
            Command::AddUser { username, email }
        }
        EntityKind::Post => {
            let Some(body) = words.next() else {
                return Ok(Command::AddPostPrompt);
            };
            let body = body.to_string();
            validate::body(&body)?;
            words.expect_keyword("add", "by")?;
            let author = user_ref(words.required("add")?)?;
            Command::AddPost { body, author }
        }
    };
    words.end("add", command)
}

fn parse_delete(words: &mut Words) -> Result<Command> {
    let command = match words.entity("delete")? {
        EntityKind::User => {
            let user = user_ref(words.required("delete")?)?;
            let cascade = words.skip_keyword("cascade");
            Command::DeleteUser { user, cascade }
        }
        EntityKind::Post => Command::DeletePost(validate::id("post", words.required("delete")?)?),
    };
    words.end("delete", command)
}

fn parse_migrate(words: &mut Words) -> Result<Command> {
    let action = match words.required("migrate")?.to_ascii_lowercase().as_str() {
        "up" | "upgrade" => MigrateAction::Up {
            steps: words.steps()?,
        },
        "down" | "downgrade" => MigrateAction::Down {
            steps: words.steps()?.unwrap_or(1),
        },
        "status" => MigrateAction::Status,
        "check" => MigrateAction::Check,
        "history" => MigrateAction::History,
        "current" => MigrateAction::Current,
        other => {
            return Err(Error::new(format!(
                "unknown migrate action {}: use up, down, status, check, history or current here \
                 (fresh, refresh, reset, stamp and generate only from the command line: shell \
                 migrate ...)",
                quoted(other)
            )));
        }
    };
    words.end("migrate", Command::Migrate(action))
}

/// A number is an id; anything else is a username (checked like one).
pub fn user_ref(word: &str) -> Result<UserRef> {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(UserRef::Id(validate::id("user", word)?));
    }
    validate::username(word)?;
    Ok(UserRef::Username(word.to_string()))
}

fn split_first_word(line: &str) -> Option<(&str, &str)> {
    let end = line.find(char::is_whitespace).unwrap_or(line.len());
    Some((&line[..end], &line[end..]))
}

fn unknown(word: &str) -> Error {
    match spec::nearest(word) {
        Some(name) => Error::new(format!(
            "unknown command {}: did you mean {name:?}? (type help)",
            quoted(word)
        )),
        None => Error::new(format!(
            "unknown command {}: type help for the list of commands",
            quoted(word)
        )),
    }
}

fn missing(command: &str) -> Error {
    let spec = spec::find(command).expect("declared command");
    Error::new(format!("missing argument: {}", spec::usage_line(spec)))
}

/// The words after the command name, consumed left to right.
struct Words<'a> {
    words: &'a [String],
    position: usize,
}

impl<'a> Words<'a> {
    fn new(words: &'a [String]) -> Self {
        Words { words, position: 0 }
    }

    fn next(&mut self) -> Option<&'a str> {
        let word = self.words.get(self.position)?;
        self.position += 1;
        Some(word)
    }

    fn peek(&self) -> Option<&'a str> {
        self.words.get(self.position).map(String::as_str)
    }

    fn required(&mut self, command: &str) -> Result<&'a str> {
        self.next().ok_or_else(|| missing(command))
    }

    fn skip_keyword(&mut self, keyword: &str) -> bool {
        let found = self.peek().is_some_and(|w| w.eq_ignore_ascii_case(keyword));
        if found {
            self.position += 1;
        }
        found
    }

    fn expect_keyword(&mut self, command: &str, keyword: &str) -> Result<()> {
        match self.next() {
            Some(w) if w.eq_ignore_ascii_case(keyword) => Ok(()),
            Some(w) => Err(Error::new(format!(
                "expected {keyword:?} but found {}: {}",
                quoted(w),
                spec::usage_line(spec::find(command).expect("declared command"))
            ))),
            None => Err(missing(command)),
        }
    }

    fn entity(&mut self, command: &str) -> Result<EntityKind> {
        let word = self.required(command)?;
        EntityKind::from_word(word).ok_or_else(|| {
            Error::new(format!(
                "unknown entity {}: use user or post; {}",
                quoted(word),
                spec::usage_line(spec::find(command).expect("declared command"))
            ))
        })
    }

    /// `[limit N] [offset N]`, in either order.
    fn page(&mut self, command: &str) -> Result<Page> {
        let mut page = Page::default();
        while let Some(word) = self.peek() {
            let slot = if word.eq_ignore_ascii_case("limit") {
                &mut page.limit
            } else if word.eq_ignore_ascii_case("offset") {
                &mut page.offset
            } else {
                break;
            };
            self.position += 1;
            let value = self.required(command)?;
            *slot = Some(validate::count(&word.to_lowercase(), value)?);
        }
        Ok(page)
    }

    /// `[-n N]` of `migrate up|down`.
    fn steps(&mut self) -> Result<Option<u32>> {
        if !(self.skip_keyword("-n") || self.skip_keyword("--num")) {
            return Ok(None);
        }
        let word = self.required("migrate")?;
        match word.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(Error::new(format!(
                "-n must be a number from 1 up, not {}",
                quoted(word)
            ))),
        }
    }

    fn rest_joined(&mut self) -> Option<String> {
        let rest = &self.words[self.position..];
        self.position = self.words.len();
        (!rest.is_empty()).then(|| rest.join(" "))
    }

    /// The command is complete: anything left over is a mistake worth naming.
    fn end(&self, command: &str, parsed: Command) -> Result<Command> {
        match self.peek() {
            None => Ok(parsed),
            Some(extra) => Err(Error::new(format!(
                "unexpected {}: {}",
                quoted(extra),
                spec::usage_line(spec::find(command).expect("declared command"))
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Command::List {
                entity: EntityKind::User,
                page: Page::default()
            }
        );
        assert_eq!(
            ok("POSTS offset 5 LIMIT 2"),
            Command::List {
                entity: EntityKind::Post,
                page: Page {
                    limit: Some(2),
                    offset: Some(5)
                }
            }
        );
        assert_eq!(ok("user").clone(), ok("users"));
        assert!(err("users limit").contains("missing argument"));
        assert!(err("users limit ten").contains("limit must be a number"));
        assert!(err("users sideways").contains("unexpected \"sideways\""));
    }

    #[test]
    fn get_user_by_id_or_name_and_post_by_id() {
        assert_eq!(ok("get user 1"), Command::GetUser(UserRef::Id(1)));
        assert_eq!(ok("get users john"), Command::GetUser(name("john")));
        assert_eq!(ok("Get Post 7"), Command::GetPost(7));
        assert!(err("get post john").contains("post id must be a number"));
        assert!(err("get post 99999999999").contains("out of range"));
        assert!(err("get user").starts_with("missing argument: usage: get user"));
        assert!(err("get comment 1").contains("unknown entity \"comment\""));
    }

    #[test]
    fn posts_of_and_author_of() {
        assert_eq!(
            ok("posts of john limit 3"),
            Command::PostsOf {
                user: name("john"),
                page: Page {
                    limit: Some(3),
                    offset: None
                }
            }
        );
        assert_eq!(
            ok("posts of 2"),
            Command::PostsOf {
                user: UserRef::Id(2),
                page: Page::default()
            }
        );
        assert_eq!(ok("author of post 4"), Command::AuthorOf(4));
        assert_eq!(ok("author of 4"), Command::AuthorOf(4));
        assert!(err("posts of").contains("missing argument"));
        assert!(err("author post 4").contains("expected \"of\""));
    }

    #[test]
    fn add_with_shell_quoting() {
        assert_eq!(
            ok("add user john john@example.com"),
            Command::AddUser {
                username: "john".into(),
                email: "john@example.com".into()
            }
        );
        assert_eq!(
            ok(r#"add post "my first post!" by john"#),
            Command::AddPost {
                body: "my first post!".into(),
                author: name("john")
            }
        );
        assert_eq!(
            ok(r#"add post 'it''s' by 1"#),
            Command::AddPost {
                body: "its".into(),
                author: UserRef::Id(1)
            }
        );
        assert_eq!(
            ok(r#"add post "say \"hi\"" by john"#),
            Command::AddPost {
                body: "say \"hi\"".into(),
                author: name("john")
            }
        );
        assert_eq!(ok("add post"), Command::AddPostPrompt);
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
            Command::DeleteUser {
                user: name("john"),
                cascade: false
            }
        );
        assert_eq!(
            ok("delete user 3 CASCADE"),
            Command::DeleteUser {
                user: UserRef::Id(3),
                cascade: true
            }
        );
        assert_eq!(ok("delete post 3"), Command::DeletePost(3));
        assert!(err("delete post 3 cascade").contains("unexpected \"cascade\""));
    }

    #[test]
    fn count_describe_format_and_transactions() {
        assert_eq!(
            ok("count users"),
            Command::Count {
                entity: EntityKind::User,
                of: None
            }
        );
        assert_eq!(
            ok("count posts of john"),
            Command::Count {
                entity: EntityKind::Post,
                of: Some(name("john"))
            }
        );
        assert!(err("count users of john").contains("only posts"));
        assert_eq!(ok("describe post"), Command::Describe(EntityKind::Post));
        assert_eq!(ok("format json"), Command::Format(Some(Format::Json)));
        assert_eq!(ok("format"), Command::Format(None));
        assert!(err("format yaml").contains("unknown format"));
        assert_eq!(ok("BEGIN"), Command::Begin);
        assert_eq!(ok("commit"), Command::Commit);
        assert_eq!(ok("rollback"), Command::Rollback);
        assert_eq!(ok("quit"), Command::Exit);
    }

    #[test]
    fn sql_keeps_the_statement_verbatim() {
        assert_eq!(
            ok("sql SELECT 'a  b' AS \"x\" FROM user;"),
            Command::Sql("SELECT 'a  b' AS \"x\" FROM user".into())
        );
        assert!(err("sql").contains("missing argument: usage: sql STATEMENT"));
    }

    #[test]
    fn passwords_timing_and_history() {
        assert_eq!(ok("set password john"), Command::SetPassword(name("john")));
        assert_eq!(
            ok("CHECK PASSWORD 3"),
            Command::CheckPassword(UserRef::Id(3))
        );
        assert!(err("set pasword john").contains("expected \"password\""));
        assert!(err("set password").contains("missing argument: usage: set password"));
        assert_eq!(ok("timing on"), Command::Timing(Some(true)));
        assert_eq!(ok("timing OFF"), Command::Timing(Some(false)));
        assert_eq!(ok("timing"), Command::Timing(None));
        assert!(err("timing maybe").contains("on or off"));
        assert_eq!(ok("history"), Command::History);
        let secret = Command::StorePassword {
            user: name("john"),
            password: Secret("hunter2".into()),
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
            Command::Migrate(MigrateAction::Up { steps: None })
        );
        assert_eq!(
            ok("migrate down -n 2"),
            Command::Migrate(MigrateAction::Down { steps: 2 })
        );
        assert_eq!(
            ok("migrate status"),
            Command::Migrate(MigrateAction::Status)
        );
        assert!(err("migrate fresh").contains("only from the command line"));
        assert!(err("migrate down -n 0").contains("from 1 up"));
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
        assert_eq!(ok("help"), Command::Help(None));
        assert_eq!(ok("help add"), Command::Help(Some("add".into())));
    }
}
