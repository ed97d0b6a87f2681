//! RESTART-002 container-engine-not-enabled: the host runs CHT in
//! containers (a CHT install is found) but no container engine starts at
//! boot: `docker.service` and `docker.socket` (or snap's
//! `snap.docker.dockerd.service`, podman's `podman-restart.service`) are
//! neither enabled (a `*.wants/` link) nor left unmasked.

use crate::facts::cht_data::ChtDataDirs;
use crate::facts::systemd::Systemd;
use crate::outcome::{Judgement, Outcome, not_applicable, not_evaluated};
use crate::rules::Ctx;

const ENGINES: [&str; 5] = [
    "docker.service",
    "docker.socket",
    "snap.docker.dockerd.service",
    "podman-restart.service",
    "containerd.service",
];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let data = ctx.facts.get::<ChtDataDirs>();
    if data.installs.is_empty() {
        return not_applicable("no CHT install (compose files, upgrade service) on this host");
    }
    let sd = ctx.facts.get::<Systemd>();
    if !sd.has_systemd {
        return not_evaluated(
            "no systemd unit directory under the root (/etc/systemd/system, /usr/lib/systemd/system): how the container engine starts is not known from files",
        );
    }
    let target = ctx.target();
    let mut j = Judgement::new();
    let found: Vec<_> = ENGINES.iter().filter_map(|n| sd.unit(n)).collect();
    // containerd alone does not restart docker's containers.
    if let Some(u) = found
        .iter()
        .find(|u| u.enabled() && u.name != "containerd.service")
    {
        j.checked(format!(
            "{} is enabled ({})",
            u.name,
            u.enabled_by.join(", ")
        ));
        return j.finish("The container engine starts at boot.", "");
    }
    if found.is_empty() {
        return not_evaluated(format!(
            "no docker or podman unit under the root ({}): how CHT's containers start at boot is not known from files",
            ENGINES.join(", ")
        ));
    }
    for u in found.iter().filter(|u| u.name != "containerd.service") {
        let why = match &u.masked {
            Some(m) => format!("masked (/{m} links to /dev/null)"),
            None => "not enabled (no *.wants/ link)".to_string(),
        };
        j.fail(
            u.name.clone(),
            format!(
                "{} is {why}: after a power cut the container engine does not start, so CHT's containers stay down until someone logs in. Run `systemctl unmask {} && systemctl enable {}`.",
                u.name, u.name, u.name
            ),
        )
        .at(target.location(u.masked.as_deref().unwrap_or(&u.path)))
        .evidence("unit", u.name.clone());
    }
    j.finish("", "")
}
