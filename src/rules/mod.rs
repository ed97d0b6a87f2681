//! Rules judge facts. One file per rule, one folder per pack; a rule reads
//! facts through its `Ctx` and returns outcomes built with `Judgement`. A
//! rule never opens files or sockets and never knows about threads. Its
//! metadata (name, severity, inputs, texts) lives in its page under `rules/`.

pub mod backups;
pub mod disk_encryption;
pub mod env_segregation;
pub mod monitoring;
pub mod open_ports;
pub mod password_policy;
pub mod privacy;
pub mod renewals;
pub mod restarts;
pub mod tls;
pub mod tls_config;
pub mod token_login;
pub mod updates;

use crate::clock::Date;
use crate::facts::Facts;
use crate::outcome::Outcome;
use crate::policy::Policy;
use crate::target::Target;

/// What a rule sees: the target's facts, the policy's thresholds, today.
pub struct Ctx<'a> {
    pub facts: &'a Facts<'a>,
    pub policy: &'a Policy,
    pub today: Date,
}

/// The target a rule judges. `location` finds a file's report location in
/// the table computed once per file (`Facts::index_files`) instead of
/// building it again; everything else is the target's own.
#[derive(Clone, Copy)]
pub struct TargetRef<'a> {
    target: &'a Target,
    facts: &'a Facts<'a>,
}

impl TargetRef<'_> {
    /// The report location of `rel` (see `Target::location`).
    pub fn location(&self, rel: &str) -> crate::outcome::Location {
        self.facts.location(rel)
    }
}

impl std::ops::Deref for TargetRef<'_> {
    type Target = Target;
    fn deref(&self) -> &Target {
        self.target
    }
}

impl<'a> Ctx<'a> {
    pub fn target(&self) -> TargetRef<'a> {
        TargetRef {
            target: self.facts.target,
            facts: self.facts,
        }
    }

    /// The report location of a file of the target (computed once per file).
    pub fn location(&self, rel: &str) -> crate::outcome::Location {
        self.facts.location(rel)
    }

    /// The environment a file of the target belongs to.
    pub fn environment(&self, rel: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.facts.environment(self.policy, rel)
    }

    /// [`Ctx::environment`] of `rel`, found at `doc` in the inventory when
    /// that is known (see `EnvItems::docs`).
    pub fn environment_in(&self, doc: Option<u32>, rel: &str) -> Option<std::borrow::Cow<'_, str>> {
        self.facts.environment_in(self.policy, doc, rel)
    }
}

pub type Check = fn(&Ctx) -> Vec<Outcome>;

/// A derived fact only some rules read ([`RETIRED`], [`LATE_RETIRED`],
/// [`KEPT`]).
pub struct Shared {
    /// What it is, for messages.
    pub fact: &'static str,
    /// Every rule that reads it, directly or through another fact.
    pub readers: &'static [&'static str],
    /// How many items `facts` holds in it; `None` when it is not collected.
    /// The engine orders the jobs for none that holds nothing.
    pub held: fn(&Facts) -> Option<usize>,
    /// Collects it (see `Facts::get`). In a tree, the engine collects the
    /// facts the rules collect as they run ([`LATE_RETIRED`], [`KEPT`]) in
    /// jobs of their own, before their readers start: a reader that asked
    /// first collected it while the next one waited, its core idle.
    pub collect: fn(&Facts),
    /// Lets go of it (see `Facts::retire`); `None` for a fact kept to the
    /// end of the rules ([`KEPT`]).
    pub retire: Option<fn(&Facts)>,
}

/// The largest derived facts, which only some rules read. The engine starts
/// their readers before every other rule, in this order (a rule goes with
/// the first entry that lists it, and starts in the order that entry lists
/// it), frees each fact as soon as its readers have all finished, and
/// starts the other rules once every reader has finished: the findings of
/// the rest of the scan never sit beside these facts. Readers that hold
/// most while they run (TLS-017's list of the URLs it checked) are listed
/// first, so that they run before the others' findings pile up. A rule
/// that starts reading one must be listed (`tests/release.rs` fails
/// otherwise; unlisted, it would collect the fact again, at a cost, not
/// with another result).
pub const RETIRED: &[Shared] = &[
    Shared {
        fact: "environment items",
        readers: &[
            "ENV-001", "ENV-003", "ENV-004", "ENV-007", "MON-001", "TLS-009",
        ],
        held: |f| {
            f.peek::<crate::facts::env_items::EnvItems>().map(|e| {
                e.credentials.len() + e.hosts.len() + e.key_pairs.len() + e.unresolved.len()
            })
        },
        collect: |f| {
            f.get::<crate::facts::env_items::EnvItems>();
        },
        retire: Some(|f| f.retire::<crate::facts::env_items::EnvItems>()),
    },
    Shared {
        fact: "CHT settings",
        // The environment items are built from them: their readers too.
        readers: &[
            "TLS-017",
            "ENV-002",
            "PASS-011",
            "PASS-010",
            "ENV-001",
            "ENV-003",
            "ENV-004",
            "ENV-005",
            "ENV-007",
            "MON-001",
            "PASS-012",
            "PASS-013",
            "PASS-016",
            "RENEW-001",
            "TLS-009",
            "TLS-014",
        ],
        held: |f| {
            f.peek::<crate::facts::cht_settings::ChtSettings>()
                .map(|s| s.settings.len() + s.instances.len())
        },
        collect: |f| {
            f.get::<crate::facts::cht_settings::ChtSettings>();
        },
        retire: Some(|f| f.retire::<crate::facts::cht_settings::ChtSettings>()),
    },
];

/// Facts the other rules collect as they run, which only some of them
/// read. Among the rules that start after [`RETIRED`]'s readers, these
/// facts' readers start first, in this order, and each fact is freed once
/// its readers have finished: the findings of the scan's last rules do not
/// sit beside it. The lists are exact, as [`RETIRED`]'s are.
pub const LATE_RETIRED: &[Shared] = &[
    Shared {
        fact: "published ports",
        readers: &["PORT-003", "PORT-004", "MON-006"],
        held: |f| {
            f.peek::<crate::facts::published::PublishedPorts>()
                .map(|p| p.ports.len() + p.met.len())
        },
        collect: |f| {
            f.get::<crate::facts::published::PublishedPorts>();
        },
        retire: Some(|f| f.retire::<crate::facts::published::PublishedPorts>()),
    },
    Shared {
        fact: "container images",
        readers: &["MON-005", "UPDATE-001", "UPDATE-002", "UPDATE-003"],
        held: |f| {
            f.peek::<crate::facts::images::Images>()
                .map(|i| i.images.len())
        },
        collect: |f| {
            f.get::<crate::facts::images::Images>();
        },
        retire: Some(|f| f.retire::<crate::facts::images::Images>()),
    },
];

/// Facts the rules collect as they run and keep to the end, which several
/// of them read. The lists are exact, as [`RETIRED`]'s are.
pub const KEPT: &[Shared] = &[
    Shared {
        fact: "backups a tree sets up",
        readers: &[
            "BACKUP-001",
            "BACKUP-002",
            "BACKUP-004",
            "BACKUP-005",
            "RESTART-004",
        ],
        held: |f| {
            f.peek::<crate::facts::tree_backup::TreeBackups>()
                .map(|b| b.workloads.len() + b.jobs.len())
        },
        collect: |f| {
            f.get::<crate::facts::tree_backup::TreeBackups>();
        },
        retire: None,
    },
    Shared {
        fact: "monitoring",
        readers: &["MON-001", "MON-002", "MON-005", "MON-006"],
        held: |f| {
            f.peek::<crate::facts::grafana::Monitoring>()
                .map(|m| m.instance_lists.len() + m.alerting.len() + m.ini.len() + m.services.len())
        },
        collect: |f| {
            f.get::<crate::facts::grafana::Monitoring>();
        },
        retire: None,
    },
    Shared {
        fact: "certificate renewals",
        readers: &["RENEW-001"],
        held: |f| {
            f.peek::<crate::facts::renewal::Renewals>()
                .map(|r| r.automations.len() + r.problems.len())
        },
        collect: |f| {
            f.get::<crate::facts::renewal::Renewals>();
        },
        retire: None,
    },
];

/// The paths into CHT app settings (`Parsed::AppSettings`) rules read: the
/// engine prunes each app settings file to them once the derived facts are
/// built (`Facts::release`), so a rule that reads another path must add it
/// here (`tests/release.rs` compares every rule's outcomes on released and
/// unreleased facts). `*` is every member of an object.
pub const APP_SETTINGS_READ: &[&[&str]] = &[
    // TOKEN-001, TOKEN-002, TLS-017.
    &["app_url"],
    // TOKEN-001, TOKEN-003, TOKEN-004.
    &["token_login"],
    // TOKEN-004.
    &["roles", "*", "offline"],
    // TOKEN-005, TOKEN-006.
    &["oidc_provider"],
    // PASS-014.
    &["permissions", "can_skip_password_change"],
    // TLS-017.
    &["outbound", "*", "destination", "base_url"],
];

/// A registered rule: its id (the key into the catalogue) and its check.
pub struct Rule {
    pub id: &'static str,
    pub check: Check,
}

/// Every rule, by pack.
pub const PACKS: &[&[Rule]] = &[
    open_ports::RULES,
    tls::RULES,
    password_policy::RULES,
    token_login::RULES,
    tls_config::RULES,
    env_segregation::RULES,
    disk_encryption::RULES,
    updates::RULES,
    monitoring::RULES,
    renewals::RULES,
    backups::RULES,
    restarts::RULES,
    privacy::RULES,
];

/// All registered rules, sorted by id.
pub fn registry() -> Vec<&'static Rule> {
    let mut all: Vec<&'static Rule> = PACKS.iter().flat_map(|p| p.iter()).collect();
    all.sort_by_key(|r| r.id);
    all
}

pub fn find(id: &str) -> Option<&'static Rule> {
    PACKS.iter().flat_map(|p| p.iter()).find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;

    #[test]
    fn registry_and_catalogue_agree() {
        let registered: Vec<&str> = registry().iter().map(|r| r.id).collect();
        let documented: Vec<&str> = catalog().all().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            registered, documented,
            "every rule needs a page and every page a rule"
        );
        let mut dedup = registered.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), registered.len(), "duplicate rule ids");
    }
}
