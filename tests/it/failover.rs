//! A URL that names several hosts of a Galera cluster the test starts itself (`util::cluster`):
//! the shell opens the first that answers, and when the node it is on is killed, the command in
//! flight fails in one line (or is found to have been written), the shell moves to the next node
//! and says so, and nothing reported is lost or doubled.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::util::cluster::Galera;
use crate::util::{LiveShell, TestDir};

/// How many writes each of the two scripts makes: 10,000 between them.
const WRITES: usize = 5_000;

/// A script's output as it arrives, sorted into what it reported.
#[derive(Default, Debug)]
struct Reported {
    added: usize,
    /// Script lines that failed, with the error.
    failed: BTreeMap<usize, String>,
    notes: Vec<String>,
    other: Vec<String>,
}

impl Reported {
    fn take(&mut self, line: String) {
        if line.starts_with("Added post ") {
            self.added += 1;
        } else if let Some(rest) = line.strip_prefix("error: line ") {
            let (number, _) = rest.split_once(':').expect("error: line N: ...");
            self.failed.insert(number.parse().unwrap(), line.clone());
        } else if line.starts_with("note: ") {
            self.notes.push(line);
        } else {
            self.other.push(line);
        }
    }

    /// Reads what has arrived, without waiting; `true` once the shell has stopped printing.
    fn drain(&mut self, shell: &LiveShell) -> bool {
        loop {
            match shell.try_next_line() {
                Ok(line) => self.take(line),
                Err(std::sync::mpsc::TryRecvError::Empty) => return false,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => return true,
            }
        }
    }
}

fn script(dir: &TestDir, name: &str) -> String {
    let lines: String = (1..=WRITES)
        .map(|n| format!("add post \"{name}-{n}\" by ann\n"))
        .collect();
    let path = dir.join(&format!("{name}.txt"));
    std::fs::write(&path, lines).unwrap();
    path.display().to_string()
}

/// `body -> how many posts have it`, read on `port` once it has applied everything it received.
fn posts_on(port: u16) -> BTreeMap<String, usize> {
    let out = std::process::Command::new("mariadb")
        .args([
            "-h",
            "127.0.0.1",
            "-u",
            "root",
            "-N",
            "-B",
            "microblog",
            "-e",
        ])
        .arg("SET SESSION wsrep_sync_wait = 1; SELECT body, COUNT(*) FROM post GROUP BY body")
        .arg(format!("-P{port}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (body, n) = l.split_once('\t').unwrap();
            (body.to_string(), n.parse().unwrap())
        })
        .collect()
}

#[test]
fn a_node_killed_mid_script_is_left_for_the_next_and_nothing_reported_is_lost_or_doubled() {
    let Some(mut cluster) = Galera::start() else {
        return;
    };
    let dir = TestDir::new();
    // Node 2 stays out of the URLs: its state is what a restarted node is sent.
    let a_then_b = cluster.url_of_nodes(&[0, 1], "microblog");
    let b_then_a = cluster.url_of_nodes(&[1, 0], "microblog");
    dir.run_on(&a_then_b, &["--create-database", "migrate", "up"])
        .ok();
    dir.run_on(&a_then_b, &["-c", "add user ann ann@example.com"])
        .ok();

    // A host that does not answer is passed over at start-up, and said.
    let dead = format!("127.0.0.1:{}", crate::util::cluster::free_port());
    let url = a_then_b.replace("root@", &format!("root@{dead},"));
    let run = dir.run_on(&url, &["-c", "count users", "-c", "context"]);
    assert!(run.ok().contains("1 user"), "{run:?}");
    assert!(
        run.stderr.contains(&format!("note: passed over {dead}: "))
            && run.stderr.contains(&format!(
                "note: connected to 127.0.0.1:{}",
                cluster.ports[0]
            )),
        "{run:?}"
    );
    assert!(
        run.stdout.contains(&format!(
            "| connected to | 127.0.0.1:{} (host 2 of 3)",
            cluster.ports[0]
        )),
        "{run:?}"
    );

    // A shell sitting idle on node 0, and two scripts of 5,000 writes, one on each node.
    let mut idle = LiveShell::start(&dir, &["--database-url", &a_then_b]);
    idle.send("count users");
    assert_eq!(idle.next_line(), "1 user");
    let args = |url: &str, name: &str| {
        let path = script(&dir, name);
        let args = [
            "--database-url",
            url,
            "--continue-on-error",
            "--lock-wait",
            "30",
            "-f",
            &path,
        ]
        .map(str::to_string);
        LiveShell::start(&dir, &args.each_ref().map(String::as_str))
    };
    let on_a = args(&a_then_b, "a");
    let on_b = args(&b_then_a, "b");
    let (mut reported_a, mut reported_b) = (Reported::default(), Reported::default());
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut killed_at = None;
    let mut asked_idle: Option<Instant> = None;
    let mut idle_said = Vec::new();
    let mut restarted = false;
    loop {
        let a_done = reported_a.drain(&on_a);
        let b_done = reported_b.drain(&on_b);
        // Scripts that end before the kill's aftermath has played out (the idle shell asked a
        // second after it, the node restarted) wait for it: at a fast moment the 2,500 writes
        // after the kill took less than that second, and the restart was never reached.
        if a_done && b_done && (killed_at.is_none() || restarted) {
            break;
        }
        assert!(Instant::now() < deadline, "{reported_a:?} {reported_b:?}");
        // Halfway through node 0's script, node 0 crashes; 500 writes later it comes back.
        if killed_at.is_none() && reported_a.added >= WRITES / 2 {
            cluster.kill(0);
            killed_at = Some((reported_a.added + reported_a.failed.len(), Instant::now()));
        }
        // The idle shell's node went away under it: its next command moves first, and works.
        if let Some((_, when)) = killed_at
            && asked_idle.is_none()
            && when.elapsed() > Duration::from_millis(1_100)
        {
            idle.send("count users");
            asked_idle = Some(Instant::now());
        }
        while let Ok(line) = idle.try_next_line() {
            idle_said.push(line);
        }
        let idle_answered = idle_said.iter().any(|l| l == "1 user");
        if let Some((at, _)) = killed_at
            && !restarted
            && idle_answered
            && reported_a.added + reported_a.failed.len() >= at + 500
        {
            cluster.restart(0, 2);
            restarted = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        killed_at.is_some() && restarted,
        "{reported_a:?} {reported_b:?}; the idle shell was asked {:?} after the kill and said \
         {idle_said:?}",
        asked_idle
            .zip(killed_at)
            .map(|(asked, (_, killed))| asked - killed)
    );
    on_a.finish();
    on_b.finish();

    // The shell on the killed node said where it went, in one line.
    let b_port = cluster.ports[1];
    assert!(
        reported_a
            .notes
            .iter()
            .any(|n| n.contains("was lost") && n.contains(&format!("now on 127.0.0.1:{b_port}"))),
        "{reported_a:?}"
    );
    for failed in reported_a.failed.values().chain(reported_b.failed.values()) {
        assert!(
            failed.contains("nothing was written") && !failed.contains("unknown"),
            "each failure says what it left: {failed}"
        );
    }
    assert!(reported_a.other.is_empty(), "{:?}", reported_a.other);
    assert!(reported_b.other.is_empty(), "{:?}", reported_b.other);

    // Every write reported done is there once, on every node; every one reported failed is not.
    for port in cluster.ports {
        let posts = posts_on(port);
        for (name, reported) in [("a", &reported_a), ("b", &reported_b)] {
            assert_eq!(reported.added + reported.failed.len(), WRITES, "{name}");
            let failed: BTreeSet<usize> = reported.failed.keys().copied().collect();
            for n in 1..=WRITES {
                let body = format!("{name}-{n}");
                let want = usize::from(!failed.contains(&n));
                assert_eq!(
                    posts.get(&body).copied().unwrap_or(0),
                    want,
                    "{body} on port {port}: {:?}",
                    reported.failed.get(&n)
                );
            }
        }
        assert_eq!(
            posts.len(),
            2 * WRITES - reported_a.failed.len() - reported_b.failed.len()
        );
    }

    eprintln!(
        "node 0 killed after {:?} of its script's lines; failed: {:?} {:?}; notes: {:?}",
        killed_at.map(|(at, _)| at),
        reported_a.failed,
        reported_b.failed,
        reported_a.notes
    );
    let seen = idle_said;
    assert!(
        seen.iter()
            .any(|l| l.starts_with("note: the connection to 127.0.0.1:")
                && l.contains(&format!("now on 127.0.0.1:{b_port}"))),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|l| l.starts_with("error")), "{seen:?}");
    idle.send("context");
    let on = loop {
        let line = idle.next_line();
        if line.starts_with("| connected to") {
            break line;
        }
    };
    assert!(
        on.contains(&format!("127.0.0.1:{b_port} (host 2 of 2)")),
        "{on}"
    );
    assert_eq!(idle.finish(), Some(0));
}
