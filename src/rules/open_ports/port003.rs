//! PORT-003 compose-internal-service-published: a compose service other than
//! the web proxy publishes a port on a non-loopback address, or any service
//! publishes a never-public port (host or container side) that way.
//! Publishing host port 80 or 443 is what a web entry point does (CHT 3.x's
//! all-in-one medic-os image is one), so those two are left to PORT-004.

use crate::facts::compose::ComposeProjects;
use crate::facts::published::PublishedPorts;
use crate::outcome::{Judgement, Outcome, Severity};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let never = &ctx.policy.open_ports.never_public;
    let mut j = Judgement::new();
    let projects = ctx.facts.get::<ComposeProjects>();
    let published = ctx.facts.get::<PublishedPorts>();
    for port in super::published::published_ports(ctx, &projects, &published, &mut j) {
        let p = port.published;
        if p.is_loopback() {
            continue;
        }
        let internal: Vec<u16> = p
            .host_ports_iter()
            .chain(p.container_ports_iter())
            .filter(|n| never.contains(n))
            .collect();
        let where_ = if p.all_interfaces() {
            "every interface".to_string()
        } else {
            format!("address {}", p.host_ip.as_deref().unwrap_or_default())
        };
        let message = if let Some(&n) = internal.first() {
            Some((
                format!(
                    "service {} publishes {} port {} on {} ({}); it must stay on the compose network or bind to 127.0.0.1.",
                    port.service,
                    super::port_role(n),
                    n,
                    where_,
                    p.describe()
                ),
                Severity::Critical,
            ))
        } else if !port.web_proxy && !p.host_ports_iter().all(|n| n == 80 || n == 443) {
            Some((
                format!(
                    "service {} is not the web proxy but publishes {} on {}; only the web proxy should be reachable from outside.",
                    port.service,
                    p.describe(),
                    where_
                ),
                Severity::High,
            ))
        } else {
            None
        };
        match message {
            Some((text, severity)) => {
                j.fail(port.key(), text)
                    .at(port.location(ctx))
                    .severity(severity)
                    .evidence("service", port.service)
                    .evidence("published", p.describe())
                    .evidence(
                        "profiles",
                        port.profiles
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<String>>(),
                    );
            }
            None => j.checked_with(|| [&*port.service, " ", &p.describe()].concat()),
        }
    }
    j.finish(
        "No compose service but the web proxy publishes ports, and no internal port is published.",
        "no docker compose files",
    )
}
