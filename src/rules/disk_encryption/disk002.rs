//! DISK-002 data-filesystem-unencrypted: a filesystem holding CHT data — the
//! CouchDB data directories the CHT `.env` files name, CHT's default
//! `/home/ubuntu/cht/couchdb`, `/srv`, `/opt/couchdb/data`, docker volumes —
//! is not encrypted. One finding per unencrypted filesystem, listing the data
//! directories on it.

use std::collections::BTreeMap;

use crate::facts::blockdev::{Backing, MountRef};
use crate::facts::cht_data::{ChtDataDirs, DataDir};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

fn origin_text(d: &DataDir) -> String {
    let why: Vec<&str> = d.origins.iter().map(|o| o.why.as_str()).collect();
    format!("{} ({})", d.path, why.join("; "))
}

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let data = ctx.facts.get::<ChtDataDirs>();
    let target = ctx.target();
    let mut j = Judgement::new();
    for (rel, e) in &data.errors {
        let loc = target.location(rel);
        j.not_evaluated(rel.clone(), format!("{}: {e}", loc.path))
            .at(loc);
    }
    // Unencrypted filesystems and the data directories on each.
    let mut plain: BTreeMap<String, (MountRef, String, Vec<&DataDir>)> = BTreeMap::new();
    for d in &data.dirs {
        let env_loc = d
            .origins
            .iter()
            .find_map(|o| o.at.as_ref())
            .map(|(rel, line)| target.location(rel).with_line(*line));
        let Some(loc) = &d.located else {
            j.not_evaluated(
                d.path.clone(),
                format!(
                    "{} is named as CHT data but does not exist under the root (a data volume not mounted in this image?)",
                    origin_text(d)
                ),
            )
            .at_opt(env_loc);
            continue;
        };
        match (&loc.backing, &loc.mount) {
            (Backing::Encrypted(how) | Backing::Memory(how), _) => {
                j.checked(format!("{}: {how}", d.path));
            }
            (Backing::Plain(how), Some(m)) => {
                plain
                    .entry(m.target.clone())
                    .or_insert_with(|| (m.clone(), how.clone(), Vec::new()))
                    .2
                    .push(d);
            }
            (Backing::Plain(why) | Backing::Unknown(why), _) => {
                j.not_evaluated(d.path.clone(), format!("{}: {why}", d.path))
                    .at_opt(env_loc);
            }
        }
    }
    for (mountpoint, (m, how, dirs)) in plain {
        let listed: Vec<String> = dirs.iter().map(|d| origin_text(d)).collect();
        let location = dirs
            .iter()
            .flat_map(|d| d.origins.iter())
            .find_map(|o| o.at.as_ref())
            .map(|(rel, line)| target.location(rel).with_line(*line))
            .unwrap_or_else(|| target.location(&m.rel).with_line(m.line));
        j.fail(
            format!("mount:{mountpoint}"),
            format!(
                "CHT data is on {mountpoint} ({}, {}), which is not encrypted: {how}. Data there: {}. Patient records on a stolen disk or snapshot are readable; move the data to a LUKS volume.",
                m.source,
                m.fstype,
                listed.join(", ")
            ),
        )
        .at(location)
        .evidence("mountpoint", mountpoint.clone())
        .evidence("device", m.source.clone())
        .evidence("fstype", m.fstype.clone())
        .evidence("chain", how)
        .evidence("data_directories", dirs.iter().map(|d| d.path.clone()).collect::<Vec<_>>());
    }
    j.pass_evidence(
        "cht_installs",
        data.installs
            .iter()
            .map(|i| format!("/{i}"))
            .collect::<Vec<_>>(),
    );
    j.finish(
        "Every filesystem holding CHT data is encrypted at rest.",
        "no CHT data directory on this host (no CHT install, and no /srv data, /opt/couchdb/data or /var/lib/docker/volumes)",
    )
}
