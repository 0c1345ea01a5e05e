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
    let mut table = Table::new();
    if terminal {
        table.load_style(presets::UTF8_FULL_CONDENSED);
        // Wrapped to the screen's width, when there is a usable one to know.
        if let Some((width, _)) = terminal_size::terminal_size().filter(|(w, _)| w.0 >= 40) {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width.0);
        }
    } else {
        table.load_style(presets::ASCII_FULL_CONDENSED);
    }
    table.set_header(columns.iter().map(|c| visible(c).into_owned()));
    for row in rows {
        table.add_row(row.iter().map(text));
    }
    writeln!(out, "{table}")
}

fn text(cell: &Cell) -> String {
    match cell {
        Cell::Null => "NULL".to_string(),
        Cell::Int(v) => v.to_string(),
        Cell::Float(v) => v.to_string(),
        Cell::Bool(v) => if *v { "yes" } else { "no" }.to_string(),
        Cell::Text(v) => visible(v).into_owned(),
        Cell::Timestamp(v) => seconds_text(v),
    }
}
