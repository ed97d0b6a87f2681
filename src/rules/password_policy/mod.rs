//! The password-policy pack (PASS): how accounts, passwords and password
//! logins are governed — password aging, length and quality (login.defs,
//! PAM, pwquality), hash schemes and empty passwords (shadow), sshd's
//! password, root and empty-password logins, login lockout (PASS-001..009);
//! and the CouchDB admin password wherever a deployment sets it, forced
//! password changes, users CSV files, the monitoring admin password
//! (PASS-010..016).

pub(crate) mod pam_stacks;
mod pass001;
mod pass002;
mod pass003;
mod pass004;
mod pass005;
mod pass006;
mod pass007;
mod pass008;
mod pass009;
mod pass010;
mod pass011;
mod pass012;
mod pass013;
mod pass014;
mod pass015;
mod pass016;
pub(crate) mod sshd_scopes;
pub mod weak;

use crate::facts::cht_settings::{ChtSettings, Setting, Value};
use crate::facts::inventory::is_example;
use crate::facts::{Doc, Kind, Parsed};
use crate::outcome::{Judgement, Location};
use crate::rules::{Ctx, Rule};
use crate::secret::Secret;

pub const RULES: &[Rule] = &[
    Rule {
        id: "PASS-001",
        check: pass001::check,
    },
    Rule {
        id: "PASS-002",
        check: pass002::check,
    },
    Rule {
        id: "PASS-003",
        check: pass003::check,
    },
    Rule {
        id: "PASS-004",
        check: pass004::check,
    },
    Rule {
        id: "PASS-005",
        check: pass005::check,
    },
    Rule {
        id: "PASS-006",
        check: pass006::check,
    },
    Rule {
        id: "PASS-007",
        check: pass007::check,
    },
    Rule {
        id: "PASS-008",
        check: pass008::check,
    },
    Rule {
        id: "PASS-009",
        check: pass009::check,
    },
    Rule {
        id: "PASS-010",
        check: pass010::check,
    },
    Rule {
        id: "PASS-011",
        check: pass011::check,
    },
    Rule {
        id: "PASS-012",
        check: pass012::check,
    },
    Rule {
        id: "PASS-013",
        check: pass013::check,
    },
    Rule {
        id: "PASS-014",
        check: pass014::check,
    },
    Rule {
        id: "PASS-015",
        check: pass015::check,
    },
    Rule {
        id: "PASS-016",
        check: pass016::check,
    },
];

/// Calls `judge` for every parsed file of `kind` in the target, examples and
/// templates left out; files that could not be parsed go into `j` as not
/// evaluated with their error.
pub fn each_parsed<'f>(
    ctx: &'f Ctx,
    j: &mut Judgement,
    kind: Kind,
    mut judge: impl FnMut(&mut Judgement, &'f Doc, &'f Parsed, Location),
) {
    for doc in ctx.facts.docs_of(kind) {
        if is_example(&doc.rel) {
            continue;
        }
        let location = ctx.location(&doc.rel);
        match &doc.content {
            Ok(parsed) => judge(j, doc, parsed, location),
            Err(e) => {
                j.not_evaluated(doc.rel.to_string(), format!("{}: {e}", location.path))
                    .at(location);
            }
        }
    }
}

/// Where a setting is, for a finding.
pub fn setting_location(ctx: &Ctx, s: &Setting) -> Location {
    let loc = ctx.location(&s.rel);
    match s.line {
        Some(l) => loc.with_line(l),
        None => loc,
    }
}

/// Every kind of file a setting may come from.
pub const ALL_SOURCES: &[Kind] = &[
    Kind::DotEnv,
    Kind::Compose,
    Kind::HelmValues,
    Kind::CouchIni,
];

/// Calls `judge` for every known value of the settings `keys` that `wanted`
/// keeps; files of the `sources` kinds that could not be parsed, and values
/// that cannot be resolved, go into `j` as not evaluated.
pub fn each_setting<'s>(
    ctx: &Ctx,
    settings: &'s ChtSettings,
    j: &mut Judgement,
    keys: &[&str],
    sources: &[Kind],
    wanted: impl Fn(&Setting) -> bool,
    judge: impl FnMut(&mut Judgement, &'s Setting, &'s Secret, Location),
) {
    each_setting_where(
        ctx,
        settings,
        j,
        |k| keys.contains(&k),
        sources,
        wanted,
        judge,
    );
}

/// `each_setting` with the keys chosen by a predicate on the key (one test
/// per setting, never a list as long as the settings).
pub fn each_setting_where<'s>(
    ctx: &Ctx,
    settings: &'s ChtSettings,
    j: &mut Judgement,
    key_wanted: impl Fn(&str) -> bool,
    sources: &[Kind],
    wanted: impl Fn(&Setting) -> bool,
    mut judge: impl FnMut(&mut Judgement, &'s Setting, &'s Secret, Location),
) {
    for (rel, _, error) in settings
        .broken
        .iter()
        .filter(|(_, k, _)| sources.contains(k))
    {
        let loc = ctx.location(rel);
        j.not_evaluated(rel.clone(), format!("{}: {error}", loc.path))
            .at(loc);
    }
    for s in settings
        .settings
        .iter()
        .filter(|s| key_wanted(&s.key) && wanted(s))
    {
        let loc = setting_location(ctx, s);
        match &s.value {
            Value::Unresolved(why) => {
                j.not_evaluated(
                    s.logical_key(),
                    format!(
                        "{} ({}): its value cannot be known: {why}",
                        s.written,
                        s.context()
                    ),
                )
                .at(loc);
            }
            Value::Set { value, .. } => judge(j, s, value, loc),
        }
    }
}
