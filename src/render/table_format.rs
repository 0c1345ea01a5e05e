//! Tables for people: comfy-table boxes, drawn with Unicode lines and wrapped to the screen at a
//! terminal, plain ASCII otherwise; NULL, yes/no and timestamps to the second; control characters
//! as visible escapes (`visible`), so text from the database cannot drive the terminal.
//!
//! Off a terminal nothing wraps, and the ASCII table is written straight out (`plain`), exactly as
//! comfy-table draws it (a test keeps them equal): building a comfy-table was a third of the time
//! of a script of small queries.

use std::io::Write;

use comfy_table::{ContentArrangement, Table, presets};
use unicode_width::UnicodeWidthStr;

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
    if !terminal {
        return plain(columns, rows, out);
    }
    let width = terminal_size::terminal_size()
        .map(|(w, _)| w.0)
        .filter(|w| *w >= 40);
    writeln!(out, "{}", table(columns, rows, terminal, width))
}

/// comfy-table's `ASCII_FULL_CONDENSED` table, without wrapping, written straight out.
fn plain(columns: &[String], rows: &[Vec<Cell>], out: &mut dyn Write) -> std::io::Result<()> {
    let header: Vec<String> = columns.iter().map(|c| visible(c).into_owned()).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(cell_text).collect())
        .collect();
    // comfy-table gives every column at least one character of content.
    let mut widths: Vec<usize> = header.iter().map(|h| h.width().max(1)).collect();
    for row in &body {
        for (width, text) in widths.iter_mut().zip(row) {
            *width = (*width).max(text.width());
        }
    }
    let mut text = String::with_capacity(
        (widths.iter().sum::<usize>() + 3 * widths.len() + 2) * (rows.len() + 4),
    );
    let line = |cells: &[String], text: &mut String| {
        for (cell, width) in cells.iter().zip(&widths) {
            text.push_str("| ");
            text.push_str(cell);
            text.extend(std::iter::repeat_n(' ', width - cell.width() + 1));
        }
        text.push_str("|\n");
    };
    let border = |fill: char, joint: char, text: &mut String| {
        for (i, width) in widths.iter().enumerate() {
            text.push(if i == 0 { '+' } else { joint });
            text.extend(std::iter::repeat_n(fill, width + 2));
        }
        text.push_str("+\n");
    };
    border('-', '+', &mut text);
    line(&header, &mut text);
    border('=', '=', &mut text);
    for row in &body {
        line(row, &mut text);
    }
    border('-', '+', &mut text);
    out.write_all(text.as_bytes())
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn comfy(columns: &[String], rows: &[Vec<Cell>]) -> String {
        format!("{}\n", table(columns, rows, false, None))
    }

    fn written(columns: &[String], rows: &[Vec<Cell>]) -> String {
        let mut out = Vec::new();
        plain(columns, rows, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Text of every width: ASCII, wide and combining characters, control characters, spaces.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("a".to_string()),
                Just("Zz9".to_string()),
                Just(" ".to_string()),
                Just("漢字".to_string()),
                Just("e\u{301}".to_string()),
                Just("🙂".to_string()),
                Just("\t\n\u{1b}[31m".to_string()),
                Just("ß".to_string()),
            ],
            0..6,
        )
        .prop_map(|parts| parts.concat())
    }

    fn cell() -> impl Strategy<Value = Cell> {
        prop_oneof![
            text().prop_map(Cell::Text),
            any::<i64>().prop_map(Cell::Int),
            any::<bool>().prop_map(Cell::Bool),
            Just(Cell::Null),
        ]
    }

    proptest! {
        #[test]
        fn the_plain_table_is_comfy_tables(
            (columns, rows) in (1usize..5).prop_flat_map(|n| (
                proptest::collection::vec(text(), n),
                proptest::collection::vec(proptest::collection::vec(cell(), n), 0..5),
            ))
        ) {
            prop_assert_eq!(written(&columns, &rows), comfy(&columns, &rows));
        }
    }

    #[test]
    fn an_empty_table_is_its_header() {
        let columns = vec!["id".to_string(), "body".to_string()];
        assert_eq!(written(&columns, &[]), comfy(&columns, &[]));
        assert_eq!(written(&columns, &[]).lines().count(), 4);
    }
}
