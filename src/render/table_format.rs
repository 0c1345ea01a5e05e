//! Tables for people: comfy-table boxes, drawn with Unicode lines and wrapped to the screen at a
//! terminal, plain ASCII otherwise; NULL, yes/no and timestamps to the second; control characters
//! as visible escapes (`visible`), so text from the database cannot drive the terminal.

use std::io::Write;

use comfy_table::{ContentArrangement, Table, presets};

use super::Cell;
use super::timestamp::seconds_text;
use super::visible::visible;

/// One table: the header and these rows.
pub fn page(
    columns: &[String],
    rows: &[Vec<Cell>],
    terminal: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let width = terminal
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(w, _)| w.0)
        .filter(|w| *w >= 40);
    writeln!(out, "{}", table(columns, rows, terminal, width))
}

/// The table as text: wrapped to `wrap_to` columns if given.
pub fn table(
    columns: &[String],
    rows: &[Vec<Cell>],
    terminal: bool,
    wrap_to: Option<u16>,
) -> Table {
    let mut table = Table::new();
    if terminal {
        table.load_style(presets::UTF8_FULL_CONDENSED);
        if let Some(width) = wrap_to {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width);
        }
    } else {
        table.load_style(presets::ASCII_FULL_CONDENSED);
    }
    table.set_header(columns.iter().map(|c| visible(c).into_owned()));
    for row in rows {
        table.add_row(row.iter().map(cell_text));
    }
    table
}

/// A value as people read it: NULL, yes/no, timestamps to the second, control characters visible.
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Null => "NULL".to_string(),
        Cell::Int(v) => v.to_string(),
        Cell::Float(v) => v.to_string(),
        Cell::Bool(v) => if *v { "yes" } else { "no" }.to_string(),
        Cell::Text(v) => visible(v).into_owned(),
        Cell::Timestamp(v) => seconds_text(v),
    }
}
