//! PASS-010 couchdb-admin-password-default: the CouchDB admin password
//! (`COUCHDB_PASSWORD` in a dotenv file or compose `environment:`, helm
//! `couchdb.password`, a plain CouchDB `[admins]` value) is empty, a
//! placeholder, or a value published in CHT's docs and charts.

use super::weak::{is_hashed, is_placeholder, is_published_password};
use crate::facts::cht_settings::ChtSettings;
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
        super::ALL_SOURCES,
        |_| true,
        |j, s, value, loc| {
            let v = value.expose();
            if is_hashed(v) {
                j.checked(format!("{} (hashed)", loc.path));
                return;
            }
            let why = if v.is_empty() {
                "is empty"
            } else if is_placeholder(v) {
                "is a placeholder, not a password"
            } else if is_published_password(v) {
                "is a default value published in CHT's docs, charts or examples"
            } else {
                j.checked([&*loc.path, " ", &s.written].concat());
                return;
            };
            j.fail(
                s.logical_key(),
                format!(
                    "The CouchDB admin password {} ({}) {why}: anyone who has read the same docs can log in as the CouchDB admin.",
                    s.written,
                    s.context()
                ),
            )
            .at(loc)
            .evidence("setting", s.written.to_string())
            .evidence("source", s.context())
            .evidence("value", value)
            .evidence("defaulted", s.defaulted());
        },
    );
    j.finish(
        "No CouchDB admin password is empty, a placeholder or a published default.",
        "no CouchDB admin password set in the files (COUCHDB_PASSWORD, helm couchdb.password, CouchDB [admins])",
    )
}
