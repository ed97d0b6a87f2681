//! The certificates a certificate rule judges, whatever the target: the
//! chain a TLS endpoint presented, or the certificates in PEM/DER files of a
//! tree or host (the first of a file is its leaf, by nginx's convention).

use crate::facts::pem::PemFiles;
use crate::facts::x509::CertInfo;
use crate::outcome::{Judgement, Location, Outcome};
use crate::rules::Ctx;
use crate::target::TargetKind;

pub struct Subject {
    pub cert: CertInfo,
    pub location: Location,
    /// Logical key: `chain/0`, or `deploy/certs/cert.pem#0`.
    pub key: String,
    /// Position in its chain or file; 0 is the leaf.
    pub position: usize,
    /// How messages name it: `certificate 1 of tls:x:443` or a path.
    pub label: String,
}

impl Subject {
    /// A self-signed certificate after the leaf: a trust anchor, whose own
    /// signature and key nobody checks.
    pub fn is_trust_anchor(&self) -> bool {
        self.position > 0 && self.cert.self_signed
    }
}

/// The certificates, or the outcomes to return when there are none to judge.
/// Unreadable certificates go into `j` as not evaluated.
pub fn subjects(ctx: &Ctx, j: &mut Judgement) -> Result<Vec<Subject>, Vec<Outcome>> {
    let target = ctx.target();
    let mut out = Vec::new();
    if target.kind == TargetKind::Tls {
        let p = super::probe(ctx)?;
        let loc = super::endpoint_location(ctx);
        if p.chain.is_empty() {
            let why = if p.chain_problems.is_empty() {
                "no certificate was obtained (no handshake reached the Certificate message)"
                    .to_string()
            } else {
                p.chain_problems.join("; ")
            };
            j.not_evaluated("chain", format!("{}: {why}", loc.path))
                .at(loc);
            return Ok(out);
        }
        for problem in &p.chain_problems {
            j.not_evaluated("chain", format!("{}: {problem}", loc.path))
                .at(loc.clone());
        }
        for (i, c) in p.chain.iter().enumerate() {
            out.push(Subject {
                cert: c.clone(),
                location: loc.clone(),
                key: format!("chain/{i}"),
                position: i,
                label: format!("{} certificate {} ({})", loc.path, i + 1, c.name()),
            });
        }
        return Ok(out);
    }
    let files = ctx.facts.get::<PemFiles>();
    for (rel, why) in &files.errors {
        let loc = target.location(rel);
        j.not_evaluated(rel.clone(), format!("{}: {why}", loc.path))
            .at(loc);
    }
    for f in &files.files {
        for (i, (line, cert)) in f.certificates().enumerate() {
            let loc = target.location(&f.rel).with_line(line);
            match cert {
                Ok(c) => out.push(Subject {
                    cert: c.clone(),
                    label: if i == 0 {
                        loc.path.to_string()
                    } else {
                        format!("{} (certificate {})", loc.path, i + 1)
                    },
                    location: loc,
                    key: format!("{}#{i}", f.rel),
                    position: i,
                }),
                Err(e) => {
                    j.not_evaluated(format!("{}#{i}", f.rel), format!("{}: {e}", loc.path))
                        .at(loc);
                }
            }
        }
    }
    Ok(out)
}
