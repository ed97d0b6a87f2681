//! PORT-004 compose-port-on-all-interfaces: a published port other than
//! 80/443 binds every interface (no host IP, `0.0.0.0` or `::`). Docker
//! writes its own iptables rules, so ufw or firewalld do not protect it.

use crate::facts::compose::ComposeProjects;
use crate::facts::published::PublishedPorts;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    let projects = ctx.facts.get::<ComposeProjects>();
    let published = ctx.facts.get::<PublishedPorts>();
    for port in super::published::published_ports(ctx, &projects, &published, &mut j) {
        let p = port.published;
        let web_only = p.host_ports.is_some() && p.host_ports_iter().all(|n| n == 80 || n == 443);
        if !p.all_interfaces() || web_only {
            j.checked_with(|| [&*port.service, " ", &p.describe()].concat());
            continue;
        }
        let host = match p.host_ports {
            None => "a random host port".to_string(),
            Some((a, b)) if a == b => format!("host port {a}"),
            Some((a, b)) => format!("host ports {a}-{b}"),
        };
        j.fail(
            port.key(),
            format!(
                "service {} publishes {} ({}) on every interface; docker bypasses ufw/firewalld, so it is reachable from any network. Give it a host IP (127.0.0.1 or a private address).",
                port.service,
                host,
                p.describe()
            ),
        )
        .at(port.location(ctx))
        .evidence("service", port.service)
        .evidence("published", p.describe());
    }
    j.finish(
        "Every published port other than 80/443 is bound to a specific address.",
        "no docker compose files",
    )
}
