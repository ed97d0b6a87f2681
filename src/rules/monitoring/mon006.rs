//! MON-006 metrics-exposed: node_exporter (9100), cAdvisor (8080),
//! Prometheus (9090) or Grafana (3000) reachable on a public interface. On a
//! tree: a compose service running one of those images publishes a port on a
//! non-loopback address. On a host: a non-loopback listener on one of those
//! ports owned by the exporter's process (or by `docker-proxy`, a published
//! container port), and any other exporter process (`*_exporter`,
//! `*-exporter`) on any port. Metrics tell an attacker the software, versions and load
//! of every service; Prometheus and exporters have no login at all.

use crate::facts::compose::ComposeProjects;
use crate::facts::grafana::Monitoring;
use crate::facts::published::PublishedPorts;
use crate::facts::sockets::Sockets;
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;
use crate::rules::open_ports::published::published_ports;
use crate::target::TargetKind;

/// Default ports and the process names that serve them.
const ENDPOINTS: [(u16, &str, &[&str]); 4] = [
    (
        9100,
        "node_exporter",
        &["node_exporter", "node-exporter", "prometheus-node"],
    ),
    (8080, "cAdvisor", &["cadvisor"]),
    (9090, "Prometheus", &["prometheus"]),
    (3000, "Grafana", &["grafana", "grafana-server"]),
];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    if ctx.target().kind == TargetKind::Host {
        return host(ctx);
    }
    let m = ctx.facts.get::<Monitoring>();
    let mut j = Judgement::new();
    let projects = ctx.facts.get::<ComposeProjects>();
    let published = ctx.facts.get::<PublishedPorts>();
    let ports = published_ports(ctx, &projects, &published, &mut Judgement::new());
    // The ports by file and service, so a service's ports are one range
    // found by binary search, not a pass over every port of the tree for
    // every service.
    let mut by_service: Vec<usize> = (0..ports.len()).collect();
    by_service.sort_by_key(|&i| ports[i].service_of());
    for svc in &m.services {
        let mut any = false;
        let wanted = (&*svc.rel, &*svc.service);
        let from = by_service.partition_point(|&i| ports[i].service_of() < wanted);
        let mut mine: Vec<usize> = by_service[from..]
            .iter()
            .copied()
            .take_while(|&i| ports[i].service_of() == wanted)
            .collect();
        mine.sort_unstable();
        for p in mine.into_iter().map(|i| &ports[i]) {
            any = true;
            if p.published.is_loopback() {
                j.checked(format!(
                    "{} {}: {}",
                    svc.what,
                    svc.service,
                    p.published.describe()
                ));
                continue;
            }
            j.fail(
                p.key(),
                format!(
                    "Service {} ({}) publishes {} on {}: its metrics or dashboards are reachable from the network. Bind it to 127.0.0.1 and reach it through an authenticating reverse proxy or a VPN.",
                    svc.service,
                    svc.what,
                    p.published.describe(),
                    if p.published.all_interfaces() {
                        "every interface".to_string()
                    } else {
                        format!("address {}", p.published.host_ip.as_deref().unwrap_or_default())
                    }
                ),
            )
            .at(p.location(ctx))
            .evidence("service", svc.service.clone())
            .evidence("published", p.published.describe());
        }
        if !any {
            j.checked(format!("{} {}: no published port", svc.what, svc.service));
        }
    }
    j.finish(
        "No node_exporter, cAdvisor, Prometheus or Grafana port is published beyond loopback.",
        "no node_exporter, cAdvisor, Prometheus or Grafana service in the compose files",
    )
}

/// A Prometheus exporter's process name (`json_exporter`,
/// `postgres_exporter`, `couchdb-prometheus-exporter`, truncated by the
/// kernel to 15 bytes), if the listener's process is one.
fn exporter_name(l: &crate::facts::sockets::Listener) -> Option<String> {
    let name = l.process.as_ref()?.name.to_ascii_lowercase();
    (name.contains("_export")
        || name.contains("-export")
        || name.starts_with("prometheus-")
        || name.ends_with("-prometh"))
    .then_some(name)
}

fn host(ctx: &Ctx) -> Vec<Outcome> {
    let sockets = ctx.facts.get::<Sockets>();
    if let Some(why) = sockets.unusable() {
        return not_evaluated(why);
    }
    let mut j = Judgement::new();
    for l in sockets.listeners.iter().filter(|l| l.proto == "tcp") {
        let loc = ctx.target().location(l.rel).with_line(l.line);
        let Some((_, what, names)) = ENDPOINTS.iter().find(|(p, _, _)| *p == l.port) else {
            // Any other Prometheus exporter, by its process name, on any port.
            if let Some(name) = exporter_name(l) {
                if l.is_loopback() {
                    j.checked(format!("{name} {}", l.address()));
                } else {
                    j.fail(
                        format!("{}|{}", l.address(), l.port),
                        format!(
                            "The exporter {name} listens on {} ({}): its metrics are reachable from the network, without a login. Bind it to 127.0.0.1 and let Prometheus reach it through a VPN or an authenticating proxy.",
                            l.scope(),
                            l.address()
                        ),
                    )
                    .at(loc)
                    .evidence("address", l.address())
                    .evidence("process", sockets.owner_text(l));
                }
            }
            continue;
        };
        if l.is_loopback() {
            j.checked(format!("{} {}", what, l.address()));
            continue;
        }
        let name = l.process.as_ref().map(|p| p.name.to_ascii_lowercase());
        let serves = match name.as_deref() {
            Some(n) if names.iter().any(|x| n.contains(x)) => Some(format!("{what} ({n})")),
            Some("docker-proxy") => Some(format!(
                "a published container port (docker-proxy), {what}'s default"
            )),
            Some(_) => None,
            None => {
                j.not_evaluated(
                    format!("{}|{}", l.address(), l.port),
                    format!(
                        "port {} ({what}'s default) listens on {}; its owner is {}",
                        l.port,
                        l.scope(),
                        sockets.owner_text(l)
                    ),
                )
                .at(loc);
                continue;
            }
        };
        match serves {
            Some(who) => {
                j.fail(
                    format!("{}|{}", l.address(), l.port),
                    format!(
                        "Port {} listens on {} ({}) and is served by {who}: metrics or dashboards reachable from the network. Bind it to 127.0.0.1 and put an authenticating proxy or VPN in front.",
                        l.port,
                        l.scope(),
                        l.address()
                    ),
                )
                .at(loc)
                .evidence("address", l.address())
                .evidence("process", sockets.owner_text(l));
            }
            None => j.checked(format!(
                "{}: {} (not {what})",
                l.address(),
                sockets.owner_text(l)
            )),
        }
    }
    j.finish(
        "No node_exporter, cAdvisor, Prometheus or Grafana listens beyond loopback.",
        "no listener on 9100, 8080, 9090 or 3000, and no exporter process listening",
    )
}
