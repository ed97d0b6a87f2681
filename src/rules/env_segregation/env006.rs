//! ENV-006 instances-share-identity-on-host: two CHT docker instances that
//! would run on the same host share their compose project name, docker
//! network, published nginx ports or CouchDB data directory, so starting one
//! stops, joins or overwrites the other (CHT's defaults — `cht`, `cht-net`,
//! 80/443 — collide whenever a second instance keeps them). Instances in
//! folders labelled with different environments (`prod/`, `staging/`) are
//! taken to be on different hosts.

use std::collections::BTreeMap;

use crate::facts::cht_settings::{ChtSettings, Instance};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::target::infer_environment;

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

fn value(inst: &Instance, key: &str, default: Option<&str>) -> Option<(String, Option<u32>)> {
    match inst.env.get(key) {
        Some(e) => e
            .value
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (v.trim().trim_end_matches('/').to_string(), Some(e.line)))
            .or(default.map(|d| (d.to_string(), None))),
        None => default.map(|d| (d.to_string(), None)),
    }
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let settings = ctx.facts.get::<ChtSettings>();
    let target = ctx.target();
    let mut hosts: BTreeMap<Option<String>, Vec<&Instance>> = BTreeMap::new();
    for inst in &settings.instances {
        hosts
            .entry(infer_environment(&inst.rel).or(target.environment.clone()))
            .or_default()
            .push(inst);
    }
    let mut j = Judgement::new();
    for group in hosts.values().filter(|g| g.len() > 1) {
        for (i, a) in group.iter().enumerate() {
            let mut clean = true;
            for b in &group[i + 1..] {
                for (key, default) in IDENTITY {
                    let (Some((va, la)), Some((vb, _))) =
                        (value(a, key, default), value(b, key, default))
                    else {
                        continue;
                    };
                    if va != vb {
                        continue;
                    }
                    clean = false;
                    let loc = target.location(&a.rel);
                    let other = target.location(&b.rel).path;
                    let shown = if la.is_some() {
                        format!("{key}={va}")
                    } else {
                        format!("{key} unset (CHT default {va})")
                    };
                    j.fail(
                        format!("{}+{}#{key}", a.rel, b.rel),
                        format!(
                            "CHT instances {} and {other} share {shown} on one host: the second one started takes over or breaks the first. Give each instance its own value.",
                            loc.path
                        ),
                    )
                    .at(match la {
                        Some(l) => loc.with_line(l),
                        None => loc,
                    })
                    .evidence("setting", key)
                    .evidence("value", va.clone())
                    .evidence("instances", vec![target.location(&a.rel).path, other]);
                }
            }
            if clean {
                j.checked(target.location(&a.rel).path);
            }
        }
        if let Some(last) = group.last() {
            j.checked(target.location(&last.rel).path);
        }
    }
    j.finish(
        "CHT instances on one host each have their own project, network, ports and data.",
        "fewer than two CHT instances (.env files of CHT's compose or upgrade service) on one host",
    )
}
