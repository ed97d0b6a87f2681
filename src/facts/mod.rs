//! Facts: what is true of a target, parsed from its files, never judged.
//!
//! A target's configuration files are found, read and parsed up front, in
//! parallel (the `Inventory`). Everything else is a lazily collected `Fact`,
//! computed at most once per target and shared by every rule that asks.
//! Collectors run inside rule jobs, so they must not use rayon themselves: a
//! nested parallel iterator could make a worker thread steal a job that waits
//! on the fact the same thread is still collecting.

pub mod cht_settings;
pub mod cht_sources;
pub mod compose;
pub mod couchdb_ini;
pub mod disk_space;
pub mod dotenv;
pub mod env_items;
pub mod grafana;
pub mod helm;
pub mod host_updates;
pub mod images;
pub mod interpolate;
pub mod inventory;
pub mod json;
pub mod k8s;
pub mod nginx;
pub mod pem;
pub mod published;
pub mod release;
pub mod renewal;
pub mod sock_diag;
pub mod sockets;
pub mod tls_probe;
pub mod users_csv;
pub mod vmargs;
pub mod watchdog;
pub mod x509;
pub mod yaml;
// Host hardening: block layer, accounts, PAM, sshd.
pub mod blockdev;
pub mod cht_data;
pub mod crypttab;
pub mod login_defs;
pub mod mounts;
pub mod pam;
pub mod pwquality;
pub mod shadow;
pub mod sshd;
pub mod system;
// Schedules: cron jobs and systemd units (backups, restarts, updates).
pub mod cron;
pub mod systemd;
// Backups found in cron jobs, timers and the scripts they run.
pub mod backup;
pub mod shell;
pub mod tree_backup;
// Patient-data copies: PostgreSQL client authentication.
pub mod pg_hba;

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::cell::Cell as FlagCell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, Once, OnceLock};

use rayon::prelude::*;

use crate::outcome::Location;
use crate::policy::Policy;
use crate::target::Target;
pub use inventory::{Doc, Inventory, Kind, LoadOptions, Parsed};

thread_local! {
    /// Set while a [`contain_panic`] closure runs on this thread.
    static CONTAINED: FlagCell<bool> = const { FlagCell::new(false) };
}

/// Runs `f`, turning a panic into `None`. The panic's message is dropped,
/// never shown: a parser's panic message may quote the file it was reading
/// (a secret with it). While `f` runs, the panic hook prints nothing.
pub fn contain_panic<T>(f: impl FnOnce() -> T) -> Option<T> {
    install_quiet_hook();
    let was = CONTAINED.with(|c| c.replace(true));
    let out = catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(was));
    out.ok()
}

/// Installs (once) a panic hook that stays silent for contained panics and
/// hands every other panic to the hook that was there before.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CONTAINED.with(FlagCell::get) {
                previous(info);
            }
        }));
    });
}

/// Maps `f` over `items` a chunk at a time, results in the items' order:
/// across cores when `par` (only outside rule jobs: see the module's
/// note), on this thread otherwise. One body serves both.
pub(crate) fn map_chunks<'a, T: Sync, R: Send>(
    par: bool,
    items: &'a [T],
    chunk: usize,
    f: impl Fn(&'a [T]) -> R + Sync + Send,
) -> Vec<R> {
    let chunk = chunk.max(1);
    if par {
        items.par_chunks(chunk).map(f).collect()
    } else {
        items.chunks(chunk).map(f).collect()
    }
}

/// Whether each of `items` is the first with its key (keys compared
/// exactly). With `par`, across cores: the keys are hashed in parallel and
/// dealt by hash into a few shards, each checked in item order on a core of
/// its own (a table of indices per shard, by the hashes already computed).
pub(crate) fn first_by_key<T: Sync, K: std::hash::Hash + Eq>(
    par: bool,
    items: &[T],
    key: impl Fn(&T) -> K + Sync,
) -> Vec<bool> {
    use std::hash::BuildHasher;
    if !par {
        let mut seen = foldhash::HashSet::default();
        return items.iter().map(|t| seen.insert(key(t))).collect();
    }
    const SHARDS: usize = 8;
    let hasher = foldhash::fast::RandomState::default();
    let hashes: Vec<u64> = items
        .par_iter()
        .with_min_len(1024)
        .map(|t| hasher.hash_one(key(t)))
        .collect();
    // Middle bits pick the shard: a table places by the low bits and tells
    // entries apart by the top ones, so those stay spread within a shard.
    let shard_of = |h: u64| (h >> 32) as usize % SHARDS;
    let mut shards: Vec<Vec<usize>> = (0..SHARDS)
        .map(|_| Vec::with_capacity(items.len() / SHARDS + items.len() / 64))
        .collect();
    for (i, &h) in hashes.iter().enumerate() {
        shards[shard_of(h)].push(i);
    }
    // Each shard's repeats (few), by index.
    let repeats: Vec<Vec<usize>> = shards
        .into_par_iter()
        .map(|shard| {
            let mut seen: hashbrown::HashTable<usize> =
                hashbrown::HashTable::with_capacity(shard.len());
            let mut repeats = Vec::new();
            for i in shard {
                let (h, k) = (hashes[i], key(&items[i]));
                match seen.entry(h, |&j| key(&items[j]) == k, |&j| hashes[j]) {
                    hashbrown::hash_table::Entry::Occupied(_) => repeats.push(i),
                    hashbrown::hash_table::Entry::Vacant(v) => {
                        v.insert(i);
                    }
                }
            }
            repeats
        })
        .collect();
    let mut first = vec![true; items.len()];
    for i in repeats.into_iter().flatten() {
        first[i] = false;
    }
    first
}

/// A fact about a target, collected on first use.
pub trait Fact: Any + Send + Sync + Sized {
    fn collect(facts: &Facts) -> Self;

    /// Frees it when [`Facts::retire`] lets go of its last holder: outside
    /// any lock and any fact's cell, so it may use rayon (a collector may
    /// not: a thread waiting on a parallel job can take another job that
    /// waits on the cell it is filling).
    fn free(self) {}
}

type Cell = Arc<OnceLock<Arc<dyn Any + Send + Sync>>>;

pub struct Facts<'t> {
    pub target: &'t Target,
    pub inventory: Inventory,
    /// For the environments target: the facts of every other target.
    pub peers: &'t [Facts<'t>],
    cells: Mutex<HashMap<TypeId, Cell>>,
    /// Each file's report location and environment, computed once (see
    /// `index_files`) and shared by every rule and item of the file.
    files: OnceLock<FileTable>,
}

/// What every finding about a file needs, computed once per file.
#[derive(Debug)]
struct FileInfo {
    location: Location,
    /// Index into `FileTable::environments`.
    environment: Option<usize>,
}

/// Parallel to `inventory.docs` (found by the same path index).
#[derive(Debug, Default)]
struct FileTable {
    by_doc: Vec<FileInfo>,
    /// The distinct environment labels (a handful per scan).
    environments: Vec<String>,
}

impl<'t> Facts<'t> {
    /// Reads and parses the target's configuration files.
    pub fn load(target: &'t Target, opts: &LoadOptions) -> Facts<'t> {
        let inventory = match target.root() {
            Some(_) => Inventory::load(target, opts),
            None => Inventory::default(),
        };
        Facts {
            target,
            inventory,
            peers: &[],
            cells: Mutex::new(HashMap::new()),
            files: OnceLock::new(),
        }
    }

    /// The facts of the environments target: no files of its own, a view of
    /// every other target's facts.
    pub fn over(target: &'t Target, peers: &'t [Facts<'t>]) -> Facts<'t> {
        Facts {
            target,
            inventory: Inventory::default(),
            peers,
            cells: Mutex::new(HashMap::new()),
            files: OnceLock::new(),
        }
    }

    /// The fact `F`, collected now if no rule asked for it before.
    pub fn get<F: Fact>(&self) -> Arc<F> {
        let cell: Cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(TypeId::of::<F>()).or_default().clone()
        };
        let value = cell.get_or_init(|| {
            let start = crate::timings::enabled().then(std::time::Instant::now);
            let value = F::collect(self);
            if let Some(start) = start {
                let name = std::any::type_name::<F>().trim_start_matches("rampart::facts::");
                crate::timings::span(&format!("fact {name}"), start);
            }
            Arc::new(value) as Arc<dyn Any + Send + Sync>
        });
        value
            .clone()
            .downcast::<F>()
            .expect("cells are keyed by the type they hold")
    }

    /// `F` if it has been collected (or provided) and not retired; never
    /// collects it.
    pub fn peek<F: Fact>(&self) -> Option<Arc<F>> {
        let cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        let value = cells.get(&TypeId::of::<F>())?.get()?.clone();
        Some(
            value
                .downcast::<F>()
                .expect("cells are keyed by the type they hold"),
        )
    }

    /// Lets go of `F`: it is freed once the rules holding it are done with
    /// it, and a later `get` would collect it again. The engine retires the
    /// facts only some rules read once those rules have finished (see
    /// `rules::RETIRED`).
    pub fn retire<F: Fact>(&self) {
        let removed = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.remove(&TypeId::of::<F>())
        };
        // The last holder frees it here, after the lock (`Fact::free`).
        if let Some(value) = removed
            .and_then(Arc::into_inner)
            .and_then(OnceLock::into_inner)
            && let Ok(fact) = value.downcast::<F>()
            && let Some(fact) = Arc::into_inner(fact)
        {
            fact.free();
        }
    }

    /// Lets go of every collected fact (the files stay loaded): for tests
    /// and tools that watch which facts a rule collects.
    pub fn forget(&self) {
        let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
        cells.clear();
    }

    /// Supplies a fact gathered outside the rule jobs (the TLS probe, which
    /// the engine runs on its own threads before any rule); later `get`s
    /// return it. A fact already collected is kept.
    pub fn provide<F: Fact>(&self, value: F) {
        let cell: Cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(TypeId::of::<F>()).or_default().clone()
        };
        let _ = cell.set(Arc::new(value));
    }

    /// Computes every file's location and environment once, in parallel
    /// (the engine calls it before any rule runs). Without it, `location`
    /// and `environment` compute them on every call.
    pub fn index_files(&self, policy: &Policy) {
        self.files.get_or_init(|| {
            let computed: Vec<(Location, Option<String>)> = self
                .inventory
                .docs
                .par_iter()
                .map(|d| {
                    // Its URI is mostly the end of its path, one text.
                    let location = self.target.location(&d.rel);
                    let env = policy.file_environment_at(self.target, &d.rel, &location);
                    (location, env)
                })
                .collect();
            let mut table = FileTable::default();
            table.by_doc.reserve_exact(computed.len());
            for (location, env) in computed {
                let environment =
                    env.map(|e| match table.environments.iter().position(|x| *x == e) {
                        Some(i) => i,
                        None => {
                            table.environments.push(e);
                            table.environments.len() - 1
                        }
                    });
                table.by_doc.push(FileInfo {
                    location,
                    environment,
                });
            }
            table
        });
    }

    /// Collects up front, across cores, the facts most rules share (compose
    /// projects, helm releases, certificates, nginx, CouchDB configuration,
    /// then CHT settings and environment items), so rule jobs find them
    /// ready instead of waiting on the first rule that asks. Run by the
    /// engine (through [`Facts::release`]) before any rule job; collectors
    /// stay free of rayon. Published ports are left to their rules
    /// (PORT-003, PORT-004, MON-006), which start after the CHT settings
    /// are freed: collected up front, they sat beside the settings at the
    /// scan's peak.
    ///
    /// CHT settings and environment items are gathered here with their
    /// per-file work spread across cores (`par`), outside any fact's cell,
    /// and handed in with [`Facts::provide`]. The steps
    /// ([`release::Step`]) run one after another, so that
    /// [`Facts::release`] can free between them the parse trees no later
    /// step reads.
    pub fn prepare(&self) {
        for step in release::Step::ALL {
            self.prepare_step(step);
        }
    }

    /// One step of [`Facts::prepare`].
    fn prepare_step(&self, step: release::Step) {
        if self.inventory.docs.is_empty() {
            return;
        }
        match step {
            release::Step::Sources => {
                rayon::join(
                    || {
                        rayon::join(
                            || {
                                self.get::<compose::ComposeProjects>();
                            },
                            || self.prepared(|| helm::HelmReleases::gather(self, true)),
                        )
                    },
                    || {
                        rayon::join(
                            || {
                                self.prepared(|| nginx::NginxTls::gather(self, true));
                                // After nginx: on a host, the certificate files
                                // include those nginx serves (collected in
                                // parallel, nginx was gathered twice when they
                                // asked first).
                                self.get::<pem::PemFiles>();
                            },
                            || {
                                self.get::<couchdb_ini::CouchConfigs>();
                                self.prepared(|| env_items::FileItems::gather(self, true));
                            },
                        )
                    },
                );
            }
            release::Step::Settings => {
                self.prepared(|| cht_settings::ChtSettings::gather(self, true));
                self.get::<cht_settings::ChtInstances>();
            }
            release::Step::Items => {
                self.prepared(|| env_items::EnvItems::gather(self, true));
            }
        }
    }

    /// Frees the parse trees no reader needs once the derived facts are
    /// built, step by step of [`Facts::prepare`] (which it runs): after
    /// each, the trees of the kinds no later step reads
    /// ([`release::last_read`]). Each file keeps its path, kind, marks and
    /// parse error, and of its parse tree what [`release::keeps`] says for
    /// its kind (CHT app settings only the `app_settings` paths). Across
    /// cores. Only the engine calls it, before any rule job: library
    /// callers and tests that load facts themselves keep every parse tree.
    pub fn release(&mut self, app_settings: &[release::JsonPath<'_>]) {
        if self.inventory.docs.is_empty() {
            return;
        }
        for step in release::Step::ALL {
            self.prepare_step(step);
            if step == release::Step::Sources {
                // Nginx, the one reader of what the walk listed, is built.
                self.inventory.forget_listing();
            }
            self.inventory
                .docs
                .par_iter_mut()
                .with_min_len(256)
                .filter(|d| release::last_read(d.kind) == step)
                .for_each(|d| release::release(d, app_settings));
        }
    }

    /// Builds `F` with `build` (which may use rayon: it runs outside any
    /// fact's cell) and provides it, timed like a collected fact. A fact
    /// already there is kept and `build` not run.
    fn prepared<F: Fact>(&self, build: impl FnOnce() -> F) {
        let cell: Cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(TypeId::of::<F>()).or_default().clone()
        };
        if cell.get().is_some() {
            return;
        }
        let start = crate::timings::enabled().then(std::time::Instant::now);
        let value = build();
        if let Some(start) = start {
            let name = std::any::type_name::<F>().trim_start_matches("rampart::facts::");
            crate::timings::span(&format!("fact {name}"), start);
        }
        let _ = cell.set(Arc::new(value));
    }

    fn file_info(&self, rel: &str) -> Option<&FileInfo> {
        let table = self.files.get()?;
        table.by_doc.get(self.inventory.position(rel)?)
    }

    /// The location (without a line) and environment of `rel` as
    /// `index_files` computed them, borrowed: no copy per call. `None` when
    /// the files are not indexed or `rel` is not one of them (then ask
    /// `location` and `environment`).
    pub fn indexed_place(&self, rel: &str) -> Option<(&Location, Option<&str>)> {
        self.indexed_place_at(self.inventory.position(rel)?)
    }

    /// [`Facts::indexed_place`] of the file at `doc` in the inventory.
    pub fn indexed_place_at(&self, doc: usize) -> Option<(&Location, Option<&str>)> {
        let table = self.files.get()?;
        let info = table.by_doc.get(doc)?;
        let env = info.environment.map(|i| table.environments[i].as_str());
        Some((&info.location, env))
    }

    /// The report location of `rel` (a path inside the target's root).
    pub fn location(&self, rel: &str) -> Location {
        match self.file_info(rel) {
            Some(info) => info.location.clone(),
            None => self.target.location(rel),
        }
    }

    /// [`Facts::location`] of `rel`, found at `doc` in the inventory when
    /// that is known (see `EnvItems::docs`): no lookup by path.
    pub fn location_in(&self, doc: Option<u32>, rel: &str) -> Location {
        match doc.and_then(|i| self.indexed_place_at(i as usize)) {
            Some((location, _)) => location.clone(),
            None => self.location(rel),
        }
    }

    /// [`Facts::environment`] of `rel`, found at `doc` in the inventory
    /// when that is known.
    pub fn environment_in(
        &self,
        policy: &Policy,
        doc: Option<u32>,
        rel: &str,
    ) -> Option<Cow<'_, str>> {
        match doc.and_then(|i| self.indexed_place_at(i as usize)) {
            Some((_, env)) => env.map(Cow::Borrowed),
            None => self.environment(policy, rel),
        }
    }

    /// The environment `rel` belongs to (see `Policy::file_environment`).
    pub fn environment(&self, policy: &Policy, rel: &str) -> Option<Cow<'_, str>> {
        match self.files.get().zip(self.file_info(rel)) {
            Some((t, info)) => info
                .environment
                .map(|i| Cow::Borrowed(t.environments[i].as_str())),
            None => policy.file_environment(self.target, rel).map(Cow::Owned),
        }
    }

    /// The environments the target's files belong to (each once).
    pub fn file_environments(&self, policy: &Policy) -> Vec<Cow<'_, str>> {
        match self.files.get() {
            // Every label in the table is some file's.
            Some(t) => t
                .environments
                .iter()
                .map(|e| Cow::Borrowed(e.as_str()))
                .collect(),
            None => {
                let mut out: Vec<Cow<'_, str>> = Vec::new();
                for d in self.docs() {
                    if let Some(e) = policy.file_environment(self.target, &d.rel)
                        && !out.iter().any(|x| *x == e)
                    {
                        out.push(Cow::Owned(e));
                    }
                }
                out
            }
        }
    }

    /// Frees what was derived, across cores: each fact and the file table
    /// a task of their own (one core freeing them held up the end of a
    /// large scan).
    pub fn free(self) {
        // The largest free themselves across cores (`Fact::free`).
        rayon::join(
            || self.retire::<compose::ComposeProjects>(),
            || self.retire::<helm::HelmReleases>(),
        );
        let Facts {
            inventory,
            cells,
            files,
            ..
        } = self;
        let cells: Vec<Cell> = cells
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_values()
            .collect();
        rayon::join(
            || cells.into_par_iter().for_each(drop),
            || {
                if let Some(table) = files.into_inner() {
                    table
                        .by_doc
                        .into_par_iter()
                        .with_min_len(1024)
                        .for_each(drop);
                }
                drop(inventory);
            },
        );
    }

    /// Takes the parsed files out (the rest keeps what was derived from
    /// them), so the engine can free both halves at once when the scan is
    /// done.
    pub fn into_parts(mut self) -> (Vec<Doc>, Facts<'t>) {
        let docs = std::mem::take(&mut self.inventory).docs;
        (docs, self)
    }

    pub fn docs(&self) -> impl Iterator<Item = &Doc> {
        self.inventory.docs.iter()
    }

    pub fn docs_of(&self, kind: Kind) -> impl Iterator<Item = &Doc> {
        self.inventory.docs_of(kind)
    }

    pub fn doc(&self, rel: &str) -> Option<&Doc> {
        self.inventory.doc(rel)
    }
}

/// Characters of a name an error quotes: names come from the scanned files
/// (an `include` line's argument may be any length), and an error stays
/// short.
pub const MAX_NAME_SHOWN: usize = 64;

/// `name` as an error quotes it: whole when short, else its first
/// characters and `…`.
pub fn brief(name: &str) -> std::borrow::Cow<'_, str> {
    if name.chars().nth(MAX_NAME_SHOWN).is_none() {
        return name.into();
    }
    let cut = name
        .char_indices()
        .nth(MAX_NAME_SHOWN - 1)
        .map_or(0, |(i, _)| i);
    format!("{}…", &name[..cut]).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A retired fact is freed by `Fact::free` when the retire lets go of
    /// its last holder, and dropped as usual by a later holder otherwise.
    #[test]
    fn retire_frees_through_the_fact_when_it_holds_the_last() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static FREED: AtomicUsize = AtomicUsize::new(0);
        struct Counted;
        impl Fact for Counted {
            fn collect(_: &Facts) -> Self {
                Counted
            }
            fn free(self) {
                FREED.fetch_add(1, Ordering::Relaxed);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let target = Target::tree(dir.path(), "t", dir.path()).unwrap();
        let facts = Facts::load(&target, &LoadOptions::default());
        facts.get::<Counted>();
        facts.retire::<Counted>();
        assert_eq!(FREED.load(Ordering::Relaxed), 1);
        assert!(facts.peek::<Counted>().is_none());
        let held = facts.get::<Counted>();
        facts.retire::<Counted>();
        drop(held);
        assert_eq!(FREED.load(Ordering::Relaxed), 1);
        facts.retire::<Counted>(); // nothing held: nothing to free
        assert_eq!(FREED.load(Ordering::Relaxed), 1);
    }

    /// The first of each key is kept, across cores as on one thread, with
    /// keys repeated far apart (every 1,000 items) and several times each.
    #[test]
    fn first_by_key_keeps_the_first_of_each() {
        let owned: Vec<(String, u32)> = (0..5000u32)
            .map(|i| (format!("deploy/site-{}/.env", i % 1000), (i / 1000) % 2))
            .collect();
        // Keys borrow from the items, as settings' paths do.
        let items: Vec<&(String, u32)> = owned.iter().collect();
        fn key<'a>(t: &&'a (String, u32)) -> (&'a str, u32) {
            (t.0.as_str(), t.1)
        }
        let mut seen = std::collections::HashSet::new();
        let expected: Vec<bool> = items.iter().map(|t| seen.insert(key(t))).collect();
        assert_eq!(first_by_key(false, &items, key), expected);
        assert_eq!(first_by_key(true, &items, key), expected);
        assert_eq!(expected.iter().filter(|f| **f).count(), 2000);
        assert!(expected[..2000].iter().all(|f| *f));
        assert!(first_by_key(true, &[] as &[&(String, u32)], key).is_empty());
    }
}
