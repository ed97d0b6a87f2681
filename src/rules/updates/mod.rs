//! The updates pack: CHT images below the supported release line
//! (UPDATE-001), images not pinned to a release in production (UPDATE-002),
//! mixed CHT versions in one instance (UPDATE-003), an operating system past
//! its vendor's end of support (UPDATE-004), security updates not automatic
//! (UPDATE-005), a reboot pending after updates (UPDATE-006).

mod update001;
mod update002;
mod update003;
mod update004;
mod update005;
mod update006;

use crate::facts::images::{Image, ImageRef, Images};
use crate::outcome::{Judgement, Location};
use crate::rules::{Ctx, Rule};

pub const RULES: &[Rule] = &[
    Rule {
        id: "UPDATE-001",
        check: update001::check,
    },
    Rule {
        id: "UPDATE-002",
        check: update002::check,
    },
    Rule {
        id: "UPDATE-003",
        check: update003::check,
    },
    Rule {
        id: "UPDATE-004",
        check: update004::check,
    },
    Rule {
        id: "UPDATE-005",
        check: update005::check,
    },
    Rule {
        id: "UPDATE-006",
        check: update006::check,
    },
];

/// Where an image is written.
pub fn at(ctx: &Ctx, image: &Image) -> Location {
    ctx.target().location(&image.rel).with_line(image.line)
}

/// A stable key for an image finding: file, what runs it, the reference as
/// written.
pub fn key(image: &Image) -> String {
    format!("{}|{}|{}", image.rel, image.via, image.raw)
}

/// Files whose images could not be read: each is `not_evaluated` (their
/// images are unknown, never taken as up to date).
pub fn broken_files(ctx: &Ctx, images: &Images, j: &mut Judgement) {
    for (rel, err) in &images.broken {
        j.not_evaluated(
            format!("broken|{rel}"),
            format!(
                "{} could not be parsed ({err}); its images are unknown",
                ctx.target().location(rel).path
            ),
        )
        .at(ctx.target().location(rel));
    }
}

/// The image's parsed reference, or `not_evaluated` naming why it cannot be
/// known (an unset variable, an unparsable reference).
pub fn known_reference<'a>(ctx: &Ctx, image: &'a Image, j: &mut Judgement) -> Option<&'a ImageRef> {
    match &image.reference {
        Ok(r) => Some(r),
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
            None
        }
    }
}
