//! How results print: `table` and `vertical` (one `column | value` record per row, psql's `\x`)
//! for people, `auto` (a table, or records when the table is wider than the screen), `json` and
//! `csv` for programs. One spelling of each word, shared by the `format` command, `--format` on the
//! command line (clap) and completion.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Vertical,
    Auto,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Csv,
        Format::Vertical,
        Format::Auto,
    ];
    /// The words for [`Format::ALL`], in the same order.
    pub const WORDS: [&'static str; 5] = ["table", "json", "csv", "vertical", "auto"];

    /// Whether it is read by people (messages on stdout) rather than by programs.
    pub fn for_people(self) -> bool {
        match self {
            Format::Table | Format::Vertical | Format::Auto => true,
            Format::Json | Format::Csv => false,
        }
    }

    pub fn from_word(word: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(word))
    }

    pub fn name(self) -> &'static str {
        Self::WORDS[self as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_has_its_word() {
        for format in Format::ALL {
            assert_eq!(
                Format::from_word(&format.name().to_uppercase()),
                Some(format)
            );
        }
        assert_eq!(Format::from_word("yaml"), None);
    }
}
