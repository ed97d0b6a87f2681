//! UPDATE-003 cht-versions-mixed: the CHT service images of one instance
//! (one compose project's `.env`, one helm release, one manifest folder) run
//! different CHT versions: a half-done upgrade or a hand edit.

use std::collections::BTreeMap;

use crate::facts::images::{Image, Images};
use crate::lifecycle::{Tag, parse_tag};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

use super::{at, key};

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let images = ctx.facts.get::<Images>();
    let mut j = Judgement::new();
    let mut by_instance: BTreeMap<&str, Vec<(&Image, String)>> = BTreeMap::new();
    for image in images
        .images
        .iter()
        .filter(|i| i.component.carries_cht_version())
    {
        let version = match &image.reference {
            Ok(r) => match parse_tag(r.tag.as_deref()) {
                Tag::Version(v) => v.to_string(),
                Tag::Latest { .. } => "latest".to_string(),
                Tag::Other(t) => t,
            },
            Err(why) => {
                j.not_evaluated(
                    key(image),
                    format!(
                        "the {} image of {} cannot be known: {why}",
                        image.name(),
                        image.via
                    ),
                )
                .at(at(ctx, image));
                continue;
            }
        };
        by_instance
            .entry(&image.instance)
            .or_default()
            .push((image, version));
    }
    for (instance, list) in &by_instance {
        let mut versions: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (image, v) in list {
            versions
                .entry(v)
                .or_default()
                .push(format!("{} ({})", image.name(), image.via));
        }
        if versions.len() <= 1 {
            j.checked(format!(
                "{instance}: {}",
                versions.keys().next().copied().unwrap_or_default()
            ));
            continue;
        }
        // Point at the first image whose version differs from the most common.
        let common = versions
            .iter()
            .max_by_key(|(_, v)| v.len())
            .map(|(k, _)| *k)
            .unwrap_or_default();
        let odd = list
            .iter()
            .find(|(_, v)| v != common)
            .map(|(i, _)| *i)
            .expect("more than one version");
        let summary: Vec<String> = versions
            .iter()
            .map(|(v, who)| format!("{v}: {}", who.join(", ")))
            .collect();
        j.fail(
            format!("mixed|{instance}"),
            format!(
                "The CHT services of {instance} run different versions ({}). CHT's services are released and upgraded together; finish the upgrade so all run one version.",
                summary.join("; ")
            ),
        )
        .at(at(ctx, odd))
        .evidence("versions", versions.keys().map(|s| s.to_string()).collect::<Vec<_>>());
    }
    j.finish(
        "Each CHT instance runs one CHT version across its services.",
        "no CHT service image in the files",
    )
}
