//! Where the system configuration files of the host packs come from: on a
//! host or offline root, fixed paths under the root (`/etc/login.defs`,
//! `/etc/pam.d/*`, ...) read here through `Root`; in a config tree, whatever
//! the inventory classified as such. Holds the file-with-its-read-error value
//! the system facts share; it never parses a format and never judges.

use crate::target::{Root, RootError};

/// Largest system configuration file read (login.defs, PAM, sshd_config).
pub const SYSTEM_FILE_CAP: u64 = 4 * 1024 * 1024;

/// One system file: parsed, or why it could not be.
#[derive(Clone, Debug, PartialEq)]
pub struct SystemFile<T> {
    /// Path inside the target's root, `/`-separated, no leading `/`.
    pub rel: String,
    pub content: Result<T, String>,
}

impl<T> SystemFile<T> {
    pub fn ok(&self) -> Option<&T> {
        self.content.as_ref().ok()
    }
}

/// Why a file under a host root could not be read, as a report says it.
pub fn read_error(e: &RootError) -> String {
    match e {
        RootError::PermissionDenied => "permission denied: run as root".to_string(),
        other => other.to_string(),
    }
}

/// Reads and parses `rel` under a host root. `None` when the file does not
/// exist (absence is a fact, not an error).
pub fn read_host_file<T>(
    root: &Root,
    rel: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<SystemFile<T>> {
    let content = match root.read_text(rel, SYSTEM_FILE_CAP) {
        Ok(text) => parse(&text),
        Err(RootError::NotFound) => return None,
        Err(e) => Err(read_error(&e)),
    };
    Some(SystemFile {
        rel: rel.trim_start_matches('/').to_string(),
        content,
    })
}

/// The names of the regular files (or links to them) directly in `dir`,
/// sorted; `Ok(empty)` when the directory does not exist.
pub fn list_dir(root: &Root, dir: &str) -> Result<Vec<String>, String> {
    match root.read_dir(dir) {
        Ok(entries) => Ok(entries
            .into_iter()
            .filter(|e| !e.is_dir)
            .map(|e| e.name)
            .collect()),
        Err(RootError::NotFound) => Ok(Vec::new()),
        Err(e) => Err(format!("/{dir}: {}", read_error(&e))),
    }
}

/// `dir/name` without a leading `/` when `dir` is empty.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{}/{name}", dir.trim_end_matches('/'))
    }
}

/// The directory part of a `/`-separated relative path (`""` at the top).
pub fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// The last component of a `/`-separated relative path.
pub fn file_name(rel: &str) -> &str {
    rel.rfind('/').map_or(rel, |i| &rel[i + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_denied_says_run_as_root() {
        assert_eq!(
            read_error(&RootError::PermissionDenied),
            "permission denied: run as root"
        );
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("etc/", "a"), "etc/a");
        assert_eq!(parent("etc/pam.d/sshd"), "etc/pam.d");
        assert_eq!(file_name("etc/pam.d/sshd"), "sshd");
        assert_eq!(parent("x"), "");
    }
}
