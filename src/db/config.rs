//! Which database the shell opens, and how that database is named in anything the user sees.
//!
//! Precedence: `--database-url`, then `DATABASE_URL` (from the environment or a `.env` file in the
//! current directory), then the embedded default, an SQLite file `app.db` in the current directory.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The embedded default: created on first use, migrated automatically.
pub const DEFAULT_URL: &str = "sqlite://app.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL/MariaDB",
        }
    }
}

/// Where the URL came from: the embedded default is treated specially (created and migrated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Environment,
    Default,
}

#[derive(Debug, Clone)]
pub struct DatabaseTarget {
    /// The URL as the user gave it (used for display, after masking).
    given: String,
    /// The URL handed to the driver (scheme normalized, SQLite creation mode added).
    connect_url: String,
    pub backend: Backend,
    pub source: Source,
}

impl DatabaseTarget {
    /// Picks the URL by precedence; `env_url` is `DATABASE_URL` after the `.env` file was loaded.
    pub fn resolve(flag: Option<&str>, env_url: Option<&str>) -> Result<Self> {
        match (flag, env_url) {
            (Some(url), _) => Self::parse(url, Source::Flag),
            (None, Some(url)) => Self::parse(url, Source::Environment),
            (None, None) => Self::parse(DEFAULT_URL, Source::Default),
        }
    }

    pub fn parse(url: &str, source: Source) -> Result<Self> {
        let url = url.trim();
        if url.is_empty() {
            return Err(Error::new("the database URL is empty"));
        }
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(Error::new(format!(
                "malformed database URL '{}': expected sqlite://PATH, postgres://... or mysql://...",
                mask_password(url)
            )));
        };
        // SQLAlchemy URLs name a driver after a '+' (postgresql+psycopg2://): the scheme is what counts.
        let base = scheme
            .split('+')
            .next()
            .unwrap_or(scheme)
            .to_ascii_lowercase();
        let (backend, scheme) = match base.as_str() {
            "sqlite" => (Backend::Sqlite, "sqlite"),
            "postgres" | "postgresql" => (Backend::Postgres, "postgres"),
            "mysql" | "mariadb" => (Backend::MySql, "mysql"),
            _ => {
                return Err(Error::new(format!(
                    "unsupported database URL scheme '{scheme}': use sqlite://, postgres:// or mysql://"
                )));
            }
        };
        if backend != Backend::Sqlite && !rest.starts_with("//") {
            // Not echoed: without '//' there is no telling where a password would be.
            return Err(Error::new(format!(
                "malformed {} database URL: expected {scheme}://USER:PASSWORD@HOST:PORT/DATABASE",
                backend.name()
            )));
        }
        let mut connect_url = format!("{scheme}:{rest}");
        if backend == Backend::Sqlite && !connect_url.contains("mode=") && !is_memory(&connect_url)
        {
            // sqlx opens SQLite read-write without creating the file; `upgrade` must create it.
            connect_url.push(if connect_url.contains('?') { '&' } else { '?' });
            connect_url.push_str("mode=rwc");
        }
        Ok(DatabaseTarget {
            given: url.to_string(),
            connect_url,
            backend,
            source,
        })
    }

    pub fn connect_url(&self) -> &str {
        &self.connect_url
    }

    /// The URL to show in banners, messages and errors: never with its password.
    pub fn display(&self) -> String {
        mask_password(&self.given)
    }

    /// The password in the URL, if any, so that error texts can be scrubbed of it.
    pub fn password(&self) -> Option<&str> {
        userinfo_password(&self.given)
    }

    /// For an SQLite file database: the file's path.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite || is_memory(&self.connect_url) {
            return None;
        }
        let rest = self.connect_url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or(rest);
        Some(Path::new(path).to_path_buf())
    }

    /// Removes any trace of the URL's password from a message (drivers may echo parts of the URL).
    pub fn scrub(&self, message: &str) -> String {
        match self.password() {
            Some(p) if !p.is_empty() => message.replace(p, "***"),
            _ => message.to_string(),
        }
    }
}

fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The byte range of the password inside `scheme://user:password@host...`, if there is one.
fn password_range(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://")? + 3;
    let authority_len = url[start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - start);
    let authority = &url[start..start + authority_len];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some(start + colon + 1..start + at)
}

fn userinfo_password(url: &str) -> Option<&str> {
    password_range(url).map(|r| &url[r])
}

/// `postgres://me:secret@host/db` -> `postgres://me:***@host/db`; works on malformed URLs too.
pub fn mask_password(url: &str) -> String {
    match password_range(url) {
        Some(r) if !r.is_empty() => format!("{}***{}", &url[..r.start], &url[r.end..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_beats_the_environment_which_beats_the_default() {
        let t = DatabaseTarget::resolve(Some("sqlite://a.db"), Some("sqlite://b.db")).unwrap();
        assert_eq!(
            (t.display(), t.source),
            ("sqlite://a.db".into(), Source::Flag)
        );
        let t = DatabaseTarget::resolve(None, Some("sqlite://b.db")).unwrap();
        assert_eq!(
            (t.display(), t.source),
            ("sqlite://b.db".into(), Source::Environment)
        );
        let t = DatabaseTarget::resolve(None, None).unwrap();
        assert_eq!(
            (t.display(), t.source),
            (DEFAULT_URL.into(), Source::Default)
        );
    }

    #[test]
    fn sqlite_urls_create_the_file_unless_a_mode_is_given() {
        let t = DatabaseTarget::parse("sqlite://app.db", Source::Flag).unwrap();
        assert_eq!(t.connect_url(), "sqlite://app.db?mode=rwc");
        let t = DatabaseTarget::parse("sqlite://app.db?mode=ro", Source::Flag).unwrap();
        assert_eq!(t.connect_url(), "sqlite://app.db?mode=ro");
        let t = DatabaseTarget::parse("sqlite::memory:", Source::Flag).unwrap();
        assert_eq!(t.connect_url(), "sqlite::memory:");
        assert_eq!(t.sqlite_path(), None);
    }

    #[test]
    fn sqlite_path_is_read_from_the_url() {
        let t = DatabaseTarget::parse("sqlite:///tmp/x/app.db", Source::Flag).unwrap();
        assert_eq!(t.sqlite_path(), Some(PathBuf::from("/tmp/x/app.db")));
        let t = DatabaseTarget::parse("sqlite://app.db", Source::Flag).unwrap();
        assert_eq!(t.sqlite_path(), Some(PathBuf::from("app.db")));
    }

    #[test]
    fn sqlalchemy_style_schemes_are_understood() {
        let t = DatabaseTarget::parse("postgresql+psycopg2://u@h/db", Source::Flag).unwrap();
        assert_eq!(
            (t.backend, t.connect_url()),
            (Backend::Postgres, "postgres://u@h/db")
        );
        let t = DatabaseTarget::parse("mysql+pymysql://u@h/db", Source::Flag).unwrap();
        assert_eq!(
            (t.backend, t.connect_url()),
            (Backend::MySql, "mysql://u@h/db")
        );
        let t = DatabaseTarget::parse("MariaDB://u@h/db", Source::Flag).unwrap();
        assert_eq!(t.backend, Backend::MySql);
    }

    #[test]
    fn unknown_empty_and_malformed_urls_are_refused_with_the_password_masked() {
        let e = DatabaseTarget::parse("oracle://u:pw@h/db", Source::Flag).unwrap_err();
        assert!(
            e.message()
                .contains("unsupported database URL scheme 'oracle'"),
            "{e}"
        );
        assert!(DatabaseTarget::parse("  ", Source::Flag).is_err());
        let e = DatabaseTarget::parse("no-scheme-here", Source::Flag).unwrap_err();
        assert!(e.message().starts_with("malformed database URL"), "{e}");
        let e = DatabaseTarget::parse("postgres:u:hunter2@h", Source::Flag).unwrap_err();
        assert!(
            e.message().starts_with("malformed PostgreSQL database URL"),
            "{e}"
        );
        assert!(!e.message().contains("hunter2"), "{e}");
    }

    #[test]
    fn passwords_are_masked_even_in_odd_urls() {
        assert_eq!(
            mask_password("postgres://me:secret@h:5432/db"),
            "postgres://me:***@h:5432/db"
        );
        assert_eq!(mask_password("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(mask_password("mysql://root:@h/db"), "mysql://root:@h/db");
        assert_eq!(
            mask_password("postgres://me:p@ss@h/db"),
            "postgres://me:***@h/db"
        );
        assert_eq!(
            mask_password("postgres://me:pw@h:notaport/db?x=1"),
            "postgres://me:***@h:notaport/db?x=1"
        );
        assert_eq!(mask_password("sqlite://app.db"), "sqlite://app.db");
    }

    #[test]
    fn scrub_removes_the_password_from_driver_messages() {
        let t = DatabaseTarget::parse("postgres://me:s3cr3t@h/db", Source::Flag).unwrap();
        assert_eq!(
            t.scrub("bad password s3cr3t for me"),
            "bad password *** for me"
        );
    }
}
