//! What a target's environments could share or point at: every
//! credential-like value (kept as a [`Secret`], with its file and line) and
//! every host name the configuration serves (`app_url`, `COMMON_NAME`,
//! Ingress hosts) or references (`COUCH_URL`, `MARKET_URL_READ`, Watchdog
//! targets, cht-sync `COUCHDB_HOST`, outbound `base_url`). Collected per
//! target from the parsed files and CHT settings; compared across
//! environments by the env-segregation rules. Never judges.

use std::collections::BTreeSet;

use crate::facts::cht_settings::{ChtSettings, Value};
use crate::facts::helm::HelmReleases;
use crate::facts::inventory::{Kind, Parsed, is_example};
use crate::facts::json::{Json, JsonValue};
use crate::facts::pem::PemFiles;
use crate::facts::x509::PemBlock;
use crate::facts::yaml::Node;
use crate::facts::{Fact, Facts};
use crate::secret::{Secret, is_secret_key};

/// A credential-like value and where it is set.
#[derive(Clone, Debug)]
pub struct Credential {
    /// The setting as the file writes it: `COUCHDB_SECRET`,
    /// `couchdb.password`, `[admins] medic`, `-setcookie`.
    pub item: String,
    pub rel: String,
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
    pub setting: String,
    pub role: Role,
    pub rel: String,
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
    let rest = v.split_once("://").map_or(v, |(_, r)| r);
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

/// The password of a `scheme://user:password@host` URL.
fn url_password(value: &str) -> Option<&str> {
    let rest = value.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let pw = userinfo.split_once(':')?.1;
    (!pw.is_empty()).then_some(pw)
}

impl EnvItems {
    fn credential(&mut self, item: String, rel: &str, line: Option<u32>, value: &str) {
        let v = value.trim();
        if v.is_empty() || (v.starts_with('<') && v.ends_with('>')) {
            return;
        }
        self.credentials.push(Credential {
            item,
            rel: rel.to_string(),
            line,
            value: Secret::new(v),
        });
    }

    fn host(
        &mut self,
        value: &str,
        setting: &str,
        role: Role,
        rel: &str,
        line: Option<u32>,
        defaulted: bool,
    ) {
        if let Some(host) = host_of(value) {
            self.hosts.push(HostRef {
                host,
                setting: setting.to_string(),
                role,
                rel: rel.to_string(),
                line,
                defaulted,
            });
        }
    }

    /// Secret-like members anywhere in a JSON document, and `app_url` /
    /// outbound `base_url`.
    fn json(&mut self, doc: &Json, path: &mut Vec<String>, rel: &str) {
        for (key, line, value) in doc.members() {
            path.push(key.clone());
            match &value.value {
                JsonValue::String(s) if is_secret_key(key) => {
                    self.credential(path.join("."), rel, Some(*line), s);
                }
                JsonValue::String(s) if key == "app_url" && path.len() == 1 => {
                    self.host(s, "app_url", Role::Serves, rel, Some(*line), false);
                }
                JsonValue::String(s) if key == "base_url" => {
                    self.host(
                        s,
                        &path.join("."),
                        Role::References,
                        rel,
                        Some(*line),
                        false,
                    );
                }
                JsonValue::Object(_) => self.json(value, path, rel),
                _ => {}
            }
            path.pop();
        }
    }

    fn k8s_object(&mut self, node: &Node, kind: &str, rel: &str) {
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

impl Fact for EnvItems {
    fn collect(facts: &Facts) -> Self {
        let mut out = EnvItems::default();

        let settings = facts.get::<ChtSettings>();
        for (rel, _, e) in &settings.broken {
            out.broken.push((rel.clone(), e.clone()));
        }
        let mut seen: BTreeSet<(String, Option<u32>, String)> = BTreeSet::new();
        for s in &settings.settings {
            if !seen.insert((s.rel.clone(), s.line, s.written.clone())) {
                continue;
            }
            let key = s.key.to_ascii_uppercase();
            match &s.value {
                Value::Unresolved(why) if is_secret_key(&key) => {
                    out.unresolved
                        .push((s.written.clone(), s.rel.clone(), s.line, why.clone()));
                }
                Value::Unresolved(_) => {}
                Value::Set { value, defaulted } => {
                    let v = value.expose();
                    if is_secret_key(&key) {
                        out.credential(s.written.clone(), &s.rel, s.line, v);
                    } else if let Some(pw) = url_password(v)
                        && !s.raw.as_deref().is_some_and(|r| r.contains('$'))
                    {
                        // A password written into a URL (not interpolated from
                        // a setting that is compared on its own).
                        out.credential(
                            format!("{} (password in URL)", s.written),
                            &s.rel,
                            s.line,
                            pw,
                        );
                    }
                    if SERVES.contains(&key.as_str()) {
                        out.host(v, &s.written, Role::Serves, &s.rel, s.line, *defaulted);
                    } else if REFERENCES.contains(&key.as_str()) {
                        out.host(v, &s.written, Role::References, &s.rel, s.line, *defaulted);
                    }
                }
            }
        }

        let helm = facts.get::<HelmReleases>();
        let mut helm_seen: BTreeSet<(String, u32)> = BTreeSet::new();
        for release in &helm.releases {
            if release.layers.iter().all(|l| is_example(l)) {
                continue;
            }
            for (path, leaf) in &release.values {
                let Some(text) = &leaf.text else { continue };
                if !helm_seen.insert((leaf.rel.clone(), leaf.line)) {
                    continue;
                }
                let last = path.last().map(String::as_str).unwrap_or_default();
                let dotted = path.join(".");
                if is_secret_key(last) {
                    out.credential(dotted.clone(), &leaf.rel, Some(leaf.line), text);
                }
                if dotted == "ingress.host" {
                    out.host(
                        text,
                        &dotted,
                        Role::Serves,
                        &leaf.rel,
                        Some(leaf.line),
                        false,
                    );
                }
            }
        }

        for doc in facts.docs() {
            if is_example(&doc.rel) {
                continue;
            }
            match (&doc.kind, &doc.content) {
                (_, Ok(Parsed::AppSettings(json))) => out.json(json, &mut Vec::new(), &doc.rel),
                (_, Ok(Parsed::VmArgs(args))) => {
                    if let Some(flag) = args.flag("-setcookie")
                        && let Some(cookie) = &flag.cookie
                    {
                        out.credential(
                            "-setcookie".to_string(),
                            &doc.rel,
                            Some(flag.line),
                            cookie.expose(),
                        );
                    }
                }
                (_, Ok(Parsed::K8s(objects))) => {
                    for o in objects {
                        out.k8s_object(&o.node, &o.kind, &doc.rel);
                    }
                }
                (_, Ok(Parsed::Watchdog(instances))) => {
                    for t in &instances.targets {
                        out.host(
                            &t.raw,
                            "Watchdog target",
                            Role::References,
                            &doc.rel,
                            Some(t.line),
                            false,
                        );
                    }
                }
                (Kind::AppSettings | Kind::VmArgs | Kind::K8s | Kind::Watchdog, Err(e)) => {
                    out.broken.push((doc.rel.clone(), e.clone()));
                }
                _ => {}
            }
        }
        let pems = facts.get::<PemFiles>();
        for f in pems.files.iter().filter(|f| !is_example(&f.rel)) {
            for b in &f.blocks {
                match b {
                    PemBlock::PrivateKey {
                        line,
                        label,
                        material,
                        ..
                    } => out.credential(
                        format!("private key ({})", label.to_ascii_lowercase()),
                        &f.rel,
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
        out.credentials
            .sort_by(|a, b| (&a.rel, a.line, &a.item).cmp(&(&b.rel, b.line, &b.item)));
        out.credentials
            .dedup_by(|a, b| a.rel == b.rel && a.line == b.line && a.item == b.item);
        out
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

    #[test]
    fn url_passwords() {
        assert_eq!(url_password("http://admin:s3cret@h:5984/x"), Some("s3cret"));
        assert_eq!(url_password("http://admin@h"), None);
        assert_eq!(url_password("https://h/x"), None);
    }
}
