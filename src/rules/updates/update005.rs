//! UPDATE-005 security-updates-not-automatic: Debian and Ubuntu hosts need
//! the `unattended-upgrades` package installed and
//! `APT::Periodic::Unattended-Upgrade "1"` (with `APT::Periodic::Enable` not
//! `0`); RHEL-family hosts need `dnf-automatic-install.timer`, or
//! `dnf-automatic.timer` with `apply_updates = yes`, enabled.

use crate::facts::host_updates::HostUpdates;
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;

const KEY: &str = "APT::Periodic::Unattended-Upgrade";

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let updates = ctx.facts.get::<HostUpdates>();
    let os = match updates.os_release.as_ref().map(|f| &f.content) {
        Some(Ok(os)) => os,
        Some(Err(e)) => return not_evaluated(format!("/etc/os-release: {e}")),
        None => {
            return not_evaluated("no /etc/os-release: which update mechanism applies is unknown");
        }
    };
    let mut j = Judgement::new();
    if os.is_debian_family() {
        debian(ctx, &updates, &mut j);
    } else if os.is_rhel_family() {
        rhel(ctx, &updates, &mut j);
    } else {
        return not_evaluated(format!(
            "{} is neither Debian/Ubuntu nor RHEL-family: rampart does not know its automatic update mechanism",
            os.describe()
        ));
    }
    j.finish("Security updates install automatically.", "")
}

fn debian(ctx: &Ctx, u: &HostUpdates, j: &mut Judgement) {
    let t = ctx.target();
    match &u.dpkg {
        None => {
            j.not_evaluated(
                "dpkg",
                "no /var/lib/dpkg/status: whether unattended-upgrades is installed is unknown",
            );
        }
        Some(f) => match &f.content {
            Err(e) => {
                j.not_evaluated("dpkg", format!("/{}: {e}", f.rel))
                    .at(t.location(&f.rel));
            }
            Ok(p) if !p.has("unattended-upgrades") => {
                j.fail(
                    "package",
                    "The unattended-upgrades package is not installed: security updates wait for someone to run apt. Install it (`apt install unattended-upgrades`) and enable it (`dpkg-reconfigure -plow unattended-upgrades`).",
                )
                .at(t.location(&f.rel))
                .evidence("package", "unattended-upgrades");
            }
            Ok(p) => j.checked(format!(
                "unattended-upgrades {} installed",
                p.installed
                    .get("unattended-upgrades")
                    .map_or("", String::as_str)
            )),
        },
    }
    for (rel, e) in &u.apt.errors {
        j.not_evaluated(format!("apt|{rel}"), format!("/{rel}: {e}"))
            .at(t.location(rel));
    }
    if !u.apt.errors.is_empty() {
        return;
    }
    let enable = u.apt.get("APT::Periodic::Enable");
    if let Some(v) = enable.filter(|v| v.value.trim() == "0") {
        j.fail(
            "periodic-enable",
            "APT::Periodic::Enable is \"0\": apt's periodic jobs, unattended upgrades among them, never run.",
        )
        .at(t.location(&v.rel).with_line(v.line))
        .evidence("setting", "APT::Periodic::Enable")
        .evidence("value", v.value.clone());
    }
    match u.apt.get(KEY) {
        None => {
            j.fail(
                "periodic",
                format!(
                    "{KEY} is not set in /etc/apt/apt.conf or /etc/apt/apt.conf.d (apt's default is off): unattended-upgrades never runs. Set `{KEY} \"1\";` (e.g. /etc/apt/apt.conf.d/20auto-upgrades)."
                ),
            )
            .at_opt(
                Some(t.location("etc/apt/apt.conf.d/20auto-upgrades")),
            )
            .evidence("setting", KEY)
            .evidence("files", u.apt.files.iter().map(|f| format!("/{f}")).collect::<Vec<_>>());
        }
        Some(v) if v.value.trim() == "0" || v.value.trim().is_empty() => {
            j.fail(
                "periodic",
                format!(
                    "{KEY} is {:?}: unattended-upgrades never runs. Set it to \"1\".",
                    v.value
                ),
            )
            .at(t.location(&v.rel).with_line(v.line))
            .evidence("setting", KEY)
            .evidence("value", v.value.clone());
        }
        Some(v) => j.checked(format!("{KEY} \"{}\" (/{}:{})", v.value, v.rel, v.line)),
    }
}

fn rhel(ctx: &Ctx, u: &HostUpdates, j: &mut Judgement) {
    let t = ctx.target();
    let dnf = match &u.dnf {
        Ok(d) => d,
        Err(e) => {
            j.not_evaluated("dnf", e.clone());
            return;
        }
    };
    let Some(timer) = &dnf.enabled_timer else {
        let installed = if dnf.installed {
            "dnf-automatic is installed but its timer is not enabled"
        } else {
            "dnf-automatic is not installed"
        };
        j.fail(
            "dnf-automatic",
            format!(
                "{installed}: security updates wait for someone to run dnf. Install dnf-automatic and run `systemctl enable --now dnf-automatic-install.timer`."
            ),
        )
        .at(t.location("etc/systemd/system/timers.target.wants"));
        return;
    };
    if timer.ends_with("/dnf-automatic.timer") || timer == "dnf-automatic.timer" {
        match dnf.apply_updates {
            Some((true, line)) => j.checked(format!(
                "/{timer} enabled, apply_updates = yes (/etc/dnf/automatic.conf:{line})"
            )),
            Some((false, line)) => {
                j.fail(
                    "dnf-apply",
                    "dnf-automatic.timer is enabled but /etc/dnf/automatic.conf sets apply_updates = no: updates are downloaded, never installed. Set apply_updates = yes or enable dnf-automatic-install.timer.",
                )
                .at(t.location("etc/dnf/automatic.conf").with_line(line));
            }
            None => {
                j.fail(
                    "dnf-apply",
                    "dnf-automatic.timer is enabled but /etc/dnf/automatic.conf does not set apply_updates (default no): updates are downloaded, never installed.",
                )
                .at(t.location("etc/dnf/automatic.conf"));
            }
        }
    } else {
        j.checked(format!("/{timer} enabled"));
    }
}
