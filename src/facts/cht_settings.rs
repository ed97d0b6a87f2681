//! CHT settings as a deployment sets them: every place a tree or host gives a
//! value to a CHT setting (`COUCHDB_PASSWORD`, `CERTIFICATE_MODE`,
//! `NODE_ENV`...), gathered from dotenv files, compose `environment:`
//! entries (interpolated as compose does, so the value is the effective one,
//! and traced back to the `.env` line it came from), helm values (layered),
//! and CouchDB ini files, plus CHT's own defaults where a CHT service or
//! instance leaves a setting out (unset `CERTIFICATE_MODE` is `SELF_SIGNED`,
//! unset `COUCHDB_USER` is `admin`). Also the CHT instances of a tree (the
//! `.env` files CHT's compose files and upgrade service read). Values are
//! kept as [`Secret`]. Collects; never judges.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet};
use rayon::prelude::*;

use crate::facts::cht_sources::{self, Front, key_of, known};
use crate::facts::compose::{ComposeProjects, EnvVar, Project, Service, image_name};
use crate::facts::dotenv::DotEnv;
use crate::facts::helm::{HelmReleases, Leaf, Release};
use crate::facts::interpolate::InterpolationError;
use crate::facts::inventory::{Kind, Parsed, is_example};
use crate::facts::{Doc, Fact, Facts, map_chunks};
use crate::secret::Secret;

/// What a setting's value is.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// The value the service or chart gets; `defaulted` when it is a default
    /// (a compose `${VAR:-default}`, an image's or CHT's default) rather
    /// than a value the deployment wrote.
    Set { value: Secret, defaulted: bool },
    /// It cannot be known from the files: why.
    Unresolved(String),
}

/// Where a setting was found.
#[derive(Clone, Debug, PartialEq)]
pub enum Via {
    DotEnv,
    /// A compose service's environment (or an image default for it). The
    /// service is shared by every setting of the service, not copied.
    Compose(Arc<ComposeService>),
    /// Helm values, with the releases (combinations of files) it holds in.
    /// Boxed, as `K8s` is (a thin pointer each), so that `Via` and every
    /// setting are 16 bytes smaller: few settings come from helm values or
    /// manifests.
    #[allow(clippy::box_collection)]
    Helm {
        releases: Box<Vec<String>>,
    },
    Ini,
    /// CHT's default for a setting a CHT instance's `.env` leaves out.
    ChtDefault,
    /// A Kubernetes object: `Secret cht-couchdb-credentials`, `Deployment
    /// api container api`.
    #[allow(clippy::box_collection)]
    K8s {
        object: Box<String>,
    },
}

/// The compose service a setting is found in (one per service, shared).
#[derive(Clone, Debug, PartialEq)]
pub struct ComposeService {
    pub file: Arc<str>,
    pub service: Arc<str>,
    pub image: Arc<str>,
    /// The `.env` the compose file is interpolated with.
    pub env: Option<Arc<str>>,
}

/// A compose entry's text as written, before interpolation: kept only when
/// it holds a `$` (otherwise it is the value itself), so a plain entry costs
/// no copy. `None`: not a compose entry (or an image default); an empty text:
/// written with no `$` (nothing to keep; an empty box allocates nothing).
#[derive(Clone, Debug, PartialEq)]
pub struct Raw(Option<Box<str>>);

impl Raw {
    /// Not written in a compose entry.
    pub const NONE: Raw = Raw(None);

    /// The text of a compose entry.
    pub fn of(text: &str) -> Raw {
        Raw(Some(if text.contains('$') {
            text.into()
        } else {
            Box::default()
        }))
    }

    /// Whether it was written in a compose entry.
    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// The text before interpolation, when it holds a `$`.
    pub fn interpolated(&self) -> Option<&str> {
        self.0.as_deref().filter(|t| !t.is_empty())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    /// The setting, named as CHT's `.env` names it (`COUCHDB_PASSWORD`);
    /// borrowed when it is one of CHT's own (no allocation per setting).
    pub key: Cow<'static, str>,
    /// How the file writes it: `COUCHDB_PASSWORD`, `couchdb.password`,
    /// `[admins] medic`.
    pub written: Cow<'static, str>,
    pub value: Value,
    /// The text as written before interpolation (compose entries only).
    pub raw: Raw,
    /// The file (path inside the target) and line that give the value; the
    /// path is shared by the settings of a file, not copied.
    pub rel: Arc<str>,
    pub line: Option<u32>,
    pub via: Via,
}

impl Setting {
    /// The value, when it is known.
    pub fn known(&self) -> Option<&Secret> {
        match &self.value {
            Value::Set { value, .. } => Some(value),
            Value::Unresolved(_) => None,
        }
    }

    pub fn defaulted(&self) -> bool {
        matches!(
            self.value,
            Value::Set {
                defaulted: true,
                ..
            }
        )
    }

    /// A stable identity for fingerprints: file and setting, never a line.
    pub fn logical_key(&self) -> String {
        match &self.via {
            Via::Compose(c) => format!("{}#{}/{}", self.rel, c.service, self.written),
            _ => format!("{}#{}", self.rel, self.written),
        }
    }

    /// Where it came from, for messages: `compose service nginx`, `helm
    /// values (base + platform-eks)`.
    pub fn context(&self) -> String {
        match &self.via {
            Via::DotEnv => "dotenv file".to_string(),
            // `${VAR:-default}`: the value the service runs with whenever
            // the variable is unset.
            Via::Compose(c) if self.raw.is_some() && self.defaulted() => {
                format!("compose service {}, default when unset", c.service)
            }
            Via::Compose(c) => match &c.env {
                Some(env) if env_dir(env) != env_dir(&c.file) => {
                    format!("compose service {}, variables from {env}", c.service)
                }
                _ => format!("compose service {}", c.service),
            },
            Via::Helm { releases } => format!("helm values ({})", releases.join("; ")),
            Via::Ini => "CouchDB ini file".to_string(),
            Via::ChtDefault => "CHT default".to_string(),
            Via::K8s { object } => format!("Kubernetes {object}"),
        }
    }
}

fn env_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// One CHT docker instance: the `.env` its compose files (or its upgrade
/// service) are run with.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub rel: String,
    pub env: Arc<DotEnv>,
    /// Its web front, when it has one; `None` for a `.env` that feeds only
    /// CouchDB nodes (no nginx there).
    pub front: Option<Front>,
}

/// Settings in the order they were found, kept as the parts they were
/// gathered in (a chunk of compose projects or files each): never copied
/// into one vector, which at 100k files held every setting twice at the
/// derive phase's peak.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    parts: Vec<Vec<Setting>>,
}

impl Settings {
    pub fn iter(&self) -> impl Iterator<Item = &Setting> + Clone {
        self.parts.iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(Vec::is_empty)
    }

    /// Room for settings never found (kept for the whole scan, so none).
    #[cfg(test)]
    pub(crate) fn spare(&self) -> usize {
        self.parts.iter().map(|p| p.capacity() - p.len()).sum()
    }
}

impl<'a> IntoIterator for &'a Settings {
    type Item = &'a Setting;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<Setting>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.parts.iter().flatten()
    }
}

/// Equal when the same settings come in the same order, however they are
/// split into parts.
impl PartialEq for Settings {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

#[derive(Debug, Default)]
pub struct ChtSettings {
    pub settings: Settings,
    pub instances: Vec<Instance>,
    /// Files that may hold settings but could not be parsed: (rel, kind, error).
    pub broken: Vec<(String, Kind, String)>,
}

impl ChtSettings {
    /// Every setting of `key`.
    pub fn of<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Setting> {
        self.settings.iter().filter(move |s| s.key == key)
    }
}

/// Settings CHT's images default when a service leaves them out.
fn image_defaults(image: &str) -> &'static [(&'static str, &'static str)] {
    match image_name(image) {
        "cht-nginx" => &[("CERTIFICATE_MODE", "SELF_SIGNED")],
        "cht-couchdb" | "cht-haproxy" => &[("COUCHDB_USER", "admin")],
        "cht-upgrade-service" => &[
            ("CERTIFICATE_MODE", "SELF_SIGNED"),
            ("COUCHDB_USER", "admin"),
        ],
        // Grafana's own default admin password.
        "grafana" | "grafana-oss" | "grafana-enterprise" => {
            &[("GF_SECURITY_ADMIN_PASSWORD", "admin")]
        }
        _ => &[],
    }
}

/// Whether an image is one of CHT's own services.
fn is_cht_image(image: &str) -> bool {
    matches!(
        image_name(image),
        "cht-nginx"
            | "cht-api"
            | "cht-sentinel"
            | "cht-haproxy"
            | "cht-couchdb"
            | "cht-upgrade-service"
            | "cht-haproxy-healthcheck"
            | "cht-couchdb-nouveau"
    )
}

/// Keys that make a dotenv file a CHT instance's `.env` on their own.
const INSTANCE_KEYS: [&str; 3] = [
    "CHT_COMPOSE_PROJECT_NAME",
    "CHT_COMPOSE_PATH",
    "CHT_NETWORK",
];

/// Helm values paths and the `.env` setting they are.
const HELM_KEYS: [(&str, &str); 11] = [
    ("couchdb.password", "COUCHDB_PASSWORD"),
    ("couchdb.secret", "COUCHDB_SECRET"),
    ("couchdb.uuid", "COUCHDB_UUID"),
    ("couchdb.user", "COUCHDB_USER"),
    ("api.node_env", "NODE_ENV"),
    ("sentinel.node_env", "NODE_ENV"),
    ("api.log_level", "LOG_LEVEL"),
    ("sentinel.log_level", "LOG_LEVEL"),
    ("upstream_servers.builds_url", "BUILDS_URL"),
    ("environment", "HELM_ENVIRONMENT"),
    ("cache_images", "CACHE_IMAGES"),
];

/// A compose value that is exactly one variable reference (`${VAR}`,
/// `${VAR:-d}`, `$VAR`...): the variable's name.
fn sole_variable(raw: &str) -> Option<&str> {
    let body = raw
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| raw.strip_prefix('$'))?;
    let end = body
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(body.len(), |(i, _)| i);
    let name = &body[..end];
    let rest = &body[end..];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if !raw.starts_with("${") && !rest.is_empty() {
        return None;
    }
    if !rest.is_empty() && !rest.starts_with([':', '-', '?', '+']) {
        return None;
    }
    // `${A:-${B}}` nests: the value may come from B, so it is not A's alone.
    (!rest.contains('$')).then_some(name)
}

/// Settings in the order they were found, each (file, line, key) once: the
/// first found is kept. Found by a hash of (file, line, key) to the place
/// (part, index) of the first setting with that hash (no copy of the names
/// per setting); a different setting with the same hash is kept exactly in
/// `collided`. Parts are kept as they come, filtered in place.
#[derive(Default)]
struct Collector {
    parts: Vec<Vec<Setting>>,
    first: HashMap<u64, (u32, u32)>,
    collided: HashSet<(Arc<str>, Option<u32>, Cow<'static, str>)>,
    hasher: foldhash::fast::RandomState,
}

impl Collector {
    fn identity_hash(&self, s: &Setting) -> u64 {
        self.hasher.hash_one((&*s.rel, s.line, &*s.key))
    }
}

impl Collector {
    /// Appends the settings of `part` not found before, in order.
    fn add(&mut self, part: Vec<Setting>) {
        let hashes: Vec<u64> = part.iter().map(|s| self.identity_hash(s)).collect();
        self.add_hashed(part, &hashes);
    }

    /// [`Collector::add`] for each of `parts` in order; with `par`, their
    /// settings are hashed across cores first.
    fn add_all(&mut self, parts: Vec<Vec<Setting>>, par: bool) {
        let hashes = map_chunks(par, &parts, 1, |p| {
            p[0].iter()
                .map(|s| self.identity_hash(s))
                .collect::<Vec<u64>>()
        });
        for (part, hashes) in parts.into_iter().zip(hashes) {
            self.add_hashed(part, &hashes);
        }
    }

    /// [`Collector::add`], each setting's identity hash given.
    fn add_hashed(&mut self, mut part: Vec<Setting>, hashes: &[u64]) {
        let same = |a: &Setting, s: &Setting| a.rel == s.rel && a.line == s.line && a.key == s.key;
        let p = u32::try_from(self.parts.len()).expect("fewer than 2^32 parts");
        let mut kept = 0;
        for (i, &hash) in hashes.iter().enumerate() {
            let s = &part[i];
            let keep = match self.first.entry(hash) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert((p, u32::try_from(kept).expect("fewer than 2^32 settings")));
                    true
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    let (q, j) = *o.get();
                    let earlier = if q == p {
                        &part[j as usize]
                    } else {
                        &self.parts[q as usize][j as usize]
                    };
                    !same(earlier, s)
                        && self.collided.insert((s.rel.clone(), s.line, s.key.clone()))
                }
            };
            if keep {
                if kept != i {
                    part.swap(kept, i);
                }
                kept += 1;
            }
        }
        // Kept to the end of the scan: without the room of the settings
        // found before, or of a vector grown by doubling.
        part.truncate(kept);
        part.shrink_to_fit();
        if !part.is_empty() {
            self.parts.push(part);
        }
    }
}

fn dotenv_of<'f>(facts: &'f Facts, rel: &str) -> Option<&'f Arc<DotEnv>> {
    match facts.doc(rel).map(|d| &d.content) {
        Some(Ok(Parsed::DotEnv(env))) => Some(env),
        _ => None,
    }
}

/// The settings of one compose service, in the order found (not yet
/// deduplicated). `file` and `env` are the project's paths, shared.
fn compose_env(
    out: &mut Vec<Setting>,
    facts: &Facts,
    project: &Project,
    paths: &(Arc<str>, Option<Arc<str>>),
    svc: &Service,
) {
    let vars = &project.vars;
    let image = project.image_of(svc);
    let (file, env_rel) = paths;
    let source = Arc::new(ComposeService {
        file: file.clone(),
        service: Arc::from(svc.name.as_str()),
        image: Arc::from(image.as_str()),
        env: env_rel.clone(),
    });
    let via = || Via::Compose(source.clone());
    let env_entry = |name: &str| {
        let rel = vars.env_rel.as_deref()?;
        dotenv_of(facts, rel)?.get(name)?.value.as_ref()
    };
    let dir = project.rel.rsplit_once('/').map_or("", |(d, _)| d);
    let in_env_files = |key: &str| {
        svc.env_files.iter().any(|f| {
            crate::facts::inventory::normalize_rel(dir, &f.raw)
                .and_then(|rel| dotenv_of(facts, &rel))
                .is_some_and(|env| env.get(key).is_some())
        })
    };
    let mut keys = BTreeSet::new();
    for EnvVar { key, value, line } in &svc.environment {
        keys.insert(key.as_str());
        let Some(text) = value else {
            // `- KEY`: passed from the .env (already read as a dotenv file) or
            // the shell; an image default covers it when neither sets it.
            if vars.lookup(key).is_none()
                && let Some((_, d)) = image_defaults(&image).iter().find(|(k, _)| k == key)
            {
                let (rel, at) = match env_rel {
                    Some(env) => (env.clone(), None),
                    None => (file.clone(), Some(*line)),
                };
                // With no usable .env the shell or a .env kept elsewhere may
                // set it: unknown, not unset.
                let value = match &vars.source {
                    crate::facts::compose::EnvSource::Found { .. } => Value::Set {
                        value: Secret::new(*d),
                        defaulted: true,
                    },
                    _ => Value::Unresolved(format!(
                        "{key} is passed from the shell or the .env: {}",
                        vars.why_unset(key)
                    )),
                };
                out.push(Setting {
                    key: key_of(key),
                    written: known(key),
                    value,
                    raw: Raw::NONE,
                    rel,
                    line: at,
                    via: via(),
                });
            }
            continue;
        };
        if let Some(var) = sole_variable(&text.raw)
            && env_entry(var).is_some()
            && vars
                .lookup(var)
                .is_some_and(|v| !v.is_empty() || !text.raw.contains(":-"))
        {
            // The value is the .env entry itself: judged there, once.
            continue;
        }
        let broken_env = match &vars.source {
            crate::facts::compose::EnvSource::Broken { rel, error } if text.raw.contains('$') => {
                Some(format!(
                    "it is interpolated from {rel}, which is unusable ({error})"
                ))
            }
            _ => None,
        };
        let value = match (broken_env, vars.resolve(text)) {
            (Some(why), _) => Value::Unresolved(why),
            (None, Err(InterpolationError::Required { var })) => Value::Unresolved(format!(
                "compose refuses to start the service: {var} is required and {}",
                vars.why_unset(&var)
            )),
            (None, Err(e)) => Value::Unresolved(e.to_string()),
            (None, Ok(r)) if !r.unset.is_empty() => Value::Unresolved(vars.why_unset(&r.unset[0])),
            (None, Ok(r)) => Value::Set {
                defaulted: text.raw.contains('$') && r.value != text.raw,
                value: Secret::new(r.value),
            },
        };
        out.push(Setting {
            key: key_of(key),
            written: known(key),
            value,
            raw: Raw::of(&text.raw),
            rel: file.clone(),
            line: Some(text.line),
            via: via(),
        });
    }
    for (key, default) in image_defaults(&image) {
        if keys.contains(*key) || in_env_files(key) {
            continue;
        }
        out.push(Setting {
            key: Cow::Borrowed(key),
            written: Cow::Borrowed(key),
            value: Value::Set {
                value: Secret::new(*default),
                defaulted: true,
            },
            raw: Raw::NONE,
            rel: file.clone(),
            line: Some(svc.line),
            via: via(),
        });
    }
}

/// What one compose project gives besides its services' settings (which
/// go to its chunk's vector, in order, not yet deduplicated): whether it
/// runs CHT, with which web front.
struct ProjectPart {
    cht: bool,
    front: Option<Front>,
}

fn project_part(out: &mut Vec<Setting>, facts: &Facts, project: &Project) -> Option<ProjectPart> {
    if is_example(&project.rel) {
        return None;
    }
    let paths = (project.rel.clone(), project.vars.env_rel.clone());
    let mut part = ProjectPart {
        cht: false,
        front: None,
    };
    for svc in &project.file.services {
        compose_env(out, facts, project, &paths, svc);
        let image = project.image_of(svc);
        let f = cht_sources::front_of_image(&image);
        part.cht |= is_cht_image(&image) || f.is_some();
        part.front = match (part.front, f) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Some(part)
}

/// What one dotenv or CouchDB ini file gives besides its settings (which
/// go to its chunk's vector).
struct DocPart<'f> {
    doc: &'f Doc,
    /// A dotenv file: its entries, the front its keys show, and whether
    /// its keys alone make it an instance's `.env`.
    dotenv: Option<(&'f Arc<DotEnv>, Option<Front>, bool)>,
    broken: Option<(String, Kind, String)>,
}

fn doc_part<'f>(out: &mut Vec<Setting>, doc: &'f Doc) -> Option<DocPart<'f>> {
    if is_example(&doc.rel) {
        return None;
    }
    let mut part = DocPart {
        doc,
        dotenv: None,
        broken: None,
    };
    match (&doc.kind, &doc.content) {
        (Kind::DotEnv, Ok(Parsed::DotEnv(env))) => {
            let rel: Arc<str> = doc.rel.clone();
            out.reserve(env.entries.len());
            for e in &env.entries {
                let Some(v) = &e.value else { continue };
                out.push(Setting {
                    key: key_of(&e.key),
                    written: known(&e.key),
                    value: Value::Set {
                        value: Secret::new(v.as_str()),
                        defaulted: false,
                    },
                    raw: Raw::NONE,
                    rel: rel.clone(),
                    line: Some(e.line),
                    via: Via::DotEnv,
                });
            }
            let nginx = cht_sources::NGINX_ENV_KEYS
                .iter()
                .any(|k| env.get(k).is_some())
                .then_some(Front::Nginx);
            let instance = INSTANCE_KEYS.iter().any(|k| env.get(k).is_some());
            part.dotenv = Some((env, nginx, instance));
        }
        (Kind::CouchIni, Ok(Parsed::CouchIni(ini))) => {
            let rel: Arc<str> = doc.rel.clone();
            for e in &ini.entries {
                let key = match (e.section.as_str(), e.key.as_str()) {
                    ("admins", _) => "COUCHDB_PASSWORD",
                    ("couchdb", "uuid") => "COUCHDB_UUID",
                    ("chttpd_auth" | "couch_httpd_auth", "secret") => "COUCHDB_SECRET",
                    ("log", "level") => "COUCHDB_LOG_LEVEL",
                    _ => continue,
                };
                out.push(Setting {
                    key: Cow::Borrowed(key),
                    written: Cow::Owned(format!("[{}] {}", e.section, e.key)),
                    value: Value::Set {
                        value: Secret::new(e.value.as_str()),
                        defaulted: false,
                    },
                    raw: Raw::NONE,
                    rel: rel.clone(),
                    line: Some(e.line),
                    via: Via::Ini,
                });
            }
        }
        (Kind::DotEnv | Kind::CouchIni, Err(e)) => {
            part.broken = Some((doc.rel.to_string(), doc.kind, e.clone()));
        }
        _ => return None,
    }
    Some(part)
}

/// The values at CHT's chart paths (`couchdb.password`) of one directory's
/// releases, one setting per file and line, naming the releases it holds
/// in.
fn helm_key_settings(releases: &[Release], out: &mut Vec<Setting>) {
    // (file, line, path) → index in `out`: a leaf several releases share
    // is one setting naming them all.
    let mut at: HashMap<(&str, u32, &str), usize> = HashMap::new();
    for release in releases {
        if release.layers.iter().all(|l| is_example(l)) {
            continue;
        }
        for (path, key) in HELM_KEYS {
            let Some(leaf) = release.get(path) else {
                continue;
            };
            if leaf.text.is_none() {
                continue;
            }
            if let Some(&i) = at.get(&(&*leaf.rel, leaf.line, path)) {
                if let Via::Helm { releases } = &mut out[i].via {
                    releases.push(release.name.clone());
                }
                continue;
            }
            at.insert((&*leaf.rel, leaf.line, path), out.len());
            out.push(helm_setting(
                Cow::Borrowed(key),
                Cow::Borrowed(path),
                leaf,
                release,
            ));
        }
    }
}

/// A setting helm values give, naming the release it was first found in.
fn helm_setting(
    key: Cow<'static, str>,
    written: Cow<'static, str>,
    leaf: &Leaf,
    release: &Release,
) -> Setting {
    Setting {
        key,
        written,
        value: Value::Set {
            value: Secret::new(leaf.text.as_deref().unwrap_or_default()),
            defaulted: false,
        },
        raw: Raw::NONE,
        rel: leaf.rel.clone(),
        line: Some(leaf.line),
        via: Via::Helm {
            releases: Box::new(vec![release.name.clone()]),
        },
    }
}

/// Password values of any chart's helm values (not only CHT's chart paths)
/// of one directory's releases, one setting per file and line, naming the
/// releases it holds in.
fn helm_password_settings(releases: &[Release], out: &mut Vec<Setting>) {
    let known: Vec<&str> = HELM_KEYS.iter().map(|(p, _)| *p).collect();
    let first = out.len();
    // (file, line, path) → index in `out`.
    let mut at: HashMap<(&str, u32, String), usize> = HashMap::new();
    for release in releases {
        if release.layers.iter().all(|l| is_example(l)) {
            continue;
        }
        for (key, dotted, leaf) in cht_sources::helm_password_leaves(release, &known) {
            if let Some(&i) = at.get(&(&*leaf.rel, leaf.line, dotted.clone())) {
                if let Via::Helm { releases } = &mut out[first + i].via {
                    releases.push(release.name.clone());
                }
                continue;
            }
            at.insert((&*leaf.rel, leaf.line, dotted.clone()), out.len() - first);
            out.push(helm_setting(
                Cow::Owned(key),
                Cow::Owned(dotted),
                leaf,
                release,
            ));
        }
    }
}

/// How many compose projects, documents or settings one parallel task
/// takes: big enough to amortise the task, small enough to balance.
/// (Tiny under test, so that the fixtures' few files span many parts.)
const CHUNK: usize = if cfg!(test) { 2 } else { 256 };

impl ChtSettings {
    /// Collects the settings; with `par`, the per-file work runs across
    /// cores (only from `Facts::prepare`, never inside a rule job). The
    /// result is the same either way: parts are merged in file order.
    pub(crate) fn gather(facts: &Facts, par: bool) -> Self {
        let mut c = Collector::default();
        let mut broken = Vec::new();
        let mut instances: Vec<Instance> = Vec::new();
        // rel → index in `instances`, so each `.env` is found once.
        let mut instance_at: HashMap<String, usize> = HashMap::new();

        // Compose services first: a value they take from a .env is skipped
        // there and read from the .env itself below.
        let projects = facts.get::<ComposeProjects>();
        broken.extend(
            projects
                .broken
                .iter()
                .map(|(rel, e)| (rel.clone(), Kind::Compose, e.clone())),
        );
        // One vector of settings per chunk (kept as a part of the result,
        // not copied), with what each project or file gives besides.
        let project_parts = map_chunks(par, &projects.projects, CHUNK, |chunk| {
            let mut settings = Vec::new();
            let parts: Vec<_> = chunk
                .iter()
                .map(|p| project_part(&mut settings, facts, p))
                .collect();
            settings.shrink_to_fit();
            (settings, parts)
        });
        let doc_parts = map_chunks(par, &facts.inventory.docs, CHUNK, |chunk| {
            let mut settings = Vec::new();
            let parts: Vec<_> = chunk
                .iter()
                .filter_map(|d| doc_part(&mut settings, d))
                .collect();
            settings.shrink_to_fit();
            (settings, parts)
        });
        let helm = facts.get::<HelmReleases>();
        broken.extend(
            helm.broken
                .iter()
                .map(|(rel, e)| (rel.clone(), Kind::HelmValues, e.clone())),
        );
        // Each directory's releases apart, across cores: a values file is
        // layered only with files of its own directory, so no setting is
        // shared between directories. CHT's paths first, then other
        // charts' passwords, each in release order.
        let runs = helm.by_directory();
        let key_parts = map_chunks(par, &runs, CHUNK / 4, |chunk| {
            let mut out = Vec::new();
            for run in chunk {
                helm_key_settings(run, &mut out);
            }
            out
        });
        let password_parts = map_chunks(par, &runs, CHUNK / 4, |chunk| {
            let mut out = Vec::new();
            for run in chunk {
                helm_password_settings(run, &mut out);
            }
            out
        });
        let helm_settings: Vec<Setting> = key_parts
            .into_iter()
            .chain(password_parts)
            .flatten()
            .collect();
        // Kubernetes Secrets and the containers that read them.
        let manifests: Vec<(&str, &[crate::facts::k8s::Object])> = facts
            .docs_of(Kind::K8s)
            .filter(|d| !is_example(&d.rel))
            .filter_map(|d| match &d.content {
                Ok(Parsed::K8s(objects)) => Some((&*d.rel, objects.as_slice())),
                _ => None,
            })
            .collect();
        let k8s_settings = cht_sources::k8s_settings(&manifests);
        // Room in the index for every setting found.
        let found = project_parts.iter().map(|(s, _)| s.len()).sum::<usize>()
            + doc_parts.iter().map(|(s, _)| s.len()).sum::<usize>()
            + helm_settings.len()
            + k8s_settings.len();
        c.first.reserve(found);

        // Settings in the order found: compose projects, files, helm
        // values, manifests.
        let (project_settings, project_parts): (Vec<_>, Vec<_>) = project_parts.into_iter().unzip();
        let (doc_settings, doc_parts): (Vec<_>, Vec<_>) = doc_parts.into_iter().unzip();
        c.add_all(
            project_settings
                .into_iter()
                .chain(doc_settings)
                .chain([helm_settings, k8s_settings])
                .collect(),
            par,
        );

        let mut project_meta = projects.projects.iter();
        for parts in project_parts {
            for part in parts {
                let project = project_meta.next().expect("one part per project");
                let Some(part) = part else { continue };
                if part.cht
                    && let Some(rel) = &project.vars.env_rel
                    && let Some(env) = dotenv_of(facts, rel)
                {
                    match instance_at.get(&**rel) {
                        Some(&i) => instances[i].front = instances[i].front.or(part.front),
                        None => {
                            instance_at.insert(rel.to_string(), instances.len());
                            instances.push(Instance {
                                rel: rel.to_string(),
                                env: env.clone(),
                                front: part.front,
                            });
                        }
                    }
                }
            }
        }

        for parts in doc_parts {
            for part in parts {
                let doc = part.doc;
                if let Some((env, nginx, instance)) = part.dotenv {
                    match instance_at.get(&*doc.rel) {
                        Some(&i) => instances[i].front = instances[i].front.or(nginx),
                        None if instance => {
                            instance_at.insert(doc.rel.to_string(), instances.len());
                            instances.push(Instance {
                                rel: doc.rel.to_string(),
                                env: env.clone(),
                                front: nginx,
                            });
                        }
                        None => {}
                    }
                }
                broken.extend(part.broken);
            }
        }

        // Passwords written inside URLs, wherever the URL was read: a part
        // of their own per part they were found in, in its order.
        let in_urls = map_chunks(par, &c.parts, 1, |p| cht_sources::url_settings(&p[0]));
        c.add_all(in_urls, par);

        // CHT's defaults for what an instance's .env leaves out.
        let default_of = |inst: &Instance| {
            // Only CHT's nginx reads CERTIFICATE_MODE: a .env feeding only
            // CouchDB nodes, or medic-os, has no such default.
            (inst.front == Some(Front::Nginx) && inst.env.get("CERTIFICATE_MODE").is_none()).then(
                || Setting {
                    key: Cow::Borrowed("CERTIFICATE_MODE"),
                    written: Cow::Borrowed("CERTIFICATE_MODE"),
                    value: Value::Set {
                        value: Secret::new("SELF_SIGNED"),
                        defaulted: true,
                    },
                    raw: Raw::NONE,
                    rel: Arc::from(inst.rel.as_str()),
                    line: None,
                    via: Via::ChtDefault,
                },
            )
        };
        let defaults: Vec<Setting> = if par {
            instances.par_iter().filter_map(default_of).collect()
        } else {
            instances.iter().filter_map(default_of).collect()
        };
        let before = c.parts.len();
        c.add(defaults);
        // A compose default that an instance's own default already states
        // (the defaults kept are the part just added, if any).
        let default_at: HashSet<(Arc<str>, Cow<'static, str>)> = c.parts[before..]
            .iter()
            .flatten()
            .map(|s| (s.rel.clone(), s.key.clone()))
            .collect();
        if !default_at.is_empty() {
            let drop_stated = |part: &mut Vec<Setting>| {
                let before = part.len();
                part.retain(|s| match &s.via {
                    Via::Compose(c) if s.defaulted() => c
                        .env
                        .as_ref()
                        .is_none_or(|env| !default_at.contains(&(env.clone(), s.key.clone()))),
                    _ => true,
                });
                if part.len() < before {
                    part.shrink_to_fit();
                }
            };
            if par {
                c.parts.par_iter_mut().for_each(drop_stated);
            } else {
                c.parts.iter_mut().for_each(drop_stated);
            }
        }
        broken.sort();
        broken.dedup();
        instances.sort_by(|a, b| a.rel.cmp(&b.rel));
        ChtSettings {
            settings: Settings { parts: c.parts },
            instances,
            broken,
        }
    }
}

impl Fact for ChtSettings {
    fn collect(facts: &Facts) -> Self {
        ChtSettings::gather(facts, false)
    }

    /// A large tree's settings (about a million at 100k files) are freed
    /// across cores, a part per task: the engine retires them when their
    /// last reader finishes (`rules::RETIRED`), at the end of the rules
    /// that read them, where the other cores wait for it (30 ms of one
    /// core at 100k).
    fn free(self) {
        use rayon::prelude::*;
        self.settings.parts.into_par_iter().for_each(drop);
    }
}

/// The CHT instances of the target ([`ChtSettings::instances`]) as a fact of
/// their own, for the rules that read only them (ENV-006): they need not
/// run while the settings are held (`rules::RETIRED`), and their findings
/// need not sit beside them. Taken from the CHT settings when those are
/// collected (`Facts::prepare` collects both); otherwise gathered with
/// them and the settings dropped.
#[derive(Debug, Default)]
pub struct ChtInstances(pub Vec<Instance>);

impl Fact for ChtInstances {
    fn collect(facts: &Facts) -> Self {
        match facts.peek::<ChtSettings>() {
            Some(settings) => ChtInstances(settings.instances.clone()),
            None => ChtInstances(ChtSettings::gather(facts, false).instances),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sole_variables() {
        assert_eq!(sole_variable("${A}"), Some("A"));
        assert_eq!(sole_variable("${A:-x}"), Some("A"));
        assert_eq!(sole_variable("${A:?must be set}"), Some("A"));
        assert_eq!(sole_variable("$A"), Some("A"));
        assert_eq!(sole_variable("$A/x"), None);
        assert_eq!(sole_variable("x${A}"), None);
        assert_eq!(sole_variable("${A:-${B}}"), None);
        assert_eq!(sole_variable("plain"), None);
    }

    /// One `Setting` per compose variable, helm leaf and `.env` line: every
    /// 8 bytes is about 1 MB at 100k files.
    #[test]
    fn setting_stays_small() {
        assert!(std::mem::size_of::<Via>() <= 16);
        assert!(std::mem::size_of::<Setting>() <= 136);
    }

    #[test]
    fn cht_images() {
        assert!(is_cht_image("public.ecr.aws/medic/cht-nginx:5.2.0"));
        assert!(!is_cht_image("nginx:1"));
        assert_eq!(
            image_defaults("public.ecr.aws/s5s3h4s7/cht-upgrade-service:latest").len(),
            2
        );
    }
}
