//! Fuzzes what a script goes through: raw bytes split into lines (UTF-8 checked, NUL refused), each
//! line parsed into a command. Neither step may panic, and errors stay one short line. The crate is
//! built without its `shell` feature: only the pure command layer is linked, no database stack.
//! Run: `cargo fuzz run parse` (see the README).

#![no_main]

use libfuzzer_sys::fuzz_target;
use microblog_shell::command::{parse, script};

fuzz_target!(|data: &[u8]| {
    for line in script::lines(data) {
        let Ok(line) = line else { break };
        if let Err(error) = parse(line) {
            let message = error.to_string();
            assert!(!message.contains('\n') && message.chars().count() < 400);
        }
    }
});
