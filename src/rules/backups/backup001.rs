//! BACKUP-001 cht-data-not-backed-up: no scheduled job (cron, an enabled
//! systemd timer, the scripts they run; in a tree: a compose backup
//! service, a Kubernetes CronJob, a Velero Schedule, a snapshot schedule)
//! copies the CouchDB data. A host: one finding per data directory no job
//! covers; when a job could not be read (a script outside the root, a
//! timer's missing service) the directory is not evaluated, naming it.

use crate::outcome::{Judgement, Outcome};
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
    let target = ctx.target();
    let mut j = Judgement::new();
    let cmds = scope.cht_commands();
    let unknowns = scope.unknowns();
    for d in &scope.data {
        let covering: Vec<String> = cmds
            .iter()
            .filter(|(_, _, covered)| covered.iter().any(|c| c.path == d.path))
            .map(|(job, cmd, _)| describe(job, cmd))
            .collect();
        if !covering.is_empty() {
            j.checked(format!("{}: {}", d.path, covering.join("; ")));
            continue;
        }
        let loc =
            d.at.as_ref()
                .map(|(rel, line)| target.location(rel).with_line(*line));
        if !unknowns.is_empty() {
            j.not_evaluated(
                d.path.clone(),
                format!(
                    "No job found backs up the CouchDB data in {} ({}), but some jobs could not be read: {}.",
                    d.path,
                    d.why,
                    unknowns.join("; ")
                ),
            )
            .at_opt(loc);
            continue;
        }
        let seen = scope.backups.commands().count();
        j.fail(
            d.path.clone(),
            format!(
                "No scheduled backup copies the CouchDB data in {} ({}): no cron job or enabled systemd timer runs restic, borg, duplicity, rsnapshot, rclone, rsync, tar or couchbackup over it{}. A disk failure, a flood or a ransomware attack loses every record; schedule a daily backup to an off-site repository (see `rampart explain BACKUP-001`).",
                d.path,
                d.why,
                if seen > 0 {
                    format!(" ({seen} backup command(s) found back up other paths)")
                } else {
                    String::new()
                }
            ),
        )
        .at_opt(loc)
        .evidence("data_dir", d.path.clone());
    }
    j.finish(
        "A scheduled job backs up every CouchDB data directory.",
        "no CouchDB data on this host",
    )
}

fn tree(ctx: &Ctx) -> Vec<Outcome> {
    let tb = match tree_scope(ctx) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let target = ctx.target();
    let mut j = Judgement::new();
    let covering: Vec<_> = tb
        .jobs
        .iter()
        .filter(|job| job.covers_couchdb != Some(false))
        .collect();
    for job in &covering {
        match job.covers_couchdb {
            Some(true) => j.checked(format!("{} {} ({})", job.kind, job.name, job.rel)),
            _ => {
                // Velero / snapshot schedules: cover whatever their selectors
                // include; the tree cannot tell whether CouchDB's volume is in.
                j.checked(format!(
                    "{} {} ({}; its selectors decide whether CouchDB's volume is included)",
                    job.kind, job.name, job.rel
                ))
            }
        }
    }
    if !covering.is_empty() {
        return j.finish("The deployment schedules a backup of CouchDB's data.", "");
    }
    let k8s_couch = tb.workloads.iter().any(|w| !w.what.starts_with("compose"));
    if !k8s_couch {
        return crate::outcome::not_applicable(if tb.helm {
            "CHT's helm chart declares no backups and cluster backups (Velero, snapshot schedules) usually live outside the values file: add their manifests to the tree to have them checked"
        } else {
            "a compose deployment's backups are scheduled on its host (cron, systemd timers): scan the host with --host or --root"
        });
    }
    let at = tb
        .workloads
        .first()
        .map(|w| target.location(&w.rel).with_line(w.line));
    j.fail(
        "kubernetes",
        "This Kubernetes deployment of CHT schedules no backup of CouchDB's data: no Velero Schedule, snapshot schedule or CronJob running a backup tool over the CouchDB volume. Add a Velero Schedule (or a VolumeSnapshot schedule plus an off-cluster copy).",
    )
    .at_opt(at);
    j.finish("", "")
}
