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

/// How the skip notices name each cluster.
const POSTGRES_CLUSTER: (&str, &str) = ("POSTGRESQL CLUSTER", "a PostgreSQL primary and standby");
const GALERA_CLUSTER: (&str, &str) = ("GALERA CLUSTER", "a Galera cluster");

/// A cluster that cannot be started: a loud skip, a failure under CI.
fn skip<T>(what: &str, cluster: &str, why: &str) -> Option<T> {
    super::skipped(what, "tool", &format!("{cluster} cannot be started: {why}"))
}

/// `program` run as `user` (the servers refuse root), or as whoever runs the tests if not root.
fn as_user(user: &str, program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", user, "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
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
            return skip(
                POSTGRES_CLUSTER.0,
                POSTGRES_CLUSTER.1,
                "no /usr/lib/postgresql/*/bin/initdb",
            );
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
            Err(why) => skip(POSTGRES_CLUSTER.0, POSTGRES_CLUSTER.1, &why),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs a server program as `postgres` (initdb refuses root).
    fn as_postgres(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(program);
        let out = as_user("postgres", &program)
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
        if is_root() {
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

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A three-node MariaDB Galera cluster (the `galera-4` provider), on loopback ports of its own,
/// run as the `mysql` user in a temporary folder; the first node bootstraps it.
pub struct Galera {
    dir: tempfile::TempDir,
    pub ports: [u16; 3],
    /// The group communication port of each node.
    group: Vec<u16>,
    nodes: Vec<std::process::Child>,
}

const GALERA_PROVIDER: &str = "/usr/lib/galera/libgalera_smm.so";

impl Galera {
    /// Starts the three nodes and waits until all are synced (bounded: 60 s).
    pub fn start() -> Option<Galera> {
        if !Path::new(GALERA_PROVIDER).is_file() {
            return skip(
                GALERA_CLUSTER.0,
                GALERA_CLUSTER.1,
                &format!("no {GALERA_PROVIDER} (Debian's galera-4)"),
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("galera-")
            .tempdir()
            .unwrap();
        if is_root() {
            let _ = Command::new("chown")
                .arg("mysql:mysql")
                .arg(dir.path())
                .status();
            let _ = Command::new("chmod").arg("755").arg(dir.path()).status();
        }
        let mut galera = Galera {
            dir,
            ports: [free_port(), free_port(), free_port()],
            group: (0..3).map(|_| free_port()).collect(),
            nodes: Vec::new(),
        };
        match galera.set_up() {
            Ok(()) => Some(galera),
            Err(why) => skip(GALERA_CLUSTER.0, GALERA_CLUSTER.1, &why),
        }
    }

    fn set_up(&mut self) -> Result<(), String> {
        let root = self.dir.path().to_path_buf();
        for node in 0..3 {
            let data = root.join(format!("n{node}"));
            let out = as_user("mysql", Path::new("mariadb-install-db"))
                .args(["--no-defaults", "--auth-root-authentication-method=normal"])
                .arg(format!("--datadir={}", data.display()))
                .output()
                .map_err(|e| format!("mariadb-install-db: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "mariadb-install-db: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        for node in 0..3 {
            self.spawn_node(node, None)?;
        }
        Ok(())
    }

    /// Starts node `node` (the first bootstraps the cluster; a later one joins it, its state
    /// sent by `donor` if named) and waits until it is synced.
    fn spawn_node(&mut self, node: usize, donor: Option<usize>) -> Result<(), String> {
        let root = self.dir.path().to_path_buf();
        let address = self
            .group
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let data = root.join(format!("n{node}"));
        let mut command = as_user("mysql", Path::new("mariadbd"));
        command
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--port={}", self.ports[node]))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}/n{node}.sock", root.display()))
            .arg(format!("--pid-file={}/n{node}.pid", root.display()))
            .arg(format!("--log-error={}/n{node}.err", root.display()))
            .args([
                "--binlog-format=ROW",
                "--innodb-autoinc-lock-mode=2",
                "--innodb-flush-log-at-trx-commit=0",
                "--wsrep-on=ON",
                "--wsrep-sst-method=rsync",
            ])
            .arg(format!("--wsrep-node-name=n{node}"))
            .arg(format!("--wsrep-provider={GALERA_PROVIDER}"))
            .arg(format!("--wsrep-cluster-address=gcomm://{address}"))
            .arg(format!("--wsrep-node-address=127.0.0.1:{}", self.group[node]))
            .arg(format!(
                "--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:{};ist.recv_addr=127.0.0.1:{}",
                self.group[node],
                free_port()
            ))
            .arg(format!("--wsrep-sst-receive-address=127.0.0.1:{}", free_port()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        if self.nodes.is_empty() {
            command.arg("--wsrep-new-cluster");
        }
        if let Some(donor) = donor {
            command.arg(format!("--wsrep-sst-donor=n{donor}"));
        }
        self.nodes
            .push(command.spawn().map_err(|e| format!("mariadbd: {e}"))?);
        self.wait_ready(node)
    }

    /// Starts node `node` again after `kill`, its state sent by node `donor`, and waits until it
    /// is synced (bounded: 60 s).
    pub fn restart(&mut self, node: usize, donor: usize) {
        // Its pid file is left by the crash; the new server writes its own.
        let _ = std::fs::remove_file(self.dir.path().join(format!("n{node}.pid")));
        if let Err(why) = self.spawn_node(node, Some(donor)) {
            panic!("node {node} did not come back: {why}");
        }
    }

    /// Node `node`'s `wsrep_ready` (`ON`, `OFF`), or empty while it does not answer.
    fn wsrep_ready(&self, node: usize) -> String {
        Command::new("mariadb")
            .args(["-h", "127.0.0.1", "-u", "root", "-N", "-e"])
            .arg("SHOW STATUS LIKE 'wsrep_ready'")
            .arg(format!("-P{}", self.ports[node]))
            .output()
            .map(|o| {
                let out = String::from_utf8_lossy(&o.stdout).into_owned();
                out.split_whitespace().nth(1).unwrap_or("").to_string()
            })
            .unwrap_or_default()
    }

    /// Waits until node `node` has `wsrep_ready` `value` (bounded: 60 s); `false` if it never did.
    fn ready_becomes(&self, node: usize, value: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.wsrep_ready(node) != value {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        true
    }

    fn wait_ready(&self, node: usize) -> Result<(), String> {
        if self.ready_becomes(node, "ON") {
            return Ok(());
        }
        let log = std::fs::read_to_string(self.dir.path().join(format!("n{node}.err")))
            .unwrap_or_default();
        Err(format!("node {node} never became ready: {log}"))
    }

    /// Kills node `node` at once, as a crash would.
    pub fn kill(&mut self, node: usize) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join(format!("n{node}.pid"))) {
            let _ = Command::new("kill").args(["-9", pid.trim()]).output();
        }
    }

    /// Waits until node `node` says `wsrep_ready` is `value` (bounded: 60 s).
    pub fn wait_until_ready_is(&self, node: usize, value: &str) {
        assert!(
            self.ready_becomes(node, value),
            "node {node} never had wsrep_ready {value}"
        );
    }

    /// The URL of a database on node `node`.
    pub fn url(&self, node: usize, database: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{database}", self.ports[node])
    }

    /// The URL of a database on several nodes, tried in this order.
    pub fn url_of_nodes(&self, nodes: &[usize], database: &str) -> String {
        let hosts: Vec<String> = nodes
            .iter()
            .map(|&n| format!("127.0.0.1:{}", self.ports[n]))
            .collect();
        format!("mysql://root@{}/{database}", hosts.join(","))
    }
}

impl Drop for Galera {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            let _ = Command::new("kill")
                .args(["-9", &node.id().to_string()])
                .output();
            let _ = node.wait();
        }
        // runuser's child is the server itself: by its pid file too.
        for n in 0..3 {
            if let Ok(pid) = std::fs::read_to_string(self.dir.path().join(format!("n{n}.pid"))) {
                let _ = Command::new("kill").args(["-9", pid.trim()]).output();
            }
        }
    }
}
