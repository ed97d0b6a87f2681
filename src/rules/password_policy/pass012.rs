//! PASS-012 couchdb-admin-password-not-url-safe: the CouchDB admin password
//! holds a character that breaks the URL CHT builds from it
//! (`COUCH_URL=http://user:${COUCHDB_PASSWORD}@haproxy:5984/medic` is written
//! without encoding), so services fail to connect or connect elsewhere.

use crate::facts::Kind;
use crate::facts::cht_settings::{ChtSettings, Via};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

/// Characters that end or change the userinfo part of a URL.
const UNSAFE: [char; 9] = [':', '@', '/', '?', '#', '%', '\'', '"', ' '];

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let settings = ctx.facts.get::<ChtSettings>();
    let mut j = Judgement::new();
    super::each_setting(
        ctx,
        &settings,
        &mut j,
        &["COUCHDB_PASSWORD"],
        &[Kind::DotEnv, Kind::Compose, Kind::HelmValues],
        |s| s.via != Via::Ini,
        |j, s, value, loc| {
            let count = value
                .expose()
                .chars()
                .filter(|c| UNSAFE.contains(c))
                .count();
            if count == 0 {
                j.checked_with(|| format!("{} {}", loc.path, s.written));
                return;
            }
            j.fail(
                s.logical_key(),
                format!(
                    "The CouchDB admin password {} ({}) contains {count} character(s) that are not URL-safe (one of : @ / ? # % ' \" or a space); CHT puts it unencoded into COUCH_URL. Use letters, digits and - _ . only.",
                    s.written,
                    s.context()
                ),
            )
            .at(loc)
            .evidence("setting", s.written.to_string())
            .evidence("unsafe_characters", count);
        },
    );
    j.finish(
        "Every CouchDB admin password is URL-safe.",
        "no CouchDB admin password set in dotenv, compose or helm files",
    )
}
