//! ENV-002 published-development-secret: a CouchDB secret or UUID (or any
//! credential) is a value published in CHT's docs, charts or repositories,
//! or a placeholder such as `<uuid>`: every instance set up from the same
//! page shares it, and the CouchDB cookie secret signs session cookies.

use crate::facts::cht_settings::{ChtSettings, Setting, Via};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::weak::{is_placeholder, is_published_password};
use crate::rules::password_policy::{ALL_SOURCES, each_setting_where};
use crate::secret::is_secret_key;

/// Secrets and UUIDs published in CHT sources: cht-docs' app-developer
/// `.env` (COUCHDB_SECRET / COUCHDB_UUID), medic/helm-charts `cht-chart-4x`
/// values (couchdb.secret / couchdb.uuid), cht-sync's compose file, the
/// CouchDB compose of cht-interoperability (copied into third-party
/// stacks), and Superset's documented default `SECRET_KEY` (cht-sync's
/// dashboards). Lower case: compared case-insensitively.
pub const PUBLISHED: [&str; 8] = [
    "19f3b9fb1d7aba1ef4d1c5ed709512ee",
    "e7122b1e463de4449fb05b0c494b0224",
    "f9053a0a-ef77-4be3-994d-87d6732600fd",
    "7300115e-1a98-4607-a37c-50e0c9913767",
    "9c0d6034-0f19-45df-8fcd-5fec9c473c73",
    "4c6bffc8-a5ac-4f98-a34c-6fb0e63964e5",
    "cc0c3ba1-88ee-4ae3-bfd3-6e0ee56ed534",
    "thisisasecret_1234",
];

/// Passwords other rules judge (PASS-010 the CouchDB admin password,
/// PASS-016 Grafana's): left to them here.
const JUDGED_ELSEWHERE: [&str; 2] = ["COUCHDB_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD"];

/// Why a credential other than the CouchDB identity is published: a
/// default written into a compose file (`${VAR:-value}`, what runs whenever
/// the variable is unset, readable by everyone who has the file), or a
/// password value published by the tools around CHT (pgAdmin's and
/// Superset's `admin`, cht-sync's examples...).
fn published_credential(s: &Setting, v: &str) -> Option<&'static str> {
    if JUDGED_ELSEWHERE.contains(&&*s.key) || v.is_empty() {
        return None;
    }
    if is_published_password(v) {
        return Some(
            "is a default password published in the docs or examples of CHT and the tools around it",
        );
    }
    if is_placeholder(v) {
        return Some("is a placeholder that was never replaced");
    }
    None
}

/// A compose default (`${VAR:-value}`) for an identity setting: written in
/// the compose file, so every deployment of that file that leaves the
/// variable unset shares it.
fn compose_default(s: &Setting) -> bool {
    matches!(s.via, Via::Compose { .. }) && s.raw.is_some() && s.defaulted()
}

/// The settings that identify an instance and sign its sessions.
const IDENTITY: [&str; 2] = ["COUCHDB_SECRET", "COUCHDB_UUID"];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let settings = ctx.facts.get::<ChtSettings>();
    let mut j = Judgement::new();
    each_setting_where(
        ctx,
        &settings,
        &mut j,
        |k| IDENTITY.contains(&k) || is_secret_key(k),
        ALL_SOURCES,
        // An unresolvable password is PASS-010's to report.
        |s| IDENTITY.contains(&&*s.key) || s.known().is_some(),
        |j, s, value, loc| {
            let v = value.expose().trim().to_ascii_lowercase();
            let identity = IDENTITY.contains(&&*s.key);
            let why = if PUBLISHED.contains(&v.as_str()) {
                "is a value published in CHT's docs or charts"
            } else if identity && is_placeholder(&v) {
                "is a placeholder copied from CHT's docs or charts"
            } else if identity && is_published_password(&v) {
                "is a well-known default value"
            } else if identity && compose_default(s) {
                "is the default the compose file itself writes (used whenever the variable is unset): everyone who has the file has it"
            } else if let Some(why) = (!identity).then(|| published_credential(s, &v)).flatten() {
                why
            } else {
                j.checked([&*loc.path, " ", &s.written].concat());
                return;
            };
            j.fail(
                s.logical_key(),
                format!(
                    "{} ({}) {why}: every instance set up from the same page shares it. Generate a new one (uuidgen, or openssl rand -hex 16).",
                    s.written,
                    s.context()
                ),
            )
            .at(loc)
            .evidence("setting", s.written.to_string())
            .evidence("value", value);
        },
    );
    j.finish(
        "No secret or UUID is a published or placeholder value.",
        "no CouchDB secret, UUID or other credential in the files",
    )
}
