//! Servers the tests start themselves, never the machine's own: a PostgreSQL primary with a
//! streaming hot standby, on loopback ports of their own, in a temporary folder, run as the
//! `postgres` user, stopped when the test ends. Missing tools skip loudly, and fail under CI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Where Debian's PostgreSQL server programs are (`initdb`, `pg_ctl`, `pg_basebackup`).
fn postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

/// A free loopback port (the kernel's pick, released for the server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn skip(why: &str) -> Option<PgCluster> {
    let message = format!("a PostgreSQL primary and standby cannot be started: {why}");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message} (CI=true: a missing tool is a failure)");
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIPPED POSTGRESQL CLUSTER TESTS: {message} !!!!!\n"
    );
    None
}

/// A primary and its hot standby.
pub struct PgCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub primary_port: u16,
    pub standby_port: u16,
}

impl PgCluster {
    /// Starts both (a few seconds); `None` after a loud notice when they cannot be.
    pub fn start() -> Option<PgCluster> {
        let Some(bin) = postgres_bin() else {
            return skip("no /usr/lib/postgresql/*/bin/initdb");
        };
        let dir = tempfile::Builder::new()
            .prefix("pg-cluster-")
            .tempdir()
            .unwrap();
        let cluster = PgCluster {
            bin,
            dir,
            primary_port: free_port(),
            standby_port: free_port(),
        };
        match cluster.set_up() {
            Ok(()) => Some(cluster),
            Err(why) => skip(&why),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs a server program as `postgres` (initdb refuses root).
    fn as_postgres(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(program);
        let mut command = if nix_is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .map_err(|e| format!("{}: {e}", program.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} {args:?}: {}{}",
                program.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn set_up(&self) -> Result<(), String> {
        let root = self.dir.path();
        if nix_is_root() {
            let chown = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(root)
                .status()
                .map_err(|e| e.to_string())?;
            if !chown.success() {
                return Err("cannot give the folder to postgres".into());
            }
            let _ = Command::new("chmod").arg("755").arg(root).status();
        }
        let primary = self.path("primary");
        let primary_text = primary.to_str().unwrap();
        self.as_postgres(
            "initdb",
            &[
                "-D",
                primary_text,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        )?;
        append(
            &primary.join("postgresql.conf"),
            &format!(
                "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
                 fsync = off\nwal_level = replica\nhot_standby = on\n",
                self.primary_port,
                root.display()
            ),
        )?;
        self.start_server("primary")?;
        let standby = self.path("standby");
        self.as_postgres(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.primary_port.to_string(),
                "-U",
                "postgres",
                "-D",
                standby.to_str().unwrap(),
                "-R",
                "-X",
                "stream",
            ],
        )?;
        append(
            &standby.join("postgresql.conf"),
            &format!("port = {}\n", self.standby_port),
        )?;
        self.start_server("standby")
    }

    fn start_server(&self, name: &str) -> Result<(), String> {
        let data = self.path(name);
        let log = self.path(&format!("{name}.log"));
        self.as_postgres(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "30",
                "start",
            ],
        )
    }

    pub fn primary_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            self.primary_port
        )
    }

    pub fn standby_url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            self.standby_port
        )
    }

    /// Promotes the standby to a primary, waiting until it is one.
    pub fn promote(&self) {
        let data = self.path("standby");
        self.as_postgres("pg_ctl", &["-D", data.to_str().unwrap(), "-w", "promote"])
            .unwrap();
    }

    /// Waits until `ready` says the standby has what the test needs (bounded: 30 s).
    pub fn wait_for(&self, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready() {
            assert!(Instant::now() < deadline, "the standby never caught up");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        for name in ["standby", "primary"] {
            let data = self.path(name);
            if data.join("postmaster.pid").exists() {
                let _ = self.as_postgres(
                    "pg_ctl",
                    &[
                        "-D",
                        data.to_str().unwrap(),
                        "-m",
                        "immediate",
                        "-w",
                        "stop",
                    ],
                );
            }
        }
    }
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
