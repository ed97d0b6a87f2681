//! BACKUP-002 backup-not-off-site: every destination of the backups of CHT
//! data is on the same host — a local path or disk (a network filesystem
//! mounted here counts as off site) — so a fire, flood or theft takes the
//! data and its backups together.

use crate::facts::backup::Place;
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;
use crate::rules::backups::{describe, host_scope, is_host, tree_scope};

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    if is_host(ctx) { host(ctx) } else { tree(ctx) }
}

fn host(ctx: &Ctx) -> Vec<Outcome> {
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
    let mut local = Vec::new();
    let mut unknown = Vec::new();
    for (job, cmd, _) in &cmds {
        for d in &cmd.dests {
            match (d.place.off_host(), &d.place) {
                (Some(true), Place::Remote { class, host }) => j.checked(format!(
                    "{} → {} ({} {host})",
                    describe(job, cmd),
                    d.shown,
                    class.describe()
                )),
                (Some(true), _) => j.checked(format!(
                    "{} → {} (network filesystem)",
                    describe(job, cmd),
                    d.shown
                )),
                (Some(false), _) => local.push((job, cmd, d)),
                (None, Place::Unknown(why)) => {
                    unknown.push(format!("{}: {why}", describe(job, cmd)))
                }
                (None, _) => unknown.push(describe(job, cmd)),
            }
        }
    }
    let any_off = cmds
        .iter()
        .any(|(_, c, _)| c.dests.iter().any(|d| d.place.off_host() == Some(true)));
    if !any_off && local.is_empty() && unknown.is_empty() {
        return not_applicable("the backups of CHT data name no destination");
    }
    if any_off {
        return j.finish("A copy of the CHT data goes off site.", "");
    }
    if !unknown.is_empty() {
        for u in unknown {
            j.not_evaluated(u.clone(), format!("Destination not known from files: {u}"));
        }
        return j.finish("", "");
    }
    let list: Vec<String> = local
        .iter()
        .map(|(job, cmd, d)| format!("{} → {}", describe(job, cmd), d.shown))
        .collect();
    let (job, cmd, _) = local[0];
    j.fail(
        "local-only",
        format!(
            "Every backup of the CHT data stays on this host: {}. A fire, flood, theft or ransomware takes the server and its backups together; CHT's 3-2-1 advice keeps one copy off site (restic/borg over sftp, object storage).",
            list.join("; ")
        ),
    )
    .at(target.location(&cmd.path).with_line(cmd.line))
    .evidence("job", job.via.describe());
    j.finish("", "")
}

fn tree(ctx: &Ctx) -> Vec<Outcome> {
    let tb = match tree_scope(ctx) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let target = ctx.target();
    let jobs: Vec<_> = tb
        .jobs
        .iter()
        .filter(|j| j.covers_couchdb != Some(false))
        .collect();
    if jobs.is_empty() {
        return not_applicable("the tree schedules no backup of CouchDB's data");
    }
    let mut j = Judgement::new();
    if jobs.iter().any(|job| job.dest.off_host() == Some(true)) {
        for job in jobs.iter().filter(|job| job.dest.off_host() == Some(true)) {
            j.checked(format!("{} {} ({})", job.kind, job.name, job.rel));
        }
        return j.finish("A backup of CouchDB's data goes off site.", "");
    }
    for job in jobs {
        let loc = target.location(&job.rel).with_line(job.line);
        match &job.dest {
            Place::Unknown(why) => {
                j.not_evaluated(
                    format!("{}/{}", job.kind, job.name),
                    format!("{} {}: {why}", job.kind, job.name),
                )
                .at(loc);
            }
            _ => {
                j.fail(
                    format!("{}/{}", job.kind, job.name),
                    format!(
                        "{} {} backs up CouchDB's data to a local path only: no copy leaves the host or cluster. Point it at an off-site repository (sftp, object storage).",
                        job.kind, job.name
                    ),
                )
                .at(loc);
            }
        }
    }
    j.finish("", "")
}
