//! MON-001 production-not-monitored: a production CHT instance (its
//! `app_url`, `COMMON_NAME`, ingress host) is in no Watchdog
//! `cht-instances.yml`. A tree that holds Watchdog lists is judged on its
//! own; the instances of trees without one are judged by the environments
//! target against every Watchdog list of the scan.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::Facts;
use crate::facts::env_items::{EnvItems, Role, host_of};
use crate::facts::grafana::Monitoring;
use crate::outcome::{Judgement, Location, Outcome, not_applicable};
use crate::rules::Ctx;
use crate::target::TargetKind;

/// The production hosts a target serves (`items` are its environment
/// items): host → (setting, location), borrowed from the items.
fn production_hosts<'i>(
    ctx: &Ctx,
    facts: &Facts,
    items: &'i EnvItems,
) -> BTreeMap<&'i str, (&'i str, Location)> {
    let mut out = BTreeMap::new();
    for (h, doc) in items.hosts_in_docs() {
        if h.role != Role::Serves || h.defaulted || h.host == "localhost" {
            continue;
        }
        let env = facts.environment_in(ctx.policy, doc, &h.rel);
        if !ctx.policy.is_production(env.as_deref()) {
            continue;
        }
        let mut loc = facts.location_in(doc, &h.rel);
        loc.line = h.line;
        out.entry(h.host.as_str()).or_insert((&*h.setting, loc));
    }
    out
}

/// The hosts a target's Watchdog lists watch.
fn watched(facts: &Facts, into: &mut BTreeSet<String>, lists: &mut Vec<String>) {
    let m = facts.get::<Monitoring>();
    for (rel, targets) in &m.instance_lists {
        lists.push(facts.location(rel).path.to_string());
        into.extend(targets.iter().filter_map(|(t, _)| host_of(t)));
    }
}

fn has_lists(facts: &Facts) -> bool {
    let m = facts.get::<Monitoring>();
    !m.instance_lists.is_empty() || !m.broken_lists.is_empty()
}

/// Instance lists named in a finding; past this, the first ones and a count
/// (a fleet repository holds one list per site: naming them all in every
/// finding made the report grow with the square of the tree).
const LISTS_NAMED: usize = 10;

fn judge(
    j: &mut Judgement,
    hosts: &BTreeMap<&str, (&str, Location)>,
    watched: &BTreeSet<String>,
    lists: &[String],
) {
    let named = if lists.is_empty() {
        "none in the scan".to_string()
    } else if lists.len() <= LISTS_NAMED {
        lists.join(", ")
    } else {
        format!(
            "{} and {} more",
            lists[..LISTS_NAMED].join(", "),
            lists.len() - LISTS_NAMED
        )
    };
    let shown = &lists[..lists.len().min(LISTS_NAMED)];
    for (host, (setting, loc)) in hosts {
        if watched.contains(*host) {
            j.checked_with(|| format!("{host} ({setting}) is watched"));
            continue;
        }
        let f = j.fail(
            format!("unmonitored|{host}"),
            format!(
                "The production instance {host} ({setting}) is in no CHT Watchdog instance list ({named}): nobody is alerted when it goes down, fills its disk or stops replicating. Add it to cht-instances.yml.",
            ),
        );
        f.at(loc.clone())
            .evidence("host", *host)
            .evidence("setting", *setting)
            .evidence("instance_lists", shown.to_vec());
        if shown.len() < lists.len() {
            f.evidence("instance_lists_total", lists.len());
        }
    }
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    let mut seen = BTreeSet::new();
    let mut lists = Vec::new();
    if ctx.target().kind == TargetKind::Env {
        let peers: Vec<&Facts> = ctx
            .facts
            .peers
            .iter()
            .filter(|f| f.target.root().is_some())
            .collect();
        for f in &peers {
            watched(f, &mut seen, &mut lists);
            report_broken(&mut j, f);
        }
        let items: Vec<(std::sync::Arc<EnvItems>, &Facts)> = peers
            .iter()
            .filter(|f| !has_lists(f))
            .map(|f| (f.get::<EnvItems>(), *f))
            .collect();
        let mut hosts = BTreeMap::new();
        for (it, f) in &items {
            for (h, v) in production_hosts(ctx, f, it) {
                hosts.entry(h).or_insert(v);
            }
        }
        judge(&mut j, &hosts, &seen, &lists);
        return j.finish(
            "Every production CHT instance of the scan is in a Watchdog instance list.",
            "no production CHT instance (app_url, COMMON_NAME, ingress host) outside trees that carry their own Watchdog list",
        );
    }
    if !has_lists(ctx.facts) {
        return not_applicable(
            "no CHT Watchdog cht-instances.yml in this tree; production instances are judged against every Watchdog list of the scan by the environments comparison",
        );
    }
    watched(ctx.facts, &mut seen, &mut lists);
    report_broken(&mut j, ctx.facts);
    let items = ctx.facts.get::<EnvItems>();
    judge(
        &mut j,
        &production_hosts(ctx, ctx.facts, &items),
        &seen,
        &lists,
    );
    j.finish(
        "Every production CHT instance of the tree is in its Watchdog instance list.",
        "no production CHT instance (app_url, COMMON_NAME, ingress host) in the tree",
    )
}

fn report_broken(j: &mut Judgement, facts: &Facts) {
    let m = facts.get::<Monitoring>();
    for (rel, e) in &m.broken_lists {
        let loc = facts.location(rel);
        j.not_evaluated(
            format!("{}#{rel}", facts.target.id),
            format!("{}: {e}; the instances it lists are unknown", loc.path),
        )
        .at(loc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_failure(lists: usize) -> Outcome {
        let mut hosts = BTreeMap::new();
        let loc = Location {
            path: "deploy/prod/.env".into(),
            line: Some(3),
            uri: "deploy/prod/.env".into(),
        };
        hosts.insert("cht.example.org", ("COMMON_NAME", loc));
        let lists: Vec<String> = (0..lists)
            .map(|i| format!("site-{i:02}/list.yml"))
            .collect();
        let mut j = Judgement::new();
        judge(&mut j, &hosts, &BTreeSet::new(), &lists);
        j.finish("", "").remove(0)
    }

    #[test]
    fn names_every_list_up_to_the_bound() {
        let o = one_failure(LISTS_NAMED);
        assert!(o.message.contains("site-09/list.yml):"), "{}", o.message);
        assert!(!o.message.contains("more"));
        let json = serde_json::to_string(&o.evidence).unwrap();
        assert!(!json.contains("instance_lists_total"), "{json}");
    }

    #[test]
    fn names_the_first_lists_and_counts_the_rest() {
        let o = one_failure(LISTS_NAMED + 5);
        assert!(
            o.message.contains("site-09/list.yml and 5 more)"),
            "{}",
            o.message
        );
        assert!(!o.message.contains("site-10"), "{}", o.message);
        let json = serde_json::to_string(&o.evidence).unwrap();
        assert!(json.contains("\"instance_lists_total\":15"), "{json}");
        assert!(!json.contains("site-10"), "{json}");
    }
}
