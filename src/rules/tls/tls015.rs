//! TLS-015 private-key-exposed: a PEM private key sits in a config tree (it
//! belongs in a secret store or on the host, not in a repository), or on a
//! host a private-key file is readable by other users — or by its group,
//! unless that group is Debian's `ssl-cert`, which exists to share keys
//! with services. The key itself is never read into the report.

use crate::facts::pem::PemFiles;
use crate::facts::x509::PemBlock;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::target::TargetKind;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let files = ctx.facts.get::<PemFiles>();
    let target = ctx.target();
    // A tree found on a host (its CHT install) holds the host's files: judge
    // them by their permissions, not as files committed to a repository.
    let host = target.kind == TargetKind::Host
        || matches!(&target.source, crate::target::Source::Tree(t) if t.found_on.is_some());
    let mut j = Judgement::new();
    for f in files.files.iter().filter(|f| f.has_key()) {
        let (line, label, encrypted) = f
            .blocks
            .iter()
            .find_map(|b| match b {
                PemBlock::PrivateKey {
                    line,
                    label,
                    encrypted,
                    ..
                } => Some((*line, label.clone(), *encrypted)),
                PemBlock::Certificate { .. } => None,
            })
            .expect("has_key");
        let loc = target.location(&f.rel).with_line(line);
        if !host {
            j.fail(
                f.rel.clone(),
                format!(
                    "{}: a {}private key ({label}) is stored in the config tree; anyone with the repository can impersonate the server. Remove it, rotate the key, and deliver keys as secrets.",
                    loc.path,
                    if encrypted { "passphrase-protected " } else { "" }
                ),
            )
            .at(loc)
            .evidence("kind", label)
            .evidence("encrypted", encrypted);
            continue;
        }
        let Some(mode) = f.mode else {
            j.not_evaluated(
                f.rel.clone(),
                format!("{}: the file's permissions could not be read", loc.path),
            )
            .at(loc);
            continue;
        };
        let other = mode & 0o004 != 0;
        let group = mode & 0o040 != 0 && f.group_name.as_deref() != Some("ssl-cert");
        if other || group {
            j.fail(
                f.rel.clone(),
                format!(
                    "{}: the private key is readable by {} (mode {mode:04o}); run chmod 600 on it.",
                    loc.path,
                    match (group, other) {
                        (true, true) => "its group and every user",
                        (true, false) => "its group",
                        _ => "every user",
                    }
                ),
            )
            .at(loc)
            .evidence("mode", format!("{mode:04o}"))
            .evidence("uid", f.uid)
            .evidence("group", f.group_name.clone());
        } else {
            j.checked(format!("{} ({mode:04o})", loc.path));
        }
    }
    // A key directory that could not be listed (an unprivileged scan of
    // /etc/ssl/private) hides the keys this rule is about: unknown, never
    // "no private keys".
    if host {
        for n in &ctx.facts.inventory.notes {
            if let Some(rel) = &n.rel
                && is_key_dir(rel)
                && n.message.starts_with("could not read directory")
            {
                j.not_evaluated(
                    rel.clone(),
                    format!(
                        "the private-key directory could not be listed: {}",
                        n.message
                    ),
                )
                .at(target.location(rel));
            }
        }
    }
    j.finish(
        if host {
            "Every private key is readable only by its owner."
        } else {
            "No private key in the tree."
        },
        "no private keys",
    )
}

/// Directories where hosts keep TLS private keys.
fn is_key_dir(rel: &str) -> bool {
    let rel = rel.trim_start_matches('/').trim_end_matches('/');
    rel == "etc/ssl/private"
        || rel.starts_with("etc/ssl/private/")
        || rel.starts_with("etc/letsencrypt/")
        || rel.starts_with("etc/pki/tls/private")
        || rel.ends_with("/private")
}
