//! ENV-004 non-production-references-production: a development, test or UAT
//! configuration names a host production serves — it talks to production's
//! database or API, or presents itself under production's name (a `.env`
//! copied from production).

use super::{Compared, gather, no_production, peer_items, served, too_few};
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
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
        .filter(|h| !ctx.policy.is_production(Some(&h.env)))
    {
        let prod: Vec<_> = served
            .get(h.item.host.as_str())
            .into_iter()
            .flatten()
            .filter(|s| ctx.policy.is_production(Some(&s.env)))
            .collect();
        let Some(first) = prod.first() else {
            j.checked([&*h.env, " ", &*h.item.setting, " ", &*h.item.host].concat());
            continue;
        };
        let how = match h.item.role {
            crate::facts::env_items::Role::Serves => "presents itself as",
            crate::facts::env_items::Role::References => "points at",
        };
        j.fail(
            format!("{}#{}#{}", h.location.path(), h.item.setting, h.item.host),
            format!(
                "{}'s {} ({}) {how} {}, which production serves ({}): a non-production environment must never reach or impersonate production.",
                h.env,
                h.item.setting,
                h.location.at(),
                h.item.host,
                first.location.at()
            ),
        )
        .at(h.location.location())
        .evidence("item", h.item.host.clone())
        .evidence("environments", vec![first.env.to_string(), h.env.to_string()])
        .evidence(
            "uses",
            vec![
                format!("{}: {} ({})", first.env, first.location.at(), first.item.setting),
                format!("{}: {} ({})", h.env, h.location.at(), h.item.setting),
            ],
        );
    }
    j.finish(
        "No non-production environment references a production host.",
        "no host names outside production",
    )
}
