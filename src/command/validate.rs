//! The rules every value must pass before it reaches the database, identical on every backend.
//! Lengths count characters, not bytes, as the `varchar(n)` columns do.

use super::error::{ParseError as Error, ParseResult as Result, quoted};

pub const USERNAME_MAX: usize = 64;
pub const EMAIL_MAX: usize = 120;
pub const BODY_MAX: usize = 140;

fn length_between(what: &str, value: &str, max: usize) -> Result<()> {
    let length = value.chars().count();
    if value.trim().is_empty() {
        return Err(Error::new(format!("{what} must not be empty")));
    }
    if length > max {
        return Err(Error::new(format!(
            "{what} is {length} characters long: at most {max} are allowed"
        )));
    }
    Ok(())
}

pub fn username(value: &str) -> Result<()> {
    length_between("username", value, USERNAME_MAX)?;
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::new(format!(
            "username {} must not contain spaces or control characters",
            quoted(value)
        )));
    }
    Ok(())
}

pub fn email(value: &str) -> Result<()> {
    length_between("email", value, EMAIL_MAX)?;
    // RFC 5322 addresses, as WTForms' Email validator accepts them; a domain needs a dot.
    let shaped = email_address::EmailAddress::parse_with_options(
        value,
        email_address::Options::default().without_display_text(),
    )
    .ok()
    .is_some_and(|address| address.domain().contains('.'));
    if !shaped {
        return Err(Error::new(format!(
            "email {} is not an address like name@example.com",
            quoted(value)
        )));
    }
    Ok(())
}

pub fn body(value: &str) -> Result<()> {
    length_between("post body", value, BODY_MAX)?;
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::new("post body must not contain control characters"));
    }
    Ok(())
}

/// A number as typed, cut short for a message.
fn shortened(token: &str) -> String {
    match token.char_indices().nth(24) {
        Some((end, _)) => format!("{}...", &token[..end]),
        None => token.to_string(),
    }
}

/// An id as typed: a positive number that fits the `integer` columns.
pub fn id(what: &str, token: &str) -> Result<i32> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(format!(
            "{what} id must be a number, not {}",
            quoted(token)
        )));
    }
    match token.parse::<i32>() {
        Ok(id) if id >= 1 => Ok(id),
        _ => Err(Error::new(format!(
            "{what} id {} is out of range: ids go from 1 to {}",
            shortened(token),
            i32::MAX
        ))),
    }
}

/// A `limit` or `offset` count.
pub fn count(what: &str, token: &str) -> Result<u64> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::new(format!(
            "{what} must be a number, not {}",
            quoted(token)
        )));
    }
    token
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= i64::MAX as u64)
        .ok_or_else(|| Error::new(format!("{what} {} is too large", shortened(token))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_counted_in_characters_at_the_edges() {
        assert!(username(&"a".repeat(64)).is_ok());
        assert!(username(&"a".repeat(65)).is_err());
        assert!(
            username(&"é".repeat(64)).is_ok(),
            "128 bytes, 64 characters"
        );
        assert!(body(&"😀".repeat(140)).is_ok());
        assert!(body(&"😀".repeat(141)).is_err());
        // Labels of at most 63 characters, as DNS allows: 5 + 50 + 1 + 50 + 1 + 9 + 4 = 120.
        let domain = format!(
            "{}.{}.{}.com",
            "a".repeat(50),
            "b".repeat(50),
            "c".repeat(9)
        );
        assert_eq!(format!("john@{domain}").chars().count(), 120);
        assert!(email(&format!("john@{domain}")).is_ok());
        assert!(email(&format!("johnx@{domain}")).is_err());
    }

    #[test]
    fn empty_values_are_refused() {
        assert_eq!(
            username("").unwrap_err().message(),
            "username must not be empty"
        );
        assert_eq!(
            body("   ").unwrap_err().message(),
            "post body must not be empty"
        );
        assert!(email("").is_err());
    }

    #[test]
    fn emails_must_look_like_addresses() {
        assert!(email("john@example.com").is_ok());
        assert!(email("john.smith+tag@mail.example.org").is_ok());
        for bad in [
            "john",
            "john@",
            "@example.com",
            "john@example",
            "jo hn@example.com",
            "a@b@c.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames_have_no_spaces() {
        assert!(username("john smith").is_err());
        assert!(username("john\u{0}").is_err());
    }

    #[test]
    fn ids_are_positive_32_bit_numbers() {
        assert_eq!(id("post", "42").unwrap(), 42);
        assert!(
            id("post", "0")
                .unwrap_err()
                .message()
                .contains("out of range")
        );
        assert!(
            id("post", "2147483648")
                .unwrap_err()
                .message()
                .contains("out of range")
        );
        assert!(
            id("post", "99999999999999999999999")
                .unwrap_err()
                .message()
                .contains("out of range")
        );
        assert!(
            id("post", "abc")
                .unwrap_err()
                .message()
                .contains("must be a number")
        );
        assert!(
            id("post", "-1")
                .unwrap_err()
                .message()
                .contains("must be a number")
        );
        assert!(id("post", "1.5").is_err());
    }

    #[test]
    fn counts() {
        assert_eq!(count("limit", "0").unwrap(), 0);
        assert!(count("limit", "x").is_err());
        assert!(count("limit", "99999999999999999999").is_err());
    }
}
