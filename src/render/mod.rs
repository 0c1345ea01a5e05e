//! Turning outcomes into text: tables for people (comfy-table, with a row count line), JSON and
//! CSV for programs (valid, complete, nothing else on stdout: messages for people go to stderr).
//!
//! - `outcome`: what commands produce, as plain data;
//! - `table_format`, `json_format`, `csv_format`: one writer per format; `timestamp`: the text of a timestamp;
//! - `visible`: control characters from the database as escapes, for people;
//! - [`PageSource`]: how a list too long to hold (a listing read in keyset pages by the database
//!   session) streams through the writers a page at a time.

pub mod csv_format;
pub mod json_format;
pub mod outcome;
pub mod table_format;
pub mod timestamp;
pub mod vertical_format;
pub mod visible;

use std::future::Future;
use std::io::Write;

pub use outcome::{Cell, CountOf, Outcome, Rows};

use crate::command::Format;
use crate::error::{Error, Result};
use visible::visible_lines;

/// Where and how results go.
pub struct Renderer {
    pub format: Format,
    /// Boxes drawn with Unicode lines and wrapped to the terminal when stdout is one.
    pub terminal: bool,
    /// The screen's width, when stdout is a terminal that has one: `auto` turns a table wider
    /// than this into records.
    pub width: Option<u16>,
    /// Results go to a file (`output FILE`): messages for people go to the notes (the screen)
    /// in every format.
    pub to_file: bool,
}

/// Rows that arrive a page at a time, for as long as there are more.
pub trait PageSource {
    fn columns(&self) -> Vec<String>;
    /// The next page, or `None` when the list is complete.
    fn next_page(&mut self) -> impl Future<Output = Result<Option<Vec<Vec<Cell>>>>>;
}

/// Why a stream stops before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halt {
    /// Nobody reads any more (the pager was quit): stop without a word.
    Quietly,
    /// Ctrl-C: stop, and say that the list is incomplete.
    Interrupted,
}

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
            Outcome::Count { count, of } => match self.format {
                Format::Table | Format::Vertical | Format::Auto => {
                    writeln!(out, "{}", visible_lines(&of.shown(*count)))
                }
                Format::Json => json_format::count(*count, out),
                Format::Csv => writeln!(out, "count\n{count}"),
            },
            // Messages name rows (`Deleted user ...`): for people, so shown visibly too.
            Outcome::Message(text) | Outcome::Report { text, .. } => {
                match self.format.for_people() && !self.to_file {
                    true => writeln!(out, "{}", visible_lines(text)),
                    false => writeln!(notes, "{}", visible_lines(text)),
                }
            }
            Outcome::Sections(sections) => match self.format {
                Format::Table | Format::Vertical | Format::Auto => {
                    for (i, (title, rows)) in sections.iter().enumerate() {
                        if i > 0 {
                            writeln!(out)?;
                        }
                        writeln!(out, "{title}:")?;
                        let mut writer = self.rows_writer(&rows.columns);
                        writer.page(&rows.rows, out)?;
                        writer.finish(out)?;
                    }
                    Ok(())
                }
                Format::Json => json_format::sections(sections, out),
                Format::Csv => csv_format::sections(sections, out),
            },
        }
    }

    /// Rows written as they arrive, a page at a time.
    pub fn rows_writer(&self, columns: &[String]) -> RowWriter<'_> {
        RowWriter {
            renderer: self,
            columns: columns.to_vec(),
            rows: 0,
            pages: 0,
            chosen: None,
        }
    }

    /// Writes every page of `source` as it arrives. Before each page, `halt` may stop the stream:
    /// quietly, or (Ctrl-C) with an error once what was written is closed properly.
    /// `fetched` runs after each page is read and before it is written (`echo sql` prints the
    /// page's statement there).
    pub async fn stream<W: Write>(
        &self,
        source: &mut impl PageSource,
        out: &mut W,
        mut halt: impl FnMut(&W) -> Option<Halt>,
        mut fetched: impl FnMut(&mut W) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut writer = self.rows_writer(&source.columns());
        loop {
            match halt(out) {
                Some(Halt::Quietly) => break,
                Some(Halt::Interrupted) => {
                    writer.finish(out)?;
                    return Err(Error::new("interrupted: the listing stopped early"));
                }
                None => {}
            }
            let Some(page) = source.next_page().await? else {
                fetched(out)?;
                break;
            };
            fetched(out)?;
            writer.page(&page, out)?;
        }
        writer.finish(out)?;
        Ok(())
    }
}

/// A result of any length, rendered page by page: a table per page (the row count line at the end),
/// one JSON array written piece by piece, one CSV document. Nothing holds more than a page.
pub struct RowWriter<'a> {
    renderer: &'a Renderer,
    columns: Vec<String>,
    rows: u64,
    pages: u64,
    /// What `auto` became, decided on the first page and kept for the whole result.
    chosen: Option<Format>,
}

impl RowWriter<'_> {
    pub fn page(&mut self, rows: &[Vec<Cell>], out: &mut dyn Write) -> std::io::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match self.resolved(rows) {
            Format::Table | Format::Auto => {
                table_format::page(&self.columns, rows, self.renderer.terminal, out)?
            }
            Format::Vertical => vertical_format::page(&self.columns, rows, self.rows, out)?,
            Format::Json => json_format::rows(&self.columns, rows, self.rows == 0, out)?,
            Format::Csv => csv_format::rows(&self.columns, rows, self.pages == 0, out)?,
        }
        self.rows += rows.len() as u64;
        self.pages += 1;
        Ok(())
    }

    /// `auto`: records when the first page's table would be wider than the screen.
    fn resolved(&mut self, rows: &[Vec<Cell>]) -> Format {
        if let Some(format) = self.chosen {
            return format;
        }
        let format = match (self.renderer.format, self.renderer.width) {
            (Format::Auto, Some(width)) => {
                let natural =
                    table_format::table(&self.columns, rows, self.renderer.terminal, None);
                let widest = natural
                    .to_string()
                    .lines()
                    .map(unicode_width::UnicodeWidthStr::width)
                    .max()
                    .unwrap_or(0);
                if widest > usize::from(width) {
                    Format::Vertical
                } else {
                    Format::Table
                }
            }
            (format, _) => format,
        };
        self.chosen = Some(format);
        format
    }

    pub fn finish(self, out: &mut dyn Write) -> std::io::Result<()> {
        match self.renderer.format {
            Format::Table | Format::Vertical | Format::Auto => {
                if self.pages == 0 && self.renderer.format != Format::Vertical {
                    table_format::page(&self.columns, &[], self.renderer.terminal, out)?;
                }
                let n = self.rows;
                writeln!(out, "({n} {})", if n == 1 { "row" } else { "rows" })
            }
            Format::Json => json_format::end(self.rows, out),
            Format::Csv if self.pages == 0 => csv_format::rows(&self.columns, &[], true, out),
            Format::Csv => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::EntityKind;
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
            width: None,
            to_file: false,
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
            of: CountOf::Entity(EntityKind::Post),
        };
        assert_eq!(render(Format::Table, &count).0, "3 posts\n");
        let one = Outcome::Count {
            count: 1,
            of: CountOf::Entity(EntityKind::User),
        };
        let rows = Outcome::Count {
            count: 2,
            of: CountOf::Rows("followers".into()),
        };
        assert_eq!(render(Format::Table, &rows).0, "2 rows of followers\n");
        assert_eq!(render(Format::Csv, &rows).0, "count\n2\n");
        assert_eq!(render(Format::Table, &one).0, "1 user\n");
        assert_eq!(render(Format::Json, &count).0, "{\"count\":3}\n");
        assert_eq!(render(Format::Csv, &count).0, "count\n3\n");
    }
}

#[cfg(test)]
mod auto_tests {
    use super::*;

    fn rendered(format: Format, width: Option<u16>, rows: &Rows) -> String {
        let renderer = Renderer {
            format,
            terminal: false,
            width,
            to_file: false,
        };
        let mut out = Vec::new();
        renderer
            .render(&Outcome::Rows(rows.clone()), &mut out, &mut Vec::new())
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn auto_is_a_table_that_fits_and_records_otherwise() {
        let mut rows = Rows::new(&["id", "body"]);
        rows.push(vec![Cell::Int(1), Cell::Text("x".repeat(60))]);
        let table = rendered(Format::Table, None, &rows);
        assert_eq!(rendered(Format::Auto, Some(200), &rows), table);
        assert_eq!(
            rendered(Format::Auto, None, &rows),
            table,
            "no screen: a table"
        );
        let records = rendered(Format::Auto, Some(40), &rows);
        assert_eq!(records, rendered(Format::Vertical, None, &rows));
        assert!(
            records.starts_with("-[ RECORD 1 ]") && records.ends_with("(1 row)\n"),
            "{records}"
        );
        let empty = rendered(Format::Vertical, None, &Rows::new(&["id"]));
        assert_eq!(empty, "(0 rows)\n");
    }
}
