//! PORT-005 kubernetes-internal-service-exposed: a Service of type NodePort or
//! LoadBalancer that selects a CHT internal component (CouchDB, HAProxy, the
//! API, nouveau, the upgrade service) or exposes a never-public port — in a
//! manifest, or as helm values ask for it (`<component>.service.type:
//! LoadBalancer|NodePort`, in CHT's chart or any other); and an ingress
//! that helm values enable without TLS (no `tls`, no certificate
//! annotation, no managed certificate).

use std::sync::OnceLock;

use compact_str::CompactString;
use regex::Regex;

use crate::facts::helm::{HelmReleases, Release};
use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

fn internal_component(value: &str) -> Option<&'static str> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?i)(?:^|[-_./])(couchdb|haproxy|api|nouveau|upgrade-service|upgrade)(?:$|[-_./\d])",
        )
        .expect("static regex")
    });
    let m = re.captures(value)?.get(1)?.as_str().to_ascii_lowercase();
    Some(match m.as_str() {
        "couchdb" => "CouchDB",
        "haproxy" => "HAProxy",
        "api" => "the CHT API",
        "nouveau" => "nouveau",
        _ => "the upgrade service",
    })
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let never = &ctx.policy.open_ports.never_public;
    let mut j = Judgement::new();
    for doc in ctx.facts.docs_of(Kind::K8s) {
        let location = target.location(&doc.rel);
        let objects = match &doc.content {
            Ok(Parsed::K8s(objects)) => objects,
            Ok(_) => continue,
            Err(e) => {
                j.not_evaluated(doc.rel.to_string(), format!("{}: {e}", location.path))
                    .at(location);
                continue;
            }
        };
        for svc in objects.iter().filter(|o| o.kind == "Service") {
            let name = svc.name.clone().unwrap_or_else(|| "(unnamed)".to_string());
            let kind = svc.service_type();
            if !matches!(kind, "NodePort" | "LoadBalancer") {
                j.checked(format!("{} Service {name} ({kind})", location.path));
                continue;
            }
            let selector = svc.selector();
            let component = selector
                .iter()
                .find_map(|(_, v)| internal_component(v))
                .or_else(|| internal_component(&name));
            let ports = svc.service_ports();
            let exposed: Vec<u16> = ports
                .iter()
                .flat_map(|p| {
                    p.port
                        .into_iter()
                        .chain(p.target_port.as_deref().and_then(|t| t.parse().ok()))
                })
                .filter(|p| never.contains(p))
                .collect();
            let what = match (component, exposed.first()) {
                (_, Some(&p)) => format!("exposes {} port {p}", super::port_role(p)),
                (Some(c), None) => format!("selects {c}"),
                (None, None) => {
                    j.checked(format!("{} Service {name} ({kind})", location.path));
                    continue;
                }
            };
            let line = exposed
                .first()
                .and_then(|e| {
                    ports.iter().find(|p| {
                        p.port == Some(*e) || p.target_port.as_deref() == Some(&e.to_string())
                    })
                })
                .map_or(svc.line, |p| p.line);
            j.fail(
                format!("{}#Service/{name}", doc.rel),
                format!(
                    "Service {name} is of type {kind} and {what}: it is reachable from outside the cluster. Make it ClusterIP and route users through the ingress."
                ),
            )
            .at(location.clone().with_line(line))
            .evidence("service", name.clone())
            .evidence("type", kind)
            .evidence(
                "selector",
                selector.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            )
            .evidence(
                "ports",
                ports.iter().filter_map(|p| p.port).map(u32::from).collect::<Vec<_>>(),
            );
        }
    }
    helm_values(ctx, &mut j);
    j.finish(
        "No NodePort or LoadBalancer Service exposes a CHT internal component.",
        "no Kubernetes Service manifests",
    )
}

/// Whether a helm values ingress map (at `prefix`) carries TLS: a `tls`
/// list, a certificate annotation (AWS ALB `certificate-arn`, CHT's
/// `annotations.certificate`), or a GKE managed certificate.
fn ingress_has_tls(release: &Release, prefix: &[CompactString]) -> bool {
    release.values.iter().any(|(path, leaf)| {
        if !path.starts_with(prefix) {
            return false;
        }
        let set = leaf.text.as_deref().is_none_or(|t| !t.trim().is_empty());
        set && path[prefix.len()..].iter().any(|p| {
            let p = p.as_str().to_ascii_lowercase();
            p == "tls"
                || p.contains("certificate")
                || p.contains("ssl-cert")
                || p.contains("sslcert")
        })
    })
}

/// Services and ingresses as helm values ask for them.
fn helm_values(ctx: &Ctx, j: &mut Judgement) {
    let target = ctx.target();
    let never = &ctx.policy.open_ports.never_public;
    let helm = ctx.facts.get::<HelmReleases>();
    let mut seen = std::collections::BTreeSet::new();
    for release in &helm.releases {
        for (path, leaf) in &release.values {
            let Some(text) = leaf.text.as_deref() else {
                continue;
            };
            let n = path.len();
            // The key `n - back` from the end, compared without case.
            let key_is =
                |back: usize, word: &str| n >= back && path[n - back].eq_ignore_ascii_case(word);
            // `<component>.service.type` / `<component>.serviceType`.
            let service_type =
                (key_is(1, "type") && key_is(2, "service")) || key_is(1, "servicetype");
            // `<...>.ingress.enabled: true`.
            let ingress = key_is(1, "enabled") && key_is(2, "ingress") && text == "true";
            if !service_type && !ingress {
                continue;
            }
            let loc = target.location(&leaf.rel).with_line(leaf.line);
            let dotted = path.join(".");
            if service_type {
                if !matches!(text, "NodePort" | "LoadBalancer") {
                    continue;
                }
                if !seen.insert((leaf.rel.clone(), leaf.line)) {
                    continue;
                }
                let owner = &path[..n - if key_is(1, "servicetype") { 1 } else { 2 }];
                let component = owner
                    .iter()
                    .rev()
                    .find_map(|p| internal_component(p))
                    .or_else(|| {
                        owner
                            .is_empty()
                            .then(|| internal_component(&release.name))
                            .flatten()
                    });
                let port_prefix = &path[..n - 1];
                let exposed = release
                    .values
                    .iter()
                    .filter(|(p, _)| p.starts_with(port_prefix) && p.len() > port_prefix.len())
                    .filter(|(p, _)| {
                        p.last()
                            .is_some_and(|k| k.to_ascii_lowercase().contains("port"))
                    })
                    .filter_map(|(_, l)| l.text.as_deref()?.parse::<u16>().ok())
                    .find(|p| never.contains(p));
                let what = match (component, exposed) {
                    (_, Some(p)) => format!("exposes {} port {p}", super::port_role(p)),
                    (Some(c), None) => format!("exposes {c}"),
                    (None, None) => {
                        j.checked(format!("{} {dotted}={text}", loc.path));
                        continue;
                    }
                };
                j.fail(
                    format!("{}#{dotted}", leaf.rel),
                    format!(
                        "Helm values set {dotted}: {text} (release {}), which {what} outside the cluster. Use ClusterIP and route users through the ingress.",
                        release.name
                    ),
                )
                .at(loc)
                .evidence("setting", dotted.clone())
                .evidence("type", text.to_string())
                .evidence("release", release.name.clone());
                continue;
            }
            if ingress {
                let prefix = &path[..n - 1];
                if !seen.insert((leaf.rel.clone(), leaf.line)) {
                    continue;
                }
                if ingress_has_tls(release, prefix) {
                    j.checked(format!("{} {dotted} (with TLS)", loc.path));
                    continue;
                }
                j.fail(
                    format!("{}#{dotted}", leaf.rel),
                    format!(
                        "Helm values enable {} (release {}) without TLS (no tls list, certificate annotation or managed certificate): the application is served over plain HTTP.",
                        prefix.join("."),
                        release.name
                    ),
                )
                .at(loc)
                .evidence("setting", dotted.clone())
                .evidence("release", release.name.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        assert_eq!(internal_component("couchdb"), Some("CouchDB"));
        assert_eq!(internal_component("cht-couchdb-1"), Some("CouchDB"));
        assert_eq!(internal_component("api"), Some("the CHT API"));
        assert_eq!(
            internal_component("cht-upgrade-service"),
            Some("the upgrade service")
        );
        assert_eq!(internal_component("haproxy"), Some("HAProxy"));
        assert_eq!(internal_component("rapid"), None);
        assert_eq!(internal_component("apiary"), None);
        assert_eq!(internal_component("frontend"), None);
    }
}
