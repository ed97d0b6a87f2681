//! MON-005 watchdog-on-monitored-host: Watchdog runs beside the instance it
//! watches — its Prometheus or Grafana in the same compose project as CHT's
//! services, or an instance list that targets the monitoring host itself
//! (`localhost`, `127.0.0.1`, `host.docker.internal`): when that host goes
//! down, the alert goes down with it.

use std::collections::{BTreeMap, HashMap};

use crate::facts::env_items::host_of;
use crate::facts::grafana::Monitoring;
use crate::facts::images::Images;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

const SELF: [&str; 5] = [
    "localhost",
    "127.0.0.1",
    "::1",
    "host.docker.internal",
    "0.0.0.0",
];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let m = ctx.facts.get::<Monitoring>();
    let images = ctx.facts.get::<Images>();
    let t = ctx.target();
    let mut j = Judgement::new();
    // Compose instances that run CHT services: instance → compose files.
    let mut cht_instances: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for i in images
        .images
        .iter()
        .filter(|i| i.component.carries_cht_version())
    {
        cht_instances.entry(&i.instance).or_default().push(&i.rel);
    }
    // Each compose file's instance (its first image's), found once: not a
    // pass over every image for every service.
    let mut instance_of: HashMap<&str, &str> = HashMap::new();
    for i in &images.images {
        instance_of
            .entry(i.rel.as_str())
            .or_insert(i.instance.as_str());
    }
    for s in m
        .services
        .iter()
        .filter(|s| matches!(s.what, "grafana" | "prometheus"))
    {
        let instance = instance_of.get(s.rel.as_str()).copied();
        let shares = instance.and_then(|inst| cht_instances.get(inst).map(|f| (inst, f)));
        match shares {
            Some((inst, files)) => {
                let mut files: Vec<String> = files.iter().map(|f| t.location(f).path).collect();
                files.sort();
                files.dedup();
                j.fail(
                    format!("beside|{}|{}", s.rel, s.service),
                    format!(
                        "Watchdog's {} (service {}) runs in the same {inst} as the CHT services it watches ({}): when the host fails, the alert fails with it. Run Watchdog on a separate server.",
                        s.what,
                        s.service,
                        files.join(", ")
                    ),
                )
                .at(t.location(&s.rel).with_line(s.line));
            }
            None => j.checked(format!(
                "{}: {} runs apart from CHT",
                t.location(&s.rel).path,
                s.service
            )),
        }
    }
    for (rel, targets) in &m.instance_lists {
        for (target, line) in targets {
            let host = host_of(target).unwrap_or_default();
            if SELF.contains(&host.as_str()) {
                j.fail(
                    format!("self|{rel}|{host}"),
                    format!(
                        "The Watchdog instance list targets {host}, the monitoring host itself: Watchdog and the instance share a host, and an outage silences both. Run Watchdog on a separate server and target the instance's public URL."
                    ),
                )
                .at(t.location(rel).with_line(*line));
            } else {
                j.checked(format!("{}: {host}", t.location(rel).path));
            }
        }
    }
    j.finish(
        "Watchdog runs apart from the instances it watches.",
        "no CHT Watchdog (instance list, Prometheus or Grafana service) in the files",
    )
}
