//! The lines of a script as text: a line that is not UTF-8, or that holds a NUL byte (a binary
//! file), is refused with its number, so nothing after it runs. Pure: the reader that feeds it
//! lives with the other input sources (`src/repl/input.rs`).

use super::error::ParseError;

/// One line of a script, without its line ending (`\n` or `\r\n`), checked to be text.
pub fn decode_line(bytes: &[u8], number: usize) -> Result<&str, ParseError> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains('\0') => Err(ParseError::new(format!(
            "line {number}: contains a NUL byte: is this a binary file?"
        ))),
        Ok(text) => Ok(text),
        Err(e) => Err(ParseError::new(format!(
            "line {number}: not valid UTF-8 (bad byte at column {}): is this a binary file?",
            e.valid_up_to() + 1
        ))),
    }
}

/// Splits a whole script into its lines, each checked: for the fuzz target and property tests,
/// which have the bytes at hand.
pub fn lines(script: &[u8]) -> impl Iterator<Item = Result<&str, ParseError>> {
    script
        .split_inclusive(|b| *b == b'\n')
        .enumerate()
        .map(|(i, line)| decode_line(line, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> Vec<Result<String, String>> {
        lines(bytes)
            .map(|l| l.map(str::to_string).map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn lines_lose_their_line_endings() {
        assert_eq!(
            all(b"a\r\nb\n\nc"),
            [
                Ok("a".into()),
                Ok("b".into()),
                Ok("".into()),
                Ok("c".into())
            ]
        );
    }

    #[test]
    fn invalid_utf8_and_nul_bytes_name_their_line() {
        let got = all(b"users\n\xff\xfe\n");
        assert_eq!(got[0], Ok("users".into()));
        assert!(
            got[1]
                .as_ref()
                .unwrap_err()
                .starts_with("line 2: not valid UTF-8")
        );
        let got = all(b"a\nb\0c\n");
        assert!(
            got[1]
                .as_ref()
                .unwrap_err()
                .starts_with("line 2: contains a NUL byte")
        );
    }
}
