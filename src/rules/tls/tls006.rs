//! TLS-006 certificate-hostname-mismatch: no subject alternative name (or IP
//! address) of the leaf covers the probed host name.

use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let p = match super::probe(ctx) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let loc = super::endpoint_location(ctx);
    let host = p
        .endpoint
        .as_ref()
        .map_or_else(String::new, |e| e.host.clone());
    let mut j = Judgement::new();
    match (&p.verification, p.chain.first()) {
        (Some(v), Some(leaf)) => match &v.hostname {
            Ok(()) => j.checked(format!("{host} is covered")),
            Err(why) => {
                let mut names = leaf.dns_names.clone();
                names.extend(leaf.ip_addresses.iter().cloned());
                j.fail(
                    "hostname",
                    format!(
                        "{}: the certificate does not cover {host} ({why}); it names {}. Issue one whose SANs include {host}.",
                        loc.path,
                        if names.is_empty() { "no SAN at all".to_string() } else { names.join(", ") }
                    ),
                )
                .at(loc)
                .evidence("host", host.clone())
                .evidence("sans", names)
                .evidence("common_name", leaf.common_name.clone());
            }
        },
        _ => {
            j.not_evaluated(
                "hostname",
                format!("{}: no certificate was obtained", loc.path),
            )
            .at(loc);
        }
    }
    j.finish("The certificate covers the host name.", "no probe")
}
