//! Backups of a host or offline root, understood from files only: every
//! cron job and every enabled systemd timer (its service's `ExecStart*`), and
//! the scripts they run when those lie inside the root — read as text,
//! bounded, never executed — are searched for the commands of the usual
//! backup tools: restic (repository from `-r`/`--repo`,
//! `--repository-file`, `RESTIC_REPOSITORY` in the job's environment, its
//! env files or the script), borg (`REPO::ARCHIVE`, `--repo`, `BORG_REPO`),
//! borgmatic (its YAML configs), duplicity, rsnapshot (`rsnapshot.conf`),
//! rclone (remotes from `rclone.conf`: only section names, `type` and a
//! crypt's `remote` are kept — never a secret), rsync/scp, tar (to a file,
//! a `host:` file, or piped to ssh), couchbackup, velero, `aws s3`, and the
//! same tools run through `docker run` with their volumes mapped back to the
//! host. Each command keeps its sources, destinations (local ones located on
//! their filesystem and device, remote ones classified), whether the copy is
//! encrypted by the client, and the files on the host that show when a
//! backup last completed (restic `snapshots/`, borg repository files,
//! rsnapshot `*.0`, the destination directory, the job's log). What cannot
//! be read (a script outside the root, a timer's missing service) is kept
//! as `Unresolved`, naming it. Finds and describes; never judges.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::UNIX_EPOCH;

use crate::facts::blockdev::{Located, Storage};
use crate::facts::cron::{Cron, Period};
use crate::facts::shell::{self, Command};
use crate::facts::system::{SYSTEM_FILE_CAP, join, parent, read_error};
use crate::facts::systemd::{Systemd, UnitKind};
use crate::facts::yaml::{self, Node};
use crate::facts::{Fact, Facts, compose};
use crate::target::{Root, RootError, Source};

/// Largest script read.
pub const SCRIPT_CAP: u64 = 256 * 1024;
/// Most scripts and configs read per host (a budget).
pub const MAX_FILES: usize = 96;
/// How deep scripts calling scripts are followed.
pub const MAX_DEPTH: usize = 4;
/// Most directory entries looked at for the newest file of a destination.
const MAX_ENTRIES: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tool {
    Restic,
    Borg,
    Borgmatic,
    Duplicity,
    Rsnapshot,
    Rclone,
    Rsync,
    Scp,
    Tar,
    Couchbackup,
    Velero,
    AwsS3,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Restic => "restic",
            Tool::Borg => "borg",
            Tool::Borgmatic => "borgmatic",
            Tool::Duplicity => "duplicity",
            Tool::Rsnapshot => "rsnapshot",
            Tool::Rclone => "rclone",
            Tool::Rsync => "rsync",
            Tool::Scp => "scp",
            Tool::Tar => "tar",
            Tool::Couchbackup => "couchbackup",
            Tool::Velero => "velero",
            Tool::AwsS3 => "aws s3",
        }
    }

    /// The tool a program name (or container image name) is.
    pub fn of(program: &str) -> Option<Tool> {
        let base = program.rsplit('/').next().unwrap_or(program);
        Some(match base {
            "restic" => Tool::Restic,
            "borg" | "borgbackup" => Tool::Borg,
            "borgmatic" => Tool::Borgmatic,
            "duplicity" => Tool::Duplicity,
            "rsnapshot" => Tool::Rsnapshot,
            "rclone" => Tool::Rclone,
            "rsync" => Tool::Rsync,
            "scp" => Tool::Scp,
            "tar" | "gtar" | "bsdtar" => Tool::Tar,
            "couchbackup" => Tool::Couchbackup,
            "velero" => Tool::Velero,
            _ => return None,
        })
    }

    /// The tool a container image runs (`restic/restic:0.16`, `ghcr.io/borgmatic-collective/borgmatic`).
    pub fn of_image(image: &str) -> Option<Tool> {
        let name = compose::image_name(image).to_ascii_lowercase();
        Tool::of(&name).or(match name.as_str() {
            "rsync-ssh" | "rsyncd" => Some(Tool::Rsync),
            "duplicity-backup" => Some(Tool::Duplicity),
            _ if name.contains("couchbackup") => Some(Tool::Couchbackup),
            _ if name.contains("restic") => Some(Tool::Restic),
            _ if name.contains("borgmatic") => Some(Tool::Borgmatic),
            _ if name.contains("duplicity") => Some(Tool::Duplicity),
            _ if name.contains("rclone") => Some(Tool::Rclone),
            _ => None,
        })
    }
}

/// What kind of place off the host a remote destination is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RemoteClass {
    /// ssh, sftp, scp, rsync over ssh, borg over ssh.
    Ssh,
    /// S3, B2, GCS, Azure Blob, Swift.
    ObjectStorage,
    /// A restic REST server, an rsync daemon.
    Server,
    /// SMB, NFS, WebDAV, FTP.
    Share,
    /// Consumer cloud drives (Google Drive, OneDrive, Dropbox, ...).
    CloudDrive,
    /// Something else off the host (an unknown rclone backend, velero's
    /// storage location).
    Other,
}

impl RemoteClass {
    pub fn describe(self) -> &'static str {
        match self {
            RemoteClass::Ssh => "ssh/sftp",
            RemoteClass::ObjectStorage => "object storage",
            RemoteClass::Server => "backup server",
            RemoteClass::Share => "network share",
            RemoteClass::CloudDrive => "cloud drive",
            RemoteClass::Other => "remote",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A path on this host (maybe a network filesystem mounted here).
    Local {
        path: String,
        located: Option<Located>,
    },
    Remote {
        class: RemoteClass,
        /// The host, bucket or remote name (never credentials).
        host: String,
    },
    Unknown(String),
}

/// Network filesystems: a local path on one of them is off the host.
pub const NETWORK_FS: [&str; 12] = [
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "fuse.sshfs",
    "sshfs",
    "fuse.rclone",
    "ceph",
    "glusterfs",
    "fuse.s3fs",
    "davfs",
];

impl Place {
    /// Whether the copy ends up off this host.
    pub fn off_host(&self) -> Option<bool> {
        match self {
            Place::Remote { .. } => Some(true),
            Place::Local { located, .. } => Some(located.as_ref().is_some_and(|l| {
                l.mount
                    .as_ref()
                    .is_some_and(|m| NETWORK_FS.contains(&m.fstype.as_str()))
            })),
            Place::Unknown(_) => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dest {
    /// As shown in reports: credentials (`user:pass@`) removed.
    pub shown: String,
    pub place: Place,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Encryption {
    /// The tool encrypts before the data leaves (how).
    ClientSide(String),
    /// It does not (why).
    None(String),
    Unknown(String),
}

/// A file whose modification time shows a backup happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub what: String,
    /// Absolute path inside the root.
    pub path: String,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
}

impl Evidence {
    pub fn days(&self) -> i64 {
        self.mtime.div_euclid(86_400)
    }
}

/// One backup command found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupCmd {
    pub tool: Tool,
    /// Absolute paths backed up (trailing `/` and globs removed).
    pub sources: Vec<String>,
    /// Sources that could not be resolved (`$VAR` unset, a list file unread).
    pub unknown_sources: Vec<String>,
    /// A logical backup of CouchDB itself (couchbackup), or of a whole
    /// cluster with its volumes (velero).
    pub whole_couchdb: bool,
    pub dests: Vec<Dest>,
    pub encryption: Encryption,
    /// Where the command is written (a crontab, a unit, a script, a config).
    pub path: String,
    pub line: u32,
    pub evidence: Vec<Evidence>,
}

/// How a job is scheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Cron {
        path: String,
        line: u32,
        schedule: String,
        period: Option<Period>,
    },
    Timer {
        timer: String,
        /// The timer's unit file.
        path: String,
        service: String,
        period: Option<Period>,
    },
}

impl Via {
    pub fn describe(&self) -> String {
        match self {
            Via::Cron {
                path,
                line,
                schedule,
                ..
            } => format!("cron /{path}:{line} ({schedule})"),
            Via::Timer { timer, service, .. } => format!("timer {timer} → {service}"),
        }
    }

    pub fn at(&self) -> (&str, u32) {
        match self {
            Via::Cron { path, line, .. } => (path, *line),
            Via::Timer { path, .. } => (path, 1),
        }
    }
}

/// Something a job runs that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// The script, service or config named.
    pub what: String,
    pub why: String,
    /// Where it is named.
    pub path: String,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub via: Via,
    pub commands: Vec<BackupCmd>,
    pub unresolved: Vec<Unresolved>,
    /// Scripts read for this job, root-relative.
    pub scripts: Vec<String>,
}

/// Every backup job of a host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostBackups {
    /// Jobs with at least one backup command or something unresolved.
    pub jobs: Vec<Job>,
    /// Cron and systemd files and directories that could not be read.
    pub unreadable: Vec<(String, String)>,
    /// Set when the file budget ran out: some scripts were not read.
    pub budget_exceeded: Option<String>,
}

impl HostBackups {
    pub fn commands(&self) -> impl Iterator<Item = (&Job, &BackupCmd)> {
        self.jobs
            .iter()
            .flat_map(|j| j.commands.iter().map(move |c| (j, c)))
    }

    pub fn unresolved(&self) -> impl Iterator<Item = (&Job, &Unresolved)> {
        self.jobs
            .iter()
            .flat_map(|j| j.unresolved.iter().map(move |u| (j, u)))
    }
}

/// Whether `path` is `dir` or inside it (both absolute, normalised).
pub fn is_under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    dir.is_empty() || path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// Whether a backup of `source` copies (some of) `data`: the source is the
/// data directory, a parent of it, or inside it.
pub fn covers(source: &str, data: &str) -> bool {
    is_under(data, source) || is_under(source, data)
}

/// A source path as a backup sees it: trailing `/`, `/.` and glob tails
/// removed; `None` when it is not an absolute path.
fn normalize_source(s: &str, cwd: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.contains("$(") || s.contains('`') {
        return None;
    }
    let abs = if s.starts_with('/') {
        s.to_string()
    } else if cwd.starts_with('/') {
        format!(
            "{}/{}",
            cwd.trim_end_matches('/'),
            s.trim_start_matches("./")
        )
    } else {
        return None;
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in abs.split('/') {
        if seg.contains(['*', '?', '[']) {
            break;
        }
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Removes `user:password@` from a URL-ish string.
pub fn strip_credentials(s: &str) -> String {
    let (scheme, rest) = match s.find("://") {
        Some(i) => (&s[..i + 3], &s[i + 3..]),
        // `user@host:path` names no password.
        None => return s.to_string(),
    };
    match rest.find('@') {
        Some(at) if rest[..at].contains(':') && !rest[..at].contains('/') => {
            format!("{scheme}{}", &rest[at + 1..])
        }
        _ => s.to_string(),
    }
}

/// `[user@]host:path` (scp/rsync/borg style), not a local path or a URL.
fn ssh_host(s: &str) -> Option<String> {
    if s.starts_with(['/', '.', '~']) || s.contains("://") {
        return None;
    }
    let (host, _) = s.split_once(':')?;
    if host.is_empty() || host.contains('/') {
        return None;
    }
    let host = host.rsplit('@').next().unwrap_or(host);
    Some(host.trim_matches(['[', ']']).to_string())
}

fn url_host(rest: &str) -> String {
    let rest = strip_credentials(rest);
    let after = rest.split_once("://").map_or(rest.as_str(), |(_, r)| r);
    let host = after.split(['/', '?']).next().unwrap_or(after);
    host.rsplit('@').next().unwrap_or(host).to_string()
}

/// The place of a URL-style destination (duplicity, restic, rclone backends).
fn url_place(url: &str) -> Option<Place> {
    let lower = url.to_ascii_lowercase();
    let scheme = lower.split("://").next()?;
    if !lower.contains("://") {
        return None;
    }
    let class = match scheme
        .trim_start_matches("boto3+")
        .trim_start_matches("pexpect+")
        .trim_start_matches("paramiko+")
    {
        "file" => {
            let path = &url[url.find("://").map_or(0, |i| i + 3)..];
            let path = if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            };
            return Some(Place::Local {
                path,
                located: None,
            });
        }
        "sftp" | "scp" | "ssh" | "rsync" => RemoteClass::Ssh,
        "s3" | "s3+http" | "b2" | "gs" | "gcs" | "azure" | "swift" | "cf+http" | "onedrive" => {
            if scheme == "onedrive" {
                RemoteClass::CloudDrive
            } else {
                RemoteClass::ObjectStorage
            }
        }
        "webdav" | "webdavs" | "ftp" | "ftps" | "smb" | "cifs" | "nfs" => RemoteClass::Share,
        "gdocs" | "pydrive" | "gdrive" | "dropbox" | "mega" | "box" => RemoteClass::CloudDrive,
        "rest" | "http" | "https" => RemoteClass::Server,
        _ => RemoteClass::Other,
    };
    Some(Place::Remote {
        class,
        host: url_host(url),
    })
}

/// What `rclone.conf` says about one remote: its backend type and, for
/// wrappers (crypt, alias, chunker, compress, hasher), what it wraps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RcloneRemote {
    pub kind: String,
    pub wraps: Option<String>,
    pub line: u32,
}

/// Reads only section names, `type` and `remote` from an rclone.conf: no
/// other value (tokens, passwords) is kept.
pub fn parse_rclone_conf(text: &str) -> BTreeMap<String, RcloneRemote> {
    let mut out: BTreeMap<String, RcloneRemote> = BTreeMap::new();
    let mut section: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.to_string());
            out.insert(
                name.to_string(),
                RcloneRemote {
                    kind: String::new(),
                    wraps: None,
                    line: i as u32 + 1,
                },
            );
            continue;
        }
        let (Some(sec), Some((k, v))) = (&section, line.split_once('=')) else {
            continue;
        };
        let entry = out.get_mut(sec).expect("inserted with its section");
        match k.trim() {
            "type" => entry.kind = v.trim().to_string(),
            "remote" => entry.wraps = Some(v.trim().to_string()),
            _ => {}
        }
    }
    out
}

fn rclone_class(kind: &str) -> Option<RemoteClass> {
    Some(match kind {
        "sftp" => RemoteClass::Ssh,
        "s3"
        | "b2"
        | "google cloud storage"
        | "gcs"
        | "azureblob"
        | "swift"
        | "oos"
        | "qingstor"
        | "storj"
        | "sia" => RemoteClass::ObjectStorage,
        "smb" | "webdav" | "ftp" | "http" => RemoteClass::Share,
        "drive" | "dropbox" | "onedrive" | "box" | "pcloud" | "mega" | "jottacloud" | "yandex"
        | "koofr" | "protondrive" | "putio" | "seafile" => RemoteClass::CloudDrive,
        "local" => return None,
        _ => RemoteClass::Other,
    })
}

/// Where a job's commands run: its environment and working directory.
#[derive(Clone, Debug, Default)]
struct Env {
    vars: BTreeMap<String, String>,
    cwd: String,
    user: String,
}

/// A producer whose output is piped on (tar to stdout, couchbackup).
#[derive(Clone, Debug)]
struct Pending {
    cmd: BackupCmd,
    encrypted_by: Option<String>,
}

struct Reader<'a> {
    root: &'a Root,
    storage: &'a Storage,
    files: usize,
    budget_exceeded: bool,
    rclone: BTreeMap<String, Option<BTreeMap<String, RcloneRemote>>>,
    /// Program lookups in the PATH directories, answered once each.
    lookups: Lookups,
    /// Files already read (a script run by several jobs is read once; each
    /// read still counts against the budget), by path and cap.
    texts: HashMap<(String, u64), Result<String, RootError>>,
    /// Metadata already asked for (destinations and scripts named by many
    /// jobs).
    metadata: RefCell<HashMap<String, Result<std::fs::Metadata, RootError>>>,
}

/// Whether a program is in a PATH directory, asked of the root once per
/// name; a directory asked about often is listed once instead (most
/// lookups are misses, and a miss in the listing needs no syscall).
#[derive(Default)]
struct Lookups {
    found: HashMap<String, bool>,
    probes: HashMap<&'static str, usize>,
    /// The names in a listed directory (`None`: it could not be listed).
    listed: HashMap<&'static str, Option<HashSet<String>>>,
}

/// Lookups in one directory before it is listed instead.
const PROBES_BEFORE_LISTING: usize = 16;

impl Lookups {
    fn exists(&mut self, root: &Root, dir: &'static str, program: &str) -> bool {
        let rel = join(dir, program);
        if let Some(&known) = self.found.get(&rel) {
            return known;
        }
        // A listing names `program` exactly when it is one plain component
        // that reads back unchanged.
        let plain = !matches!(program, "" | "." | "..")
            && !program.contains('/')
            && crate::target::name::from_bytes(program.as_bytes()) == program;
        let probes = self.probes.entry(dir).or_default();
        *probes += 1;
        let known = if plain && *probes > PROBES_BEFORE_LISTING {
            let names = self
                .listed
                .entry(dir)
                .or_insert_with(|| match root.read_dir(dir) {
                    Ok(es) => Some(es.into_iter().map(|e| e.name).collect()),
                    // No such directory: nothing is in it.
                    Err(RootError::NotFound) => Some(HashSet::new()),
                    Err(_) => None,
                });
            match names {
                Some(names) if !names.contains(program) => false,
                _ => root.exists(&rel),
            }
        } else {
            root.exists(&rel)
        };
        self.found.insert(rel, known);
        known
    }
}

/// Programs that only wrap the command after them: (name, options that take a value).
const WRAPPERS: [(&str, &[&str]); 11] = [
    (
        "sudo",
        &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"],
    ),
    ("nice", &["-n", "--adjustment"]),
    ("ionice", &["-c", "-n", "-p", "--class", "--classdata"]),
    ("flock", &["-w", "--timeout", "-E", "--conflict-exit-code"]),
    ("timeout", &["-s", "--signal", "-k", "--kill-after"]),
    ("nohup", &[]),
    ("chronic", &[]),
    ("systemd-cat", &["-t", "-p", "--identifier", "--priority"]),
    ("env", &["-u", "--unset", "-C", "--chdir"]),
    ("runuser", &["-u", "-g", "-G"]),
    ("setsid", &[]),
];

/// Directories where scripts an administrator writes live: a bare command
/// name is looked up there (distribution binaries are not read).
const ADMIN_PATH: [&str; 4] = ["usr/local/sbin", "usr/local/bin", "root/bin", "opt/bin"];
/// Distribution program directories: a missing program there is not a
/// missing backup script.
const SYSTEM_DIRS: [&str; 7] = [
    "/usr/bin/",
    "/bin/",
    "/usr/sbin/",
    "/sbin/",
    "/usr/lib/",
    "/usr/libexec/",
    "/lib/",
];

fn backupish(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "backup", "bak", "dump", "snapshot", "archive", "restic", "borg", "dupl", "rclone",
        "rsync", "sync",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// Splits arguments into options (with their values) and positionals.
/// `with_value` lists the options that take the next word; `--opt=value`
/// always carries its value.
fn split_args<'w>(
    args: &'w [String],
    with_value: &[&str],
) -> (Vec<(&'w str, Option<&'w str>)>, Vec<&'w str>) {
    let mut opts = Vec::new();
    let mut pos = Vec::new();
    let mut i = 0;
    let mut only_pos = false;
    while i < args.len() {
        let a = args[i].as_str();
        if only_pos || a == "-" || !a.starts_with('-') {
            pos.push(a);
        } else if a == "--" {
            only_pos = true;
        } else if let Some((k, v)) = a.split_once('=').filter(|_| a.starts_with("--")) {
            opts.push((k, Some(v)));
        } else if with_value.contains(&a) {
            opts.push((a, args.get(i + 1).map(String::as_str)));
            i += 1;
        } else {
            opts.push((a, None));
        }
        i += 1;
    }
    (opts, pos)
}

fn opt<'w>(opts: &[(&'w str, Option<&'w str>)], names: &[&str]) -> Option<&'w str> {
    opts.iter()
        .rev()
        .find(|(k, _)| names.contains(k))
        .and_then(|(_, v)| *v)
}

fn has(opts: &[(&str, Option<&str>)], names: &[&str]) -> bool {
    opts.iter().any(|(k, _)| names.contains(k))
}

impl<'a> Reader<'a> {
    fn local(&self, path: &str) -> Place {
        let located = self.storage.locate(path);
        Place::Local {
            path: path.to_string(),
            located: Some(located),
        }
    }

    fn take_file(&mut self) -> bool {
        if self.files >= MAX_FILES {
            self.budget_exceeded = true;
            return false;
        }
        self.files += 1;
        true
    }

    fn read_text(&mut self, rel: &str, cap: u64) -> Result<String, RootError> {
        if !self.take_file() {
            return Err(RootError::Io(format!(
                "not read: the budget of {MAX_FILES} scripts and configs per host is spent"
            )));
        }
        let root = self.root;
        self.texts
            .entry((rel.to_string(), cap))
            .or_insert_with(|| root.read_text(rel, cap))
            .clone()
    }

    /// `Root::metadata`, asked once per path.
    fn metadata(&self, path: &str) -> Result<std::fs::Metadata, RootError> {
        self.metadata
            .borrow_mut()
            .entry(path.to_string())
            .or_insert_with(|| self.root.metadata(path))
            .clone()
    }

    fn mtime(&self, path: &str) -> Option<i64> {
        let m = self.metadata(path).ok()?;
        let t = m.modified().ok()?;
        Some(t.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64)
    }

    /// The newest modification time directly in `dir` (or of `dir`).
    fn newest_in(&self, dir: &str) -> Option<(String, i64)> {
        let mut best = self.mtime(dir).map(|t| (dir.to_string(), t));
        if let Ok(entries) = self.root.read_dir(dir) {
            for e in entries.into_iter().take(MAX_ENTRIES) {
                let p = format!("{}/{}", dir.trim_end_matches('/'), e.name);
                if let Some(t) = self.mtime(&p)
                    && best.as_ref().is_none_or(|(_, b)| t > *b)
                {
                    best = Some((p, t));
                }
            }
        }
        best
    }

    fn rclone_conf(
        &mut self,
        env: &Env,
        explicit: Option<&str>,
    ) -> (String, Option<BTreeMap<String, RcloneRemote>>) {
        let home = if env.user == "root" || env.user.is_empty() {
            "/root".to_string()
        } else {
            format!("/home/{}", env.user)
        };
        let candidates: Vec<String> =
            match explicit.or(env.vars.get("RCLONE_CONFIG").map(String::as_str)) {
                Some(p) => vec![p.to_string()],
                None => vec![
                    format!("{home}/.config/rclone/rclone.conf"),
                    format!("{home}/.rclone.conf"),
                    "/etc/rclone/rclone.conf".to_string(),
                ],
            };
        for c in &candidates {
            if let Some(cached) = self.rclone.get(c) {
                if cached.is_some() {
                    return (c.clone(), cached.clone());
                }
                continue;
            }
            let parsed = match self.read_text(c, SYSTEM_FILE_CAP) {
                Ok(t) => Some(parse_rclone_conf(&t)),
                Err(_) => None,
            };
            self.rclone.insert(c.clone(), parsed.clone());
            if parsed.is_some() {
                return (c.clone(), parsed);
            }
        }
        (candidates.join(" or "), None)
    }

    /// The place and encryption of an rclone path (`remote:path`, `:s3:b`, `/local`).
    fn rclone_place(
        &mut self,
        target: &str,
        env: &Env,
        config: Option<&str>,
    ) -> (Place, Encryption) {
        if target.starts_with('/') || !target.contains(':') {
            return (
                self.local(target),
                Encryption::None(
                    "rclone copies files as they are to a plain (non-crypt) destination".into(),
                ),
            );
        }
        if let Some(rest) = target.strip_prefix(':') {
            let kind = rest.split([':', ',']).next().unwrap_or("");
            return match rclone_class(kind) {
                Some(class) => (
                    Place::Remote {
                        class,
                        host: format!(":{kind}:"),
                    },
                    Encryption::None(format!(
                        "rclone's on-the-fly {kind} backend does not encrypt"
                    )),
                ),
                None => (
                    self.local(rest.split_once(':').map_or("/", |(_, p)| p)),
                    Encryption::None("local backend".into()),
                ),
            };
        }
        let name = target.split(':').next().unwrap_or(target).to_string();
        let (conf_path, conf) = self.rclone_conf(env, config);
        let Some(conf) = conf else {
            return (
                Place::Unknown(format!(
                    "rclone remote {name}: no rclone.conf readable ({conf_path})"
                )),
                Encryption::Unknown(format!(
                    "rclone remote {name} is not defined in a readable rclone.conf"
                )),
            );
        };
        let mut current = name.clone();
        let mut crypt = false;
        for _ in 0..8 {
            let Some(r) = conf.get(&current) else {
                return (
                    Place::Unknown(format!(
                        "rclone remote {current} is not defined in {conf_path}"
                    )),
                    Encryption::Unknown(format!(
                        "rclone remote {current} is not defined in {conf_path}"
                    )),
                );
            };
            match r.kind.as_str() {
                "crypt" | "alias" | "chunker" | "compress" | "hasher" | "cache" => {
                    crypt |= r.kind == "crypt";
                    let Some(w) = &r.wraps else { break };
                    if w.starts_with('/') {
                        return (
                            self.local(w),
                            if crypt {
                                Encryption::ClientSide(format!("rclone crypt remote {name}"))
                            } else {
                                Encryption::None(format!(
                                    "rclone remote {name} is not a crypt remote"
                                ))
                            },
                        );
                    }
                    current = w.split(':').next().unwrap_or(w).to_string();
                }
                kind => {
                    let place = match rclone_class(kind) {
                        Some(class) => Place::Remote {
                            class,
                            host: format!("{name}: ({kind} in {conf_path})"),
                        },
                        None => self.local("/"),
                    };
                    let enc = if crypt {
                        Encryption::ClientSide(format!("rclone crypt remote {name}"))
                    } else {
                        Encryption::None(format!("rclone remote {name} is type {kind}, not crypt"))
                    };
                    return (place, enc);
                }
            }
        }
        (
            Place::Unknown(format!(
                "rclone remote {name}: chain of wrapped remotes too long or broken"
            )),
            Encryption::Unknown(format!("rclone remote {name} could not be followed")),
        )
    }

    fn restic_repo(&mut self, repo: &str) -> Place {
        let r = repo.trim();
        if let Some(rest) = r.strip_prefix("sftp:") {
            let host = rest.trim_start_matches("//");
            let host = host.split([':', '/']).next().unwrap_or(host);
            return Place::Remote {
                class: RemoteClass::Ssh,
                host: host.rsplit('@').next().unwrap_or(host).to_string(),
            };
        }
        for (p, class) in [
            ("s3:", RemoteClass::ObjectStorage),
            ("b2:", RemoteClass::ObjectStorage),
            ("gs:", RemoteClass::ObjectStorage),
            ("azure:", RemoteClass::ObjectStorage),
            ("swift:", RemoteClass::ObjectStorage),
            ("rest:", RemoteClass::Server),
        ] {
            if let Some(rest) = r.strip_prefix(p) {
                return Place::Remote {
                    class,
                    host: url_host(rest),
                };
            }
        }
        if let Some(rest) = r.strip_prefix("rclone:") {
            return Place::Remote {
                class: RemoteClass::Other,
                host: format!("rclone remote {}", rest.split(':').next().unwrap_or(rest)),
            };
        }
        let path = r.strip_prefix("local:").unwrap_or(r);
        if path.starts_with('/') {
            self.local(path)
        } else {
            Place::Unknown(format!(
                "restic repository {} is not an absolute path",
                strip_credentials(r)
            ))
        }
    }

    fn borg_repo(&mut self, repo: &str) -> Place {
        let r = repo.trim();
        if r.starts_with("ssh://") {
            return Place::Remote {
                class: RemoteClass::Ssh,
                host: url_host(r),
            };
        }
        if let Some(h) = ssh_host(r) {
            return Place::Remote {
                class: RemoteClass::Ssh,
                host: h,
            };
        }
        let path = r.strip_prefix("file://").unwrap_or(r);
        if path.starts_with('/') {
            self.local(path)
        } else {
            Place::Unknown(format!(
                "borg repository {} is not an absolute path",
                strip_credentials(r)
            ))
        }
    }

    fn rsync_like(&mut self, target: &str) -> (Place, bool) {
        if target.starts_with("rsync://") || target.contains("::") {
            let host = if target.starts_with("rsync://") {
                url_host(target)
            } else {
                target
                    .split("::")
                    .next()
                    .unwrap_or(target)
                    .rsplit('@')
                    .next()
                    .unwrap_or("")
                    .to_string()
            };
            return (
                Place::Remote {
                    class: RemoteClass::Server,
                    host,
                },
                true,
            );
        }
        if let Some(h) = ssh_host(target) {
            return (
                Place::Remote {
                    class: RemoteClass::Ssh,
                    host: h,
                },
                true,
            );
        }
        (self.local(target), false)
    }

    /// Evidence that a backup to a local place completed.
    fn evidence(&self, cmd: &mut BackupCmd, log: Option<&str>) {
        let mut ev = Vec::new();
        for d in &cmd.dests {
            let Place::Local { path, .. } = &d.place else {
                continue;
            };
            match cmd.tool {
                Tool::Restic => {
                    if let Some((p, t)) =
                        self.newest_in(&format!("{}/snapshots", path.trim_end_matches('/')))
                    {
                        ev.push(Evidence {
                            what: "restic snapshots/".into(),
                            path: p,
                            mtime: t,
                        });
                    }
                }
                Tool::Rsnapshot => {
                    for interval in [
                        "hourly", "daily", "weekly", "monthly", "alpha", "beta", "gamma", "delta",
                    ] {
                        let p = format!("{}/{interval}.0", path.trim_end_matches('/'));
                        if let Some(t) = self.mtime(&p) {
                            ev.push(Evidence {
                                what: format!("rsnapshot {interval}.0"),
                                path: p,
                                mtime: t,
                            });
                        }
                    }
                }
                _ => {
                    // The destination itself, or (a dated file name) its directory.
                    let probe = if path.contains("$(")
                        || path.contains('$')
                        || self.metadata(path).is_err()
                    {
                        parent(path.trim_start_matches('/')).to_string()
                    } else {
                        path.trim_start_matches('/').to_string()
                    };
                    let probe = format!("/{probe}");
                    if probe != "/"
                        && let Some((p, t)) = self.newest_in(&probe)
                    {
                        ev.push(Evidence {
                            what: format!("{} destination", cmd.tool.name()),
                            path: p,
                            mtime: t,
                        });
                    }
                }
            }
        }
        if let Some(log) = log.filter(|l| l.starts_with('/') && !l.starts_with("/dev/"))
            && let Some(t) = self.mtime(log)
        {
            ev.push(Evidence {
                what: "the job's log".into(),
                path: log.to_string(),
                mtime: t,
            });
        }
        cmd.evidence = ev;
    }
}

/// The job being analysed.
struct JobState {
    commands: Vec<BackupCmd>,
    unresolved: Vec<Unresolved>,
    scripts: Vec<String>,
    borg_unencrypted: bool,
    /// Shell functions defined by the scripts read (calls to them are not
    /// programs to look for).
    functions: Vec<String>,
}

/// The name a line defines as a shell function (`name() {`, `function name`).
fn function_definition(line: &str) -> Option<&str> {
    let l = line.trim_start();
    let l = l
        .strip_prefix("function ")
        .map(str::trim_start)
        .unwrap_or(l);
    let end = l
        .find(|c: char| {
            !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' || c == ':')
        })
        .unwrap_or(l.len());
    let (name, rest) = l.split_at(end);
    (!name.is_empty()
        && (rest.trim_start().starts_with("()") || line.trim_start().starts_with("function ")))
    .then_some(name)
}

/// Directories of the distribution's programs: a bare name found there is
/// a program, not a missing script.
const SYSTEM_PATH: [&str; 4] = ["usr/bin", "usr/sbin", "bin", "sbin"];

impl<'a> Reader<'a> {
    /// Analyses one command line (from a crontab, a unit or a script).
    fn line(
        &mut self,
        text: &str,
        path: &str,
        line: u32,
        env: &mut Env,
        depth: usize,
        job: &mut JobState,
    ) {
        let mut pending: Option<Pending> = None;
        for c in shell::commands(text, line) {
            self.command(&c, path, env, depth, job, &mut pending);
        }
        if let Some(p) = pending.take() {
            job.commands.push(p.cmd);
        }
    }

    fn command(
        &mut self,
        c: &Command,
        path: &str,
        env: &mut Env,
        depth: usize,
        job: &mut JobState,
        pending: &mut Option<Pending>,
    ) {
        let words = shell::strip_keywords(&c.words);
        if words.is_empty() {
            for (k, v) in &c.env {
                let v = shell::expand(v, &env.vars);
                env.vars.insert(k.clone(), v);
            }
            return;
        }
        let mut local = env.clone();
        for (k, v) in &c.env {
            local.vars.insert(k.clone(), shell::expand(v, &env.vars));
        }
        let words: Vec<String> = words
            .iter()
            .map(|w| shell::expand(w, &local.vars))
            .collect();
        // Unwrap wrappers.
        let mut w: &[String] = &words;
        loop {
            let Some(first) = w.first() else { return };
            let base = first.rsplit('/').next().unwrap_or(first);
            if let Some((_, with_value)) = WRAPPERS.iter().find(|(n, _)| *n == base) {
                let mut i = 1;
                while i < w.len()
                    && (w[i].starts_with('-')
                        || (base == "env" && shell::assignment(&w[i]).is_some()))
                {
                    if base == "env"
                        && let Some((k, v)) = shell::assignment(&w[i])
                    {
                        local.vars.insert(k, v);
                    }
                    if with_value.contains(&w[i].as_str()) {
                        i += 1;
                    }
                    i += 1;
                }
                // flock FILE cmd, timeout DURATION cmd.
                if matches!(base, "flock" | "timeout") && i < w.len() {
                    i += 1;
                }
                if base == "runuser" && w.get(i).is_some_and(|x| x == "--") {
                    i += 1;
                }
                w = &w[i.min(w.len())..];
                continue;
            }
            break;
        }
        let Some(program) = w.first().cloned() else {
            return;
        };
        let args = &w[1..];
        let base = program.rsplit('/').next().unwrap_or(&program).to_string();
        // Whatever is piped into here is consumed by this command.
        if let Some(p) = pending.as_mut() {
            match base.as_str() {
                "gzip" | "pigz" | "xz" | "zstd" | "bzip2" | "lz4" | "cat" | "pv" | "tee"
                    if c.piped =>
                {
                    return;
                }
                "gpg" | "age" | "openssl" if c.piped => {
                    p.encrypted_by = Some(base.clone());
                    return;
                }
                "gzip" | "pigz" | "xz" | "zstd" | "bzip2" | "lz4" | "cat" | "pv" | "tee"
                | "gpg" | "age" | "openssl" => {
                    if matches!(base.as_str(), "gpg" | "age" | "openssl") {
                        p.encrypted_by = Some(base.clone());
                    }
                    let mut done = pending.take().expect("checked");
                    if let Some(f) = &c.stdout_to {
                        self.finish_pipe_local(&mut done, f, &local);
                    } else if base == "tee"
                        && let Some(f) = args.iter().find(|a| !a.starts_with('-'))
                    {
                        self.finish_pipe_local(&mut done, f, &local);
                    }
                    job.commands.push(done.cmd);
                    return;
                }
                "ssh" => {
                    let mut done = pending.take().expect("checked");
                    let (_, pos) = split_args(
                        args,
                        &[
                            "-p", "-i", "-o", "-l", "-F", "-J", "-c", "-b", "-E", "-L", "-R", "-D",
                            "-S", "-W", "-w", "-m", "-O", "-Q", "-B",
                        ],
                    );
                    let host = pos
                        .first()
                        .map(|h| h.rsplit('@').next().unwrap_or(h).to_string())
                        .unwrap_or_default();
                    done.cmd.dests.push(Dest {
                        shown: format!("ssh {host}"),
                        place: Place::Remote {
                            class: RemoteClass::Ssh,
                            host,
                        },
                    });
                    done.cmd.encryption = match &done.encrypted_by {
                        Some(e) => Encryption::ClientSide(format!("piped through {e}")),
                        None => Encryption::None(format!(
                            "{} output piped to ssh as it is",
                            done.cmd.tool.name()
                        )),
                    };
                    job.commands.push(done.cmd);
                    return;
                }
                "restic" => {
                    // restic backup --stdin: restic stores what the producer wrote.
                }
                _ => {
                    let done = pending.take().expect("checked");
                    job.commands.push(done.cmd);
                }
            }
        }
        match base.as_str() {
            "export" | "local" | "readonly" | "declare" | "typeset" => {
                for a in args {
                    if let Some((k, v)) = shell::assignment(a) {
                        env.vars.insert(k, v);
                    }
                }
                return;
            }
            "cd" => {
                if let Some(d) = args.first().filter(|d| d.starts_with('/')) {
                    env.cwd = d.clone();
                }
                return;
            }
            "." | "source" => {
                if let Some(f) = args.first() {
                    self.source_env(f, path, c.line, env, job);
                }
                return;
            }
            "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" => {
                if let Some(i) = args.iter().position(|a| a == "-c") {
                    if let Some(s) = args.get(i + 1) {
                        self.line(s, path, c.line, &mut local, depth + 1, job);
                    }
                } else if let Some(script) = args.iter().find(|a| !a.starts_with('-')) {
                    self.script(script, path, c.line, &mut local, depth, job);
                }
                return;
            }
            "run-parts" | "test" | "[" | "echo" | "printf" | "true" | "false" | "exit"
            | "return" | "logger" | "date" | "sleep" => return,
            _ => {}
        }
        if base == "docker" || base == "podman" {
            self.docker(args, path, c, &mut local, job);
            return;
        }
        if base == "aws" && args.first().is_some_and(|a| a == "s3") {
            self.aws_s3(&args[1..], path, c, &local, job);
            return;
        }
        if let Some(tool) = Tool::of(&program) {
            let piped_in = pending.take();
            self.tool(tool, args, path, c, &local, job, pending, piped_in);
            return;
        }
        if program.ends_with("()") || job.functions.contains(&program) {
            return;
        }
        if program.contains('/')
            || ADMIN_PATH
                .iter()
                .any(|d| self.lookups.exists(self.root, d, &program))
            || (backupish(&base)
                && !SYSTEM_PATH
                    .iter()
                    .any(|d| self.lookups.exists(self.root, d, &program)))
        {
            self.script(&program, path, c.line, &mut local, depth, job);
        }
    }

    fn finish_pipe_local(&mut self, p: &mut Pending, file: &str, env: &Env) {
        let Some(f) = normalize_source(file, &env.cwd)
            .or_else(|| file.starts_with('/').then(|| file.to_string()))
        else {
            return;
        };
        p.cmd.dests.push(Dest {
            shown: file.to_string(),
            place: self.local(&f),
        });
        p.cmd.encryption = match &p.encrypted_by {
            Some(e) => Encryption::ClientSide(format!("piped through {e}")),
            None => Encryption::None(format!("{} writes the data as it is", p.cmd.tool.name())),
        };
    }

    /// `. file` / `source file`: shell assignments read into the job's environment.
    fn source_env(&mut self, file: &str, path: &str, line: u32, env: &mut Env, job: &mut JobState) {
        if !file.starts_with('/') {
            return;
        }
        match self.read_text(file, SYSTEM_FILE_CAP) {
            Ok(text) => {
                for l in text.lines() {
                    let l = l.trim();
                    let l = l.strip_prefix("export ").unwrap_or(l);
                    if let Some((k, v)) = shell::assignment(l) {
                        let v = v.trim_matches(['"', '\'']).to_string();
                        env.vars.insert(k, shell::expand(&v, &env.vars));
                    }
                }
            }
            Err(RootError::NotFound) => job.unresolved.push(Unresolved {
                what: file.to_string(),
                why: "sourced environment file not found under the root".into(),
                path: path.to_string(),
                line,
            }),
            Err(e) => job.unresolved.push(Unresolved {
                what: file.to_string(),
                why: format!(
                    "sourced environment file could not be read: {}",
                    read_error(&e)
                ),
                path: path.to_string(),
                line,
            }),
        }
    }

    /// Follows a script a job runs (never runs it).
    fn script(
        &mut self,
        program: &str,
        path: &str,
        line: u32,
        env: &mut Env,
        depth: usize,
        job: &mut JobState,
    ) {
        let abs = if program.starts_with('/') {
            program.to_string()
        } else if let Some(d) = ADMIN_PATH
            .iter()
            .find(|d| self.lookups.exists(self.root, d, program))
        {
            format!("/{}", join(d, program))
        } else if !program.contains('/') {
            if backupish(program) {
                job.unresolved.push(Unresolved {
                    what: program.to_string(),
                    why: format!(
                        "not found in {} under the root",
                        ADMIN_PATH.map(|d| format!("/{d}")).join(", ")
                    ),
                    path: path.to_string(),
                    line,
                });
            }
            return;
        } else {
            match normalize_source(program, &env.cwd) {
                Some(p) => p,
                None => return,
            }
        };
        let rel = abs.trim_start_matches('/').to_string();
        if job.scripts.contains(&rel) {
            return;
        }
        let missing_matters = backupish(&abs) || !SYSTEM_DIRS.iter().any(|d| abs.starts_with(d));
        if depth >= MAX_DEPTH {
            job.unresolved.push(Unresolved {
                what: abs,
                why: format!("scripts nested deeper than {MAX_DEPTH} levels are not followed"),
                path: path.to_string(),
                line,
            });
            return;
        }
        match self.metadata(&rel) {
            Ok(m) if m.len() > SCRIPT_CAP => {
                if backupish(&abs) {
                    job.unresolved.push(Unresolved {
                        what: abs,
                        why: format!(
                            "larger than the {} KiB script cap (a compiled program?)",
                            SCRIPT_CAP / 1024
                        ),
                        path: path.to_string(),
                        line,
                    });
                }
                return;
            }
            Ok(_) => {}
            Err(e) => {
                if missing_matters {
                    job.unresolved.push(Unresolved {
                        what: abs,
                        why: match e {
                            RootError::NotFound => "not found under the scanned root (outside it, or on a volume not mounted here)".into(),
                            other => read_error(&other),
                        },
                        path: path.to_string(),
                        line,
                    });
                }
                return;
            }
        }
        let text = match self.read_text(&rel, SCRIPT_CAP) {
            Ok(t) => t,
            Err(RootError::Binary | RootError::NotText) => return,
            Err(e) => {
                job.unresolved.push(Unresolved {
                    what: abs,
                    why: read_error(&e),
                    path: path.to_string(),
                    line,
                });
                return;
            }
        };
        job.scripts.push(rel.clone());
        for l in text.lines() {
            if let Some(f) = function_definition(l) {
                job.functions.push(f.to_string());
            }
        }
        let mut senv = env.clone();
        for (no, l) in shell::logical_lines(&text) {
            self.line(&l, &rel, no, &mut senv, depth + 1, job);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn tool(
        &mut self,
        tool: Tool,
        args: &[String],
        path: &str,
        c: &Command,
        env: &Env,
        job: &mut JobState,
        pending: &mut Option<Pending>,
        piped_in: Option<Pending>,
    ) {
        let mut cmd = BackupCmd {
            tool,
            sources: Vec::new(),
            unknown_sources: Vec::new(),
            whole_couchdb: false,
            dests: Vec::new(),
            encryption: Encryption::Unknown("not established".into()),
            path: path.to_string(),
            line: c.line,
            evidence: Vec::new(),
        };
        let push_sources = |cmd: &mut BackupCmd, list: &[&str]| {
            for s in list {
                match normalize_source(s, &env.cwd) {
                    Some(p) if !s.contains('$') => cmd.sources.push(p),
                    _ => cmd.unknown_sources.push(s.to_string()),
                }
            }
        };
        match tool {
            Tool::Restic => {
                let (opts, pos) = split_args(
                    args,
                    &[
                        "-r",
                        "--repo",
                        "--repository-file",
                        "-p",
                        "--password-file",
                        "--password-command",
                        "-o",
                        "--option",
                        "-e",
                        "--exclude",
                        "--iexclude",
                        "--exclude-file",
                        "--iexclude-file",
                        "--files-from",
                        "--files-from-raw",
                        "--files-from-verbatim",
                        "--tag",
                        "--host",
                        "-H",
                        "--cache-dir",
                        "--limit-upload",
                        "--limit-download",
                        "--exclude-larger-than",
                        "--parent",
                        "--time",
                        "--stdin-filename",
                        "--exclude-if-present",
                        "--compression",
                        "--pack-size",
                        "--tls-client-cert",
                        "--cacert",
                        "--read-concurrency",
                    ],
                );
                if pos.first() != Some(&"backup") {
                    return;
                }
                push_sources(&mut cmd, &pos[1..]);
                for f in opts
                    .iter()
                    .filter(|(k, _)| k.starts_with("--files-from"))
                    .filter_map(|(_, v)| *v)
                {
                    self.files_from(f, &mut cmd, env);
                }
                if let Some(p) = piped_in.filter(|_| has(&opts, &["--stdin"])) {
                    cmd.sources.extend(p.cmd.sources);
                    cmd.whole_couchdb |= p.cmd.whole_couchdb;
                }
                let repo = opt(&opts, &["-r", "--repo"])
                    .map(str::to_string)
                    .or_else(|| {
                        opt(&opts, &["--repository-file"])
                            .or(env.vars.get("RESTIC_REPOSITORY_FILE").map(String::as_str))
                            .and_then(|f| self.root.read_text(f, 4096).ok())
                            .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
                    })
                    .or_else(|| env.vars.get("RESTIC_REPOSITORY").cloned());
                match repo {
                    Some(r) if !r.contains('$') => {
                        let place = self.restic_repo(&r);
                        cmd.dests.push(Dest {
                            shown: strip_credentials(&r),
                            place,
                        });
                    }
                    _ => cmd.dests.push(Dest {
                        shown: "(restic repository)".into(),
                        place: Place::Unknown("restic repository not set by -r/--repo, --repository-file or RESTIC_REPOSITORY in the job, its environment files or its script".into()),
                    }),
                }
                cmd.encryption = Encryption::ClientSide("restic encrypts every repository".into());
            }
            Tool::Borg => {
                let (opts, pos) = split_args(
                    args,
                    &[
                        "-r",
                        "--repo",
                        "-e",
                        "--encryption",
                        "--exclude",
                        "--exclude-from",
                        "--pattern",
                        "--patterns-from",
                        "-C",
                        "--compression",
                        "--comment",
                        "--timestamp",
                        "--checkpoint-interval",
                        "--chunker-params",
                        "--remote-path",
                        "--rsh",
                        "--lock-wait",
                        "--umask",
                        "--files-cache",
                        "--upload-ratelimit",
                        "--exclude-if-present",
                        "-a",
                        "--match-archives",
                    ],
                );
                let Some(sub) = pos.first() else { return };
                if matches!(*sub, "init" | "rcreate" | "repo-create") {
                    if opt(&opts, &["-e", "--encryption"]) == Some("none") {
                        job.borg_unencrypted = true;
                    }
                    return;
                }
                if *sub != "create" {
                    return;
                }
                let explicit = opt(&opts, &["-r", "--repo"]);
                let (repo, rest) = match (explicit, pos.get(1)) {
                    (Some(r), _) => (Some(r.to_string()), &pos[2.min(pos.len())..]),
                    (None, Some(first)) if first.contains("::") => {
                        let r = first.split("::").next().unwrap_or("");
                        let r = if r.is_empty() {
                            env.vars.get("BORG_REPO").cloned()
                        } else {
                            Some(r.to_string())
                        };
                        (r, &pos[2.min(pos.len())..])
                    }
                    (None, _) => (env.vars.get("BORG_REPO").cloned(), &pos[2.min(pos.len())..]),
                };
                push_sources(&mut cmd, rest);
                match repo {
                    Some(r) if !r.contains('$') => {
                        let place = self.borg_repo(&r);
                        cmd.dests.push(Dest {
                            shown: strip_credentials(&r),
                            place,
                        });
                    }
                    _ => cmd.dests.push(Dest {
                        shown: "(borg repository)".into(),
                        place: Place::Unknown(
                            "borg repository not set (REPO::ARCHIVE, --repo or BORG_REPO)".into(),
                        ),
                    }),
                }
                cmd.encryption = if job.borg_unencrypted {
                    Encryption::None("the repository is created with --encryption none".into())
                } else {
                    Encryption::ClientSide(
                        "borg encrypts unless the repository was created with --encryption none"
                            .into(),
                    )
                };
            }
            Tool::Borgmatic => {
                let (opts, pos) = split_args(
                    args,
                    &[
                        "-c",
                        "--config",
                        "-v",
                        "--verbosity",
                        "--syslog-verbosity",
                        "--log-file",
                        "--repository",
                        "--archive",
                    ],
                );
                if pos.iter().any(|p| {
                    matches!(
                        *p,
                        "init"
                            | "rcreate"
                            | "list"
                            | "info"
                            | "check"
                            | "extract"
                            | "restore"
                            | "mount"
                            | "umount"
                            | "config"
                            | "borg"
                            | "rlist"
                            | "repo-list"
                    )
                }) {
                    return;
                }
                let configs: Vec<String> = match opt(&opts, &["-c", "--config"]) {
                    Some(c) => vec![c.to_string()],
                    None => {
                        let mut v = vec!["/etc/borgmatic/config.yaml".to_string()];
                        if let Ok(e) = self.root.read_dir("etc/borgmatic.d") {
                            v.extend(
                                e.into_iter()
                                    .filter(|e| {
                                        e.name.ends_with(".yaml") || e.name.ends_with(".yml")
                                    })
                                    .map(|e| format!("/etc/borgmatic.d/{}", e.name)),
                            );
                        }
                        let home = if env.user.is_empty() || env.user == "root" {
                            "/root".to_string()
                        } else {
                            format!("/home/{}", env.user)
                        };
                        v.push(format!("{home}/.config/borgmatic/config.yaml"));
                        v
                    }
                };
                let mut any = false;
                for conf in configs {
                    match self.read_text(&conf, SYSTEM_FILE_CAP) {
                        Ok(text) => {
                            any = true;
                            let mut b = cmd.clone();
                            b.path = conf.trim_start_matches('/').to_string();
                            b.line = 1;
                            self.borgmatic_config(&text, &mut b);
                            self.evidence(&mut b, c.stdout_to.as_deref());
                            job.commands.push(b);
                        }
                        Err(RootError::NotFound) => {}
                        Err(e) => job.unresolved.push(Unresolved {
                            what: conf.clone(),
                            why: format!(
                                "borgmatic configuration could not be read: {}",
                                read_error(&e)
                            ),
                            path: path.to_string(),
                            line: c.line,
                        }),
                    }
                }
                if !any {
                    job.unresolved.push(Unresolved {
                        what: "borgmatic configuration".into(),
                        why: "no borgmatic configuration found under the root (/etc/borgmatic/config.yaml, /etc/borgmatic.d, ~/.config/borgmatic)".into(),
                        path: path.to_string(),
                        line: c.line,
                    });
                }
                return;
            }
            Tool::Duplicity => {
                let (opts, pos) = split_args(
                    args,
                    &[
                        "--encrypt-key",
                        "--sign-key",
                        "--name",
                        "--archive-dir",
                        "--exclude",
                        "--include",
                        "--exclude-filelist",
                        "--include-filelist",
                        "--full-if-older-than",
                        "--volsize",
                        "--tempdir",
                        "--log-file",
                        "--gpg-options",
                        "--ssh-options",
                        "--s3-region-name",
                        "-v",
                        "--verbosity",
                        "--hidden-encrypt-key",
                        "--exclude-regexp",
                        "--include-regexp",
                        "--file-prefix",
                        "--time",
                        "-t",
                        "--gpg-binary",
                        "--rsync-options",
                    ],
                );
                let mut pos: &[&str] = &pos;
                if let Some(first) = pos.first() {
                    match *first {
                        "full" | "incremental" | "incr" | "inc" | "backup" => pos = &pos[1..],
                        "restore"
                        | "verify"
                        | "collection-status"
                        | "list-current-files"
                        | "cleanup"
                        | "remove-older-than"
                        | "remove-all-but-n-full"
                        | "remove-all-inc-of-but-n-full" => return,
                        _ => {}
                    }
                }
                let [src, url, ..] = pos else { return };
                if src.contains("://") {
                    return; // restore
                }
                push_sources(&mut cmd, &[src]);
                let place = url_place(url).unwrap_or_else(|| {
                    Place::Unknown(format!(
                        "duplicity target {} is not a URL",
                        strip_credentials(url)
                    ))
                });
                let place = match place {
                    Place::Local { path, .. } => self.local(&path),
                    p => p,
                };
                cmd.dests.push(Dest {
                    shown: strip_credentials(url),
                    place,
                });
                cmd.encryption = if has(&opts, &["--no-encryption"]) {
                    Encryption::None("duplicity runs with --no-encryption".into())
                } else {
                    Encryption::ClientSide("duplicity encrypts with GnuPG".into())
                };
            }
            Tool::Rsnapshot => {
                let (opts, pos) = split_args(args, &["-c"]);
                let Some(level) = pos.first() else { return };
                if matches!(
                    *level,
                    "configtest"
                        | "du"
                        | "diff"
                        | "help"
                        | "version"
                        | "version_only"
                        | "print-config"
                        | "check-config-version"
                        | "upgrade-config-file"
                ) {
                    return;
                }
                let conf = opt(&opts, &["-c"])
                    .unwrap_or("/etc/rsnapshot.conf")
                    .to_string();
                match self.read_text(&conf, SYSTEM_FILE_CAP) {
                    Ok(text) => {
                        cmd.path = conf.trim_start_matches('/').to_string();
                        cmd.line = 1;
                        let mut root_dir = None;
                        for (i, l) in text.lines().enumerate() {
                            let f: Vec<&str> = l.split('\t').filter(|s| !s.is_empty()).collect();
                            match f.as_slice() {
                                ["snapshot_root", dir, ..] => {
                                    root_dir = Some(dir.trim().to_string());
                                    cmd.line = i as u32 + 1;
                                }
                                ["backup", src, ..] if ssh_host(src).is_none() => {
                                    push_sources(&mut cmd, &[src.trim()])
                                }
                                _ => {}
                            }
                        }
                        match root_dir {
                            Some(d) => {
                                let place = self.local(d.trim_end_matches('/'));
                                cmd.dests.push(Dest { shown: d, place });
                            }
                            None => cmd.dests.push(Dest {
                                shown: "(snapshot_root)".into(),
                                place: Place::Unknown(format!("{conf} has no snapshot_root line (fields must be tab-separated)")),
                            }),
                        }
                        cmd.encryption =
                            Encryption::None("rsnapshot copies files as they are".into());
                    }
                    Err(e) => {
                        job.unresolved.push(Unresolved {
                            what: conf,
                            why: format!(
                                "rsnapshot configuration could not be read: {}",
                                read_error(&e)
                            ),
                            path: path.to_string(),
                            line: c.line,
                        });
                        return;
                    }
                }
            }
            Tool::Rclone => {
                let (opts, pos) = split_args(
                    args,
                    &[
                        "--config",
                        "--exclude",
                        "--include",
                        "--filter",
                        "--exclude-from",
                        "--include-from",
                        "--filter-from",
                        "--files-from",
                        "--log-file",
                        "--bwlimit",
                        "--transfers",
                        "--checkers",
                        "--max-age",
                        "--min-age",
                        "--backup-dir",
                        "--suffix",
                        "--log-level",
                        "--max-size",
                        "--min-size",
                        "--retries",
                    ],
                );
                let Some(sub) = pos.first() else { return };
                if !matches!(
                    *sub,
                    "copy" | "sync" | "move" | "copyto" | "moveto" | "bisync" | "rcat"
                ) {
                    return;
                }
                let (srcs, dst) = if *sub == "rcat" {
                    (&[][..], pos.get(1))
                } else {
                    (
                        &pos[1..pos.len().saturating_sub(1).max(1)],
                        pos.last().filter(|_| pos.len() >= 3),
                    )
                };
                let Some(dst) = dst else { return };
                let local_srcs: Vec<&str> = srcs
                    .iter()
                    .copied()
                    .filter(|s| s.starts_with('/') || !s.contains(':'))
                    .collect();
                push_sources(&mut cmd, &local_srcs);
                if let Some(p) = piped_in.filter(|_| *sub == "rcat") {
                    cmd.sources.extend(p.cmd.sources);
                    cmd.whole_couchdb |= p.cmd.whole_couchdb;
                }
                let (place, enc) = self.rclone_place(dst, env, opt(&opts, &["--config"]));
                cmd.dests.push(Dest {
                    shown: strip_credentials(dst),
                    place,
                });
                cmd.encryption = enc;
            }
            Tool::Rsync | Tool::Scp => {
                let with_value: &[&str] = if tool == Tool::Rsync {
                    &[
                        "-e",
                        "--rsh",
                        "--exclude",
                        "--include",
                        "--exclude-from",
                        "--include-from",
                        "--files-from",
                        "--filter",
                        "-f",
                        "--log-file",
                        "--password-file",
                        "--link-dest",
                        "--compare-dest",
                        "--copy-dest",
                        "--backup-dir",
                        "--suffix",
                        "--bwlimit",
                        "--timeout",
                        "--contimeout",
                        "--chmod",
                        "--chown",
                        "--max-size",
                        "--min-size",
                        "--partial-dir",
                        "--temp-dir",
                        "-T",
                        "--port",
                        "--rsync-path",
                        "--out-format",
                        "--log-file-format",
                        "--iconv",
                        "--sockopts",
                        "-M",
                        "--remote-option",
                    ]
                } else {
                    &["-P", "-i", "-o", "-F", "-c", "-l", "-S", "-J", "-D", "-X"]
                };
                let (_, pos) = split_args(args, with_value);
                if pos.len() < 2 {
                    return;
                }
                let (srcs, dst) = pos.split_at(pos.len() - 1);
                let dst = dst[0];
                let local_srcs: Vec<&str> = srcs
                    .iter()
                    .copied()
                    .filter(|s| ssh_host(s).is_none() && !s.contains("::"))
                    .collect();
                if local_srcs.is_empty() {
                    return; // pulling from elsewhere
                }
                push_sources(&mut cmd, &local_srcs);
                let (place, remote) = self.rsync_like(dst);
                let dst_path = match &place {
                    Place::Local { .. } => {
                        normalize_source(dst, &env.cwd).unwrap_or_else(|| dst.to_string())
                    }
                    _ => dst.to_string(),
                };
                let place = if remote { place } else { self.local(&dst_path) };
                cmd.dests.push(Dest {
                    shown: strip_credentials(dst),
                    place,
                });
                cmd.encryption = Encryption::None(format!(
                    "{} copies files as they are (encrypted in transit only)",
                    tool.name()
                ));
            }
            Tool::Tar => {
                let Some(first) = args.first() else { return };
                let mut create = false;
                let mut file: Option<String> = None;
                let mut dir = env.cwd.clone();
                let mut positionals: Vec<String> = Vec::new();
                let mut i = 0;
                // Old style: `tar czf FILE ...`.
                let mut queue: Vec<char> = Vec::new();
                if !first.starts_with('-') {
                    create = first.contains('c');
                    queue = first
                        .chars()
                        .filter(|ch| "fbTXgLVNIC".contains(*ch))
                        .collect();
                    i = 1;
                }
                while i < args.len() {
                    let a = &args[i];
                    if let Some(ch) = queue.first().copied() {
                        queue.remove(0);
                        match ch {
                            'f' => file = Some(a.clone()),
                            'C' => dir = a.clone(),
                            _ => {}
                        }
                        i += 1;
                        continue;
                    }
                    if let Some(long) = a.strip_prefix("--") {
                        let (k, v) = long
                            .split_once('=')
                            .map_or((long, None), |(k, v)| (k, Some(v.to_string())));
                        let takes = matches!(
                            k,
                            "file"
                                | "directory"
                                | "exclude-from"
                                | "files-from"
                                | "listed-incremental"
                                | "use-compress-program"
                                | "newer"
                                | "transform"
                                | "owner"
                                | "group"
                                | "mode"
                                | "blocking-factor"
                                | "label"
                        );
                        let v = if takes && v.is_none() {
                            i += 1;
                            args.get(i).cloned()
                        } else {
                            v
                        };
                        match k {
                            "create" => create = true,
                            "file" => file = v,
                            "directory" => dir = v.unwrap_or(dir),
                            _ => {}
                        }
                    } else if a.starts_with('-') && a.len() > 1 {
                        let letters: Vec<char> = a[1..].chars().collect();
                        for (j, ch) in letters.iter().enumerate() {
                            match ch {
                                'c' => create = true,
                                'f' | 'C' | 'T' | 'X' | 'g' | 'b' | 'N' | 'I' | 'L' | 'V' => {
                                    let rest: String = letters[j + 1..].iter().collect();
                                    let v = if rest.is_empty() {
                                        i += 1;
                                        args.get(i).cloned()
                                    } else {
                                        Some(rest)
                                    };
                                    if *ch == 'f' {
                                        file = v;
                                    } else if *ch == 'C' {
                                        dir = v.unwrap_or(dir);
                                    }
                                    break;
                                }
                                _ => {}
                            }
                        }
                    } else if a == "-" {
                        positionals.push(a.clone());
                    } else {
                        // Sources are relative to the -C directory in force.
                        positionals.push(if a.starts_with('/') {
                            a.clone()
                        } else {
                            format!("{}/{a}", dir.trim_end_matches('/'))
                        });
                    }
                    i += 1;
                }
                if !create {
                    return;
                }
                let srcs: Vec<&str> = positionals.iter().map(String::as_str).collect();
                push_sources(&mut cmd, &srcs);
                cmd.encryption = Encryption::None("tar writes the files as they are".into());
                let to_stdout = file.as_deref().is_none_or(|f| f == "-");
                if to_stdout {
                    if c.piped {
                        *pending = Some(Pending {
                            cmd,
                            encrypted_by: None,
                        });
                        return;
                    }
                    match &c.stdout_to {
                        Some(f) => {
                            let p = normalize_source(f, &env.cwd).unwrap_or_else(|| f.clone());
                            let place = self.local(&p);
                            cmd.dests.push(Dest { shown: f.clone(), place });
                        }
                        None => cmd.dests.push(Dest {
                            shown: "(standard output)".into(),
                            place: Place::Unknown("tar writes to standard output, which goes nowhere rampart can follow".into()),
                        }),
                    }
                } else {
                    let f = file.expect("checked");
                    if let Some(h) =
                        ssh_host(&f).filter(|_| !args.iter().any(|a| a == "--force-local"))
                    {
                        cmd.dests.push(Dest {
                            shown: f.clone(),
                            place: Place::Remote {
                                class: RemoteClass::Ssh,
                                host: h,
                            },
                        });
                    } else {
                        // A dated name (`x-$(date +%F).tgz`): its directory is
                        // the destination.
                        let p = if f.contains('$') || f.contains('`') {
                            let dir = f.rsplit_once('/').map_or("", |(d, _)| d);
                            normalize_source(dir, &env.cwd).unwrap_or_else(|| dir.to_string())
                        } else {
                            normalize_source(&f, &env.cwd).unwrap_or_else(|| f.clone())
                        };
                        let place = self.local(&p);
                        cmd.dests.push(Dest {
                            shown: f.clone(),
                            place,
                        });
                    }
                }
            }
            Tool::Couchbackup => {
                let (opts, _) = split_args(
                    args,
                    &[
                        "--db",
                        "-d",
                        "--url",
                        "-u",
                        "--output",
                        "-o",
                        "--log",
                        "-l",
                        "--mode",
                        "-m",
                        "--buffer-size",
                        "-b",
                        "--parallelism",
                        "-p",
                        "--request-timeout",
                        "--iam-api-key",
                    ],
                );
                cmd.whole_couchdb = true;
                cmd.sources.push(format!(
                    "couchdb:{}",
                    opt(&opts, &["--db", "-d"])
                        .or(env.vars.get("COUCH_DATABASE").map(String::as_str))
                        .unwrap_or("(database)")
                ));
                cmd.encryption = Encryption::None("couchbackup writes JSON as it is".into());
                if let Some(o) = opt(&opts, &["--output", "-o"])
                    .map(str::to_string)
                    .or_else(|| c.stdout_to.clone())
                {
                    let p = normalize_source(&o, &env.cwd).unwrap_or(o.clone());
                    let place = self.local(&p);
                    cmd.dests.push(Dest { shown: o, place });
                } else if c.piped {
                    *pending = Some(Pending {
                        cmd,
                        encrypted_by: None,
                    });
                    return;
                } else {
                    cmd.dests.push(Dest {
                        shown: "(standard output)".into(),
                        place: Place::Unknown("couchbackup writes to standard output, which goes nowhere rampart can follow".into()),
                    });
                }
            }
            Tool::Velero => {
                let (_, pos) = split_args(
                    args,
                    &[
                        "--include-namespaces",
                        "--exclude-namespaces",
                        "--storage-location",
                        "--ttl",
                        "--schedule",
                        "-n",
                        "--namespace",
                        "--selector",
                        "-l",
                        "--from-schedule",
                    ],
                );
                if !(pos
                    .first()
                    .is_some_and(|p| *p == "backup" || *p == "schedule")
                    && pos.get(1) == Some(&"create"))
                {
                    return;
                }
                cmd.whole_couchdb = true;
                cmd.sources.push("kubernetes:(velero)".into());
                cmd.dests.push(Dest {
                    shown: "velero backup storage location".into(),
                    place: Place::Remote {
                        class: RemoteClass::ObjectStorage,
                        host: "velero backup storage location".into(),
                    },
                });
                cmd.encryption = Encryption::Unknown("velero's object storage encryption is configured in its BackupStorageLocation, not here".into());
            }
            Tool::AwsS3 => return,
        }
        self.evidence(&mut cmd, c.stdout_to.as_deref());
        job.commands.push(cmd);
    }

    fn files_from(&mut self, f: &str, cmd: &mut BackupCmd, env: &Env) {
        match self.read_text(f, SYSTEM_FILE_CAP) {
            Ok(text) => {
                for l in text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                {
                    match normalize_source(l, &env.cwd) {
                        Some(p) => cmd.sources.push(p),
                        None => cmd.unknown_sources.push(l.to_string()),
                    }
                }
            }
            Err(_) => cmd
                .unknown_sources
                .push(format!("(the paths listed in {f})")),
        }
    }

    fn borgmatic_config(&mut self, text: &str, b: &mut BackupCmd) {
        b.tool = Tool::Borgmatic;
        b.encryption = Encryption::ClientSide(
            "borg encrypts unless the repository was created with --encryption none".into(),
        );
        let docs = match yaml::parse(text) {
            Ok(d) => d,
            Err(e) => {
                b.dests.push(Dest {
                    shown: "(borgmatic repositories)".into(),
                    place: Place::Unknown(format!("/{}: {e}", b.path)),
                });
                return;
            }
        };
        let Some(doc) = docs.into_iter().find(Node::is_map) else {
            return;
        };
        let pick = |k: &str| doc.get(k).or_else(|| doc.path(&["location", k]));
        if let Some(srcs) = pick("source_directories") {
            for s in srcs.items() {
                if let Some(p) = s.as_str() {
                    match normalize_source(p, "/") {
                        Some(n) if p.starts_with('/') => b.sources.push(n),
                        _ => b.unknown_sources.push(p.to_string()),
                    }
                }
            }
        }
        if let Some(repos) = pick("repositories") {
            for r in repos.items() {
                let (repo, enc) = match r.as_str() {
                    Some(s) => (Some(s.to_string()), None),
                    None => (
                        r.get("path").and_then(Node::as_str).map(str::to_string),
                        r.get("encryption")
                            .and_then(Node::as_str)
                            .map(str::to_string),
                    ),
                };
                let Some(repo) = repo else { continue };
                if enc.as_deref() == Some("none") {
                    b.encryption =
                        Encryption::None("a borgmatic repository has encryption: none".into());
                }
                b.line = r.line;
                let place = self.borg_repo(&repo);
                b.dests.push(Dest {
                    shown: strip_credentials(&repo),
                    place,
                });
            }
        }
        if b.dests.is_empty() {
            b.dests.push(Dest {
                shown: "(borgmatic repositories)".into(),
                place: Place::Unknown(format!("/{} lists no repositories", b.path)),
            });
        }
    }

    fn aws_s3(&mut self, args: &[String], path: &str, c: &Command, env: &Env, job: &mut JobState) {
        let (_, pos) = split_args(
            args,
            &[
                "--exclude",
                "--include",
                "--storage-class",
                "--sse",
                "--sse-kms-key-id",
                "--profile",
                "--region",
                "--endpoint-url",
                "--acl",
                "--expected-size",
            ],
        );
        let (Some(sub), Some(src), Some(dst)) = (pos.first(), pos.get(1), pos.get(2)) else {
            return;
        };
        if !matches!(*sub, "cp" | "sync" | "mv") || !dst.starts_with("s3://") {
            return;
        }
        let mut cmd = BackupCmd {
            tool: Tool::AwsS3,
            sources: Vec::new(),
            unknown_sources: Vec::new(),
            whole_couchdb: false,
            dests: vec![Dest {
                shown: dst.to_string(),
                place: Place::Remote {
                    class: RemoteClass::ObjectStorage,
                    host: url_host(dst),
                },
            }],
            encryption: Encryption::None(
                "aws s3 uploads the files as they are (server-side encryption is not client-side)"
                    .into(),
            ),
            path: path.to_string(),
            line: c.line,
            evidence: Vec::new(),
        };
        match normalize_source(src, &env.cwd) {
            Some(p) if *src != "-" => cmd.sources.push(p),
            _ => cmd.unknown_sources.push(src.to_string()),
        }
        self.evidence(&mut cmd, c.stdout_to.as_deref());
        job.commands.push(cmd);
    }

    /// `docker run [opts] IMAGE args`: a backup tool's image, with its
    /// volumes mapped back to host paths.
    fn docker(
        &mut self,
        args: &[String],
        path: &str,
        c: &Command,
        env: &mut Env,
        job: &mut JobState,
    ) {
        if args.first().is_none_or(|a| a != "run") {
            return;
        }
        let args = &args[1..];
        let with_value = [
            "-v",
            "--volume",
            "-e",
            "--env",
            "--env-file",
            "--name",
            "-w",
            "--workdir",
            "--network",
            "--entrypoint",
            "-u",
            "--user",
            "--mount",
            "-h",
            "--hostname",
            "--restart",
            "-p",
            "--publish",
            "-l",
            "--label",
            "--platform",
            "--pull",
            "--memory",
            "-m",
            "--cpus",
        ];
        let mut i = 0;
        let mut volumes: Vec<(String, String)> = Vec::new();
        let mut venv = env.clone();
        while i < args.len() {
            let a = &args[i];
            if !a.starts_with('-') {
                break;
            }
            let (k, v) = match a.split_once('=').filter(|_| a.starts_with("--")) {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None if with_value.contains(&a.as_str()) => {
                    i += 1;
                    (a.clone(), args.get(i).cloned())
                }
                None => (a.clone(), None),
            };
            if let Some(v) = v {
                match k.as_str() {
                    "-v" | "--volume" => {
                        let m = compose::Mount::short(&v, c.line);
                        let host = match (m.kind, m.source) {
                            (compose::MountKind::Bind, Some(s)) => Some(s.to_string()),
                            (compose::MountKind::Volume, Some(s)) => {
                                Some(format!("/var/lib/docker/volumes/{s}/_data"))
                            }
                            _ => None,
                        };
                        if let Some(h) = host {
                            volumes.push((m.target.trim_end_matches('/').to_string(), h));
                        }
                    }
                    "-e" | "--env" => {
                        if let Some((k, v)) = v.split_once('=') {
                            venv.vars.insert(k.to_string(), v.to_string());
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        let Some(image) = args.get(i) else { return };
        let Some(tool) = Tool::of_image(image) else {
            return;
        };
        let mut rest: Vec<String> = args[i + 1..].to_vec();
        // Images whose entrypoint is the tool take its arguments directly.
        if rest.first().is_some_and(|r| Tool::of(r) == Some(tool)) {
            rest.remove(0);
        }
        let before = job.commands.len();
        let mut pending = None;
        self.tool(tool, &rest, path, c, &venv, job, &mut pending, None);
        for cmd in &mut job.commands[before..] {
            for s in cmd.sources.iter_mut() {
                if let Some((ctr, host)) = volumes
                    .iter()
                    .filter(|(ctr, _)| is_under(s, ctr))
                    .max_by_key(|(ctr, _)| ctr.len())
                {
                    let tail = &s[ctr.len()..];
                    *s = format!("{}{tail}", host.trim_end_matches('/'));
                }
            }
            for d in cmd.dests.iter_mut() {
                if let Place::Local { path, .. } = &d.place
                    && let Some((ctr, host)) = volumes
                        .iter()
                        .filter(|(ctr, _)| is_under(path, ctr))
                        .max_by_key(|(ctr, _)| ctr.len())
                {
                    let mapped = format!("{}{}", host.trim_end_matches('/'), &path[ctr.len()..]);
                    d.place = self.local(&mapped);
                }
            }
        }
    }
}

/// Reads the backup jobs of a host.
pub fn read(root: &Root, cron: &Cron, systemd: &Systemd, storage: &Storage) -> HostBackups {
    let mut out = HostBackups {
        unreadable: cron
            .unreadable
            .iter()
            .chain(systemd.unreadable.iter())
            .cloned()
            .collect(),
        ..HostBackups::default()
    };
    let mut r = Reader {
        root,
        storage,
        files: 0,
        budget_exceeded: false,
        rclone: BTreeMap::new(),
        lookups: Lookups::default(),
        texts: HashMap::new(),
        metadata: RefCell::default(),
    };
    let new_job = || JobState {
        commands: Vec::new(),
        unresolved: Vec::new(),
        scripts: Vec::new(),
        borg_unencrypted: false,
        functions: Vec::new(),
    };
    let push = |via: Via, job: JobState, out: &mut HostBackups| {
        if !job.commands.is_empty() || !job.unresolved.is_empty() {
            out.jobs.push(Job {
                via,
                commands: job.commands,
                unresolved: job.unresolved,
                scripts: job.scripts,
            });
        }
    };
    for cj in &cron.jobs {
        let mut env = Env {
            vars: cj
                .env
                .iter()
                .map(|(k, v, _)| (k.clone(), v.clone()))
                .collect(),
            cwd: String::new(),
            user: cj.user.clone().unwrap_or_else(|| "root".into()),
        };
        env.vars.entry("HOME".into()).or_insert_with(|| {
            if env.user == "root" {
                "/root".into()
            } else {
                format!("/home/{}", env.user)
            }
        });
        let mut job = new_job();
        if cj.source == crate::facts::cron::CronSource::Periodic {
            r.script(&cj.command, &cj.path, cj.line, &mut env, 0, &mut job);
        } else {
            r.line(&cj.command, &cj.path, cj.line, &mut env, 0, &mut job);
        }
        push(
            Via::Cron {
                path: cj.path.clone(),
                line: cj.line,
                schedule: cj.schedule.raw.clone(),
                period: cj.schedule.period,
            },
            job,
            &mut out,
        );
    }
    for timer in systemd.of_kind(UnitKind::Timer).filter(|t| t.enabled()) {
        let service_name = timer.triggers().unwrap_or_default();
        let via = Via::Timer {
            timer: timer.name.clone(),
            path: timer.path.clone(),
            service: service_name.clone(),
            period: timer.timer_period(),
        };
        let mut job = new_job();
        match systemd.service_of(timer) {
            Err(why) => job.unresolved.push(Unresolved {
                what: service_name,
                why,
                path: timer.path.clone(),
                line: timer.value("Timer", "Unit").map_or(1, |s| s.line),
            }),
            Ok(svc) => {
                let user = svc
                    .value("Service", "User")
                    .map_or("root".to_string(), |s| s.value.clone());
                let mut env = Env {
                    vars: BTreeMap::new(),
                    cwd: svc
                        .value("Service", "WorkingDirectory")
                        .map(|s| s.value.clone())
                        .unwrap_or_default(),
                    user: user.clone(),
                };
                env.vars.insert(
                    "HOME".into(),
                    if user == "root" {
                        "/root".into()
                    } else {
                        format!("/home/{user}")
                    },
                );
                for (f, optional, d) in svc.environment_files() {
                    match r.read_text(&f, SYSTEM_FILE_CAP) {
                        Ok(text) => {
                            for l in text.lines() {
                                let l = l.trim();
                                let l = l.strip_prefix("export ").unwrap_or(l);
                                if let Some((k, v)) = shell::assignment(l) {
                                    env.vars.insert(k, v.trim_matches(['"', '\'']).to_string());
                                }
                            }
                        }
                        Err(RootError::NotFound) if optional => {}
                        Err(e) => job.unresolved.push(Unresolved {
                            what: f.clone(),
                            why: format!(
                                "EnvironmentFile of {} could not be read: {}",
                                svc.name,
                                read_error(&e)
                            ),
                            path: d.path.clone(),
                            line: d.line,
                        }),
                    }
                }
                for (k, v, _) in svc.environment() {
                    env.vars.insert(k, v);
                }
                for cmd in svc.commands() {
                    let mut e = env.clone();
                    r.line(&cmd.value, &cmd.path, cmd.line, &mut e, 0, &mut job);
                }
            }
        }
        push(via, job, &mut out);
    }
    if r.budget_exceeded {
        out.budget_exceeded = Some(format!(
            "more than {MAX_FILES} scripts and configs: the rest were not read"
        ));
    }
    out
}

impl Fact for HostBackups {
    fn collect(facts: &Facts) -> Self {
        match &facts.target.source {
            Source::Host(h) => {
                let cron = facts.get::<Cron>();
                let systemd = facts.get::<Systemd>();
                let storage = facts.get::<Storage>();
                read(&h.root, &cron, &systemd, &storage)
            }
            Source::Tree(_) | Source::Env | Source::Tls(_) | Source::Domain(_) => {
                HostBackups::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cached lookups answer as `Root::exists` does, before and after a
    /// directory is listed: links (dangling, or leaving the root), names
    /// that are not plain, directories that are missing.
    #[test]
    fn program_lookups_answer_as_the_root_does() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("usr/local/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("backup.sh"), "tar c /srv\n").unwrap();
        symlink("nowhere", bin.join("dangling")).unwrap();
        symlink("backup.sh", bin.join("linked")).unwrap();
        symlink("/etc/passwd", bin.join("outside")).unwrap();
        std::fs::create_dir(bin.join("sub")).unwrap();
        std::fs::write(bin.join("sub/x"), "").unwrap();
        let root = Root::open(tmp.path(), crate::target::Confinement::Strict).unwrap();
        let mut names: Vec<String> = (0..2 * PROBES_BEFORE_LISTING)
            .map(|i| format!("missing{i}"))
            .collect();
        for n in [
            "backup.sh",
            "dangling",
            "linked",
            "outside",
            "sub",
            "sub/x",
            ".",
            "..",
            "",
            "bad\u{1b}name",
        ] {
            names.push(n.to_string());
        }
        for dir in ["usr/local/bin", "usr/local/sbin"] {
            let mut lookups = Lookups::default();
            for round in 0..2 {
                for n in &names {
                    let want = root.exists(&join(dir, n));
                    assert_eq!(lookups.exists(&root, dir, n), want, "{dir} {n} {round}");
                }
            }
            assert!(lookups.listed.contains_key(dir), "{dir} listed");
        }
        let mut lookups = Lookups::default();
        assert!(lookups.exists(&root, "usr/local/bin", "backup.sh"));
        assert!(lookups.exists(&root, "usr/local/bin", "linked"));
        assert!(!lookups.exists(&root, "usr/local/bin", "dangling"));
    }

    #[test]
    fn functions_are_not_scripts() {
        assert_eq!(
            function_definition("do_cache_backup() {"),
            Some("do_cache_backup")
        );
        assert_eq!(
            function_definition("function backup_all {"),
            Some("backup_all")
        );
        assert_eq!(function_definition("  rsync -a / x"), None);
    }

    #[test]
    fn helpers() {
        assert!(covers("/srv", "/srv/couchdb"));
        assert!(covers("/srv/couchdb/data", "/srv/couchdb"));
        assert!(!covers("/srvx", "/srv"));
        assert!(covers("/", "/srv"));
        assert_eq!(
            normalize_source("/srv/couchdb/*", "").as_deref(),
            Some("/srv/couchdb")
        );
        assert_eq!(
            normalize_source("data/", "/srv").as_deref(),
            Some("/srv/data")
        );
        assert_eq!(normalize_source("data", ""), None);
        assert_eq!(
            strip_credentials("rest:https://u:p@h:8000/r"),
            "rest:https://h:8000/r"
        );
        assert_eq!(strip_credentials("s3://u:p@h/b"), "s3://h/b");
        assert_eq!(
            ssh_host("backup@nas.example:/srv/b").as_deref(),
            Some("nas.example")
        );
        assert_eq!(ssh_host("/mnt/backup"), None);
        let conf = parse_rclone_conf(
            "[b2]\ntype = b2\naccount = x\nkey = SECRET\n[enc]\ntype = crypt\nremote = b2:bucket\npassword = SECRET\n",
        );
        assert_eq!(conf["enc"].kind, "crypt");
        assert_eq!(conf["enc"].wraps.as_deref(), Some("b2:bucket"));
        assert!(!format!("{conf:?}").contains("SECRET"), "no secret kept");
    }
}

/// What CHT's backup guide says to keep besides the data, as found on a
/// host: the `.env` files of each CHT install and where the TLS
/// certificates are (docker volumes named for ssl/certs, `/etc/letsencrypt`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChtKeep {
    /// Absolute paths of the `.env` files found.
    pub env_files: Vec<String>,
    /// Absolute paths of certificate directories found.
    pub cert_dirs: Vec<String>,
}

impl Fact for ChtKeep {
    fn collect(facts: &Facts) -> Self {
        let Source::Host(h) = &facts.target.source else {
            return ChtKeep::default();
        };
        let root = &h.root;
        let mut out = ChtKeep::default();
        for inst in crate::target::cht_install::find(root) {
            for rel in [
                join(&inst.dir, ".env"),
                join(&inst.dir, "upgrade-service/.env"),
                join(&inst.dir, "compose/.env"),
            ] {
                if root.exists(&rel) {
                    out.env_files.push(format!("/{rel}"));
                }
            }
        }
        if let Ok(vols) = root.read_dir("var/lib/docker/volumes") {
            for v in vols.into_iter().filter(|v| v.is_dir) {
                let n = v.name.to_ascii_lowercase();
                if n.contains("ssl") || n.contains("cert") {
                    out.cert_dirs
                        .push(format!("/var/lib/docker/volumes/{}/_data", v.name));
                }
            }
        }
        if root.is_dir("etc/letsencrypt/live") {
            out.cert_dirs.push("/etc/letsencrypt".to_string());
        }
        out
    }
}
