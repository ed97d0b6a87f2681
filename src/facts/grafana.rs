//! Grafana as CHT Watchdog deploys it: alerting provisioning files
//! (`provisioning/alerting/*.yml`: `contactPoints` with their receivers,
//! notification `policies`), `grafana.ini` (`[smtp]`), and the Watchdog and
//! Grafana pieces of a tree gathered in the `Monitoring` fact (instance
//! lists, Grafana and Prometheus services with their `GF_SMTP_*` settings).
//! Parses and collects; never judges.

use crate::facts::compose::ComposeProjects;
use crate::facts::inventory::{Kind, Parsed};
use crate::facts::yaml::Node;
use crate::facts::{Fact, Facts};

/// One provisioned contact point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactPoint {
    pub name: String,
    pub line: u32,
    /// Receiver types (`email`, `slack`, `webhook`...), with their lines.
    pub receivers: Vec<(String, u32)>,
}

/// An alerting provisioning file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alerting {
    pub contact_points: Vec<ContactPoint>,
    /// The receivers notification policies route to, with their lines.
    pub policies: Vec<(String, u32)>,
}

/// Whether a path is a Grafana alerting provisioning file.
pub fn is_alerting_path(rel: &str) -> bool {
    rel.contains("provisioning/alerting/") || rel.starts_with("alerting/")
}

/// Reads contact points and policies from the documents of a provisioning file.
pub fn alerting_from_yaml(docs: &[Node]) -> Result<Alerting, String> {
    let mut out = Alerting::default();
    for doc in docs {
        if doc.is_null() {
            continue;
        }
        if !doc.is_map() {
            return Err(format!("line {}: expected a mapping", doc.line));
        }
        if let Some(cps) = doc.get("contactPoints") {
            for cp in cps.items() {
                let name = cp
                    .get("name")
                    .and_then(Node::as_str)
                    .unwrap_or("(unnamed)")
                    .to_string();
                let receivers = cp
                    .get("receivers")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter()
                    .map(|r| {
                        (
                            r.get("type")
                                .and_then(Node::as_str)
                                .unwrap_or("(no type)")
                                .to_string(),
                            r.line,
                        )
                    })
                    .collect();
                out.contact_points.push(ContactPoint {
                    name,
                    line: cp.line,
                    receivers,
                });
            }
        }
        if let Some(policies) = doc.get("policies") {
            for p in policies.items() {
                if let Some(r) = p.get("receiver").and_then(Node::as_str) {
                    out.policies.push((r.to_string(), p.line));
                }
            }
        }
    }
    Ok(out)
}

/// `grafana.ini`: `key = value` in `[sections]`, `;` and `#` comments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrafanaIni {
    pub entries: Vec<(String, String, String, u32)>,
}

impl GrafanaIni {
    /// The last value of `key` in `section`, with its line.
    pub fn get(&self, section: &str, key: &str) -> Option<(&str, u32)> {
        self.entries
            .iter()
            .rev()
            .find(|(s, k, _, _)| s == section && k == key)
            .map(|(_, _, v, l)| (v.as_str(), *l))
    }
}

pub fn is_grafana_ini(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("grafana") && lower.ends_with(".ini")
}

pub fn parse_ini(text: &str) -> GrafanaIni {
    let mut out = GrafanaIni::default();
    let mut section = String::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with(';') || l.starts_with('#') {
            continue;
        }
        if let Some(rest) = l.strip_prefix('[') {
            section = rest.trim_end_matches(']').trim().to_ascii_lowercase();
            continue;
        }
        if let Some((k, v)) = l.split_once('=') {
            let v = v.trim();
            let v = v
                .strip_prefix("\"\"\"")
                .and_then(|s| s.strip_suffix("\"\"\""))
                .unwrap_or(v);
            out.entries.push((
                section.clone(),
                k.trim().to_ascii_lowercase(),
                v.to_string(),
                i as u32 + 1,
            ));
        }
    }
    out
}

/// A Grafana or Prometheus service of a compose file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitoringService {
    pub rel: String,
    pub line: u32,
    pub service: String,
    /// `grafana`, `prometheus`, `node-exporter`, `cadvisor`.
    pub what: &'static str,
    /// `GF_SMTP_ENABLED` / `GF_SMTP_HOST` after interpolation, when set.
    pub smtp_enabled: Option<String>,
    pub smtp_host: Option<String>,
    /// Why `GF_SMTP_ENABLED` or `GF_SMTP_HOST` is set but its value cannot
    /// be known (an interpolation error; never the value).
    pub smtp_unresolved: Option<String>,
}

/// What a monitoring image is, by its name.
pub fn monitoring_image(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    if n.starts_with("grafana") && !n.contains("agent") && !n.contains("loki") {
        Some("grafana")
    } else if n == "prometheus" {
        Some("prometheus")
    } else if n == "node-exporter" || n == "node_exporter" {
        Some("node-exporter")
    } else if n == "cadvisor" {
        Some("cadvisor")
    } else {
        None
    }
}

/// The monitoring pieces of a tree.
#[derive(Debug, Default)]
pub struct Monitoring {
    /// Watchdog instance lists: (rel, targets with lines).
    pub instance_lists: Vec<(String, Vec<(String, u32)>)>,
    pub alerting: Vec<(String, Result<Alerting, String>)>,
    pub ini: Vec<(String, Result<GrafanaIni, String>)>,
    pub services: Vec<MonitoringService>,
    /// Watchdog lists that could not be parsed: (rel, why).
    pub broken_lists: Vec<(String, String)>,
}

impl Fact for Monitoring {
    fn collect(facts: &Facts) -> Self {
        let mut out = Monitoring::default();
        for doc in facts.docs() {
            match (doc.kind, &doc.content) {
                (Kind::Watchdog, Ok(Parsed::Watchdog(list))) => out.instance_lists.push((
                    doc.rel.to_string(),
                    list.targets
                        .iter()
                        .map(|t| (t.raw.to_string(), t.line))
                        .collect(),
                )),
                (Kind::Watchdog, Err(e)) => out.broken_lists.push((doc.rel.to_string(), e.clone())),
                (Kind::GrafanaAlerting, Ok(Parsed::GrafanaAlerting(a))) => {
                    out.alerting.push((doc.rel.to_string(), Ok(a.clone())));
                }
                (Kind::GrafanaAlerting, Err(e)) => {
                    out.alerting.push((doc.rel.to_string(), Err(e.clone())));
                }
                (Kind::GrafanaIni, Ok(Parsed::GrafanaIni(i))) => {
                    out.ini.push((doc.rel.to_string(), Ok(i.clone())));
                }
                (Kind::GrafanaIni, Err(e)) => out.ini.push((doc.rel.to_string(), Err(e.clone()))),
                _ => {}
            }
        }
        let projects = facts.get::<ComposeProjects>();
        for p in &projects.projects {
            for svc in &p.file.services {
                let Some(image) = &svc.image else { continue };
                let resolved = p
                    .vars
                    .resolve(image)
                    .map(|r| r.value)
                    .unwrap_or_else(|_| image.raw.to_string());
                let Some(what) = monitoring_image(crate::facts::compose::image_name(&resolved))
                else {
                    continue;
                };
                let mut unresolved = None;
                let mut env = |key: &str| {
                    let v = svc
                        .environment
                        .iter()
                        .rev()
                        .find(|e| e.key == key)
                        .and_then(|e| e.value.as_ref())?;
                    match p.vars.resolve(v) {
                        Ok(i) => Some(i.value),
                        Err(e) => {
                            unresolved.get_or_insert(format!("{key} cannot be known: {e}"));
                            None
                        }
                    }
                };
                let smtp_enabled = env("GF_SMTP_ENABLED");
                let smtp_host = env("GF_SMTP_HOST");
                out.services.push(MonitoringService {
                    rel: p.rel.to_string(),
                    line: svc.line,
                    service: svc.name.to_string(),
                    what,
                    smtp_enabled,
                    smtp_host,
                    smtp_unresolved: unresolved,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::yaml;

    #[test]
    fn alerting() {
        let docs = yaml::parse(
            "apiVersion: 1\ncontactPoints:\n  - orgId: 1\n    name: ops\n    receivers:\n      - uid: a\n        type: email\n        settings:\n          addresses: ops@example.org\npolicies:\n  - orgId: 1\n    receiver: ops\n",
        )
        .unwrap();
        let a = alerting_from_yaml(&docs).unwrap();
        assert_eq!(a.contact_points.len(), 1);
        assert_eq!(
            a.contact_points[0].receivers,
            vec![("email".to_string(), 6)]
        );
        assert_eq!(a.policies, vec![("ops".to_string(), 11)]);
        let none =
            alerting_from_yaml(&yaml::parse("apiVersion: 1\ngroups: []\n").unwrap()).unwrap();
        assert!(none.contact_points.is_empty());
        assert!(alerting_from_yaml(&yaml::parse("- a\n").unwrap()).is_err());
        assert!(is_alerting_path("grafana/provisioning/alerting/cht.yml"));
    }

    #[test]
    fn ini() {
        let i = parse_ini(
            "[smtp]\n;enabled = true\n# host = x\nenabled = true\nhost = smtp.example.org:587\npassword = \"\"\"#p;w\"\"\"\n[server]\nroot_url = http://localhost:3000\n",
        );
        assert_eq!(i.get("smtp", "enabled"), Some(("true", 4)));
        assert_eq!(
            i.get("smtp", "host").map(|h| h.0),
            Some("smtp.example.org:587")
        );
        assert_eq!(i.get("smtp", "user"), None);
        assert!(is_grafana_ini("grafana.example.ini"));
        assert_eq!(monitoring_image("grafana-oss"), Some("grafana"));
        assert_eq!(monitoring_image("node-exporter"), Some("node-exporter"));
        assert_eq!(monitoring_image("nginx"), None);
    }
}
