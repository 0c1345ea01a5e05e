//! A progress line on stderr for long scripts, when stderr is a terminal (indicatif): lines done and
//! the rate. Invisible otherwise, and cheap per line either way.

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
