//! Where results go and how they look: the screen or a file (`output`), the format, timing, and
//! a pager for a long listing at a terminal. An answer is rendered here as it comes, a listing a
//! page at a time.

use std::io::Write;
use std::time::Instant;

use super::interrupt;
use super::pager::Output;
use crate::command::{Format, OutputFile};
use crate::db::Answer;
use crate::db::sql::echo;
use crate::error::{Error, Result, quoted};
use crate::render::{Halt, Outcome, Renderer};

pub struct Screen {
    /// How results print (`format`), and whether each command is timed (`timing`).
    pub format: Format,
    pub timing: bool,
    /// Standard output is a terminal.
    pub terminal: bool,
    /// The lines come from a person (a pager may show a long listing).
    pub interactive: bool,
    pub out: Output,
    /// `output FILE`: where results go instead of the screen.
    pub file: Option<Output>,
    /// Inside `watch`: results straight to the screen, never a pager.
    pub watching: bool,
}

impl Screen {
    /// Renders an answer (streaming a listing page by page) and the time it took; returns whether
    /// the command passed.
    pub async fn show(&mut self, answer: Answer<'_>, started: Instant) -> Result<bool> {
        let renderer = Renderer {
            to_file: self.file.is_some(),
            format: self.format,
            terminal: self.terminal && self.file.is_none(),
            width: self
                .terminal
                .then(terminal_size::terminal_size)
                .flatten()
                .map(|(w, _)| w.0),
        };
        if !renderer.format.for_people() {
            // Messages go to stderr in machine formats: everything before them goes out first.
            self.out.flush()?;
        }
        let interactive =
            self.interactive && self.terminal && self.file.is_none() && !self.watching;
        let mut paged = interactive.then(Output::paged);
        // Results to the file `output` named; messages for people stay on the screen.
        let mut stderr = std::io::stderr();
        let (out, notes): (&mut Output, &mut dyn Write) = match self.file.as_mut() {
            Some(file) => (file, &mut self.out),
            None => (paged.as_mut().unwrap_or(&mut self.out), &mut stderr),
        };
        // `echo sql`: the statements before what they produced; beside the results for people,
        // on stderr (or the screen, with `output`) otherwise.
        let echo_beside = renderer.format.for_people() && !renderer.to_file;
        let echo = |out: &mut Output, notes: &mut dyn Write| -> std::io::Result<()> {
            let text: String = echo::take()
                .iter()
                .map(|s| format!("SQL: {}\n", echo::shown(s)))
                .collect();
            match echo_beside {
                true => out.write_all(text.as_bytes()),
                false => notes.write_all(text.as_bytes()),
            }
        };
        echo(out, notes)?;
        let passed = match answer {
            Answer::Listing(mut pages) => {
                interrupt::take();
                renderer
                    .stream(
                        &mut *pages,
                        out,
                        |out| {
                            if out.is_closed() {
                                Some(Halt::Quietly)
                            } else if interrupt::take() {
                                Some(Halt::Interrupted)
                            } else {
                                None
                            }
                        },
                        |out| echo(out, notes),
                    )
                    .await?;
                true
            }
            Answer::Done(outcome) => {
                renderer.render(&outcome, out, notes)?;
                outcome.passed()
            }
            // Said with its batch (`Runner::insert_queued`).
            Answer::Queued { .. } => true,
        };
        if self.timing {
            let time = format!("Time: {:.3} ms\n", started.elapsed().as_secs_f64() * 1000.0);
            if renderer.to_file {
                notes.write_all(time.as_bytes())?;
            } else if self.format.for_people() {
                out.write_all(time.as_bytes())?;
            } else {
                out.flush()?;
                eprint!("{time}");
            }
        }
        if let Some(paged) = paged {
            paged.finish()?;
        }
        Ok(passed)
    }

    /// `output FILE`: results to the file from now on (the one before is closed); `output`:
    /// back to the screen.
    pub fn redirect(&mut self, target: Option<OutputFile>) -> Result<Outcome> {
        // What went to the previous file is written out first (the new one may be the same file);
        // if the new one cannot be opened, output stays where it was.
        if let Some(previous) = self.file.as_mut()
            && let Err(e) = previous.flush()
        {
            // Said once: the file is given up, and output is back on the screen.
            self.file = None;
            return Err(Error::new(format!(
                "the output file could not be written ({e}): output is back on the screen"
            )));
        }
        let file = match &target {
            None => None,
            Some(target) => {
                Some(
                    Output::file(&target.path, target.existing).map_err(|e| match e.kind() {
                        std::io::ErrorKind::AlreadyExists => Error::new(format!(
                            "{} exists: add --append to add to it, or --force to replace it",
                            quoted(&target.path)
                        )),
                        _ => Error::new(format!("cannot write {}: {e}", quoted(&target.path))),
                    })?,
                )
            }
        };
        self.file = file;
        Ok(Outcome::Message(match target {
            None => "Output back to the screen".to_string(),
            Some(target) => format!("Output goes to {} until output alone", target.path),
        }))
    }
}
