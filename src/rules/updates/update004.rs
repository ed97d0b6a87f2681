//! UPDATE-004 os-end-of-life: `/etc/os-release` names a release past its
//! vendor's end of standard support, per rampart's dated table (each row
//! names the vendor's lifecycle page) and the rows the policy adds.

use crate::facts::host_updates::HostUpdates;
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let updates = ctx.facts.get::<HostUpdates>();
    let Some(file) = &updates.os_release else {
        return not_evaluated(
            "neither /etc/os-release nor /usr/lib/os-release exists: the release is unknown",
        );
    };
    let loc = ctx.target().location(&file.rel);
    let os = match &file.content {
        Ok(os) => os,
        Err(e) => {
            let mut j = Judgement::new();
            j.not_evaluated("os-release", format!("{}: {e}", loc.path))
                .at(loc);
            return j.finish("", "");
        }
    };
    let table = ctx.policy.updates.lifecycle();
    let mut j = Judgement::new();
    let at = loc.clone().with_line(os.line);
    match table.os_row(&os.id, &os.version_id) {
        None => {
            let why = if table.knows_os(&os.id) {
                format!(
                    "{} ({} {}) is not in rampart's release table: add its end of support with [[updates.os]] in the policy",
                    os.describe(),
                    os.id,
                    os.version_id
                )
            } else {
                format!(
                    "rampart's release table has no dates for {} (ID={}): add them with [[updates.os]] in the policy",
                    os.describe(),
                    os.id
                )
            };
            j.not_evaluated("os-release", why).at(at);
        }
        Some(row) => match row.end {
            Some(end) if end < ctx.today => {
                let extended = row
                    .extended
                    .as_deref()
                    .map(|e| format!(" What remains is {e}."))
                    .unwrap_or_default();
                j.fail(
                    format!("os|{}|{}", row.id, row.version),
                    format!(
                        "{} reached the end of its vendor's standard support on {end} ({}); it no longer gets regular security updates.{extended} Upgrade to a supported release.",
                        row.name, row.source
                    ),
                )
                .at(at)
                .evidence("os", os.describe())
                .evidence("end_of_support", end.to_string())
                .evidence("source", row.source.clone());
            }
            end => {
                j.checked(format!(
                    "{}: supported until {}",
                    row.name,
                    end.map_or("no announced end".to_string(), |d| d.to_string())
                ));
                j.pass_evidence("source", row.source.clone());
            }
        },
    }
    j.finish(
        "The operating system release is within its vendor's standard support.",
        "",
    )
}
