//! PASS-013 couchdb-admin-password-plaintext-ini: a CouchDB ini `[admins]`
//! value is not a `-pbkdf2-` hash: a plain password in a file (CouchDB hashes
//! it only once it starts and can write the file), or the legacy SHA-1
//! `-hashed-` form.

use crate::facts::Kind;
use crate::facts::cht_settings::{ChtSettings, Via};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let settings = ctx.facts.get::<ChtSettings>();
    let mut j = Judgement::new();
    super::each_setting(
        ctx,
        &settings,
        &mut j,
        &["COUCHDB_PASSWORD"],
        &[Kind::CouchIni],
        |s| s.via == Via::Ini,
        |j, s, value, loc| {
            let v = value.expose();
            let why = if v.starts_with("-pbkdf2-") {
                j.checked([&*loc.path, " ", &s.written].concat());
                return;
            } else if v.starts_with("-hashed-") {
                "uses the legacy salted SHA-1 form (-hashed-)"
            } else {
                "is a plain-text password"
            };
            j.fail(
                s.logical_key(),
                format!(
                    "CouchDB admin {} {why}; anyone who can read the file has the admin password. Let CouchDB hash it (-pbkdf2-) and keep only the hash in the repo.",
                    s.written
                ),
            )
            .at(loc)
            .evidence("setting", s.written.to_string())
            .evidence("value", value);
        },
    );
    j.finish(
        "Every CouchDB [admins] entry is a -pbkdf2- hash.",
        "no CouchDB [admins] entries",
    )
}
