//! CSV for programs: one RFC 4180 document per command (the `csv` crate quotes), NULL as an empty
//! field, timestamps in full.

use std::io::Write;

use super::timestamp::write_sqlalchemy_text;
use super::{Cell, Rows};

/// Rows of one document; the header goes first when `header` says so.
pub fn rows(
    columns: &[String],
    rows: &[Vec<Cell>],
    header: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new().from_writer(&mut *out);
    if header {
        writer.write_record(columns)?;
    }
    // One buffer for every field: a million-row export allocates nothing per cell.
    let mut field = String::new();
    for row in rows {
        for cell in row {
            field.clear();
            write_text(cell, &mut field);
            writer.write_field(&field)?;
        }
        writer.write_record(None::<&[u8]>)?;
    }
    writer.flush()
}

/// One CSV document: a `section` column, then every section's columns (empty where not its own).
pub fn sections(sections: &[(String, Rows)], out: &mut dyn Write) -> std::io::Result<()> {
    let mut header: Vec<&str> = vec!["section"];
    for (_, rows) in sections {
        for column in &rows.columns {
            if !header.contains(&column.as_str()) {
                header.push(column);
            }
        }
    }
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&header)?;
    for (title, rows) in sections {
        for row in &rows.rows {
            let record = header.iter().map(|h| {
                if *h == "section" {
                    return title.clone();
                }
                rows.columns
                    .iter()
                    .position(|c| c == h)
                    .map_or(String::new(), |i| text(&row[i]))
            });
            writer.write_record(record)?;
        }
    }
    writer.flush()
}

fn text(cell: &Cell) -> String {
    let mut text = String::new();
    write_text(cell, &mut text);
    text
}

fn write_text(cell: &Cell, out: &mut String) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let _ = match cell {
        Cell::Null => Ok(()),
        Cell::Bool(v) => write!(out, "{v}"),
        Cell::Int(v) => write!(out, "{v}"),
        Cell::Float(v) => write!(out, "{v}"),
        Cell::Text(v) => {
            out.push_str(v);
            Ok(())
        }
        Cell::Timestamp(v) => {
            write_sqlalchemy_text(v, out);
            Ok(())
        }
    };
}
