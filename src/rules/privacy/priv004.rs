//! PRIV-004 host-control-mounted: a container mounts the docker (or podman)
//! socket or the host's `/`: whoever controls it controls the host and every
//! CHT volume. CHT's upgrade service needs the socket by design: reported as
//! a pass with a note, not silently.

use crate::facts::compose::{ComposeProjects, MountKind, image_name};
use crate::facts::yaml::Node;
use crate::facts::{Kind, Parsed};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

const SOCKETS: [&str; 4] = [
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
];

fn what(source: &str) -> Option<&'static str> {
    let s = source.trim_end_matches('/');
    if SOCKETS.contains(&source) {
        Some("the container engine's socket")
    } else if s.is_empty() && source.starts_with('/') {
        Some("the host's root filesystem /")
    } else {
        None
    }
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let projects = ctx.facts.get::<ComposeProjects>();
    let target = ctx.target();
    let mut j = Judgement::new();
    for p in &projects.projects {
        for svc in &p.file.services {
            let upgrade = svc
                .image
                .as_ref()
                .is_some_and(|i| image_name(&i.raw) == "cht-upgrade-service");
            for m in svc.mounts.iter().filter(|m| m.kind == MountKind::Bind) {
                let Some(src) = &m.source else { continue };
                let src = p
                    .vars
                    .resolve(&crate::facts::compose::Text {
                        raw: src.clone(),
                        line: m.line,
                    })
                    .map(|i| i.value)
                    .unwrap_or_else(|_| src.to_string());
                let Some(w) = what(&src) else {
                    j.checked(format!("{} {}: {src}", p.rel, svc.name));
                    continue;
                };
                let loc = target.location(&p.rel).with_line(m.line);
                if upgrade && w.contains("socket") {
                    j.checked(format!(
                        "{} {}: mounts {src} — CHT's upgrade service needs the docker socket by design (it restarts CHT's containers); keep its port unpublished",
                        loc.path, svc.name
                    ));
                    continue;
                }
                j.fail(
                    format!("{}#{}#{src}", p.rel, svc.name),
                    format!(
                        "Service {} mounts {w} ({src}): whoever controls this container controls the host, every container and every CHT volume. Remove the mount, or use a socket proxy that allows only what the service needs.",
                        svc.name
                    ),
                )
                .at(loc)
                .evidence("service", svc.name.as_str())
                .evidence("mount", src.clone());
            }
        }
    }
    for doc in ctx.facts.docs_of(Kind::K8s) {
        let Ok(Parsed::K8s(objects)) = &doc.content else {
            continue;
        };
        for o in objects {
            let spec = match o.kind.as_str() {
                "Pod" => o.node.get("spec"),
                "CronJob" => o
                    .node
                    .path(&["spec", "jobTemplate", "spec", "template", "spec"]),
                _ => o.node.path(&["spec", "template", "spec"]),
            };
            let Some(spec) = spec else { continue };
            for v in spec.get("volumes").map(Node::items).unwrap_or_default() {
                let Some(path) = v.path(&["hostPath", "path"]).and_then(Node::as_str) else {
                    continue;
                };
                let name = o.name.clone().unwrap_or_default();
                match what(path) {
                    Some(w) => {
                        j.fail(
                            format!("{}#{}/{name}#{path}", doc.rel, o.kind),
                            format!("{} {name} mounts {w} ({path}) as a hostPath volume: it controls the node. Remove it.", o.kind),
                        )
                        .at(target.location(&doc.rel).with_line(v.line));
                    }
                    None => j.checked(format!("{} {} {name}: hostPath {path}", doc.rel, o.kind)),
                }
            }
        }
    }
    j.finish(
        "No container mounts the container engine's socket or the host's root (CHT's upgrade service excepted by design).",
        "no container mounts a host path",
    )
}
