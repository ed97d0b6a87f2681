//! What a target's environments could share or point at: every
//! credential-like value (kept as a [`Secret`], with its file and line) and
//! every host name the configuration serves (`app_url`, `COMMON_NAME`,
//! Ingress hosts) or references (`COUCH_URL`, `MARKET_URL_READ`, Watchdog
//! targets, cht-sync `COUCHDB_HOST`, outbound `base_url`). Collected per
//! target from the parsed files and CHT settings; compared across
//! environments by the env-segregation rules. Never judges.

use std::borrow::Cow;
use std::sync::Arc;

use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;

use crate::facts::cht_settings::{ChtSettings, Setting, Value};
use crate::facts::cht_sources::{after_scheme, url_password};
use crate::facts::helm::{HelmReleases, Release};
use crate::facts::inventory::{Kind, Parsed, is_example};
use crate::facts::json::{Json, JsonValue};
use crate::facts::pem::PemFiles;
use crate::facts::x509::PemBlock;
use crate::facts::yaml::Node;
use crate::facts::{Doc, Fact, Facts, first_by_key, map_chunks};
use crate::secret::{Secret, is_secret_key};

/// A credential-like value and where it is set.
#[derive(Clone, Debug)]
pub struct Credential {
    /// The setting as the file writes it: `COUCHDB_SECRET`,
    /// `couchdb.password`, `[admins] medic`, `-setcookie`; shared static
    /// text when it is one of CHT's own names (no copy per item).
    pub item: Cow<'static, str>,
    /// Shared by the items of a file.
    pub rel: Arc<str>,
    pub line: Option<u32>,
    pub value: Secret,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// A name the environment answers to (`app_url`, `COMMON_NAME`, Ingress).
    Serves,
    /// A name the environment talks to (`COUCH_URL`, Watchdog targets...).
    References,
}

/// A host name in a setting.
#[derive(Clone, Debug)]
pub struct HostRef {
    /// Lower case, without port or trailing dot.
    pub host: String,
    /// The setting as written; shared static text when it is one of CHT's
    /// own names.
    pub setting: Cow<'static, str>,
    pub role: Role,
    /// Shared by the items of a file.
    pub rel: Arc<str>,
    pub line: Option<u32>,
    /// The value comes from a default (compose `${VAR:-default}`, CHT's).
    pub defaulted: bool,
}

/// A certificate's key pair, by the hash of its public key.
#[derive(Clone, Debug)]
pub struct KeyPair {
    /// SHA-256 of the SubjectPublicKeyInfo (public data).
    pub spki_sha256: String,
    /// The certificate's names, for messages.
    pub name: String,
    pub rel: String,
    pub line: u32,
}

#[derive(Debug, Default)]
pub struct EnvItems {
    pub credentials: Vec<Credential>,
    pub hosts: Vec<HostRef>,
    /// Leaf (non-CA) certificates in certificate files.
    pub key_pairs: Vec<KeyPair>,
    /// Credential settings whose value cannot be known: (item, rel, line, why).
    pub unresolved: Vec<(String, String, Option<u32>, String)>,
    /// Files that could hold such values but could not be parsed: (rel, error).
    pub broken: Vec<(String, String)>,
    /// The position in the inventory of each credential's file, then of
    /// each host's (in the order of `credentials` and `hosts`; `None` for a
    /// file the inventory does not hold): found once here, across cores,
    /// not again by every rule that places the items.
    pub docs: ItemDocs,
}

impl EnvItems {
    /// Each host with the position of its file in the inventory.
    pub fn hosts_in_docs(&self) -> impl Iterator<Item = (&HostRef, Option<u32>)> {
        let doc = |i: usize| self.docs.hosts.get(i).copied().flatten();
        self.hosts.iter().enumerate().map(move |(i, h)| (h, doc(i)))
    }
}

/// See [`EnvItems::docs`].
#[derive(Debug, Default)]
pub struct ItemDocs {
    pub credentials: Vec<Option<u32>>,
    pub hosts: Vec<Option<u32>>,
}

/// Settings whose value names the host an environment serves.
const SERVES: [&str; 1] = ["COMMON_NAME"];
/// Settings whose value names a host an environment talks to.
const REFERENCES: [&str; 6] = [
    "COUCH_URL",
    "MARKET_URL_READ",
    "BUILDS_URL",
    "COUCHDB_HOST",
    "CHT_URL",
    "CHT_SYNC_COUCHDB_URL",
];

/// The host of a URL or bare host name, normalised; `None` for what is not a
/// host another environment could have (a compose service name like
/// `haproxy`, a placeholder, an unexpanded variable).
pub fn host_of(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() || v.contains(['<', '>', '{', '}', '$', ' ']) {
        return None;
    }
    let rest = after_scheme(v).unwrap_or(v);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(inner) = hostport.strip_prefix('[') {
        inner.split(']').next().unwrap_or(inner)
    } else {
        hostport.split(':').next().unwrap_or(hostport)
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host.starts_with('*') {
        return None;
    }
    let valid = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
    let dotted = host.contains('.') || host.contains(':');
    (valid && (dotted || host == "localhost")).then_some(host)
}

impl EnvItems {
    fn credential(
        &mut self,
        item: impl Into<Cow<'static, str>>,
        rel: &Arc<str>,
        line: Option<u32>,
        value: &str,
    ) {
        let v = value.trim();
        if v.is_empty() || (v.starts_with('<') && v.ends_with('>')) {
            return;
        }
        self.credentials.push(Credential {
            item: item.into(),
            rel: rel.clone(),
            line,
            value: Secret::new(v),
        });
    }

    fn host(
        &mut self,
        value: &str,
        setting: impl Into<Cow<'static, str>>,
        role: Role,
        rel: &Arc<str>,
        line: Option<u32>,
        defaulted: bool,
    ) {
        if let Some(host) = host_of(value) {
            self.hosts.push(HostRef {
                host,
                setting: setting.into(),
                role,
                rel: rel.clone(),
                line,
                defaulted,
            });
        }
    }

    /// Secret-like members anywhere in a JSON document, and `app_url` /
    /// outbound `base_url`.
    fn json(&mut self, doc: &Json, path: &mut Vec<String>, rel: &Arc<str>) {
        for (key, line, value) in doc.members() {
            path.push(key.to_string());
            match &value.value {
                JsonValue::String(s) if is_secret_key(key) => {
                    self.credential(path.join("."), rel, Some(*line), s);
                }
                JsonValue::String(s) if key == "app_url" && path.len() == 1 => {
                    self.host(s, "app_url", Role::Serves, rel, Some(*line), false);
                }
                JsonValue::String(s) if key == "base_url" => {
                    self.host(s, path.join("."), Role::References, rel, Some(*line), false);
                }
                JsonValue::Object(_) => self.json(value, path, rel),
                _ => {}
            }
            path.pop();
        }
    }

    fn k8s_object(&mut self, node: &Node, kind: &str, rel: &Arc<str>) {
        match kind {
            "Ingress" => {
                let spec = node.get("spec");
                for rule in spec
                    .and_then(|s| s.get("rules"))
                    .map(Node::items)
                    .unwrap_or_default()
                {
                    if let Some(h) = rule.get("host") {
                        self.host(
                            h.as_str().unwrap_or_default(),
                            "Ingress host",
                            Role::Serves,
                            rel,
                            Some(h.line),
                            false,
                        );
                    }
                }
                for tls in spec
                    .and_then(|s| s.get("tls"))
                    .map(Node::items)
                    .unwrap_or_default()
                {
                    for h in tls.get("hosts").map(Node::items).unwrap_or_default() {
                        self.host(
                            h.as_str().unwrap_or_default(),
                            "Ingress tls host",
                            Role::Serves,
                            rel,
                            Some(h.line),
                            false,
                        );
                    }
                }
            }
            "Secret" => {
                let name = node
                    .path(&["metadata", "name"])
                    .and_then(Node::as_str)
                    .unwrap_or("secret");
                for section in ["data", "stringData"] {
                    for (k, v) in node
                        .get(section)
                        .map(|d| d.entries().collect::<Vec<_>>())
                        .unwrap_or_default()
                    {
                        if let (Some(key), Some(text)) = (k.as_str(), v.as_str()) {
                            self.credential(
                                format!("Secret {name} {key}"),
                                rel,
                                Some(v.line),
                                text,
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

impl EnvItems {
    /// What one CHT setting gives: a credential (or a password in its URL),
    /// a host it serves or references, or a credential that cannot be known.
    /// `secret` remembers what `is_secret_key` said of CHT's own names
    /// (most settings' keys), so each is lower-cased once per part.
    fn setting(&mut self, s: &Setting, secret: &mut HashMap<&'static str, bool>) {
        // `is_secret_key` ignores case; SERVES and REFERENCES are upper case.
        let key = &*s.key;
        let is_secret = match &s.key {
            Cow::Borrowed(k) => *secret.entry(k).or_insert_with(|| is_secret_key(k)),
            Cow::Owned(k) => is_secret_key(k),
        };
        match &s.value {
            Value::Unresolved(why) if is_secret => {
                self.unresolved.push((
                    s.written.to_string(),
                    s.rel.to_string(),
                    s.line,
                    why.clone(),
                ));
            }
            Value::Unresolved(_) => {}
            Value::Set { value, defaulted } => {
                let v = value.expose();
                if is_secret {
                    self.credential(s.written.clone(), &s.rel, s.line, v);
                } else if let Some(pw) = url_password(v)
                    && s.raw.interpolated().is_none()
                {
                    // A password written into a URL (not interpolated from
                    // a setting that is compared on its own).
                    self.credential(
                        format!("{} (password in URL)", s.written),
                        &s.rel,
                        s.line,
                        pw,
                    );
                }
                if SERVES.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                    self.host(
                        v,
                        s.written.clone(),
                        Role::Serves,
                        &s.rel,
                        s.line,
                        *defaulted,
                    );
                } else if REFERENCES.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                    self.host(
                        v,
                        s.written.clone(),
                        Role::References,
                        &s.rel,
                        s.line,
                        *defaulted,
                    );
                }
            }
        }
    }

    /// What one parsed file gives (app settings, vm.args, manifests,
    /// Watchdog targets), or why it could not be read.
    fn doc(&mut self, doc: &Doc) {
        if is_example(&doc.rel) {
            return;
        }
        let rel = || doc.rel.clone();
        match (&doc.kind, &doc.content) {
            (_, Ok(Parsed::AppSettings(json))) => self.json(json, &mut Vec::new(), &rel()),
            (_, Ok(Parsed::VmArgs(args))) => {
                if let Some(flag) = args.flag("-setcookie")
                    && let Some(cookie) = &flag.cookie
                {
                    self.credential("-setcookie", &rel(), Some(flag.line), cookie.expose());
                }
            }
            (_, Ok(Parsed::K8s(objects))) => {
                let rel = rel();
                for o in objects {
                    self.k8s_object(&o.node, &o.kind, &rel);
                }
            }
            (_, Ok(Parsed::Watchdog(instances))) => {
                let rel = rel();
                for t in &instances.targets {
                    self.host(
                        &t.raw,
                        "Watchdog target",
                        Role::References,
                        &rel,
                        Some(t.line),
                        false,
                    );
                }
            }
            (Kind::AppSettings | Kind::VmArgs | Kind::K8s | Kind::Watchdog, Err(e)) => {
                self.broken.push((doc.rel.to_string(), e.clone()));
            }
            _ => {}
        }
    }

    /// Appends another part's items after these.
    /// Credentials and the ingress host in the leaves of one directory's
    /// helm releases, each leaf once.
    fn helm(&mut self, releases: &[Release]) {
        let mut helm_seen: HashSet<(&str, u32)> = HashSet::new();
        for release in releases {
            if release.layers.iter().all(|l| is_example(l)) {
                continue;
            }
            for (path, leaf) in &release.values {
                let Some(text) = &leaf.text else { continue };
                if !helm_seen.insert((&*leaf.rel, leaf.line)) {
                    continue;
                }
                let last = path.last().map(CompactString::as_str).unwrap_or_default();
                let ingress = path.len() == 2 && path[0] == "ingress" && path[1] == "host";
                if !is_secret_key(last) && !ingress {
                    continue;
                }
                // A release's leaves come file by file: one path per run.
                let rel = leaf.rel.clone();
                let dotted = path.join(".");
                if is_secret_key(last) {
                    self.credential(dotted.clone(), &rel, Some(leaf.line), text);
                }
                if dotted == "ingress.host" {
                    self.host(
                        text,
                        dotted.clone(),
                        Role::Serves,
                        &rel,
                        Some(leaf.line),
                        false,
                    );
                }
            }
        }
    }

    /// Settings or files one parallel task takes (tiny under test, so that
    /// the fixtures' few files span many parts).
    const CHUNK: usize = if cfg!(test) { 2 } else { 512 };

    fn append(&mut self, mut other: EnvItems) {
        self.credentials.append(&mut other.credentials);
        self.hosts.append(&mut other.hosts);
        self.key_pairs.append(&mut other.key_pairs);
        self.unresolved.append(&mut other.unresolved);
        self.broken.append(&mut other.broken);
    }

    /// Collects the items; with `par`, the per-setting and per-file work
    /// runs across cores (only from `Facts::prepare`, never inside a rule
    /// job). The result is the same either way: parts are appended in order.
    pub(crate) fn gather(facts: &Facts, par: bool) -> Self {
        const CHUNK: usize = EnvItems::CHUNK;
        let mut out = EnvItems::default();

        let settings = facts.get::<ChtSettings>();
        for (rel, _, e) in &settings.broken {
            out.broken.push((rel.clone(), e.clone()));
        }
        // Each (file, line, setting as written) once: the first.
        let firsts: Vec<&Setting> = {
            let all: Vec<&Setting> = settings.settings.iter().collect();
            let first = first_by_key(par, &all, |s| (&*s.rel, s.line, &*s.written));
            all.into_iter()
                .zip(first)
                .filter(|(_, f)| *f)
                .map(|(s, _)| s)
                .collect()
        };
        let setting_parts = map_chunks(par, &firsts, CHUNK, |chunk| {
            let mut part = EnvItems::default();
            let mut secret = HashMap::new();
            for s in chunk {
                part.setting(s, &mut secret);
            }
            part
        });
        // Gathered ahead by `Facts::prepare` (then taken, not copied), or now.
        let doc_parts = match facts.peek::<FileItems>() {
            Some(ahead) => {
                facts.retire::<FileItems>();
                Arc::try_unwrap(ahead).map_or_else(|_| file_parts(facts, par), |f| f.0)
            }
            None => file_parts(facts, par),
        };
        // Room for every part at once (growing by doubling copies them all).
        let parts = setting_parts.iter().chain(&doc_parts);
        let (credentials, hosts) = parts.fold((0, 0), |(c, h), p| {
            (c + p.credentials.len(), h + p.hosts.len())
        });
        out.credentials.reserve(credentials);
        out.hosts.reserve(hosts);
        for part in setting_parts {
            out.append(part);
        }

        // Each directory's releases apart, across cores: a values file is
        // layered only with files of its own directory, so each leaf is
        // seen in one run only.
        let helm = facts.get::<HelmReleases>();
        let runs = helm.by_directory();
        let helm_parts = map_chunks(par, &runs, CHUNK / 16, |chunk| {
            let mut part = EnvItems::default();
            for run in chunk {
                part.helm(run);
            }
            part
        });
        for part in helm_parts {
            out.append(part);
        }

        for part in doc_parts {
            out.append(part);
        }
        let pems = facts.get::<PemFiles>();
        for f in pems.files.iter().filter(|f| !is_example(&f.rel)) {
            let rel: Arc<str> = Arc::from(f.rel.as_str());
            for b in &f.blocks {
                match b {
                    PemBlock::PrivateKey {
                        line,
                        label,
                        material,
                        ..
                    } => out.credential(
                        format!("private key ({})", label.to_ascii_lowercase()),
                        &rel,
                        Some(*line),
                        material.expose(),
                    ),
                    PemBlock::Certificate { line, cert } => {
                        if let Ok(c) = cert.as_ref()
                            && !c.is_ca
                        {
                            out.key_pairs.push(KeyPair {
                                spki_sha256: c.spki_sha256.clone(),
                                name: c.name(),
                                rel: f.rel.clone(),
                                line: *line,
                            });
                        }
                    }
                }
            }
        }
        for (rel, e) in &pems.errors {
            out.broken.push((rel.clone(), e.clone()));
        }
        // Stable sorts both: equal items keep their order, the first is kept.
        let order = |a: &Credential, b: &Credential| {
            (&a.rel, a.line, &a.item).cmp(&(&b.rel, b.line, &b.item))
        };
        if par {
            out.credentials.par_sort_by(order);
        } else {
            out.credentials.sort_by(order);
        }
        out.credentials
            .dedup_by(|a, b| a.rel == b.rel && a.line == b.line && a.item == b.item);
        out.docs = ItemDocs {
            credentials: positions(facts, par, &out.credentials, |c| &c.rel),
            hosts: positions(facts, par, &out.hosts, |h| &h.rel),
        };
        // Kept for the whole scan: without the room appending left.
        out.credentials.shrink_to_fit();
        out.hosts.shrink_to_fit();
        out.key_pairs.shrink_to_fit();
        out.unresolved.shrink_to_fit();
        out.broken.shrink_to_fit();
        out
    }
}

/// The position in the inventory of each item's file (a file's items come
/// one after another: each run costs one lookup).
fn positions<T: Sync>(
    facts: &Facts,
    par: bool,
    items: &[T],
    rel: impl Fn(&T) -> &Arc<str> + Sync + Send,
) -> Vec<Option<u32>> {
    let at = |t: &T| {
        facts
            .inventory
            .position(rel(t))
            .and_then(|i| u32::try_from(i).ok())
    };
    if par {
        items.par_iter().with_min_len(4096).map(at).collect()
    } else {
        items.iter().map(at).collect()
    }
}

/// The items the files hold themselves (app settings, vm.args, Kubernetes
/// and watchdog files), in the parts [`EnvItems`] appends them in: gathered
/// by `Facts::prepare` before the CHT settings, so that the app settings
/// are pruned (`release::last_read`) before the settings are built, and
/// taken by [`EnvItems`] when it is gathered.
#[derive(Debug, Default)]
pub struct FileItems(Vec<EnvItems>);

impl FileItems {
    pub(crate) fn gather(facts: &Facts, par: bool) -> FileItems {
        FileItems(file_parts(facts, par))
    }
}

impl Fact for FileItems {
    fn collect(facts: &Facts) -> Self {
        FileItems::gather(facts, false)
    }
}

/// The items of the files, a part per chunk of files, in their order.
fn file_parts(facts: &Facts, par: bool) -> Vec<EnvItems> {
    map_chunks(par, &facts.inventory.docs, EnvItems::CHUNK, |chunk| {
        let mut part = EnvItems::default();
        for doc in chunk {
            part.doc(doc);
        }
        part
    })
}

impl Fact for EnvItems {
    fn collect(facts: &Facts) -> Self {
        EnvItems::gather(facts, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("https://cht.example.org/").as_deref(),
            Some("cht.example.org")
        );
        assert_eq!(
            host_of("http://admin:pw@Couch.Example.ORG:5984/medic").as_deref(),
            Some("couch.example.org")
        );
        assert_eq!(
            host_of("cht.example.org").as_deref(),
            Some("cht.example.org")
        );
        assert_eq!(
            host_of("http://localhost:5988").as_deref(),
            Some("localhost")
        );
        assert_eq!(host_of("http://[::1]:5984").as_deref(), Some("::1"));
        assert_eq!(
            host_of("http://10.0.0.5:9100/metrics").as_deref(),
            Some("10.0.0.5")
        );
        assert_eq!(
            host_of("http://haproxy:5984/medic"),
            None,
            "a compose service name"
        );
        assert_eq!(host_of("<subdomain>.dev.medicmobile.org"), None);
        assert_eq!(host_of("${HOST}"), None);
        assert_eq!(host_of(""), None);
    }

    /// The items (values exposed) in a form two collections compare by.
    fn projection(items: &EnvItems) -> Vec<String> {
        let mut out: Vec<String> = items
            .credentials
            .iter()
            .map(|c| format!("{} {} {:?} {}", c.item, c.rel, c.line, c.value.expose()))
            .collect();
        out.extend(items.hosts.iter().map(|h| format!("{h:?}")));
        out.extend(items.key_pairs.iter().map(|k| format!("{k:?}")));
        out.extend(items.unresolved.iter().map(|u| format!("{u:?}")));
        out.extend(items.broken.iter().map(|b| format!("{b:?}")));
        out
    }

    /// Each item's position in the inventory is that of its own file,
    /// known for every file the inventory holds.
    fn docs_name_their_files(facts: &crate::facts::Facts, items: &EnvItems) {
        let check = |rel: &str, doc: Option<u32>| {
            let want = facts.inventory.position(rel);
            assert_eq!(doc.map(|d| d as usize), want, "{rel}");
            if let Some(d) = doc {
                assert_eq!(&*facts.inventory.docs[d as usize].rel, rel);
            }
        };
        assert_eq!(items.docs.credentials.len(), items.credentials.len());
        assert_eq!(items.docs.hosts.len(), items.hosts.len());
        for (c, &d) in items.credentials.iter().zip(&items.docs.credentials) {
            check(&c.rel, d);
        }
        for (h, d) in items.hosts_in_docs() {
            check(&h.rel, d);
        }
    }

    /// Every directory of fixture trees (and the shared CHT files, when
    /// present) with at least one file of its own or below.
    fn fixture_trees() -> Vec<std::path::PathBuf> {
        let shared = std::path::PathBuf::from("../shared/cht");
        if !shared.is_dir() {
            // Never silently: CI (RAMPART_REQUIRE_PEERS=1) must have it.
            assert!(
                std::env::var_os("RAMPART_REQUIRE_PEERS").is_none_or(|v| v != "1"),
                "../shared/cht is missing and RAMPART_REQUIRE_PEERS=1"
            );
            eprintln!("skipping ../shared/cht: not present beside the repository");
        }
        let mut out = vec![shared];
        for pack in std::fs::read_dir("fixtures").unwrap().flatten() {
            if pack.file_name() == "hosts" {
                continue;
            }
            for rule in std::fs::read_dir(pack.path()).unwrap().flatten() {
                for case in std::fs::read_dir(rule.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    if case.path().is_dir() {
                        out.push(case.path());
                    }
                }
            }
        }
        out.retain(|p| p.is_dir());
        out.sort();
        out
    }

    /// The parallel collection `Facts::prepare` uses gives exactly what
    /// the serial one gives: same settings, items and order.
    #[test]
    fn parallel_and_serial_collections_agree() {
        use crate::facts::cht_settings::{ChtInstances, ChtSettings};
        use crate::facts::{Fact, Facts, LoadOptions};
        use crate::target::Target;
        let trees = fixture_trees();
        assert!(trees.len() > 20, "fixtures found: {}", trees.len());
        let mut settings_seen = 0;
        let mut items_seen = 0;
        for tree in trees {
            let target = Target::tree(&tree, "t", &tree).unwrap();
            let facts = Facts::load(&target, &LoadOptions::default());
            let serial = ChtSettings::gather(&facts, false);
            let par = ChtSettings::gather(&facts, true);
            assert_eq!(serial.settings, par.settings, "{}", tree.display());
            assert_eq!(serial.instances, par.instances, "{}", tree.display());
            assert_eq!(serial.broken, par.broken, "{}", tree.display());
            assert_eq!(serial.settings.spare(), 0, "{}", tree.display());
            assert_eq!(par.settings.spare(), 0, "{}", tree.display());
            settings_seen += serial.settings.len();
            // The instances as a fact of their own, gathered alone and
            // taken from collected settings.
            let instances = serial.instances.clone();
            assert_eq!(ChtInstances::collect(&facts).0, instances);
            facts.provide(serial);
            assert_eq!(ChtInstances::collect(&facts).0, instances);
            let (serial, par) = (
                EnvItems::gather(&facts, false),
                EnvItems::gather(&facts, true),
            );
            docs_name_their_files(&facts, &serial);
            docs_name_their_files(&facts, &par);
            let (serial, par) = (projection(&serial), projection(&par));
            assert_eq!(serial, par, "{}", tree.display());
            // With the files' own items gathered ahead, as `Facts::prepare`
            // does: taken, and the same items in the same order.
            facts.provide(FileItems::gather(&facts, true));
            let ahead = projection(&EnvItems::gather(&facts, true));
            assert!(facts.peek::<FileItems>().is_none(), "{}", tree.display());
            assert_eq!(serial, ahead, "{}", tree.display());
            items_seen += serial.len();
        }
        assert!(settings_seen > 100 && items_seen > 100);
    }

    #[test]
    fn url_passwords() {
        assert_eq!(url_password("http://admin:s3cret@h:5984/x"), Some("s3cret"));
        assert_eq!(url_password("http://admin@h"), None);
        assert_eq!(url_password("https://h/x"), None);
    }
}
