//! What a command produces, before it is rendered: rows with typed cells, a count, or a message.

use chrono::NaiveDateTime;

use crate::entities::EntityKind;
use crate::listing::Listing;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Timestamp(NaiveDateTime),
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

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Rows(Rows),
    /// `count ...`: a number of users or posts.
    Count {
        count: u64,
        entity: EntityKind,
    },
    /// A sentence for a person ("Added user john (id 1)").
    Message(String),
    /// Several titled result sets (`describe`: columns, indexes, foreign keys).
    Sections(Vec<(String, Rows)>),
    /// A list of any length, to be read and rendered a page at a time.
    Listing(Listing),
    Nothing,
}
