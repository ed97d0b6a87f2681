//! The backups pack (BACKUP): is the CHT data backed up on a schedule,
//! following CHT's 3-2-1 advice — a copy off site (BACKUP-002), not on the
//! disk that holds the data (BACKUP-003), encrypted before it leaves
//! (BACKUP-004), with the `.env` and the certificates (BACKUP-005), and
//! recently (BACKUP-006)? Host rules judge the `HostBackups` fact (cron
//! jobs, timers, the scripts they run); tree rules judge the backup jobs a
//! deployment declares (`TreeBackups`: compose backup services, Kubernetes
//! CronJobs, Velero schedules, snapshot schedules).

mod backup001;
mod backup002;
mod backup003;
mod backup004;
mod backup005;
mod backup006;

use std::sync::Arc;

use crate::facts::backup::{BackupCmd, HostBackups, Job, covers};
use crate::facts::blockdev::Located;
use crate::facts::cht_data::{ChtDataDirs, DEFAULT_DATA};
use crate::facts::tree_backup::TreeBackups;
use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::{Ctx, Rule};
use crate::target::Source;

pub const RULES: &[Rule] = &[
    Rule {
        id: "BACKUP-001",
        check: backup001::check,
    },
    Rule {
        id: "BACKUP-002",
        check: backup002::check,
    },
    Rule {
        id: "BACKUP-003",
        check: backup003::check,
    },
    Rule {
        id: "BACKUP-004",
        check: backup004::check,
    },
    Rule {
        id: "BACKUP-005",
        check: backup005::check,
    },
    Rule {
        id: "BACKUP-006",
        check: backup006::check,
    },
];

/// A CouchDB data directory that must be backed up.
#[derive(Clone, Debug)]
pub struct DataRef {
    pub path: String,
    pub located: Option<Located>,
    pub why: String,
    pub at: Option<(String, u32)>,
}

/// What the host backup rules look at.
pub struct HostScope {
    pub data: Vec<DataRef>,
    pub backups: Arc<HostBackups>,
    pub installs: Vec<String>,
}

/// Generic places that hold CouchDB data only when nothing more specific does.
const GENERIC: [&str; 2] = ["/srv", "/var/lib/docker/volumes"];

/// The host's CouchDB data and backups; `Err` is the outcome to return
/// (no CHT data on this host: not applicable).
pub fn host_scope(ctx: &Ctx) -> Result<HostScope, Vec<Outcome>> {
    let dirs = ctx.facts.get::<ChtDataDirs>();
    let mut data: Vec<DataRef> = dirs
        .dirs
        .iter()
        .filter(|d| d.located.is_some())
        .map(|d| DataRef {
            path: d.path.clone(),
            located: d.located.clone(),
            why: d
                .origins
                .iter()
                .map(|o| o.why.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            at: d.origins.iter().find_map(|o| o.at.clone()),
        })
        .collect();
    let specific = data.iter().any(|d| !GENERIC.contains(&d.path.as_str()));
    if specific {
        data.retain(|d| !GENERIC.contains(&d.path.as_str()));
    } else if dirs.installs.is_empty() {
        data.clear();
    }
    if data.is_empty() {
        return Err(not_applicable(format!(
            "no CHT install or CouchDB data directory on this host ({DEFAULT_DATA}, /opt/couchdb/data, COUCHDB_DATA of a CHT .env)"
        )));
    }
    Ok(HostScope {
        data,
        backups: ctx.facts.get::<HostBackups>(),
        installs: dirs.installs.clone(),
    })
}

impl HostScope {
    /// Scheduled backup commands that copy CouchDB data, with the data
    /// directories each covers.
    pub fn cht_commands(&self) -> Vec<(&Job, &BackupCmd, Vec<&DataRef>)> {
        self.backups
            .commands()
            .filter_map(|(job, cmd)| {
                let covered: Vec<&DataRef> = self
                    .data
                    .iter()
                    .filter(|d| cmd.whole_couchdb || cmd.sources.iter().any(|s| covers(s, &d.path)))
                    .collect();
                (!covered.is_empty()).then_some((job, cmd, covered))
            })
            .collect()
    }

    /// What could hide a backup: unreadable scripts, services, cron files,
    /// sources that could not be resolved, a spent budget.
    pub fn unknowns(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .backups
            .unresolved()
            .map(|(job, u)| {
                format!(
                    "{} (run by {}, /{}:{}): {}",
                    u.what,
                    job.via.describe(),
                    u.path,
                    u.line,
                    u.why
                )
            })
            .collect();
        for (job, cmd) in self.backups.commands() {
            if !cmd.unknown_sources.is_empty() {
                out.push(format!(
                    "{} at /{}:{} (run by {}) backs up {} whose paths are not known from files",
                    cmd.tool.name(),
                    cmd.path,
                    cmd.line,
                    job.via.describe(),
                    cmd.unknown_sources.join(", ")
                ));
            }
        }
        for (path, why) in &self.backups.unreadable {
            out.push(format!("/{path}: {why}"));
        }
        if let Some(b) = &self.backups.budget_exceeded {
            out.push(b.clone());
        }
        out
    }
}

/// A command, for messages: `restic at /usr/local/bin/cht-backup.sh:4 (timer x → y)`.
pub fn describe(job: &Job, cmd: &BackupCmd) -> String {
    format!(
        "{} at /{}:{} ({})",
        cmd.tool.name(),
        cmd.path,
        cmd.line,
        job.via.describe()
    )
}

/// Tree targets: the backup jobs a deployment declares. `Err` is the
/// outcome to return when the tree deploys no CHT data store.
pub fn tree_scope(ctx: &Ctx) -> Result<Arc<TreeBackups>, Vec<Outcome>> {
    let tb = ctx.facts.get::<TreeBackups>();
    if !tb.has_couchdb {
        return Err(not_applicable(
            "no CouchDB service, CHT helm release or CouchDB workload in this tree",
        ));
    }
    Ok(tb)
}

pub fn is_host(ctx: &Ctx) -> bool {
    matches!(ctx.target().source, Source::Host(_))
}

/// Records `unknowns` as not evaluated (used when nothing decisive was found).
pub fn not_evaluated_unknowns(j: &mut Judgement, ctx: &Ctx, scope: &HostScope) {
    let _ = ctx;
    for u in scope.unknowns() {
        j.not_evaluated(u.clone(), u);
    }
}
