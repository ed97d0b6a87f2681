//! ENV-006 instances-share-identity-on-host: two CHT docker instances that
//! would run on the same host share their compose project name, docker
//! network, published nginx ports or CouchDB data directory, so starting one
//! stops, joins or overwrites the other (CHT's defaults — `cht`, `cht-net`,
//! 80/443 — collide whenever a second instance keeps them). Instances are
//! on one host when they are in one host target (`--host`, `--root`), or in
//! one deployment root of a tree: the folder whose sub-folders each hold an
//! instance's `.env` (`cht-a/.env`, `cht-b/.env`). A `.env` by another name
//! (`production.env`, `app-developer.env`) is run with `--env-file` from
//! anywhere: alternatives, not neighbours, so it shares a host with none.
//! Instances in folders labelled with different environments (`prod/`,
//! `staging/`) are taken to be on different hosts.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::cht_settings::{ChtInstances, Instance};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::target::TargetKind;

/// What identifies an instance on its host, with CHT's defaults.
const IDENTITY: [(&str, Option<&str>); 7] = [
    ("CHT_COMPOSE_PROJECT_NAME", Some("cht")),
    ("CHT_NETWORK", Some("cht-net")),
    ("NGINX_HTTP_PORT", Some("80")),
    ("NGINX_HTTPS_PORT", Some("443")),
    ("COUCHDB_DATA", None),
    ("DB1_DATA", None),
    ("DB2_DATA", None),
];

fn value<'a>(
    inst: &'a Instance,
    key: &str,
    default: Option<&'static str>,
) -> Option<(&'a str, Option<u32>)> {
    match inst.env.get(key) {
        Some(e) => e
            .value
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (v.trim().trim_end_matches('/'), Some(e.line)))
            .or(default.map(|d| (d, None))),
        None => default.map(|d| (d, None)),
    }
}

/// The deployment root an instance's `.env` is in (see the module doc); the
/// whole target for a host.
fn deployment_root(kind: TargetKind, rel: &str) -> &str {
    if kind == TargetKind::Host {
        return "";
    }
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    if name != ".env" {
        return rel;
    }
    dir.rsplit_once('/').map_or("", |(parent, _)| parent)
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let instances = ctx.facts.get::<ChtInstances>();
    let target = ctx.target();
    let mut hosts: BTreeMap<(Option<std::borrow::Cow<'_, str>>, &str), Vec<&Instance>> =
        BTreeMap::new();
    for inst in &instances.0 {
        hosts
            .entry((
                ctx.environment(&inst.rel),
                deployment_root(target.kind, &inst.rel),
            ))
            .or_default()
            .push(inst);
    }
    let mut j = Judgement::new();
    for ((env, root), group) in hosts.iter().filter(|(_, g)| g.len() > 1) {
        let mut colliding: BTreeSet<&str> = BTreeSet::new();
        // Each instance's location, found once for all the settings.
        let locations: Vec<crate::outcome::Location> =
            group.iter().map(|i| ctx.location(&i.rel)).collect();
        for (key, default) in IDENTITY {
            // Instances (by their index in the group) by the value they
            // give this setting: one finding per shared value, however many
            // instances share it.
            let mut by_value: BTreeMap<&str, Vec<(usize, Option<u32>)>> = BTreeMap::new();
            for (k, inst) in group.iter().enumerate() {
                if let Some((v, line)) = value(inst, key, default) {
                    by_value.entry(v).or_default().push((k, line));
                }
            }
            for (v, insts) in by_value.into_iter().filter(|(_, i)| i.len() > 1) {
                let paths: Vec<String> = insts
                    .iter()
                    .map(|&(k, _)| locations[k].path.to_string())
                    .collect();
                colliding.extend(insts.iter().map(|&(k, _)| group[k].rel.as_str()));
                let (first, line) = insts[0];
                let written = insts.iter().any(|(_, l)| l.is_some());
                let shown = if written {
                    format!("{key}={v}")
                } else {
                    format!("{key} unset (CHT default {v})")
                };
                let listed = if paths.len() > 5 {
                    format!("{} and {} more", paths[..5].join(", "), paths.len() - 5)
                } else {
                    paths.join(", ")
                };
                let loc = locations[first].clone();
                j.fail(
                    format!("{}#{root}#{key}={v}", env.as_deref().unwrap_or("")),
                    format!(
                        "{} CHT instances share {shown} on one host ({listed}): the one started last takes over or breaks the others. Give each instance its own value.",
                        paths.len()
                    ),
                )
                .at(match line {
                    Some(l) => loc.with_line(l),
                    None => loc,
                })
                .evidence("setting", key)
                .evidence("value", v)
                .evidence("instances", paths);
            }
        }
        for (inst, loc) in group.iter().zip(&locations) {
            if !colliding.contains(inst.rel.as_str()) {
                j.checked_with(|| loc.path.to_string());
            }
        }
    }
    j.finish(
        "CHT instances on one host each have their own project, network, ports and data.",
        "fewer than two CHT instances (.env files of CHT's compose or upgrade service) on one host or in one deployment root",
    )
}
