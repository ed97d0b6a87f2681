//! RESTART-003 data-mount-not-persistent: a filesystem holding CHT data is
//! mounted now (`/proc/mounts`) but nothing mounts it at boot: no
//! `/etc/fstab` line (or only a `noauto` one) and no enabled systemd
//! `.mount` unit for its mount point. After a reboot CouchDB starts on the
//! empty directory underneath and the CHT comes up with no data.

use std::collections::BTreeMap;

use crate::facts::cht_data::ChtDataDirs;
use crate::facts::systemd::{Systemd, mount_unit_name};
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;

/// Filesystems the kernel or systemd provide by themselves.
const VIRTUAL: [&str; 8] = [
    "proc", "sysfs", "tmpfs", "devtmpfs", "overlay", "cgroup2", "devpts", "squashfs",
];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let data = ctx.facts.get::<ChtDataDirs>();
    let sd = ctx.facts.get::<Systemd>();
    let target = ctx.target();
    let mut j = Judgement::new();
    let mut mounts: BTreeMap<String, (String, String, String, u32, Vec<String>)> = BTreeMap::new();
    for d in &data.dirs {
        let Some(loc) = &d.located else { continue };
        let Some(m) = &loc.mount else {
            j.not_evaluated(
                d.path.clone(),
                format!("{}: {}", d.path, loc.backing.text()),
            );
            continue;
        };
        if m.rel != "proc/mounts" {
            j.checked(format!(
                "{} is on {} (from /{}: mounted at boot)",
                d.path, m.target, m.rel
            ));
            continue;
        }
        if m.target == "/" || VIRTUAL.contains(&m.fstype.as_str()) {
            j.checked(format!("{} is on {} ({})", d.path, m.target, m.fstype));
            continue;
        }
        mounts
            .entry(m.target.clone())
            .or_insert_with(|| {
                (
                    m.source.clone(),
                    m.fstype.clone(),
                    m.rel.clone(),
                    m.line,
                    Vec::new(),
                )
            })
            .4
            .push(d.path.clone());
    }
    for (point, (source, fstype, rel, line, dirs)) in mounts {
        let unit = mount_unit_name(&point);
        let automount = unit.replace(".mount", ".automount");
        match sd.unit(&unit) {
            Some(u) if u.enabled() => {
                j.checked(format!("{point}: {unit} ({})", u.enabled_by.join(", ")));
                continue;
            }
            _ if sd.is_enabled(&automount) => {
                j.checked(format!("{point}: {automount} is enabled"));
                continue;
            }
            Some(u) => {
                let why = if u.masked.is_some() {
                    format!("its unit {unit} is masked")
                } else if u.path == "etc/fstab" {
                    "its /etc/fstab line says noauto".to_string()
                } else {
                    format!("/{} is not enabled", u.path)
                };
                j.fail(
                    point.clone(),
                    format!(
                        "{point} ({source}, {fstype}) holds CHT data ({}) and is mounted now, but {why}: after a reboot it is not mounted and CouchDB starts on an empty directory. Mount it at boot (an /etc/fstab line with `nofail`).",
                        dirs.join(", ")
                    ),
                )
                .at(target.location(&rel).with_line(line))
                .evidence("mount_point", point.clone());
            }
            None => {
                j.fail(
                    point.clone(),
                    format!(
                        "{point} ({source}, {fstype}) holds CHT data ({}) and is mounted now, but no /etc/fstab line and no systemd {unit} mounts it at boot: after a power cut CouchDB starts on the empty directory underneath and the CHT comes up with no data. Add it to /etc/fstab by UUID (with `nofail`).",
                        dirs.join(", ")
                    ),
                )
                .at(target.location(&rel).with_line(line))
                .evidence("mount_point", point.clone())
                .evidence("source", source.clone());
            }
        }
    }
    if data.dirs.iter().all(|d| d.located.is_none()) && data.installs.is_empty() {
        return not_applicable("no CHT data directory on this host");
    }
    j.finish(
        "Every filesystem holding CHT data is mounted at boot.",
        "no CHT data directory on this host",
    )
}
