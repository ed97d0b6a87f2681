//! BACKUP-003 backup-on-same-device: a local destination of a backup of CHT
//! data lives on the block device that holds the data itself — the same
//! filesystem, another partition of the same disk, or another logical
//! volume of the same LVM volume group — so one disk failure takes both.

use crate::facts::backup::Place;
use crate::facts::blockdev::Located;
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;
use crate::rules::backups::{describe, host_scope};

/// The disk a mount source lives on, as far as its name says: `/dev/sda2`
/// → `sda`, `/dev/nvme0n1p3` → `nvme0n1`, `/dev/mapper/vg0-data` → `vg0`
/// (the volume group), else the source itself.
pub fn disk_of(source: &str) -> String {
    let name = source.trim_start_matches("/dev/");
    if let Some(dm) = name.strip_prefix("mapper/") {
        // LVM names double a `-` inside a VG or LV name.
        let b = dm.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'-' {
                if b.get(i + 1) == Some(&b'-') {
                    i += 2;
                    continue;
                }
                return format!("vg:{}", dm[..i].replace("--", "-"));
            }
            i += 1;
        }
        return format!("dm:{dm}");
    }
    if (name.starts_with("nvme") || name.starts_with("mmcblk"))
        && let Some(p) = name.rfind('p')
    {
        let (disk, part) = name.split_at(p);
        if part.len() > 1 && part[1..].bytes().all(|c| c.is_ascii_digit()) {
            return disk.to_string();
        }
        return name.to_string();
    }
    if name.starts_with("sd")
        || name.starts_with("vd")
        || name.starts_with("xvd")
        || name.starts_with("hd")
    {
        return name
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_string();
    }
    source.to_string()
}

fn device(l: &Located) -> Option<(String, String)> {
    l.mount
        .as_ref()
        .map(|m| (m.source.clone(), m.target.clone()))
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let scope = match host_scope(ctx) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let cmds = scope.cht_commands();
    if cmds.is_empty() {
        return not_applicable("no backup of CHT data found (BACKUP-001 reports it)");
    }
    let target = ctx.target();
    let mut j = Judgement::new();
    for (job, cmd, covered) in &cmds {
        for d in &cmd.dests {
            let Place::Local { path, located } = &d.place else {
                continue;
            };
            if d.place.off_host() == Some(true) {
                continue;
            }
            let Some((dsrc, dmnt)) = located.as_ref().and_then(device) else {
                j.not_evaluated(
                    path.to_string(),
                    format!("The filesystem of backup destination {path} is not known from the mount table."),
                )
                .at(target.location(&cmd.path).with_line(cmd.line));
                continue;
            };
            for data in covered {
                let Some((src, mnt)) = data.located.as_ref().and_then(device) else {
                    j.not_evaluated(
                        format!("{path}|{}", data.path),
                        format!("The filesystem of the CouchDB data {} is not known from the mount table.", data.path),
                    );
                    continue;
                };
                let same_fs = src == dsrc && mnt == dmnt;
                let same_disk = disk_of(&src) == disk_of(&dsrc);
                if same_fs || same_disk {
                    let how = if same_fs {
                        format!("the same filesystem ({src} on {mnt})")
                    } else {
                        format!(
                            "the same disk ({src} on {mnt} and {dsrc} on {dmnt} are both on {})",
                            disk_of(&src).trim_start_matches("vg:")
                        )
                    };
                    j.fail(
                        format!("{path}|{}", data.path),
                        format!(
                            "{} writes its backup of {} to {path}, on {how}: one disk failure destroys the data and its backup together. Back up to a second disk, and off site.",
                            describe(job, cmd),
                            data.path
                        ),
                    )
                    .at(target.location(&cmd.path).with_line(cmd.line))
                    .evidence("destination", path.clone())
                    .evidence("data_dir", data.path.clone());
                } else {
                    j.checked(format!(
                        "{path} ({dsrc}) is not on the disk of {} ({src})",
                        data.path
                    ));
                }
            }
        }
    }
    j.finish(
        "Local backups of CHT data are on another disk than the data.",
        "no local backup destination",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disks() {
        assert_eq!(disk_of("/dev/sda2"), "sda");
        assert_eq!(disk_of("/dev/nvme0n1p3"), "nvme0n1");
        assert_eq!(disk_of("/dev/mapper/vg0-data"), "vg:vg0");
        assert_eq!(disk_of("/dev/mapper/debian--vg-root"), "vg:debian-vg");
        assert_ne!(disk_of("/dev/sdb1"), disk_of("/dev/sda1"));
    }
}
