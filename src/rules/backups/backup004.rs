//! BACKUP-004 backup-leaves-unencrypted: a copy of CHT data leaves the host
//! without client-side encryption: rsync/scp/tar-over-ssh/aws s3 to another
//! host, rclone to a remote that is not `crypt`, duplicity with
//! `--no-encryption`, borg initialised with `--encryption none` (restic is
//! always encrypted). Copies to a network filesystem mounted here leave too.

use crate::facts::backup::Encryption;
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;
use crate::rules::backups::{describe, host_scope, is_host, tree_scope};

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let mut j = Judgement::new();
    if is_host(ctx) {
        let scope = match host_scope(ctx) {
            Ok(s) => s,
            Err(o) => return o,
        };
        for (job, cmd, _) in scope.cht_commands() {
            for d in cmd
                .dests
                .iter()
                .filter(|d| d.place.off_host() == Some(true))
            {
                let loc = target.location(&cmd.path).with_line(cmd.line);
                let key = format!("{}|{}", describe(job, cmd), d.shown);
                match &cmd.encryption {
                    Encryption::ClientSide(how) => {
                        j.checked(format!("{} → {}: {how}", describe(job, cmd), d.shown))
                    }
                    Encryption::None(why) => {
                        j.fail(
                            key,
                            format!(
                                "{} sends CHT data to {} without client-side encryption ({why}): whoever holds that server, bucket or share reads the patient records. Use restic or borg (encrypted repositories), an rclone crypt remote, or duplicity with GnuPG.",
                                describe(job, cmd),
                                d.shown
                            ),
                        )
                        .at(loc)
                        .evidence("tool", cmd.tool.name())
                        .evidence("destination", d.shown.clone());
                    }
                    Encryption::Unknown(why) => {
                        j.not_evaluated(
                            key,
                            format!("{} → {}: {why}", describe(job, cmd), d.shown),
                        )
                        .at(loc);
                    }
                }
            }
        }
        return j.finish(
            "Every copy of CHT data that leaves the host is encrypted by the client.",
            "no backup of CHT data leaves the host",
        );
    }
    let tb = match tree_scope(ctx) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let jobs: Vec<_> = tb
        .jobs
        .iter()
        .filter(|job| job.covers_couchdb != Some(false) && job.dest.off_host() == Some(true))
        .collect();
    if jobs.is_empty() {
        return not_applicable(
            "no backup of CouchDB's data leaves for a known remote in this tree",
        );
    }
    for job in jobs {
        let loc = target.location(&job.rel).with_line(job.line);
        let key = format!("{}/{}", job.kind, job.name);
        match &job.encryption {
            Encryption::ClientSide(how) => j.checked(format!("{key}: {how}")),
            Encryption::None(why) => {
                j.fail(
                    key.clone(),
                    format!("{key} sends CouchDB's data off site without client-side encryption ({why}). Use restic or borg, or encrypt before upload."),
                )
                .at(loc);
            }
            Encryption::Unknown(why) => {
                j.not_evaluated(key.clone(), format!("{key}: {why}"))
                    .at(loc);
            }
        }
    }
    j.finish(
        "Off-site backups declared here are encrypted by the client.",
        "",
    )
}
