//! RENEW-002 domain-registration-expiring: RDAP says the registrable domain
//! expires within the policy's window (`domain-medium-days`, 30: medium;
//! `domain-high-days`, 14: high; expired: critical). Only for domains the
//! user named (`--domains`, `--check-domains`); a lookup that fails is
//! `not_evaluated`.

use crate::outcome::{Judgement, Outcome, Severity, not_evaluated};
use crate::rdap::RdapLookup;
use crate::rules::Ctx;

pub fn check(ctx: &Ctx) -> Vec<Outcome> {
    let Some(src) = ctx.facts.target.domain_source() else {
        return not_evaluated("not a domain target");
    };
    let lookup = ctx.facts.get::<RdapLookup>();
    let loc = ctx.target().pseudo_location("");
    let reg = match &lookup.0 {
        Ok(r) => r,
        Err(e) => return not_evaluated(format!("RDAP lookup of {}: {e}", src.domain)),
    };
    let Some(expires) = reg.expires else {
        return not_evaluated(format!(
            "the RDAP answer for {} has no expiration event",
            src.domain
        ));
    };
    let p = &ctx.policy.renewals;
    let days = expires.days() - ctx.today.days();
    let mut j = Judgement::new();
    let severity = if days < 0 {
        Some(Severity::Critical)
    } else if days < i64::from(p.domain_high_days) {
        Some(Severity::High)
    } else if days < i64::from(p.domain_medium_days) {
        Some(Severity::Medium)
    } else {
        None
    };
    match severity {
        None => j.checked(format!("{}: expires {expires} ({days} days)", src.domain)),
        Some(sev) => {
            let when = if days < 0 {
                format!("expired on {expires} ({} days ago)", -days)
            } else {
                format!("expires on {expires} (in {days} days)")
            };
            j.fail(
                format!("domain|{}", src.domain),
                format!(
                    "The registration of {} (for {}) {when}, per RDAP ({}): when it lapses every name under it stops resolving and the instance is unreachable. Renew it and turn on auto-renewal at the registrar.",
                    src.domain,
                    src.from.join(", "),
                    reg.url
                ),
            )
            .at(loc)
            .severity(sev)
            .evidence("expires", expires.to_string())
            .evidence("days_left", days)
            .evidence("rdap_url", reg.url.clone());
        }
    }
    j.finish("The domain registration is far from expiry.", "")
}
