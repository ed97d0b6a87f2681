//! PORT-005 kubernetes-internal-service-exposed: a Service of type NodePort or
//! LoadBalancer that selects a CHT internal component (CouchDB, HAProxy, the
//! API, nouveau, the upgrade service) or exposes a never-public port.

use std::sync::OnceLock;

use regex::Regex;

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
                j.not_evaluated(doc.rel.clone(), format!("{}: {e}", location.path))
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
    j.finish(
        "No NodePort or LoadBalancer Service exposes a CHT internal component.",
        "no Kubernetes Service manifests",
    )
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
