//! What renews certificates on a target: on a host, certbot's and acme.sh's
//! systemd timers and cron jobs (from the `systemd` and `cron` facts); in a
//! tree, CHT's `CERTIFICATE_MODE=AUTO_GENERATE`, cert-manager `Certificate`
//! objects and issuer annotations, and certbot / acme.sh containers. Each
//! automation says which certificates it can renew. Collects; never judges.

use crate::facts::cht_settings::ChtSettings;
use crate::facts::compose::ComposeProjects;
use crate::facts::cron::Cron;
use crate::facts::inventory::Parsed;
use crate::facts::systemd::Systemd;
use crate::facts::{Fact, Facts, Kind};
use crate::outcome::Location;

/// Which certificates an automation renews.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Covers {
    /// Certificates under `/etc/letsencrypt` and ACME-issued ones
    /// (deploy hooks copy them elsewhere).
    Certbot,
    /// ACME-issued certificates wherever installed.
    Acme,
    /// Every certificate of the target (cert-manager issues the cluster's).
    All,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Automation {
    /// `certbot.timer (enabled)`, `cron: /etc/cron.d/certbot:12`.
    pub what: String,
    pub covers: Covers,
    pub location: Option<Location>,
}

#[derive(Debug, Default)]
pub struct Renewals {
    pub automations: Vec<Automation>,
    /// Sources that could not be read: why.
    pub problems: Vec<String>,
}

/// Issuers whose certificates are obtained over ACME (and so renewable by
/// certbot, acme.sh or cert-manager without a person).
pub fn acme_issuer(issuer: &str) -> bool {
    let i = issuer.to_ascii_lowercase();
    [
        "let's encrypt",
        "zerossl",
        "buypass",
        "google trust services",
        "ssl.com",
    ]
    .iter()
    .any(|n| i.contains(n))
}

fn host(facts: &Facts, out: &mut Renewals) {
    let sd = facts.get::<Systemd>();
    for (path, why) in &sd.unreadable {
        out.problems.push(format!("/{path}: {why}"));
    }
    for name in [
        "certbot.timer",
        "snap.certbot.renew.timer",
        "certbot-renew.timer",
    ] {
        if let Some(u) = sd.unit(name).filter(|u| u.enabled()) {
            out.automations.push(Automation {
                what: format!("{} (enabled)", u.name),
                covers: Covers::Certbot,
                location: Some(facts.target.location(&u.path)),
            });
        }
    }
    for timer in sd.of_kind(crate::facts::systemd::UnitKind::Timer) {
        if !timer.enabled() {
            continue;
        }
        if let Ok(svc) = sd.service_of(timer)
            && svc
                .exec_start
                .iter()
                .any(|d| d.value.contains("acme.sh") || d.value.contains("lego"))
        {
            out.automations.push(Automation {
                what: format!("{} starts {} (acme.sh)", timer.name, svc.name),
                covers: Covers::Acme,
                location: Some(facts.target.location(&svc.path)),
            });
        }
    }
    let cron = facts.get::<Cron>();
    for (path, why) in &cron.unreadable {
        out.problems.push(format!("/{path}: {why}"));
    }
    for (word, covers) in [("certbot", Covers::Certbot), ("acme.sh", Covers::Acme)] {
        for job in cron.jobs_running(word) {
            out.automations.push(Automation {
                what: format!("cron job /{}:{} runs {word}", job.path, job.line),
                covers,
                location: Some(facts.target.location(&job.path).with_line(job.line)),
            });
        }
    }
}

fn tree(facts: &Facts, out: &mut Renewals) {
    let settings = facts.get::<ChtSettings>();
    for s in settings.of("CERTIFICATE_MODE") {
        if let Some(v) = s.known()
            && v.expose().trim().eq_ignore_ascii_case("AUTO_GENERATE")
        {
            let mut loc = facts.target.location(&s.rel);
            loc.line = s.line;
            out.automations.push(Automation {
                what: format!("CERTIFICATE_MODE=AUTO_GENERATE ({})", s.context()),
                covers: Covers::Acme,
                location: Some(loc),
            });
        }
    }
    for doc in facts.docs_of(Kind::K8s) {
        let Ok(Parsed::K8s(objects)) = &doc.content else {
            continue;
        };
        for o in objects {
            let cert_manager =
                o.api_version.starts_with("cert-manager.io/") && o.kind == "Certificate";
            let annotated = o.kind == "Ingress"
                && o.node.path(&["metadata", "annotations"]).is_some_and(|a| {
                    a.entries().any(|(k, _)| {
                        k.as_str().is_some_and(|k| {
                            k == "cert-manager.io/cluster-issuer" || k == "cert-manager.io/issuer"
                        })
                    })
                });
            if cert_manager || annotated {
                out.automations.push(Automation {
                    what: format!(
                        "cert-manager ({} {})",
                        o.kind,
                        o.name.as_deref().unwrap_or("(unnamed)")
                    ),
                    covers: Covers::All,
                    location: Some(facts.target.location(&doc.rel).with_line(o.line)),
                });
            }
        }
    }
    let projects = facts.get::<ComposeProjects>();
    for p in &projects.projects {
        for svc in &p.file.services {
            let Some(image) = &svc.image else { continue };
            let name = crate::facts::compose::image_name(&image.raw).to_ascii_lowercase();
            let covers = match name.as_str() {
                "certbot" => Covers::Certbot,
                "acme.sh" => Covers::Acme,
                _ => continue,
            };
            out.automations.push(Automation {
                what: format!("compose service {} ({name})", svc.name),
                covers,
                location: Some(facts.target.location(&p.rel).with_line(svc.line)),
            });
        }
    }
}

impl Fact for Renewals {
    fn collect(facts: &Facts) -> Self {
        let mut out = Renewals::default();
        if facts.target.host_source().is_some() {
            host(facts, &mut out);
        } else if facts.target.root().is_some() {
            tree(facts, &mut out);
        }
        out
    }
}

/// What renews certificates on one host or tree of the scan, and which
/// certificates it holds (their SHA-256 fingerprints, leaves only).
#[derive(Clone, Debug)]
pub struct TargetRenewals {
    pub target: String,
    pub renewals: std::sync::Arc<Renewals>,
    pub holds: Vec<String>,
}

/// The renewal automations of every host and tree of the scan, for the
/// certificates live endpoints serve: a TLS target has no files of its
/// own, so the scan engine supplies this to each TLS target. Empty when the
/// scan has no host or tree.
#[derive(Clone, Debug, Default)]
pub struct ScanRenewals {
    pub targets: Vec<TargetRenewals>,
}

impl ScanRenewals {
    /// Gathers the renewals of the targets that have files.
    pub fn of(facts: &[Facts]) -> ScanRenewals {
        let targets = facts
            .iter()
            .filter(|f| f.target.root().is_some())
            .map(|f| {
                let files = f.get::<crate::facts::pem::PemFiles>();
                let holds = files
                    .files
                    .iter()
                    .filter_map(|p| match p.certificates().next() {
                        Some((_, Ok(c))) if !c.is_ca => Some(c.sha256.clone()),
                        _ => None,
                    })
                    .collect();
                TargetRenewals {
                    target: f.target.id.clone(),
                    renewals: f.get::<Renewals>(),
                    holds,
                }
            })
            .collect();
        ScanRenewals { targets }
    }
}

impl Fact for ScanRenewals {
    fn collect(_: &Facts) -> Self {
        ScanRenewals::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acme_issuers() {
        assert!(acme_issuer("C=US, O=Let's Encrypt, CN=R11"));
        assert!(acme_issuer("CN=ZeroSSL RSA Domain Secure Site CA"));
        assert!(!acme_issuer(
            "CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1"
        ));
    }
}
