//! A thread of the session's own for SQLite writes of many rows: a script's batch of posts, an
//! import's batch of rows, inserted through the transaction's borrowed connection
//! (`borrowed`) while the shell's thread reads and checks the next lines. Started once and
//! kept: a thread started for each batch was often placed on the busy core and began a
//! millisecond late, a third of a batch's time.
//!
//! While a batch runs there, the connection is the thread's: [`Running`] must be waited for
//! before the shell uses it again (dropping it unwaited waits too).

use std::any::Any;
use std::marker::PhantomData;
use std::sync::mpsc;

use super::borrowed::{Borrowed, Handle};
use crate::error::{Error, Result};

type Work = Box<dyn FnOnce(&Borrowed) -> Box<dyn Any + Send> + Send>;

struct Job {
    handle: Handle,
    work: Work,
}

/// What the thread answers: the work's result, or its panic.
type Answer = std::thread::Result<Result<Box<dyn Any + Send>>>;

pub struct Inserter {
    jobs: mpsc::Sender<Job>,
    done: mpsc::Receiver<Answer>,
}

impl Inserter {
    pub fn start() -> Result<Inserter> {
        let (jobs, waiting) = mpsc::channel::<Job>();
        let (finished, done) = mpsc::channel::<Answer>();
        std::thread::Builder::new()
            .name("sqlite-rows".to_string())
            .spawn(move || {
                for job in waiting {
                    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        // SAFETY: the handle is a `Borrowed`'s whose user waits for this answer
                        // (`Running`); this one is dropped before the answer is sent.
                        let borrowed = unsafe { Borrowed::again(job.handle) }?;
                        Ok((job.work)(&borrowed))
                    }));
                    if finished.send(answer).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| Error::new(format!("cannot start a thread: {e}")))?;
        Ok(Inserter { jobs, done })
    }

    /// Runs `work` on the thread with `borrowed`'s connection, which is the thread's until the
    /// answer is waited for.
    pub fn run<T: Send + 'static>(
        &self,
        borrowed: &Borrowed,
        work: impl FnOnce(&Borrowed) -> T + Send + 'static,
    ) -> Running<'_, T> {
        let job = Job {
            handle: borrowed.handle(),
            work: Box::new(move |borrowed| Box::new(work(borrowed))),
        };
        let state = match self.jobs.send(job) {
            Ok(()) => State::Sent,
            // The thread is gone: done here instead.
            Err(mpsc::SendError(job)) => State::Done(Ok((job.work)(borrowed))),
        };
        Running {
            inserter: self,
            state,
            kind: PhantomData,
        }
    }
}

/// Work under way on the thread.
pub struct Running<'a, T> {
    inserter: &'a Inserter,
    state: State,
    kind: PhantomData<T>,
}

enum State {
    Sent,
    Done(Result<Box<dyn Any + Send>>),
    Taken,
}

impl<T: 'static> Running<'_, T> {
    /// The work's result, once the thread has finished it (and let go of the connection).
    pub fn wait(mut self) -> Result<T> {
        let answer = match std::mem::replace(&mut self.state, State::Taken) {
            State::Sent => match self.inserter.done.recv() {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(Error::new("internal error: the inserting thread panicked")),
                Err(_) => Err(Error::new("internal error: the inserting thread stopped")),
            },
            State::Done(answer) => answer,
            State::Taken => Err(Error::new("internal error: waited for twice")),
        };
        answer.and_then(|any| {
            any.downcast::<T>()
                .map(|t| *t)
                .map_err(|_| Error::new("internal error: the inserting thread answered wrongly"))
        })
    }
}

impl<T> Drop for Running<'_, T> {
    fn drop(&mut self) {
        if let State::Sent = self.state {
            let _ = self.inserter.done.recv();
        }
    }
}
