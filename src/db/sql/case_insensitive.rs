//! Case-insensitive lookups of usernames and emails that still use the columns' plain indexes.
//!
//! `LOWER(column) = LOWER(value)` gives the same answer on every backend (MySQL compares text
//! case-insensitively, SQLite and PostgreSQL do not), but alone it cannot use an index: every
//! `add user` would scan the whole user table. So the comparison is narrowed first by ranges the
//! index can answer, which together hold every case variant of the value:
//! - one range per case spelling of the value's first few letters (`jo` -> `jo`, `jO`, `Jo`,
//!   `JO`), each `[prefix, prefix with its last letter moved on by one)`: tight in byte order
//!   (SQLite, PostgreSQL's C collations) and still right in linguistic collations, whose first
//!   level compares letters without case;
//! - for a value that starts with none of those, its all-upper to all-lower spelling, ordered by
//!   the database's own LEAST/GREATEST (in byte order every variant sorts between the two).
//!
//! SQLite's `LOWER` folds ASCII only, so there the condition finds candidates for a non-ASCII
//! value and [`same_ignoring_case`] decides, as Rust folds case the way the servers do.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, DbBackend};

/// How many leading letters get all their case spellings: 2^4 = 16 ranges at most.
const PREFIX_LETTERS: usize = 4;
/// Digits add no ranges, but a prefix this long is selective enough.
const PREFIX_CHARS: usize = 8;

/// The final word on two usernames or emails being the same.
pub fn same_ignoring_case(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// A condition that holds for every row whose `column` equals `value` ignoring case; confirm the
/// rows it finds with [`same_ignoring_case`].
pub fn same_text_ignoring_case<C: ColumnTrait + Copy>(
    backend: DbBackend,
    column: C,
    value: &str,
) -> Condition {
    let database_folds_it = value.is_ascii() || backend != DbBackend::Sqlite;
    let same = database_folds_it
        .then(|| Expr::expr(Func::lower(Expr::col(column))).eq(Func::lower(Expr::val(value))));
    let ranges = prefix_ranges(value);
    if ranges.is_empty() {
        if !value.is_ascii() {
            // Case mappings beyond ASCII change lengths and byte order: this rare case scans.
            return Condition::all().add_option(same);
        }
        let spellings = || [value.to_ascii_uppercase(), value.to_ascii_lowercase()].map(Expr::val);
        return Condition::all()
            .add(Expr::col(column).gte(Func::least(spellings())))
            .add(Expr::col(column).lte(Func::greatest(spellings())))
            .add_option(same);
    }
    // A flat OR of (range AND same) terms: the form SQLite's planner answers with one index
    // search per term, also when two such conditions are OR-ed together.
    ranges
        .into_iter()
        .fold(Condition::any(), |any, (from, to)| {
            let starts = Condition::all()
                .add(Expr::col(column).gte(from))
                .add_option(to.map(|to| Expr::col(column).lt(to)))
                .add_option(same.clone());
            any.add(starts)
        })
}

/// `[from, to)` ranges, one per case spelling of the value's leading ASCII letters and digits
/// (`to` is `None` when nothing sorts after the prefix, as for `zz`).
pub fn prefix_ranges(value: &str) -> Vec<(String, Option<String>)> {
    let mut prefix = String::new();
    let mut letters = 0;
    for c in value.chars() {
        if !c.is_ascii_alphanumeric() || letters == PREFIX_LETTERS || prefix.len() == PREFIX_CHARS {
            break;
        }
        letters += usize::from(c.is_ascii_alphabetic());
        prefix.push(c);
    }
    if prefix.is_empty() {
        return Vec::new();
    }
    let mut spellings = vec![String::new()];
    for c in prefix.chars() {
        spellings = spellings
            .iter()
            .flat_map(|s| cased(c).map(move |variant| format!("{s}{variant}")))
            .collect();
    }
    spellings
        .into_iter()
        .map(|from| {
            let to = successor(&from);
            (from, to)
        })
        .collect()
}

/// A character's case spellings: one for a digit, two for a letter.
fn cased(c: char) -> impl Iterator<Item = char> {
    let (upper, lower) = (c.to_ascii_uppercase(), c.to_ascii_lowercase());
    std::iter::once(upper).chain((lower != upper).then_some(lower))
}

/// The first letters-and-digits string after every string that starts with `prefix`, carrying
/// past `9` and `z` as a counter does (`u19` -> `u2`, `az` -> `b`): a bound made of letters and
/// digits only is right in linguistic collations too, where punctuation may not count.
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if !matches!(last, '9' | 'z' | 'Z') {
            chars.push(char::from(last as u8 + 1));
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(ranges: &[(String, Option<String>)], s: &str) -> bool {
        ranges
            .iter()
            .any(|(from, to)| from.as_str() <= s && to.as_ref().is_none_or(|to| s < to.as_str()))
    }

    #[test]
    fn one_range_per_spelling_of_the_first_letters() {
        let ranges = prefix_ranges("john");
        assert_eq!(ranges.len(), 16);
        for variant in ["john", "JOHN", "jOhN", "John.Smith", "johnny"] {
            assert!(holds(&ranges, variant), "{variant}");
        }
        for other in ["jon", "joe", "u1", "k", "Zed", "johm"] {
            assert!(!holds(&ranges, other), "{other}");
        }
    }

    #[test]
    fn digits_count_once_and_the_prefix_stops_at_punctuation() {
        let mut ranges = prefix_ranges("u1x.");
        ranges.sort();
        let expected = [
            ("U1X", "U1Y"),
            ("U1x", "U1y"),
            ("u1X", "u1Y"),
            ("u1x", "u1y"),
        ]
        .map(|(from, to)| (from.to_string(), Some(to.to_string())));
        assert_eq!(ranges, expected);
        assert_eq!(prefix_ranges("_bob"), vec![]);
        assert_eq!(prefix_ranges("a.b"), prefix_ranges("a"));
        assert_eq!(prefix_ranges("u123456789").len(), 2, "the prefix is capped");
        assert_eq!(
            prefix_ranges("abcdefgh").len(),
            16,
            "so is the number of ranges"
        );
    }

    #[test]
    fn bounds_carry_past_nine_and_z() {
        assert_eq!(successor("u19"), Some("u2".to_string()));
        assert_eq!(successor("az"), Some("b".to_string()));
        assert_eq!(successor("AZ"), Some("B".to_string()));
        assert_eq!(successor("z9"), None);
        let ranges = prefix_ranges("u19999");
        assert!(holds(&ranges, "u19999") && holds(&ranges, "U19999x"));
        assert!(!holds(&ranges, "u2") && !holds(&ranges, "u1999") && !holds(&ranges, "u19998"));
    }

    #[test]
    fn every_case_variant_falls_in_a_range() {
        for value in ["u19999", "Alice@Example.com", "x", "Q7", "zz", "Zoe9z"] {
            let ranges = prefix_ranges(value);
            let lower = value.to_ascii_lowercase();
            let upper = value.to_ascii_uppercase();
            for variant in [value, lower.as_str(), upper.as_str()] {
                assert!(holds(&ranges, variant), "{value}: {variant}");
            }
        }
    }
}
