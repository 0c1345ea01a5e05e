//! Records for people, one per row (psql's `\x`): a `-[ RECORD n ]-` rule, then `column | value`
//! lines, for rows too wide to read as a table. Values are shown as tables show them.

use std::io::Write;

use super::Cell;
use super::table_format::cell_text;
use super::visible::visible;

/// The rows of one page; `first` is the number of the page's first record.
pub fn page(
    columns: &[String],
    rows: &[Vec<Cell>],
    first: u64,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let names: Vec<String> = columns.iter().map(|c| visible(c).into_owned()).collect();
    let name_width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (i, row) in rows.iter().enumerate() {
        let values: Vec<String> = row.iter().map(cell_text).collect();
        let value_width = values.iter().map(|v| v.chars().count()).max().unwrap_or(0);
        let rule = format!("-[ RECORD {} ]", first + i as u64 + 1);
        let width = (name_width + 3 + value_width).max(rule.chars().count() + 1);
        writeln!(out, "{rule}{}", "-".repeat(width - rule.chars().count()))?;
        for (name, value) in names.iter().zip(&values) {
            writeln!(out, "{name:name_width$} | {value}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_record_per_row_under_a_numbered_rule() {
        let columns = vec!["id".to_string(), "username".to_string()];
        let rows = vec![
            vec![Cell::Int(1), Cell::Text("john".into())],
            vec![Cell::Int(2), Cell::Text("a\u{1b}[2J".into())],
        ];
        let mut out = Vec::new();
        page(&columns, &rows, 4, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            // Each rule as wide as its record's widest line.
            "-[ RECORD 5 ]--\nid       | 1\nusername | john\n\
             -[ RECORD 6 ]----\nid       | 2\nusername | a\\e[2J\n"
        );
    }
}
