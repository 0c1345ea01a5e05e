//! The command language, declared once. Each command is its words, its forms (the sequence of
//! keywords, entities and values it takes), a summary and an example, and each form says how its
//! matched values become a [`Command`]. The parser, `help`, the usage in errors, "did you mean",
//! completion and hints are all read off this table, so a new command or clause is one entry here.

use std::sync::Arc;

use super::clause::Clause;
use super::error::{ParseError, ParseResult, alternatives, quoted};
use super::query::{Assignment, Condition, FollowSide, Owner, Query, Sort, TableQuery};
use super::vocabulary::{LiveTable, Vocabulary};
use super::{
    Command, DataCommand, EntityKind, Existing, Format, ImportFormat, MigrateAction, OutputFile,
    Page, PromptCommand, ReadCommand, SqlCommand, Targets, TransactionCommand, UserRef,
    WriteCommand,
};

pub struct CommandSpec {
    /// The first word a user types.
    pub name: &'static str,
    /// Other words accepted for the same command.
    pub aliases: &'static [&'static str],
    pub summary: &'static str,
    /// What `help COMMAND` shows; the first is the one the overview points to. Each must parse.
    pub examples: &'static [&'static str],
    pub forms: &'static [Form],
}

/// One way of writing a command: its parts after the command word, and what they build.
pub struct Form {
    pub parts: &'static [Part],
    pub build: fn(&mut Captures) -> ParseResult<Command>,
    /// Hidden forms are not shown or completed: they accept a tolerated spelling (`author of 4`)
    /// or refuse a near miss with a precise reason.
    pub shown: bool,
}

/// One slot of a form.
pub enum Part {
    /// A fixed word, in any case.
    Keyword(&'static str),
    /// An entity by name, singular or plural (shown as `plural` says): one of `kinds`.
    Entity {
        kinds: &'static [EntityKind],
        plural: bool,
    },
    /// A value the user types, shown in usage as `shown`.
    Value { value: Value, shown: &'static str },
    /// One of a fixed set of words (`table|json|csv`).
    Choice(&'static Choice),
    /// A part that may be left out: `[cascade]`, `[COMMAND]`.
    Optional(&'static Part),
    /// `[limit N] [offset N]`, in either order (the words of [`PAGING`]).
    Paging,
    /// A migration action, parsed by its clap declaration (`migrate up -n 2`).
    MigrateAction,
    /// A clause of the query language over the fields of `on`: `where ...`, `order by ...`,
    /// `set ...`, `with ...` (see `clause`); optional unless `required`.
    Clause {
        clause: Clause,
        on: On,
        required: bool,
    },
}

/// Whose fields a clause names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    Entity(EntityKind),
    /// The table the form named before the clause (`rows of message where ...`).
    Table,
}

/// The kinds of value, each with its own check (and, for some, its completion from the database).
#[derive(Debug, Clone, Copy)]
pub enum Value {
    /// An existing user: a number is an id, anything else a username.
    User,
    /// A username for a new user.
    NewUsername,
    Email,
    /// A post body (quoted when it has spaces).
    Body,
    PostId,
    /// The rest of the words, joined (`help add user`).
    Topic,
    /// The rest of the line exactly as typed, SQL's own quoting intact (`sql ...`).
    Statement,
    /// A file's path (quoted when it has spaces).
    Path,
    /// A whole number of seconds, from 1 up.
    Seconds,
    /// Another command: the rest of the line, its quoting intact (`watch 5 posts of john`).
    Command,
    /// A table the shell does not declare, by name (from the live schema).
    Table,
}

#[derive(Debug)]
pub struct Choice {
    pub words: &'static [&'static str],
    /// What to say of a word that is none of them.
    pub refuse: fn(&str) -> String,
}

/// A matched value, in the order of its form's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Captured {
    Entity(EntityKind),
    User(UserRef),
    Text(String),
    Id(i32),
    /// The index of the word in its [`Choice`].
    Choice(usize),
    Page(Page),
    Migrate(MigrateAction),
    /// An optional part: whether it was there (its value, if any, follows).
    Present(bool),
    Filter(Option<Condition>),
    Order(Vec<Sort>),
    Set(Vec<Assignment>),
    Table(Arc<LiveTable>),
}

/// The values a form matched, taken in order by its build function, and the vocabulary they were
/// read with (a command inside `explain` or `watch` is read with it too).
pub struct Captures {
    values: std::vec::IntoIter<Captured>,
    vocabulary: Vocabulary,
}

/// `pub fn NAME(&mut self) -> ParseResult<TYPE>`: the next value, which must be a `Captured::VARIANT`.
macro_rules! captured {
    ($name:ident, $variant:ident, $type:ty, $what:literal) => {
        pub fn $name(&mut self) -> ParseResult<$type> {
            match self.values.next() {
                Some(Captured::$variant(value)) => Ok(value),
                _ => Err(mismatch($what)),
            }
        }
    };
}

impl Captures {
    pub fn new(values: Vec<Captured>, vocabulary: &Vocabulary) -> Self {
        Captures {
            values: values.into_iter(),
            vocabulary: vocabulary.clone(),
        }
    }

    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    captured!(entity, Entity, EntityKind, "an entity");
    captured!(user, User, UserRef, "a user");
    captured!(text, Text, String, "a text");
    captured!(id, Id, i32, "an id");
    // The index of the chosen word in its `Choice`.
    captured!(choice, Choice, usize, "a choice");
    captured!(page, Page, Page, "paging");
    captured!(migrate, Migrate, MigrateAction, "a migration action");
    // Whether an optional part was given (its value, if any, comes next).
    captured!(present, Present, bool, "an optional part");
    captured!(filter, Filter, Option<Condition>, "a where clause");
    captured!(order, Order, Vec<Sort>, "an order by clause");
    captured!(set, Set, Vec<Assignment>, "a set clause");
    captured!(table, Table, Arc<LiveTable>, "a table");

    /// An optional `with ...`: empty when it was left out.
    pub fn with(&mut self) -> ParseResult<Vec<Assignment>> {
        match self.values.next() {
            Some(Captured::Set(assignments)) => Ok(assignments),
            Some(Captured::Present(false)) => Ok(Vec::new()),
            _ => Err(mismatch("a with clause")),
        }
    }

    /// `TABLE [for USER|post N] [where ...] [order by ...] [limit N] [offset N]` of `rows`, with
    /// `for` when the form has it.
    pub fn table_query(&mut self, owner: Owned) -> ParseResult<TableQuery> {
        let mut query = self.table_count(owner)?;
        query.order = self.order()?;
        query.page = self.page()?;
        Ok(query)
    }

    /// `TABLE [for USER|post N] [where ...]` of `count rows of`.
    pub fn table_count(&mut self, owner: Owned) -> ParseResult<TableQuery> {
        let table = self.table()?;
        let of = match owner {
            Owned::ByAnyone => None,
            Owned::ByUser => Some(Owner::User(self.user()?)),
            Owned::ByPost => {
                self.entity()?;
                Some(Owner::Post(self.id()?))
            }
        };
        Ok(TableQuery {
            table,
            of,
            filter: self.filter()?,
            order: Vec::new(),
            page: Page::default(),
        })
    }

    /// A required `where`.
    pub fn condition(&mut self) -> ParseResult<Condition> {
        self.filter()?
            .ok_or_else(|| mismatch("required where clause"))
    }

    /// `[where ...] [order by ...] [limit N] [offset N]` of `entity`, maybe `of` a user.
    pub fn query(&mut self, entity: EntityKind, of: Option<UserRef>) -> ParseResult<Query> {
        Ok(Query {
            entity,
            of,
            follows: None,
            filter: self.filter()?,
            order: self.order()?,
            page: self.page()?,
        })
    }
}

/// Which `for` a form of `rows of TABLE` has.
#[derive(Debug, Clone, Copy)]
pub enum Owned {
    ByAnyone,
    /// `for USER`.
    ByUser,
    /// `for post N`.
    ByPost,
}

/// A build function that reads values its form does not have: a mistake in this file, which the
/// grammar's own tests catch by parsing every form.
fn mismatch(wanted: &str) -> ParseError {
    ParseError::new(format!(
        "internal error: the grammar declares no {wanted} here"
    ))
}

/// The keywords of [`Part::Paging`], each followed by a number: how many rows, and how many to skip.
pub const PAGING: [&str; 2] = ["limit", "offset"];

const USER: Part = Part::Entity {
    kinds: &[EntityKind::User],
    plural: false,
};
const POST: Part = Part::Entity {
    kinds: &[EntityKind::Post],
    plural: false,
};
const EXISTING_USER: Part = Part::Value {
    value: Value::User,
    shown: "USERNAME|ID",
};
const POST_ID: Part = Part::Value {
    value: Value::PostId,
    shown: "ID",
};

const fn order(entity: EntityKind) -> Part {
    Part::Clause {
        clause: Clause::OrderBy,
        on: On::Entity(entity),
        required: false,
    }
}

const fn filter(entity: EntityKind, required: bool) -> Part {
    Part::Clause {
        clause: Clause::Where,
        on: On::Entity(entity),
        required,
    }
}

const fn set(entity: EntityKind) -> Part {
    Part::Clause {
        clause: Clause::Set,
        on: On::Entity(entity),
        required: true,
    }
}

/// `[with FIELD = VALUE, ...]` after `add`: the columns the entity does not declare.
const fn with(entity: EntityKind) -> Part {
    Part::Clause {
        clause: Clause::With,
        on: On::Entity(entity),
        required: false,
    }
}

const TABLE: Part = Part::Value {
    value: Value::Table,
    shown: "TABLE",
};
const TABLE_FILTER: Part = Part::Clause {
    clause: Clause::Where,
    on: On::Table,
    required: false,
};
const TABLE_ORDER: Part = Part::Clause {
    clause: Clause::OrderBy,
    on: On::Table,
    required: false,
};

/// `[cascade]`: a delete takes what other tables hold of the rows too.
const CASCADE: Part = Part::Optional(&Part::Keyword("cascade"));
/// Skips the question a bulk change asks at a terminal.
const YES: Part = Part::Optional(&Part::Keyword("--yes"));

const USERS: Part = Part::Entity {
    kinds: &[EntityKind::User],
    plural: true,
};
const POSTS: Part = Part::Entity {
    kinds: &[EntityKind::Post],
    plural: true,
};

const FORMATS: Choice = Choice {
    words: &Format::WORDS,
    refuse: |word| {
        format!(
            "unknown format {}: use {}",
            quoted(word),
            alternatives(&Format::WORDS)
        )
    },
};
const EXISTING: Choice = Choice {
    words: &Existing::WORDS,
    refuse: |word| {
        format!(
            "{} is not an option of output: use {}",
            quoted(word),
            alternatives(&Existing::WORDS)
        )
    },
};
const IMPORT_FORMATS: Choice = Choice {
    words: &ImportFormat::WORDS,
    refuse: |word| {
        format!(
            "import reads {}, not {}",
            alternatives(&ImportFormat::WORDS),
            quoted(word)
        )
    },
};
const FILE: Part = Part::Value {
    value: Value::Path,
    shown: "FILE",
};
const KEEP_GOING: Part = Part::Optional(&Part::Keyword("--continue-on-error"));
/// `of USER [where ...] [order by ...] [limit N] [offset N]` of `followers` and `following`.
const FOLLOW_LIST_PARTS: [Part; 5] = [
    Part::Keyword("of"),
    EXISTING_USER,
    filter(EntityKind::User, false),
    order(EntityKind::User),
    Part::Paging,
];
/// `WHOM by WHO` of `follow` and `unfollow`.
const FOLLOW_PARTS: [Part; 3] = [
    Part::Value {
        value: Value::User,
        shown: "USERNAME|ID",
    },
    Part::Keyword("by"),
    EXISTING_USER,
];
const FOLLOW_SIDES: Choice = Choice {
    words: &["followers", "following"],
    refuse: |word| {
        format!(
            "count users, posts, followers, following or rows, not {}",
            quoted(word)
        )
    },
};
const ON_OFF: Choice = Choice {
    words: &["on", "off"],
    refuse: |word| format!("use on or off, not {}", quoted(word)),
};

const fn hidden(parts: &'static [Part], build: fn(&mut Captures) -> ParseResult<Command>) -> Form {
    Form {
        parts,
        build,
        shown: false,
    }
}

macro_rules! form {
    ($parts:expr, $build:expr) => {
        Form {
            parts: $parts,
            build: $build,
            shown: true,
        }
    };
}

fn prompt(command: PromptCommand) -> ParseResult<Command> {
    Ok(Command::Prompt(command))
}

fn read(command: ReadCommand) -> ParseResult<Command> {
    Ok(Command::Data(DataCommand::Read(command)))
}

fn write(command: WriteCommand) -> ParseResult<Command> {
    Ok(Command::Data(DataCommand::Write(command)))
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        aliases: &["?"],
        summary: "list the commands, or show one command's usage and an example",
        examples: &["help posts"],
        forms: &[form!(
            &[Part::Optional(&Part::Value {
                value: Value::Topic,
                shown: "COMMAND"
            })],
            |c| {
                let topic = if c.present()? { Some(c.text()?) } else { None };
                prompt(PromptCommand::Help(topic))
            }
        )],
    },
    CommandSpec {
        name: "context",
        aliases: &[],
        summary: "what is preloaded: the database, each entity with its table, columns and rows",
        examples: &["context"],
        forms: &[form!(&[], |_| prompt(PromptCommand::Context))],
    },
    CommandSpec {
        name: "users",
        aliases: &["user"],
        summary: "list users, by id unless ordered; `where` picks them (help where)",
        examples: &[
            "users where username like \"s%\" order by username desc",
            "users where email contains \"@example\" and not username = john limit 5",
            "users where posts > 3 order by posts desc",
            "users where id in (1, 3, 5)",
        ],
        forms: &[form!(
            &[
                filter(EntityKind::User, false),
                order(EntityKind::User),
                Part::Paging
            ],
            |c| read(ReadCommand::List(c.query(EntityKind::User, None)?))
        )],
    },
    CommandSpec {
        name: "posts",
        aliases: &["post"],
        summary: "list posts, newest first unless ordered; `of` lists one user's posts",
        examples: &[
            "posts of john where body contains \"flask\" limit 5",
            "posts where author = susan order by timestamp",
            "posts where author.username like \"j%\" and timestamp >= 2024-01-01 order by timestamp desc",
            "posts where body contains \"Flask\" or (timestamp between 2024-01-01 and \"2024-02-01 12:00\" and id > 3)",
        ],
        forms: &[
            form!(
                &[
                    filter(EntityKind::Post, false),
                    order(EntityKind::Post),
                    Part::Paging
                ],
                |c| read(ReadCommand::List(c.query(EntityKind::Post, None)?))
            ),
            form!(
                &[
                    Part::Keyword("of"),
                    EXISTING_USER,
                    filter(EntityKind::Post, false),
                    order(EntityKind::Post),
                    Part::Paging
                ],
                |c| {
                    let user = c.user()?;
                    read(ReadCommand::List(c.query(EntityKind::Post, Some(user))?))
                }
            ),
        ],
    },
    CommandSpec {
        name: "followers",
        aliases: &[],
        summary: "list the users who follow a user (the tutorial's followers table)",
        examples: &[
            "followers of john",
            "followers of john where username starts with s order by username",
        ],
        forms: &[form!(&FOLLOW_LIST_PARTS, |c| follow_list(
            c,
            FollowSide::Followers
        ))],
    },
    CommandSpec {
        name: "following",
        aliases: &["followed"],
        summary: "list the users a user follows",
        examples: &["following of susan"],
        forms: &[form!(&FOLLOW_LIST_PARTS, |c| follow_list(
            c,
            FollowSide::Following
        ))],
    },
    CommandSpec {
        name: "tables",
        aliases: &[],
        summary: "the tables beyond users and posts (a later chapter's followers, message, ...), \
                  with their columns and rows",
        examples: &["tables"],
        forms: &[form!(&[], |_| read(ReadCommand::Tables))],
    },
    CommandSpec {
        name: "rows",
        aliases: &[],
        summary: "list a table beyond users and posts; `for` picks the rows tied to a user or a \
                  post, `where` as in a listing",
        examples: &[
            "rows of followers",
            "rows of message for john order by timestamp desc limit 5",
            "rows of message where sender_id = john and body contains \"hello\"",
        ],
        forms: &[
            form!(
                &[
                    Part::Keyword("of"),
                    TABLE,
                    TABLE_FILTER,
                    TABLE_ORDER,
                    Part::Paging
                ],
                |c| read(ReadCommand::Rows(c.table_query(Owned::ByAnyone)?))
            ),
            // `for post N` before `for USER`: a user named "post" is still found by the second.
            form!(
                &[
                    Part::Keyword("of"),
                    TABLE,
                    Part::Keyword("for"),
                    POST,
                    POST_ID,
                    TABLE_FILTER,
                    TABLE_ORDER,
                    Part::Paging
                ],
                |c| read(ReadCommand::Rows(c.table_query(Owned::ByPost)?))
            ),
            form!(
                &[
                    Part::Keyword("of"),
                    TABLE,
                    Part::Keyword("for"),
                    EXISTING_USER,
                    TABLE_FILTER,
                    TABLE_ORDER,
                    Part::Paging
                ],
                |c| read(ReadCommand::Rows(c.table_query(Owned::ByUser)?))
            ),
        ],
    },
    CommandSpec {
        name: "get",
        aliases: &["show"],
        summary: "show one user, or one post with its author",
        examples: &["get user john"],
        forms: &[
            form!(
                &[
                    USER,
                    Part::Value {
                        value: Value::User,
                        shown: "ID|USERNAME"
                    }
                ],
                |c| {
                    c.entity()?;
                    read(ReadCommand::GetUser(c.user()?))
                }
            ),
            form!(&[POST, POST_ID], |c| {
                c.entity()?;
                read(ReadCommand::GetPost(c.id()?))
            }),
        ],
    },
    CommandSpec {
        name: "author",
        aliases: &[],
        summary: "show the user who wrote a post",
        examples: &["author of post 1"],
        forms: &[
            form!(
                &[Part::Keyword("of"), Part::Keyword("post"), POST_ID],
                |c| read(ReadCommand::AuthorOf(c.id()?))
            ),
            hidden(&[Part::Keyword("of"), POST_ID], |c| {
                read(ReadCommand::AuthorOf(c.id()?))
            }),
        ],
    },
    CommandSpec {
        name: "add",
        aliases: &["new"],
        summary: "add a user, or a post (alone, `add post` asks for the body and the author); \
                  `with` sets columns the shell does not declare",
        examples: &[
            "add post \"my first post!\" by john",
            "add user susan susan@example.com with about_me = \"I like cats\"",
        ],
        forms: &[
            form!(
                &[
                    USER,
                    Part::Value {
                        value: Value::NewUsername,
                        shown: "USERNAME"
                    },
                    Part::Value {
                        value: Value::Email,
                        shown: "EMAIL"
                    },
                    with(EntityKind::User)
                ],
                |c| {
                    c.entity()?;
                    write(WriteCommand::AddUser {
                        username: c.text()?,
                        email: c.text()?,
                        with: c.with()?,
                    })
                }
            ),
            form!(
                &[
                    POST,
                    Part::Value {
                        value: Value::Body,
                        shown: "\"BODY\""
                    },
                    Part::Keyword("by"),
                    EXISTING_USER,
                    with(EntityKind::Post)
                ],
                |c| {
                    c.entity()?;
                    write(WriteCommand::AddPost {
                        body: c.text()?,
                        author: c.user()?,
                        with: c.with()?,
                    })
                }
            ),
            form!(&[POST], |c| {
                c.entity()?;
                prompt(PromptCommand::AskForPost)
            }),
        ],
    },
    CommandSpec {
        name: "follow",
        aliases: &[],
        summary: "make a user follow another: follow WHOM by WHO (the tutorial's user.follow)",
        examples: &["follow susan by john"],
        forms: &[form!(&FOLLOW_PARTS, |c| write(WriteCommand::Follow {
            followed: c.user()?,
            follower: c.user()?,
        }))],
    },
    CommandSpec {
        name: "unfollow",
        aliases: &[],
        summary: "stop a user following another: unfollow WHOM by WHO",
        examples: &["unfollow susan by john"],
        forms: &[form!(&FOLLOW_PARTS, |c| write(WriteCommand::Unfollow {
            followed: c.user()?,
            follower: c.user()?,
        }))],
    },
    CommandSpec {
        name: "delete",
        aliases: &["remove", "rm"],
        summary: "delete a post, or a user (with `cascade`, also their posts and what other \
                  tables hold of them), or all that match",
        examples: &[
            "delete post 3",
            "delete user john cascade",
            "delete posts where timestamp < 2024-01-01",
            "delete users where posts = 0 and username like \"test%\" --yes",
        ],
        forms: &[
            form!(&[USER, EXISTING_USER, CASCADE, YES], |c| {
                c.entity()?;
                write(WriteCommand::DeleteUser {
                    user: c.user()?,
                    cascade: c.present()?,
                    confirmed: c.present()?,
                })
            }),
            form!(&[POST, POST_ID, CASCADE], |c| {
                c.entity()?;
                write(WriteCommand::DeletePost {
                    id: c.id()?,
                    cascade: c.present()?,
                })
            }),
            form!(
                &[USERS, filter(EntityKind::User, true), CASCADE, YES],
                |c| write(WriteCommand::DeleteWhere {
                    entity: c.entity()?,
                    filter: c.condition()?,
                    cascade: c.present()?,
                    confirmed: c.present()?,
                })
            ),
            form!(
                &[POSTS, filter(EntityKind::Post, true), CASCADE, YES],
                |c| write(WriteCommand::DeleteWhere {
                    entity: c.entity()?,
                    filter: c.condition()?,
                    cascade: c.present()?,
                    confirmed: c.present()?,
                })
            ),
        ],
    },
    CommandSpec {
        name: "update",
        aliases: &["change"],
        summary: "change a user, a post, or all that match: the same rules as add, all or nothing",
        examples: &[
            "update user john set email = \"john@new.example.com\"",
            "update post 3 set body = \"fixed typo\", timestamp = \"2024-01-02 09:30\"",
            "update post 3 set author = susan",
            "update posts where author = john and body contains \"draft\" set body = \"(removed)\"",
        ],
        forms: &[
            form!(&[USER, EXISTING_USER, set(EntityKind::User)], |c| {
                c.entity()?;
                write(WriteCommand::Update {
                    targets: Targets::User(c.user()?),
                    set: c.set()?,
                    confirmed: true,
                })
            }),
            form!(&[POST, POST_ID, set(EntityKind::Post)], |c| {
                c.entity()?;
                write(WriteCommand::Update {
                    targets: Targets::Post(c.id()?),
                    set: c.set()?,
                    confirmed: true,
                })
            }),
            form!(
                &[
                    USERS,
                    filter(EntityKind::User, true),
                    set(EntityKind::User),
                    YES
                ],
                |c| update_where(c)
            ),
            form!(
                &[
                    POSTS,
                    filter(EntityKind::Post, true),
                    set(EntityKind::Post),
                    YES
                ],
                |c| update_where(c)
            ),
        ],
    },
    CommandSpec {
        name: "count",
        aliases: &[],
        summary: "count users or posts, one user's posts, followers, or a table's rows; `where` as \
                  in a listing",
        examples: &[
            "count posts of john",
            "count rows of message for john",
            "count posts where author.email like \"%@example.com\"",
        ],
        forms: &[
            form!(&[USERS, filter(EntityKind::User, false)], |c| read(
                ReadCommand::Count {
                    entity: c.entity()?,
                    of: None,
                    follows: None,
                    filter: c.filter()?,
                }
            )),
            form!(&[POSTS, filter(EntityKind::Post, false)], |c| read(
                ReadCommand::Count {
                    entity: c.entity()?,
                    of: None,
                    follows: None,
                    filter: c.filter()?,
                }
            )),
            form!(
                &[
                    POSTS,
                    Part::Keyword("of"),
                    EXISTING_USER,
                    filter(EntityKind::Post, false)
                ],
                |c| read(ReadCommand::Count {
                    entity: c.entity()?,
                    of: Some(c.user()?),
                    follows: None,
                    filter: c.filter()?,
                })
            ),
            form!(
                &[
                    Part::Choice(&FOLLOW_SIDES),
                    Part::Keyword("of"),
                    EXISTING_USER,
                    filter(EntityKind::User, false)
                ],
                |c| {
                    let side = FollowSide::ALL[c.choice()?];
                    read(ReadCommand::Count {
                        entity: EntityKind::User,
                        of: None,
                        follows: Some((side, c.user()?)),
                        filter: c.filter()?,
                    })
                }
            ),
            form!(
                &[
                    Part::Keyword("rows"),
                    Part::Keyword("of"),
                    TABLE,
                    TABLE_FILTER
                ],
                |c| read(ReadCommand::CountRows(c.table_count(Owned::ByAnyone)?))
            ),
            // Not in the usage (it would pass what an error line may hold): `rows` shows it. Before
            // `for USER`: a user named "post" is still found by that one.
            hidden(
                &[
                    Part::Keyword("rows"),
                    Part::Keyword("of"),
                    TABLE,
                    Part::Keyword("for"),
                    POST,
                    POST_ID,
                    TABLE_FILTER,
                ],
                |c| read(ReadCommand::CountRows(c.table_count(Owned::ByPost)?)),
            ),
            form!(
                &[
                    Part::Keyword("rows"),
                    Part::Keyword("of"),
                    TABLE,
                    Part::Keyword("for"),
                    EXISTING_USER,
                    TABLE_FILTER
                ],
                |c| read(ReadCommand::CountRows(c.table_count(Owned::ByUser)?))
            ),
            hidden(&[USERS, Part::Keyword("of"), EXISTING_USER], |_| {
                Err(ParseError::new(
                    "only posts can be counted of a user: count posts of USERNAME",
                ))
            }),
        ],
    },
    CommandSpec {
        name: "describe",
        aliases: &["desc"],
        summary: "columns, types, indexes and foreign keys of a table, read from the database",
        examples: &["describe post", "describe followers"],
        forms: &[
            form!(
                &[Part::Entity {
                    kinds: &EntityKind::ALL,
                    plural: false
                }],
                |c| read(ReadCommand::Describe(c.entity()?))
            ),
            form!(&[TABLE], |c| read(ReadCommand::DescribeTable(c.table()?))),
        ],
    },
    CommandSpec {
        name: "set",
        aliases: &[],
        summary: "set a user's password: asked twice without echo, stored as a salted scrypt hash",
        examples: &["set password john"],
        forms: &[form!(&[Part::Keyword("password"), EXISTING_USER], |c| {
            prompt(PromptCommand::SetPassword(c.user()?))
        })],
    },
    CommandSpec {
        name: "check",
        aliases: &[],
        summary: "check a password against the user's stored hash (Werkzeug's format)",
        examples: &["check password john"],
        forms: &[form!(&[Part::Keyword("password"), EXISTING_USER], |c| {
            prompt(PromptCommand::CheckPassword(c.user()?))
        })],
    },
    CommandSpec {
        name: "sql",
        aliases: &[],
        summary: "run any SQL: rows as a table, otherwise the number of rows affected; at a \
                  terminal, a statement that deletes or changes every row, or drops, asks first",
        examples: &[
            "sql SELECT username, email FROM user WHERE id < 3",
            "sql --yes DELETE FROM post",
        ],
        forms: &[form!(
            &[Part::Value {
                value: Value::Statement,
                shown: "[--yes] STATEMENT"
            }],
            |c| {
                let text = c.text()?;
                // `--yes` first: no question. (As SQL it would only begin a comment.)
                let (confirmed, statement) = match text.strip_prefix("--yes") {
                    Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
                        (true, rest.trim())
                    }
                    _ => (false, text.as_str()),
                };
                if statement.is_empty() {
                    return Err(ParseError::new(
                        "missing argument: usage: sql [--yes] STATEMENT",
                    ));
                }
                Ok(Command::Data(DataCommand::Sql(SqlCommand {
                    statement: statement.to_string(),
                    confirmed,
                })))
            }
        )],
    },
    CommandSpec {
        name: "begin",
        aliases: &[],
        summary: "open a transaction: commands run in it until commit or rollback",
        examples: &["begin"],
        forms: &[form!(&[], |_| Ok(Command::Data(DataCommand::Transaction(
            TransactionCommand::Begin
        ))))],
    },
    CommandSpec {
        name: "commit",
        aliases: &[],
        summary: "make the open transaction's changes permanent",
        examples: &["commit"],
        forms: &[form!(&[], |_| Ok(Command::Data(DataCommand::Transaction(
            TransactionCommand::Commit
        ))))],
    },
    CommandSpec {
        name: "rollback",
        aliases: &[],
        summary: "throw away the open transaction's changes",
        examples: &["rollback"],
        forms: &[form!(&[], |_| Ok(Command::Data(DataCommand::Transaction(
            TransactionCommand::Rollback
        ))))],
    },
    CommandSpec {
        name: "format",
        aliases: &[],
        summary: "how results print: tables or vertical records for people (auto: records when a \
                  table is wider than the screen), json or csv for programs",
        examples: &["format json", "format vertical", "format auto"],
        forms: &[form!(&[Part::Optional(&Part::Choice(&FORMATS))], |c| {
            let format = if c.present()? {
                Some(Format::ALL[c.choice()?])
            } else {
                None
            };
            prompt(PromptCommand::Format(format))
        })],
    },
    CommandSpec {
        name: "migrate",
        aliases: &[],
        summary: "apply, revert, show or list schema migrations; --sql prints their SQL instead",
        examples: &[
            "migrate status",
            "migrate up --to head",
            "migrate down --sql",
            "migrate show timeline",
        ],
        forms: &[form!(&[Part::MigrateAction], |c| Ok(Command::Data(
            DataCommand::Migrate(c.migrate()?)
        )))],
    },
    CommandSpec {
        name: "output",
        aliases: &["\\o"],
        summary: "send results to a file (messages stay on the screen); alone, back to the screen",
        examples: &["output posts.csv", "output log.txt --append", "output"],
        forms: &[
            form!(
                &[
                    Part::Value {
                        value: Value::Path,
                        shown: "FILE"
                    },
                    Part::Optional(&Part::Choice(&EXISTING))
                ],
                |c| {
                    let path = c.text()?;
                    let existing = if c.present()? {
                        Existing::CHOSEN[c.choice()?]
                    } else {
                        Existing::Refuse
                    };
                    prompt(PromptCommand::Output(Some(OutputFile { path, existing })))
                }
            ),
            form!(&[], |_| prompt(PromptCommand::Output(None))),
        ],
    },
    CommandSpec {
        name: "import",
        aliases: &[],
        summary: "add users or posts from a CSV or JSON file (as --format writes them), by the rules \
                  of add: all or nothing unless --continue-on-error",
        examples: &[
            "import users users.csv",
            "import posts posts.json --continue-on-error",
            "import posts export.txt --format csv",
        ],
        forms: &[
            form!(
                &[
                    Part::Entity {
                        kinds: &EntityKind::ALL,
                        plural: true
                    },
                    FILE,
                    KEEP_GOING
                ],
                |c| write(WriteCommand::Import {
                    entity: c.entity()?,
                    path: c.text()?,
                    format: None,
                    keep_going: c.present()?,
                })
            ),
            form!(
                &[
                    Part::Entity {
                        kinds: &EntityKind::ALL,
                        plural: true
                    },
                    FILE,
                    Part::Keyword("--format"),
                    Part::Choice(&IMPORT_FORMATS),
                    KEEP_GOING
                ],
                |c| write(WriteCommand::Import {
                    entity: c.entity()?,
                    path: c.text()?,
                    format: Some(ImportFormat::ALL[c.choice()?]),
                    keep_going: c.present()?,
                })
            ),
        ],
    },
    CommandSpec {
        name: "echo",
        aliases: &[],
        summary: "print each statement a command runs, with its bound values (also --echo-sql)",
        examples: &["echo sql on"],
        forms: &[form!(
            &[Part::Keyword("sql"), Part::Optional(&Part::Choice(&ON_OFF))],
            |c| {
                let setting = if c.present()? {
                    Some(c.choice()? == 0)
                } else {
                    None
                };
                prompt(PromptCommand::EchoSql(setting))
            }
        )],
    },
    CommandSpec {
        name: "explain",
        aliases: &[],
        summary: "the database's plan for a read command's statements",
        examples: &[
            "explain posts of john",
            "explain users where username starts with s",
        ],
        forms: &[form!(
            &[Part::Value {
                value: Value::Command,
                shown: "COMMAND"
            }],
            |c| {
                let line = c.text()?;
                match super::parse_in(&line, c.vocabulary())?.and_then(Command::into_read) {
                    Some(command) => prompt(PromptCommand::Explain(Box::new(command))),
                    _ => Err(ParseError::new(format!(
                        "explain shows the plans of commands that only read (users, posts, get, \
                         count, ...), not {}",
                        quoted(&line)
                    ))),
                }
            }
        )],
    },
    CommandSpec {
        name: "watch",
        aliases: &[],
        summary: "run a read command again every SECONDS (2 unless given) until Ctrl-C, at a terminal",
        examples: &[
            "watch posts limit 5",
            "watch 10 count posts where timestamp > 2024-01-01",
        ],
        forms: &[form!(
            &[
                Part::Optional(&Part::Value {
                    value: Value::Seconds,
                    shown: "SECONDS"
                }),
                Part::Value {
                    value: Value::Command,
                    shown: "COMMAND"
                }
            ],
            |c| {
                let every = if c.present()? { c.id()? as u64 } else { 2 };
                let line = c.text()?;
                match super::parse_in(&line, c.vocabulary())?.and_then(Command::into_read) {
                    Some(command) => prompt(PromptCommand::Watch {
                        every,
                        line,
                        command: Box::new(command),
                    }),
                    _ => Err(ParseError::new(format!(
                        "watch runs commands that only read (users, posts, get, count, ...), not {}",
                        quoted(&line)
                    ))),
                }
            }
        )],
    },
    CommandSpec {
        name: "timing",
        aliases: &[],
        summary: "print how long each command took",
        examples: &["timing on"],
        forms: &[form!(&[Part::Optional(&Part::Choice(&ON_OFF))], |c| {
            let setting = if c.present()? {
                Some(c.choice()? == 0)
            } else {
                None
            };
            prompt(PromptCommand::Timing(setting))
        })],
    },
    CommandSpec {
        name: "history",
        aliases: &[],
        summary: "the commands typed at this prompt, this session and before",
        examples: &["history"],
        forms: &[form!(&[], |_| prompt(PromptCommand::History))],
    },
    CommandSpec {
        name: "exit",
        aliases: &["quit", "\\q"],
        summary: "leave the shell (an open transaction is rolled back)",
        examples: &["exit"],
        forms: &[form!(&[], |_| prompt(PromptCommand::Exit))],
    },
];

/// `followers of USER ...`, `following of USER ...`: users, by the follow relation.
fn follow_list(c: &mut Captures, side: FollowSide) -> ParseResult<Command> {
    let user = c.user()?;
    let mut query = c.query(EntityKind::User, None)?;
    query.follows = Some((side, user));
    read(ReadCommand::List(query))
}

fn update_where(c: &mut Captures) -> ParseResult<Command> {
    write(WriteCommand::Update {
        targets: Targets::Where {
            entity: c.entity()?,
            filter: c.condition()?,
        },
        set: c.set()?,
        confirmed: c.present()?,
    })
}

impl CommandSpec {
    /// Whether this command takes the rest of the line verbatim (`sql`): it is not split into words.
    pub fn takes_raw_line(&self) -> bool {
        self.forms.iter().any(|f| {
            f.parts.iter().any(|p| {
                matches!(
                    p,
                    Part::Value {
                        value: Value::Statement,
                        ..
                    }
                )
            })
        })
    }

    pub fn shown_forms(&self) -> impl Iterator<Item = &Form> {
        self.forms.iter().filter(|f| f.shown)
    }

    /// Each shown form in the notation of `help`: `get user ID|USERNAME`.
    pub fn usage(&self) -> Vec<String> {
        self.usage_with(Part::shown)
    }

    fn usage_with(&self, shown: fn(&Part) -> String) -> Vec<String> {
        let mut lines = Vec::new();
        for form in self.shown_forms() {
            if form.parts.iter().any(|p| matches!(p, Part::MigrateAction)) {
                lines.extend(super::migrate::usage_lines());
                continue;
            }
            let mut line = self.name.to_string();
            for part in form.parts {
                line.push(' ');
                line.push_str(&shown(part));
            }
            lines.push(line);
        }
        lines
    }

    /// `usage: get user ID|USERNAME | get post ID`, for an error line: clauses are shortened to
    /// their keywords (`[where ...]`), so the line stays short; `help` shows them in full.
    pub fn usage_line(&self) -> String {
        format!("usage: {}", self.usage_with(Part::brief).join(" | "))
    }
}

impl Part {
    /// The part as an error's usage line shows it: a clause by its keywords alone.
    pub fn brief(&self) -> String {
        match self {
            Part::Clause {
                clause, required, ..
            } => {
                let keywords = format!("{} ...", clause.keywords().join(" "));
                match required {
                    true => keywords,
                    false => format!("[{keywords}]"),
                }
            }
            Part::Optional(inner) => format!("[{}]", inner.brief()),
            other => other.shown(),
        }
    }

    /// The part as `help` shows it.
    pub fn shown(&self) -> String {
        match self {
            Part::Keyword(word) => word.to_string(),
            Part::Entity { kinds, plural } => kinds
                .iter()
                .map(|k| if *plural { k.plural() } else { k.singular() })
                .collect::<Vec<_>>()
                .join("|"),
            Part::Choice(choice) => choice.words.join("|"),
            Part::Value { shown, .. } => shown.to_string(),
            Part::Optional(part) => format!("[{}]", part.shown()),
            Part::Paging => PAGING.map(|word| format!("[{word} N]")).join(" "),
            Part::MigrateAction => "ACTION".to_string(),
            Part::Clause {
                clause, required, ..
            } => match required {
                true => clause.shown().to_string(),
                false => format!("[{}]", clause.shown()),
            },
        }
    }
}

/// The spec for a word the user typed (a name or an alias, any case).
pub fn find(word: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|spec| {
        spec.name.eq_ignore_ascii_case(word)
            || spec.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
    })
}

/// The command name closest to a mistyped word, if any is close enough to be a likely typo.
pub fn nearest(word: &str) -> Option<&'static str> {
    // No command is this long: not a typo of one (and the distance would cost time and memory).
    if word.chars().count() > 20 {
        return None;
    }
    let word = word.to_lowercase();
    COMMANDS
        .iter()
        .flat_map(|spec| {
            std::iter::once(spec.name)
                .chain(spec.aliases.iter().copied())
                .map(move |w| (spec.name, w))
        })
        .map(|(name, w)| (name, strsim::damerau_levenshtein(&word, w)))
        .filter(|(name, distance)| *distance <= 2.max(name.len() / 3))
        .min_by_key(|(_, distance)| *distance)
        .map(|(name, _)| name)
}

/// The commands that only read (what `watch` repeats): those whose example is a read.
pub fn read_command_words() -> Vec<&'static str> {
    COMMANDS
        .iter()
        .filter(|spec| {
            matches!(
                super::parse(spec.examples[0]),
                Ok(Some(Command::Data(DataCommand::Read(_))))
            )
        })
        .map(|spec| spec.name)
        .collect()
}

/// Every command word, in the declaration's order.
pub fn command_words() -> Vec<&'static str> {
    COMMANDS.iter().map(|c| c.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_found_in_any_case() {
        assert_eq!(find("GET").unwrap().name, "get");
        assert_eq!(find("quit").unwrap().name, "exit");
        assert!(find("frobnicate").is_none());
    }

    #[test]
    fn typos_suggest_the_nearest_command() {
        assert_eq!(nearest("gte"), Some("get"));
        assert_eq!(nearest("delet"), Some("delete"));
        assert_eq!(nearest("usres"), Some("users"));
        assert_eq!(nearest("describ"), Some("describe"));
        assert_eq!(nearest("xyzzyqwerty"), None);
    }

    #[test]
    fn usage_is_written_from_the_parts() {
        assert_eq!(
            find("add").unwrap().usage(),
            [
                "add user USERNAME EMAIL [with FIELD = VALUE, ...]",
                "add post \"BODY\" by USERNAME|ID [with FIELD = VALUE, ...]",
                "add post"
            ]
        );
        assert_eq!(
            find("author").unwrap().usage_line(),
            "usage: author of post ID"
        );
        assert_eq!(
            find("format").unwrap().usage(),
            ["format [table|json|csv|vertical|auto]"]
        );
        assert_eq!(
            find("count").unwrap().usage()[0],
            "count users [where CONDITION]"
        );
        assert_eq!(find("migrate").unwrap().usage().len(), 7);
    }
}
