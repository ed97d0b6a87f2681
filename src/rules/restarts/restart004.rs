//! RESTART-004 couchdb-data-not-persisted: CouchDB's data directory
//! (`/opt/couchdb/data`) is not on a bind mount, a named volume or a PVC:
//! nothing is mounted there (the container's writable layer), an anonymous
//! volume (or a bind whose `${COUCHDB_DATA}` is unset), tmpfs, or
//! `emptyDir`. Recreating the container or rescheduling the pod loses every
//! record.

use crate::facts::tree_backup::{Storage, TreeBackups};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let tb = ctx.facts.get::<TreeBackups>();
    let target = ctx.target();
    let mut j = Judgement::new();
    for w in &tb.workloads {
        let loc = target.location(&w.rel).with_line(w.line);
        let why = match &w.storage {
            Storage::Bind(s) if s.trim().is_empty() => Some("its bind mount source is empty".to_string()),
            Storage::Bind(s) => {
                j.checked(format!("{}: bind mount {s}", w.what));
                None
            }
            Storage::NamedVolume(v) => {
                j.checked(format!("{}: named volume {v}", w.what));
                None
            }
            Storage::Pvc(c) => {
                j.checked(format!("{}: persistent volume claim {c}", w.what));
                None
            }
            Storage::Nothing => Some("nothing is mounted on /opt/couchdb/data: the data lives in the container's writable layer".to_string()),
            Storage::AnonymousVolume => Some("/opt/couchdb/data is an anonymous volume: `docker compose down -v`, a prune or a new project name loses it".to_string()),
            Storage::Tmpfs => Some("/opt/couchdb/data is in memory (tmpfs)".to_string()),
            Storage::EmptyDir => Some("/opt/couchdb/data is an emptyDir, deleted with the pod".to_string()),
        };
        if let Some(why) = why {
            j.fail(
                format!("{}#{}", w.rel, w.name),
                format!(
                    "{}: {why}. Recreating the container or rescheduling the pod loses every CHT record; mount a host directory (COUCHDB_DATA), a named volume or a PersistentVolumeClaim there.",
                    w.what
                ),
            )
            .at(loc)
            .evidence("workload", w.what.clone());
        }
    }
    j.finish(
        "CouchDB's data directory is on persistent storage.",
        "no CouchDB workload in this tree",
    )
}
