//! UPDATE-006 reboot-pending: `/var/run/reboot-required` exists: updated
//! packages (a kernel, libc, openssl) wait for a reboot and the old, vulnerable
//! code is still what runs. Reported with the packages of
//! `reboot-required.pkgs` and the file's age.

use crate::facts::host_updates::HostUpdates;
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let updates = ctx.facts.get::<HostUpdates>();
    let reboot = match &updates.reboot {
        Ok(r) => r,
        Err(e) => return not_evaluated(e.clone()),
    };
    let debian = matches!(
        updates.os_release.as_ref().map(|f| &f.content),
        Some(Ok(os)) if os.is_debian_family()
    );
    let mut j = Judgement::new();
    match reboot {
        Some(r) => {
            let age = r.since.map(|d| (ctx.today.days() - d.days()).max(0));
            let since = match (r.since, age) {
                (Some(d), Some(a)) => format!(" since {d} ({a} days)"),
                _ => String::new(),
            };
            let pkgs = if r.packages.is_empty() {
                String::new()
            } else {
                format!(" for {}", r.packages.join(", "))
            };
            j.fail(
                "reboot-required",
                format!(
                    "A reboot is pending{pkgs}{since}: the updated code is installed but the old code still runs. Schedule a reboot (or Unattended-Upgrade::Automatic-Reboot with a time)."
                ),
            )
            .at(ctx.target().location(&r.rel))
            .evidence("packages", r.packages.clone())
            .evidence("since", r.since.map(|d| d.to_string()))
            .evidence("age_days", age);
        }
        None if debian => j.checked("no /var/run/reboot-required".to_string()),
        None => {
            return not_evaluated(
                "only Debian and Ubuntu announce a pending reboot in /var/run/reboot-required; rampart runs no program (needs-restarting) to ask other systems",
            );
        }
    }
    j.finish("No reboot is pending after updates.", "")
}
