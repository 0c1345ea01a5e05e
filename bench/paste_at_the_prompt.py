"""Lines pasted at the prompt against the same lines as a script: N `add user` lines (5,000 by
default) pasted in one bracketed paste into the shell running in a pseudo-terminal, timed until
`count users` answers N, then the same lines on stdin. Usage:
    python3 bench/paste_at_the_prompt.py [SHELL] [N]
(SHELL defaults to target/release/shell; run in an empty folder: it makes app.db there)."""

import os, pty, time, select, sys, subprocess
shell = sys.argv[1] if len(sys.argv) > 1 else os.path.abspath("target/release/shell")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
lines = "".join(f"add user u{i} u{i}@example.com\n" for i in range(n))
for f in ("app.db", "app.db-wal", "app.db-shm"):
    try: os.remove(f)
    except FileNotFoundError: pass
subprocess.run([shell, "migrate", "up"], capture_output=True)
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"; os.environ["SHELL_HISTORY"] = os.path.abspath("history"); os.environ["NO_COLOR"] = "1"
    os.execv(shell, [shell])
out = b""
def pump(until, limit=300):
    global out
    end = time.time() + limit
    while time.time() < end and until not in out:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r: out += os.read(fd, 1 << 20)
pump(b"microblog> ")
start = time.time()
os.write(fd, ("\x1b[200~" + lines + "count users\n\x1b[201~").encode())
pump(f"{n} users".encode())
pasted = time.time() - start
os.write(fd, b"exit\r"); os.waitpid(pid, 0)
for f in ("app.db", "app.db-wal", "app.db-shm"):
    try: os.remove(f)
    except FileNotFoundError: pass
subprocess.run([shell, "migrate", "up"], capture_output=True)
start = time.time()
subprocess.run([shell], input=(lines + "count users\n").encode(), capture_output=True)
script = time.time() - start
print(f"{n} lines: pasted at the prompt {pasted:.2f} s ({n/pasted:.0f} lines/s), as a script {script:.2f} s")
