//! JSON for programs: one valid document per command, rows as objects with their keys in column
//! order, values typed (numbers, booleans, null), timestamps in full.

use std::io::Write;

use serde_json::Value;

use super::timestamp::sqlalchemy_text;
use super::{Cell, Rows};

/// Rows of one array, written piece by piece: `[` before the first, `,` before the others.
pub fn rows(
    columns: &[String],
    rows: &[Vec<Cell>],
    first: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for (i, row) in rows.iter().enumerate() {
        out.write_all(if first && i == 0 { b"[" } else { b"," })?;
        serde_json::to_writer(&mut *out, &object(columns, row))?;
    }
    Ok(())
}

/// Closes the array, or writes an empty one.
pub fn end(rows: u64, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", if rows == 0 { "[]" } else { "]" })
}

pub fn count(count: u64, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", serde_json::json!({ "count": count }))
}

/// One JSON object: each section's title is a key holding its rows.
pub fn sections(sections: &[(String, Rows)], out: &mut dyn Write) -> std::io::Result<()> {
    let object: serde_json::Map<String, Value> = sections
        .iter()
        .map(|(title, rows)| (title.clone(), array(rows)))
        .collect();
    serde_json::to_writer(&mut *out, &object)?;
    writeln!(out)
}

fn value(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(v) => Value::from(*v),
        Cell::Float(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        Cell::Bool(v) => Value::Bool(*v),
        Cell::Text(v) => Value::String(v.clone()),
        Cell::Timestamp(v) => Value::String(sqlalchemy_text(v)),
    }
}

/// A row as a JSON object, keys in column order.
fn object(columns: &[String], row: &[Cell]) -> Value {
    let object: serde_json::Map<String, Value> =
        columns.iter().cloned().zip(row.iter().map(value)).collect();
    Value::Object(object)
}

fn array(rows: &Rows) -> Value {
    Value::Array(
        rows.rows
            .iter()
            .map(|row| object(&rows.columns, row))
            .collect(),
    )
}
