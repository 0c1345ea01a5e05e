//! How results print: `table` for people, `json` and `csv` for programs. One spelling of each word,
//! shared by the `format` command, `--format` on the command line (clap) and completion.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Table, Format::Json, Format::Csv];
    /// The words for [`Format::ALL`], in the same order.
    pub const WORDS: [&'static str; 3] = ["table", "json", "csv"];

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
