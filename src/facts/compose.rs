//! Docker compose files: the service model rules judge (image, ports,
//! environment, env_file, mounts, command, profiles, restart), with the line
//! of every value, kept uninterpolated; what no rule reads (`expose:`,
//! volume entries as written) counts only toward the interpolation budget.
//! `Vars` interpolates a value against the `.env` compose would use;
//! `parse_port` reads the short `ports:` syntax the way docker does. The
//! `ComposeProjects` fact pairs each compose file with its `.env`.

use std::net::IpAddr;
use std::sync::Arc;

use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt};

use crate::facts::dotenv::DotEnv;
use crate::facts::interpolate::{Interpolated, InterpolationError, interpolate};
use crate::facts::inventory::{Doc, Parsed};
use crate::facts::yaml::{Node, Value};
use crate::facts::{Fact, Facts};

/// A scalar as written, before interpolation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// Inline when short (most values are): no allocation per value.
    pub raw: CompactString,
    pub line: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ComposeFile {
    pub services: Box<[Service]>,
    /// Values no rule reads (top-level `volumes:` names, `expose:`, the
    /// service `volumes:` entries as written): kept only for what they
    /// weigh in the file's interpolation budget.
    pub unread: Unread,
}

/// The part of the interpolation budget held by values no rule reads: the
/// size of those without a `$` (fixed), and those with one (their size
/// depends on the `.env`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unread {
    pub plain_bytes: usize,
    pub templated: Box<[CompactString]>,
}

impl Unread {
    fn add(&mut self, raw: &str, templated: &mut Vec<CompactString>) {
        if raw.contains('$') {
            templated.push(CompactString::new(raw));
        } else {
            self.plain_bytes += raw.len();
        }
    }
}

impl ComposeFile {
    /// Every value of the file a rule reads as written (each one a rule
    /// may interpolate), service by service, then the unread values with
    /// a `$` (the others count by [`Unread::plain_bytes`]).
    pub fn raw_values(&self) -> impl Iterator<Item = &str> {
        let unread = self.unread.templated.iter().map(CompactString::as_str);
        self.services
            .iter()
            .flat_map(Service::raw_values)
            .chain(unread)
    }
}

/// A compose service. Lists are boxed slices (16 bytes, no spare room):
/// a scan keeps every compose file's model to its end, and most of a
/// service's lists are empty.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Service {
    pub name: CompactString,
    pub line: u32,
    pub image: Option<Text>,
    pub ports: Box<[PortEntry]>,
    pub environment: Box<[EnvVar]>,
    pub env_files: Box<[Text]>,
    pub command: Box<[Text]>,
    pub profiles: Box<[CompactString]>,
    /// `restart:` as written (`always`, `unless-stopped`, `on-failure:3`, `no`).
    pub restart: Option<Text>,
    /// `deploy.restart_policy.condition` (swarm / compose v3 deploy).
    pub deploy_restart: Option<Text>,
    /// `volumes:` entries with their container side (short and long syntax)
    /// and `tmpfs:` entries.
    pub mounts: Box<[Mount]>,
}

impl Service {
    /// Every value of the service as written that a rule may read (texts
    /// and mount sources).
    fn raw_values(&self) -> impl Iterator<Item = &str> {
        let ports = self.ports.iter().flat_map(|p| match p {
            PortEntry::Short(t) => vec![t],
            PortEntry::Long(long) => [&long.target, &long.published, &long.host_ip, &long.protocol]
                .into_iter()
                .flatten()
                .collect(),
        });
        self.image
            .iter()
            .chain(ports)
            .chain(self.environment.iter().filter_map(|e| e.value.as_ref()))
            .chain(&self.env_files)
            .chain(&self.command)
            .chain(&self.restart)
            .chain(&self.deploy_restart)
            .map(|t| t.raw.as_str())
            .chain(self.mounts.iter().filter_map(|m| m.source.as_deref()))
    }
}

/// What a compose volume entry mounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountKind {
    /// A host path (`./srv:/opt/couchdb/data`, `type: bind`).
    Bind,
    /// A named volume (`couchdb-data:/opt/couchdb/data`).
    Volume,
    /// An anonymous volume (`- /opt/couchdb/data`): kept by docker, lost on `down -v` and recreation.
    Anonymous,
    /// `tmpfs:` or `type: tmpfs`: memory only.
    Tmpfs,
}

/// One mount of a service, uninterpolated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub kind: MountKind,
    /// The host path or volume name as written (may hold `${VAR}`).
    pub source: Option<CompactString>,
    /// The path inside the container.
    pub target: CompactString,
    pub read_only: bool,
    pub line: u32,
}

impl Mount {
    /// Reads a short-syntax entry (`SRC:DST[:MODE]` or `DST`). A source that
    /// starts with `.`, `/`, `~` or `$` (a variable, CHT's `${COUCHDB_DATA}`)
    /// is a bind mount, as docker compose decides.
    pub fn short(raw: &str, line: u32) -> Mount {
        let parts = split_volume_spec(raw);
        match parts.as_slice() {
            [dst] => Mount {
                kind: MountKind::Anonymous,
                source: None,
                target: CompactString::new(dst),
                read_only: false,
                line,
            },
            [src, dst, rest @ ..] => Mount {
                kind: if src.starts_with(['.', '/', '~', '$']) {
                    MountKind::Bind
                } else {
                    MountKind::Volume
                },
                source: Some(CompactString::new(src)),
                target: CompactString::new(dst),
                read_only: rest
                    .first()
                    .is_some_and(|m| m.split(',').any(|o| o == "ro")),
                line,
            },
            [] => Mount {
                kind: MountKind::Anonymous,
                source: None,
                target: CompactString::default(),
                read_only: false,
                line,
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortEntry {
    /// `"127.0.0.1:8080:80/tcp"`, `"5984"`, `- 80`.
    Short(Text),
    /// The long syntax, boxed: it is rare, and four texts wide.
    Long(Box<LongPort>),
}

/// A long-syntax `ports:` entry (`target`, `published`, `host_ip`, `protocol`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LongPort {
    pub line: u32,
    pub target: Option<Text>,
    pub published: Option<Text>,
    pub host_ip: Option<Text>,
    pub protocol: Option<Text>,
}

impl PortEntry {
    pub fn line(&self) -> u32 {
        match self {
            PortEntry::Short(t) => t.line,
            PortEntry::Long(long) => long.line,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvVar {
    pub key: CompactString,
    /// `None` for `- KEY` / `KEY:` (passed through from the shell).
    pub value: Option<Text>,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ComposeError {
    pub line: u32,
    pub message: String,
}

fn err(node: &Node, message: impl Into<String>) -> ComposeError {
    ComposeError {
        line: node.line,
        message: message.into(),
    }
}

fn text(node: &Node) -> Option<Text> {
    node.as_str().map(|s| Text {
        raw: CompactString::new(s),
        line: node.line,
    })
}

/// Whether a parsed YAML document is a compose file (a `services` mapping).
pub fn looks_like_compose(doc: &Node) -> bool {
    doc.get("services")
        .is_some_and(|s| s.is_map() || s.is_null())
        && doc.get("apiVersion").is_none()
}

/// Reads the compose model from a parsed document.
pub fn from_yaml(doc: &Node) -> Result<ComposeFile, ComposeError> {
    if !doc.is_map() {
        return Err(err(doc, "a compose file must be a mapping"));
    }
    let mut file = ComposeFile::default();
    let Some(services) = doc.get("services") else {
        return Ok(file);
    };
    if services.is_null() {
        return Ok(file);
    }
    if !services.is_map() {
        return Err(err(services, "`services` must be a mapping"));
    }
    let mut templated = Vec::new();
    if let Some(vols) = doc.get("volumes")
        && vols.is_map()
    {
        for (k, _) in vols.entries() {
            if let Some(name) = k.as_str() {
                file.unread.add(name, &mut templated);
            }
        }
    }
    let mut out = Vec::new();
    for (name, body) in services.entries() {
        let Some(name_text) = name.as_str() else {
            return Err(err(name, "service name must be a string"));
        };
        out.push(service(
            name_text,
            name.line,
            body,
            &mut file.unread,
            &mut templated,
        )?);
    }
    file.services = out.into_boxed_slice();
    file.unread.templated = templated.into_boxed_slice();
    Ok(file)
}

/// One service of `services:`; its unread values go to `unread`.
fn service(
    name: &str,
    line: u32,
    body: &Node,
    unread: &mut Unread,
    templated: &mut Vec<CompactString>,
) -> Result<Service, ComposeError> {
    let mut svc = Service {
        name: CompactString::new(name),
        line,
        ..Service::default()
    };
    if body.is_null() {
        return Ok(svc);
    }
    if !body.is_map() {
        // Named by its line, not quoted: YAML anchors can carry value
        // text into a key (found by fuzzing).
        return Err(err(body, "a service must be a mapping"));
    }
    svc.image = body.get("image").and_then(text);
    if let Some(ports) = body.get("ports") {
        svc.ports = ports_of(ports)?;
    }
    if let Some(expose) = body.get("expose") {
        for t in scalars(expose, "expose")? {
            unread.add(t, templated);
        }
    }
    if let Some(env) = body.get("environment") {
        svc.environment = environment(env)?;
    }
    if let Some(files) = body.get("env_file") {
        svc.env_files = match &files.value {
            Value::Scalar(_) => text(files).into_iter().collect(),
            Value::Seq(items) => items
                .iter()
                .filter_map(|i| text(i).or_else(|| i.get("path").and_then(text)))
                .collect(),
            _ => Box::default(),
        };
    }
    let mut mounts = Vec::new();
    if let Some(vols) = body.get("volumes") {
        for v in vols.items() {
            if let Some(raw) = v
                .as_str()
                .or_else(|| v.get("source").and_then(Node::as_str))
            {
                unread.add(raw, templated);
            }
        }
        mounts.extend(vols.items().iter().filter_map(mount_of));
    }
    if let Some(t) = body.get("tmpfs") {
        let items: Vec<&Node> = match &t.value {
            Value::Scalar(_) => vec![t],
            _ => t.items().iter().filter(|i| i.as_str().is_some()).collect(),
        };
        for i in items {
            let raw = i.as_str().expect("a scalar");
            mounts.push(Mount {
                kind: MountKind::Tmpfs,
                source: None,
                target: CompactString::new(raw.split(':').next().unwrap_or("")),
                read_only: false,
                line: i.line,
            });
        }
    }
    svc.mounts = mounts.into_boxed_slice();
    svc.restart = body.get("restart").and_then(text);
    svc.deploy_restart = body
        .get("deploy")
        .and_then(|d| d.get("restart_policy"))
        .and_then(|r| r.get("condition"))
        .and_then(text);
    if let Some(cmd) = body.get("command") {
        svc.command = match &cmd.value {
            Value::Scalar(_) => text(cmd).into_iter().collect(),
            _ => cmd.items().iter().filter_map(text).collect(),
        };
    }
    if let Some(profiles) = body.get("profiles") {
        svc.profiles = profiles
            .items()
            .iter()
            .filter_map(|p| p.as_str().map(CompactString::new))
            .collect();
    }
    Ok(svc)
}

/// Splits `SRC:DST:MODE` on the colons outside `${...}` (CHT writes
/// `${COUCHDB_DATA:-./srv}:/opt/couchdb/data`), into at most three parts.
fn split_volume_spec(raw: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let b = raw.as_bytes();
    for i in 0..b.len() {
        match b[i] {
            b'{' if i > 0 && b[i - 1] == b'$' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 && parts.len() < 2 => {
                parts.push(&raw[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&raw[start..]);
    parts
}

/// A `volumes:` entry of a service, short or long syntax.
fn mount_of(v: &Node) -> Option<Mount> {
    if let Some(raw) = v.as_str() {
        return Some(Mount::short(raw, v.line));
    }
    let target = CompactString::new(v.get("target").and_then(Node::as_str)?);
    let source = v
        .get("source")
        .and_then(Node::as_str)
        .map(CompactString::new);
    let kind = match v.get("type").and_then(Node::as_str) {
        Some("bind") => MountKind::Bind,
        Some("tmpfs") => MountKind::Tmpfs,
        _ if source.is_none() => MountKind::Anonymous,
        _ => MountKind::Volume,
    };
    Some(Mount {
        kind,
        source,
        target,
        read_only: v
            .get("read_only")
            .and_then(Node::as_str)
            .is_some_and(|r| r == "true"),
        line: v.line,
    })
}

fn scalars<'n>(node: &'n Node, what: &str) -> Result<Vec<&'n str>, ComposeError> {
    if node.is_null() {
        return Ok(Vec::new());
    }
    if !node.is_seq() {
        return Err(err(node, format!("`{what}` must be a list")));
    }
    node.items()
        .iter()
        .map(|i| {
            i.as_str()
                .ok_or_else(|| err(i, format!("`{what}` entries must be scalars")))
        })
        .collect()
}

fn ports_of(node: &Node) -> Result<Box<[PortEntry]>, ComposeError> {
    if node.is_null() {
        return Ok(Box::default());
    }
    if !node.is_seq() {
        return Err(err(node, "`ports` must be a list"));
    }
    let mut out = Vec::new();
    for item in node.items() {
        match &item.value {
            Value::Scalar(_) => out.push(PortEntry::Short(text(item).expect("scalar"))),
            Value::Map(_) => out.push(PortEntry::Long(Box::new(LongPort {
                line: item.line,
                target: item.get("target").and_then(text),
                published: item.get("published").and_then(text),
                host_ip: item.get("host_ip").and_then(text),
                protocol: item.get("protocol").and_then(text),
            }))),
            _ => return Err(err(item, "a `ports` entry must be a string or a mapping")),
        }
    }
    Ok(out.into_boxed_slice())
}

fn environment(node: &Node) -> Result<Box<[EnvVar]>, ComposeError> {
    match &node.value {
        Value::Null => Ok(Box::default()),
        Value::Map(entries) => Ok(entries
            .iter()
            .filter_map(|(k, v)| {
                let key = k.as_str()?;
                Some(EnvVar {
                    key: CompactString::new(key),
                    value: text(v),
                    line: k.line,
                })
            })
            .collect()),
        Value::Seq(items) => items
            .iter()
            .map(|i| {
                let s = i
                    .as_str()
                    .ok_or_else(|| err(i, "`environment` entries must be strings"))?;
                Ok(match s.split_once('=') {
                    Some((k, v)) => EnvVar {
                        key: CompactString::new(k),
                        value: Some(Text {
                            raw: CompactString::new(v),
                            line: i.line,
                        }),
                        line: i.line,
                    },
                    None => EnvVar {
                        key: CompactString::new(s),
                        value: None,
                        line: i.line,
                    },
                })
            })
            .collect(),
        Value::Scalar(_) => Err(err(node, "`environment` must be a list or a mapping")),
    }
}

/// Where compose finds the variables for interpolating a compose file.
#[derive(Clone, Debug, PartialEq)]
pub enum EnvSource {
    /// The `.env` read (its display path, shared by the compose files
    /// that read it).
    Found { rel: Arc<str>, env: Arc<DotEnv> },
    /// A `.env` exists but could not be read or parsed.
    Broken { rel: Arc<str>, error: String },
    /// No `.env` beside the compose file.
    Missing { expected: String },
}

/// The most the values of one compose file may expand to, all together
/// (each value alone is bounded by `interpolate::MAX_EXPANDED`; without a
/// total, many references to one large variable cost file size × 1 MiB).
pub const MAX_EXPANDED_TOTAL: usize = 32 * 1024 * 1024;

/// Interpolation for one compose file.
#[derive(Clone, Debug, PartialEq)]
pub struct Vars {
    pub source: EnvSource,
    /// The `.env` read, as a path inside the target (not the display
    /// path), shared by the compose files that read it.
    pub env_rel: Option<Arc<str>>,
    /// The file's values expand past `MAX_EXPANDED_TOTAL` in all: every
    /// `resolve` fails with `TotalBudget` (the same for every rule, whatever
    /// order rules run in).
    pub over_budget: bool,
}

impl Vars {
    /// The variables for `file` from `source`, with the file's total budget
    /// checked once ([`Vars::within_budget`]).
    pub fn new(source: EnvSource, env_rel: Option<Arc<str>>, file: &ComposeFile) -> Vars {
        let mut vars = Vars {
            source,
            env_rel,
            over_budget: false,
        };
        vars.over_budget = !vars.within_budget(file, MAX_EXPANDED_TOTAL);
        vars
    }

    /// Whether all the values of `file` expand to at most `budget` bytes.
    /// An upper bound decides first, without interpolating: each `$`
    /// of a value is replaced by at most one variable's value, and every
    /// other byte written comes from the value itself, once at most
    /// (defaults and alternatives are parts of it).
    fn within_budget(&self, file: &ComposeFile, budget: usize) -> bool {
        let longest = match &self.source {
            EnvSource::Found { env, .. } => env
                .entries
                .iter()
                .filter_map(|e| e.value.as_ref().map(|v| v.len()))
                .max()
                .unwrap_or(0),
            _ => 0,
        };
        let mut bound = file.unread.plain_bytes;
        for raw in file.raw_values() {
            let dollars = raw.bytes().filter(|&b| b == b'$').count();
            bound = bound
                .saturating_add(raw.len())
                .saturating_add(dollars.saturating_mul(longest));
        }
        bound <= budget || self.expands_within(file, budget)
    }

    /// [`Vars::within_budget`] by interpolating every value with a `$`,
    /// until the sum passes the budget (so the check itself costs at most
    /// the budget).
    fn expands_within(&self, file: &ComposeFile, budget: usize) -> bool {
        let mut total = file.unread.plain_bytes;
        if total > budget {
            return false;
        }
        for raw in file.raw_values() {
            total += if raw.contains('$') {
                match interpolate(raw, &|n| self.lookup(n)) {
                    Ok(r) => r.value.len(),
                    // Each value's own errors are reported where it is used.
                    Err(_) => 0,
                }
            } else {
                raw.len()
            };
            if total > budget {
                return false;
            }
        }
        true
    }

    pub fn lookup(&self, name: &str) -> Option<&str> {
        match &self.source {
            EnvSource::Found { env, .. } => env.value(name),
            _ => None,
        }
    }

    pub fn resolve(&self, t: &Text) -> Result<Interpolated, InterpolationError> {
        if self.over_budget {
            return Err(InterpolationError::TotalBudget);
        }
        interpolate(&t.raw, &|n| self.lookup(n))
    }

    /// Why an unset variable has no value, for a not-evaluated reason.
    pub fn why_unset(&self, var: &str) -> String {
        match &self.source {
            EnvSource::Found { rel, .. } => format!("${{{var}}} is not set in {rel}"),
            EnvSource::Broken { rel, error } => {
                format!("${{{var}}} comes from {rel}, which is unusable ({error})")
            }
            EnvSource::Missing { expected } => {
                format!("${{{var}}} has no default and there is no {expected}")
            }
        }
    }
}

/// A compose file with the variables compose would interpolate it with.
#[derive(Debug)]
pub struct Project {
    /// The compose file (path inside the target), shared with the facts
    /// built from it.
    pub rel: Arc<str>,
    pub file: Arc<ComposeFile>,
    pub vars: Vars,
}

impl Project {
    /// The image `svc` runs, interpolated; empty when it has none or its
    /// reference cannot be resolved.
    pub fn image_of(&self, svc: &Service) -> String {
        svc.image
            .as_ref()
            .and_then(|i| self.vars.resolve(i).ok())
            .map(|i| i.value)
            .unwrap_or_default()
    }
}

/// Every compose file of a target, paired with its `.env`; compose files that
/// could not be parsed are kept with their error.
#[derive(Debug, Default)]
pub struct ComposeProjects {
    pub projects: Vec<Project>,
    pub broken: Vec<(String, String)>,
}

impl Fact for ComposeProjects {
    fn collect(facts: &Facts) -> Self {
        let mut out = ComposeProjects::default();
        let mut env_files = HashMap::new();
        for doc in facts.docs() {
            match &doc.content {
                Ok(Parsed::Compose(file)) => out.projects.push(Project {
                    rel: doc.rel.clone(),
                    file: file.clone(),
                    vars: {
                        let (source, env_rel) = env_source(facts, doc, &mut env_files);
                        Vars::new(source, env_rel, file)
                    },
                }),
                Err(e) if doc.kind == crate::facts::inventory::Kind::Compose => {
                    out.broken.push((doc.rel.to_string(), e.clone()));
                }
                _ => {}
            }
        }
        // Kept to the end of the scan: without the room the list grew into.
        out.projects.shrink_to_fit();
        out
    }

    /// Across cores, a few projects per task (each holds its files' models).
    fn free(self) {
        use rayon::prelude::*;
        self.projects
            .into_par_iter()
            .with_min_len(64)
            .for_each(drop);
    }
}

fn parent_of(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// The `.env` compose reads for a compose file: the one in its directory; for
/// CHT's layout (`cht/compose/*.yml` started by the upgrade service), the
/// upgrade service's `cht/upgrade-service/.env`. `seen` holds the `.env`
/// files found so far (the compose files of one instance share theirs).
fn env_source(
    facts: &Facts,
    compose: &Doc,
    seen: &mut HashMap<String, (EnvSource, Arc<str>)>,
) -> (EnvSource, Option<Arc<str>>) {
    let dir = parent_of(&compose.rel);
    let mut candidates = vec![join(dir, ".env")];
    if dir == "compose" || dir.ends_with("/compose") {
        candidates.push(join(parent_of(dir), "upgrade-service/.env"));
    }
    if let Some(env) = environment_dotenv(facts, dir) {
        candidates.push(env);
    }
    for rel in &candidates {
        if let Some((source, shared)) = seen.get(rel) {
            return (source.clone(), Some(shared.clone()));
        }
        if let Some(doc) = facts.doc(rel) {
            let shown = facts.location(rel).path;
            let source = match &doc.content {
                Ok(Parsed::DotEnv(env)) => EnvSource::Found {
                    rel: shown,
                    env: env.clone(),
                },
                Ok(_) => EnvSource::Broken {
                    rel: shown,
                    error: "not a dotenv file".to_string(),
                },
                Err(e) => EnvSource::Broken {
                    rel: shown,
                    error: e.clone(),
                },
            };
            // The file's own path, shared: found by address when looked up.
            let shared: Arc<str> = doc.rel.clone();
            seen.insert(rel.clone(), (source.clone(), shared.clone()));
            return (source, Some(shared));
        }
    }
    (
        EnvSource::Missing {
            expected: format!(".env beside {}", facts.target.location(&compose.rel).path),
        },
        None,
    )
}

/// The per-environment `.env` of a compose file's folder: `prod/.env` for
/// `prod/compose/cht-core.yml`, when the compose folder has no `.env` of its
/// own and the folder above holds one (deployments that keep one `.env` per
/// environment and run `docker compose --project-directory prod` or
/// `--env-file prod/.env`). Off when the policy says so.
fn environment_dotenv(facts: &Facts, dir: &str) -> Option<String> {
    if !facts.inventory.environment_dotenv || dir.is_empty() {
        return None;
    }
    let env = join(parent_of(dir), ".env");
    facts.doc(&env).is_some().then_some(env)
}

/// The name of an image without registry, path, tag or digest
/// (`public.ecr.aws/medic/cht-nginx:5.2.0` → `cht-nginx`).
pub fn image_name(image: &str) -> &str {
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split([':', '@']).next().unwrap_or(last)
}

/// A published port after interpolation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The host address; `None` binds every interface.
    pub host_ip: Option<String>,
    /// Host port range; `None` is a random port chosen by docker.
    pub host_ports: Option<(u16, u16)>,
    pub container_ports: (u16, u16),
    pub protocol: String,
}

impl Published {
    /// Whether only loopback can reach it (`127.0.0.0/8`, `::1`).
    pub fn is_loopback(&self) -> bool {
        self.host_ip
            .as_deref()
            .and_then(|ip| ip.parse::<IpAddr>().ok())
            .is_some_and(|ip| match ip {
                IpAddr::V4(v4) => v4.is_loopback(),
                IpAddr::V6(v6) => {
                    v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
                }
            })
    }

    /// Whether it binds every interface (no host IP, `0.0.0.0`, `::`).
    pub fn all_interfaces(&self) -> bool {
        match self.host_ip.as_deref() {
            None => true,
            Some(ip) => ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified()),
        }
    }

    pub fn host_ports_iter(&self) -> impl Iterator<Item = u16> {
        let (a, b) = self.host_ports.unwrap_or((1, 0));
        a..=b
    }

    pub fn container_ports_iter(&self) -> impl Iterator<Item = u16> {
        self.container_ports.0..=self.container_ports.1
    }

    /// `0.0.0.0:8080->80/tcp`, the way `docker ps` prints it.
    pub fn describe(&self) -> String {
        let ip = match self.host_ip.as_deref() {
            None => "0.0.0.0".to_string(),
            Some(ip) if ip.contains(':') => format!("[{ip}]"),
            Some(ip) => ip.to_string(),
        };
        let host = match self.host_ports {
            None => "(random)".to_string(),
            Some(r) => range_text(r),
        };
        format!(
            "{ip}:{host}->{}/{}",
            range_text(self.container_ports),
            self.protocol
        )
    }
}

fn range_text((a, b): (u16, u16)) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}-{b}")
    }
}

fn parse_range(s: &str) -> Result<(u16, u16), String> {
    let s = s.trim();
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: u16 = a
        .trim()
        .parse()
        .map_err(|_| "invalid port number".to_string())?;
    let b: u16 = b
        .trim()
        .parse()
        .map_err(|_| "invalid port number".to_string())?;
    if a > b {
        return Err("invalid port range (the first port is above the last)".to_string());
    }
    Ok((a, b))
}

/// Parses the short syntax `[[IP:](HOST_PORT|RANGE):]CONTAINER_PORT[-END][/PROTO]`
/// as docker does (`nat.ParsePortSpec`): the last colon-separated part is the
/// container port, the one before it the host port, the rest the IP (which
/// may be an IPv6 address, with or without brackets).
pub fn parse_port(spec: &str) -> Result<Published, String> {
    let spec = spec.trim();
    let (body, protocol) = match spec.rsplit_once('/') {
        Some((b, p)) => (b, p.to_ascii_lowercase()),
        None => (spec, "tcp".to_string()),
    };
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err("invalid protocol (not tcp, udp or sctp)".to_string());
    }
    let parts: Vec<&str> = body.split(':').collect();
    let n = parts.len();
    let (ip, host, container) = match n {
        1 => ("", "", parts[0]),
        2 => ("", parts[0], parts[1]),
        3 => (parts[0], parts[1], parts[2]),
        _ => {
            let ip_end = body.len() - parts[n - 1].len() - parts[n - 2].len() - 2;
            (&body[..ip_end], parts[n - 2], parts[n - 1])
        }
    };
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    if !ip.is_empty() && ip.parse::<IpAddr>().is_err() {
        return Err("invalid host IP".to_string());
    }
    Ok(Published {
        host_ip: (!ip.is_empty()).then(|| ip.to_string()),
        host_ports: if host.is_empty() {
            None
        } else {
            Some(parse_range(host)?)
        },
        container_ports: parse_range(container)?,
        protocol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::yaml;

    #[test]
    fn short_port_syntax() {
        let p = parse_port("3000").unwrap();
        assert_eq!(
            (p.host_ip, p.host_ports, p.container_ports),
            (None, None, (3000, 3000))
        );
        let p = parse_port("8000:80").unwrap();
        assert_eq!(p.host_ports, Some((8000, 8000)));
        let p = parse_port("127.0.0.1:8001:8001/udp").unwrap();
        assert!(p.is_loopback());
        assert_eq!(p.protocol, "udp");
        let p = parse_port("9090-9091:8080-8081").unwrap();
        assert_eq!(p.host_ports, Some((9090, 9091)));
        let p = parse_port("[::1]:6000:6000").unwrap();
        assert_eq!(p.host_ip.as_deref(), Some("::1"));
        assert!(p.is_loopback());
        let p = parse_port("::1:6000:6000").unwrap();
        assert_eq!(p.host_ip.as_deref(), Some("::1"));
        let p = parse_port("[::]:443:443").unwrap();
        assert!(p.all_interfaces() && !p.is_loopback());
        let p = parse_port("127.0.0.1::80").unwrap();
        assert_eq!(p.host_ports, None);
        assert_eq!(p.describe(), "127.0.0.1:(random)->80/tcp");
        assert!(parse_port("abc").is_err());
        assert!(parse_port("localhost:80:80").is_err());
        assert!(parse_port("80:80/icmp").is_err());
        assert!(parse_port("90-80:80").is_err());
    }

    #[test]
    fn model_from_yaml() {
        let src = "services:\n  nginx:\n    image: nginx\n    ports:\n      - \"${P:-80}:80\"\n      - target: 443\n        published: \"443\"\n        host_ip: 0.0.0.0\n    environment:\n      - A=1\n      - B\n  api:\n    expose:\n      - 5988\n    environment:\n      C: x\n";
        let docs = yaml::parse(src).unwrap();
        assert!(looks_like_compose(&docs[0]));
        let f = from_yaml(&docs[0]).unwrap();
        assert_eq!(f.services.len(), 2);
        let nginx = &f.services[0];
        assert_eq!(nginx.ports.len(), 2);
        assert_eq!(nginx.ports[0].line(), 5);
        assert_eq!(nginx.ports[1].line(), 6);
        assert_eq!(nginx.environment[1].value, None);
        let api = &f.services[1];
        // `expose:` is read for the budget only.
        assert_eq!(f.unread.plain_bytes, "5988".len());
        assert!(f.unread.templated.is_empty());
        assert_eq!(api.environment[0].line, 16);
    }

    #[test]
    fn model_stays_small() {
        // Kept for every compose file to the end of a scan.
        use std::mem::size_of;
        assert_eq!(size_of::<Text>(), 32);
        assert_eq!(size_of::<Option<Text>>(), 32);
        assert_eq!(size_of::<PortEntry>(), 32);
        assert!(size_of::<EnvVar>() <= 64);
        assert!(size_of::<Mount>() <= 56);
        assert!(size_of::<Service>() <= 224, "{}", size_of::<Service>());
        assert!(size_of::<ComposeFile>() <= 48);
    }

    #[test]
    fn bad_shapes_are_errors_with_lines() {
        let docs = yaml::parse("services:\n  a:\n    ports: 80\n").unwrap();
        assert_eq!(from_yaml(&docs[0]).unwrap_err().line, 3);
        let docs = yaml::parse("services: [a]\n").unwrap();
        assert!(from_yaml(&docs[0]).is_err());
    }

    fn found(env: &str) -> EnvSource {
        EnvSource::Found {
            rel: ".env".into(),
            env: Arc::new(crate::facts::dotenv::parse(env).unwrap()),
        }
    }

    #[test]
    fn the_values_of_a_file_are_bounded_in_total() {
        // Every kind of value counts: image, ports, environment, volumes,
        // command, restart and the mount sources.
        let src = "volumes:\n  $A: {}\nservices:\n  a:\n    image: $A\n    ports:\n      - \"$A\"\n      - target: 1\n        host_ip: $A\n    environment:\n      K: $A\n    volumes:\n      - $A:/x\n    command: [$A]\n    restart: $A\n";
        let file = from_yaml(&yaml::parse(src).unwrap()[0]).unwrap();
        assert_eq!(file.raw_values().filter(|v| *v == "$A").count(), 8);
        let vars = Vars::new(found("A=0123456789\n"), None, &file);
        assert!(!vars.over_budget);
        // 8 values of 10 bytes, the volume `$A:/x` (13) and the target `1`.
        assert!(vars.within_budget(&file, 8 * 10 + 13 + 1));
        assert!(!vars.within_budget(&file, 8 * 10 + 13));
        // The upper bound never decides otherwise than interpolating.
        for budget in 0..200 {
            assert_eq!(
                vars.within_budget(&file, budget),
                vars.expands_within(&file, budget),
                "{budget}"
            );
        }
        // `$$`, defaults, alternatives, nesting and a required variable.
        let src = "services:\n  a:\n    image: \"$$A${B:-x}${A:+yy}${C:-${A}z}${D:?e}$\"\n";
        let file = from_yaml(&yaml::parse(src).unwrap()[0]).unwrap();
        for env in ["A=0123456789\n", "A=1\nB=22\nC=\nD=4\n", ""] {
            let vars = Vars::new(found(env), None, &file);
            for budget in 0..200 {
                assert_eq!(
                    vars.within_budget(&file, budget),
                    vars.expands_within(&file, budget),
                    "{env:?} {budget}"
                );
            }
        }
        let t = Text {
            raw: "$A".into(),
            line: 5,
        };
        assert_eq!(vars.resolve(&t).unwrap().value, "0123456789");

        // Many references to one large variable: each value is under the
        // 1 MiB cap, the file is over its total.
        let big = format!("A={}\n", "x".repeat(900 * 1024));
        let mut src = "services:\n  a:\n    environment:\n".to_string();
        for i in 0..40 {
            src.push_str(&format!("      K{i}: ${{A}}\n"));
        }
        let file = from_yaml(&yaml::parse(&src).unwrap()[0]).unwrap();
        let vars = Vars::new(found(&big), None, &file);
        assert!(vars.over_budget);
        let e = vars.resolve(&t).unwrap_err();
        assert_eq!(e, InterpolationError::TotalBudget);
        assert_eq!(
            e.to_string(),
            "interpolation budget exceeded: the values of this file expand to more than 32 MiB in all"
        );
        // Without the .env the same file is small.
        let vars = Vars::new(
            EnvSource::Missing {
                expected: ".env".to_string(),
            },
            None,
            &file,
        );
        assert!(!vars.over_budget);
    }
}
