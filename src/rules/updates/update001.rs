//! UPDATE-001 cht-version-unsupported: a CHT image (4.x/5.x services, 3.x
//! medic-os) runs a version below the policy's `minimum-cht-version`, by
//! default the oldest release line CHT still supports today according to
//! rampart's dated release table (which names its source).

use crate::facts::images::Images;
use crate::lifecycle::{Tag, parse_tag};
use crate::outcome::{Judgement, Outcome, not_evaluated};
use crate::rules::Ctx;

use super::{at, key};

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let images = ctx.facts.get::<Images>();
    let table = ctx.policy.updates.lifecycle();
    let (minimum, why_minimum) = match &ctx.policy.updates.minimum_cht_version {
        Some((text, v)) => (
            v.clone(),
            format!("the policy's minimum-cht-version {text}"),
        ),
        None => match table.oldest_supported(ctx.today) {
            Some(line) => (
                semver::Version::new(line.major, line.minor, 0),
                format!(
                    "{}, the oldest CHT release line supported on {} ({})",
                    line.series(),
                    ctx.today,
                    line.source
                ),
            ),
            None => {
                return not_evaluated(
                    "no CHT release line in the release table is supported today: add one or set [updates] minimum-cht-version",
                );
            }
        },
    };
    let mut j = Judgement::new();
    super::broken_files(ctx, &images, &mut j);
    for image in images
        .images
        .iter()
        .filter(|i| i.component.carries_cht_version())
    {
        let name = image.name();
        let Some(reference) = super::known_reference(ctx, image, &mut j) else {
            continue;
        };
        let version = match parse_tag(reference.tag.as_deref()) {
            Tag::Version(v) => v,
            Tag::Latest { .. } | Tag::Other(_) => {
                j.not_evaluated(
                    key(image),
                    format!(
                        "the {name} image of {} is tagged {:?}, which names no CHT version (UPDATE-002 judges unpinned tags)",
                        image.via,
                        reference.tag.as_deref().unwrap_or("(none: latest)")
                    ),
                )
                .at(at(ctx, image))
                .evidence("image", reference.display());
                continue;
            }
        };
        let release = semver::Version::new(version.major, version.minor, version.patch);
        let line = table.cht_line(version.major, version.minor);
        if release >= minimum {
            j.checked(format!("{} {}: {version}", image.via, name));
            continue;
        }
        let same_major: Vec<_> = table
            .cht
            .iter()
            .filter(|l| l.major == version.major)
            .collect();
        let ended = match line.and_then(|l| l.end.map(|e| (e, &l.source))) {
            Some((end, source)) => format!(
                " CHT {}.{} reached end of support on {end} ({source}).",
                version.major, version.minor
            ),
            // A line the table does not list (3.11): when every listed line of
            // its major has ended, so has it.
            None if !same_major.is_empty() && same_major.iter().all(|l| l.end.is_some()) => {
                let last = same_major.iter().max_by_key(|l| l.end).expect("not empty");
                format!(
                    " Every CHT {}.x line reached end of support, the last ({}) on {} ({}).",
                    version.major,
                    last.series(),
                    last.end.expect("all ended"),
                    last.source
                )
            }
            None => String::new(),
        };
        j.fail(
            key(image),
            format!(
                "{name} {version} ({}) is below {why_minimum}.{ended} Upgrade the instance to a supported CHT release.",
                image.via
            ),
        )
        .at(at(ctx, image))
        .evidence("image", reference.display())
        .evidence("version", version.to_string())
        .evidence("minimum", minimum.to_string())
        .evidence("end_of_support", line.and_then(|l| l.end).map(|d| d.to_string()));
    }
    j.pass_evidence("minimum", minimum.to_string());
    j.finish(
        "Every CHT image runs a supported release.",
        "no CHT image (cht-api, cht-sentinel, cht-nginx, cht-haproxy, cht-couchdb, medic-os) in the files",
    )
}
