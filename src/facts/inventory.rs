//! The configuration files of a target: found (a whole tree, or the places a
//! host keeps CHT, CouchDB and system configuration), read through the
//! target's `Root`, classified by name and content, and parsed, in parallel.
//! The only place tree files are discovered and read. `.gitignore` is not
//! honoured: `.env` files are git-ignored and are exactly what must be seen.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::Arc;

use rayon::prelude::*;

use crate::facts::{
    compose, couchdb_ini, dotenv, helm, json, k8s, nginx, users_csv, vmargs, watchdog, x509, yaml,
};
use crate::facts::{grafana, login_defs, pam, pg_hba, pwquality, sshd};
use crate::target::{DirHandle, Root, RootError, Source, Target};

/// Directories never entered.
const SKIP_DIRS: [&str; 7] = [
    ".git",
    "node_modules",
    "target",
    "shards",
    ".shards",
    ".delete",
    "search_indexes",
];

/// How many files past the last one found `Inventory::position` compares
/// by address before it hashes (see there).
const AHEAD: usize = 8;

/// Where a host keeps system-level configuration rampart reads (globs are
/// one directory level), and how deep to look. A CHT deployment directory
/// found on a host is scanned as a tree target of its own.
const HOST_PLACES: [(&str, usize); 9] = [
    ("opt/couchdb/etc", 3),
    ("etc/couchdb", 3),
    ("var/lib/docker/volumes/*/_data", 3),
    // TLS: nginx configuration, certificates and keys (not the CA store in
    // /etc/ssl/certs: only what sits directly in /etc/ssl and its private/).
    ("etc/nginx", 4),
    ("etc/ssl", 1),
    ("etc/ssl/private", 2),
    ("etc/letsencrypt/live", 3),
    // PostgreSQL client authentication (pg_hba.conf): Debian, RHEL.
    ("etc/postgresql", 3),
    ("var/lib/pgsql/data", 1),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Compose,
    DotEnv,
    CouchIni,
    VmArgs,
    K8s,
    // issue-config: CHT deployment files.
    AppSettings,
    UsersCsv,
    HelmValues,
    Watchdog,
    Nginx,
    Pem,
    // System files a deployment repo may keep (host packs, tree side).
    LoginDefs,
    Pam,
    PwQuality,
    Sshd,
    // Monitoring (CHT Watchdog's Grafana).
    GrafanaAlerting,
    GrafanaIni,
    PgHba,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Compose => "docker compose file",
            Kind::DotEnv => "dotenv file",
            Kind::CouchIni => "CouchDB ini file",
            Kind::VmArgs => "Erlang vm.args file",
            Kind::K8s => "Kubernetes manifest",
            Kind::AppSettings => "CHT app settings file",
            Kind::UsersCsv => "CHT users CSV file",
            Kind::HelmValues => "helm values file",
            Kind::Watchdog => "CHT Watchdog instances file",
            Kind::Nginx => "nginx configuration",
            Kind::Pem => "certificate or key file",
            Kind::LoginDefs => "login.defs file",
            Kind::Pam => "PAM service file",
            Kind::PwQuality => "pwquality configuration",
            Kind::Sshd => "sshd configuration",
            Kind::GrafanaAlerting => "Grafana alerting provisioning file",
            Kind::GrafanaIni => "Grafana configuration",
            Kind::PgHba => "PostgreSQL pg_hba.conf",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    /// Shared (not copied) by the compose projects that use it.
    Compose(Arc<compose::ComposeFile>),
    /// Shared (not copied) by the compose projects and CHT instances that read it.
    DotEnv(Arc<dotenv::DotEnv>),
    CouchIni(couchdb_ini::IniFile),
    VmArgs(vmargs::VmArgs),
    K8s(Vec<k8s::Object>),
    AppSettings(json::Json),
    UsersCsv(users_csv::UsersCsv),
    HelmValues(yaml::Node),
    Watchdog(watchdog::Instances),
    Nginx(Vec<nginx::Directive>),
    Pem(Vec<x509::PemBlock>),
    LoginDefs(login_defs::LoginDefs),
    Pam(pam::PamFile),
    PwQuality(pwquality::PwQualityFile),
    Sshd(sshd::SshdFile),
    GrafanaAlerting(grafana::Alerting),
    GrafanaIni(grafana::GrafanaIni),
    PgHba(pg_hba::PgHba),
    /// Parsed, and released once the facts derived from it were built (see
    /// `Facts::release`): no reader after that needs the parse tree.
    Released,
}

/// One configuration file: parsed, or why it could not be.
#[derive(Clone, Debug)]
pub struct Doc {
    /// Path inside the target's root, `/`-separated, no leading `/`.
    pub rel: Arc<str>,
    pub kind: Kind,
    pub content: Result<Parsed, String>,
    /// Its lines that carry a `rampart:` marker (inline ignores), numbered
    /// from 1; empty for most files.
    pub marks: Box<[(u32, Box<str>)]>,
}

/// Something worth telling that is not a rule outcome: a skipped template, a
/// file over the size cap, a directory that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub rel: Option<String>,
    pub message: String,
}

/// The docs are sorted by `rel`. A file is found by the hash of its path
/// (`index`, no second copy of every path): rules look up a file for every
/// item they report, and a binary search over long paths sharing their
/// first directories was a sixth of a large scan's time.
#[derive(Debug, Default)]
pub struct Inventory {
    pub docs: Vec<Doc>,
    pub notes: Vec<Note>,
    /// See [`LoadOptions::environment_dotenv`].
    pub environment_dotenv: bool,
    index: PathIndex,
    /// What a tree's walk listed (see [`Listing`]); `None` once let go.
    listing: Option<Listing>,
}

/// What a tree's walk saw, to answer whether a file no rule reads exists
/// (nginx's `include /etc/nginx/mime.types`, tried at several places in
/// every site) without asking the file system again: each directory the
/// walk listed, and each entry of those (ignored or not), by a hash of its
/// path. Kept until the facts that ask are built.
#[derive(Default)]
pub struct Listing {
    hasher: foldhash::fast::RandomState,
    /// Sorted, and searched: gathered from the walk's directories across
    /// cores and sorted once (inserted into hash tables one by one, they
    /// held up every core but one at the end of the walk).
    listed: Vec<u64>,
    /// Sorted by hash.
    entries: Vec<(u64, EntryKind)>,
    /// Entries recorded so far: past [`Listing::MAX_ENTRIES`] a directory is
    /// not recorded, and questions about it go to the file system.
    recorded: std::sync::atomic::AtomicUsize,
}

impl Listing {
    /// About 40 MB at most (a tenfold of the 100k-file benchmark's tree).
    const MAX_ENTRIES: usize = 1 << 20;

    /// Whether a directory of `n` entries is recorded (counted if so).
    fn room_for(&self, n: usize) -> bool {
        use std::sync::atomic::Ordering;
        self.recorded
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| {
                (r + n <= Self::MAX_ENTRIES).then_some(r + n)
            })
            .is_ok()
    }
}

impl std::fmt::Debug for Listing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listing")
            .field("listed", &self.listed.len())
            .field("entries", &self.entries.len())
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryKind {
    File,
    Dir,
    Link,
    Other,
}

impl Listing {
    /// Whether `rel` is a regular file, as the walk saw it; `None` when the
    /// walk cannot tell (a symlink on the way, a directory it did not list).
    fn is_file(&self, rel: &str) -> Option<bool> {
        // Only plain paths: `..` or `.` resolve through what a listing
        // cannot say.
        if rel.split('/').any(|c| matches!(c, "" | "." | "..")) {
            return None;
        }
        let mut end = rel.len();
        loop {
            let dir = rel[..end].rsplit_once('/').map_or("", |(d, _)| d);
            if self
                .listed
                .binary_search(&self.hasher.hash_one(dir))
                .is_ok()
            {
                // The entry of `dir` on the way to `rel`.
                let from = if dir.is_empty() { 0 } else { dir.len() + 1 };
                let child_end = rel[from..].find('/').map_or(rel.len(), |i| from + i);
                let whole = child_end == rel.len();
                let hash = self.hasher.hash_one(&rel[..child_end]);
                let entry = self
                    .entries
                    .binary_search_by_key(&hash, |&(h, _)| h)
                    .map(|i| &self.entries[i].1);
                return match entry.ok() {
                    None => Some(false),
                    Some(EntryKind::Link) => None,
                    Some(EntryKind::File) => Some(whole),
                    // A directory not listed (skipped, or too deep).
                    Some(EntryKind::Dir) if !whole => None,
                    Some(EntryKind::Dir | EntryKind::Other) => Some(false),
                };
            }
            if dir.is_empty() {
                return None;
            }
            end = dir.len();
        }
    }
}

/// A path's hash → its position in `docs`; [`PathIndex::SHARED`] where two
/// paths share a hash (then a binary search decides). The hash is foldhash
/// with a random seed per scan (SipHash was 3.5% of a large scan): paths
/// are chosen by whoever wrote the tree, but colliding hashes only cost a
/// binary search, never a wrong answer or a quadratic build.
#[derive(Debug, Default)]
struct PathIndex {
    hasher: foldhash::fast::RandomState,
    at: HashMap<u64, u32, BuildHasherDefault<PassHash>>,
    /// Where each path's text is in memory → its position and length.
    /// Items keep their file's path as the file's own `Arc` (not a copy),
    /// so most lookups are found by address, without hashing or comparing
    /// text, or reading the file's entry.
    by_address: foldhash::HashMap<usize, (u32, u32)>,
    /// Where each file's path is in memory, in `docs`' order: eight to a
    /// cache line, for the files just after the last one found.
    addresses: Box<[usize]>,
    /// The positions of each kind's files, in order (by `Kind as usize`):
    /// facts and rules ask for the files of one kind (`docs_of`), a few
    /// among 100,000, about twenty times a scan.
    /// Empty for an inventory not built by `load` (or of 2^32 files or
    /// more): then `docs_of` searches.
    by_kind: Vec<Box<[u32]>>,
}

impl PathIndex {
    const SHARED: u32 = u32::MAX;

    fn build(docs: &[Doc]) -> PathIndex {
        let hasher = foldhash::fast::RandomState::default();
        // The paths are hashed across cores; the tables filled in order.
        let hashes: Vec<u64> = docs
            .par_iter()
            .with_min_len(1024)
            .map(|d| hasher.hash_one(&*d.rel))
            .collect();
        let pos = |i: usize| u32::try_from(i).unwrap_or(Self::SHARED);
        // Each table filled on a core of its own.
        let build_at = || {
            let mut at: HashMap<u64, u32, BuildHasherDefault<PassHash>> =
                HashMap::with_capacity_and_hasher(docs.len(), BuildHasherDefault::default());
            for (i, hash) in hashes.into_iter().enumerate() {
                at.entry(hash)
                    .and_modify(|p| *p = Self::SHARED)
                    .or_insert(pos(i));
            }
            at
        };
        let build_by_address = || {
            let mut by_address =
                foldhash::HashMap::with_capacity_and_hasher(docs.len(), Default::default());
            for (i, d) in docs.iter().enumerate() {
                if let Ok(len) = u32::try_from(d.rel.len()) {
                    by_address.insert(d.rel.as_ptr() as usize, (pos(i), len));
                }
            }
            by_address
        };
        let build_by_kind = || {
            let mut by_kind: Vec<Vec<u32>> = Vec::new();
            for (i, d) in docs.iter().enumerate() {
                let k = d.kind as usize;
                if by_kind.len() <= k {
                    by_kind.resize_with(k + 1, Vec::new);
                }
                by_kind[k].push(pos(i));
            }
            by_kind
        };
        let (at, (by_address, by_kind)) =
            rayon::join(build_at, || rayon::join(build_by_address, build_by_kind));
        PathIndex {
            hasher,
            at,
            by_address,
            addresses: docs.iter().map(|d| d.rel.as_ptr() as usize).collect(),
            by_kind: if u32::try_from(docs.len()).is_ok_and(|n| n < Self::SHARED) {
                by_kind.into_iter().map(Vec::into_boxed_slice).collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// The keys are already hashes: passed through as they are.
#[derive(Default)]
struct PassHash(u64);

impl Hasher for PassHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    pub max_file_size: u64,
    /// Compose files without a `.env` of their own read the `.env` of the
    /// environment folder above them (policy `env-segregation.environment-dotenv`).
    pub environment_dotenv: bool,
    /// Leave out what `.gitignore` files in the tree ignore (off by default:
    /// `.env` files are git-ignored and are exactly what must be seen).
    pub respect_gitignore: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_size: crate::target::root::DEFAULT_FILE_CAP,
            environment_dotenv: true,
            respect_gitignore: false,
        }
    }
}

impl Inventory {
    pub fn load(target: &Target, opts: &LoadOptions) -> Inventory {
        let mut notes = Vec::new();
        let step = Step::start();
        let mut docs = Vec::new();
        let mut listing = None;
        match &target.source {
            Source::Tree(t) => match &t.only {
                Some(file) => {
                    let found = single_file(file, &mut notes);
                    load_all(&t.root, found, opts, &mut docs, &mut notes);
                }
                // The walk reads and parses each file as it finds it.
                None => {
                    let seen = listing.insert(Listing::default());
                    let top = [String::new()];
                    let starts: &[String] = if t.walk_only.is_empty() {
                        &top
                    } else {
                        &t.walk_only
                    };
                    for dir in starts {
                        walk(&t.root, dir, opts, &mut docs, &mut notes, seen);
                    }
                }
            },
            Source::Host(h) => {
                let found = host_candidates(&h.root, &mut notes);
                load_all(&h.root, found, opts, &mut docs, &mut notes);
            }
            Source::Env | Source::Tls(_) | Source::Domain(_) => return Inventory::default(),
        }
        let root = target.root().expect("trees and hosts have roots");
        let step = step.next("load step: walk, read and parse");
        // Across cores: the walk leaves the files nearly sorted (a
        // directory's files, then its subdirectories'), in runs.
        docs.par_sort_by(|a, b| a.rel.cmp(&b.rel));
        let step = step.next("load step: sort");
        // Files compose reads through `env_file:` whatever their names.
        let before = docs.len();
        for rel in referenced_env_files(root, &docs) {
            let name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
            let src = Src {
                root,
                dir: None,
                listed_file: false,
            };
            let (doc, note) = contained(&rel, &name, || {
                load_as(src, &rel, &name, opts, Some(NameKind::DotEnv))
            });
            docs.extend(doc);
            notes.extend(note);
        }
        if docs.len() > before {
            // A sorted run and a few more: one merge.
            docs.sort_by(|a, b| a.rel.cmp(&b.rel));
        }
        let step = step.next("load step: env_file references");
        // Kept for the whole scan: any room left over is given back.
        docs.shrink_to_fit();
        notes.sort();
        let index = PathIndex::build(&docs);
        step.next("load step: index");
        Inventory {
            docs,
            notes,
            environment_dotenv: opts.environment_dotenv,
            index,
            listing,
        }
    }

    /// The files of `kind`, in order.
    pub fn docs_of(&self, kind: Kind) -> impl Iterator<Item = &Doc> {
        // An inventory not built by `load` (or of 2^32 files) is searched.
        let (at, search): (&[u32], &[Doc]) = if self.index.by_kind.is_empty() {
            (&[], &self.docs)
        } else {
            (
                self.index.by_kind.get(kind as usize).map_or(&[], |v| v),
                &[],
            )
        };
        at.iter()
            .map(|&i| &self.docs[i as usize])
            .chain(search.iter().filter(move |d| d.kind == kind))
    }

    /// Whether `rel` is a regular file as the tree's walk saw it; `None`
    /// when it cannot tell (then ask the file system).
    pub fn listed_is_file(&self, rel: &str) -> Option<bool> {
        self.listing.as_ref()?.is_file(rel)
    }

    /// Lets go of what the walk listed (see [`Listing`]).
    pub fn forget_listing(&mut self) {
        self.listing = None;
    }

    /// The position of `rel` in `docs`.
    pub fn position(&self, rel: &str) -> Option<usize> {
        // Rules look up the file of every item they report, and a file's
        // items often come one after another: the position this thread
        // found last is tried first. It is only a hint (it may be another
        // inventory's): the path decides, and paths in `docs` are unique.
        thread_local!(static LAST: Cell<usize> = const { Cell::new(usize::MAX) });
        let last = self.docs.get(LAST.get());
        // Text at a file's own path's address, of its length, is that path
        // (the docs hold their paths for as long as the inventory lives):
        // the last file's path first, then every file's.
        if let Some(d) = last
            && std::ptr::eq(&*d.rel, rel)
        {
            return Some(LAST.get());
        }
        // Rules walk their items in file order, skipping the files that
        // have none: the next few files, by address, before any hashing.
        let next = LAST.get().wrapping_add(1);
        let address = rel.as_ptr() as usize;
        if let Some(ahead) = self.index.addresses.get(next..)
            && let Some(k) = ahead[..ahead.len().min(AHEAD)]
                .iter()
                .position(|&a| a == address)
            && self.docs[next + k].rel.len() == rel.len()
        {
            LAST.set(next + k);
            return Some(next + k);
        }
        if let Some(&(i, len)) = self.index.by_address.get(&(rel.as_ptr() as usize))
            && len as usize == rel.len()
            && i != PathIndex::SHARED
        {
            LAST.set(i as usize);
            return Some(i as usize);
        }
        if last.is_some_and(|d| *d.rel == *rel) {
            return Some(LAST.get());
        }
        let found = match self.index.at.get(&self.index.hasher.hash_one(rel)) {
            None => None,
            Some(&PathIndex::SHARED) => self.docs.binary_search_by(|d| (*d.rel).cmp(rel)).ok(),
            Some(&i) => {
                let i = i as usize;
                (self.docs.get(i).map(|d| &*d.rel) == Some(rel)).then_some(i)
            }
        };
        if let Some(i) = found {
            LAST.set(i);
        }
        found
    }

    pub fn doc(&self, rel: &str) -> Option<&Doc> {
        self.position(rel).map(|i| &self.docs[i])
    }
}

/// Wall time of the serial steps of a load (`RAMPART_TIMINGS=1` only).
struct Step(Option<std::time::Instant>);

impl Step {
    fn start() -> Step {
        Step(crate::timings::enabled().then(std::time::Instant::now))
    }

    /// Ends the step called `what` and starts the next.
    fn next(self, what: &str) -> Step {
        if let Some(start) = self.0 {
            crate::timings::add(what, start.elapsed().as_secs_f64());
        }
        Step::start()
    }
}

/// Where a file is read from: through the descriptor of the directory a
/// walk opened (one `openat` there, no resolution from the root), or by its
/// path from the root (confined resolution).
#[derive(Clone, Copy)]
struct Src<'a> {
    root: &'a Root,
    dir: Option<&'a DirHandle>,
    /// The directory's listing gave the file as a regular file.
    listed_file: bool,
}

impl Src<'_> {
    fn read(&self, rel: &str, name: &str, cap: u64) -> Result<Vec<u8>, RootError> {
        match self.dir {
            Some(dir) if self.listed_file => self.root.read_listed_file(dir, name, cap),
            Some(dir) => self.root.read_in(dir, name, cap),
            None => self.root.read(rel, cap),
        }
    }

    fn read_text(&self, rel: &str, name: &str, cap: u64) -> Result<String, RootError> {
        crate::target::root::bytes_to_text(self.read(rel, name, cap)?)
    }
}

/// Loads one file (panics contained), timing it by kind when timings are on.
fn load_timed(
    src: Src<'_>,
    rel: &str,
    name: &str,
    opts: &LoadOptions,
) -> (Option<Doc>, Option<Note>) {
    let start = crate::timings::enabled().then(std::time::Instant::now);
    let out = contained(rel, name, || load_one(src, rel, name, opts));
    if let Some(start) = start {
        let kind = out
            .0
            .as_ref()
            .map_or("(none)".to_string(), |d| format!("{:?}", d.kind));
        crate::timings::add(&format!("load {kind}"), start.elapsed().as_secs_f64());
    }
    out
}

/// Loads candidate files (path inside the root, file name) by their paths,
/// in parallel.
fn load_all(
    root: &Root,
    candidates: Vec<(String, String)>,
    opts: &LoadOptions,
    docs: &mut Vec<Doc>,
    notes: &mut Vec<Note>,
) {
    let src = Src {
        root,
        dir: None,
        listed_file: false,
    };
    let loaded: Vec<(Option<Doc>, Option<Note>)> = candidates
        .par_iter()
        .map(|(rel, name)| load_timed(src, rel, name, opts))
        .collect();
    for (doc, note) in loaded {
        docs.extend(doc);
        notes.extend(note);
    }
}

/// Walks a tree from `start` and loads its candidate files as they are
/// found, each read through its directory's descriptor.
fn walk(
    root: &Root,
    start: &str,
    opts: &LoadOptions,
    docs: &mut Vec<Doc>,
    notes: &mut Vec<Note>,
    listing: &mut Listing,
) {
    let mut out = Walked::default();
    walk_from(
        root,
        start,
        usize::MAX,
        opts.respect_gitignore,
        Some((opts, &*listing)),
        &mut out,
    );
    out.flatten_into(&mut Vec::new(), docs, notes, Some(listing));
}

/// The candidate files (path inside the root, file name) under `start`,
/// not loaded (a host's places, deduplicated before loading).
fn find(
    root: &Root,
    start: &str,
    max_depth: usize,
    respect_gitignore: bool,
    notes: &mut Vec<Note>,
) -> Vec<(String, String)> {
    let mut out = Walked::default();
    walk_from(root, start, max_depth, respect_gitignore, None, &mut out);
    let mut files = Vec::new();
    out.flatten_into(&mut files, &mut Vec::new(), notes, None);
    files
}

/// The candidate files under `start`, found by descriptors: each directory
/// is opened relative to its parent's descriptor (`Root::open_subdir`,
/// symlinks refused), so one resolution per directory and no `lstat` per
/// path component, and a directory swapped for a link mid-walk leads
/// nowhere. Subdirectories are walked in parallel; symlinks to files are
/// candidates (read through the root's confined resolution), symlinks to
/// directories are not entered. With `load`, each file is read through its
/// directory's descriptor and parsed as it is found (into `docs`), else it
/// is listed (into `files`).
fn walk_from(
    root: &Root,
    start: &str,
    max_depth: usize,
    respect_gitignore: bool,
    load: Option<(&LoadOptions, &Listing)>,
    out: &mut Walked,
) {
    let dir = match root.open_dir(start) {
        Ok(d) => d,
        Err(RootError::NotFound) => return,
        // A start directory that exists but cannot be opened (an
        // unprivileged scan of /etc/ssl/private) is said, never dropped.
        Err(e) => return out.unreadable_dir(start, &e),
    };
    let ignores = respect_gitignore.then(|| gitignore::Chain::default().enter(root, &dir));
    let walk = Walk {
        root,
        max_depth,
        load: load.map(|(opts, _)| opts),
        listing: load.map(|(_, listing)| listing),
    };
    walk.dir(dir, 1, ignores.as_ref(), out);
}

/// What a walk found in one directory and below it, in walk order (a
/// directory, then each subdirectory in name order: nearly sorted, so the
/// sort after is cheap). The files loaded and the entries listed stay in
/// each directory's vector, and a directory takes its subdirectories'
/// vectors whole (not their items), so they are copied once, across cores,
/// at the end; the candidates found unloaded and the notes, few, are
/// appended as they come.
#[derive(Default)]
struct Walked {
    files: Vec<(String, String)>,
    docs: Vec<Vec<Doc>>,
    notes: Vec<Note>,
    /// The directories listed and their entries (see [`Listing`]).
    listed: Vec<u64>,
    entries: Vec<Vec<(u64, EntryKind)>>,
}

impl Walked {
    fn unreadable_dir(&mut self, rel: &str, e: &RootError) {
        self.notes.push(Note {
            rel: Some(rel.to_string()),
            message: format!("could not read directory: {e}; files in it were not scanned"),
        });
    }

    /// Everything found, gathered: the files loaded and the entries
    /// listed copied out across cores (one core copying a 100k-file walk's
    /// files and freeing its vectors kept the other waiting).
    fn flatten_into(
        mut self,
        files: &mut Vec<(String, String)>,
        docs: &mut Vec<Doc>,
        notes: &mut Vec<Note>,
        listing: Option<&mut Listing>,
    ) {
        files.append(&mut self.files);
        notes.append(&mut self.notes);
        let Walked {
            docs: found,
            listed,
            entries,
            ..
        } = self;
        rayon::join(
            || docs.par_extend(found.into_par_iter().flatten()),
            || {
                let Some(l) = listing else { return };
                l.listed.extend(listed);
                l.listed.par_sort_unstable();
                l.entries.par_extend(entries.into_par_iter().flatten());
                l.entries.par_sort_unstable_by_key(|&(h, _)| h);
            },
        );
    }
}

/// What stays the same through one walk.
struct Walk<'a> {
    root: &'a Root,
    max_depth: usize,
    load: Option<&'a LoadOptions>,
    /// Set when what is listed is kept (see [`Listing`]).
    listing: Option<&'a Listing>,
}

impl Walk<'_> {
    /// One directory: its candidate files (loaded with `load`), and its
    /// subdirectories, in parallel (`depth` is the walk depth of its entries).
    fn dir(
        &self,
        dir: crate::target::DirHandle,
        depth: usize,
        ignores: Option<&gitignore::Chain>,
        out: &mut Walked,
    ) {
        let root = self.root;
        let entries = match root.list(&dir) {
            Ok(e) => e,
            Err(e) => return out.unreadable_dir(&dir.rel, &e),
        };
        if let Some(listing) = self.listing.filter(|l| l.room_for(entries.len())) {
            let hasher = &listing.hasher;
            out.listed.push(hasher.hash_one(dir.rel.as_str()));
            let mut listed = Vec::with_capacity(entries.len());
            let mut path = dir.rel.clone();
            for e in &entries {
                path.truncate(dir.rel.len());
                if !dir.rel.is_empty() {
                    path.push('/');
                }
                path.push_str(&e.name);
                let kind = match (e.is_file, e.is_dir, e.is_symlink) {
                    (true, _, _) => EntryKind::File,
                    (_, true, _) => EntryKind::Dir,
                    (_, _, true) => EntryKind::Link,
                    _ => EntryKind::Other,
                };
                listed.push((hasher.hash_one(path.as_str()), kind));
            }
            out.entries.push(listed);
        }
        let dir_name = dir.rel.rsplit('/').next().unwrap_or("");
        let join = |name: &str| {
            if dir.rel.is_empty() {
                name.to_string()
            } else {
                [dir.rel.as_str(), "/", name].concat()
            }
        };
        let mut subdirs = Vec::new();
        let mut files = Vec::new();
        for e in entries {
            // The entry's path, made only when something reads it: most
            // directories have no ignore rules, and most files are not read.
            let mut rel = None;
            if let Some(ig) = ignores.filter(|ig| !ig.is_empty())
                && ig.ignored(root, rel.insert(join(&e.name)), e.is_dir)
            {
                continue;
            }
            if e.is_dir {
                if depth < self.max_depth && !SKIP_DIRS.contains(&e.name.as_str()) {
                    subdirs.push(e.name);
                }
                continue;
            }
            if classify_name(&e.name).is_none() && system_kind(dir_name, &e.name).is_none() {
                continue;
            }
            files.push((rel.unwrap_or_else(|| join(&e.name)), e.name, e.is_file));
        }
        let (loaded, below) = rayon::join(
            || match self.load {
                Some(opts) => files
                    .par_iter()
                    .map(|(rel, name, is_file)| {
                        let src = Src {
                            root,
                            dir: Some(&dir),
                            listed_file: *is_file,
                        };
                        load_timed(src, rel, name, opts)
                    })
                    .collect(),
                None => Vec::new(),
            },
            || {
                subdirs
                    .par_iter()
                    .map(|name| {
                        let mut w = Walked::default();
                        match root.open_subdir(&dir, name) {
                            Ok(sub) => {
                                let chain = ignores.map(|ig| ig.enter(root, &sub));
                                self.dir(sub, depth + 1, chain.as_ref(), &mut w);
                            }
                            Err(e) => w.unreadable_dir(&join(name), &e),
                        }
                        w
                    })
                    .collect::<Vec<Walked>>()
            },
        );
        if self.load.is_none() {
            out.files
                .extend(files.into_iter().map(|(rel, name, _)| (rel, name)));
        }
        let mut docs = Vec::with_capacity(loaded.len());
        for (doc, note) in loaded {
            docs.extend(doc);
            out.notes.extend(note);
        }
        if !docs.is_empty() {
            out.docs.push(docs);
        }
        for mut w in below {
            out.files.append(&mut w.files);
            out.docs.append(&mut w.docs);
            out.notes.append(&mut w.notes);
            out.listed.append(&mut w.listed);
            out.entries.append(&mut w.entries);
        }
    }
}

/// A file named on the command line, with the `.env` compose would read for it.
fn single_file(file: &str, notes: &mut Vec<Note>) -> Vec<(String, String)> {
    let dir_name = file
        .rsplit_once('/')
        .map_or("", |(d, _)| d)
        .rsplit('/')
        .next()
        .unwrap_or("");
    let name = file.rsplit('/').next().unwrap_or(file);
    if classify_name(file).is_none() && system_kind(dir_name, name).is_none() {
        notes.push(Note {
            rel: Some(file.to_string()),
            message: "not a configuration file rampart reads (by its name)".to_string(),
        });
        return Vec::new();
    }
    let mut out = vec![(file.to_string(), file.to_string())];
    if classify_name(file) == Some(NameKind::Yaml) {
        out.push((".env".to_string(), ".env".to_string()));
    }
    out
}

fn host_candidates(root: &Root, notes: &mut Vec<Note>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (place, depth) in HOST_PLACES {
        for dir in expand_place(root, place) {
            out.extend(find(root, &dir, depth, false, notes));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Expands `*` path segments against the root's directories.
fn expand_place(root: &Root, place: &str) -> Vec<String> {
    let mut prefixes = vec![String::new()];
    for seg in place.split('/') {
        let mut next = Vec::new();
        for p in &prefixes {
            if seg == "*" {
                if let Ok(entries) = root.read_dir(p) {
                    for e in entries.into_iter().filter(|e| e.is_dir) {
                        next.push(
                            format!("{p}/{}", e.name)
                                .trim_start_matches('/')
                                .to_string(),
                        );
                    }
                }
            } else {
                next.push(format!("{p}/{seg}").trim_start_matches('/').to_string());
            }
        }
        prefixes = next;
    }
    prefixes.into_iter().filter(|p| root.is_dir(p)).collect()
}

/// What a file's name says it may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameKind {
    DotEnv,
    /// A name an env file may have (`.env-e`, `env.prod`, `app.env.local`):
    /// a dotenv file only if its content is one.
    MaybeDotEnv,
    Ini,
    VmArgs,
    Yaml,
    Json,
    Csv,
    Conf,
    Pem,
}

fn classify_name(name: &str) -> Option<NameKind> {
    // Lower-cased on the stack: the walk asks this of every file.
    let mut buf = [0u8; 128];
    let owned;
    let lower: &str = match buf.get_mut(..name.len()) {
        Some(b) => {
            b.copy_from_slice(name.as_bytes());
            b.make_ascii_lowercase();
            std::str::from_utf8(b).expect("ASCII lower-casing keeps UTF-8")
        }
        None => {
            owned = name.to_ascii_lowercase();
            &owned
        }
    };
    if lower == ".env"
        || lower.ends_with(".env")
        || lower.starts_with(".env.")
        || lower == "env.template"
        || lower.ends_with(".env.example")
        || lower.ends_with(".env.template")
    {
        return Some(NameKind::DotEnv);
    }
    if maybe_env_name(lower) {
        return Some(NameKind::MaybeDotEnv);
    }
    if lower == "vm.args" {
        return Some(NameKind::VmArgs);
    }
    if lower.ends_with(".ini") {
        return Some(NameKind::Ini);
    }
    if lower.ends_with(".json")
        && (lower.starts_with("app_settings") || lower.starts_with("base_settings"))
    {
        return Some(NameKind::Json);
    }
    if lower.ends_with(".csv") && lower.contains("user") {
        return Some(NameKind::Csv);
    }
    if lower.ends_with(".yml")
        || lower.ends_with(".yaml")
        || lower.ends_with(".yml.template")
        || lower.ends_with(".yaml.template")
    {
        return Some(NameKind::Yaml);
    }
    if lower.ends_with(".conf") || lower.ends_with(".conf.template") {
        return Some(NameKind::Conf);
    }
    if [".pem", ".crt", ".cer", ".key"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        return Some(NameKind::Pem);
    }
    None
}

/// Names env files get besides `.env` and `*.env`: editor and `sed -i -e`
/// leftovers (`.env-e`, `.env_old`), per-environment copies (`env.prod`,
/// `app.env.local`, `prod.env.bak`). Other formats' extensions are theirs.
fn maybe_env_name(lower: &str) -> bool {
    const OTHER: [&str; 14] = [
        ".yml", ".yaml", ".json", ".js", ".ts", ".py", ".sh", ".md", ".toml", ".ini", ".conf",
        ".xml", ".html", ".rs",
    ];
    (lower.starts_with(".env-")
        || lower.starts_with(".env_")
        || lower.starts_with("env.")
        || lower.contains(".env."))
        && !OTHER.iter().any(|e| lower.ends_with(e))
}

/// Whether a file whose name only may be an env file is one by its content:
/// it parses as dotenv and sets at least one upper-case variable.
fn env_by_content(env: &dotenv::DotEnv) -> bool {
    env.entries.iter().any(|e| {
        e.value.is_some()
            && e.key.starts_with(|c: char| c.is_ascii_uppercase())
            && e.key
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    })
}

/// Certificates and keys: PEM text (sniffed by `-----BEGIN`), or a DER
/// certificate in a `.crt`/`.cer` file.
fn load_pem(
    src: Src<'_>,
    rel: &str,
    name: &str,
    opts: &LoadOptions,
) -> (Option<Doc>, Option<Note>) {
    let bytes = match src.read(rel, name, opts.max_file_size) {
        Ok(b) => b,
        Err(RootError::NotFound) => return (None, None),
        Err(e) => return found(rel, Kind::Pem, Err(format!("could not read: {e}"))),
    };
    let doc = |content| found(rel, Kind::Pem, content);
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let text = String::from_utf8_lossy(&bytes);
        return doc(x509::parse_pem(&text).map(Parsed::Pem));
    }
    let lower = name.to_ascii_lowercase();
    if (lower.ends_with(".crt") || lower.ends_with(".cer")) && bytes.first() == Some(&0x30) {
        return doc(Ok(Parsed::Pem(vec![x509::PemBlock::Certificate {
            line: 1,
            cert: Box::new(x509::analyze(&bytes)),
        }])));
    }
    (None, None)
}

/// Loads one file with any panic contained: the file becomes an error
/// naming it (a doc of the kind its name promises, so the rules that read it
/// are `not_evaluated`), never the panic's message, which may quote content.
fn contained(
    rel: &str,
    name: &str,
    load: impl FnOnce() -> (Option<Doc>, Option<Note>),
) -> (Option<Doc>, Option<Note>) {
    crate::facts::contain_panic(load).unwrap_or_else(|| {
        let why = PARSER_PANICKED.to_string();
        match kind_by_name(rel, name) {
            Some(kind) => found(rel, kind, Err(why)),
            None => skipped(rel, format!("not evaluated: {why}")),
        }
    })
}

/// The reason given for a file whose parser panicked.
pub const PARSER_PANICKED: &str =
    "parser panicked on this file (an internal error; the file was not evaluated)";

/// The name of the directory holding `rel` ("" at the top).
fn parent_name(rel: &str) -> &str {
    rel.rsplit_once('/')
        .map_or("", |(d, _)| d)
        .rsplit('/')
        .next()
        .unwrap_or("")
}

/// The kind a file's name (and directory) promises, before it is read.
fn kind_by_name(rel: &str, name: &str) -> Option<Kind> {
    let dir_name = parent_name(rel);
    if let Some(kind) = system_kind(dir_name, name) {
        return Some(kind);
    }
    match classify_name(name)? {
        NameKind::DotEnv => Some(Kind::DotEnv),
        // Only its content can tell.
        NameKind::MaybeDotEnv => None,
        NameKind::VmArgs => Some(Kind::VmArgs),
        NameKind::Json => Some(Kind::AppSettings),
        NameKind::Pem => Some(Kind::Pem),
        NameKind::Yaml => yaml_name_kind(rel, name),
        NameKind::Csv => Some(Kind::UsersCsv),
        NameKind::Ini => Some(Kind::CouchIni),
        NameKind::Conf => Some(Kind::Nginx),
    }
}

/// A configuration file found: parsed, or why not.
fn found(rel: &str, kind: Kind, content: Result<Parsed, String>) -> (Option<Doc>, Option<Note>) {
    (
        Some(Doc {
            rel: Arc::from(rel),
            kind,
            content,
            marks: Box::default(),
        }),
        None,
    )
}

/// A file passed over, with the note that says why.
fn skipped(rel: &str, message: String) -> (Option<Doc>, Option<Note>) {
    (
        None,
        Some(Note {
            rel: Some(rel.to_string()),
            message,
        }),
    )
}

/// Compose file names docker compose and CHT use.
fn compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("docker-compose")
        || lower.starts_with("compose.")
        || lower.starts_with("compose-")
        || lower.starts_with("cht-core")
        || lower.starts_with("cht-couchdb")
        || lower.contains("compose")
}

fn load_one(
    src: Src<'_>,
    rel: &str,
    name: &str,
    opts: &LoadOptions,
) -> (Option<Doc>, Option<Note>) {
    let dir_name = parent_name(rel);
    if let Some(kind) = system_kind(dir_name, name) {
        return load_system(src, rel, name, kind, opts);
    }
    if name == "pg_hba.conf" {
        return match src.read_text(rel, name, opts.max_file_size) {
            Ok(text) => found(rel, Kind::PgHba, pg_hba::parse(&text).map(Parsed::PgHba)),
            Err(RootError::NotFound) => (None, None),
            Err(e) => found(rel, Kind::PgHba, Err(format!("could not read: {e}"))),
        };
    }
    load_as(src, rel, name, opts, classify_name(name))
}

fn load_as(
    src: Src<'_>,
    rel: &str,
    name: &str,
    opts: &LoadOptions,
    name_kind: Option<NameKind>,
) -> (Option<Doc>, Option<Note>) {
    let Some(name_kind) = name_kind else {
        return (None, None);
    };
    if name_kind == NameKind::Pem {
        return load_pem(src, rel, name, opts);
    }
    let guessed = match name_kind {
        NameKind::DotEnv => Some(Kind::DotEnv),
        NameKind::MaybeDotEnv => None,
        NameKind::VmArgs => Some(Kind::VmArgs),
        NameKind::Ini | NameKind::Conf | NameKind::Pem => None,
        NameKind::Yaml => yaml_name_kind(rel, name),
        NameKind::Json => Some(Kind::AppSettings),
        NameKind::Csv => None,
    };
    let start = crate::timings::enabled().then(std::time::Instant::now);
    let read = src
        .read(rel, name, opts.max_file_size)
        .map_err(ReadError::Root)
        .and_then(|bytes| decode(bytes, name_comments(name_kind)));
    let text = match read {
        Ok(t) => t,
        Err(ReadError::Root(RootError::NotFound)) => return (None, None),
        Err(ReadError::Root(e @ RootError::TooLarge { .. })) => {
            return skipped(rel, format!("skipped: {e}"));
        }
        Err(ReadError::NotUtf8 { line, lossy }) => {
            // Never a silent pass: the file is an error of the kind its name
            // or (lossily read) content says, so its rules are not evaluated.
            let why = format!("not UTF-8 at line {line}; the file was not evaluated");
            let kind = guessed.or_else(|| sniff_kind(rel, name, name_kind, &lossy));
            return match kind {
                Some(kind) => found(rel, kind, Err(why)),
                None => skipped(rel, format!("skipped: {why}")),
            };
        }
        Err(ReadError::Root(e)) => {
            return match guessed {
                Some(kind) => found(rel, kind, Err(format!("could not read: {e}"))),
                None => skipped(rel, format!("skipped: {e}")),
            };
        }
    };
    if let Some(start) = start {
        crate::timings::add("load: read+decode", start.elapsed().as_secs_f64());
    }
    let marks = crate::policy::inline::marked_lines(&text);
    let doc = |kind, content| found(rel, kind, content);
    let (doc, note) = match name_kind {
        NameKind::DotEnv => doc(
            Kind::DotEnv,
            dotenv::parse(&text)
                .map(|e| Parsed::DotEnv(Arc::new(e)))
                .map_err(|e| format!("dotenv syntax error at {e}")),
        ),
        NameKind::MaybeDotEnv => match dotenv::parse(&text) {
            Ok(env) if env_by_content(&env) => doc(Kind::DotEnv, Ok(Parsed::DotEnv(Arc::new(env)))),
            _ => (None, None),
        },
        NameKind::VmArgs => doc(Kind::VmArgs, vmargs::parse(&text).map(Parsed::VmArgs)),
        NameKind::Ini if grafana::is_grafana_ini(name) => doc(
            Kind::GrafanaIni,
            Ok(Parsed::GrafanaIni(grafana::parse_ini(&text))),
        ),
        NameKind::Ini => match crate::heap::parse_tree(|| couchdb_ini::parse(&text)) {
            Ok(ini) if couchdb_ini::is_couchdb(&ini) => {
                doc(Kind::CouchIni, Ok(Parsed::CouchIni(ini)))
            }
            Ok(_) => (None, None),
            Err(e) if sniff_couchdb_ini(&text) => {
                doc(Kind::CouchIni, Err(format!("ini syntax error at {e}")))
            }
            Err(_) => (None, None),
        },
        NameKind::Yaml => load_yaml(rel, name, &text, guessed),
        NameKind::Json => doc(
            Kind::AppSettings,
            crate::heap::parse_tree(|| json::parse(&text))
                .map_err(|e| e.to_string())
                .and_then(|j| {
                    if j.is_object() {
                        Ok(Parsed::AppSettings(j))
                    } else {
                        Err("line 1: CHT app settings must be a JSON object".to_string())
                    }
                }),
        ),
        NameKind::Csv if users_csv::is_users_header(&text) => doc(
            Kind::UsersCsv,
            users_csv::parse(&text).map(Parsed::UsersCsv),
        ),
        NameKind::Csv => (None, None),
        NameKind::Conf => match crate::heap::parse_tree(|| nginx::parse(&text)) {
            Ok(d) if nginx::looks_like_nginx(&d) => doc(Kind::Nginx, Ok(Parsed::Nginx(d))),
            Ok(_) => (None, None),
            Err(e) if sniff_nginx(rel, name, &text) => {
                doc(Kind::Nginx, Err(format!("nginx syntax error at {e}")))
            }
            Err(_) => (None, None),
        },
        NameKind::Pem => (None, None),
    };
    (doc.map(|d| Doc { marks, ..d }), note)
}

/// The kind a YAML file's name promises, before its content is read.
fn yaml_name_kind(rel: &str, name: &str) -> Option<Kind> {
    if compose_name(name) {
        Some(Kind::Compose)
    } else if watchdog::is_instances_name(name) {
        Some(Kind::Watchdog)
    } else if grafana::is_alerting_path(rel) {
        Some(Kind::GrafanaAlerting)
    } else if helm::is_values_name(rel) {
        Some(Kind::HelmValues)
    } else {
        None
    }
}

/// Whether a file is an example or template to copy from (`.env.example`,
/// `env.template`, `*.sample`, `*.dist`): documentation, not what runs.
pub fn is_example(rel: &str) -> bool {
    // Compared without case, and without a lower-case copy or iterator
    // adapters: rules ask this of every file and setting they read (2 % of
    // a 100k-file scan's CPU as `split` and `any` over the words).
    let name = rel.rfind('/').map_or(rel, |i| &rel[i + 1..]).as_bytes();
    name.get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"example"))
        || name.split(|&b| b == b'.').any(|part| match part.len() {
            4 => part.eq_ignore_ascii_case(b"dist") || part.eq_ignore_ascii_case(b"tmpl"),
            6 => part.eq_ignore_ascii_case(b"sample"),
            7 => part.eq_ignore_ascii_case(b"example"),
            8 => part.eq_ignore_ascii_case(b"template"),
            _ => false,
        })
}

/// `env_file:` entries of the compose files found, resolved against each
/// compose file's directory, that the walk did not already load (`docs`
/// is sorted by path).
fn referenced_env_files(root: &Root, docs: &[Doc]) -> Vec<String> {
    let loaded = |rel: &str| docs.binary_search_by(|d| (*d.rel).cmp(rel)).is_ok();
    // The paths not loaded, in order, found across cores.
    let missing: Vec<String> = docs
        .par_iter()
        .with_min_len(256)
        .flat_map_iter(|doc| {
            let services = match &doc.content {
                Ok(Parsed::Compose(file)) => &file.services[..],
                _ => &[],
            };
            let dir = doc.rel.rsplit_once('/').map_or("", |(d, _)| d);
            services
                .iter()
                .flat_map(|svc| &svc.env_files)
                .filter(|f| !f.raw.contains('$'))
                .filter_map(move |f| normalize_rel(dir, &f.raw))
                .filter(|rel| !loaded(rel))
        })
        .collect();
    let mut wanted: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for rel in missing {
        // Each path is looked up once, found or not.
        if wanted.insert(rel.clone()) && root.exists(&rel) {
            out.push(rel);
        }
    }
    out
}

/// `dir` joined with a relative path, `.` and `..` folded; `None` when it
/// climbs out of the root or is absolute.
pub fn normalize_rel(dir: &str, path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// `.gitignore` files honoured during a walk (only with `--respect-gitignore`),
/// read through the walk's directory descriptors like every other file.
mod gitignore {
    use std::sync::Arc;

    use ignore::gitignore::{Gitignore, GitignoreBuilder};

    use crate::target::{DirHandle, Root};

    /// The matchers of a directory and its ancestors, outermost first.
    #[derive(Clone, Default)]
    pub struct Chain {
        levels: Vec<Arc<Gitignore>>,
    }

    impl Chain {
        /// The chain inside `dir`: this one plus `dir`'s own `.gitignore`.
        pub fn enter(&self, root: &Root, dir: &DirHandle) -> Chain {
            let mut next = self.clone();
            let Ok(bytes) = root.read_in(dir, ".gitignore", 1024 * 1024) else {
                return next;
            };
            let text = String::from_utf8_lossy(&bytes);
            let mut b = GitignoreBuilder::new(root.host_path(&dir.rel));
            for line in text.lines() {
                let _ = b.add_line(None, line);
            }
            if let Ok(g) = b.build() {
                next.levels.push(Arc::new(g));
            }
            next
        }

        /// Whether no `.gitignore` applies.
        pub fn is_empty(&self) -> bool {
            self.levels.is_empty()
        }

        /// Whether `rel` is ignored: the innermost matcher that has a say wins.
        pub fn ignored(&self, root: &Root, rel: &str, is_dir: bool) -> bool {
            if self.levels.is_empty() {
                return false;
            }
            let path = root.host_path(rel);
            self.levels
                .iter()
                .rev()
                .map(|g| g.matched(&path, is_dir))
                .find(|m| !m.is_none())
                .is_some_and(|m| m.is_ignore())
        }
    }
}

/// An nginx file that does not parse: by its name or directory, or its text.
fn sniff_nginx(rel: &str, name: &str, text: &str) -> bool {
    name == "nginx.conf"
        || rel
            .split('/')
            .any(|s| s == "nginx" || s == "sites-enabled" || s == "conf.d")
        || text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("server {") || l.starts_with("http {") || l.starts_with("ssl_protocols")
        })
}

// --- System files kept in a deployment repo (login.defs, PAM, pwquality,
// sshd_config): the tree side of the host packs. On hosts these are read by
// their facts under the root's /etc instead.

/// The system file kind a name in a directory names: `login.defs`,
/// anything in a `pam.d/` directory, `pwquality.conf` and
/// `pwquality.conf.d/*.conf`, `sshd_config` and `sshd_config.d/*.conf`.
fn system_kind(dir_name: &str, name: &str) -> Option<Kind> {
    let hidden_or_backup = name.starts_with('.')
        || name.ends_with('~')
        || [
            ".md",
            ".txt",
            ".j2",
            ".template",
            ".orig",
            ".bak",
            ".dpkg-old",
            ".dpkg-dist",
            ".rpmnew",
            ".rpmsave",
            ".swp",
        ]
        .iter()
        .any(|s| name.ends_with(s));
    if hidden_or_backup {
        return None;
    }
    match (dir_name, name) {
        (_, "login.defs") => Some(Kind::LoginDefs),
        ("pam.d", _) => Some(Kind::Pam),
        (_, "pwquality.conf") => Some(Kind::PwQuality),
        ("pwquality.conf.d", n) if n.ends_with(".conf") => Some(Kind::PwQuality),
        (_, "sshd_config") => Some(Kind::Sshd),
        ("sshd_config.d", n) if n.ends_with(".conf") => Some(Kind::Sshd),
        _ => None,
    }
}

fn load_system(
    src: Src<'_>,
    rel: &str,
    name: &str,
    kind: Kind,
    opts: &LoadOptions,
) -> (Option<Doc>, Option<Note>) {
    // Every system format here has `#` comments.
    let read = src
        .read(rel, name, opts.max_file_size)
        .map_err(ReadError::Root)
        .and_then(|bytes| decode(bytes, Comments::Hash));
    let content = match read {
        Ok(text) => match kind {
            Kind::LoginDefs => Ok(Parsed::LoginDefs(login_defs::parse(&text))),
            Kind::Pam => Ok(Parsed::Pam(pam::parse(&text))),
            Kind::PwQuality => Ok(Parsed::PwQuality(pwquality::parse(&text))),
            Kind::Sshd => sshd::parse(&text).map(Parsed::Sshd),
            _ => return (None, None),
        },
        Err(ReadError::Root(RootError::NotFound)) => return (None, None),
        Err(ReadError::NotUtf8 { line, .. }) => Err(format!(
            "not UTF-8 at line {line}; the file was not evaluated"
        )),
        Err(ReadError::Root(e)) => Err(format!("could not read: {e}")),
    };
    found(rel, kind, content)
}

/// How a format writes comments: where bytes that are not UTF-8 may be
/// read lossily without changing what the file says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comments {
    /// No comments (JSON, CSV): any invalid byte makes the file unreadable.
    None,
    /// `#` to the end of the line, at the start of a line or after
    /// whitespace (nginx, dotenv, YAML, sshd, PAM, vm.args, login.defs).
    Hash,
    /// Whole lines starting with `;` or `#` (ini).
    LineSemicolonOrHash,
}

fn name_comments(kind: NameKind) -> Comments {
    match kind {
        NameKind::Json | NameKind::Csv | NameKind::Pem => Comments::None,
        NameKind::Ini => Comments::LineSemicolonOrHash,
        NameKind::DotEnv
        | NameKind::MaybeDotEnv
        | NameKind::VmArgs
        | NameKind::Yaml
        | NameKind::Conf => Comments::Hash,
    }
}

/// Where the comment of a line (its valid UTF-8 prefix) starts, if it
/// surely does: a `#` with no quote before it (a quote could make the `#`
/// part of a value).
fn comment_start(prefix: &[u8], comments: Comments) -> Option<usize> {
    match comments {
        Comments::None => None,
        Comments::LineSemicolonOrHash => {
            let first = prefix.iter().position(|b| !b.is_ascii_whitespace())?;
            matches!(prefix[first], b';' | b'#').then_some(first)
        }
        Comments::Hash => {
            for (i, &b) in prefix.iter().enumerate() {
                match b {
                    b'"' | b'\'' => return None,
                    b'#' if i == 0 || prefix[i - 1].is_ascii_whitespace() => return Some(i),
                    _ => {}
                }
            }
            None
        }
    }
}

/// Text from a file's bytes. Bytes that are not UTF-8 only inside comments
/// are read lossily (they change nothing); anywhere else the file is
/// `NotUtf8` with the first such line (and a lossy copy, only for telling
/// what kind of file it is). A NUL byte in the first 8 KiB means binary.
pub fn decode(bytes: Vec<u8>, comments: Comments) -> Result<String, ReadError> {
    // One memchr over the first 8 KiB.
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(ReadError::Root(RootError::Binary));
    }
    let strip_bom = |mut text: String| {
        if text.starts_with('\u{feff}') {
            text.drain(..3);
        }
        text
    };
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return Ok(strip_bom(text)),
        Err(e) => e.into_bytes(),
    };
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let Err(e) = std::str::from_utf8(line) else {
            continue;
        };
        let bad = e.valid_up_to();
        if comment_start(&line[..bad], comments).is_none_or(|c| c >= bad) {
            return Err(ReadError::NotUtf8 {
                line: i as u32 + 1,
                lossy: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
    }
    Ok(strip_bom(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Why a file's text could not be had.
#[derive(Debug)]
pub enum ReadError {
    Root(RootError),
    /// Bytes that are not UTF-8 outside comments, first at `line`.
    NotUtf8 {
        line: u32,
        lossy: String,
    },
}

/// The kind of a file that is not UTF-8, from its lossily read text.
fn sniff_kind(rel: &str, name: &str, name_kind: NameKind, lossy: &str) -> Option<Kind> {
    match name_kind {
        NameKind::Conf => sniff_nginx(rel, name, lossy).then_some(Kind::Nginx),
        NameKind::Ini => sniff_couchdb_ini(lossy).then_some(Kind::CouchIni),
        NameKind::Csv => users_csv::is_users_header(lossy).then_some(Kind::UsersCsv),
        NameKind::MaybeDotEnv => dotenv::parse(lossy)
            .ok()
            .filter(env_by_content)
            .map(|_| Kind::DotEnv),
        NameKind::Yaml => sniff_yaml_kind(lossy).or_else(|| {
            let lower = lossy.to_ascii_lowercase();
            (lower.contains("apiversion:") && lower.contains("kind:")).then_some(Kind::K8s)
        }),
        _ => None,
    }
}

fn sniff_couchdb_ini(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.starts_with('[')
            && couchdb_ini::COUCHDB_SECTIONS
                .iter()
                .any(|s| l.trim_matches(['[', ']']) == *s)
    })
}

fn is_template(rel: &str, name: &str, text: &str) -> bool {
    text.contains("{{")
        && (name.ends_with(".template")
            || rel.split('/').any(|s| s == "templates")
            || text.contains("{{-")
            || text.contains(".Values"))
}

fn load_yaml(
    rel: &str,
    name: &str,
    text: &str,
    guessed: Option<Kind>,
) -> (Option<Doc>, Option<Note>) {
    let template_note = || {
        skipped(
            rel,
            "skipped: unrendered template ({{ }}); render it (helm template, the CHT build) to scan the result".to_string(),
        )
    };
    if is_template(rel, name, text) {
        return template_note();
    }
    let mut docs = match crate::heap::parse_tree(|| yaml::parse(text)) {
        Ok(d) => d,
        Err(e) => {
            if text.contains("{{") {
                return template_note();
            }
            let kind = guessed.or_else(|| sniff_yaml_kind(text));
            return match kind {
                Some(kind) => found(rel, kind, Err(e.to_string())),
                None => skipped(rel, format!("skipped: {e}")),
            };
        }
    };
    let doc = |kind, content| found(rel, kind, content);
    if let Some(first) = docs.iter().find(|d| compose::looks_like_compose(d)) {
        return doc(
            Kind::Compose,
            compose::from_yaml(first)
                .map(|c| Parsed::Compose(Arc::new(c)))
                .map_err(|e| format!("invalid compose file at {e}")),
        );
    }
    if guessed == Some(Kind::Compose)
        && docs.iter().all(|d| d.is_null() || d.is_map())
        && !docs.iter().any(k8s::looks_like_k8s)
    {
        // A compose-named file without services (an override, a fragment).
        if docs.iter().any(|d| d.get("services").is_some()) {
            let first = docs
                .iter()
                .find(|d| d.get("services").is_some())
                .expect("checked");
            return doc(
                Kind::Compose,
                compose::from_yaml(first)
                    .map(|c| Parsed::Compose(Arc::new(c)))
                    .map_err(|e| format!("invalid compose file at {e}")),
            );
        }
        return (None, None);
    }
    if guessed == Some(Kind::GrafanaAlerting) {
        return doc(
            Kind::GrafanaAlerting,
            grafana::alerting_from_yaml(&docs).map(Parsed::GrafanaAlerting),
        );
    }
    if docs.iter().any(k8s::looks_like_k8s) {
        // Kept for the whole scan (rules read it): copied out of the parse
        // trees' heap, whose pages then empty with the rest of the tree.
        let objects = k8s::into_objects(docs);
        return doc(Kind::K8s, Ok(Parsed::K8s(objects.clone())));
    }
    if guessed == Some(Kind::Watchdog) {
        return doc(
            Kind::Watchdog,
            watchdog::from_yaml(&docs).map(Parsed::Watchdog),
        );
    }
    let first_map = docs.iter().position(|d| !d.is_null());
    if let Some(at) = first_map
        && (guessed == Some(Kind::HelmValues) || helm::looks_like_cht_values(&docs[at]))
    {
        let mut first = docs.swap_remove(at);
        // Kept until the helm releases are built: at its size, among the
        // other parse trees.
        crate::heap::parse_tree(|| first.compact());
        return if first.is_map() {
            doc(Kind::HelmValues, Ok(Parsed::HelmValues(first)))
        } else {
            doc(
                Kind::HelmValues,
                Err(format!(
                    "line {}: helm values must be a mapping",
                    first.line
                )),
            )
        };
    }
    (None, None)
}

/// The kind of a YAML file that does not parse, from its text.
fn sniff_yaml_kind(text: &str) -> Option<Kind> {
    let has = |p: &str| text.lines().any(|l| l.starts_with(p));
    if has("services:") {
        Some(Kind::Compose)
    } else if has("apiVersion:") && has("kind:") {
        Some(Kind::K8s)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past its bound the listing records no more directories, and what
    /// it did not record it does not answer.
    #[test]
    fn the_listing_is_bounded() {
        use std::fs;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        fs::create_dir_all(p.join("a/b")).unwrap();
        for f in ["1", "2", "3", "4"] {
            fs::write(p.join(f), "x\n").unwrap();
        }
        fs::write(p.join("a/b/f"), "x\n").unwrap();
        let root = Root::open(p, crate::target::Confinement::Strict).unwrap();
        let mut listing = Listing::default();
        // Room for two entries more: the top (5 entries) is not recorded,
        // `a` (one) and `a/b` (one) are.
        listing.recorded.store(
            Listing::MAX_ENTRIES - 2,
            std::sync::atomic::Ordering::Relaxed,
        );
        let (mut docs, mut notes) = (Vec::new(), Vec::new());
        walk(
            &root,
            "",
            &LoadOptions::default(),
            &mut docs,
            &mut notes,
            &mut listing,
        );
        assert_eq!(listing.listed.len(), 2);
        assert_eq!(listing.is_file("1"), None);
        assert_eq!(listing.is_file("nope/x"), None);
        assert_eq!(listing.is_file("a/b/f"), Some(true));
        assert_eq!(listing.is_file("a/b/g"), Some(false));
        assert!(!listing.room_for(1));
    }

    /// What the walk listed answers as the file system does, or not at all.
    #[test]
    fn the_listing_answers_as_the_file_system() {
        use std::fs;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        for d in [
            "site/nginx/conf.d",
            "site/node_modules/x",
            "other",
            ".gitignored",
        ] {
            fs::create_dir_all(p.join(d)).unwrap();
        }
        fs::write(p.join("site/nginx/nginx.conf"), "events {}\n").unwrap();
        fs::write(p.join("site/nginx/mime.types"), "types {}\n").unwrap();
        fs::write(p.join("site/nginx/conf.d/a.conf"), "\n").unwrap();
        fs::write(p.join("site/node_modules/x/f"), "\n").unwrap();
        fs::write(p.join(".gitignore"), "*.types\n.gitignored/\n").unwrap();
        fs::write(p.join(".gitignored/g"), "\n").unwrap();
        std::os::unix::fs::symlink("../other", p.join("site/link")).unwrap();
        fs::write(p.join("other/o.conf"), "\n").unwrap();
        nix::unistd::mkfifo(&p.join("site/fifo"), nix::sys::stat::Mode::S_IRUSR).unwrap();
        let target = Target::tree(p, "t", p).unwrap();
        let inv = Inventory::load(&target, &LoadOptions::default());
        let root = target.root().unwrap();
        let mut told = 0;
        for rel in [
            "site/nginx/nginx.conf",
            "site/nginx/mime.types",
            "site/nginx/etc/nginx/mime.types",
            "site/nginx/nginx/mime.types",
            "site/nginx/conf.d",
            "site/nginx/conf.d/a.conf",
            "site/nginx/conf.d/b.conf",
            "site/nginx/nginx.conf/x",
            "site/node_modules/x/f",
            "site/link/o.conf",
            "site/nginx/../link/o.conf",
            "site/fifo",
            ".gitignored/g",
            "etc/nginx/mime.types",
            "nope",
        ] {
            let truth = root.metadata(rel).is_ok_and(|m| m.is_file());
            match inv.listed_is_file(rel) {
                Some(said) => {
                    assert_eq!(said, truth, "{rel}");
                    told += 1;
                }
                None => assert!(
                    rel.contains("node_modules") || rel.contains("link"),
                    "{rel}: the walk listed it"
                ),
            }
        }
        assert_eq!(told, 12);
        let mut inv = inv;
        inv.forget_listing();
        assert_eq!(inv.listed_is_file("site/nginx/mime.types"), None);
    }

    #[test]
    fn names() {
        assert_eq!(classify_name(".env"), Some(NameKind::DotEnv));
        assert_eq!(classify_name("production.env"), Some(NameKind::DotEnv));
        assert_eq!(classify_name("env.template"), Some(NameKind::DotEnv));
        assert_eq!(classify_name(".env.example"), Some(NameKind::DotEnv));
        assert_eq!(classify_name(".env-e"), Some(NameKind::MaybeDotEnv));
        assert_eq!(classify_name("env.prod"), Some(NameKind::MaybeDotEnv));
        assert_eq!(classify_name("app.env.local"), Some(NameKind::MaybeDotEnv));
        assert_eq!(classify_name("env.yml"), Some(NameKind::Yaml));
        assert_eq!(classify_name("vm.args"), Some(NameKind::VmArgs));
        assert_eq!(classify_name("local.ini"), Some(NameKind::Ini));
        assert_eq!(classify_name("cht-core.yml.template"), Some(NameKind::Yaml));
        assert_eq!(classify_name("README.md"), None);
        assert!(compose_name("docker-compose.override.yml"));
        assert!(compose_name("cht-couchdb-clustered.yml"));
        assert!(!compose_name("values.yaml"));
        assert_eq!(system_kind("ssh", "sshd_config"), Some(Kind::Sshd));
        assert_eq!(system_kind("sshd_config.d", "50-x.conf"), Some(Kind::Sshd));
        assert_eq!(system_kind("templates", "sshd_config.j2"), None);
        assert_eq!(system_kind("pam.d", "common-password"), Some(Kind::Pam));
        assert_eq!(system_kind("pam.d", "README.md"), None);
        assert_eq!(system_kind("etc", "login.defs"), Some(Kind::LoginDefs));
        assert_eq!(
            system_kind("pwquality.conf.d", "10.conf"),
            Some(Kind::PwQuality)
        );
        assert_eq!(system_kind("x", "other"), None);
    }

    #[test]
    fn yaml_kinds() {
        let (d, _) = load_yaml("a/x.yml", "x.yml", "services:\n  a:\n    image: b\n", None);
        assert_eq!(d.unwrap().kind, Kind::Compose);
        let (d, _) = load_yaml("a/s.yml", "s.yml", "apiVersion: v1\nkind: Service\n", None);
        assert_eq!(d.unwrap().kind, Kind::K8s);
        let (d, n) = load_yaml(
            "t/templates/s.yaml",
            "s.yaml",
            "kind: {{ .Values.x }}\n",
            None,
        );
        assert!(d.is_none() && n.unwrap().message.contains("template"));
        let (d, _) = load_yaml(
            "docker-compose.yml",
            "docker-compose.yml",
            "services:\n  a: [\n",
            Some(Kind::Compose),
        );
        let d = d.unwrap();
        assert_eq!(d.kind, Kind::Compose);
        assert!(d.content.unwrap_err().contains("line"));
        let (d, _) = load_yaml("x.yml", "x.yml", "services:\n  a: [\n", None);
        assert_eq!(d.unwrap().kind, Kind::Compose, "sniffed from text");
        let (d, n) = load_yaml("values.yaml", "values.yaml", "a: 1\n", None);
        assert!(d.is_none() && n.is_none());
    }

    #[test]
    fn a_panicking_parser_is_an_error_for_its_file_without_the_message() {
        let (d, n) = contained("cfg/app_settings.json", "app_settings.json", || {
            panic!("byte index 3 is not a char boundary in `S3cretValue`")
        });
        let d = d.unwrap();
        assert!(n.is_none());
        assert_eq!(d.kind, Kind::AppSettings);
        let why = d.content.unwrap_err();
        assert!(why.contains("parser panicked"), "{why}");
        assert!(!why.contains("S3cret"), "{why}");
        let (d, n) = contained("x/unknown.yml", "unknown.yml", || panic!("S3cretValue"));
        assert!(d.is_none());
        let n = n.unwrap();
        assert_eq!(n.rel.as_deref(), Some("x/unknown.yml"));
        assert!(n.message.contains("parser panicked") && !n.message.contains("S3cret"));
    }

    #[test]
    fn a_json_escape_before_a_multibyte_char_is_a_syntax_error_for_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("app_settings.json"),
            "{\"a\": \"S3cretValue\\\u{e9}\"}",
        )
        .unwrap();
        let target = Target::tree(dir.path(), "t", dir.path()).unwrap();
        let inv = Inventory::load(&target, &LoadOptions::default());
        let why = inv
            .doc("app_settings.json")
            .unwrap()
            .content
            .clone()
            .unwrap_err();
        assert!(
            why.contains("line 1") && why.contains("invalid escape"),
            "{why}"
        );
        assert!(!why.contains("S3cret"), "{why}");
    }

    #[test]
    fn files_of_a_kind_are_listed_in_order_from_the_index() {
        let dir = tempfile::tempdir().unwrap();
        for (f, text) in [
            ("b.env", "A=1\n"),
            ("compose.yml", "services: {}\n"),
            (".env", "A=1\n"),
            ("k/.env", "B=2\n"),
            ("nginx.conf", "events {}\n"),
        ] {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let target = Target::tree(dir.path(), "t", dir.path()).unwrap();
        let mut inv = Inventory::load(&target, &LoadOptions::default());
        let by_filter = |inv: &Inventory, kind| -> Vec<String> {
            inv.docs
                .iter()
                .filter(|d| d.kind == kind)
                .map(|d| d.rel.to_string())
                .collect()
        };
        let listed = |inv: &Inventory, kind| -> Vec<String> {
            inv.docs_of(kind).map(|d| d.rel.to_string()).collect()
        };
        assert_eq!(listed(&inv, Kind::DotEnv), [".env", "b.env", "k/.env"]);
        for kind in [
            Kind::DotEnv,
            Kind::Compose,
            Kind::Nginx,
            Kind::K8s,
            Kind::PgHba,
        ] {
            assert_eq!(listed(&inv, kind), by_filter(&inv, kind), "{kind:?}");
        }
        // An inventory not built by `load` is searched.
        let docs = std::mem::take(&mut inv.docs);
        let mut other = Inventory {
            docs,
            ..Inventory::default()
        };
        assert_eq!(listed(&other, Kind::DotEnv), [".env", "b.env", "k/.env"]);
        other.docs.clear();
        assert!(listed(&other, Kind::DotEnv).is_empty());
    }

    #[test]
    fn files_are_found_by_their_own_path_or_by_its_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        for f in [".env", "a/.env", "a/.env.example"] {
            std::fs::write(dir.path().join(f), "A=1\n").unwrap();
        }
        let target = Target::tree(dir.path(), "t", dir.path()).unwrap();
        let inv = Inventory::load(&target, &LoadOptions::default());
        for (i, d) in inv.docs.iter().enumerate() {
            // By address (the file's own `Arc`), and by a copy of its text.
            assert_eq!(inv.position(&d.rel.clone()), Some(i));
            let copy: String = d.rel.chars().collect();
            assert_eq!(inv.position(&copy), Some(i));
        }
        // A prefix of a file's own path text is not that file: `a/.env`
        // is found as itself, though its text starts `a/.env.example`'s.
        let example = inv.position("a/.env.example").unwrap();
        let prefix = &inv.docs[example].rel[..6];
        assert_eq!(prefix, "a/.env");
        assert_eq!(inv.position(prefix), inv.position("a/.env"));
        assert_ne!(inv.position(prefix), Some(example));
        assert_eq!(inv.position(&inv.docs[example].rel[..4]), None);
        // The same, asked just after an earlier file (its address is among
        // the next few files' compared first): the length decides too.
        assert_eq!(inv.position(".env"), Some(0));
        assert_eq!(inv.position(prefix), inv.position("a/.env"));
        assert_eq!(inv.position(".env"), Some(0));
        assert_eq!(inv.position(&inv.docs[example].rel), Some(example));
    }

    #[test]
    fn examples_are_told_by_name_in_any_case() {
        for rel in [
            "a/.env.example",
            "a/values.SAMPLE.yaml",
            "docker-compose.Template.yml",
            "x/app_settings.json.dist",
            "cht.tmpl.env",
            "Example-values.yaml",
            "examples.yml",
            "ENV.TEMPLATE",
        ] {
            assert!(is_example(rel), "{rel}");
        }
        for rel in [
            ".env",
            "example/.env",
            "exampl.yml",
            "templates.yml",
            "a/counter-example.yml",
            "é-example.yml",
            "exé",
        ] {
            assert!(!is_example(rel), "{rel}");
        }
    }

    #[test]
    fn examples_are_told_as_the_words_of_a_name_say() {
        // The definition, word by word, against the fast test.
        fn reference(rel: &str) -> bool {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            name.split('.').any(|part| {
                ["example", "sample", "template", "dist", "tmpl"]
                    .iter()
                    .any(|w| part.eq_ignore_ascii_case(w))
            }) || name
                .get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("example"))
        }
        let words = [
            "", ".", "/", "a", "env", "Example", "examplE", "exampl", "sample", "SAMPLES",
            "template", "TEMPLAT", "dist", "DIST", "tmpl", "tmp", "é", "yaml", "ex",
        ];
        for a in words {
            for b in words {
                for c in words {
                    let rel = format!("{a}{b}.{c}");
                    assert_eq!(is_example(&rel), reference(&rel), "{rel}");
                    let rel = format!("{a}/{b}{c}");
                    assert_eq!(is_example(&rel), reference(&rel), "{rel}");
                }
            }
        }
    }

    #[test]
    fn invalid_utf8_only_in_comments_is_read_lossily() {
        let ok = |b: &[u8], c| decode(b.to_vec(), c).ok();
        let line = |b: &[u8], c| match decode(b.to_vec(), c) {
            Err(ReadError::NotUtf8 { line, .. }) => Some(line),
            _ => None,
        };
        assert_eq!(
            ok(b"# caf\xe9\na b;\n", Comments::Hash).as_deref(),
            Some("# caf\u{fffd}\na b;\n")
        );
        assert!(ok(b"a b; # caf\xe9\n", Comments::Hash).is_some());
        assert_eq!(line(b"a\na caf\xe9;\n", Comments::Hash), Some(2));
        assert_eq!(
            line(b"a#caf\xe9\n", Comments::Hash),
            Some(1),
            "not a comment"
        );
        assert_eq!(
            line(b"a \"x # caf\xe9\"\n", Comments::Hash),
            Some(1),
            "quoted"
        );
        assert!(ok(b"; caf\xe9\n[s]\n", Comments::LineSemicolonOrHash).is_some());
        assert_eq!(
            line(b"[s]\nk = v ; caf\xe9\n", Comments::LineSemicolonOrHash),
            Some(2)
        );
        assert_eq!(line(b"{}\n\xe9", Comments::None), Some(2));
        assert!(matches!(
            decode(b"a\0\xe9".to_vec(), Comments::Hash),
            Err(ReadError::Root(RootError::Binary))
        ));
        assert_eq!(
            ok(b"\xef\xbb\xbfA=1\n", Comments::Hash).as_deref(),
            Some("A=1\n")
        );
    }

    #[test]
    fn loading_during_the_walk_equals_loading_by_path() {
        use crate::target::Confinement;
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("a/b")).unwrap();
        std::fs::write(p.join("a/.env"), "A=1\nB=${A}\n").unwrap();
        std::fs::write(p.join("a/b/app_settings.json"), "{\"x\": [1, {}]}\n").unwrap();
        std::fs::write(p.join("a/b/bad.env"), b"A=\xff\n").unwrap();
        std::fs::write(p.join("a/b/users.csv"), "username,password\nu,p\n").unwrap();
        std::os::unix::fs::symlink("../.env", p.join("a/b/linked.env")).unwrap();
        std::os::unix::fs::symlink(base.join("x"), p.join("a/out.env")).unwrap();
        for root in [
            Root::open(&base.join("trees"), Confinement::Strict).unwrap(),
            Root::open(p, Confinement::Strict).unwrap(),
        ] {
            let opts = LoadOptions::default();
            let (mut walked, mut walk_notes) = (Vec::new(), Vec::new());
            walk(
                &root,
                "",
                &opts,
                &mut walked,
                &mut walk_notes,
                &mut Listing::default(),
            );
            let (mut by_path, mut path_notes) = (Vec::new(), Vec::new());
            let found = find(&root, "", usize::MAX, false, &mut path_notes);
            load_all(&root, found, &opts, &mut by_path, &mut path_notes);
            assert!(walked.len() > 3, "{walked:?}");
            walked.sort_by(|a, b| a.rel.cmp(&b.rel));
            by_path.sort_by(|a, b| a.rel.cmp(&b.rel));
            let view = |d: &Doc| (d.rel.clone(), d.kind, d.content.clone());
            assert_eq!(
                walked.iter().map(view).collect::<Vec<_>>(),
                by_path.iter().map(view).collect::<Vec<_>>()
            );
            walk_notes.sort();
            path_notes.sort();
            assert_eq!(walk_notes, path_notes);
        }
    }

    #[test]
    fn walk_by_descriptors_with_nested_gitignores() {
        use crate::target::Confinement;
        use std::fs;
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        fs::create_dir_all(p.join("sub/deeper")).unwrap();
        fs::create_dir_all(p.join("node_modules")).unwrap();
        fs::write(p.join(".gitignore"), "*.env\n!keep.env\n").unwrap();
        fs::write(p.join("sub/.gitignore"), "keep.env\n").unwrap();
        for f in [
            "a.env",
            "keep.env",
            "sub/keep.env",
            "sub/deeper/keep.env",
            "node_modules/x.env",
            "README.md",
        ] {
            fs::write(p.join(f), "A=1\n").unwrap();
        }
        std::os::unix::fs::symlink("sub", p.join("linked-dir")).unwrap();
        let root = Root::open(p, Confinement::Strict).unwrap();
        let mut notes = Vec::new();
        let mut all: Vec<String> = find(&root, "", usize::MAX, false, &mut notes)
            .into_iter()
            .map(|(rel, _)| rel)
            .collect();
        all.sort();
        assert_eq!(
            all,
            ["a.env", "keep.env", "sub/deeper/keep.env", "sub/keep.env"],
            "symlinked directories and skipped directories are not entered"
        );
        let mut kept: Vec<String> = find(&root, "", usize::MAX, true, &mut notes)
            .into_iter()
            .map(|(rel, _)| rel)
            .collect();
        kept.sort();
        assert_eq!(kept, ["keep.env"], "the innermost .gitignore wins");
        let shallow = find(&root, "", 1, false, &mut notes);
        assert_eq!(shallow.len(), 2, "max depth 1: the start directory only");
        assert!(notes.is_empty(), "{notes:?}");
    }
}
