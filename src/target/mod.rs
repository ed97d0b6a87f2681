//! What is scanned: config trees, the live host, offline roots (and, in later
//! packs, TLS endpoints and environment sets). A target names itself, knows
//! its kind and root, and turns a path inside it into a report `Location`
//! (the display path and the SARIF URI). It never parses and never judges.

pub mod cht_install;
pub mod name;
pub mod root;

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

pub use name::{display_path, display_path_owned};
pub use root::{Confinement, DirHandle, Entry, Root, RootError};

use std::sync::Arc;

use crate::outcome::{Location, Uri};

/// The input kinds of the rule catalogue: H (host or offline root), T (config
/// tree), P (live TLS probe), E (several environments compared).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Tree,
    Host,
    Tls,
    Env,
    Domain,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Tree => "tree",
            TargetKind::Host => "host",
            TargetKind::Tls => "tls",
            TargetKind::Env => "env",
            TargetKind::Domain => "domain",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        [
            TargetKind::Tree,
            TargetKind::Host,
            TargetKind::Tls,
            TargetKind::Env,
            TargetKind::Domain,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug)]
pub struct Target {
    /// `tree:deploy/prod`, `host:web-1`, `root:fixtures/x`.
    pub id: String,
    pub kind: TargetKind,
    /// dev / uat / production, when known.
    pub environment: Option<String>,
    /// The label was given explicitly (`--env NAME=PATH`, `--env-label`): it
    /// applies to every file of the target and nothing overrides it.
    pub environment_explicit: bool,
    pub source: Source,
}

#[derive(Debug)]
pub enum Source {
    Tree(TreeSource),
    Host(HostSource),
    /// Every other target of the scan, compared by environment.
    Env,
    Tls(TlsSource),
    /// A registrable domain whose registration is looked up over RDAP.
    Domain(DomainSource),
}

/// A domain registration (`--domains`, `--check-domains`): no root; its
/// fact is the RDAP answer.
#[derive(Debug)]
pub struct DomainSource {
    /// The registrable domain (`example.org`).
    pub domain: String,
    /// The names that led to it (`cht.example.org`).
    pub from: Vec<String>,
    pub options: std::sync::Arc<crate::rdap::RdapOptions>,
}

/// A live TLS endpoint: no root; its facts are the probe's results.
#[derive(Debug)]
pub struct TlsSource {
    pub endpoint: crate::probe::Endpoint,
    pub options: std::sync::Arc<crate::probe::ProbeOptions>,
}

#[derive(Debug)]
pub struct TreeSource {
    pub root: Root,
    /// The path as given on the command line; empty when `.` was implied, so
    /// paths print the way ripgrep prints them.
    pub display: String,
    /// The tree's path relative to the SARIF root (empty when they are the same).
    pub sarif_prefix: String,
    /// When a single file was named, its path inside the root: only it (and
    /// the `.env` compose reads for it) is scanned.
    pub only: Option<String>,
    /// Directories inside the root to walk (all of it when empty): a CHT
    /// install found on a host is scanned as a tree of just its directories.
    pub walk_only: Vec<String>,
    /// The host (SARIF name) a derived tree was found on; its findings go to
    /// that host's SARIF run.
    pub found_on: Option<String>,
}

#[derive(Debug)]
pub struct HostSource {
    pub root: Root,
    pub hostname: String,
    /// The machine rampart runs on (root `/`), rather than a captured root.
    pub live: bool,
}

impl Target {
    /// A config tree; a single file is scanned as the tree of its directory
    /// restricted to that file.
    pub fn tree(path: &Path, display: &str, sarif_root: &Path) -> std::io::Result<Target> {
        if std::fs::metadata(path)?.is_file() {
            let name = path.file_name().map(name::from_os).unwrap_or_default();
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let parent_display = display.rsplit_once('/').map_or(String::new(), |(d, _)| {
                if d.is_empty() {
                    "/".to_string()
                } else {
                    d.to_string()
                }
            });
            let mut t = Target::tree(parent, &parent_display, sarif_root)?;
            t.id = format!("tree:{display}");
            if let Source::Tree(tree) = &mut t.source {
                tree.only = Some(name);
            }
            return Ok(t);
        }
        let root = Root::open(path, Confinement::Strict)?;
        let sarif_prefix = relative_to(root.base(), sarif_root);
        let id = if display.is_empty() {
            "tree:.".to_string()
        } else {
            format!("tree:{display}")
        };
        let environment = infer_environment(display).or_else(|| {
            root.base()
                .file_name()
                .and_then(|n| infer_environment(&n.to_string_lossy()))
        });
        Ok(Target {
            id,
            kind: TargetKind::Tree,
            environment,
            environment_explicit: false,
            source: Source::Tree(TreeSource {
                root,
                display: display.to_string(),
                sarif_prefix,
                only: None,
                walk_only: Vec::new(),
                found_on: None,
            }),
        })
    }

    /// The live host (`live`, root `/`) or an offline root.
    pub fn host(path: &Path, display: &str, live: bool) -> std::io::Result<Target> {
        let root = Root::open(path, Confinement::Chroot)?;
        let hostname = read_hostname(&root, live).unwrap_or_else(|| {
            root.base().file_name().map_or_else(
                || "localhost".to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        });
        let id = if live {
            format!("host:{hostname}")
        } else {
            format!("root:{display}")
        };
        Ok(Target {
            id,
            kind: TargetKind::Host,
            environment: None,
            environment_explicit: false,
            source: Source::Host(HostSource {
                root,
                hostname: sanitize_uri_segment(&hostname),
                live,
            }),
        })
    }

    /// The environments of a scan, as one target: the rules that compare
    /// environments run on it and see every other target.
    pub fn environments() -> Target {
        Target {
            id: "environments".to_string(),
            kind: TargetKind::Env,
            environment: None,
            environment_explicit: false,
            source: Source::Env,
        }
    }

    /// Labels the target with an environment given on the command line.
    pub fn with_environment(mut self, label: &str) -> Target {
        self.environment = Some(label.to_string());
        self.environment_explicit = true;
        self
    }

    /// A live TLS endpoint (`tls:HOST:PORT`).
    pub fn tls(
        endpoint: crate::probe::Endpoint,
        options: std::sync::Arc<crate::probe::ProbeOptions>,
    ) -> Target {
        Target {
            id: format!("tls:{}", endpoint.display()),
            kind: TargetKind::Tls,
            environment: None,
            environment_explicit: false,
            source: Source::Tls(TlsSource { endpoint, options }),
        }
    }

    pub fn domain(
        domain: String,
        from: Vec<String>,
        options: std::sync::Arc<crate::rdap::RdapOptions>,
    ) -> Target {
        Target {
            id: format!("domain:{domain}"),
            kind: TargetKind::Domain,
            environment: None,
            environment_explicit: false,
            source: Source::Domain(DomainSource {
                domain,
                from,
                options,
            }),
        }
    }

    pub fn domain_source(&self) -> Option<&DomainSource> {
        match &self.source {
            Source::Domain(d) => Some(d),
            _ => None,
        }
    }

    pub fn root(&self) -> Option<&Root> {
        match &self.source {
            Source::Tree(t) => Some(&t.root),
            Source::Host(h) => Some(&h.root),
            Source::Env | Source::Tls(_) | Source::Domain(_) => None,
        }
    }

    pub fn host_source(&self) -> Option<&HostSource> {
        match &self.source {
            Source::Host(h) => Some(h),
            Source::Tree(_) | Source::Env | Source::Tls(_) | Source::Domain(_) => None,
        }
    }

    pub fn tls_source(&self) -> Option<&TlsSource> {
        match &self.source {
            Source::Tls(t) => Some(t),
            Source::Tree(_) | Source::Host(_) | Source::Env | Source::Domain(_) => None,
        }
    }

    /// The location of `rel` (a path inside the target's root, `/`-separated,
    /// carrier form): the display path with control, bidi and non-UTF-8
    /// bytes escaped ([`display_path`]), the URI with the exact bytes
    /// percent-encoded.
    pub fn location(&self, rel: &str) -> Location {
        let rel = rel.trim_start_matches('/');
        if let Source::Tree(t) = &self.source {
            // The URI is most often the end of the display path (a tree
            // given by an absolute path, or from the repository root): then
            // it is that text, not a copy.
            let path: Arc<str> = display_path_owned(join_display(&t.display, rel)).into();
            let uri = match uri_end_of(&path, &t.sarif_prefix, rel) {
                Some(len) => Uri::within(&path, &path[path.len() - len..]),
                None => join_uri(&t.sarif_prefix, rel).into(),
            };
            return Location {
                path,
                line: None,
                uri,
            };
        }
        match &self.source {
            Source::Tree(t) => Location {
                path: display_path_owned(join_display(&t.display, rel)).into(),
                line: None,
                uri: join_uri(&t.sarif_prefix, rel).into(),
            },
            Source::Host(h) => Location {
                path: display_path_owned(format!("/{rel}")).into(),
                line: None,
                uri: format!("hosts/{}/{}", h.hostname, sanitize_uri_path(rel)).into(),
            },
            Source::Env => Location {
                path: display_path_owned(format!("environments/{rel}")).into(),
                line: None,
                uri: format!("environments/{}", sanitize_uri_path(rel)).into(),
            },
            Source::Tls(_) | Source::Domain(_) => self.pseudo_location(rel),
        }
    }

    /// Where host-wide findings with no file point in SARIF (a pseudo-path).
    pub fn pseudo_location(&self, name: &str) -> Location {
        match &self.source {
            Source::Host(h) => Location {
                path: format!("host:{}", h.hostname).into(),
                line: None,
                uri: format!("hosts/{}/{}", h.hostname, sanitize_uri_path(name)).into(),
            },
            Source::Tree(_) | Source::Env => self.location(name),
            // `tls/<host>_<port>`: one pseudo-file per endpoint.
            Source::Tls(t) => Location {
                path: t.endpoint.display().into(),
                line: None,
                uri: tls_pseudo_uri(&t.endpoint.host, t.endpoint.port).into(),
            },
            // `domains/<domain>`: one pseudo-file per registration.
            Source::Domain(d) => Location {
                path: format!("domain {}", d.domain).into(),
                line: None,
                uri: format!("domains/{}", sanitize_uri_segment(&d.domain)).into(),
            },
        }
    }
}

fn read_hostname(root: &Root, live: bool) -> Option<String> {
    let candidates: &[&str] = if live {
        &["proc/sys/kernel/hostname", "etc/hostname"]
    } else {
        &["etc/hostname"]
    };
    candidates.iter().find_map(|p| {
        let text = root.read_text(p, 4096).ok()?;
        let name = text.lines().next()?.trim();
        (!name.is_empty()).then(|| name.to_string())
    })
}

/// The environment a path's components name (`deploy/prod` → production).
pub fn infer_environment(path: &str) -> Option<String> {
    const NAMES: [(&str, &[&str]); 6] = [
        ("production", &["prod", "production", "prd"]),
        ("uat", &["uat"]),
        ("staging", &["staging", "stage", "stg"]),
        ("dev", &["dev", "development", "develop"]),
        ("test", &["test", "testing", "qa"]),
        ("training", &["training", "train"]),
    ];
    // Compared without case, with no copy per component: this runs for
    // every file of a tree.
    path.split(['/', '\\'])
        .rev()
        .find_map(|part| {
            NAMES
                .iter()
                .find(|(_, names)| names.iter().any(|n| part.eq_ignore_ascii_case(n)))
        })
        .map(|(label, _)| label.to_string())
}

fn join_display(base: &str, rel: &str) -> String {
    match (base, rel) {
        ("", r) => r.to_string(),
        (b, "") => b.to_string(),
        // (Concatenated: `format!` was a measurable part of a large
        // scan, one call per reported file.)
        (b, r) if b.ends_with('/') => [b, r].concat(),
        (b, r) => [b, "/", r].concat(),
    }
}

fn join_uri(prefix: &str, rel: &str) -> String {
    sanitize_uri_path(&join_display(prefix, rel))
}

/// The length of `join_uri(prefix, rel)` when `path` ends with it (and it
/// needs no encoding), found without building it.
fn uri_end_of(path: &str, prefix: &str, rel: &str) -> Option<usize> {
    let parts: [&str; 3] = match (prefix, rel) {
        ("", r) => ["", "", r],
        (b, "") => [b, "", ""],
        (b, r) if b.ends_with('/') => [b, "", r],
        (b, r) => [b, "/", r],
    };
    if !parts.iter().all(|p| p.bytes().all(uri_safe)) {
        return None;
    }
    // `rel` has no leading slash: only the prefix's are trimmed.
    let [first, sep, last] = parts;
    let end = path
        .strip_suffix(last)?
        .strip_suffix(sep)?
        .strip_suffix(first.trim_start_matches('/'))?;
    Some(path.len() - end.len())
}

/// The bytes a SARIF `uri` written by rampart holds raw; every other byte
/// is percent-encoded.
pub fn uri_safe(b: u8) -> bool {
    matches!(
        b,
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b'+' | b'@' | b'=' | b','
    )
}

/// Percent-encodes what a SARIF `uri` (a URI reference) may not hold raw;
/// names carried from non-UTF-8 bytes ([`name`]) are encoded as those bytes.
pub fn sanitize_uri_path(p: &str) -> String {
    // Most paths need no encoding: every byte is printable ASCII kept raw
    // (a carried byte or any other non-ASCII character is not ASCII).
    if p.bytes().all(uri_safe) {
        return p.trim_start_matches('/').to_string();
    }
    let mut out = String::with_capacity(p.len());
    for b in name::to_bytes(p) {
        if uri_safe(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.trim_start_matches('/').to_string()
}

/// The SARIF pseudo-path of a TLS endpoint: `tls/<host>_<port>`.
pub fn tls_pseudo_uri(host: &str, port: u16) -> String {
    format!(
        "tls/{}_{port}",
        sanitize_uri_segment(host.trim_matches(['[', ']']))
    )
}

fn sanitize_uri_segment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `path` relative to `base`, both absolute and canonical; `..` where needed.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_found_at_the_end_of_a_path_is_the_joined_uri() {
        let cases = [
            ("/srv/repos/site", "repos/site", "deploy/.env", true),
            ("/srv/repos/site/", "repos/site/", "deploy/.env", true),
            ("deploy", "deploy", ".env", true),
            ("", "", "a/b.yml", true),
            ("/srv/x", "", "a", true),
            ("/srv/x", "x", "", true),
            ("/", "/", "a", true),
            ("/srv/x", "other", "a", false),
            ("/srv/x y", "x y", "a", false),
            ("/srv/x", "x", "a b", false),
        ];
        for (display, prefix, rel, shared) in cases {
            let path = join_display(display, rel);
            let found = uri_end_of(&path, prefix, rel);
            assert_eq!(found.is_some(), shared, "{display:?} {prefix:?} {rel:?}");
            if let Some(len) = found {
                assert_eq!(&path[path.len() - len..], join_uri(prefix, rel));
            }
        }
    }

    #[test]
    fn environments_from_paths() {
        assert_eq!(
            infer_environment("deploy/prod").as_deref(),
            Some("production")
        );
        assert_eq!(infer_environment("envs/dev/").as_deref(), Some("dev"));
        assert_eq!(infer_environment("deploy/UAT").as_deref(), Some("uat"));
        assert_eq!(infer_environment("deploy/cht").as_deref(), None);
        assert_eq!(infer_environment("product").as_deref(), None);
        // The nearest directory decides; case is ignored, whole names only.
        assert_eq!(
            infer_environment("Staging/PRODUCTION/x").as_deref(),
            Some("production")
        );
        assert_eq!(infer_environment("dev/Develop-x").as_deref(), Some("dev"));
        assert_eq!(infer_environment("a\\QA").as_deref(), Some("test"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_to(Path::new("/a/b/c"), Path::new("/a")), "b/c");
        assert_eq!(relative_to(Path::new("/a/x"), Path::new("/a/b")), "../x");
        assert_eq!(relative_to(Path::new("/a"), Path::new("/a")), "");
    }

    #[test]
    fn uris_are_relative_and_clean() {
        assert_eq!(
            sanitize_uri_path("/etc/ssh/sshd config"),
            "etc/ssh/sshd%20config"
        );
        // Nothing to encode: kept as it is, without its leading slashes.
        assert_eq!(sanitize_uri_path("//etc/a-b_c.d~e"), "etc/a-b_c.d~e");
        assert_eq!(join_display("", "a/b"), "a/b");
        assert_eq!(join_display("deploy", "prod/.env"), "deploy/prod/.env");
        assert_eq!(join_display("./", "x"), "./x");
        let odd = name::from_bytes(b"a\xff\nb");
        assert_eq!(sanitize_uri_path(&odd), "a%FF%0Ab");
    }

    #[test]
    fn locations_escape_the_scanned_world() {
        let d = tempfile::tempdir().unwrap();
        let t = Target::tree(d.path(), "deploy", d.path()).unwrap();
        let rel = name::from_bytes(b"x\x1b[2J\nCRITICAL \xff/.env");
        let loc = t.location(&rel);
        assert_eq!(&*loc.path, "deploy/x\\x1b[2J\\x0aCRITICAL \\xff/.env");
        assert_eq!(&*loc.uri, "x%1B%5B2J%0ACRITICAL%20%FF/.env");
    }
}
