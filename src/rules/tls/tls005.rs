//! TLS-005 certificate-untrusted: the presented chain does not lead to a
//! trust anchor (webpki roots, or `--ca-file`) — self-signed certificates
//! included. Trust is judged inside the leaf's validity window, so expiry
//! stays TLS-004's finding.

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let p = match super::probe(ctx) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let loc = super::endpoint_location(ctx);
    let mut j = Judgement::new();
    match &p.verification {
        None => {
            j.not_evaluated(
                "chain",
                format!("{}: no certificate chain was obtained", loc.path),
            )
            .at(loc);
        }
        Some(v) if v.not_yet_valid => {
            j.fail(
                "chain",
                format!(
                    "{}: {}; clients refuse it until then. Check the server's clock and the certificate's notBefore.",
                    loc.path,
                    v.time.as_deref().unwrap_or("a certificate is not valid yet")
                ),
            )
            .at(loc)
            .evidence("not_before", p.chain.first().map(|c| crate::clock::Date::from_days(c.not_before.div_euclid(86_400)).to_string()));
        }
        Some(v) => match &v.trusted {
            Ok(()) => {
                j.pass_evidence("roots", v.roots.clone());
                j.pass_evidence("chain", super::chain_evidence(&p));
                j.checked(format!("chain of {} certificate(s)", p.chain.len()));
            }
            Err(why) => {
                let leaf = p.chain.first();
                let self_signed = leaf.is_some_and(|c| c.self_signed);
                j.fail(
                    "chain",
                    format!(
                        "{}: {}{why}; clients will refuse it. Serve a certificate from a public CA (Let's Encrypt) with its intermediates.",
                        loc.path,
                        if self_signed { "the certificate is self-signed: " } else { "" }
                    ),
                )
                .at(loc)
                .evidence("roots", v.roots.clone())
                .evidence("self_signed", self_signed)
                .evidence("issuer", leaf.map(|c| c.issuer.clone()))
                .evidence("chain", super::chain_evidence(&p));
            }
        },
    }
    j.finish("The chain leads to a trusted root.", "no probe")
}
