//! The questions some commands ask before they run: `add post`'s body and author, a new password
//! (twice at a terminal), a password to check. At a terminal they are prompts; in a script, the
//! next lines. Ctrl-C or the end of the input cancels the command with nothing written.

use super::helper::PromptMode;
use super::input::{Input, Read};
use crate::command::{self, Secret, UserRef, validate};
use crate::error::{Error, Result};

/// One answer.
pub fn answer(input: &mut dyn Input, prompt: &str, mode: PromptMode) -> Result<String> {
    let read = match mode {
        PromptMode::Secret => input.read_secret(prompt)?,
        PromptMode::Command | PromptMode::Body | PromptMode::Author | PromptMode::Confirm => {
            input.ask(prompt, mode)?
        }
    };
    match read {
        Read::Line(line) => Ok(line),
        Read::Interrupted => Err(Error::new("cancelled: nothing was written")),
        Read::Eof => Err(Error::new(format!(
            "the input ended before the {} was given: nothing was written",
            prompt.trim_end_matches([':', ' '])
        ))),
    }
}

/// A post's body, checked as soon as it is given; `echo` sees each answer as typed.
pub fn post_body(
    input: &mut dyn Input,
    echo: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<String> {
    let body = answer(input, "body: ", PromptMode::Body)?;
    echo(&body)?;
    let body = body.trim().to_string();
    validate::body(&body)?;
    Ok(body)
}

/// A post's author, by name or id.
pub fn post_author(
    input: &mut dyn Input,
    echo: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<UserRef> {
    let author = answer(input, "author: ", PromptMode::Author)?;
    echo(&author)?;
    Ok(command::user_ref(author.trim())?)
}

/// A password to check, typed once.
pub fn password(input: &mut dyn Input) -> Result<Secret> {
    answer(input, "password: ", PromptMode::Secret).map(Secret)
}

/// A new password: twice at a terminal, so a typo is caught; once (the next line) in a script.
pub fn new_password(input: &mut dyn Input) -> Result<Secret> {
    let first = answer(input, "new password: ", PromptMode::Secret).map(Secret)?;
    if input.is_interactive() {
        let again = answer(input, "again: ", PromptMode::Secret).map(Secret)?;
        if again != first {
            return Err(Error::new("the two passwords differ: nothing was changed"));
        }
    }
    Ok(first)
}

/// Whether the user agrees to go on: `y` or `yes`, in any case; anything else is no.
pub fn agrees(input: &mut dyn Input, question: &str) -> Result<bool> {
    let reply = answer(input, &format!("{question} [y/N] "), PromptMode::Confirm)?;
    Ok(matches!(reply.trim().to_lowercase().as_str(), "y" | "yes"))
}
