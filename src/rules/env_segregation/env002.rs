//! ENV-002 published-development-secret: a CouchDB secret or UUID (or any
//! credential) is a value published in CHT's docs, charts or repositories,
//! or a placeholder such as `<uuid>`: every instance set up from the same
//! page shares it, and the CouchDB cookie secret signs session cookies.

use crate::facts::cht_settings::ChtSettings;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::rules::password_policy::{ALL_SOURCES, each_setting_where, weak::is_placeholder};
use crate::secret::is_secret_key;

/// Secrets and UUIDs published in CHT sources: cht-docs' app-developer
/// `.env` (COUCHDB_SECRET / COUCHDB_UUID), medic/helm-charts `cht-chart-4x`
/// values (couchdb.secret / couchdb.uuid), and cht-sync's compose file.
pub const PUBLISHED: [&str; 6] = [
    "19f3b9fb1d7aba1ef4d1c5ed709512ee",
    "e7122b1e463de4449fb05b0c494b0224",
    "f9053a0a-ef77-4be3-994d-87d6732600fd",
    "7300115e-1a98-4607-a37c-50e0c9913767",
    "9c0d6034-0f19-45df-8fcd-5fec9c473c73",
    "4c6bffc8-a5ac-4f98-a34c-6fb0e63964e5",
];

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
        |s| IDENTITY.contains(&s.key.as_str()) || s.known().is_some(),
        |j, s, value, loc| {
            let v = value.expose().trim().to_ascii_lowercase();
            let why = if PUBLISHED.contains(&v.as_str()) {
                "is a value published in CHT's docs or charts"
            } else if IDENTITY.contains(&s.key.as_str()) && is_placeholder(&v) {
                "is a placeholder copied from CHT's docs or charts"
            } else {
                j.checked(format!("{} {}", loc.path, s.written));
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
            .evidence("setting", s.written.clone())
            .evidence("value", value);
        },
    );
    j.finish(
        "No secret or UUID is a published or placeholder value.",
        "no CouchDB secret, UUID or other credential in the files",
    )
}
