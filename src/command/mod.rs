//! The command language: a line of text in, a [`Command`] out. Pure: no I/O, no database, no
//! terminal, no tables, so every rule is unit-tested here and the fuzz target links nothing else.
//!
//! - `grammar`: every command declared once (words, forms, arguments, help text);
//! - `parser`: a line matched against that declaration; `script`: the lines of a script file;
//! - `help` and `completion`: help pages, usage, completion and hints, all read off the grammar;
//! - `lexer`: a line split into words; `query` and `clause`: the query language (`where`, `order
//!   by`, `set`, `with`) over the entities' fields and those the live schema adds;
//! - `sql_words`: the meaningful words of a raw SQL statement (its kind, destructive ones);
//! - `validate`: the rules values must pass; `entity`, `format`, `migrate`: the words for entities,
//!   output formats and migration actions (the last two shared with the clap command line);
//! - `vocabulary`: what the live database holds beyond the entities (extra columns, other tables,
//!   the follow relation), handed in as data by the layers above.
//!
//! A [`Command`] says who carries it out: the prompt itself, transaction control, or the data
//! session (reads, writes, raw SQL, migrations), so every `match` on it is exhaustive.

pub mod clause;
pub mod completion;
pub mod entity;
pub mod error;
pub mod format;
pub mod grammar;
pub mod help;
pub mod lexer;
pub mod migrate;
pub mod parser;
pub mod query;
pub mod script;
pub mod sql_words;
pub mod validate;
pub mod vocabulary;

#[cfg(test)]
mod consistency;

pub use entity::{EntityDescription, EntityKind};
pub use error::{ParseError, ParseResult, quoted};
pub use format::Format;
pub use migrate::{MigrateAction, MigrateCommand, Needs, SqlRange};
pub use parser::{parse, parse_in, user_ref};
pub use query::{Assignment, Condition, Query, Subject, TableQuery};
pub use vocabulary::Vocabulary;

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

impl WriteCommand {
    /// A change of every row a condition selects, not yet confirmed with `--yes`: at a terminal
    /// it says how many rows first and asks.
    pub fn unconfirmed(&self) -> Option<(&'static str, EntityKind, &Condition)> {
        match self {
            WriteCommand::DeleteWhere {
                entity,
                filter,
                confirmed: false,
                ..
            } => Some(("Delete", *entity, filter)),
            WriteCommand::Update {
                targets: Targets::Where { entity, filter },
                confirmed: false,
                ..
            } => Some(("Update", *entity, filter)),
            _ => None,
        }
    }
}

/// The formats `import` reads: those `--format` writes for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    Csv,
    Json,
}

impl ImportFormat {
    pub const ALL: [ImportFormat; 2] = [ImportFormat::Csv, ImportFormat::Json];
    pub const WORDS: [&'static str; 2] = ["csv", "json"];
}

/// `sql [--yes] STATEMENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlCommand {
    pub statement: String,
    /// `--yes` before the statement: no question at a terminal for one that destroys.
    pub confirmed: bool,
}

/// The rows an `update` changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    User(UserRef),
    Post(i32),
    Where {
        entity: EntityKind,
        filter: Condition,
    },
}

impl Targets {
    pub fn entity(&self) -> EntityKind {
        match self {
            Targets::User(_) => EntityKind::User,
            Targets::Post(_) => EntityKind::Post,
            Targets::Where { entity, .. } => *entity,
        }
    }
}

/// A password typed at a hidden prompt: never printed, not even by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One parsed line, by who carries it out: the prompt itself, or the database session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The prompt itself: help, settings, history, and commands that must ask questions first.
    Prompt(PromptCommand),
    /// The database session (`db::session::Session::execute`), and no one else.
    Data(DataCommand),
}

/// What the database session carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataCommand {
    /// `begin`, `commit`, `rollback`: they manage the transaction rather than run inside one.
    Transaction(TransactionCommand),
    /// Never writes: outside a transaction one atomic statement, inside one a savepoint.
    Read(ReadCommand),
    /// Writes atomically: in a transaction of its own, or a savepoint of the open one.
    Write(WriteCommand),
    /// Any SQL, which may read or write: outside a transaction it runs as typed.
    Sql(SqlCommand),
    /// Migrations, outside any transaction.
    Migrate(MigrateAction),
}

impl Command {
    /// The read command this line is, if it only reads (what `explain` and `watch` take).
    pub fn into_read(self) -> Option<ReadCommand> {
        match self {
            Command::Data(DataCommand::Read(read)) => Some(read),
            Command::Data(_) | Command::Prompt(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptCommand {
    Help(Option<String>),
    /// The preloaded context: the connection, the settings and each entity.
    Context,
    Format(Option<Format>),
    Timing(Option<bool>),
    History,
    Exit,
    /// `add post` alone: the body and the author are asked for, then it is a [`WriteCommand::AddPost`].
    AskForPost,
    /// `set password USER`: the password is asked for twice, then it is a [`WriteCommand::SetPassword`].
    SetPassword(UserRef),
    /// `check password USER`: the password is asked for, then it is a [`ReadCommand::CheckPassword`].
    CheckPassword(UserRef),
    /// `output FILE [--append|--force]`: results go to a file; `output` alone: back to the screen.
    Output(Option<OutputFile>),
    /// `echo sql [on|off]`: print the statements commands run.
    EchoSql(Option<bool>),
    /// `explain COMMAND`: the database's plans for a read command's statements.
    Explain(Box<ReadCommand>),
    /// `watch [SECONDS] COMMAND`: the read command again and again, until Ctrl-C.
    Watch {
        every: u64,
        /// The command as typed, for the header above each run.
        line: String,
        command: Box<ReadCommand>,
    },
}

/// Where `output` sends results, and what to do with a file that is already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub existing: Existing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refused: nothing is overwritten by accident.
    Refuse,
    Append,
    /// Overwritten.
    Replace,
}

impl Existing {
    /// The words after the file name, in the order of [`Existing::CHOSEN`].
    pub const WORDS: [&'static str; 2] = ["--append", "--force"];
    pub const CHOSEN: [Existing; 2] = [Existing::Append, Existing::Replace];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionCommand {
    Begin,
    Commit,
    Rollback,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadCommand {
    /// `users ...`, `posts ...`, `posts of USER ...`: streamed a page at a time.
    List(Query),
    GetUser(UserRef),
    GetPost(i32),
    AuthorOf(i32),
    Count {
        entity: EntityKind,
        of: Option<UserRef>,
        /// `count followers of USER`, `count following of USER`.
        follows: Option<(query::FollowSide, UserRef)>,
        filter: Option<Condition>,
    },
    /// `tables`: the tables the shell does not declare, with their columns and rows.
    Tables,
    /// `rows of TABLE ...`: a table the shell does not declare, streamed a page at a time.
    Rows(TableQuery),
    /// `count rows of TABLE ...`.
    CountRows(TableQuery),
    Describe(EntityKind),
    /// `describe TABLE` for a table the shell does not declare.
    DescribeTable(std::sync::Arc<vocabulary::LiveTable>),
    CheckPassword {
        user: UserRef,
        password: Secret,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteCommand {
    AddUser {
        username: String,
        email: String,
        /// `with FIELD = VALUE, ...`: columns the entity does not declare (`about_me`).
        with: Vec<Assignment>,
    },
    AddPost {
        body: String,
        author: UserRef,
        with: Vec<Assignment>,
    },
    /// `follow USER by USER`: the second follows the first.
    Follow {
        followed: UserRef,
        follower: UserRef,
    },
    /// `unfollow USER by USER`.
    Unfollow {
        followed: UserRef,
        follower: UserRef,
    },
    DeleteUser {
        user: UserRef,
        cascade: bool,
        /// `--yes`: no question at a terminal before a cascade of several posts.
        confirmed: bool,
    },
    DeletePost {
        id: i32,
        /// Also the rows other tables hold of it (a later chapter's tables).
        cascade: bool,
    },
    /// `delete users|posts where ...`: users with posts, and rows other tables hold, only with
    /// `cascade`.
    DeleteWhere {
        entity: EntityKind,
        filter: Condition,
        cascade: bool,
        /// `--yes`: no question at a terminal.
        confirmed: bool,
    },
    /// `import users|posts FILE [--format csv|json] [--continue-on-error]`.
    Import {
        entity: EntityKind,
        path: String,
        /// `None`: by the file's extension.
        format: Option<ImportFormat>,
        /// The good rows in, the bad ones listed (by default: all or nothing).
        keep_going: bool,
    },
    /// `update user X set ...`, `update post N set ...`, `update posts where ... set ...`.
    Update {
        targets: Targets,
        set: Vec<Assignment>,
        confirmed: bool,
    },
    /// The password itself: it is hashed before the write's transaction opens (hashing is slow).
    SetPassword { user: UserRef, password: Secret },
}
