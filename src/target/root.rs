//! `Root`: read-only, size-capped, symlink-confined access to the files under a
//! directory (`/` for the live host). Nothing under a root is ever written or
//! executed, special files (FIFOs, devices, sockets) are never opened for
//! reading, and no symlink leads out of the root.
//!
//! Two confinements: a host root resolves symlinks the way the kernel would
//! inside a chroot (absolute link targets start at the root, `..` stops at it),
//! which is what links in a mounted image or backup mean; a tree root refuses
//! any link that leaves the tree, because a deployment repo's link to
//! `../../etc/passwd` means a file outside the repo, not inside it.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

/// Largest file a tree scan reads by default.
pub const DEFAULT_FILE_CAP: u64 = 4 * 1024 * 1024;
const MAX_LINK_HOPS: usize = 40;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confinement {
    /// Absolute symlinks start at the root; `..` stops at the root.
    Chroot,
    /// A symlink that leaves the root is an error.
    Strict,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RootError {
    #[error("not found")]
    NotFound,
    #[error("permission denied")]
    PermissionDenied,
    #[error("larger than the {} cap ({})", human_size(*.cap), human_size(*.size))]
    TooLarge { size: u64, cap: u64 },
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
    #[error("symlink leads out of the scanned root (-> {0})")]
    Escapes(String),
    #[error("too many levels of symbolic links")]
    Loop,
    #[error("binary file")]
    Binary,
    #[error("not UTF-8 text")]
    NotText,
    #[error("{0}")]
    Io(String),
}

impl RootError {
    fn from_io(e: &io::Error) -> RootError {
        match e.kind() {
            io::ErrorKind::NotFound => RootError::NotFound,
            io::ErrorKind::PermissionDenied => RootError::PermissionDenied,
            _ => match e.raw_os_error() {
                Some(nix::libc::ENOTDIR) => RootError::NotFound,
                Some(nix::libc::ELOOP) => RootError::Loop,
                _ => RootError::Io(e.to_string()),
            },
        }
    }
}

pub fn human_size(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / MIB)
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

/// A directory entry as seen through a root.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
    pub is_symlink: bool,
}

#[derive(Clone)]
pub struct Root {
    base: PathBuf,
    confinement: Confinement,
}

impl fmt::Debug for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Root({}, {:?})", self.base.display(), self.confinement)
    }
}

impl Root {
    /// Opens `dir` as a root. The directory must exist.
    pub fn open(dir: &Path, confinement: Confinement) -> io::Result<Root> {
        let base = fs::canonicalize(dir)?;
        if !fs::metadata(&base)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(Root { base, confinement })
    }

    /// The root's directory on this machine.
    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn is_live_root(&self) -> bool {
        self.base == Path::new("/")
    }

    /// Resolves `rel` (relative to the root; a leading `/` is allowed) to a
    /// path on this machine whose last component is not a symlink.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf, RootError> {
        let mut done: Vec<OsString> = Vec::new();
        let mut todo: Vec<OsString> = components(Path::new(rel));
        todo.reverse();
        let mut hops = 0;
        while let Some(part) = todo.pop() {
            if part == ".." {
                if done.pop().is_none() && self.confinement == Confinement::Strict {
                    return Err(RootError::Escapes(rel.to_string()));
                }
                continue;
            }
            done.push(part);
            let here = self.join(&done);
            let meta = fs::symlink_metadata(&here).map_err(|e| RootError::from_io(&e))?;
            if !meta.file_type().is_symlink() {
                continue;
            }
            hops += 1;
            if hops > MAX_LINK_HOPS {
                return Err(RootError::Loop);
            }
            let target = fs::read_link(&here).map_err(|e| RootError::from_io(&e))?;
            done.pop();
            if target.is_absolute() {
                match self.confinement {
                    Confinement::Chroot => done.clear(),
                    Confinement::Strict => match target.strip_prefix(&self.base) {
                        Ok(inside) => {
                            done.clear();
                            push_front(&mut todo, components(inside));
                            continue;
                        }
                        Err(_) => return Err(RootError::Escapes(target.display().to_string())),
                    },
                }
            }
            let parts = components(&target);
            if self.confinement == Confinement::Strict {
                // A relative link may not climb above the root.
                let mut depth = done.len() as isize;
                for p in &parts {
                    depth += if p == ".." { -1 } else { 1 };
                    if depth < 0 {
                        return Err(RootError::Escapes(target.display().to_string()));
                    }
                }
            }
            push_front(&mut todo, parts);
        }
        Ok(self.join(&done))
    }

    fn join(&self, parts: &[OsString]) -> PathBuf {
        let mut p = self.base.clone();
        p.extend(parts);
        p
    }

    /// Metadata of the file `rel` names (after confined resolution).
    pub fn metadata(&self, rel: &str) -> Result<Metadata, RootError> {
        let path = self.resolve(rel)?;
        fs::symlink_metadata(path).map_err(|e| RootError::from_io(&e))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.metadata(rel).is_ok()
    }

    pub fn is_dir(&self, rel: &str) -> bool {
        self.metadata(rel).is_ok_and(|m| m.is_dir())
    }

    /// Reads a regular file, refusing special files and anything over `cap`.
    pub fn read(&self, rel: &str, cap: u64) -> Result<Vec<u8>, RootError> {
        let path = self.resolve(rel)?;
        read_confined_file(&path, cap)
    }

    /// Reads a text file: binary content (a NUL byte) and invalid UTF-8 are errors.
    pub fn read_text(&self, rel: &str, cap: u64) -> Result<String, RootError> {
        bytes_to_text(self.read(rel, cap)?)
    }

    /// The target of the symlink `rel`, as text; the link is not followed.
    pub fn read_link(&self, rel: &str) -> Result<String, RootError> {
        let parent = Path::new(rel)
            .parent()
            .map(|p| p.to_string_lossy().into_owned());
        let name = Path::new(rel)
            .file_name()
            .ok_or(RootError::NotFound)?
            .to_os_string();
        let mut path = match parent.as_deref() {
            Some("") | Some("/") | None => self.base.clone(),
            Some(p) => self.resolve(p)?,
        };
        path.push(name);
        fs::read_link(&path)
            .map(|t| t.to_string_lossy().into_owned())
            .map_err(|e| RootError::from_io(&e))
    }

    /// The entries of directory `rel`, sorted by name.
    pub fn read_dir(&self, rel: &str) -> Result<Vec<Entry>, RootError> {
        let path = self.resolve(rel)?;
        let mut out = Vec::new();
        for entry in fs::read_dir(&path).map_err(|e| RootError::from_io(&e))? {
            let entry = entry.map_err(|e| RootError::from_io(&e))?;
            let ft = entry.file_type().map_err(|e| RootError::from_io(&e))?;
            out.push(Entry {
                name: entry.file_name().to_string_lossy().into_owned(),
                is_dir: ft.is_dir(),
                is_symlink: ft.is_symlink(),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

impl Root {
    /// The symlinks directly inside directory `rel` with their targets (as
    /// text, not followed), resolving the directory once: how `/proc/PID/fd`
    /// is read.
    pub fn dir_links(&self, rel: &str) -> Result<Vec<(String, String)>, RootError> {
        let dir = self.resolve(rel)?;
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| RootError::from_io(&e))? {
            let entry = entry.map_err(|e| RootError::from_io(&e))?;
            if let Ok(target) = fs::read_link(entry.path()) {
                out.push((
                    entry.file_name().to_string_lossy().into_owned(),
                    target.to_string_lossy().into_owned(),
                ));
            }
        }
        Ok(out)
    }
}

fn components(p: &Path) -> Vec<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// Puts `parts` in front of the (reversed) work list.
fn push_front(todo: &mut Vec<OsString>, parts: Vec<OsString>) {
    todo.extend(parts.into_iter().rev());
}

fn read_confined_file(path: &Path, cap: u64) -> Result<Vec<u8>, RootError> {
    // O_NOFOLLOW: the last component was checked not to be a link; refuse a
    // swap. O_NONBLOCK: opening a FIFO must not wait for a writer.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
        .map_err(|e| RootError::from_io(&e))?;
    let meta = file.metadata().map_err(|e| RootError::from_io(&e))?;
    let ft = meta.file_type();
    if !ft.is_file() {
        let kind = if ft.is_dir() {
            "directory"
        } else if ft.is_fifo() {
            "fifo"
        } else if ft.is_socket() {
            "socket"
        } else if ft.is_block_device() || ft.is_char_device() {
            "device"
        } else {
            "special file"
        };
        return Err(RootError::NotRegular(kind));
    }
    if meta.len() > cap {
        return Err(RootError::TooLarge {
            size: meta.len(),
            cap,
        });
    }
    read_capped(file, cap)
}

fn read_capped(file: File, cap: u64) -> Result<Vec<u8>, RootError> {
    let mut buf = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| RootError::from_io(&e))?;
    if buf.len() as u64 > cap {
        // /proc files report size 0 and can still be large.
        return Err(RootError::TooLarge {
            size: buf.len() as u64,
            cap,
        });
    }
    Ok(buf)
}

/// Text from bytes: a NUL byte in the first 8 KiB means binary.
pub fn bytes_to_text(bytes: Vec<u8>) -> Result<String, RootError> {
    if bytes.iter().take(8192).any(|&b| b == 0) {
        return Err(RootError::Binary);
    }
    let mut text = String::from_utf8(bytes).map_err(|_| RootError::NotText)?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("etc/ssh")).unwrap();
        fs::write(d.path().join("etc/ssh/sshd_config"), "Port 22\n").unwrap();
        fs::create_dir_all(d.path().join("usr/share")).unwrap();
        fs::write(d.path().join("usr/share/real"), "real\n").unwrap();
        symlink("/usr/share/real", d.path().join("etc/abs-link")).unwrap();
        symlink("../usr/share/real", d.path().join("etc/rel-link")).unwrap();
        symlink(
            "../../../../../../../etc/hostname",
            d.path().join("etc/escape"),
        )
        .unwrap();
        symlink("loop-b", d.path().join("etc/loop-a")).unwrap();
        symlink("loop-a", d.path().join("etc/loop-b")).unwrap();
        d
    }

    #[test]
    fn chroot_links_stay_inside() {
        let d = tree();
        let r = Root::open(d.path(), Confinement::Chroot).unwrap();
        assert_eq!(r.read_text("/etc/abs-link", 100).unwrap(), "real\n");
        assert_eq!(r.read_text("etc/rel-link", 100).unwrap(), "real\n");
        // `..` stops at the root, so this resolves inside it and is absent.
        assert_eq!(r.read_text("etc/escape", 100), Err(RootError::NotFound));
        assert_eq!(r.read_text("etc/loop-a", 100), Err(RootError::Loop));
        assert_eq!(r.read_link("etc/abs-link").unwrap(), "/usr/share/real");
    }

    #[test]
    fn strict_refuses_escapes() {
        let d = tree();
        let r = Root::open(d.path(), Confinement::Strict).unwrap();
        assert!(matches!(
            r.read_text("etc/abs-link", 100),
            Err(RootError::Escapes(_))
        ));
        assert_eq!(r.read_text("etc/rel-link", 100).unwrap(), "real\n");
        assert!(matches!(
            r.read_text("etc/escape", 100),
            Err(RootError::Escapes(_))
        ));
        assert!(matches!(
            r.read_text("../x", 100),
            Err(RootError::Escapes(_))
        ));
    }

    #[test]
    fn caps_and_special_files() {
        let d = tree();
        let r = Root::open(d.path(), Confinement::Strict).unwrap();
        assert!(matches!(
            r.read("etc/ssh/sshd_config", 3),
            Err(RootError::TooLarge { .. })
        ));
        assert_eq!(r.read("etc", 100), Err(RootError::NotRegular("directory")));
        nix::unistd::mkfifo(&d.path().join("fifo"), nix::sys::stat::Mode::S_IRUSR).unwrap();
        assert_eq!(r.read("fifo", 100), Err(RootError::NotRegular("fifo")));
        fs::write(d.path().join("bin"), b"ab\0cd").unwrap();
        assert_eq!(r.read_text("bin", 100), Err(RootError::Binary));
        assert_eq!(r.read_text("missing", 100), Err(RootError::NotFound));
        assert_eq!(
            r.read_text("etc/ssh/sshd_config/x", 100),
            Err(RootError::NotFound)
        );
    }
}
