//! Password hashes in Werkzeug's format, the one the tutorial's Flask app stores (chapter 5:
//! `generate_password_hash` / `check_password_hash`): `scrypt:32768:8:1$SALT$HEX`, and
//! `pbkdf2:sha256:ITERATIONS$SALT$HEX` for older hashes. Both programs can check each other's.
//! The key derivations are RustCrypto's `scrypt` and `pbkdf2`; the comparison is constant-time.

use pbkdf2::sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// Werkzeug's defaults for new hashes: scrypt with N = 2^15, r = 8, p = 1, a 64-byte key.
const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
const SALT_LENGTH: usize = 16;
const SALT_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A new salted hash of `password`, as `generate_password_hash(password)` writes it.
pub fn hash(password: &str) -> Result<String> {
    let salt = new_salt()?;
    let key = scrypt_hex(password, &salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)?;
    Ok(format!(
        "scrypt:{}:{SCRYPT_R}:{SCRYPT_P}${salt}${key}",
        1u32 << SCRYPT_LOG_N
    ))
}

/// Whether `password` matches `stored`, as `check_password_hash(stored, password)` decides.
/// A hash in a format this shell does not know is an error, not a "no".
pub fn verify(stored: &str, password: &str) -> Result<bool> {
    let mut parts = stored.splitn(3, '$');
    let (Some(method), Some(salt), Some(expected)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::new(
            "the stored password hash is not in Werkzeug's METHOD$SALT$HASH format",
        ));
    };
    let computed = derive(method, salt, password)?;
    Ok(computed.as_bytes().ct_eq(expected.as_bytes()).into())
}

fn derive(method: &str, salt: &str, password: &str) -> Result<String> {
    let unsupported = || Error::new(format!("unsupported password hash method {method:?}"));
    let mut args = method.split(':');
    match args.next() {
        Some("scrypt") => {
            let numbers: Vec<u32> = args
                .map(|a| a.parse().map_err(|_| unsupported()))
                .collect::<Result<_>>()?;
            let (n, r, p) = match numbers.as_slice() {
                [] => (1u32 << SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P),
                [n, r, p, ..] => (*n, *r, *p),
                _ => return Err(unsupported()),
            };
            if !n.is_power_of_two() || n < 2 {
                return Err(unsupported());
            }
            scrypt_hex(password, salt, n.trailing_zeros() as u8, r, p)
        }
        Some("pbkdf2") => {
            let hash_name = args.next().unwrap_or("sha256");
            let iterations: u32 = match args.next() {
                Some(i) => i.parse().map_err(|_| unsupported())?,
                None => 1_000_000,
            };
            let (p, s) = (password.as_bytes(), salt.as_bytes());
            Ok(match hash_name {
                "sha256" => {
                    let mut key = [0u8; 32];
                    pbkdf2::pbkdf2_hmac::<Sha256>(p, s, iterations, &mut key);
                    hex(&key)
                }
                "sha512" => {
                    let mut key = [0u8; 64];
                    pbkdf2::pbkdf2_hmac::<Sha512>(p, s, iterations, &mut key);
                    hex(&key)
                }
                _ => return Err(unsupported()),
            })
        }
        _ => Err(unsupported()),
    }
}

fn scrypt_hex(password: &str, salt: &str, log_n: u8, r: u32, p: u32) -> Result<String> {
    let params = scrypt::Params::new(log_n, r, p)
        .map_err(|e| Error::new(format!("invalid scrypt parameters: {e}")))?;
    let mut key = [0u8; 64];
    scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut key)
        .map_err(|e| Error::new(format!("scrypt failed: {e}")))?;
    Ok(hex(&key))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 16 characters from Werkzeug's salt alphabet, from the operating system's randomness.
fn new_salt() -> Result<String> {
    let mut salt = String::with_capacity(SALT_LENGTH);
    let mut buffer = [0u8; 64];
    while salt.len() < SALT_LENGTH {
        getrandom::fill(&mut buffer)
            .map_err(|e| Error::new(format!("no randomness for a salt: {e}")))?;
        // Rejection sampling keeps every character equally likely (248 = 4 * 62).
        salt.extend(
            buffer
                .iter()
                .filter(|b| **b < 248)
                .map(|b| SALT_CHARS[usize::from(*b) % SALT_CHARS.len()] as char)
                .take(SALT_LENGTH - salt.len()),
        );
    }
    Ok(salt)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from Python's hashlib, which Werkzeug calls.
    const SCRYPT_KEY: &str = "7988e1653b78504ea85edad85c3ef2e3c14ea16488bf0b92eb7ff0690ee2e7b7d7f31c3cce1bbe581c052789557cd0b0073e423417d072c2b0142d2b6a4a5e46";
    // 1,000 iterations rather than Werkzeug's 600,000+: generic code runs unoptimized in test builds.
    const PBKDF2_KEY: &str = "4c401f6d960e3577653115a6a739da8067bbabce65ff5d8fcc3dae4132a64eda";

    #[test]
    fn checks_hashes_that_werkzeug_writes() {
        let scrypt = format!("scrypt:32768:8:1$Zq3hT9sLw0pXc2Vb${SCRYPT_KEY}");
        assert!(verify(&scrypt, "correct horse").unwrap());
        assert!(!verify(&scrypt, "correct horsE").unwrap());
        let pbkdf2 = format!("pbkdf2:sha256:1000$Zq3hT9sLw0pXc2Vb${PBKDF2_KEY}");
        assert!(verify(&pbkdf2, "correct horse").unwrap());
        assert!(!verify(&pbkdf2, "").unwrap());
        let sha512 = "pbkdf2:sha512:1000$salt$2dc4653366e508dafd98645ae5cb74e78692ce4b5cc0c0c7a9b32294505808f0e16a8b9853f60b9ba07ab0c680998331376002aceb17849a5aab6be5671ef7bf";
        assert!(verify(sha512, "pässwörd").unwrap());
    }

    #[test]
    fn new_hashes_are_salted_scrypt_in_werkzeugs_format() {
        let a = hash("s3cret").unwrap();
        let b = hash("s3cret").unwrap();
        assert_ne!(a, b, "a fresh salt each time");
        let parts: Vec<&str> = a.split('$').collect();
        assert_eq!(parts[0], "scrypt:32768:8:1");
        assert_eq!(parts[1].len(), 16);
        assert!(parts[1].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(parts[2].len(), 128);
        assert!(verify(&a, "s3cret").unwrap());
        assert!(!verify(&a, "s3cre").unwrap());
    }

    #[test]
    fn unknown_or_broken_hashes_are_errors() {
        assert!(
            verify("md5$x$y", "p")
                .unwrap_err()
                .message()
                .contains("unsupported")
        );
        assert!(verify("no dollars", "p").is_err());
        assert!(
            verify("scrypt:1000:8:1$s$k", "p").is_err(),
            "N must be a power of two"
        );
        assert!(verify("pbkdf2:sha1:1000$s$k", "p").is_err());
    }
}
