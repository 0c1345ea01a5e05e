//! Fuzzes what a script goes through: raw bytes split into lines (UTF-8 checked, NUL refused), each
//! line parsed into a command. Neither step may panic, and errors stay one short line.
//! Run: `cargo fuzz run parse` (see the README).

#![no_main]

use libfuzzer_sys::fuzz_target;
use microblog_shell::command::parse;
use microblog_shell::input::{Input, Read, ScriptInput};

fuzz_target!(|data: &[u8]| {
    let mut input = ScriptInput::new(data);
    while let Ok(Read::Line(line)) = input.read("") {
        if let Err(error) = parse(&line) {
            let message = error.to_string();
            assert!(!message.contains('\n') && message.chars().count() < 400);
        }
    }
});
