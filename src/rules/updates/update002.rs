//! UPDATE-002 image-not-pinned: in production, a CHT, CouchDB or Postgres
//! image is `latest`, untagged, a branch, or a pre-release (`-alpha`,
//! `-beta`, `-rc`, CHT's `-FR-` feature releases): what runs changes under
//! the instance, or was never released. Files whose environment is known and
//! not production are not judged; an unknown environment is judged.

use crate::facts::images::{Component, Images};
use crate::lifecycle::{Tag, parse_tag, pre_release};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

use super::{at, key};

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let images = ctx.facts.get::<Images>();
    let mut j = Judgement::new();
    super::broken_files(ctx, &images, &mut j);
    for image in &images.images {
        if !(image.component.is_cht()
            || matches!(image.component, Component::CouchDb | Component::Postgres))
        {
            continue;
        }
        let env = ctx.environment(&image.rel);
        if env.is_some() && !ctx.policy.is_production(env.as_deref()) {
            continue;
        }
        let name = image.name();
        let Some(reference) = super::known_reference(ctx, image, &mut j) else {
            continue;
        };
        if reference.digest.is_some() {
            j.checked(format!(
                "{}: {} (pinned by digest)",
                image.via,
                reference.display()
            ));
            continue;
        }
        let problem = match parse_tag(reference.tag.as_deref()) {
            Tag::Latest { explicit: true } => {
                Some("is tagged `latest`: every pull may bring a different release".to_string())
            }
            Tag::Latest { explicit: false } => Some(
                "has no tag, which docker reads as `latest`: every pull may bring a different release"
                    .to_string(),
            ),
            Tag::Other(t) => Some(format!(
                "is tagged {t:?}, which is not a release version (a branch or moving tag)"
            )),
            // medic-os (CHT 3.x) was only ever published with `-rc` tags,
            // and CHT's own 3.x self-hosting compose used them: a pinned one
            // is as pinned as it gets (UPDATE-001 judges that 3.x ended).
            Tag::Version(_) if image.component == Component::MedicOs => None,
            Tag::Version(v) => pre_release(&v).map(|p| format!("is {v}, {}", p.describe())),
        };
        match problem {
            None => j.checked(format!("{}: {}", image.via, reference.display())),
            Some(p) => {
                let env_note = match &env {
                    Some(e) => format!("in {e}"),
                    None => "in a file whose environment is not known (judged as production; label it with --env or [environments])".to_string(),
                };
                j.fail(
                    key(image),
                    format!(
                        "{name} ({}) {p}, {env_note}. Pin a released version (CHT: the version you upgraded to, e.g. `:5.2.0`) or a digest.",
                        image.via
                    ),
                )
                .at(at(ctx, image))
                .evidence("image", reference.display())
                .evidence("environment", env.as_deref());
            }
        }
    }
    j.finish(
        "Every CHT, CouchDB and Postgres image in production is pinned to a released version.",
        "no CHT, CouchDB or Postgres image in a production file",
    )
}
