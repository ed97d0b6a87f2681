//! DISK-004 crypttab-keyfile-exposed: a key file `/etc/crypttab` unlocks a
//! volume with is readable by group or other, not owned by root, or lives on
//! an unencrypted filesystem (whoever has that disk has the key).

use crate::facts::blockdev::{Backing, Storage};
use crate::facts::crypttab::KeySource;
use crate::outcome::{Judgement, Outcome, not_applicable, not_evaluated};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let s = ctx.facts.get::<Storage>();
    let target = ctx.target();
    let Some(tab) = &s.crypttab else {
        return not_applicable("no /etc/crypttab: no volume is unlocked with a key file");
    };
    let entries = match &tab.content {
        Ok(e) => e,
        Err(e) => return not_evaluated(format!("/etc/crypttab: {e}")),
    };
    let mut j = Judgement::new();
    for e in entries {
        match &e.key {
            KeySource::Passphrase => j.checked(format!("{}: passphrase (no key file)", e.name)),
            KeySource::Random(k) => j.checked(format!("{}: random key from {k}", e.name)),
            KeySource::File { .. } => {}
        }
    }
    for k in &s.keyfiles {
        let loc = target.location(&tab.rel).with_line(k.line);
        let key = format!("{}:{}", k.mapping, k.path);
        if let Some(dev) = &k.on_device {
            j.checked(format!(
                "{}: key file {} on device {dev}",
                k.mapping, k.path
            ));
            continue;
        }
        match &k.meta {
            Err(e) => {
                j.not_evaluated(
                    key.clone(),
                    format!("key file {} of {}: {e}", k.path, k.mapping),
                )
                .at(loc.clone());
                continue;
            }
            Ok(None) => {
                j.not_evaluated(
                    key.clone(),
                    format!(
                        "key file {} of {} is not under the root (it may be built into the initramfs or live on a device mounted at boot)",
                        k.path, k.mapping
                    ),
                )
                .at(loc.clone());
                continue;
            }
            Ok(Some((mode, uid))) => {
                let mut bad = false;
                if mode & 0o077 != 0 {
                    bad = true;
                    j.fail(
                        format!("{key}#mode"),
                        format!(
                            "Key file {} (unlocks {}) has mode {:04o}: group or other can read it, and with it decrypt the volume. chmod 0400 it.",
                            k.path, k.mapping, mode
                        ),
                    )
                    .at(loc.clone())
                    .evidence("key_file", k.path.clone())
                    .evidence("mode", format!("{mode:04o}"));
                }
                if *uid != 0 {
                    bad = true;
                    j.fail(
                        format!("{key}#owner"),
                        format!(
                            "Key file {} (unlocks {}) is owned by uid {uid}, not root: that user can read or replace it. chown root:root it.",
                            k.path, k.mapping
                        ),
                    )
                    .at(loc.clone())
                    .evidence("key_file", k.path.clone())
                    .evidence("uid", *uid);
                }
                match k.located.as_ref().map(|l| (&l.backing, &l.mount)) {
                    Some((Backing::Encrypted(_), _)) | Some((Backing::Memory(_), _)) => {}
                    Some((Backing::Plain(how), m)) => {
                        bad = true;
                        let on = m
                            .as_ref()
                            .map_or_else(String::new, |m| format!(" {} ({})", m.target, m.source));
                        j.fail(
                            format!("{key}#fs"),
                            format!(
                                "Key file {} (unlocks {}) lives on an unencrypted filesystem{on}: {how}. Whoever has that disk has the key; keep key files on the encrypted root or in the initramfs.",
                                k.path, k.mapping
                            ),
                        )
                        .at(loc.clone())
                        .evidence("key_file", k.path.clone())
                        .evidence("chain", how.clone());
                    }
                    Some((Backing::Unknown(why), _)) => {
                        bad = true;
                        j.not_evaluated(
                            format!("{key}#fs"),
                            format!("filesystem of key file {}: {why}", k.path),
                        )
                        .at(loc.clone());
                    }
                    None => {}
                }
                if !bad {
                    j.checked(format!(
                        "{}: key file {} mode {:04o} root-owned on an encrypted filesystem",
                        k.mapping, k.path, mode
                    ));
                }
            }
        }
    }
    j.finish(
        "crypttab key files are private to root and on encrypted storage.",
        "/etc/crypttab lists no volume",
    )
}
