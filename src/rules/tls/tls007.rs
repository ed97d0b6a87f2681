//! TLS-007 weak-certificate-key: a certificate's key is RSA below the
//! policy's `min-rsa-bits` (default 2048), EC below `min-ec-bits` (256), or
//! DSA. Trust anchors at the end of a chain are left out.

use crate::facts::x509::KeyInfo;
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    let subjects = match super::certs::subjects(ctx, &mut j) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let pol = &ctx.policy.tls;
    for s in subjects.iter().filter(|s| !s.is_trust_anchor()) {
        let weak = match &s.cert.key {
            KeyInfo::Rsa { bits } if *bits < pol.min_rsa_bits => {
                Some(format!("policy wants at least {} bits", pol.min_rsa_bits))
            }
            KeyInfo::Ec { bits, .. } if *bits < pol.min_ec_bits => {
                Some(format!("policy wants at least {} bits", pol.min_ec_bits))
            }
            KeyInfo::Dsa { .. } => {
                Some("DSA certificates are no longer accepted by browsers".to_string())
            }
            _ => None,
        };
        match weak {
            Some(why) => {
                j.fail(
                    s.key.clone(),
                    format!(
                        "{}: the certificate key is {}; {why}. Issue a new key (RSA 2048+ or ECDSA P-256).",
                        s.label,
                        s.cert.key.describe()
                    ),
                )
                .at(s.location.clone())
                .evidence("key", s.cert.key.describe())
                .evidence("sha256", s.cert.sha256.clone());
            }
            None => j.checked(format!("{}: {}", s.label, s.cert.key.describe())),
        }
    }
    j.finish("Every certificate key is strong enough.", "no certificates")
}
