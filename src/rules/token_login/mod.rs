//! The token-login pack (TOKEN): how people authenticate beyond a password —
//! CHT's token (magic link) login and OIDC in app settings, users CSV rows
//! that get token login (TOKEN-001..007), and a second factor for SSH on the
//! host (TOKEN-008).

mod token001;
mod token002;
mod token003;
mod token004;
mod token005;
mod token006;
mod token007;
mod token008;

use crate::facts::json::Json;
use crate::facts::{Doc, Kind, Parsed};
use crate::outcome::{Judgement, Location};
use crate::rules::password_policy::each_parsed;
use crate::rules::{Ctx, Rule};

pub const RULES: &[Rule] = &[
    Rule {
        id: "TOKEN-001",
        check: token001::check,
    },
    Rule {
        id: "TOKEN-002",
        check: token002::check,
    },
    Rule {
        id: "TOKEN-003",
        check: token003::check,
    },
    Rule {
        id: "TOKEN-004",
        check: token004::check,
    },
    Rule {
        id: "TOKEN-005",
        check: token005::check,
    },
    Rule {
        id: "TOKEN-006",
        check: token006::check,
    },
    Rule {
        id: "TOKEN-007",
        check: token007::check,
    },
    Rule {
        id: "TOKEN-008",
        check: token008::check,
    },
];

/// Calls `judge` with every CHT app settings file's top-level object,
/// pruned to `rules::APP_SETTINGS_READ`: a path a TOKEN rule reads must be
/// listed there.
fn each_app_settings<'f>(
    ctx: &'f Ctx,
    j: &mut Judgement,
    mut judge: impl FnMut(&mut Judgement, &'f Doc, &'f Json, Location),
) {
    each_parsed(ctx, j, Kind::AppSettings, |j, doc, parsed, loc| {
        if let Parsed::AppSettings(settings) = parsed {
            judge(j, doc, settings, loc);
        }
    });
}

/// `token_login.enabled` as CHT reads it (a truthy value), and the line.
fn token_login_enabled(settings: &Json) -> Option<u32> {
    let tl = settings.get("token_login")?;
    let enabled = tl.get("enabled")?;
    enabled.truthy().then_some(enabled.line)
}

/// A non-empty string member.
fn non_empty<'a>(j: &'a Json, key: &str) -> Option<&'a Json> {
    j.get(key)
        .filter(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()))
}
