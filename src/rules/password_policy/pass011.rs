//! PASS-011 couchdb-admin-password-weak: the CouchDB admin password is
//! shorter than the policy's minimum or scores below the policy's minimum on
//! CHT's own password tester. Empty and placeholder values are PASS-010's.

use super::weak::{cht_score, is_hashed, is_placeholder};
use crate::facts::cht_settings::ChtSettings;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let settings = ctx.facts.get::<ChtSettings>();
    let min_len = ctx.policy.password.couchdb_min_length as usize;
    let min_score = i64::from(ctx.policy.password.couchdb_min_score);
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
            if is_hashed(v) || v.is_empty() || is_placeholder(v) {
                // Hashes cannot be measured; empty values and placeholders
                // are PASS-010's finding.
                return;
            }
            let length = v.chars().count();
            let score = cht_score(v);
            let mut failed = Vec::new();
            if length < min_len {
                failed.push(format!("length {length} < {min_len}"));
            }
            if score < min_score {
                failed.push(format!("CHT score {score} < {min_score}"));
            }
            if failed.is_empty() {
                j.checked([&*loc.path, " ", &s.written].concat());
                return;
            }
            j.fail(
                s.logical_key(),
                format!(
                    "The CouchDB admin password {} ({}) is weak: {}. Use a long random value (the CHT install guide generates seven random words).",
                    s.written,
                    s.context(),
                    failed.join(", ")
                ),
            )
            .at(loc)
            .evidence("setting", s.written.to_string())
            .evidence("length", length)
            .evidence("score", score)
            .evidence("failed_checks", failed)
            .evidence("min_length", min_len)
            .evidence("min_score", min_score);
        },
    );
    j.pass_evidence("min_length", min_len);
    j.pass_evidence("min_score", min_score);
    j.finish(
        "Every CouchDB admin password found is long enough and scores well on CHT's password tester.",
        "no plain CouchDB admin password set in the files",
    )
}
