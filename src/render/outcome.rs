//! What a command produces, before it is rendered: plain data (rows with typed cells, a count, a
//! message, a report), never a live connection. Lists too long to hold arrive through
//! [`super::PageSource`] instead.

use chrono::NaiveDateTime;

use crate::command::EntityKind;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Timestamp(NaiveDateTime),
}

impl Cell {
    /// Roughly the memory it holds, for bounding pages by size.
    pub fn size(&self) -> usize {
        std::mem::size_of::<Cell>()
            + match self {
                Cell::Text(text) => text.len(),
                Cell::Null | Cell::Int(_) | Cell::Float(_) | Cell::Bool(_) | Cell::Timestamp(_) => {
                    0
                }
            }
    }
}

impl From<i32> for Cell {
    fn from(v: i32) -> Self {
        Cell::Int(v.into())
    }
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_string())
    }
}

impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}

impl From<NaiveDateTime> for Cell {
    fn from(v: NaiveDateTime) -> Self {
        Cell::Timestamp(v)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

/// A result set: named columns and rows of cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Rows {
    pub fn new(columns: &[&str]) -> Self {
        Rows {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }
}

/// What a count counts, for the words around its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountOf {
    Entity(EntityKind),
    /// Rows of a table the shell does not declare.
    Rows(String),
}

impl CountOf {
    /// `1 user`, `3 posts`, `2 rows of followers`.
    pub fn shown(&self, count: u64) -> String {
        match (self, count) {
            (CountOf::Entity(entity), 1) => format!("1 {}", entity.singular()),
            (CountOf::Entity(entity), n) => format!("{n} {}", entity.plural()),
            (CountOf::Rows(table), 1) => format!("1 row of {table}"),
            (CountOf::Rows(table), n) => format!("{n} rows of {table}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Rows(Rows),
    /// `count ...`: a number of users or posts, or of a table's rows.
    Count {
        count: u64,
        of: CountOf,
    },
    /// A sentence for a person ("Added user john (id 1)").
    Message(String),
    /// Several titled result sets (`describe`: columns, indexes, foreign keys).
    Sections(Vec<(String, Rows)>),
    /// Lines for a person, and whether what they report is a success (`migrate check` with drift
    /// is not: the command fails, with nothing to add to what the report says).
    Report {
        text: String,
        passed: bool,
    },
}

impl Outcome {
    /// Whether the command that produced it succeeded.
    pub fn passed(&self) -> bool {
        match self {
            Outcome::Report { passed, .. } => *passed,
            Outcome::Rows(_)
            | Outcome::Count { .. }
            | Outcome::Message(_)
            | Outcome::Sections(_) => true,
        }
    }
}
