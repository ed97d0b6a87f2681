//! TLS-002 tls13-not-supported: the endpoint does not negotiate TLS 1.3
//! (rustls handshakes offering only TLS 1.3, one per suite).

use crate::outcome::{Judgement, Outcome};
use crate::probe::VersionStatus;
use crate::rules::Ctx;
use crate::tls::Version;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let p = match super::probe(ctx) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let loc = super::endpoint_location(ctx);
    let mut j = Judgement::new();
    match p.versions.get(&Version::Tls13) {
        Some(VersionStatus::Accepted) => {
            let suites: Vec<String> = p
                .suites
                .iter()
                .filter(|s| s.versions.contains(&Version::Tls13))
                .map(|s| s.name.clone())
                .collect();
            j.pass_evidence("tls13_suites", suites);
            j.checked("TLSv1.3 accepted");
        }
        Some(VersionStatus::Rejected(why)) => {
            j.fail(
                "TLSv1.3",
                format!("{} does not offer TLS 1.3 ({why}); enable it (nginx: ssl_protocols TLSv1.2 TLSv1.3).", loc.path),
            )
            .at(loc)
            .evidence("answer", why);
        }
        Some(VersionStatus::Unknown(why)) => {
            j.not_evaluated(
                "TLSv1.3",
                format!(
                    "{}: could not tell whether TLS 1.3 is offered: {why}",
                    loc.path
                ),
            )
            .at(loc);
        }
        None => {
            j.not_evaluated("TLSv1.3", format!("{}: TLS 1.3 was not probed", loc.path))
                .at(loc);
        }
    }
    j.finish("TLS 1.3 is offered.", "no probe")
}
