//! The tls pack (TLS-001..013, TLS-015): live endpoints (protocol versions,
//! cipher suites, certificate chain, HTTP redirect, HSTS), certificate files
//! in trees and on hosts, nginx `ssl_protocols` / `ssl_ciphers`, and exposed
//! private keys. TLS-014, -016 and -017 live in `tls_config`.

pub(crate) mod certs;
mod tls001;
mod tls002;
mod tls003;
mod tls004;
mod tls005;
mod tls006;
mod tls007;
mod tls008;
mod tls009;
mod tls010;
mod tls011;
mod tls012;
mod tls013;
mod tls015;

use std::sync::Arc;

use crate::outcome::{Evidence, Judgement, Location, Outcome};
use crate::probe::TlsProbe;
use crate::rules::{Ctx, Rule};

pub const RULES: &[Rule] = &[
    Rule {
        id: "TLS-001",
        check: tls001::check,
    },
    Rule {
        id: "TLS-002",
        check: tls002::check,
    },
    Rule {
        id: "TLS-003",
        check: tls003::check,
    },
    Rule {
        id: "TLS-004",
        check: tls004::check,
    },
    Rule {
        id: "TLS-005",
        check: tls005::check,
    },
    Rule {
        id: "TLS-006",
        check: tls006::check,
    },
    Rule {
        id: "TLS-007",
        check: tls007::check,
    },
    Rule {
        id: "TLS-008",
        check: tls008::check,
    },
    Rule {
        id: "TLS-009",
        check: tls009::check,
    },
    Rule {
        id: "TLS-010",
        check: tls010::check,
    },
    Rule {
        id: "TLS-011",
        check: tls011::check,
    },
    Rule {
        id: "TLS-012",
        check: tls012::check,
    },
    Rule {
        id: "TLS-013",
        check: tls013::check,
    },
    Rule {
        id: "TLS-015",
        check: tls015::check,
    },
];

/// The endpoint's pseudo-location (`tls/<host>_<port>` in SARIF).
fn endpoint_location(ctx: &Ctx) -> Location {
    ctx.target().pseudo_location("")
}

/// The probe of a TLS target, or the outcome to return when there is none
/// to judge (the endpoint was unreachable, stalled or not TLS).
fn probe(ctx: &Ctx) -> Result<Arc<TlsProbe>, Vec<Outcome>> {
    let p = ctx.facts.get::<TlsProbe>();
    match &p.failure {
        None => Ok(p),
        Some(why) => {
            let mut j = Judgement::new();
            let loc = endpoint_location(ctx);
            j.not_evaluated("endpoint", format!("{}: {why}", loc.path))
                .at(loc)
                .evidence("elapsed_ms", p.elapsed_ms)
                .evidence("address", p.address.clone());
            Err(j.finish("", ""))
        }
    }
}

/// Every protocol version and what the server said to it.
fn protocols_evidence(p: &TlsProbe) -> Evidence {
    let mut e = Evidence::new();
    for (v, st) in &p.versions {
        let text = match st {
            crate::probe::VersionStatus::Accepted => "accepted".to_string(),
            crate::probe::VersionStatus::Rejected(w) => format!("refused: {w}"),
            crate::probe::VersionStatus::Unknown(w) => format!("unknown: {w}"),
        };
        e.put(v.name(), text);
    }
    e
}

/// Every accepted suite: IANA name, code point, versions.
fn suites_evidence(p: &TlsProbe) -> Vec<String> {
    p.suites
        .iter()
        .map(|s| {
            let v: Vec<&str> = s.versions.iter().map(|v| v.name()).collect();
            format!("{} ({}; {})", s.name, s.id, v.join(" "))
        })
        .collect()
}

/// The presented chain, one summary per certificate.
fn chain_evidence(p: &TlsProbe) -> Vec<Evidence> {
    p.chain
        .iter()
        .map(|c| {
            Evidence::new()
                .with("subject", c.subject.clone())
                .with("issuer", c.issuer.clone())
                .with("not_after", c.not_after_text.clone())
                .with("key", c.key.describe())
                .with("signature", c.signature_algorithm.clone())
                .with(
                    "sans",
                    c.dns_names
                        .iter()
                        .chain(&c.ip_addresses)
                        .cloned()
                        .collect::<Vec<_>>(),
                )
                .with("self_signed", c.self_signed)
                .with("sha256", c.sha256.clone())
        })
        .collect()
}
