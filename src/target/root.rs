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
//!
//! **Race-free by descriptors.** The root is held open as a directory
//! descriptor and every path is resolved relative to it, never as a string:
//! with `openat2` (`RESOLVE_IN_ROOT` for host roots, `RESOLVE_BENEATH` for
//! trees, both with `RESOLVE_NO_MAGICLINKS`) where the kernel has it, else by
//! a component-by-component `openat(O_PATH|O_NOFOLLOW)` walk that reads each
//! link on its own descriptor and applies the same confinement. A directory
//! swapped for a symlink while a scan runs can therefore never lead outside.
//! Resolution yields an `O_PATH` descriptor, whose type is checked with
//! `fstat` *before* anything is opened for reading: a FIFO, device or socket
//! is never opened. A regular file is then reopened for reading through its
//! own descriptor (`/proc/self/fd`), so what is read is what was checked, and
//! read with one read sized from its length (plus one byte to see growth),
//! capped. Directories are walked the same way: [`Root::open_dir`] and
//! [`Root::open_subdir`] open each directory relative to its parent's
//! descriptor, refusing symlinks.
//!
//! Paths are `/`-separated strings in the carrier form of [`super::name`]:
//! names that are not UTF-8 are carried losslessly and decoded here.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, OpenHow, ResolveFlag, openat, openat2, readlinkat};
use nix::sys::stat::{FileStat, Mode, SFlag, fstat, fstatat};

use super::name;

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
        match e.raw_os_error() {
            Some(n) => RootError::from_errno(Errno::from_raw(n)),
            None => match e.kind() {
                io::ErrorKind::NotFound => RootError::NotFound,
                io::ErrorKind::PermissionDenied => RootError::PermissionDenied,
                _ => RootError::Io(e.kind().to_string()),
            },
        }
    }

    fn from_errno(e: Errno) -> RootError {
        match e {
            Errno::ENOENT | Errno::ENOTDIR => RootError::NotFound,
            Errno::EACCES | Errno::EPERM => RootError::PermissionDenied,
            Errno::ELOOP => RootError::Loop,
            other => RootError::Io(other.desc().to_string()),
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
    /// The name in carrier form ([`super::name`]): lossless, even when the
    /// name on disk is not UTF-8.
    pub name: String,
    pub is_dir: bool,
    pub is_symlink: bool,
    /// A regular file (not a directory, link, FIFO, device or socket).
    pub is_file: bool,
}

/// An open directory inside a root, for walking it by descriptors.
#[derive(Debug)]
pub struct DirHandle {
    fd: OwnedFd,
    /// Its path inside the root (carrier form, no leading `/`).
    pub rel: String,
    /// Whether `fd` was read by a listing (its read position moved).
    listed: AtomicBool,
}

#[derive(Clone)]
pub struct Root {
    base: PathBuf,
    confinement: Confinement,
    /// The root directory, held open: every path is resolved relative to it.
    dir: Arc<OwnedFd>,
}

impl fmt::Debug for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Root({}, {:?})", self.base.display(), self.confinement)
    }
}

/// Whether `openat2` works here: 0 unknown, 1 yes, 2 no.
static OPENAT2: AtomicU8 = AtomicU8::new(0);

fn openat2_usable(probe: BorrowedFd<'_>) -> bool {
    match OPENAT2.load(Ordering::Relaxed) {
        1 => return true,
        2 => return false,
        _ => {}
    }
    let forced_off = std::env::var_os("RAMPART_NO_OPENAT2").is_some_and(|v| v == "1");
    let works = !forced_off
        && openat2(
            probe,
            ".",
            OpenHow::new()
                .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
                .resolve(ResolveFlag::RESOLVE_BENEATH | ResolveFlag::RESOLVE_NO_MAGICLINKS),
        )
        .is_ok();
    OPENAT2.store(if works { 1 } else { 2 }, Ordering::Relaxed);
    works
}

/// `/proc/self/fd`, held open to reopen checked `O_PATH` descriptors.
fn proc_self_fd() -> Option<&'static OwnedFd> {
    static FD: OnceLock<Option<OwnedFd>> = OnceLock::new();
    FD.get_or_init(|| {
        let fd = nix::fcntl::open(
            "/proc/self/fd",
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .ok()?;
        // Only a real procfs: on anything else the magic links are absent.
        let st = nix::sys::statfs::fstatfs(&fd).ok()?;
        (st.filesystem_type() == nix::sys::statfs::PROC_SUPER_MAGIC).then_some(fd)
    })
    .as_ref()
}

fn path_of(rel: &str) -> OsString {
    let trimmed = rel.trim_start_matches('/');
    if trimmed.is_empty() {
        OsString::from(".")
    } else {
        name::to_os(trimmed).into_owned()
    }
}

/// Opens the entry `os` of `dir` for reading, neither following a link
/// (`O_NOFOLLOW`) nor blocking on a FIFO (`O_NONBLOCK`); `None` when the
/// entry is a symlink.
fn open_entry(dir: &DirHandle, os: &OsStr) -> Result<Option<OwnedFd>, RootError> {
    let flags = OFlag::O_RDONLY
        | OFlag::O_CLOEXEC
        | OFlag::O_NOCTTY
        | OFlag::O_NONBLOCK
        | OFlag::O_NOFOLLOW;
    match openat(dir.fd.as_fd(), os, flags, Mode::empty()) {
        Ok(fd) => Ok(Some(fd)),
        Err(Errno::ELOOP) => Ok(None),
        Err(e) => Err(RootError::from_errno(e)),
    }
}

fn kind_of(st: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits())
}

fn describe(kind: SFlag) -> &'static str {
    match kind {
        SFlag::S_IFDIR => "directory",
        SFlag::S_IFIFO => "fifo",
        SFlag::S_IFSOCK => "socket",
        SFlag::S_IFBLK | SFlag::S_IFCHR => "device",
        SFlag::S_IFLNK => "symlink",
        _ => "special file",
    }
}

impl Root {
    /// Opens `dir` as a root. The directory must exist.
    pub fn open(dir: &Path, confinement: Confinement) -> io::Result<Root> {
        let base = std::fs::canonicalize(dir)?;
        let fd = nix::fcntl::open(
            &base,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            Errno::ENOTDIR => io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
            e => io::Error::from(e),
        })?;
        Ok(Root {
            base,
            confinement,
            dir: Arc::new(fd),
        })
    }

    /// The root's directory on this machine.
    pub fn base(&self) -> &Path {
        &self.base
    }

    pub fn confinement(&self) -> Confinement {
        self.confinement
    }

    pub fn is_live_root(&self) -> bool {
        self.base == Path::new("/")
    }

    /// The path on this machine `rel` names lexically (symlinks not
    /// resolved): for matching and display, never for opening.
    pub fn host_path(&self, rel: &str) -> PathBuf {
        let trimmed = rel.trim_start_matches('/');
        if trimmed.is_empty() {
            self.base.clone()
        } else {
            self.base.join(name::to_os(trimmed))
        }
    }

    /// Resolves `rel` (relative to the root; a leading `/` is allowed) to the
    /// path on this machine it names, symlinks resolved inside the root. For
    /// display (where a link leads); every read goes through descriptors.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf, RootError> {
        let (_, done) = self.walk_resolve(rel)?;
        let mut p = self.base.clone();
        p.extend(done);
        Ok(p)
    }

    /// An `O_PATH` descriptor of what `rel` names, symlinks followed inside
    /// the root.
    fn open_path(&self, rel: &str) -> Result<OwnedFd, RootError> {
        if openat2_usable(self.dir.as_fd()) {
            let resolve = ResolveFlag::RESOLVE_NO_MAGICLINKS
                | match self.confinement {
                    Confinement::Chroot => ResolveFlag::RESOLVE_IN_ROOT,
                    Confinement::Strict => ResolveFlag::RESOLVE_BENEATH,
                };
            let how = OpenHow::new()
                .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
                .resolve(resolve);
            match openat2(self.dir.as_fd(), path_of(rel).as_os_str(), how) {
                Ok(fd) => return Ok(fd),
                // Leaving a tree (or an absolute link that points back
                // inside it, which the walk accepts): the walk decides and
                // names the link.
                Err(Errno::EXDEV) | Err(Errno::EAGAIN) => {}
                Err(e) => return Err(RootError::from_errno(e)),
            }
        }
        self.walk_resolve(rel).map(|(fd, _)| fd)
    }

    /// The component-by-component resolution: `openat(O_PATH|O_NOFOLLOW)` on
    /// the descriptor of the directory reached so far, each symlink read from
    /// its own descriptor and applied with the root's confinement. Returns
    /// the descriptor and the resolved components.
    fn walk_resolve(&self, rel: &str) -> Result<(OwnedFd, Vec<OsString>), RootError> {
        let mut done: Vec<OsString> = Vec::new();
        let mut fds: Vec<OwnedFd> = Vec::new();
        let mut todo: Vec<OsString> = components(Path::new(&name::to_os(rel)));
        todo.reverse();
        let mut hops = 0;
        while let Some(part) = todo.pop() {
            if part == ".." {
                if done.pop().is_none() {
                    if self.confinement == Confinement::Strict {
                        return Err(RootError::Escapes(name::display_path(rel)));
                    }
                } else {
                    fds.pop();
                }
                continue;
            }
            let here = fds.last().map_or(self.dir.as_fd(), |f| f.as_fd());
            let fd = openat(
                here,
                part.as_os_str(),
                OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(RootError::from_errno)?;
            let st = fstat(&fd).map_err(RootError::from_errno)?;
            match kind_of(&st) {
                SFlag::S_IFDIR => {
                    done.push(part);
                    fds.push(fd);
                }
                SFlag::S_IFLNK => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err(RootError::Loop);
                    }
                    let target = PathBuf::from(readlinkat(&fd, "").map_err(RootError::from_errno)?);
                    if target.is_absolute() {
                        match self.confinement {
                            Confinement::Chroot => {
                                done.clear();
                                fds.clear();
                            }
                            Confinement::Strict => match target.strip_prefix(&self.base) {
                                Ok(inside) => {
                                    done.clear();
                                    fds.clear();
                                    push_front(&mut todo, components(inside));
                                    continue;
                                }
                                Err(_) => return Err(escapes(&target)),
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
                                return Err(escapes(&target));
                            }
                        }
                    }
                    push_front(&mut todo, parts);
                }
                _ if todo.is_empty() => {
                    done.push(part);
                    return Ok((fd, done));
                }
                _ => return Err(RootError::NotFound),
            }
        }
        let fd = match fds.pop() {
            Some(fd) => fd,
            None => self.dir.try_clone().map_err(|e| RootError::from_io(&e))?,
        };
        Ok((fd, done))
    }

    /// Metadata of the file `rel` names (after confined resolution).
    pub fn metadata(&self, rel: &str) -> Result<Metadata, RootError> {
        let fd = self.open_path(rel)?;
        File::from(fd)
            .metadata()
            .map_err(|e| RootError::from_io(&e))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.open_path(rel).is_ok()
    }

    pub fn is_dir(&self, rel: &str) -> bool {
        self.open_path(rel)
            .ok()
            .and_then(|fd| fstat(&fd).ok())
            .is_some_and(|st| kind_of(&st) == SFlag::S_IFDIR)
    }

    /// Reads a regular file, refusing special files and anything over `cap`.
    pub fn read(&self, rel: &str, cap: u64) -> Result<Vec<u8>, RootError> {
        let fd = self.open_path(rel)?;
        self.read_checked(fd, rel, cap)
    }

    /// Reads a text file: binary content (a NUL byte) and invalid UTF-8 are errors.
    pub fn read_text(&self, rel: &str, cap: u64) -> Result<String, RootError> {
        bytes_to_text(self.read(rel, cap)?)
    }

    /// Reads the file `name` directly inside `dir` (a walk's directory),
    /// relative to the directory's descriptor, with no resolution from the
    /// root: its type is checked first (`fstatat`, not following a link),
    /// then it is opened (`O_NOFOLLOW`, `O_NONBLOCK`) and must be the file
    /// that was checked. A symlink there is followed through the root's
    /// confined resolution.
    ///
    /// An entry swapped between the check and the open is refused: for a
    /// symlink the open fails, a FIFO opens without blocking, and either is
    /// then not the file checked. (Reopening an `O_PATH` descriptor through
    /// `/proc/self/fd`, as [`Root::read`] does, closes even that window, at
    /// two more system calls and a procfs lookup per file: a quarter of the
    /// time a large tree's files took to read. What is left of the window is
    /// a device node swapped in by someone allowed to make one: opened, found
    /// not to be the file checked, closed unread.)
    pub fn read_in(&self, dir: &DirHandle, name: &str, cap: u64) -> Result<Vec<u8>, RootError> {
        let os = name::to_os(name);
        let st = fstatat(dir.fd.as_fd(), &*os, AtFlags::AT_SYMLINK_NOFOLLOW)
            .map_err(RootError::from_errno)?;
        match kind_of(&st) {
            SFlag::S_IFREG => {}
            SFlag::S_IFLNK => return self.read(&join_rel(&dir.rel, name), cap),
            kind => return Err(RootError::NotRegular(describe(kind))),
        }
        let size = u64::try_from(st.st_size).unwrap_or(0);
        if size > cap {
            return Err(RootError::TooLarge { size, cap });
        }
        let Some(fd) = open_entry(dir, &os)? else {
            // Swapped for a symlink since the check.
            return self.read(&join_rel(&dir.rel, name), cap);
        };
        let again = fstat(&fd).map_err(RootError::from_errno)?;
        if (again.st_dev, again.st_ino) != (st.st_dev, st.st_ino)
            || kind_of(&again) != SFlag::S_IFREG
        {
            return Err(RootError::Io(
                "the file changed during the scan".to_string(),
            ));
        }
        read_capped(
            File::from(fd),
            u64::try_from(again.st_size).unwrap_or(0),
            cap,
        )
    }

    /// [`Root::read_in`] for an entry its directory's listing gave as a
    /// regular file (`d_type`): that listing was the check, so the file is
    /// opened at once (`O_NOFOLLOW`, `O_NONBLOCK`, no `fstatat` first, one
    /// system call fewer per file) and must still be a regular file. The
    /// window between the check and the open is the listing's instead of
    /// the `fstatat`'s, and what can happen in it the same: a symlink
    /// swapped in is followed through the root's confined resolution, a
    /// FIFO or device node is opened without blocking and closed unread.
    pub fn read_listed_file(
        &self,
        dir: &DirHandle,
        name: &str,
        cap: u64,
    ) -> Result<Vec<u8>, RootError> {
        let Some(fd) = open_entry(dir, &name::to_os(name))? else {
            // Swapped for a symlink since the listing.
            return self.read(&join_rel(&dir.rel, name), cap);
        };
        let st = fstat(&fd).map_err(RootError::from_errno)?;
        if kind_of(&st) != SFlag::S_IFREG {
            return Err(RootError::Io(
                "the file changed during the scan".to_string(),
            ));
        }
        let size = u64::try_from(st.st_size).unwrap_or(0);
        if size > cap {
            return Err(RootError::TooLarge { size, cap });
        }
        read_capped(File::from(fd), size, cap)
    }

    /// Reads what the `O_PATH` descriptor `fd` (reached by `rel`) names: its
    /// type is checked first, then it is reopened for reading and read once.
    fn read_checked(&self, fd: OwnedFd, rel: &str, cap: u64) -> Result<Vec<u8>, RootError> {
        let st = fstat(&fd).map_err(RootError::from_errno)?;
        self.read_stat(fd, &st, rel, cap)
    }

    /// [`Root::read_checked`] with `fd`'s status already taken.
    fn read_stat(
        &self,
        fd: OwnedFd,
        st: &FileStat,
        rel: &str,
        cap: u64,
    ) -> Result<Vec<u8>, RootError> {
        let kind = kind_of(st);
        if kind != SFlag::S_IFREG {
            return Err(RootError::NotRegular(describe(kind)));
        }
        let size = u64::try_from(st.st_size).unwrap_or(0);
        if size > cap {
            return Err(RootError::TooLarge { size, cap });
        }
        let file = self.reopen(&fd, st, rel)?;
        read_capped(file, size, cap)
    }

    /// Opens the regular file behind an `O_PATH` descriptor for reading.
    fn reopen(&self, fd: &OwnedFd, st: &FileStat, rel: &str) -> Result<File, RootError> {
        let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOCTTY | OFlag::O_NONBLOCK;
        if let Some(proc_fd) = proc_self_fd() {
            use std::os::fd::AsRawFd;
            let num = fd.as_raw_fd().to_string();
            match openat(proc_fd, num.as_str(), flags, Mode::empty()) {
                Ok(f) => return Ok(File::from(f)),
                Err(e @ (Errno::EACCES | Errno::EPERM)) => return Err(RootError::from_errno(e)),
                Err(_) => {}
            }
        }
        self.reopen_by_name(st, rel)
    }

    /// Without procfs: opens the same name again on its directory's
    /// descriptor (`O_NOFOLLOW`) and makes sure it is the same file. The
    /// window between the check and this open is the one place a swap could
    /// matter (only to a special file already inside the root).
    fn reopen_by_name(&self, st: &FileStat, rel: &str) -> Result<File, RootError> {
        let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOCTTY | OFlag::O_NONBLOCK;
        let (dir, last) = self.parent_of(rel)?;
        let f = openat(
            dir.as_fd(),
            last.as_os_str(),
            flags | OFlag::O_NOFOLLOW,
            Mode::empty(),
        )
        .map_err(RootError::from_errno)?;
        let again = fstat(&f).map_err(RootError::from_errno)?;
        if (again.st_dev, again.st_ino) != (st.st_dev, st.st_ino) {
            return Err(RootError::Io(
                "the file changed during the scan".to_string(),
            ));
        }
        Ok(File::from(f))
    }

    /// The resolved directory holding the last component of `rel` (the final
    /// symlinks followed), and that component's name.
    fn parent_of(&self, rel: &str) -> Result<(OwnedFd, OsString), RootError> {
        let (_, done) = self.walk_resolve(rel)?;
        let Some((last, parents)) = done.split_last() else {
            return Err(RootError::NotRegular("directory"));
        };
        let parent_rel = name::from_bytes(
            &parents
                .iter()
                .map(|p| p.as_bytes())
                .collect::<Vec<_>>()
                .join(&b'/'),
        );
        Ok((self.open_path(&parent_rel)?, last.clone()))
    }

    /// The target of the symlink `rel`, as text; the link is not followed.
    pub fn read_link(&self, rel: &str) -> Result<String, RootError> {
        let path = Path::new(rel);
        let last = path.file_name().ok_or(RootError::NotFound)?;
        let parent = path
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = self.open_path(&parent)?;
        readlinkat(&dir, &*name::to_os(&last.to_string_lossy()))
            .map(|t| name::from_os(&t))
            .map_err(RootError::from_errno)
    }

    /// Opens directory `rel` (symlinks followed inside the root) for walking.
    pub fn open_dir(&self, rel: &str) -> Result<DirHandle, RootError> {
        let fd = self.open_path(rel)?;
        let st = fstat(&fd).map_err(RootError::from_errno)?;
        if kind_of(&st) != SFlag::S_IFDIR {
            return Err(RootError::NotFound);
        }
        let fd = openat(
            &fd,
            ".",
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(RootError::from_errno)?;
        Ok(DirHandle {
            fd,
            rel: rel.trim_matches('/').to_string(),
            listed: AtomicBool::new(false),
        })
    }

    /// Opens the directory `name` inside `parent` through the parent's
    /// descriptor. A symlink (or anything not a directory) there is refused:
    /// a directory swapped for a link while a walk runs leads nowhere.
    pub fn open_subdir(&self, parent: &DirHandle, name: &str) -> Result<DirHandle, RootError> {
        let fd = openat(
            parent.fd.as_fd(),
            &*name::to_os(name),
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(RootError::from_errno)?;
        Ok(DirHandle {
            fd,
            rel: join_rel(&parent.rel, name),
            listed: AtomicBool::new(false),
        })
    }

    /// The entries of an open directory, sorted by name (bytes). The first
    /// listing reads the handle's own descriptor, just opened and never read
    /// (a walk lists each directory once); a later one reads a descriptor of
    /// its own (`.` opened on the handle's), since the first left the read
    /// position at the end. `getdents64` straight into a buffer: no `DIR`
    /// stream, whose `fdopendir` costs a `fstat` and two `fcntl` calls per
    /// directory (a sixth of a large tree's system calls).
    pub fn list(&self, dir: &DirHandle) -> Result<Vec<Entry>, RootError> {
        let again;
        let fd = if dir.listed.swap(true, Ordering::Relaxed) {
            again = openat(
                dir.fd.as_fd(),
                ".",
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(RootError::from_errno)?;
            again.as_fd()
        } else {
            dir.fd.as_fd()
        };
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 16 * 1024];
        let mut entries = rustix::fs::RawDir::new(fd, &mut buf);
        // Each entry with its raw name when its text differs (bytes that
        // are not UTF-8, carried): entries sort by their raw names.
        let mut out: Vec<(Option<Box<[u8]>>, Entry)> = Vec::new();
        while let Some(entry) = entries.next() {
            let entry =
                entry.map_err(|e| RootError::from_errno(Errno::from_raw(e.raw_os_error())))?;
            let raw = entry.file_name().to_bytes();
            if raw == b"." || raw == b".." {
                continue;
            }
            use rustix::fs::FileType;
            let kind = match entry.file_type() {
                FileType::Directory => SFlag::S_IFDIR,
                FileType::Symlink => SFlag::S_IFLNK,
                FileType::RegularFile => SFlag::S_IFREG,
                FileType::Fifo => SFlag::S_IFIFO,
                FileType::Socket => SFlag::S_IFSOCK,
                FileType::CharacterDevice => SFlag::S_IFCHR,
                FileType::BlockDevice => SFlag::S_IFBLK,
                // File systems that do not fill in the type.
                FileType::Unknown => nix::sys::stat::fstatat(
                    dir.fd.as_fd(),
                    OsStr::from_bytes(raw),
                    nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
                )
                .map_or(SFlag::empty(), |st| kind_of(&st)),
            };
            let name = name::from_bytes(raw);
            out.push((
                (name.as_bytes() != raw).then(|| raw.into()),
                Entry {
                    name,
                    is_dir: kind == SFlag::S_IFDIR,
                    is_symlink: kind == SFlag::S_IFLNK,
                    is_file: kind == SFlag::S_IFREG,
                },
            ));
        }
        fn raw(e: &(Option<Box<[u8]>>, Entry)) -> &[u8] {
            e.0.as_deref().unwrap_or(e.1.name.as_bytes())
        }
        out.sort_by(|a, b| raw(a).cmp(raw(b)));
        Ok(out.into_iter().map(|(_, e)| e).collect())
    }

    /// The entries of directory `rel`, sorted by name.
    pub fn read_dir(&self, rel: &str) -> Result<Vec<Entry>, RootError> {
        let dir = self.open_dir(rel)?;
        self.list(&dir)
    }

    /// The symlinks directly inside directory `rel` with their targets (as
    /// text, not followed), resolving the directory once: how `/proc/PID/fd`
    /// is read.
    pub fn dir_links(&self, rel: &str) -> Result<Vec<(String, String)>, RootError> {
        let dir = self.open_dir(rel)?;
        let mut out = Vec::new();
        for e in self.list(&dir)? {
            if let Ok(target) = readlinkat(&dir.fd, &*name::to_os(&e.name)) {
                out.push((e.name, name::from_os(&target)));
            }
        }
        Ok(out)
    }
}

fn escapes(target: &Path) -> RootError {
    RootError::Escapes(name::display_path(&name::from_os(target.as_os_str())))
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
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

/// One read sized from the file's length (plus one byte, to see a file that
/// grew): a regular file whose read comes back short once its length is
/// reached is at its end, so no second read to see zero bytes. Files that
/// report no length (`/proc`) are read until a read returns nothing. Never
/// past `cap`.
fn read_capped(mut file: File, size: u64, cap: u64) -> Result<Vec<u8>, RootError> {
    let limit = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
    let want = if size > 0 {
        usize::try_from(size + 1).unwrap_or(usize::MAX)
    } else {
        4096
    };
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let mut buf = vec![0u8; want.min(limit)];
    let mut len = 0;
    loop {
        if len == buf.len() {
            if len >= limit {
                break;
            }
            let grown = len.saturating_mul(2).max(4096).min(limit);
            buf.resize(grown, 0);
        }
        let asked = buf.len() - len;
        let n = match file.read(&mut buf[len..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(RootError::from_io(&e)),
        };
        if n == 0 {
            break;
        }
        len += n;
        if size > 0 && n < asked && len >= size {
            break;
        }
    }
    buf.truncate(len);
    if len as u64 > cap {
        // /proc files report size 0 and can still be large.
        return Err(RootError::TooLarge {
            size: len as u64,
            cap,
        });
    }
    Ok(buf)
}

/// Text from bytes: a NUL byte in the first 8 KiB means binary.
pub fn bytes_to_text(bytes: Vec<u8>) -> Result<String, RootError> {
    // One memchr over the first 8 KiB.
    if bytes[..bytes.len().min(8192)].contains(&0) {
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
    use std::fs;
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

    #[test]
    fn walk_resolution_matches_openat2() {
        // The fallback walk, called directly, gives the same answers.
        let d = tree();
        for conf in [Confinement::Chroot, Confinement::Strict] {
            let r = Root::open(d.path(), conf).unwrap();
            for rel in [
                "etc/ssh/sshd_config",
                "/etc/abs-link",
                "etc/rel-link",
                "etc/escape",
                "etc/loop-a",
                "missing",
                "etc/ssh/sshd_config/x",
                "etc/../etc/ssh/../ssh/sshd_config",
                "",
            ] {
                let fast = r.open_path(rel).map(|fd| fstat(&fd).unwrap().st_ino);
                let walk = r
                    .walk_resolve(rel)
                    .map(|(fd, _)| fstat(&fd).unwrap().st_ino);
                assert_eq!(
                    fast.is_ok(),
                    walk.is_ok(),
                    "{conf:?} {rel}: {fast:?} vs {walk:?}"
                );
                if let (Ok(a), Ok(b)) = (&fast, &walk) {
                    assert_eq!(a, b, "{conf:?} {rel}");
                }
            }
        }
    }

    #[test]
    fn absolute_link_back_inside_a_tree_is_followed() {
        let d = tree();
        let base = fs::canonicalize(d.path()).unwrap();
        symlink(base.join("usr/share/real"), d.path().join("etc/inside")).unwrap();
        let r = Root::open(d.path(), Confinement::Strict).unwrap();
        assert_eq!(r.read_text("etc/inside", 100).unwrap(), "real\n");
    }

    #[test]
    fn devices_are_never_opened() {
        let d = tree();
        // A device node needs root; a symlink to one is refused all the same.
        symlink("/dev/zero", d.path().join("zero")).unwrap();
        let host = Root::open(Path::new("/"), Confinement::Chroot).unwrap();
        assert_eq!(
            host.read("dev/zero", 100),
            Err(RootError::NotRegular("device"))
        );
        assert_eq!(
            host.read("dev/null", 100),
            Err(RootError::NotRegular("device"))
        );
        let tree = Root::open(d.path(), Confinement::Strict).unwrap();
        assert!(matches!(tree.read("zero", 100), Err(RootError::Escapes(_))));
        let chroot = Root::open(d.path(), Confinement::Chroot).unwrap();
        assert_eq!(chroot.read("zero", 100), Err(RootError::NotFound));
    }

    #[test]
    fn non_utf8_names_are_read() {
        use std::os::unix::ffi::OsStrExt;
        let d = tempfile::tempdir().unwrap();
        let dir = d
            .path()
            .join(std::ffi::OsStr::from_bytes(b"bad\xff\xfedir"));
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join(".env"), "A=1\n").unwrap();
        let r = Root::open(d.path(), Confinement::Strict).unwrap();
        let entries = r.read_dir("").unwrap();
        assert_eq!(entries.len(), 1);
        let rel = format!("{}/.env", entries[0].name);
        assert_eq!(r.read_text(&rel, 100).unwrap(), "A=1\n");
        assert_eq!(name::display_path(&rel), "bad\\xff\\xfedir/.env");
        let top = r.open_dir("").unwrap();
        let sub = r.open_subdir(&top, &entries[0].name).unwrap();
        assert_eq!(r.read_in(&sub, ".env", 100).unwrap(), b"A=1\n");
    }

    /// A handle's first listing reads its own descriptor; later ones read
    /// one of their own, so they see every entry again (many of them: more
    /// than one `getdents64` buffer), in name order, with their types.
    #[test]
    fn a_directory_lists_the_same_every_time() {
        let d = tree();
        let many = d.path().join("many");
        fs::create_dir(&many).unwrap();
        for i in 0..700 {
            fs::write(
                many.join(format!("file-with-a-long-name-{i:04}.env")),
                "A=1\n",
            )
            .unwrap();
        }
        fs::create_dir(many.join("sub")).unwrap();
        symlink("sub", many.join("link")).unwrap();
        let r = Root::open(d.path(), Confinement::Strict).unwrap();
        let top = r.open_dir("").unwrap();
        let dir = r.open_subdir(&top, "many").unwrap();
        let first = r.list(&dir).unwrap();
        let again = r.list(&dir).unwrap();
        assert_eq!(first.len(), 702);
        let names = |e: &[Entry]| e.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&first), names(&again));
        assert!(names(&first).is_sorted());
        let kind = |n: &str| {
            let e = first.iter().find(|e| e.name == n).unwrap();
            (e.is_file, e.is_dir, e.is_symlink)
        };
        assert_eq!(kind("file-with-a-long-name-0000.env"), (true, false, false));
        assert_eq!(kind("sub"), (false, true, false));
        assert_eq!(kind("link"), (false, false, true));
    }

    #[test]
    fn walk_refuses_a_directory_swapped_for_a_link() {
        let d = tree();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join(".env"), "X=1\n").unwrap();
        let r = Root::open(d.path(), Confinement::Strict).unwrap();
        let top = r.open_dir("").unwrap();
        fs::rename(d.path().join("usr"), d.path().join("usr-old")).unwrap();
        symlink(outside.path(), d.path().join("usr")).unwrap();
        assert!(r.open_subdir(&top, "usr").is_err());
        assert!(matches!(
            r.read("usr/.env", 100),
            Err(RootError::Escapes(_))
        ));
    }

    #[test]
    fn reopen_without_procfs() {
        let d = tree();
        let r = Root::open(d.path(), Confinement::Chroot).unwrap();
        for rel in ["etc/ssh/sshd_config", "/etc/abs-link", "etc/rel-link"] {
            let st = fstat(r.open_path(rel).unwrap()).unwrap();
            let mut f = r.reopen_by_name(&st, rel).unwrap();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            assert!(text == "Port 22\n" || text == "real\n", "{rel}");
        }
        // Swapped between the check and the open: refused.
        let st = fstat(r.open_path("etc/ssh/sshd_config").unwrap()).unwrap();
        fs::rename(
            d.path().join("usr/share/real"),
            d.path().join("etc/ssh/sshd_config"),
        )
        .unwrap();
        assert!(r.reopen_by_name(&st, "etc/ssh/sshd_config").is_err());
    }

    #[test]
    fn reads_follow_the_file_not_its_reported_length() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        fs::write(&p, b"0123456789").unwrap();
        let read = |size, cap| read_capped(File::open(&p).unwrap(), size, cap);
        // As reported, grown since (reported shorter), shrunk since (longer).
        assert_eq!(read(10, 100).unwrap(), b"0123456789");
        assert_eq!(read(4, 100).unwrap(), b"0123456789");
        assert_eq!(read(20, 100).unwrap(), b"0123456789");
        // Grown past the cap: refused with what was seen.
        assert_eq!(read(4, 6), Err(RootError::TooLarge { size: 7, cap: 6 }));
        assert_eq!(read(10, 10).unwrap(), b"0123456789");
        fs::write(&p, b"").unwrap();
        assert_eq!(read(0, 100).unwrap(), b"");
        // Through a walk's directory: the same bytes as through the root.
        fs::write(&p, b"abc\n").unwrap();
        let r = Root::open(d.path(), Confinement::Strict).unwrap();
        let top = r.open_dir("").unwrap();
        assert_eq!(
            r.read_in(&top, "f", 100).unwrap(),
            r.read("f", 100).unwrap()
        );
        assert_eq!(
            r.read_in(&top, "f", 2),
            Err(RootError::TooLarge { size: 4, cap: 2 })
        );
        assert_eq!(r.list(&top).unwrap().len(), 1);
        assert_eq!(
            r.list(&top).unwrap().len(),
            1,
            "a second listing sees the same"
        );
    }

    /// A file the listing gave as regular is opened at once: read as
    /// `read_in` reads it, and swapped since the listing, a FIFO is closed
    /// unread (without blocking), a symlink followed only inside the root.
    #[test]
    fn listed_files_are_read_as_checked_ones() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), "outside\n").unwrap();
        fs::write(d.path().join("f"), "abc\n").unwrap();
        fs::write(d.path().join("g"), "inside\n").unwrap();
        let r = Root::open(d.path(), Confinement::Strict).unwrap();
        let top = r.open_dir("").unwrap();
        assert!(r.list(&top).unwrap().iter().all(|e| e.is_file));
        assert_eq!(r.read_listed_file(&top, "f", 100).unwrap(), b"abc\n");
        assert_eq!(
            r.read_listed_file(&top, "f", 2),
            Err(RootError::TooLarge { size: 4, cap: 2 })
        );
        // Swapped after the listing.
        fs::remove_file(d.path().join("f")).unwrap();
        assert_eq!(r.read_listed_file(&top, "f", 100), Err(RootError::NotFound));
        nix::unistd::mkfifo(&d.path().join("f"), nix::sys::stat::Mode::S_IRUSR).unwrap();
        assert!(matches!(
            r.read_listed_file(&top, "f", 100),
            Err(RootError::Io(m)) if m.contains("changed")
        ));
        fs::remove_file(d.path().join("f")).unwrap();
        std::os::unix::fs::symlink("g", d.path().join("f")).unwrap();
        assert_eq!(r.read_listed_file(&top, "f", 100).unwrap(), b"inside\n");
        fs::remove_file(d.path().join("f")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), d.path().join("f")).unwrap();
        assert!(r.read_listed_file(&top, "f", 100).is_err());
    }

    #[test]
    fn sized_reads_and_proc_files() {
        let host = Root::open(Path::new("/"), Confinement::Chroot).unwrap();
        // /proc files report no length and are still read whole.
        let text = host.read_text("proc/self/status", 1 << 20).unwrap();
        assert!(text.contains("Name:"));
        assert!(matches!(
            host.read("proc/self/status", 10),
            Err(RootError::TooLarge { .. })
        ));
        // A magic link is not followed.
        assert!(host.read("proc/self/fd/0", 100).is_err());
    }
}
