//! BACKUP-005 backup-scope-incomplete: the CouchDB data is backed up but
//! the deployment's `.env` (its credentials) or its TLS certificates (the
//! cht-ssl docker volume, `/etc/letsencrypt`) are in no backup: a restore
//! brings the data back without the secrets and certificates that serve it.

use crate::facts::backup::{ChtKeep, covers};
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;
use crate::rules::backups::{host_scope, is_host, tree_scope};

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let target = ctx.target();
    let mut j = Judgement::new();
    if !is_host(ctx) {
        let tb = match tree_scope(ctx) {
            Ok(t) => t,
            Err(o) => return o,
        };
        let jobs: Vec<_> = tb
            .jobs
            .iter()
            .filter(|job| job.covers_couchdb == Some(true))
            .collect();
        if jobs.is_empty() {
            return not_applicable("the tree schedules no backup of CouchDB's data");
        }
        let env = jobs.iter().any(|job| job.covers_env == Some(true));
        let certs =
            jobs.iter()
                .map(|job| job.covers_certs)
                .fold(None, |acc: Option<bool>, c| match (acc, c) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (None, x) | (x, None) => x,
                    _ => Some(false),
                });
        let job = jobs[0];
        let mut missing = Vec::new();
        if !env && jobs.iter().any(|job| job.covers_env == Some(false)) {
            missing.push("the deployment directory with its .env (no bind mount of `.`)");
        }
        if certs == Some(false) {
            missing.push("the certificate volume nginx serves from");
        }
        if missing.is_empty() {
            j.checked(format!("{} {}", job.kind, job.name));
        } else {
            j.fail(
                format!("{}/{}", job.kind, job.name),
                format!(
                    "{} {} backs up CouchDB's data but not {}: a restore would lack the credentials or certificates. Mount them into the backup service too.",
                    job.kind,
                    job.name,
                    missing.join(" nor ")
                ),
            )
            .at(target.location(&job.rel).with_line(job.line));
        }
        return j.finish(
            "The backup covers the data, the .env and the certificates.",
            "",
        );
    }
    let scope = match host_scope(ctx) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let cmds = scope.cht_commands();
    if cmds.is_empty() {
        return not_applicable("no backup of CHT data found (BACKUP-001 reports it)");
    }
    let keep = ctx.facts.get::<ChtKeep>();
    let all_sources: Vec<&str> = scope
        .backups
        .commands()
        .flat_map(|(_, c)| c.sources.iter().map(String::as_str))
        .collect();
    let covered = |p: &str| {
        all_sources
            .iter()
            .any(|s| covers(s, p) && crate::facts::backup::is_under(p, s))
    };
    let mut missing = Vec::new();
    for f in keep.env_files.iter().chain(keep.cert_dirs.iter()) {
        if covered(f) {
            j.checked(format!("{f} is backed up"));
        } else {
            missing.push(f.clone());
        }
    }
    if !missing.is_empty() {
        let (_, cmd, _) = cmds[0];
        j.fail(
            "scope",
            format!(
                "The CouchDB data is backed up, but not: {}. A restore would bring the data back without the credentials (.env) or the TLS certificates that serve it; add them to the backup.",
                missing.join(", ")
            ),
        )
        .at(target.location(&cmd.path).with_line(cmd.line))
        .evidence("missing", missing);
    }
    j.finish(
        "The backups cover the CouchDB data, the .env files and the certificates.",
        "no .env file or certificate directory found to check",
    )
}
