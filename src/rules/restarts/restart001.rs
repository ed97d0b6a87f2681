//! RESTART-001 service-not-restarted: a CHT compose service — couchdb, api,
//! sentinel, nginx, haproxy, healthcheck, upgrade-service, and the services
//! of cht-sync and CHT Watchdog — has no `restart:` policy, or `no` /
//! `on-failure`: docker starts only `always` and `unless-stopped`
//! containers when the daemon starts after a reboot. `deploy.restart_policy`
//! with `condition: any` counts when `restart:` is unset.

use crate::facts::compose::{ComposeProjects, Service, image_name};
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;
use crate::target::Source;

/// Image names of CHT's services and the tools around them.
const CHT_IMAGES: [&str; 16] = [
    "cht-couchdb",
    "cht-api",
    "cht-sentinel",
    "cht-nginx",
    "cht-haproxy",
    "cht-haproxy-healthcheck",
    "cht-upgrade-service",
    "cht-couchdb-nouveau",
    "couchdb",
    "cht-sync",
    "couch2pg",
    "dataemon",
    "cht-watchdog",
    "prometheus",
    "grafana",
    "json-exporter",
];
const CHT_SERVICES: [&str; 10] = [
    "couchdb",
    "api",
    "sentinel",
    "nginx",
    "haproxy",
    "healthcheck",
    "haproxy-healthcheck",
    "cht-upgrade-service",
    "upgrade-service",
    "couchdb-nouveau",
];

fn is_cht(svc: &Service) -> bool {
    let name = svc.name.to_ascii_lowercase();
    let image = svc
        .image
        .as_ref()
        .map(|i| image_name(&i.raw).to_ascii_lowercase())
        .unwrap_or_default();
    CHT_IMAGES.contains(&image.as_str())
        || image.starts_with("cht-")
        || CHT_SERVICES.contains(&name.as_str())
        || name.starts_with("couchdb")
        || name.starts_with("cht-")
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    if matches!(ctx.target().source, Source::Host(_)) {
        return not_applicable(
            "the compose files of the CHT installs on this host are judged on its derived tree target (#cht)",
        );
    }
    let projects = ctx.facts.get::<ComposeProjects>();
    let target = ctx.target();
    let mut j = Judgement::new();
    for p in &projects.projects {
        if crate::facts::inventory::is_example(&p.rel) {
            continue;
        }
        // The project file's location, found once for its services.
        let mut project_loc = None;
        for svc in p.file.services.iter().filter(|s| is_cht(s)) {
            let loc = project_loc
                .get_or_insert_with(|| target.location(&p.rel))
                .clone();
            let key = format!("{}#{}", p.rel, svc.name);
            let (policy, line) = match (&svc.restart, &svc.deploy_restart) {
                (Some(r), _) => match p.vars.resolve(r) {
                    Ok(i) => (Some(i.value), r.line),
                    Err(_) => {
                        j.not_evaluated(
                            key,
                            format!(
                                "{}: service {}: restart: cannot be interpolated",
                                loc.path, svc.name
                            ),
                        )
                        .at(loc.with_line(r.line));
                        continue;
                    }
                },
                (None, Some(d)) => {
                    let cond = p.vars.resolve(d).map(|i| i.value).unwrap_or_default();
                    (
                        Some(if cond == "any" {
                            "always".to_string()
                        } else {
                            cond
                        }),
                        d.line,
                    )
                }
                (None, None) => (None, svc.line),
            };
            match policy.as_deref() {
                Some("always" | "unless-stopped") => j.checked_with(|| {
                    format!("{} {}: {}", loc.path, svc.name, policy.unwrap_or_default())
                }),
                other => {
                    let what = match other {
                        None => "has no restart policy (docker's default is `no`)".to_string(),
                        Some(v) => format!("restarts `{v}`"),
                    };
                    j.fail(
                        key,
                        format!(
                            "Compose service {} {what}: after a power cut or reboot docker leaves it stopped and the CHT stays down. Set `restart: always` (or `unless-stopped`).",
                            svc.name
                        ),
                    )
                    .at(loc.with_line(line))
                    .evidence("service", svc.name.as_str());
                }
            }
        }
    }
    j.finish(
        "Every CHT compose service restarts after a reboot.",
        "no CHT compose service in this tree",
    )
}
