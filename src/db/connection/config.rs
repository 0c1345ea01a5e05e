//! Which database the shell opens, and how that database is named in anything the user sees.
//!
//! Precedence: `--database-url`, then `DATABASE_URL` (from the environment or a `.env` file in the
//! current directory), then the embedded default, an SQLite file `app.db` in the current directory.
//!
//! SQLite URLs mean what SQLAlchemy means, since a Flask app's `DATABASE_URL` is written for it:
//! `sqlite:///app.db` is relative to the current folder and `sqlite:////srv/app.db` absolute
//! (`sqlite://app.db` and `sqlite:app.db`, sqlx's forms, are relative too). `?mode=rwc` says the
//! file may be created; whether one is created is decided when connecting (`connect::CreateFile`).
//!
//! A server URL may name several hosts, comma-separated, as libpq and MariaDB Connector/J accept
//! (`mysql://root@10.0.0.1:3306,10.0.0.2:3306/microblog`): the nodes of a cluster, tried in order
//! (see `session::Session::fail_over`). Each node gets a URL of its own for the driver.

use std::path::PathBuf;

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
    /// SQLite: the file, or `None` in memory.
    sqlite_file: Option<PathBuf>,
    /// SQLite: the URL's `mode=rwc`, which asks for the file to be created if it is missing.
    asks_to_create: bool,
    /// SQLite: the URL's path began with one `/` after `sqlite://`, SQLAlchemy's relative form
    /// (worth a word to someone who meant it as sqlx's absolute path).
    three_slashes: bool,
    /// The servers' hosts (`HOST:PORT` as written), with the URL the driver is handed for each;
    /// one for a URL that names one host, none for SQLite.
    nodes: Vec<Node>,
    /// The node `connect_url` is for.
    node: usize,
}

/// One host of a server URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    host: String,
    connect_url: String,
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
        let mut target = DatabaseTarget {
            given: url.to_string(),
            connect_url: format!("{scheme}:{rest}"),
            backend,
            source,
            sqlite_file: None,
            asks_to_create: false,
            three_slashes: false,
            nodes: Vec::new(),
            node: 0,
        };
        if backend == Backend::Sqlite {
            target.read_sqlite_url(rest)?;
        } else {
            target.nodes = nodes_of(scheme, &rest[2..]);
            if target.nodes.len() > 1 && target.nodes.iter().any(|n| n.host.is_empty()) {
                return Err(Error::new(format!(
                    "malformed {} database URL: an empty host in the list of hosts (write \
                     {scheme}://USER@HOST1:PORT,HOST2:PORT/DATABASE)",
                    backend.name()
                )));
            }
            target.connect_url = target.nodes[0].connect_url.clone();
        }
        Ok(target)
    }

    /// How many hosts the URL names (1 for SQLite and for a URL with one host).
    pub fn node_count(&self) -> usize {
        self.nodes.len().max(1)
    }

    /// The node the driver is handed now (0 for a URL with one host).
    pub fn node(&self) -> usize {
        self.node
    }

    /// `HOST:PORT` of a node, as the URL writes it (the whole URL, masked, for SQLite).
    pub fn node_name(&self, node: usize) -> String {
        match self.nodes.get(node) {
            Some(node) => node.host.clone(),
            None => self.display(),
        }
    }

    /// The same database on another of the URL's hosts.
    pub fn on_node(&self, node: usize) -> DatabaseTarget {
        let mut target = self.clone();
        if let Some(chosen) = self.nodes.get(node) {
            target.connect_url = chosen.connect_url.clone();
            target.node = node;
        }
        target
    }

    /// `rest` is what follows `sqlite:`; sets the file and the URL sqlx is handed (its own forms:
    /// `sqlite://relative` or `sqlite:///absolute`, `sqlite::memory:`), without `mode=rwc`, since
    /// creating is decided when connecting.
    fn read_sqlite_url(&mut self, rest: &str) -> Result<()> {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (path, three_slashes) = match path.strip_prefix("//") {
            // SQLAlchemy: `sqlite:///x` is `x`, `sqlite:////x` is `/x`.
            Some(after) => match after.strip_prefix('/') {
                Some(database) => (database, !database.starts_with('/')),
                None => (after, false),
            },
            None => (path, false),
        };
        let mut params: Vec<&str> = Vec::new();
        for param in query.split('&').filter(|p| !p.is_empty()) {
            match param {
                "mode=rwc" => self.asks_to_create = true,
                "mode=memory" => {
                    self.connect_url = "sqlite::memory:".into();
                    return Ok(());
                }
                other => params.push(other),
            }
        }
        // SQLAlchemy's `sqlite://` (nothing after it) is an in-memory database, as `:memory:` is.
        if path.is_empty() || path == ":memory:" {
            self.connect_url = "sqlite::memory:".into();
            return Ok(());
        }
        let decoded = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .map_err(|_| Error::new("the SQLite URL's path is not UTF-8 once %-decoded"))?;
        self.sqlite_file = Some(PathBuf::from(decoded.as_ref()));
        self.three_slashes = three_slashes;
        let query = if params.is_empty() {
            String::new()
        } else {
            format!("?{}", params.join("&"))
        };
        self.connect_url = format!("sqlite://{path}{query}");
        Ok(())
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

    /// For an SQLite file database: the file's path (relative ones to the current folder).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.sqlite_file.clone()
    }

    /// The URL says `mode=rwc`: a missing SQLite file may be created.
    pub fn asks_to_create(&self) -> bool {
        self.asks_to_create
    }

    /// What to add when a relative SQLite path names no file: the URL's three slashes are
    /// SQLAlchemy's relative form, which someone used to sqlx's may have meant as absolute.
    pub fn absolute_form_hint(&self) -> Option<String> {
        let path = self.sqlite_file.as_ref().filter(|_| self.three_slashes)?;
        Some(format!(
            "sqlite:///PATH is relative to the current folder, as in SQLAlchemy: for the file \
             /{} write sqlite:////{}",
            path.display(),
            path.display()
        ))
    }

    /// Removes any trace of the URL's password from a message (drivers may echo parts of the URL).
    pub fn scrub(&self, message: &str) -> String {
        match self.password() {
            Some(p) if !p.is_empty() => message.replace(p, "***"),
            _ => message.to_string(),
        }
    }
}

/// The hosts of `scheme://[USER[:PASSWORD]@]HOST[:PORT][,HOST[:PORT]...][/DATABASE][?...]` (what
/// follows `scheme://` is `after`), each with a URL of its own naming that host alone.
fn nodes_of(scheme: &str, after: &str) -> Vec<Node> {
    let authority_len = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, tail) = after.split_at(authority_len);
    let (userinfo, hosts) = match authority.rfind('@') {
        Some(at) => (&authority[..=at], &authority[at + 1..]),
        None => ("", authority),
    };
    hosts
        .split(',')
        .map(|host| Node {
            host: host.to_string(),
            connect_url: format!("{scheme}://{userinfo}{host}{tail}"),
        })
        .collect()
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

    fn sqlite(url: &str) -> DatabaseTarget {
        DatabaseTarget::parse(url, Source::Flag).unwrap()
    }

    #[test]
    fn sqlite_urls_mean_what_sqlalchemy_means() {
        for (url, path) in [
            ("sqlite:///app.db", "app.db"),
            ("sqlite:///data/app.db", "data/app.db"),
            ("sqlite:////tmp/x/app.db", "/tmp/x/app.db"),
            ("sqlite://app.db", "app.db"),
            ("sqlite:app.db", "app.db"),
            ("sqlite:///my%3Fdb.db", "my?db.db"),
        ] {
            assert_eq!(
                sqlite(url).sqlite_path(),
                Some(PathBuf::from(path)),
                "{url}"
            );
        }
        for url in [
            "sqlite://",
            "sqlite:///:memory:",
            "sqlite::memory:",
            "sqlite://x.db?mode=memory",
        ] {
            let t = sqlite(url);
            assert_eq!(
                (t.sqlite_path(), t.connect_url()),
                (None, "sqlite::memory:"),
                "{url}"
            );
        }
    }

    #[test]
    fn sqlx_is_handed_its_own_forms_and_never_mode_rwc() {
        assert_eq!(sqlite("sqlite:///app.db").connect_url(), "sqlite://app.db");
        assert_eq!(
            sqlite("sqlite:////tmp/app.db?mode=rwc").connect_url(),
            "sqlite:///tmp/app.db"
        );
        assert_eq!(
            sqlite("sqlite://app.db?mode=ro&cache=private").connect_url(),
            "sqlite://app.db?mode=ro&cache=private"
        );
        assert!(sqlite("sqlite://app.db?cache=private&mode=rwc").asks_to_create());
        assert!(!sqlite("sqlite://app.db").asks_to_create());
    }

    #[test]
    fn three_slashes_get_a_word_about_the_absolute_form() {
        let hint = sqlite("sqlite:///tmp/x.db").absolute_form_hint().unwrap();
        assert!(hint.contains("write sqlite:////tmp/x.db"), "{hint}");
        assert_eq!(sqlite("sqlite:////tmp/x.db").absolute_form_hint(), None);
        assert_eq!(sqlite("sqlite://x.db").absolute_form_hint(), None);
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
    fn a_comma_list_of_hosts_is_one_node_each_in_order() {
        let t = DatabaseTarget::parse(
            "mysql://root:pw@127.0.0.1:4001,127.0.0.1:4002,[::1]:4003/microblog?ssl-mode=disabled",
            Source::Flag,
        )
        .unwrap();
        assert_eq!(t.node_count(), 3);
        assert_eq!(
            t.connect_url(),
            "mysql://root:pw@127.0.0.1:4001/microblog?ssl-mode=disabled"
        );
        let third = t.on_node(2);
        assert_eq!(
            (third.node(), third.node_name(2), third.connect_url()),
            (
                2,
                "[::1]:4003".to_string(),
                "mysql://root:pw@[::1]:4003/microblog?ssl-mode=disabled"
            )
        );
        assert_eq!(
            t.display(),
            "mysql://root:***@127.0.0.1:4001,127.0.0.1:4002,[::1]:4003/microblog?ssl-mode=disabled"
        );
        let one = DatabaseTarget::parse("postgres://u@h/db", Source::Flag).unwrap();
        assert_eq!((one.node_count(), one.node_name(0)), (1, "h".to_string()));
        assert_eq!(sqlite("sqlite://app.db").node_count(), 1);
        let e = DatabaseTarget::parse("mysql://root@a:1,,b:2/db", Source::Flag).unwrap_err();
        assert!(e.message().contains("an empty host"), "{e}");
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
