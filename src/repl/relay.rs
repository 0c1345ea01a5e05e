//! Everything typed or pasted at the terminal reaches the shell once, in order. The line editor
//! reads keys in chunks and keeps nothing it read past an Enter, so lines typed while a command ran
//! were lost; and a bracketed paste became one edit, whose next Enter ran the whole block as one
//! command. Here a thread reads the terminal as keys arrive (cut by `keys`) and holds them; the
//! shell's standard input becomes a pseudo-terminal that the thread fills one line at a time, when
//! the shell is about to read: typed keys as they were typed, each pasted line as a paste of its
//! own followed by Enter, so that each runs, is shown after the prompt and is remembered as if
//! typed.
//!
//! Ctrl-C is seen at once, even behind a long paste: it drops what has not run yet (the count is
//! said by `take_dropped`) and interrupts the running command, or the line being edited. Ctrl-Z and
//! `Ctrl-\` while a command runs do what the terminal would have done. A pager (`less` reads the
//! terminal itself) has the terminal to itself while it runs (`lend`).

use std::collections::VecDeque;
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::thread::JoinHandle;

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, raise};
use nix::sys::termios::{self, InputFlags, LocalFlags, SetArg, SpecialCharacterIndices, Termios};

use super::keys::{Cutter, Piece, SignalKeys};
use crate::error::{Error, Result};

/// Who is reading the shell's standard input now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Reader {
    /// Nobody: a command runs. Ctrl-C interrupts it.
    Busy = 0,
    /// The line editor: the prompt, or a question.
    Editor = 1,
    /// A password, read key by key (`secret`).
    Secret = 2,
}

impl Reader {
    fn from_u8(value: u8) -> Reader {
        match value {
            1 => Reader::Editor,
            2 => Reader::Secret,
            _ => Reader::Busy,
        }
    }
}

/// Bracketed paste on: a paste made while a command runs is told from typing too. (The line editor
/// turns it on while it reads and off after.)
const BRACKETED_PASTE_ON: &[u8] = b"\x1b[?2004h";
const BRACKETED_PASTE_OFF: &[u8] = b"\x1b[?2004l";

/// How long a lone Escape (or the start of what may be a paste marker) is held back.
const ESCAPE_WAIT_MS: u8 = 25;
/// How often to try again to hand on what the pseudo-terminal had no room for.
const WRITE_RETRY_MS: u8 = 2;

/// The relay now running, for `lend`.
static CURRENT: Mutex<Option<Weak<Shared>>> = Mutex::new(None);

/// What the shell and the thread share.
struct Shared {
    /// Who reads (the low byte, a `Reader`) and how many reads have begun (the rest), in one word
    /// so that the thread never sees one changed without the other. Each read takes one line: a
    /// line is handed on only to a read of its own (the line editor drops what it read past an
    /// Enter when it returns).
    reading: AtomicU64,
    state: Mutex<State>,
    changed: Condvar,
    /// Written to wake the thread.
    wake: OwnedFd,
}

#[derive(Default)]
struct State {
    /// Lines dropped by Ctrl-C, not yet said.
    dropped: usize,
    /// The shell asks the thread to leave the terminal alone (a pager runs).
    lend: bool,
    /// The thread has left it alone.
    lent: bool,
    stop: bool,
}

impl Shared {
    fn wake(&self) {
        let _ = nix::unistd::write(&self.wake, &[1]);
    }
}

/// The relay: while it lives, standard input is its pseudo-terminal.
pub struct Relay {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// The terminal itself, as standard input was.
    terminal: OwnedFd,
    original: Termios,
}

impl Relay {
    /// Starts relaying when standard input and output are a terminal the line editor drives
    /// (`TERM=dumb` and the like are read line by line by the terminal itself, which loses
    /// nothing); `None` otherwise, or when no pseudo-terminal can be had.
    pub fn start() -> Option<Relay> {
        use std::io::IsTerminal;
        let term = std::env::var("TERM").unwrap_or_default();
        let unsupported = ["dumb", "cons25", "emacs"].contains(&term.as_str());
        if unsupported || !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
            return None;
        }
        Relay::try_start().ok()
    }

    fn try_start() -> Result<Relay> {
        let fail =
            |what: &str, e: Errno| Error::new(format!("cannot relay the terminal: {what}: {e}"));
        let stdin = std::io::stdin();
        let terminal = stdin
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| Error::new(format!("cannot relay the terminal: {e}")))?;
        let original = termios::tcgetattr(&terminal).map_err(|e| fail("tcgetattr", e))?;
        let keys = SignalKeys {
            interrupt: original.control_chars[SpecialCharacterIndices::VINTR as usize],
            suspend: original.control_chars[SpecialCharacterIndices::VSUSP as usize],
            quit: original.control_chars[SpecialCharacterIndices::VQUIT as usize],
        };
        // The pseudo-terminal passes bytes through untouched: the line editor and the password
        // reader set what they need on it; nothing is echoed or turned into a signal there.
        let mut transparent = original.clone();
        termios::cfmakeraw(&mut transparent);
        let pty = nix::pty::openpty(None, &transparent).map_err(|e| fail("openpty", e))?;
        let master = pty.master;
        let slave = pty.slave;
        fcntl(&master, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).map_err(|e| fail("fcntl", e))?;
        let (wake_read, wake_write) = nix::unistd::pipe().map_err(|e| fail("pipe", e))?;
        for end in [&wake_read, &wake_write] {
            fcntl(end, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).map_err(|e| fail("fcntl", e))?;
        }
        let relayed = relayed_mode(&original);
        termios::tcsetattr(&terminal, SetArg::TCSANOW, &relayed)
            .map_err(|e| fail("tcsetattr", e))?;
        nix::unistd::dup2_stdin(&slave).map_err(|e| fail("dup2", e))?;
        let shared = Arc::new(Shared {
            reading: AtomicU64::new(Reader::Busy as u64),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            wake: wake_write,
        });
        // After Ctrl-Z and `fg` the terminal has the settings the login shell left: set ours again.
        let continued = Arc::new(AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGCONT, continued.clone());
        if let Ok(wake) = shared.wake.try_clone() {
            let _ = signal_hook::low_level::pipe::register(signal_hook::consts::SIGCONT, wake);
        }
        let worker = Worker {
            shared: shared.clone(),
            terminal: terminal
                .try_clone()
                .map_err(|e| Error::new(e.to_string()))?,
            master,
            slave,
            wake: wake_read,
            original: original.clone(),
            relayed,
            cutter: Cutter::new(keys),
            keys,
            queue: VecDeque::new(),
            outgoing: Vec::new(),
            served: None,
            lent: false,
            hung_up: false,
            continued,
        };
        let thread = std::thread::Builder::new()
            .name("terminal relay".into())
            .spawn(move || worker.run())
            .map_err(|e| Error::new(format!("cannot relay the terminal: {e}")))?;
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::downgrade(&shared));
        let relay = Relay {
            shared,
            thread: Some(thread),
            terminal,
            original,
        };
        relay.set_reader(Reader::Busy);
        Ok(relay)
    }

    /// Says who reads standard input from now on; the thread hands the next line on when someone
    /// does.
    pub fn set_reader(&self, reader: Reader) {
        let begun = u64::from(reader != Reader::Busy);
        let _ = self
            .shared
            .reading
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |word| {
                Some((((word >> 8) + begun) << 8) | reader as u64)
            });
        if reader == Reader::Busy {
            let mut out = std::io::stdout();
            let _ = out.write_all(BRACKETED_PASTE_ON).and_then(|()| out.flush());
        }
        self.shared.wake();
    }

    /// How many typed or pasted lines a Ctrl-C dropped since the last call.
    pub fn take_dropped(&self) -> usize {
        std::mem::take(
            &mut self
                .shared
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .dropped,
        )
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stop = true;
        self.shared.wake();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = nix::unistd::dup2_stdin(&self.terminal);
        let _ = termios::tcsetattr(&self.terminal, SetArg::TCSADRAIN, &self.original);
        let mut out = std::io::stdout();
        let _ = out
            .write_all(BRACKETED_PASTE_OFF)
            .and_then(|()| out.flush());
        *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// While it lives, the terminal is left to another program (the pager), as the shell found it.
pub struct Lent(Arc<Shared>);

/// Lends the terminal, if a relay runs; waits until the thread has let go of it.
pub fn lend() -> Option<Lent> {
    let shared = CURRENT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .and_then(Weak::upgrade)?;
    let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    state.lend = true;
    shared.wake();
    while !state.lent && !state.stop {
        state = shared
            .changed
            .wait(state)
            .unwrap_or_else(|e| e.into_inner());
    }
    drop(state);
    Some(Lent(shared))
}

impl Drop for Lent {
    fn drop(&mut self) {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner()).lend = false;
        self.0.wake();
    }
}

/// The terminal's settings while relayed: keys arrive one by one, unechoed, none a signal; output
/// is processed as before (a newline still returns the carriage).
fn relayed_mode(original: &Termios) -> Termios {
    let mut mode = original.clone();
    mode.local_flags
        .remove(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG | LocalFlags::IEXTEN);
    mode.input_flags
        .remove(InputFlags::IXON | InputFlags::ICRNL | InputFlags::INLCR | InputFlags::IGNCR);
    mode.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
    mode.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
    mode
}

nix::ioctl_read_bad!(bytes_waiting, nix::libc::FIONREAD, nix::libc::c_int);

/// The thread's side.
struct Worker {
    shared: Arc<Shared>,
    terminal: OwnedFd,
    master: OwnedFd,
    slave: OwnedFd,
    wake: OwnedFd,
    original: Termios,
    relayed: Termios,
    cutter: Cutter,
    keys: SignalKeys,
    /// What was typed or pasted and not yet handed on.
    queue: VecDeque<Piece>,
    /// Bytes of the piece being handed on that the pseudo-terminal has not taken yet.
    outgoing: Vec<u8>,
    /// The read the last whole line (or Ctrl-C) was handed to: nothing more goes to that read.
    served: Option<u64>,
    lent: bool,
    /// The terminal is gone: the shell reads the end of its input.
    hung_up: bool,
    /// Set by SIGCONT.
    continued: Arc<AtomicBool>,
}

impl Worker {
    fn reader(&self) -> Reader {
        Reader::from_u8(self.shared.reading.load(Ordering::SeqCst) as u8)
    }

    fn run(mut self) {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            if !self.follow_the_shell() {
                return;
            }
            if self.continued.swap(false, Ordering::Relaxed) && !self.lent {
                let _ = termios::tcsetattr(&self.terminal, SetArg::TCSANOW, &self.relayed);
            }
            self.hand_on();
            let timeout = if self.cutter.holds_keys() {
                PollTimeout::from(ESCAPE_WAIT_MS)
            } else if !self.outgoing.is_empty() {
                PollTimeout::from(WRITE_RETRY_MS)
            } else {
                PollTimeout::NONE
            };
            let listen_to_terminal = !self.lent && !self.hung_up;
            let (woken, typed) = {
                let mut fds = vec![PollFd::new(self.wake.as_fd(), PollFlags::POLLIN)];
                if listen_to_terminal {
                    fds.push(PollFd::new(self.terminal.as_fd(), PollFlags::POLLIN));
                }
                match poll(&mut fds, timeout) {
                    Ok(0) | Err(Errno::EINTR) => (false, false),
                    Ok(_) => {
                        let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
                        (ready(&fds[0]), fds.get(1).is_some_and(ready))
                    }
                    Err(_) => return,
                }
            };
            if woken {
                let mut drain = [0u8; 64];
                while matches!(nix::unistd::read(&self.wake, &mut drain), Ok(n) if n > 0) {}
            }
            let mut pieces = Vec::new();
            if typed {
                match nix::unistd::read(&self.terminal, &mut buffer) {
                    Ok(0) | Err(Errno::EIO) => self.hang_up(),
                    Ok(n) => self.cutter.feed(&buffer[..n], &mut pieces),
                    Err(Errno::EINTR | Errno::EAGAIN) => {}
                    Err(_) => self.hang_up(),
                }
            } else if !woken && self.cutter.holds_keys() {
                self.cutter.flush(&mut pieces);
            }
            for piece in pieces {
                self.take(piece);
            }
        }
    }

    /// Does what the shell asked (stop, lend the terminal, have it back); `false` to stop.
    fn follow_the_shell(&mut self) -> bool {
        let mut state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.stop {
            state.lent = false;
            self.shared.changed.notify_all();
            return false;
        }
        if state.lend != self.lent {
            let mode = if state.lend {
                &self.original
            } else {
                &self.relayed
            };
            let _ = termios::tcsetattr(&self.terminal, SetArg::TCSANOW, mode);
            self.lent = state.lend;
            state.lent = state.lend;
            self.shared.changed.notify_all();
        }
        true
    }

    fn hang_up(&mut self) {
        self.hung_up = true;
        // The shell reads the end of its input once what is queued has gone.
        self.queue.push_back(Piece::Typed(vec![0x04]));
    }

    /// A piece just cut from what the terminal sent.
    fn take(&mut self, piece: Piece) {
        let busy = self.reader() == Reader::Busy;
        match piece {
            Piece::Interrupt => self.interrupt(),
            Piece::Suspend if busy => self.signal_while_busy(Signal::SIGTSTP),
            Piece::Quit if busy => self.signal_while_busy(Signal::SIGQUIT),
            // The line editor and the password reader take these as keys.
            Piece::Suspend => self.queue.push_back(Piece::Typed(vec![self.keys.suspend])),
            Piece::Quit => self.queue.push_back(Piece::Typed(vec![self.keys.quit])),
            piece => self.queue.push_back(piece),
        }
    }

    /// Ctrl-C: what was typed or pasted ahead is dropped (and counted); the command running is
    /// interrupted, or the reader gets the key.
    fn interrupt(&mut self) {
        let mut dropped = self.queue.iter().filter(|p| p.ends_a_line()).count();
        self.queue.clear();
        // A line handed on for the next read, not read yet.
        if self.served == Some(self.next_read())
            && self.reader() == Reader::Busy
            && (!self.outgoing.is_empty() || self.waiting_in_the_pty() > 0)
        {
            dropped += 1;
        }
        self.outgoing.clear();
        let _ = termios::tcflush(&self.slave, termios::FlushArg::TCIFLUSH);
        if self.reader() == Reader::Busy {
            self.served = None;
        }
        self.shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .dropped += dropped;
        match self.reader() {
            Reader::Busy => {
                let _ = raise(Signal::SIGINT);
            }
            Reader::Editor | Reader::Secret => {
                // It ends this read.
                self.served = Some(self.next_read());
                self.outgoing.push(self.keys.interrupt);
                self.write_out();
            }
        }
    }

    /// Ctrl-Z or `Ctrl-\` while a command runs: the terminal as it was, then the signal the
    /// terminal would have sent; relayed again if the shell goes on (after `fg`).
    fn signal_while_busy(&mut self, signal: Signal) {
        let _ = termios::tcsetattr(&self.terminal, SetArg::TCSANOW, &self.original);
        let _ = raise(signal);
        let _ = termios::tcsetattr(&self.terminal, SetArg::TCSANOW, &self.relayed);
    }

    /// Bytes the pseudo-terminal holds that no reader has taken yet.
    fn waiting_in_the_pty(&self) -> i32 {
        let mut waiting: nix::libc::c_int = 0;
        // SAFETY: FIONREAD writes one int through the pointer, which points at `waiting`.
        match unsafe { bytes_waiting(self.slave.as_raw_fd(), &mut waiting) } {
            Ok(_) => waiting,
            Err(_) => 0,
        }
    }

    /// The read that what is handed on now goes to: the one under way, or while a command runs
    /// the next one.
    fn next_read(&self) -> u64 {
        let word = self.shared.reading.load(Ordering::SeqCst);
        let reads = word >> 8;
        match Reader::from_u8(word as u8) {
            Reader::Busy => reads + 1,
            Reader::Editor | Reader::Secret => reads,
        }
    }

    /// Hands on pieces until one ends a line: the rest wait for the next read.
    fn hand_on(&mut self) {
        self.write_out();
        while self.outgoing.is_empty() && self.served != Some(self.next_read()) {
            let Some(piece) = self.queue.pop_front() else {
                return;
            };
            if piece.ends_a_line() {
                self.served = Some(self.next_read());
            }
            self.outgoing = encode(piece);
            self.write_out();
        }
    }

    fn write_out(&mut self) {
        while !self.outgoing.is_empty() {
            match nix::unistd::write(&self.master, &self.outgoing) {
                Ok(n) => {
                    self.outgoing.drain(..n);
                }
                Err(Errno::EINTR) => {}
                Err(_) => return,
            }
        }
    }
}

/// The bytes that give `piece` to the reader: typed keys as typed; a pasted line as a paste of
/// its own (the line editor inserts it as text) and an Enter.
fn encode(piece: Piece) -> Vec<u8> {
    match piece {
        Piece::Typed(keys) => keys,
        Piece::PastedLine(line) => pasted(&line, true),
        Piece::PastedTail(tail) => pasted(&tail, false),
        Piece::Interrupt | Piece::Suspend | Piece::Quit => Vec::new(),
    }
}

fn pasted(text: &str, enter: bool) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len() + 13);
    bytes.extend_from_slice(b"\x1b[200~");
    bytes.extend_from_slice(text.as_bytes());
    bytes.extend_from_slice(b"\x1b[201~");
    if enter {
        bytes.push(b'\r');
    }
    bytes
}
