//! ENV-003 production-references-non-production: a production configuration
//! names a non-production host. On a config tree: `localhost`, a `dev.`,
//! `staging.`, `uat.` or `test.` host, Medic's `*.dev.medicmobile.org`, or
//! the public-key `*.local-ip.medicmobile.org` in the files labelled
//! production (CHT's official builds server `staging.dev.medicmobile.org`
//! is not such a reference). Across environments: a host production talks
//! to that another environment serves.

use std::net::IpAddr;

use super::{Compared, gather, no_production, peer_items, served, too_few};
use crate::facts::env_items::{EnvItems, HostRef, Role};
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;
use crate::target::TargetKind;

/// Settings whose default is CHT's official builds server.
const BUILDS_SETTINGS: [&str; 3] = [
    "MARKET_URL_READ",
    "BUILDS_URL",
    "upstream_servers.builds_url",
];

/// Why a host is not a production host, if it is not.
pub fn non_production_host(h: &HostRef) -> Option<String> {
    let host = h.host.as_str();
    if host == "localhost" || host.ends_with(".localhost") || host.ends_with(".local") {
        return Some("a local name".to_string());
    }
    if host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return Some("a loopback address".to_string());
    }
    if host.ends_with(".local-ip.medicmobile.org") {
        return Some("CHT's local-ip test domain, whose TLS key is public".to_string());
    }
    if host == "staging.dev.medicmobile.org"
        && BUILDS_SETTINGS
            .iter()
            .any(|s| h.setting.eq_ignore_ascii_case(s))
    {
        return None;
    }
    if host.ends_with(".dev.medicmobile.org") {
        return Some("Medic's development domain".to_string());
    }
    host.split('.')
        .find(|l| {
            matches!(
                *l,
                "dev" | "development" | "staging" | "stage" | "uat" | "test" | "testing" | "qa"
            )
        })
        .map(|l| format!("a {l} host name"))
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    if ctx.target().kind == TargetKind::Env {
        return across(ctx);
    }
    let production = |rel: &str| ctx.policy.is_production(ctx.environment(rel).as_deref());
    if !ctx.facts.docs().any(|d| production(&d.rel)) {
        return not_applicable("no file of this target is labelled production");
    }
    let items = ctx.facts.get::<EnvItems>();
    let mut j = Judgement::new();
    let production_in = |doc, rel: &str| {
        ctx.policy
            .is_production(ctx.environment_in(doc, rel).as_deref())
    };
    for (h, doc) in items
        .hosts_in_docs()
        .filter(|&(h, doc)| production_in(doc, &h.rel))
    {
        let mut loc = ctx.facts.location_in(doc, &h.rel);
        loc.line = h.line;
        match non_production_host(h) {
            Some(why) => {
                let default = if h.defaulted {
                    " (a default: the file does not set it)"
                } else {
                    ""
                };
                j.fail(
                    format!("{}#{}#{}", h.rel, h.setting, h.host),
                    format!(
                        "production's {} names {}{default}, {why}: production must not depend on or present itself as a non-production system.",
                        h.setting, h.host
                    ),
                )
                .at(loc)
                .evidence("setting", &*h.setting)
                .evidence("host", h.host.clone());
            }
            None => j.checked_with(|| [&*h.setting, " ", &*h.host].concat()),
        }
    }
    j.finish(
        "Production names no non-production host.",
        "no host names in the production files",
    )
}

fn across(ctx: &Ctx) -> Vec<Outcome> {
    let items = peer_items(ctx);
    let mut j = Judgement::new();
    let g = gather(ctx, &items, &mut j, Compared::Hosts);
    if let Some(why) = too_few(&g.environments) {
        return not_applicable(why);
    }
    if let Some(why) = no_production(ctx, &g.environments) {
        return not_applicable(why);
    }
    let served = served(&g.hosts);
    for h in g
        .hosts
        .iter()
        .filter(|h| h.item.role == Role::References && ctx.policy.is_production(Some(&h.env)))
    {
        let servers = served.get(h.item.host.as_str());
        // A host production serves itself is production's, even when another
        // environment claims it too (that is ENV-004's finding).
        let own = servers
            .into_iter()
            .flatten()
            .any(|s| ctx.policy.is_production(Some(&s.env)));
        let others: Vec<_> = servers
            .into_iter()
            .flatten()
            .filter(|s| !own && !ctx.policy.is_production(Some(&s.env)))
            .collect();
        let Some(first) = others.first() else {
            j.checked_with(|| [&*h.item.setting, " ", &*h.item.host].concat());
            continue;
        };
        let envs: Vec<String> = others.iter().map(|o| o.env.to_string()).collect();
        j.fail(
            format!("{}#{}#{}", h.location.path(), h.item.setting, h.item.host),
            format!(
                "production's {} ({}) points at {}, which {} serves ({}): production must not depend on another environment.",
                h.item.setting,
                h.location.at(),
                h.item.host,
                first.env,
                first.location.at()
            ),
        )
        .at(h.location.location())
        .evidence("item", h.item.host.clone())
        .evidence("environments", {
            let mut e = vec![h.env.to_string()];
            e.extend(envs);
            e.dedup();
            e
        })
        .evidence(
            "uses",
            std::iter::once(format!("{}: {} ({})", h.env, h.location.at(), h.item.setting))
                .chain(others.iter().map(|o| format!("{}: {} ({})", o.env, o.location.at(), o.item.setting)))
                .collect::<Vec<_>>(),
        );
    }
    j.finish(
        "Production references no host another environment serves.",
        "production references no host names",
    )
}
