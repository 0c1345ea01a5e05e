//! The prompt and the script loop, on top of everything else: where lines come from, how a person
//! is helped while typing them, and the loop that runs them.
//!
//! - `runner`: the loop (parse, carry out, render), for the prompt and scripts alike; `screen`:
//!   where results go (the screen, a file, a pager) and how they are rendered;
//! - `input`: the line sources (rustyline, a script, `-c`); `questions`: what commands ask first;
//!   `secret`: a password read with the terminal's echo off, outside the line editor;
//! - `helper`: the rustyline helper (completion, hints, highlighting, multi-line input), with
//!   `lookup` (usernames and post ids from the database) and `history` (the private history file);
//! - `relay` (with `keys`): the terminal's keys handed to the line editor a line at a time, so that
//!   lines typed ahead and pasted blocks all run, each once;
//! - `pager`, `progress`, `interrupt`: long output, long scripts and Ctrl-C.

pub mod helper;
pub mod history;
pub mod input;
pub mod interrupt;
pub mod keys;
pub mod lookup;
pub mod pager;
pub mod progress;
pub mod questions;
pub mod relay;
pub mod runner;
pub mod screen;
pub mod secret;
