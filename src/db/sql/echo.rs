//! The statements the shell sends, kept while someone wants to see them: `echo sql on` prints each
//! with its bound values (SQLAlchemy's `echo=True`), `explain` asks the database for their plans.
//! Every statement of the data commands passes through `Conn::data`, which records it here. The
//! shell runs on one thread, so a thread-local list is the whole mechanism.

use std::cell::RefCell;

use sea_orm::Statement;

thread_local! {
    static RECORDED: RefCell<Option<Vec<Statement>>> = const { RefCell::new(None) };
}

/// From now on, statements are kept (until [`stop`]).
pub fn start() {
    RECORDED.with(|r| {
        let mut r = r.borrow_mut();
        if r.is_none() {
            *r = Some(Vec::new());
        }
    });
}

/// Statements are no longer kept; those kept so far are returned.
pub fn stop() -> Vec<Statement> {
    RECORDED.with(|r| r.borrow_mut().take().unwrap_or_default())
}

/// The statements kept since the last call (keeping on).
pub fn take() -> Vec<Statement> {
    RECORDED.with(|r| {
        r.borrow_mut()
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    })
}

pub fn is_on() -> bool {
    RECORDED.with(|r| r.borrow().is_some())
}

/// Called for every statement about to run.
pub(crate) fn record(statement: &Statement) {
    RECORDED.with(|r| {
        if let Some(kept) = r.borrow_mut().as_mut() {
            kept.push(statement.clone());
        }
    });
}

/// A statement as people read it: its SQL with the bound values written in.
pub fn shown(statement: &Statement) -> String {
    statement.to_string()
}
