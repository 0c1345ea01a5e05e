//! The prompt's persistent history: where the file lives, that it is private, and what never goes
//! into it.

use std::fs::{OpenOptions, Permissions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// `--history-file`, else `SHELL_HISTORY`, else the user's state directory
/// (`$XDG_STATE_HOME/microblog-shell/history`, by default `~/.local/state/microblog-shell/history`).
pub fn path(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = flag {
        return Some(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("SHELL_HISTORY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/state")))?;
    Some(state.join("microblog-shell").join("history"))
}

/// Creates the file (and its directory) if needed, readable and writable by its owner only.
pub fn prepare(path: &Path) -> Result<()> {
    let fail =
        |e: std::io::Error| Error::new(format!("cannot use history file {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(fail)?;
    make_private(path).map_err(fail)
}

/// Mode 0600, whatever the file had before. Only for a regular file: `/dev/null` (no history) and
/// other special files keep their own modes.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    if !std::fs::metadata(path)?.is_file() {
        return Ok(());
    }
    std::fs::set_permissions(path, Permissions::from_mode(0o600))
}

/// Blank lines and anything that may carry a password (raw SQL that mentions one) stay out of the
/// history. Passwords themselves are read at a separate, unrecorded prompt.
pub fn worth_remembering(line: &str) -> bool {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return false;
    }
    let lower = trimmed.to_lowercase();
    !(lower.starts_with("sql") && (lower.contains("password") || lower.contains("passwd")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/er/history");
        prepare(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
        prepare(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn special_files_keep_their_mode() {
        // /dev/null is how a user turns history off; chmod-ing it would break the machine.
        let before = std::fs::metadata("/dev/null").unwrap().permissions().mode();
        prepare(Path::new("/dev/null")).unwrap();
        assert_eq!(
            std::fs::metadata("/dev/null").unwrap().permissions().mode(),
            before
        );
    }

    #[test]
    fn passwords_stay_out() {
        assert!(worth_remembering("set password john"));
        assert!(worth_remembering("users"));
        assert!(!worth_remembering("   "));
        assert!(!worth_remembering("sql ALTER USER app PASSWORD 'hunter2'"));
        assert!(!worth_remembering(
            "SQL update user set password_hash = 'x'"
        ));
    }

    #[test]
    fn the_flag_beats_the_environment() {
        assert_eq!(
            path(Some(Path::new("/tmp/h"))),
            Some(PathBuf::from("/tmp/h"))
        );
    }
}
