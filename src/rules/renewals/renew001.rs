//! RENEW-001 certificate-renewal-not-automated: a certificate configured on
//! the target expires within the policy's horizon (`[renewals] horizon-days`,
//! 90) and nothing renews it: no certbot or acme.sh timer or cron job, not
//! CHT's `CERTIFICATE_MODE=AUTO_GENERATE`, no cert-manager `Certificate`.
//! CA certificates are not judged (they are not renewed by their users).
//! On a TLS endpoint: the served leaf certificate, against the automations
//! of the hosts and trees scanned with it (those that hold the served
//! certificate when one does); an endpoint scanned alone is
//! `not_evaluated`, as what renews it lives on its server.

use crate::facts::pem::PemFiles;
use crate::facts::renewal::{Automation, Covers, Renewals, ScanRenewals, acme_issuer};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;
use crate::target::TargetKind;

/// Whether `a` renews a certificate of that issuer, held where it is.
fn covers(a: &Automation, acme: bool, under_letsencrypt: bool) -> bool {
    match a.covers {
        Covers::All => true,
        Covers::Acme => acme,
        Covers::Certbot => acme || under_letsencrypt,
    }
}

/// What to tell the owner of a certificate nothing renews.
fn advice(acme: bool, self_signed: bool) -> &'static str {
    if acme {
        "Its issuer speaks ACME: schedule renewal (certbot.timer, an acme.sh cron job, or CERTIFICATE_MODE=AUTO_GENERATE)."
    } else if self_signed {
        "It is self-signed: replace it with a certificate that renews itself (CERTIFICATE_MODE=AUTO_GENERATE or certbot)."
    } else {
        "Its issuer does not offer automated renewal: put the renewal date in the team calendar, or move to an ACME certificate renewed by certbot."
    }
}

/// What to do when automation exists but the certificate expired anyway.
const EXPIRED_ADVICE: &str = "Run the renewal by hand and read its log (`certbot renew --dry-run`, `acme.sh --cron`), check that the web server reloads after it, and that this file is the one renewed.";

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    if ctx.target().kind == TargetKind::Tls {
        return served(ctx);
    }
    let files = ctx.facts.get::<PemFiles>();
    let renewals = ctx.facts.get::<Renewals>();
    let target = ctx.target();
    let horizon = i64::from(ctx.policy.renewals.horizon_days);
    let today = ctx.today.days();
    let mut j = Judgement::new();
    for (rel, why) in &files.errors {
        let loc = target.location(rel);
        j.not_evaluated(rel.clone(), format!("{}: {why}", loc.path))
            .at(loc);
    }
    for f in &files.files {
        let Some((line, Ok(cert))) = f.certificates().next() else {
            continue;
        };
        if cert.is_ca {
            continue;
        }
        let loc = target.location(&f.rel).with_line(line);
        let days = cert.days_left(today);
        if days >= horizon {
            j.checked(format!("{}: {days} days left", loc.path));
            continue;
        }
        let acme = acme_issuer(&cert.issuer);
        let renewer = renewals
            .automations
            .iter()
            .find(|a| covers(a, acme, f.rel.starts_with("etc/letsencrypt/")));
        if let Some(a) = renewer {
            if days < 0 {
                // Automation exists, yet the certificate in use has expired:
                // renewal fails, or renews a copy nothing reads.
                j.fail(
                    format!("{}#renewal", f.rel),
                    format!(
                        "The certificate {} ({}) expired on {} ({} days ago) although {} is set up to renew it: renewal is failing, or it renews a copy this file is not. {EXPIRED_ADVICE}",
                        loc.path,
                        cert.name(),
                        cert.not_after_text,
                        -days,
                        a.what
                    ),
                )
                .at(loc)
                .evidence("not_after", cert.not_after_text.clone())
                .evidence("days_left", days)
                .evidence("issuer", cert.issuer.clone())
                .evidence("renewed_by", a.what.clone());
                continue;
            }
            j.checked(format!(
                "{}: {days} days left, renewed by {}",
                loc.path, a.what
            ));
            continue;
        }
        if !renewals.problems.is_empty() {
            j.not_evaluated(
                format!("{}#renewal", f.rel),
                format!(
                    "{} ({}) expires in {days} days; whether anything renews it is unknown: {}",
                    loc.path,
                    cert.name(),
                    renewals.problems.join("; ")
                ),
            )
            .at(loc);
            continue;
        }
        let when = if days < 0 {
            format!("expired on {} ({} days ago)", cert.not_after_text, -days)
        } else {
            format!("expires on {} (in {days} days)", cert.not_after_text)
        };
        let how = advice(acme, cert.self_signed);
        let automations: Vec<String> = renewals
            .automations
            .iter()
            .map(|a| a.what.clone())
            .collect();
        j.fail(
            format!("{}#renewal", f.rel),
            format!(
                "The certificate {} ({}) {when} and nothing on this target renews it ({}). {how}",
                loc.path,
                cert.name(),
                if automations.is_empty() {
                    "no certbot or acme.sh timer or cron job, no AUTO_GENERATE, no cert-manager"
                        .to_string()
                } else {
                    format!("{} do not cover it", automations.join(", "))
                }
            ),
        )
        .at(loc)
        .evidence("not_after", cert.not_after_text.clone())
        .evidence("days_left", days)
        .evidence("issuer", cert.issuer.clone())
        .evidence("horizon_days", ctx.policy.renewals.horizon_days);
    }
    j.finish(
        "Every certificate expiring within the horizon is renewed automatically.",
        "no certificate file on the target",
    )
}

/// The certificate a TLS endpoint serves.
fn served(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    let subjects = match crate::rules::tls::certs::subjects(ctx, &mut j) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(leaf) = subjects.into_iter().find(|s| s.position == 0) else {
        return j.finish("", "the endpoint served no certificate");
    };
    let cert = &leaf.cert;
    let horizon = i64::from(ctx.policy.renewals.horizon_days);
    let days = cert.days_left(ctx.today.days());
    if days >= horizon {
        j.checked(format!("{}: {days} days left", leaf.label));
        return j.finish(
            "The served certificate is valid for longer than the renewal horizon.",
            "",
        );
    }
    let scan = ctx.facts.get::<ScanRenewals>();
    let endpoint = ctx.target().id.clone();
    if scan.targets.is_empty() {
        j.not_evaluated(
            "served#renewal",
            format!(
                "{endpoint} serves a certificate ({}) that expires in {days} days; what renews it is configured on its server: scan that host (--host, --root) or deployment tree together with --tls",
                cert.name()
            ),
        )
        .at(leaf.location.clone());
        return j.finish("", "");
    }
    // The hosts or trees that hold the served certificate renew it; when
    // none does, any of the scan's.
    let holders: Vec<_> = scan
        .targets
        .iter()
        .filter(|t| t.holds.contains(&cert.sha256))
        .collect();
    let candidates: Vec<_> = if holders.is_empty() {
        scan.targets.iter().collect()
    } else {
        holders
    };
    let acme = acme_issuer(&cert.issuer);
    let renewer = candidates.iter().find_map(|t| {
        t.renewals
            .automations
            .iter()
            .find(|a| covers(a, acme, false))
            .map(|a| (t, a))
    });
    let scanned: Vec<String> = candidates.iter().map(|t| t.target.clone()).collect();
    if let Some((t, a)) = renewer
        && days < 0
    {
        j.fail(
            "served#renewal",
            format!(
                "{endpoint} serves a certificate ({}) that expired on {} ({} days ago) although {} on {} is set up to renew it: renewal is failing, or the server was not reloaded. {EXPIRED_ADVICE}",
                cert.name(),
                cert.not_after_text,
                -days,
                a.what,
                t.target
            ),
        )
        .at(leaf.location.clone())
        .evidence("not_after", cert.not_after_text.clone())
        .evidence("days_left", days)
        .evidence("issuer", cert.issuer.clone())
        .evidence("renewed_by", a.what.clone())
        .evidence("renewed_on", t.target.clone());
        return j.finish("", "");
    }
    if let Some((t, a)) = renewer {
        j.checked(format!(
            "{}: {days} days left, renewed by {} on {}",
            leaf.label, a.what, t.target
        ));
        j.pass_evidence("renewed_by", a.what.clone());
        j.pass_evidence("renewed_on", t.target.clone());
        j.pass_evidence("days_left", days);
        j.pass_evidence("issuer", cert.issuer.clone());
        return j.finish(
            "The served certificate expires within the horizon and is renewed automatically.",
            "",
        );
    }
    let problems: Vec<String> = candidates
        .iter()
        .flat_map(|t| {
            t.renewals
                .problems
                .iter()
                .map(move |p| format!("{}: {p}", t.target))
        })
        .collect();
    if !problems.is_empty() {
        j.not_evaluated(
            "served#renewal",
            format!(
                "{endpoint} serves a certificate ({}) that expires in {days} days; whether anything renews it is unknown: {}",
                cert.name(),
                problems.join("; ")
            ),
        )
        .at(leaf.location.clone());
        return j.finish("", "");
    }
    let when = if days < 0 {
        format!("expired on {} ({} days ago)", cert.not_after_text, -days)
    } else {
        format!("expires on {} (in {days} days)", cert.not_after_text)
    };
    j.fail(
        "served#renewal",
        format!(
            "The certificate {endpoint} serves ({}, issued by {}) {when} and nothing in the scan renews it ({} scanned: no certbot or acme.sh timer or cron job, no AUTO_GENERATE, no cert-manager that covers it). {}",
            cert.name(),
            cert.issuer,
            scanned.join(", "),
            advice(acme, cert.self_signed)
        ),
    )
    .at(leaf.location.clone())
    .evidence("not_after", cert.not_after_text.clone())
    .evidence("days_left", days)
    .evidence("issuer", cert.issuer.clone())
    .evidence("scanned", scanned)
    .evidence("horizon_days", ctx.policy.renewals.horizon_days);
    j.finish("", "")
}
