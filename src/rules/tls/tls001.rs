//! TLS-001 legacy-tls-protocol-accepted: the endpoint completes a hello with
//! SSLv3, TLS 1.0 or TLS 1.1 (hand-built ClientHellos; rustls cannot speak
//! them). A version whose answer could not be read is not evaluated.

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
    for v in [Version::Ssl3, Version::Tls10, Version::Tls11] {
        match p.versions.get(&v) {
            Some(VersionStatus::Accepted) => {
                let suites: Vec<String> = p
                    .suites
                    .iter()
                    .filter(|s| s.versions.contains(&v))
                    .map(|s| s.name.clone())
                    .collect();
                j.fail(
                    v.name(),
                    format!(
                        "{} accepts {v} ({} suite{}); SSLv3, TLS 1.0 and TLS 1.1 are deprecated (RFC 8996). Allow only TLS 1.2 and 1.3.",
                        loc.path,
                        suites.len(),
                        if suites.len() == 1 { "" } else { "s" }
                    ),
                )
                .at(loc.clone())
                .evidence("protocol", v.name())
                .evidence("suites", suites)
                .evidence("protocols", super::protocols_evidence(&p))
                .evidence("elapsed_ms", p.elapsed_ms)
                .evidence("connections", p.connections);
            }
            Some(VersionStatus::Rejected(why)) => j.checked(format!("{v} refused: {why}")),
            Some(VersionStatus::Unknown(why)) => {
                j.not_evaluated(
                    v.name(),
                    format!(
                        "{}: could not tell whether {v} is accepted: {why}",
                        loc.path
                    ),
                )
                .at(loc.clone());
            }
            None => {
                j.not_evaluated(v.name(), format!("{}: {v} was not probed", loc.path))
                    .at(loc.clone());
            }
        }
    }
    j.pass_evidence("protocols", super::protocols_evidence(&p));
    j.pass_evidence("elapsed_ms", p.elapsed_ms);
    j.pass_evidence("connections", p.connections);
    j.finish("SSLv3, TLS 1.0 and TLS 1.1 are refused.", "no probe")
}
