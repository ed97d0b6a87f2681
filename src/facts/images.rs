//! Container images a target runs, after interpolation: compose `image:`
//! (against the `.env` compose reads), helm values of CHT's charts
//! (`upstream_servers.docker_registry` + `cht_image_tag`), and the
//! containers of Kubernetes manifests. Each reference is split the way
//! docker reads it (registry, repository, tag, digest) and named by what it
//! is: a CHT service, 3.x medic-os, the upgrade service, CouchDB, Postgres.
//! Images are grouped by instance (the `.env` of a compose project, a helm
//! release, a manifest's directory). Collects; never judges.

use std::sync::Arc;

use compact_str::{CompactString, ToCompactString, format_compact};
use foldhash::{HashMap, HashMapExt};

use crate::facts::compose::{ComposeProjects, Text};
use crate::facts::helm::HelmReleases;
use crate::facts::interpolate::InterpolationError;
use crate::facts::inventory::Parsed;
use crate::facts::yaml::Node;
use crate::facts::{Fact, Facts};

/// A reference split the way docker reads it. Its parts are compact
/// strings: a registry, repository or tag of up to 24 bytes (nearly all)
/// takes no allocation of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// `public.ecr.aws`; `None` is Docker Hub.
    pub registry: Option<CompactString>,
    /// The path without registry: `medic/cht-api`, `medicmobile/medic-os`.
    pub repository: CompactString,
    pub tag: Option<CompactString>,
    pub digest: Option<CompactString>,
}

impl ImageRef {
    /// The last path segment (`cht-api`).
    pub fn name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// `public.ecr.aws/medic/cht-api:5.2.0` as docker would print it.
    pub fn display(&self) -> String {
        let mut s = match &self.registry {
            Some(r) => format!("{r}/{}", self.repository),
            None => self.repository.to_string(),
        };
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

/// Parses an image reference (`[registry/]path[:tag][@digest]`).
pub fn parse_reference(s: &str) -> Result<ImageRef, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("the image is empty".to_string());
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the image reference contains spaces or control characters".to_string());
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(CompactString::from(d))),
        None => (s, None),
    };
    let (path, tag) = match rest.rsplit_once(':') {
        Some((p, t)) if !t.contains('/') => (p, Some(CompactString::from(t))),
        _ => (rest, None),
    };
    let mut parts: Vec<&str> = path.split('/').collect();
    let registry = if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        Some(parts.remove(0).to_ascii_lowercase().into())
    } else {
        None
    };
    if parts.iter().any(|p| p.is_empty()) || tag.as_deref() == Some("") {
        return Err("the image reference is malformed".to_string());
    }
    let mut repository = CompactString::from(parts.join("/"));
    if registry.as_deref() == Some("docker.io") || registry.as_deref() == Some("index.docker.io") {
        repository = repository
            .strip_prefix("library/")
            .unwrap_or(&repository)
            .to_compact_string();
        return Ok(ImageRef {
            registry: None,
            repository,
            tag,
            digest,
        });
    }
    Ok(ImageRef {
        registry,
        repository,
        tag,
        digest,
    })
}

/// CHT 4.x/5.x service images (cht-core `scripts/build`, published to
/// `public.ecr.aws/medic` and Docker Hub `medicmobile`), versioned together.
pub const CHT_SERVICES: [&str; 7] = [
    "cht-api",
    "cht-sentinel",
    "cht-nginx",
    "cht-haproxy",
    "cht-couchdb",
    "cht-haproxy-healthcheck",
    "cht-couchdb-nouveau",
];

/// What an image is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Component {
    /// A CHT 4.x/5.x service image, tagged with the CHT version.
    ChtService,
    /// CHT 3.x in one image (`medicmobile/medic-os:cht-3.9.0`).
    MedicOs,
    /// CHT's upgrade service: versioned on its own, not with CHT.
    UpgradeService,
    CouchDb,
    Postgres,
    Other,
}

impl Component {
    pub fn of(name: &str) -> Component {
        let n = name.to_ascii_lowercase();
        if CHT_SERVICES.contains(&n.as_str()) || n == "cht images" {
            Component::ChtService
        } else if n == "medic-os" {
            Component::MedicOs
        } else if n == "cht-upgrade-service" || n == "upgrade-service" {
            Component::UpgradeService
        } else if n == "couchdb" {
            Component::CouchDb
        } else if n == "postgres" || n == "postgis" || n.starts_with("postgres") {
            Component::Postgres
        } else {
            Component::Other
        }
    }

    /// Images tagged with a CHT release version.
    pub fn carries_cht_version(self) -> bool {
        matches!(self, Component::ChtService | Component::MedicOs)
    }

    pub fn is_cht(self) -> bool {
        matches!(
            self,
            Component::ChtService | Component::MedicOs | Component::UpgradeService
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// The file (path inside the target) and line; the path is shared by
    /// the images of a file.
    pub rel: Arc<str>,
    pub line: u32,
    /// `compose service api`, `helm release base + deployment-single`
    /// (in place when it fits in 24 bytes, as most compose services do).
    pub via: CompactString,
    /// Which instance it belongs to (images of one instance share it, not
    /// copied).
    pub instance: Arc<str>,
    /// The reference as written.
    pub raw: CompactString,
    /// The effective reference, or why it cannot be known.
    pub reference: Result<ImageRef, String>,
    pub component: Component,
}

impl Image {
    /// The image's name from the effective or, failing that, written reference.
    pub fn name(&self) -> String {
        match &self.reference {
            Ok(r) => r.name().to_string(),
            Err(_) => crate::facts::compose::image_name(&self.raw).to_string(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Images {
    pub images: Vec<Image>,
    /// Files that could not be parsed and may hold images: (rel, error).
    pub broken: Vec<(String, String)>,
}

fn placeholder(s: &str) -> bool {
    s.contains("{{") || (s.starts_with('<') && s.ends_with('>'))
}

fn from_compose(facts: &Facts, out: &mut Images) {
    let projects = facts.get::<ComposeProjects>();
    for (rel, err) in &projects.broken {
        out.broken.push((rel.clone(), err.clone()));
    }
    // Instances by name: the images of one instance share its name.
    let mut instances: HashMap<String, Arc<str>> = HashMap::new();
    for p in &projects.projects {
        if !p.file.services.iter().any(|s| s.image.is_some()) {
            continue;
        }
        let rel = p.rel.clone();
        let name = match &p.vars.env_rel {
            Some(env) => ["compose project with ", env].concat(),
            None => format!(
                "compose files in {}",
                facts.target.location(parent(&p.rel)).path
            ),
        };
        let instance = match instances.get(&name) {
            Some(shared) => shared.clone(),
            None => {
                let shared: Arc<str> = Arc::from(name.as_str());
                instances.insert(name, shared.clone());
                shared
            }
        };
        for svc in &p.file.services {
            let Some(image) = &svc.image else { continue };
            let reference = resolve(p, image).and_then(|v| parse_reference(&v));
            let component = Component::of(&match &reference {
                Ok(r) => r.name().to_string(),
                Err(_) => crate::facts::compose::image_name(&image.raw).to_string(),
            });
            out.images.push(Image {
                rel: rel.clone(),
                line: image.line,
                via: format_compact!("compose service {}", svc.name),
                instance: instance.clone(),
                raw: image.raw.clone(),
                reference,
                component,
            });
        }
    }
}

fn resolve(p: &crate::facts::compose::Project, t: &Text) -> Result<String, String> {
    let r = p.vars.resolve(t).map_err(|e| match e {
        InterpolationError::Required { var, .. } => {
            format!("compose refuses to start: {var} is required")
        }
        other => other.to_string(),
    })?;
    if let Some(var) = r.unset.first() {
        return Err(p.vars.why_unset(var));
    }
    Ok(r.value)
}

fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

fn from_helm(facts: &Facts, out: &mut Images) {
    let helm = facts.get::<HelmReleases>();
    for (rel, err) in &helm.broken {
        out.broken.push((rel.clone(), err.clone()));
    }
    for release in &helm.releases {
        let tag_leaf = release
            .get("cht_image_tag")
            .filter(|l| l.text.as_deref().is_some_and(|t| !t.trim().is_empty()))
            .or_else(|| release.get("chtversion"));
        let Some(tag_leaf) = tag_leaf else { continue };
        let registry = release
            .text("upstream_servers.docker_registry")
            .unwrap_or("public.ecr.aws/medic")
            .trim()
            .trim_end_matches('/')
            .to_string();
        let tag = tag_leaf.text.as_deref().unwrap_or_default();
        let raw = format!("{registry}/cht-api:{tag}");
        let reference = if placeholder(tag) || placeholder(&registry) {
            Err("the chart's image tag is a template placeholder, not a value".to_string())
        } else {
            parse_reference(&raw)
        };
        out.images.push(Image {
            rel: tag_leaf.rel.clone(),
            line: tag_leaf.line,
            via: format_compact!(
                "helm release {} (cht-api, cht-sentinel, cht-nginx, cht-haproxy, cht-couchdb)",
                release.name
            ),
            instance: Arc::from(format!("helm release {}", release.name)),
            raw: raw.into(),
            reference,
            component: Component::ChtService,
        });
    }
}

fn containers<'n>(node: &'n Node, depth: usize, out: &mut Vec<&'n Node>) {
    if depth > 12 {
        return;
    }
    for (k, v) in node.entries() {
        match k.as_str() {
            Some("containers" | "initContainers") if v.is_seq() => out.extend(v.items()),
            _ if v.is_map() => containers(v, depth + 1, out),
            _ => {}
        }
    }
}

fn from_k8s(facts: &Facts, out: &mut Images) {
    for doc in facts.docs_of(crate::facts::Kind::K8s) {
        let objects = match &doc.content {
            Ok(Parsed::K8s(o)) => o,
            Err(e) => {
                out.broken.push((doc.rel.to_string(), e.clone()));
                continue;
            }
            _ => continue,
        };
        // The manifests' instance, named once per file.
        let mut instance: Option<Arc<str>> = None;
        for obj in objects {
            let mut found = Vec::new();
            containers(&obj.node, 0, &mut found);
            for c in found {
                let Some(image) = c.get("image") else {
                    continue;
                };
                let Some(raw) = image.as_str() else { continue };
                let reference = parse_reference(raw);
                let component = Component::of(&match &reference {
                    Ok(r) => r.name().to_string(),
                    Err(_) => crate::facts::compose::image_name(raw).to_string(),
                });
                out.images.push(Image {
                    rel: doc.rel.clone(),
                    line: image.line,
                    via: format_compact!(
                        "{} {}",
                        obj.kind,
                        obj.name.as_deref().unwrap_or("(unnamed)")
                    ),
                    instance: instance
                        .get_or_insert_with(|| {
                            Arc::from(format!(
                                "manifests in {}",
                                facts.target.location(parent(&doc.rel)).path
                            ))
                        })
                        .clone(),
                    raw: raw.into(),
                    reference,
                    component,
                });
            }
        }
    }
}

impl Fact for Images {
    fn collect(facts: &Facts) -> Self {
        let mut out = Images::default();
        from_compose(facts, &mut out);
        from_helm(facts, &mut out);
        from_k8s(facts, &mut out);
        out.images
            .sort_by(|a, b| (&a.rel, a.line, &a.via).cmp(&(&b.rel, b.line, &b.via)));
        // Kept to the end of the scan: without the room the list grew into.
        out.images.shrink_to_fit();
        out.broken.sort();
        out.broken.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let r = parse_reference("public.ecr.aws/medic/cht-api:5.2.0").unwrap();
        assert_eq!(r.registry.as_deref(), Some("public.ecr.aws"));
        assert_eq!(r.repository, "medic/cht-api");
        assert_eq!(r.name(), "cht-api");
        assert_eq!(r.tag.as_deref(), Some("5.2.0"));
        let r = parse_reference("medicmobile/medic-os:cht-3.9.0-rc.2").unwrap();
        assert_eq!(r.registry, None);
        assert_eq!(r.tag.as_deref(), Some("cht-3.9.0-rc.2"));
        let r = parse_reference("localhost:5000/cht-nginx").unwrap();
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.tag, None);
        let r = parse_reference("docker.io/library/postgres:16@sha256:abcd").unwrap();
        assert_eq!(r.registry, None);
        assert_eq!(r.repository, "postgres");
        assert_eq!(r.digest.as_deref(), Some("sha256:abcd"));
        assert_eq!(r.display(), "postgres:16@sha256:abcd");
        assert!(parse_reference("").is_err());
        assert!(parse_reference("a b").is_err());
        assert!(parse_reference("medic//x").is_err());
        assert!(parse_reference("x:").is_err());
    }

    #[test]
    fn components() {
        assert_eq!(Component::of("cht-api"), Component::ChtService);
        assert_eq!(Component::of("CHT-NGINX"), Component::ChtService);
        assert_eq!(Component::of("medic-os"), Component::MedicOs);
        assert_eq!(
            Component::of("cht-upgrade-service"),
            Component::UpgradeService
        );
        assert_eq!(Component::of("couchdb"), Component::CouchDb);
        assert_eq!(Component::of("postgres"), Component::Postgres);
        assert_eq!(Component::of("haproxy"), Component::Other);
        assert!(!Component::UpgradeService.carries_cht_version());
    }
}
