//! TLS-004 certificate-expiring: a certificate — served by an endpoint or in
//! a certificate file — expires within the policy's window: expired is
//! critical, under `expiry-high-days` high, under `expiry-medium-days`
//! medium. Days are counted from the scan's date.

use crate::outcome::{Judgement, Outcome, Severity};
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let mut j = Judgement::new();
    let subjects = match super::certs::subjects(ctx, &mut j) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let today = ctx.today.days();
    let pol = &ctx.policy.tls;
    for s in subjects {
        let days = s.cert.days_left(today);
        let (severity, what) = if days < 0 {
            (
                Severity::Critical,
                format!("expired on {} ({} days ago)", s.cert.not_after_text, -days),
            )
        } else if days < i64::from(pol.expiry_high_days) {
            (
                Severity::High,
                format!("expires on {} (in {days} days)", s.cert.not_after_text),
            )
        } else if days < i64::from(pol.expiry_medium_days) {
            (
                Severity::Medium,
                format!("expires on {} (in {days} days)", s.cert.not_after_text),
            )
        } else {
            j.checked(format!("{}: {days} days left", s.label));
            continue;
        };
        j.fail(
            s.key.clone(),
            format!(
                "{}: the certificate for {} {what}; policy wants at least {} days. Renew it (certbot renew, or the CHT certificate volume).",
                s.label,
                s.cert.name(),
                pol.expiry_medium_days
            ),
        )
        .at(s.location.clone())
        .severity(severity)
        .evidence("not_after", s.cert.not_after_text.clone())
        .evidence("days_left", days)
        .evidence("subject", s.cert.subject.clone())
        .evidence("sha256", s.cert.sha256.clone());
    }
    j.pass_evidence("expiry_medium_days", pol.expiry_medium_days);
    j.finish(
        "Every certificate is valid for longer than the policy's window.",
        "no certificates",
    )
}
