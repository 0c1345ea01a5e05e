//! What arrives from the terminal, cut into the pieces the relay hands on one at a time: typed keys
//! (up to and including an Enter), pasted lines (a terminal brackets a paste between `ESC [200~`
//! and `ESC [201~`), and the keys that mean a signal. Pure: bytes in, pieces out.
//!
//! Inside a paste nothing is a key: escape sequences and control characters are dropped (never
//! passed on to be taken as keys or echoed for the terminal to execute), tabs kept, and `\r`,
//! `\n` or `\r\n` end a line.

const ESC: u8 = 0x1b;
const PASTE_START: &[u8] = b"\x1b[200~";

/// One piece of what was typed or pasted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Keys as typed, passed on unchanged; ends at an Enter (`\r`) if it has one.
    Typed(Vec<u8>),
    /// A whole pasted line, without its line break.
    PastedLine(String),
    /// What a paste ended with after its last line break: left in the line being edited.
    PastedTail(String),
    /// The terminal's interrupt key (Ctrl-C), outside a paste.
    Interrupt,
    /// The suspend key (Ctrl-Z), outside a paste.
    Suspend,
    /// The quit key (`Ctrl-\`), outside a paste.
    Quit,
}

impl Piece {
    /// Whether the piece ends a line: the unit of what a Ctrl-C drops and says it dropped.
    pub fn ends_a_line(&self) -> bool {
        match self {
            Piece::Typed(keys) => keys.last() == Some(&b'\r'),
            Piece::PastedLine(_) => true,
            Piece::PastedTail(_) | Piece::Interrupt | Piece::Suspend | Piece::Quit => false,
        }
    }
}

/// The bytes that mean a signal on this terminal (`stty intr`, `susp`, `quit`).
#[derive(Debug, Clone, Copy)]
pub struct SignalKeys {
    pub interrupt: u8,
    pub suspend: u8,
    pub quit: u8,
}

impl Default for SignalKeys {
    fn default() -> Self {
        SignalKeys {
            interrupt: 0x03,
            suspend: 0x1a,
            quit: 0x1c,
        }
    }
}

/// Where the cutter is inside a paste's escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Escape {
    #[default]
    None,
    /// After ESC.
    Started,
    /// Inside `ESC [`: parameters until a final byte.
    Csi,
    /// `ESC O` and one more byte.
    Ss3,
    /// `ESC ]` until BEL or `ESC \`.
    Osc,
    /// ESC inside an OSC: `\` ends it.
    OscEsc,
}

/// Cuts a stream of terminal bytes into pieces; keeps what a read cut in half for the next one.
#[derive(Debug, Default)]
pub struct Cutter {
    keys: SignalKeys,
    in_paste: bool,
    /// Typed keys not yet handed out (no Enter yet), or the start of what may be a paste marker.
    typed: Vec<u8>,
    /// The pasted line being gathered.
    line: Vec<u8>,
    escape: Escape,
    /// Parameters of the CSI sequence inside a paste (to find `201~`).
    csi: Vec<u8>,
    /// A `\r` just ended a pasted line: a `\n` right after it is the same line break.
    after_cr: bool,
}

impl Cutter {
    pub fn new(keys: SignalKeys) -> Self {
        Cutter {
            keys,
            ..Cutter::default()
        }
    }

    /// Whether a paste has begun and not ended.
    pub fn in_paste(&self) -> bool {
        self.in_paste
    }

    /// Whether bytes are held that may begin a paste marker (a lone ESC, `ESC [2`...): the relay
    /// hands them on as typed after a short wait (`flush`), so a lone Escape is not kept back.
    pub fn holds_keys(&self) -> bool {
        !self.in_paste && !self.typed.is_empty()
    }

    /// The pieces `bytes` complete.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Piece>) {
        for &byte in bytes {
            if self.in_paste {
                self.pasted(byte, out);
            } else {
                self.typed_byte(byte, out);
            }
        }
        // Keys typed so far go on at once, unless they may be the start of a paste marker.
        if !self.in_paste && !self.typed.is_empty() && !is_marker_prefix(&self.typed) {
            out.push(Piece::Typed(std::mem::take(&mut self.typed)));
        }
    }

    /// Hands on held keys as typed: they were not a paste marker after all.
    pub fn flush(&mut self, out: &mut Vec<Piece>) {
        if !self.in_paste && !self.typed.is_empty() {
            out.push(Piece::Typed(std::mem::take(&mut self.typed)));
        }
    }

    fn typed_byte(&mut self, byte: u8, out: &mut Vec<Piece>) {
        let signal = if byte == self.keys.interrupt {
            Some(Piece::Interrupt)
        } else if byte == self.keys.suspend {
            Some(Piece::Suspend)
        } else if byte == self.keys.quit {
            Some(Piece::Quit)
        } else {
            None
        };
        if let Some(signal) = signal {
            if !self.typed.is_empty() {
                out.push(Piece::Typed(std::mem::take(&mut self.typed)));
            }
            out.push(signal);
            return;
        }
        self.typed.push(byte);
        if self.typed.ends_with(PASTE_START) {
            let before = self.typed.len() - PASTE_START.len();
            self.typed.truncate(before);
            if !self.typed.is_empty() {
                out.push(Piece::Typed(std::mem::take(&mut self.typed)));
            }
            self.in_paste = true;
            self.escape = Escape::None;
            self.after_cr = false;
        } else if byte == b'\r' {
            out.push(Piece::Typed(std::mem::take(&mut self.typed)));
        } else if byte == ESC && self.typed.len() > 1 {
            // A new escape sequence: what came before it goes on by itself.
            let keys = self.typed[..self.typed.len() - 1].to_vec();
            self.typed = vec![ESC];
            out.push(Piece::Typed(keys));
        }
    }

    fn pasted(&mut self, byte: u8, out: &mut Vec<Piece>) {
        match self.escape {
            Escape::Started => {
                self.escape = match byte {
                    b'[' => {
                        self.csi.clear();
                        Escape::Csi
                    }
                    b'O' => Escape::Ss3,
                    b']' => Escape::Osc,
                    _ => Escape::None,
                };
                return;
            }
            Escape::Csi => {
                if (0x40..=0x7e).contains(&byte) {
                    self.escape = Escape::None;
                    if byte == b'~' && self.csi == b"201" {
                        self.end_paste(out);
                    }
                } else {
                    self.csi.push(byte);
                }
                return;
            }
            Escape::Ss3 => {
                self.escape = Escape::None;
                return;
            }
            Escape::Osc => {
                self.escape = match byte {
                    0x07 => Escape::None,
                    ESC => Escape::OscEsc,
                    _ => Escape::Osc,
                };
                return;
            }
            Escape::OscEsc => {
                self.escape = if byte == b'\\' {
                    Escape::None
                } else {
                    Escape::Osc
                };
                return;
            }
            Escape::None => {}
        }
        let after_cr = std::mem::take(&mut self.after_cr);
        match byte {
            ESC => self.escape = Escape::Started,
            b'\r' => {
                self.end_line(out);
                self.after_cr = true;
            }
            b'\n' if after_cr => {}
            b'\n' => self.end_line(out),
            b'\t' => self.line.push(byte),
            b if b < 0x20 || b == 0x7f => {}
            b => self.line.push(b),
        }
    }

    fn end_line(&mut self, out: &mut Vec<Piece>) {
        let line = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
        out.push(Piece::PastedLine(line));
    }

    fn end_paste(&mut self, out: &mut Vec<Piece>) {
        self.in_paste = false;
        self.after_cr = false;
        if !self.line.is_empty() {
            let tail = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
            out.push(Piece::PastedTail(tail));
        }
    }
}

/// Whether `typed` may still become `ESC [200~`.
fn is_marker_prefix(typed: &[u8]) -> bool {
    typed.first() == Some(&ESC) && PASTE_START.starts_with(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(chunks: &[&[u8]]) -> Vec<Piece> {
        let mut cutter = Cutter::new(SignalKeys::default());
        let mut out = Vec::new();
        for chunk in chunks {
            cutter.feed(chunk, &mut out);
        }
        cutter.flush(&mut out);
        out
    }

    fn typed(keys: &str) -> Piece {
        Piece::Typed(keys.as_bytes().to_vec())
    }

    fn line(text: &str) -> Piece {
        Piece::PastedLine(text.to_string())
    }

    #[test]
    fn typed_keys_are_cut_after_each_enter_and_passed_on_unchanged() {
        assert_eq!(
            cut(&[b"users\rposts\x1b[A\r", b"cou"]),
            [
                typed("users\r"),
                typed("posts"),
                typed("\x1b[A\r"),
                typed("cou")
            ]
        );
    }

    #[test]
    fn a_paste_is_cut_into_lines_whatever_its_line_breaks() {
        assert_eq!(
            cut(&[b"\x1b[200~one\r\ntwo\nthree\rfour\x1b[201~"]),
            [
                line("one"),
                line("two"),
                line("three"),
                Piece::PastedTail("four".into())
            ]
        );
        // An empty line is a line; a paste that ends with its break leaves nothing to edit.
        assert_eq!(
            cut(&[b"\x1b[200~a\n\nb\n\x1b[201~"]),
            [line("a"), line(""), line("b")]
        );
    }

    #[test]
    fn markers_split_across_reads_are_found() {
        let split: [&[u8]; 5] = [b"ab\x1b[2", b"00", b"~x\ry\x1b[20", b"1", b"~z"];
        assert_eq!(
            cut(&split),
            [
                typed("ab"),
                line("x"),
                Piece::PastedTail("y".into()),
                typed("z")
            ]
        );
    }

    #[test]
    fn nothing_in_a_paste_is_a_key_or_reaches_the_terminal() {
        let pasted =
            b"\x1b[200~add\tuser \x1b[Aann\x1b]0;title\x07 a@x\x1b[2J\x03\x1aOK\x1bOP\x7f\x1b[201~";
        assert_eq!(
            cut(&[pasted]),
            [Piece::PastedTail("add\tuser ann a@xOK".into())]
        );
    }

    #[test]
    fn signal_keys_count_outside_a_paste_only() {
        assert_eq!(
            cut(&[b"ab\x03cd\x1a\x1c"]),
            [
                typed("ab"),
                Piece::Interrupt,
                typed("cd"),
                Piece::Suspend,
                Piece::Quit
            ]
        );
    }

    #[test]
    fn a_lone_escape_is_held_until_flushed() {
        let mut cutter = Cutter::new(SignalKeys::default());
        let mut out = Vec::new();
        cutter.feed(b"\x1b", &mut out);
        assert!(out.is_empty() && cutter.holds_keys());
        cutter.flush(&mut out);
        assert_eq!(out, [typed("\x1b")]);
        assert!(!cutter.holds_keys());
    }

    #[test]
    fn utf8_split_inside_a_pasted_line_survives() {
        let text = "café ☕\n".as_bytes();
        let (a, b) = text.split_at(4);
        assert_eq!(cut(&[b"\x1b[200~", a, b, b"\x1b[201~"]), [line("café ☕")]);
    }

    #[test]
    fn lines_end_where_they_end() {
        assert!(typed("x\r").ends_a_line());
        assert!(!typed("x").ends_a_line());
        assert!(line("").ends_a_line());
        assert!(!Piece::PastedTail("x".into()).ends_a_line());
    }
}
