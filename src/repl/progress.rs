//! A progress line on stderr for long scripts and imports, when stderr is a terminal (indicatif):
//! lines or rows done and the rate. Invisible otherwise, and cheap per line either way.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Shown for scripts only, and only when a person can see stderr.
    pub fn start(script: bool) -> Self {
        if !script || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
        bar.set_style(
            ProgressStyle::with_template("{spinner} {human_pos} lines, {per_sec}, {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        // Nothing appears for short scripts: the first draw waits a moment.
        bar.enable_steady_tick(Duration::from_millis(500));
        Progress(Some(bar))
    }

    pub fn line(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// A progress line for a long command that counts its rows in `counter` (`import`): a thread
/// reads the counter a few times a second until the command is done.
pub struct RowsProgress {
    bar: ProgressBar,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    watcher: Option<std::thread::JoinHandle<()>>,
}

impl RowsProgress {
    pub fn start(counter: &'static std::sync::atomic::AtomicU64) -> Option<Self> {
        use std::sync::atomic::Ordering;
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
        bar.set_style(
            ProgressStyle::with_template("{spinner} {human_pos} rows, {per_sec}, {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(500));
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let (bar, done) = (bar.clone(), done.clone());
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    bar.set_position(counter.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        Some(RowsProgress {
            bar,
            done,
            watcher: Some(watcher),
        })
    }
}

impl Drop for RowsProgress {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        self.bar.finish_and_clear();
    }
}
