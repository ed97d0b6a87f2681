//! The environment-segregation pack: secrets shared across environments
//! (ENV-001), published development secrets (ENV-002), production pointing at
//! other environments and back (ENV-003, ENV-004), debug settings in
//! production (ENV-005), CHT instances colliding on one host (ENV-006).
//! Also owns what environment a file belongs to.

mod env001;
mod env002;
mod env003;
mod env004;
mod env005;
mod env006;
mod env007;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::facts::Facts;
use crate::facts::env_items::{Credential, EnvItems, HostRef, KeyPair, Role};
use crate::outcome::{Judgement, Location};
use crate::policy::Policy;
use crate::rules::{Ctx, Rule};
use crate::target::Target;

pub const RULES: &[Rule] = &[
    Rule {
        id: "ENV-001",
        check: env001::check,
    },
    Rule {
        id: "ENV-002",
        check: env002::check,
    },
    Rule {
        id: "ENV-003",
        check: env003::check,
    },
    Rule {
        id: "ENV-004",
        check: env004::check,
    },
    Rule {
        id: "ENV-005",
        check: env005::check,
    },
    Rule {
        id: "ENV-006",
        check: env006::check,
    },
    Rule {
        id: "ENV-007",
        check: env007::check,
    },
];

/// The environment a file belongs to (see `Policy::file_environment`).
pub fn environment_of(policy: &Policy, target: &Target, rel: &str) -> Option<String> {
    policy.file_environment(target, rel)
}

/// Orders environment labels: production labels first, then by name.
pub fn env_order(policy: &Policy, envs: &BTreeSet<String>) -> Vec<String> {
    let mut v: Vec<String> = envs.iter().cloned().collect();
    v.sort_by_key(|e| (!policy.is_production(Some(e)), e.clone()));
    v
}

/// A file's location: the engine's, borrowed, or computed (files not
/// indexed) and shared.
#[derive(Clone, Debug)]
enum FileLoc<'a> {
    Indexed(&'a Location),
    Computed(Arc<Location>),
}

impl FileLoc<'_> {
    fn get(&self) -> &Location {
        match self {
            FileLoc::Indexed(l) => l,
            FileLoc::Computed(l) => l,
        }
    }
}

/// Where an item is: its file's location (computed once per file and
/// shared by the file's items, never copied per item) and its line.
#[derive(Clone, Debug)]
pub struct Spot<'a> {
    file: FileLoc<'a>,
    line: Option<u32>,
}

impl Spot<'_> {
    pub fn path(&self) -> &str {
        &self.file.get().path
    }

    /// The report location.
    pub fn location(&self) -> Location {
        let file = self.file.get();
        Location {
            path: file.path.clone(),
            line: self.line,
            uri: file.uri.clone(),
        }
    }

    /// `deploy/prod/.env:3` (see [`at`]).
    pub fn at(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.path()),
            None => self.path().to_string(),
        }
    }

    fn key(&self) -> (&str, Option<u32>, &str) {
        let file = self.file.get();
        (&file.path, self.line, &file.uri)
    }
}

/// Ordered as its [`Location`] is: path, line, URI.
impl Ord for Spot<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Spot<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Spot<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Spot<'_> {}

/// A value or reference placed in an environment.
pub struct Placed<'a, T> {
    /// Shared by every item of the environment.
    pub env: Arc<str>,
    pub item: &'a T,
    pub location: Spot<'a>,
}

/// A file's environment and location; `None` outside every environment.
type FilePlace<'a> = Option<(Arc<str>, FileLoc<'a>)>;

/// Each file's environment and location, looked up once for a run of
/// items of one file (a file's items mostly come one after another).
struct Places<'a, 'p> {
    facts: &'a Facts<'a>,
    policy: &'p Policy,
    last: Option<(&'a str, FilePlace<'a>)>,
    /// The environment labels, each one shared text.
    labels: Vec<Arc<str>>,
}

impl<'a, 'p> Places<'a, 'p> {
    fn new(facts: &'a Facts<'a>, policy: &'p Policy) -> Places<'a, 'p> {
        Places {
            facts,
            policy,
            last: None,
            labels: Vec::new(),
        }
    }

    /// The environment and spot of `rel:line`; `None` outside every
    /// environment.
    fn place(&mut self, rel: &'a str, line: Option<u32>) -> Option<(Arc<str>, Spot<'a>)> {
        self.place_in(rel, None, line)
    }

    /// [`Places::place`] of an item whose file is known to be at `doc` in
    /// the inventory (no lookup by path).
    fn place_in(
        &mut self,
        rel: &'a str,
        doc: Option<u32>,
        line: Option<u32>,
    ) -> Option<(Arc<str>, Spot<'a>)> {
        // Items share their file's path (one `Arc` per file): the same
        // pointer is the same file, without comparing the text.
        let same = |r: &str| std::ptr::eq(r, rel) || r == rel;
        let found = match &self.last {
            Some((r, found)) if same(r) => found.clone(),
            _ => {
                let found = self.compute(rel, doc);
                self.last = Some((rel, found.clone()));
                found
            }
        };
        found.map(|(env, file)| (env, Spot { file, line }))
    }

    /// Places each of `items` (at `at`: file and line) into `out`, in
    /// order; `docs` holds the inventory position of each item's file, when
    /// known (see `EnvItems::docs`).
    fn place_all<T>(
        &mut self,
        items: &'a [T],
        docs: &[Option<u32>],
        at: impl Fn(&'a T) -> (&'a str, Option<u32>),
        out: &mut Vec<Placed<'a, T>>,
    ) {
        out.reserve(items.len());
        for (i, item) in items.iter().enumerate() {
            let (rel, line) = at(item);
            let doc = docs.get(i).copied().flatten();
            if let Some((env, location)) = self.place_in(rel, doc, line) {
                out.push(Placed {
                    env,
                    item,
                    location,
                });
            }
        }
    }

    fn label(&mut self, env: &str) -> Arc<str> {
        match self.labels.iter().find(|l| ***l == *env) {
            Some(l) => l.clone(),
            None => {
                let l: Arc<str> = Arc::from(env);
                self.labels.push(l.clone());
                l
            }
        }
    }

    fn compute(&mut self, rel: &str, doc: Option<u32>) -> FilePlace<'a> {
        let facts: &'a Facts<'a> = self.facts;
        let indexed = match doc {
            Some(i) => facts.indexed_place_at(i as usize),
            None => facts.indexed_place(rel),
        };
        match indexed {
            Some((location, env)) => Some((self.label(env?), FileLoc::Indexed(location))),
            None => {
                let env = facts.environment(self.policy, rel)?;
                let label = self.label(&env);
                Some((label, FileLoc::Computed(Arc::new(facts.location(rel)))))
            }
        }
    }
}

/// What a rule compares across environments: only those items are placed
/// (each rule reads one kind; placing the others cost every rule the time
/// and memory of the credentials, the most numerous).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    /// Credential values; files that could not be parsed and values that
    /// cannot be known are gaps in the comparison.
    Credentials,
    Hosts,
    KeyPairs,
}

/// Gathers the environments of the scan and the items of the kind
/// `compared` (the other kinds stay empty). When credentials are compared,
/// files that could not be parsed and credential values that cannot be
/// known go into `j` as not evaluated.
pub fn gather<'a>(
    ctx: &Ctx,
    items: &'a [(std::sync::Arc<EnvItems>, &'a Facts<'a>)],
    j: &mut Judgement,
    compared: Compared,
) -> Gathered<'a> {
    let with_gaps = compared == Compared::Credentials;
    let mut envs = BTreeSet::new();
    let mut creds = Vec::new();
    let mut hosts = Vec::new();
    let mut key_pairs = Vec::new();
    for (it, facts) in items {
        let target = facts.target;
        for e in facts.file_environments(ctx.policy) {
            if !envs.contains(e.as_ref()) {
                envs.insert(e.into_owned());
            }
        }
        let mut places = Places::new(facts, ctx.policy);
        match compared {
            Compared::Credentials => places.place_all(
                &it.credentials,
                &it.docs.credentials,
                |c| (&c.rel, c.line),
                &mut creds,
            ),
            Compared::Hosts => {
                places.place_all(&it.hosts, &it.docs.hosts, |h| (&h.rel, h.line), &mut hosts)
            }
            Compared::KeyPairs => places.place_all(
                &it.key_pairs,
                &[],
                |k| (&k.rel, Some(k.line)),
                &mut key_pairs,
            ),
        }
        if with_gaps {
            for (rel, e) in &it.broken {
                if let Some((_, spot)) = places.place(rel, None) {
                    j.not_evaluated(
                        format!("{}#{rel}", target.id),
                        format!("{}: {e}", spot.path()),
                    )
                    .at(spot.location());
                }
            }
            for (item, rel, line, why) in &it.unresolved {
                if let Some((env, spot)) = places.place(rel, *line) {
                    j.not_evaluated(
                        format!("{}#{rel}#{item}", target.id),
                        format!(
                            "{item} ({env}) cannot be compared: its value cannot be known: {why}"
                        ),
                    )
                    .at(spot.location());
                }
            }
        }
    }
    Gathered {
        environments: envs,
        credentials: creds,
        hosts,
        key_pairs,
    }
}

/// The environments of the scan and what they hold, placed.
pub struct Gathered<'a> {
    pub environments: BTreeSet<String>,
    pub credentials: Vec<Placed<'a, Credential>>,
    pub hosts: Vec<Placed<'a, HostRef>>,
    pub key_pairs: Vec<Placed<'a, KeyPair>>,
}

/// The `EnvItems` of every target of the scan, with its facts.
pub fn peer_items<'a>(ctx: &Ctx<'a>) -> Vec<(std::sync::Arc<EnvItems>, &'a Facts<'a>)> {
    ctx.facts
        .peers
        .iter()
        .filter(|f| f.target.root().is_some())
        .map(|f| (f.get::<EnvItems>(), f))
        .collect()
}

/// Why the comparison cannot be made, when fewer than two environments exist.
pub fn too_few(envs: &BTreeSet<String>) -> Option<String> {
    (envs.len() < 2).then(|| {
        let found = if envs.is_empty() {
            "none".to_string()
        } else {
            envs.iter().cloned().collect::<Vec<_>>().join(", ")
        };
        format!(
            "fewer than two environments to compare (found: {found}); label config trees with --env NAME=PATH, the policy's [environments], or directories such as deploy/prod and deploy/uat"
        )
    })
}

/// Why a comparison with production cannot be made, when no environment of
/// the scan is production.
pub fn no_production(ctx: &Ctx, envs: &BTreeSet<String>) -> Option<String> {
    (!envs.iter().any(|e| ctx.policy.is_production(Some(e)))).then(|| {
        format!(
            "no production environment among {} (production labels: {})",
            envs.iter().cloned().collect::<Vec<_>>().join(", "),
            ctx.policy.env.production.join(", ")
        )
    })
}

/// `deploy/prod/.env:3`.
pub fn at(loc: &Location) -> String {
    match loc.line {
        Some(l) => format!("{}:{l}", loc.path),
        None => loc.path.to_string(),
    }
}

/// Hosts each environment serves.
pub fn served<'a>(
    hosts: &'a [Placed<'a, HostRef>],
) -> BTreeMap<&'a str, Vec<&'a Placed<'a, HostRef>>> {
    let mut out: BTreeMap<&str, Vec<&Placed<HostRef>>> = BTreeMap::new();
    for h in hosts.iter().filter(|h| h.item.role == Role::Serves) {
        out.entry(h.item.host.as_str()).or_default().push(h);
    }
    out
}
