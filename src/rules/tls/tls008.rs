//! TLS-008 weak-certificate-signature: a certificate is signed with MD2, MD5
//! or SHA-1. A trust anchor's self-signature (a root at the end of a chain)
//! is not checked by anyone and is left out.

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    let subjects = match super::certs::subjects(ctx, &mut j) {
        Ok(s) => s,
        Err(o) => return o,
    };
    for s in subjects.iter().filter(|s| !s.is_trust_anchor()) {
        if s.cert.signature_hash.is_weak() {
            j.fail(
                s.key.clone(),
                format!(
                    "{}: the certificate is signed with {}; collisions make such signatures forgeable. Reissue it with SHA-256 or better.",
                    s.label, s.cert.signature_algorithm
                ),
            )
            .at(s.location.clone())
            .evidence("signature_algorithm", s.cert.signature_algorithm.clone())
            .evidence("sha256", s.cert.sha256.clone());
        } else {
            j.checked(format!("{}: {}", s.label, s.cert.signature_algorithm));
        }
    }
    j.finish(
        "No certificate is signed with MD5 or SHA-1.",
        "no certificates",
    )
}
