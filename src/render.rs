//! Turning an [`Outcome`] into text: tables for people (comfy-table, with a row count line), JSON and
//! CSV for programs (valid, complete, nothing else on stdout: messages for people go to stderr).

use std::io::Write;

use comfy_table::{ContentArrangement, Table, presets};

use crate::output::{Cell, Outcome, Rows};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

impl Format {
    pub fn from_word(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "table" => Some(Format::Table),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
}

/// Where and how results go.
pub struct Renderer {
    pub format: Format,
    /// Boxes drawn with Unicode lines and wrapped to the terminal when stdout is one.
    pub terminal: bool,
}

/// Timestamps print to the second in tables (every backend keeps at least that), in full otherwise.
use crate::flask_sqlite::{
    seconds_text as table_timestamp, sqlalchemy_text as full_timestamp,
    write_sqlalchemy_text as write_full_timestamp,
};

impl Renderer {
    pub fn render(
        &self,
        outcome: &Outcome,
        out: &mut dyn Write,
        notes: &mut dyn Write,
    ) -> std::io::Result<()> {
        match outcome {
            Outcome::Rows(rows) => {
                let mut writer = self.rows_writer(&rows.columns);
                writer.page(&rows.rows, out)?;
                writer.finish(out)
            }
            Outcome::Count { count, entity } => match self.format {
                Format::Table => {
                    let noun = if *count == 1 {
                        entity.singular()
                    } else {
                        entity.plural()
                    };
                    writeln!(out, "{count} {noun}")
                }
                Format::Json => writeln!(out, "{}", serde_json::json!({ "count": count })),
                Format::Csv => writeln!(out, "count\n{count}"),
            },
            Outcome::Message(text) => match self.format {
                Format::Table => writeln!(out, "{text}"),
                Format::Json | Format::Csv => writeln!(notes, "{text}"),
            },
            Outcome::Sections(sections) => match self.format {
                Format::Table => {
                    for (i, (title, rows)) in sections.iter().enumerate() {
                        if i > 0 {
                            writeln!(out)?;
                        }
                        writeln!(out, "{title}:")?;
                        self.table(rows, out)?;
                    }
                    Ok(())
                }
                Format::Json => json_sections(sections, out),
                Format::Csv => csv_sections(sections, out),
            },
            // Listings are paged through by the runner, which owns the connection.
            Outcome::Listing(_) | Outcome::Nothing => Ok(()),
        }
    }

    /// Rows written as they arrive, a page at a time.
    pub fn rows_writer(&self, columns: &[String]) -> RowWriter<'_> {
        RowWriter {
            renderer: self,
            columns: columns.to_vec(),
            rows: 0,
            pages: 0,
        }
    }

    fn table(&self, rows: &Rows, out: &mut dyn Write) -> std::io::Result<()> {
        let mut writer = self.rows_writer(&rows.columns);
        writer.page(&rows.rows, out)?;
        writer.finish(out)
    }

    /// One table: the header and these rows.
    fn table_page(
        &self,
        columns: &[String],
        rows: &[Vec<Cell>],
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let mut table = Table::new();
        if self.terminal {
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
        table.set_header(columns);
        for row in rows {
            table.add_row(row.iter().map(table_text));
        }
        writeln!(out, "{table}")
    }
}

/// A result of any length, rendered page by page: a table per page (the row count line at the end),
/// one JSON array written piece by piece, one CSV document. Nothing holds more than a page.
pub struct RowWriter<'a> {
    renderer: &'a Renderer,
    columns: Vec<String>,
    rows: u64,
    pages: u64,
}

impl RowWriter<'_> {
    pub fn page(&mut self, rows: &[Vec<Cell>], out: &mut dyn Write) -> std::io::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match self.renderer.format {
            Format::Table => self.renderer.table_page(&self.columns, rows, out)?,
            Format::Json => {
                for (i, row) in rows.iter().enumerate() {
                    let first = self.rows == 0 && i == 0;
                    out.write_all(if first { b"[" } else { b"," })?;
                    serde_json::to_writer(&mut *out, &json_object(&self.columns, row))?;
                }
            }
            Format::Csv => {
                let mut writer = csv::WriterBuilder::new().from_writer(&mut *out);
                if self.pages == 0 {
                    writer.write_record(&self.columns)?;
                }
                // One buffer for every field: a million-row export allocates nothing per cell.
                let mut field = String::new();
                for row in rows {
                    for cell in row {
                        field.clear();
                        write_csv_text(cell, &mut field);
                        writer.write_field(&field)?;
                    }
                    writer.write_record(None::<&[u8]>)?;
                }
                writer.flush()?;
            }
        }
        self.rows += rows.len() as u64;
        self.pages += 1;
        Ok(())
    }

    pub fn finish(self, out: &mut dyn Write) -> std::io::Result<()> {
        match self.renderer.format {
            Format::Table => {
                if self.pages == 0 {
                    self.renderer.table_page(&self.columns, &[], out)?;
                }
                let n = self.rows;
                writeln!(out, "({n} {})", if n == 1 { "row" } else { "rows" })
            }
            Format::Json => writeln!(out, "{}", if self.rows == 0 { "[]" } else { "]" }),
            Format::Csv if self.pages == 0 => {
                let mut writer = csv::Writer::from_writer(&mut *out);
                writer.write_record(&self.columns)?;
                writer.flush()
            }
            Format::Csv => Ok(()),
        }
    }
}

fn table_text(cell: &Cell) -> String {
    match cell {
        Cell::Null => "NULL".to_string(),
        Cell::Int(v) => v.to_string(),
        Cell::Float(v) => v.to_string(),
        Cell::Bool(v) => if *v { "yes" } else { "no" }.to_string(),
        Cell::Text(v) => v.clone(),
        Cell::Timestamp(v) => table_timestamp(v),
    }
}

fn json_value(cell: &Cell) -> serde_json::Value {
    use serde_json::Value;
    match cell {
        Cell::Null => Value::Null,
        Cell::Int(v) => Value::from(*v),
        Cell::Float(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        Cell::Bool(v) => Value::Bool(*v),
        Cell::Text(v) => Value::String(v.clone()),
        Cell::Timestamp(v) => Value::String(full_timestamp(v)),
    }
}

/// A row as a JSON object, keys in column order.
fn json_object(columns: &[String], row: &[Cell]) -> serde_json::Value {
    let object: serde_json::Map<String, serde_json::Value> = columns
        .iter()
        .cloned()
        .zip(row.iter().map(json_value))
        .collect();
    serde_json::Value::Object(object)
}

fn json_array(rows: &Rows) -> serde_json::Value {
    serde_json::Value::Array(
        rows.rows
            .iter()
            .map(|row| json_object(&rows.columns, row))
            .collect(),
    )
}

/// One JSON object: each section's title is a key holding its rows.
fn json_sections(sections: &[(String, Rows)], out: &mut dyn Write) -> std::io::Result<()> {
    let object: serde_json::Map<String, serde_json::Value> = sections
        .iter()
        .map(|(title, rows)| (title.clone(), json_array(rows)))
        .collect();
    serde_json::to_writer(&mut *out, &object)?;
    writeln!(out)
}

/// One CSV document: a `section` column, then every section's columns (empty where not its own).
fn csv_sections(sections: &[(String, Rows)], out: &mut dyn Write) -> std::io::Result<()> {
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
                    .map_or(String::new(), |i| csv_text(&row[i]))
            });
            writer.write_record(record)?;
        }
    }
    writer.flush()
}

fn csv_text(cell: &Cell) -> String {
    let mut text = String::new();
    write_csv_text(cell, &mut text);
    text
}

fn write_csv_text(cell: &Cell, out: &mut String) {
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
            write_full_timestamp(v, out);
            Ok(())
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::EntityKind;
    use chrono::NaiveDate;

    fn sample() -> Rows {
        let mut rows = Rows::new(&["id", "body", "timestamp", "note"]);
        let ts = NaiveDate::from_ymd_opt(2026, 1, 2)
            .unwrap()
            .and_hms_micro_opt(3, 4, 5, 6)
            .unwrap();
        rows.push(vec![
            1.into(),
            "a, \"quoted\"\nline".into(),
            ts.into(),
            Cell::Null,
        ]);
        rows.push(vec![2.into(), "plain".into(), ts.into(), true.into()]);
        rows
    }

    fn render(format: Format, outcome: &Outcome) -> (String, String) {
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        Renderer {
            format,
            terminal: false,
        }
        .render(outcome, &mut out, &mut notes)
        .unwrap();
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(notes).unwrap(),
        )
    }

    #[test]
    fn tables_end_with_a_row_count() {
        let (out, _) = render(Format::Table, &Outcome::Rows(sample()));
        assert!(out.ends_with("(2 rows)\n"), "{out}");
        assert!(out.contains("2026-01-02 03:04:05 "), "{out}");
        assert!(out.contains("NULL") && out.contains("yes"));
        let (out, _) = render(Format::Table, &Outcome::Rows(Rows::new(&["id"])));
        assert!(out.ends_with("(0 rows)\n"), "{out}");
    }

    #[test]
    fn json_is_one_valid_array_with_typed_values() {
        let (out, _) = render(Format::Json, &Outcome::Rows(sample()));
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed[0]["id"], 1);
        assert_eq!(parsed[0]["body"], "a, \"quoted\"\nline");
        assert_eq!(parsed[0]["timestamp"], "2026-01-02 03:04:05.000006");
        assert!(parsed[0]["note"].is_null());
        assert_eq!(parsed[1]["note"], true);
    }

    #[test]
    fn csv_round_trips_through_a_reader() {
        let (out, _) = render(Format::Csv, &Outcome::Rows(sample()));
        let mut reader = csv::Reader::from_reader(out.as_bytes());
        let headers = reader.headers().unwrap().clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            ["id", "body", "timestamp", "note"]
        );
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&records[0][1], "a, \"quoted\"\nline");
        assert_eq!(&records[0][3], "");
        assert_eq!(records.len(), 2);
    }

    #[test]
    fn messages_go_to_notes_in_machine_formats() {
        let message = Outcome::Message("Added user john (id 1)".into());
        assert_eq!(
            render(Format::Table, &message),
            ("Added user john (id 1)\n".into(), String::new())
        );
        assert_eq!(
            render(Format::Json, &message),
            (String::new(), "Added user john (id 1)\n".into())
        );
    }

    #[test]
    fn sections_are_one_document_in_every_format() {
        let mut a = Rows::new(&["column", "type"]);
        a.push(vec!["id".into(), "integer".into()]);
        let mut b = Rows::new(&["index", "unique"]);
        b.push(vec!["ix".into(), true.into()]);
        let sections = Outcome::Sections(vec![("columns".into(), a), ("indexes".into(), b)]);
        let (table, _) = render(Format::Table, &sections);
        assert!(
            table.starts_with("columns:\n") && table.contains("\nindexes:\n"),
            "{table}"
        );
        assert_eq!(table.matches("(1 row)").count(), 2);
        let (json, _) = render(Format::Json, &sections);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["indexes"][0]["unique"], true);
        let (csv, _) = render(Format::Csv, &sections);
        assert_eq!(
            csv,
            "section,column,type,index,unique\ncolumns,id,integer,,\nindexes,,,ix,true\n"
        );
    }

    #[test]
    fn counts_in_every_format() {
        let count = Outcome::Count {
            count: 3,
            entity: EntityKind::Post,
        };
        assert_eq!(render(Format::Table, &count).0, "3 posts\n");
        let one = Outcome::Count {
            count: 1,
            entity: EntityKind::User,
        };
        assert_eq!(render(Format::Table, &one).0, "1 user\n");
        assert_eq!(render(Format::Json, &count).0, "{\"count\":3}\n");
        assert_eq!(render(Format::Csv, &count).0, "count\n3\n");
    }
}
