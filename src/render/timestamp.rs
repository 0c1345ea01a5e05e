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
    let micros = dt.and_utc().timestamp_subsec_micros();
    // A String never fails to take text.
    let _ = write!(out, ".{micros:06}");
}

/// `YYYY-MM-DD HH:MM:SS`.
pub fn seconds_text(dt: &NaiveDateTime) -> String {
    let mut text = String::with_capacity(19);
    write_seconds_text(dt, &mut text);
    text
}

fn write_seconds_text(dt: &NaiveDateTime, out: &mut String) {
    let _ = write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

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
