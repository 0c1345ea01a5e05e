//! The text of a timestamp: SQLAlchemy's `YYYY-MM-DD HH:MM:SS.ffffff` (always six fraction digits),
//! which JSON and CSV print and which the Flask app stores on SQLite, and the same to the second,
//! which tables print (every backend keeps at least that). Written by hand: chrono's `format`
//! re-parses its pattern on every call, which shows in million-row exports.

use std::fmt::Write;

use chrono::{Datelike, NaiveDateTime, Timelike};

/// `YYYY-MM-DD HH:MM:SS.ffffff`.
pub fn sqlalchemy_text(dt: &NaiveDateTime) -> String {
    let mut text = String::with_capacity(26);
    write_sqlalchemy_text(dt, &mut text);
    text
}

/// [`sqlalchemy_text`] into a buffer, for writers that reuse one per row.
pub fn write_sqlalchemy_text(dt: &NaiveDateTime, out: &mut String) {
    write_seconds_text(dt, out);
    out.push('.');
    digits(dt.and_utc().timestamp_subsec_micros(), 6, out);
}

/// `YYYY-MM-DD HH:MM:SS`.
pub fn seconds_text(dt: &NaiveDateTime) -> String {
    let mut text = String::with_capacity(19);
    write_seconds_text(dt, &mut text);
    text
}

fn write_seconds_text(dt: &NaiveDateTime, out: &mut String) {
    let year = dt.year();
    if (0..=9999).contains(&year) {
        digits(year as u32, 4, out);
    } else {
        // Years beyond four digits (chrono allows them) as `format` writes them.
        let _ = write!(out, "{year:04}");
    }
    for (separator, value) in [
        ('-', dt.month()),
        ('-', dt.day()),
        (' ', dt.hour()),
        (':', dt.minute()),
        (':', dt.second()),
    ] {
        out.push(separator);
        digits(value, 2, out);
    }
}

/// `value` zero-padded to `width` decimal digits, as `{value:0width$}` writes it.
fn digits(value: u32, width: u32, out: &mut String) {
    if value >= 10u32.pow(width) {
        // A leap second's microseconds (up to 1,999,999): more digits than the width.
        let _ = write!(out, "{value:0width$}", width = width as usize);
        return;
    }
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn the_hand_written_digits_are_what_format_wrote() {
        let old = |dt: &NaiveDateTime| {
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second(),
                dt.and_utc().timestamp_subsec_micros()
            )
        };
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 1_500_000)
            .unwrap();
        for (y, mo, d, h, mi, s, us) in [
            (1, 1, 1, 0, 0, 0, 0),
            (9999, 12, 31, 23, 59, 59, 999_999),
            (2026, 11, 30, 9, 5, 7, 42),
            (10_000, 1, 1, 0, 0, 0, 1),
            (-5, 3, 4, 5, 6, 7, 8),
        ] {
            let dt = NaiveDate::from_ymd_opt(y, mo, d)
                .unwrap()
                .and_hms_micro_opt(h, mi, s, us)
                .unwrap();
            assert_eq!(sqlalchemy_text(&dt), old(&dt));
        }
        assert_eq!(sqlalchemy_text(&leap), old(&leap));
        assert_eq!(sqlalchemy_text(&leap), "2016-12-31 23:59:59.1500000");
    }

    #[test]
    fn the_hand_written_format_is_chronos() {
        let dt = NaiveDate::from_ymd_opt(987, 11, 5)
            .unwrap()
            .and_hms_micro_opt(23, 0, 9, 40)
            .unwrap();
        assert_eq!(
            sqlalchemy_text(&dt),
            dt.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
        );
        assert_eq!(
            seconds_text(&dt),
            dt.format("%Y-%m-%d %H:%M:%S").to_string()
        );
    }
}
