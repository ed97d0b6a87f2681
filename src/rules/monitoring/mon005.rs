//! MON-005 watchdog-on-monitored-host: Watchdog runs beside the instance it
//! watches — its Prometheus or Grafana in the same compose project as CHT's
//! services, or an instance list that targets the monitoring host itself
//! (`localhost`, `127.0.0.1`, `host.docker.internal`): when that host goes
//! down, the alert goes down with it. On a host: a Prometheus or Grafana
//! process listening (on any interface) on a host that runs CHT (a CHT
//! install found on it, or CouchDB's or the CHT API's port listening).

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use crate::facts::cht_data::ChtDataDirs;
use crate::facts::env_items::host_of;
use crate::facts::grafana::Monitoring;
use crate::facts::images::Images;
use crate::facts::sockets::{Listener, Sockets};
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;
use crate::target::TargetKind;

/// Watchdog's servers: what each is, its default port, and the process
/// names that are it.
const WATCHDOG: [(&str, u16, &[&str]); 2] = [
    ("Prometheus", 9090, &["prometheus"]),
    ("Grafana", 3000, &["grafana", "grafana-server"]),
];

/// CHT's own listeners: CouchDB and the CHT API.
const CHT_PORTS: [(u16, &str); 2] = [(5984, "CouchDB"), (5988, "the CHT API")];

const SELF: [&str; 5] = [
    "localhost",
    "127.0.0.1",
    "::1",
    "host.docker.internal",
    "0.0.0.0",
];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    if ctx.target().kind == TargetKind::Host {
        return host(ctx);
    }
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
        instance_of.entry(&*i.rel).or_insert(&*i.instance);
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
                let mut files: Vec<String> = files
                    .iter()
                    .map(|f| t.location(f).path.to_string())
                    .collect();
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

/// Which Watchdog server a listener's process is, if it is one.
fn watchdog_server(l: &Listener) -> Option<&'static str> {
    let name = l.process.as_ref()?.name.to_ascii_lowercase();
    WATCHDOG
        .iter()
        .find(|(_, _, names)| names.contains(&name.as_str()))
        .map(|(what, _, _)| *what)
}

fn host(ctx: &Ctx) -> Vec<Outcome> {
    let sockets = ctx.facts.get::<Sockets>();
    if let Some(why) = sockets.unusable() {
        return not_evaluated(why);
    }
    let t = ctx.target();
    let tcp = || sockets.listeners.iter().filter(|l| l.proto == "tcp");
    // What says CHT runs here: its installs, then its listeners.
    let data = ctx.facts.get::<ChtDataDirs>();
    let mut cht: Vec<String> = data
        .installs
        .iter()
        .map(|d| format!("CHT install /{d}"))
        .collect();
    for l in tcp() {
        if let Some((_, what)) = CHT_PORTS.iter().find(|(p, _)| *p == l.port) {
            cht.push(format!("{what} listening on {}", l.address()));
        }
    }
    cht.dedup();
    let mut j = Judgement::new();
    for l in tcp() {
        let loc = t.location(l.rel).with_line(l.line);
        match watchdog_server(l) {
            Some(what) if cht.is_empty() => j.checked(format!(
                "{what} ({}) on {}: no CHT install or CHT listener on this host",
                sockets.owner_text(l),
                l.address()
            )),
            Some(what) => {
                j.fail(
                    format!("host|{what}|{}", l.address()),
                    format!(
                        "{what} ({}) listens on {} on the same host as the CHT instance it may watch ({}): when the host fails, the alert fails with it. Run CHT Watchdog on a separate server.",
                        sockets.owner_text(l),
                        l.address(),
                        cht.join(", ")
                    ),
                )
                .at(loc)
                .evidence("address", l.address())
                .evidence("process", sockets.owner_text(l))
                .evidence("cht", cht.clone());
            }
            // The owner of a socket on Watchdog's default port is unknown
            // (not root): whether Watchdog runs beside CHT is unknown.
            None if l.process.is_none() && !cht.is_empty() => {
                if let Some((what, port, _)) = WATCHDOG.iter().find(|(_, p, _)| *p == l.port) {
                    j.not_evaluated(
                        format!("host|{what}|{}", l.address()),
                        format!(
                            "port {port} ({what}'s default) listens on {} on a host that runs CHT ({}); its owner is {}",
                            l.address(),
                            cht.join(", "),
                            sockets.owner_text(l)
                        ),
                    )
                    .at(loc);
                }
            }
            None => {}
        }
    }
    j.finish(
        "No Prometheus or Grafana of CHT Watchdog runs on this host beside CHT.",
        "no Prometheus or Grafana process listens on this host",
    )
}
