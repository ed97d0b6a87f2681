//! ENV-001 secret-shared-across-environments: the same credential value (a
//! CouchDB password, secret or uuid, a Grafana password, any `*password*`,
//! `*secret*`, `*token*`, `*_key` setting, a cookie, a password in a URL)
//! is used by two environments. Values are compared by HMAC under a key
//! drawn at random for the run: the report names the settings, the
//! environments and the file:line of each use — never a value or a hash.

use std::collections::{BTreeMap, BTreeSet};

use super::{Compared, Placed, env_order, gather, peer_items, too_few};
use crate::facts::env_items::Credential;
use crate::outcome::{Judgement, Outcome, Severity, not_applicable};
use crate::rules::Ctx;
use crate::secret::{KeyedHasher, Tag};

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let items = peer_items(ctx);
    let mut j = Judgement::new();
    let g = gather(ctx, &items, &mut j, Compared::Credentials);
    if let Some(why) = too_few(&g.environments) {
        return not_applicable(why);
    }
    let hasher = KeyedHasher::random();
    // Grouped by tag, each group in the order found: sorted by (tag,
    // position), no table or vector per value (a large tree holds hundreds
    // of thousands of credentials, most of them unique). Tags are random
    // per run, so the groups' order is no order at all (findings are
    // sorted by key after the rules).
    let mut tagged: Vec<(Tag, u32)> = g
        .credentials
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let i = u32::try_from(i).expect("fewer than 2^32 credentials");
            (hasher.tag_secret(&c.item.value), i)
        })
        .collect();
    tagged.sort_unstable();
    let groups = tagged
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
        .map(|run| -> Vec<&Placed<Credential>> {
            run.iter()
                .map(|&(_, i)| &g.credentials[i as usize])
                .collect()
        });
    let mut per_env: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &g.credentials {
        *per_env.entry(&*c.env).or_default() += 1;
    }
    for mut uses in groups {
        let envs: BTreeSet<String> = uses.iter().map(|u| u.env.to_string()).collect();
        if envs.len() < 2 {
            continue;
        }
        let order = env_order(ctx.policy, &envs);
        uses.sort_by(|a, b| {
            let rank = |e: &str| order.iter().position(|o| o == e);
            (rank(&a.env), &a.location).cmp(&(rank(&b.env), &b.location))
        });
        let names: BTreeSet<&str> = uses.iter().map(|u| &*u.item.item).collect();
        let names = names.into_iter().collect::<Vec<_>>().join(", ");
        let listed: Vec<String> = uses
            .iter()
            .map(|u| format!("{}: {} ({})", u.env, u.location.at(), u.item.item))
            .collect();
        let key: Vec<String> = uses
            .iter()
            .map(|u| [&*u.env, ":", u.location.path(), "#", &u.item.item].concat())
            .collect();
        let production = order.iter().any(|e| ctx.policy.is_production(Some(e)));
        j.fail(
            key.join("|"),
            format!(
                "{names} has the same value in {} ({}): whoever holds one environment's credentials holds the other's. Give each environment its own.",
                order.join(" and "),
                listed.join("; ")
            ),
        )
        .at(uses[0].location.location())
        .severity(if production { Severity::Critical } else { Severity::High })
        .evidence("item", names.clone())
        .evidence("environments", order)
        .evidence("uses", listed);
    }
    for (env, n) in per_env {
        j.checked(format!("{env}: {n} credential value(s)"));
    }
    j.pass_evidence("environments", env_order(ctx.policy, &g.environments));
    j.finish(
        "No credential value is shared between environments.",
        "no credential-like values in any environment",
    )
}
