//! Ctrl-C at a terminal. While a line is being typed, rustyline reads it as a key (the line is
//! dropped); while a command runs, it arrives as SIGINT. The shell must not die of it: the signal
//! only raises a flag, and long listings stop at the next page when they see it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();

/// Catches SIGINT from now on (interactive sessions only: a script is stopped by Ctrl-C as usual).
pub fn catch() {
    let flag = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)));
    let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, flag.clone());
}

/// Whether Ctrl-C was pressed since the last call (and forgets it).
pub fn take() -> bool {
    FLAG.get()
        .is_some_and(|flag| flag.swap(false, Ordering::Relaxed))
}
