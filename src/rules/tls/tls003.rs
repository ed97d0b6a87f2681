//! TLS-003 weak-cipher-suite-accepted: a TLS ≤ 1.2 suite without forward
//! secrecy or without AEAD is accepted (medium); NULL, export, anonymous,
//! RC4, DES, 3DES, RC2/IDEA or MD5 suites raise it to high. Suites come from
//! hand-built ClientHellos that offer every known suite and remove each one
//! the server picks until it refuses the rest.

use crate::outcome::{Judgement, Outcome, Severity};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let p = match super::probe(ctx) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let loc = super::endpoint_location(ctx);
    let mut j = Judgement::new();
    let mut insecure = Vec::new();
    let mut weak = Vec::new();
    let mut evidence_insecure = Vec::new();
    let mut evidence_weak = Vec::new();
    for s in &p.suites {
        let Some(suite) = crate::tls::suites::by_id(s.code) else {
            continue;
        };
        if suite.is_tls13() {
            continue;
        }
        let w = suite.weaknesses();
        let versions: Vec<&str> = s.versions.iter().map(|v| v.name()).collect();
        let line = format!(
            "{} ({}; {})",
            s.name,
            versions.join(", "),
            w.iter()
                .map(|x| x.describe())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if w.iter().any(|x| x.is_insecure()) {
            insecure.push(s.name.clone());
            evidence_insecure.push(line);
        } else if !w.is_empty() {
            weak.push(s.name.clone());
            evidence_weak.push(line);
        } else {
            j.checked(s.name.clone());
        }
    }
    let list = |v: &[String]| {
        let shown: Vec<&str> = v.iter().take(6).map(String::as_str).collect();
        let more = v.len().saturating_sub(6);
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    if !insecure.is_empty() {
        j.fail(
            "insecure-suites",
            format!(
                "{} accepts {} insecure suite{} (NULL, export, anonymous, RC4, DES, 3DES or MD5): {}.",
                loc.path,
                insecure.len(),
                if insecure.len() == 1 { "" } else { "s" },
                list(&insecure)
            ),
        )
        .at(loc.clone())
        .severity(Severity::High)
        .evidence("suites", evidence_insecure)
        .evidence("accepted_suites", super::suites_evidence(&p));
    }
    if !weak.is_empty() {
        j.fail(
            "weak-suites",
            format!(
                "{} accepts {} suite{} without forward secrecy or AEAD (CBC, static RSA): {}. Offer only ECDHE/DHE with AES-GCM or ChaCha20-Poly1305.",
                loc.path,
                weak.len(),
                if weak.len() == 1 { "" } else { "s" },
                list(&weak)
            ),
        )
        .at(loc.clone())
        .severity(Severity::Medium)
        .evidence("suites", evidence_weak)
        .evidence("accepted_suites", super::suites_evidence(&p));
    }
    for why in &p.suites_incomplete {
        j.not_evaluated("enumeration", format!("{}: {why}", loc.path))
            .at(loc.clone());
    }
    for (v, st) in &p.versions {
        if let crate::probe::VersionStatus::Unknown(why) = st
            && *v != crate::tls::Version::Tls13
        {
            j.not_evaluated(
                format!("enumeration-{v}"),
                format!(
                    "{}: the suites of {v} could not be enumerated: {why}",
                    loc.path
                ),
            )
            .at(loc.clone());
        }
    }
    if p.suites
        .iter()
        .all(|s| s.versions.iter().all(|v| *v == crate::tls::Version::Tls13))
        && !p.suites.is_empty()
    {
        j.checked("only TLS 1.3 suites");
    }
    j.pass_evidence("accepted_suites", super::suites_evidence(&p));
    j.finish(
        "Every accepted TLS ≤ 1.2 suite has forward secrecy and AEAD.",
        "no suites were accepted",
    )
}
