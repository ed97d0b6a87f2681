//! ENV-007 certificate-shared-across-environments: certificates in two
//! environments carry the same public key, so one key pair serves both — a
//! development or UAT host holding it can impersonate production. Compared
//! by the hash of the SubjectPublicKeyInfo; CA certificates are not counted.

use std::collections::{BTreeMap, BTreeSet};

use super::{Compared, Placed, env_order, gather, peer_items, too_few};
use crate::facts::env_items::KeyPair;
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let items = peer_items(ctx);
    let mut j = Judgement::new();
    let g = gather(ctx, &items, &mut j, Compared::KeyPairs);
    if let Some(why) = too_few(&g.environments) {
        return not_applicable(why);
    }
    let mut by_key: BTreeMap<&str, Vec<&Placed<KeyPair>>> = BTreeMap::new();
    for k in &g.key_pairs {
        by_key
            .entry(k.item.spki_sha256.as_str())
            .or_default()
            .push(k);
    }
    for (_, mut uses) in by_key {
        let envs: BTreeSet<String> = uses.iter().map(|u| u.env.to_string()).collect();
        if envs.len() < 2 {
            for u in &uses {
                j.checked(format!("{}: {}", u.env, u.location.at()));
            }
            continue;
        }
        let order = env_order(ctx.policy, &envs);
        uses.sort_by(|a, b| {
            let rank = |e: &str| order.iter().position(|o| o == e);
            (rank(&a.env), &a.location).cmp(&(rank(&b.env), &b.location))
        });
        let listed: Vec<String> = uses
            .iter()
            .map(|u| format!("{}: {} ({})", u.env, u.location.at(), u.item.name))
            .collect();
        let names: BTreeSet<&str> = uses.iter().map(|u| u.item.name.as_str()).collect();
        j.fail(
            uses.iter()
                .map(|u| format!("{}:{}", u.env, u.location.path()))
                .collect::<Vec<_>>()
                .join("|"),
            format!(
                "the same TLS key pair serves {} ({}): whoever holds the key in one environment can impersonate the other. Issue a certificate with a new key for each environment.",
                order.join(" and "),
                listed.join("; ")
            ),
        )
        .at(uses[0].location.location())
        .evidence("item", format!("key pair of {}", names.into_iter().collect::<Vec<_>>().join(", ")))
        .evidence("environments", order)
        .evidence("uses", listed);
    }
    j.finish(
        "No key pair serves two environments.",
        "no certificates in any environment",
    )
}
