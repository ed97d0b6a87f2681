//! MON-004 data-disk-nearly-full: the filesystem holding CouchDB data has
//! less free space than the policy's `min-free-percent` (medium) or
//! `high-free-percent` (high). CouchDB stops writing, and compaction needs
//! room to run, well before a disk is 100% full. Live host only.

use crate::facts::disk_space::DataSpace;
use crate::outcome::{Judgement, Outcome, Severity, not_applicable, not_evaluated};
use crate::rules::Ctx;
use crate::target::root::human_size;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let space = ctx.facts.get::<DataSpace>();
    if !space.live {
        return not_evaluated(
            "an offline root: free space belongs to the live filesystem it was captured from (scan the host with --host)",
        );
    }
    if space.no_data {
        return not_applicable("no CHT CouchDB data directory on this host");
    }
    let p = &ctx.policy.monitoring;
    let mut j = Judgement::new();
    for (path, why) in &space.errors {
        j.not_evaluated(
            format!("statvfs|{path}"),
            format!("{path}: free space unknown: {why}"),
        )
        .at(ctx.target().location(path));
    }
    for fs in &space.filesystems {
        let free = fs.free_percent();
        let dirs = fs.dirs.join(", ");
        if free >= f64::from(p.min_free_percent) {
            j.checked(format!("{dirs}: {free}% free"));
            continue;
        }
        let severity = if free < f64::from(p.high_free_percent) {
            Severity::High
        } else {
            Severity::Medium
        };
        j.fail(
            format!("space|{}", fs.dirs[0]),
            format!(
                "The filesystem holding {dirs} has {free}% free ({} of {}); the policy wants at least {}%. CouchDB stops accepting writes on a full disk and compaction needs free room: add space or compact and purge.",
                human_size(fs.available_bytes),
                human_size(fs.total_bytes),
                p.min_free_percent
            ),
        )
        .at(ctx.target().location(&fs.dirs[0]))
        .severity(severity)
        .evidence("free_percent", format!("{free}"))
        .evidence("available_bytes", fs.available_bytes)
        .evidence("total_bytes", fs.total_bytes);
    }
    j.finish(
        "The CouchDB data filesystem has the free space the policy asks for.",
        "no CHT CouchDB data directory could be measured",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Date;
    use crate::facts::disk_space::FsSpace;
    use crate::facts::{Facts, LoadOptions};
    use crate::outcome::Verdict;
    use crate::target::Target;

    fn run(space: DataSpace) -> Vec<Outcome> {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::host(dir.path(), "x", false).unwrap();
        let facts = Facts::load(&target, &LoadOptions::default());
        facts.provide(space);
        let policy = crate::policy::load(None).unwrap();
        check(&Ctx {
            facts: &facts,
            policy: &policy,
            today: Date::parse("2026-11-22").unwrap(),
        })
    }

    fn fs(avail: u64) -> FsSpace {
        FsSpace {
            dirs: vec!["/srv".to_string()],
            total_bytes: 1000,
            available_bytes: avail,
        }
    }

    #[test]
    fn grades_by_free_space() {
        let live = |f: Vec<FsSpace>| DataSpace {
            live: true,
            filesystems: f,
            ..DataSpace::default()
        };
        let out = run(live(vec![fs(500)]));
        assert_eq!(out[0].verdict, Verdict::Pass);
        let out = run(live(vec![fs(150)]));
        assert_eq!(out[0].verdict, Verdict::Fail);
        assert_eq!(out[0].severity, Some(Severity::Medium));
        assert!(out[0].message.contains("15% free"), "{}", out[0].message);
        let out = run(live(vec![fs(50)]));
        assert_eq!(out[0].severity, Some(Severity::High));
        let out = run(DataSpace::default());
        assert_eq!(out[0].verdict, Verdict::NotEvaluated, "offline");
        let out = run(DataSpace {
            live: true,
            no_data: true,
            ..DataSpace::default()
        });
        assert_eq!(out[0].verdict, Verdict::NotApplicable);
        let mut broken = live(vec![fs(500)]);
        broken
            .errors
            .push(("/srv".into(), "permission denied".into()));
        assert_eq!(run(broken)[0].verdict, Verdict::NotEvaluated);
    }

    #[test]
    fn measures_this_machine() {
        // The real statvfs on a live root: whatever the numbers, they parse.
        let target = Target::host(std::path::Path::new("/"), "/", true).unwrap();
        let facts = Facts::load(&target, &LoadOptions::default());
        let space = facts.get::<DataSpace>();
        assert!(space.live);
        for f in &space.filesystems {
            assert!(f.available_bytes <= f.total_bytes);
        }
    }
}
