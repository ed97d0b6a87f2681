//! DISK-001 root-filesystem-unencrypted: the filesystem mounted on `/` is not
//! backed by dm-crypt (directly or under LVM/RAID), ZFS native encryption or
//! another encrypted layer. What cannot be known from files (no
//! `/sys/block`, an overlay root, fscrypt) is not evaluated, never passed.

use crate::facts::blockdev::{Backing, Mode, Storage};
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let s = ctx.facts.get::<Storage>();
    let target = ctx.target();
    let mode = match &s.mode {
        Ok(m) => *m,
        Err(why) => return not_evaluated(why.clone()),
    };
    let root = &s.root_fs;
    let Some(m) = &root.mount else {
        return not_evaluated(root.backing.text().to_string());
    };
    let location = target.location(&m.rel).with_line(m.line);
    let sources: Vec<String> = s.read.iter().map(|r| format!("/{r}")).collect();
    let mode_text = match mode {
        Mode::Live => "live: /proc/mounts and /sys/block",
        Mode::Offline => "offline: /etc/fstab, /etc/crypttab, LVM backups, kernel command line",
    };
    let mut j = Judgement::new();
    match &root.backing {
        Backing::Encrypted(how) | Backing::Memory(how) => {
            j.checked(format!("/ on {} ({}): {how}", m.source, m.fstype));
        }
        Backing::Plain(how) => {
            j.fail(
                "root",
                format!(
                    "The root filesystem (/ on {}, {}) is not encrypted: {how}. Whoever takes the disk or a snapshot of it reads every file; put / on a LUKS volume.",
                    m.source, m.fstype
                ),
            )
            .at(location)
            .evidence("device", m.source.clone())
            .evidence("fstype", m.fstype.clone())
            .evidence("chain", how.clone())
            .evidence("method", mode_text)
            .evidence("sources", sources.clone());
        }
        Backing::Unknown(why) => {
            j.not_evaluated("root", why.clone())
                .at(location)
                .evidence("device", m.source.clone())
                .evidence("fstype", m.fstype.clone());
        }
    }
    j.pass_evidence("method", mode_text);
    j.pass_evidence("sources", sources);
    j.finish(
        "The root filesystem is encrypted at rest.",
        "no root filesystem",
    )
}
