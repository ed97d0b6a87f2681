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
pub mod dotenv;
pub mod env_items;
pub mod helm;
pub mod interpolate;
pub mod inventory;
pub mod json;
pub mod k8s;
pub mod nginx;
pub mod pem;
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
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::target::Target;
pub use inventory::{Doc, Inventory, Kind, LoadOptions, Parsed};

/// A fact about a target, collected on first use.
pub trait Fact: Any + Send + Sync + Sized {
    fn collect(facts: &Facts) -> Self;
}

type Cell = Arc<OnceLock<Arc<dyn Any + Send + Sync>>>;

pub struct Facts<'t> {
    pub target: &'t Target,
    pub inventory: Inventory,
    /// For the environments target: the facts of every other target.
    pub peers: &'t [Facts<'t>],
    cells: Mutex<HashMap<TypeId, Cell>>,
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
        }
    }

    /// The fact `F`, collected now if no rule asked for it before.
    pub fn get<F: Fact>(&self) -> Arc<F> {
        let cell: Cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(TypeId::of::<F>()).or_default().clone()
        };
        let value = cell.get_or_init(|| Arc::new(F::collect(self)) as Arc<dyn Any + Send + Sync>);
        value
            .clone()
            .downcast::<F>()
            .expect("cells are keyed by the type they hold")
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

    pub fn docs(&self) -> impl Iterator<Item = &Doc> {
        self.inventory.docs.iter()
    }

    pub fn docs_of(&self, kind: Kind) -> impl Iterator<Item = &Doc> {
        self.inventory.docs.iter().filter(move |d| d.kind == kind)
    }

    pub fn doc(&self, rel: &str) -> Option<&Doc> {
        self.inventory.doc(rel)
    }
}
