//! RENEW-001 certificate-renewal-not-automated: a certificate configured on
//! the target expires within the policy's horizon (`[renewals] horizon-days`,
//! 90) and nothing renews it: no certbot or acme.sh timer or cron job, not
//! CHT's `CERTIFICATE_MODE=AUTO_GENERATE`, no cert-manager `Certificate`.
//! CA certificates are not judged (they are not renewed by their users).

use crate::facts::pem::PemFiles;
use crate::facts::renewal::{Covers, Renewals, acme_issuer};
use crate::outcome::{Judgement, Outcome};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
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
        let renewer = renewals.automations.iter().find(|a| match a.covers {
            Covers::All => true,
            Covers::Acme => acme,
            Covers::Certbot => acme || f.rel.starts_with("etc/letsencrypt/"),
        });
        if let Some(a) = renewer {
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
        let how = if acme {
            "Its issuer speaks ACME: schedule renewal (certbot.timer, an acme.sh cron job, or CERTIFICATE_MODE=AUTO_GENERATE)."
        } else if cert.self_signed {
            "It is self-signed: replace it with a certificate that renews itself (CERTIFICATE_MODE=AUTO_GENERATE or certbot)."
        } else {
            "Its issuer does not offer automated renewal: put the renewal date in the team calendar, or move to an ACME certificate renewed by certbot."
        };
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
