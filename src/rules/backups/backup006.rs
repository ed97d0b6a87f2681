//! BACKUP-006 backup-stale: the newest evidence on the host that a backup
//! of CHT data completed — a restic repository's `snapshots/`, rsnapshot's
//! `*.0`, the newest file in a local destination, the job's log — is older
//! than the policy's `[backups] max-age-days`. Not evaluated when the host
//! holds no such evidence (a remote repository only): ask the repository.

use crate::outcome::{Judgement, Outcome, not_applicable};
use crate::rules::Ctx;
use crate::rules::backups::{describe, host_scope};

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
    let max = i64::from(ctx.policy.backups.max_age_days);
    let today = ctx.today.days();
    let newest = cmds
        .iter()
        .flat_map(|(job, cmd, _)| cmd.evidence.iter().map(move |e| (job, cmd, e)))
        .max_by_key(|(_, _, e)| e.mtime);
    let mut j = Judgement::new();
    j.pass_evidence("max_age_days", max);
    let Some((job, cmd, ev)) = newest else {
        let list: Vec<String> = cmds
            .iter()
            .map(|(job, cmd, _)| describe(job, cmd))
            .collect();
        j.not_evaluated(
            "no-evidence",
            format!(
                "No file on this host shows when the backup last completed ({}): the repository is remote and the job keeps no log. Check it with the tool (`restic snapshots`, `borg list`) or log the job's output to a file.",
                list.join("; ")
            ),
        );
        return j.finish("", "");
    };
    let age = today - ev.days();
    if age > max {
        j.fail(
            "stale",
            format!(
                "The newest evidence of a completed backup of CHT data ({}: {}) is {age} days old; the policy allows {max}. The job ({}) may be failing silently: run it by hand and check its log.",
                ev.what,
                ev.path,
                describe(job, cmd)
            ),
        )
        .at(target.location(&cmd.path).with_line(cmd.line))
        .evidence("evidence", ev.path.clone())
        .evidence("age_days", age)
        .evidence("max_age_days", max);
    } else {
        j.checked(format!(
            "{} ({}) is {} day(s) old",
            ev.path,
            ev.what,
            age.max(0)
        ));
    }
    j.finish("A backup of CHT data completed recently.", "")
}
